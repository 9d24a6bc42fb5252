# expect-score: 32.7
# expect-feedback: kl_diag_std_normal: off by a constant factor of 0.3333


def kl_diag_std_normal(mu, logvar):
    # BEGIN SOLUTION
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).mean(-1)
    # END SOLUTION
