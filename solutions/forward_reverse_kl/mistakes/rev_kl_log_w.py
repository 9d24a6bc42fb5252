# expect-score: 29
# expect-feedback: rev_kl_one_mode: Sign
# Mistake: REV_KL_ONE_MODE = log w instead of -log w.


REV_KL_ONE_MODE = "log(w)"
