# expect-score: 28.5
# expect-feedback: fwd_kl_one_mode: w log w + (1-w) log(1-w) is missing
# Mistake: FWD_KL_ONE_MODE without the entropy term.


FWD_KL_ONE_MODE = "(1-w)*D**2/(2*s**2)"
