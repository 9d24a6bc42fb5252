# expect-score: 16.25
# expect-feedback: gauss_log_prob: x (6,)
# expect-feedback: fit_forward: sigma
# Mistake: gauss_log_prob divides the squared error by sigma where sigma^2 belongs.


def gauss_log_prob(x, mu, log_sigma):
    # BEGIN SOLUTION
    sigma = torch.exp(log_sigma)
    return -0.5 * (x - mu) ** 2 / sigma - log_sigma - 0.5 * math.log(2 * math.pi)
    # END SOLUTION
