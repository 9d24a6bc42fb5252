# expect-score: 29
# expect-feedback: kl_diag_std_normal: did you reduce over a dimension that should be kept


def kl_diag_std_normal(mu, logvar):
    # BEGIN SOLUTION
    # one number for the whole batch
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum()
    # END SOLUTION
