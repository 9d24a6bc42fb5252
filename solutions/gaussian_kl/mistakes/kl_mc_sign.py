# expect-score: 38
# expect-feedback: kl_mc: the sign is flipped


def kl_mc(mu, logvar, eps):
    # BEGIN SOLUTION
    z = mu + (0.5 * logvar).exp() * eps
    # log q(z) - log p(z); the log(2 pi) terms cancel and (z - mu)^2 / var = eps^2.
    log_ratio = 0.5 * (eps**2 + logvar - z**2)
    return log_ratio.sum(-1).mean(0)
    # END SOLUTION
