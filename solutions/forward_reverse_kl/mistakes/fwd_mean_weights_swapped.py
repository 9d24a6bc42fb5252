# expect-score: 29
# expect-feedback: fwd_mean: The weights are swapped
# Mistake: FWD_MEAN with the weights swapped.


FWD_MEAN = "(1-w)*m1 + w*m2"
