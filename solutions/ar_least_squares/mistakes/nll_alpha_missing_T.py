# expect-score: 29
# expect-feedback: nll_decomposition: multiply by T
# bug: NLL_ALPHA has one normaliser instead of T.


NLL_ALPHA = "log(2*pi*s**2)/2"
