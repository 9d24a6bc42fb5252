# expect-score: 37
# expect-feedback: kl_std_normal: log σ² = 2 log σ
# expect-feedback: dkl_dsigma: d/dσ of log σ² is 2/σ


KL_STD_NORMAL = "(sigma**2 + mu**2 - 1 - log(sigma))/2"


DKL_DSIGMA = "sigma - 1/(2*sigma)"
