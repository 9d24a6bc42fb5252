# expect-score: 27.75
# expect-feedback: fwd_var: law of total variance
# Mistake: FWD_VAR without the between-component variance.


FWD_VAR = "w*s1**2 + (1-w)*s2**2"
