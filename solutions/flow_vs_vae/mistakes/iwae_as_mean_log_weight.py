# expect-score: 28
# expect-feedback: iwae_k2: the ELBO estimate
# expect-feedback: q3_iwae: Already with K=2


IWAE_K2 = "(l1 + l2)/2"


Q3 = "c"
