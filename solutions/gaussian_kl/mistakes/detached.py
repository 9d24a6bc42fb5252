# expect-score: 39.4
# expect-feedback: kl_diag_gaussians: no gradient flows back to mu2


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    # BEGIN SOLUTION
    # exp(logvar1 - logvar2) rather than a ratio of exps: stays finite at logvar = +-30.
    # the second Gaussian is a fixed target: no gradient through it
    mu2, logvar2 = mu2.detach(), logvar2.detach()
    ratio = (logvar1 - logvar2).exp()
    shift = (mu1 - mu2) ** 2 * (-logvar2).exp()
    return 0.5 * (logvar2 - logvar1 + ratio + shift - 1.0).sum(-1)
    # END SOLUTION
