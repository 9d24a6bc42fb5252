# expect-score: 35.1
# expect-feedback: kl_two_gaussians: the other direction
# expect-feedback: kl_diag_gaussians: batch of 7 in 3 dimensions


KL_TWO_GAUSSIANS = "log(s1/s2) + (s2**2 + (m1 - m2)**2)/(2*s1**2) - 1/2"


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    # BEGIN SOLUTION
    # exp(logvar1 - logvar2) rather than a ratio of exps: stays finite at logvar = +-30.
    ratio = (logvar2 - logvar1).exp()
    shift = (mu1 - mu2) ** 2 * (-logvar1).exp()
    return 0.5 * (logvar1 - logvar2 + ratio + shift - 1.0).sum(-1)
    # END SOLUTION
