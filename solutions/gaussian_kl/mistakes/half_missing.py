# expect-score: 39
# expect-feedback: kl_std_normal: The overall factor 1/2 is missing


KL_STD_NORMAL = "sigma**2 + mu**2 - 1 - log(sigma**2)"
