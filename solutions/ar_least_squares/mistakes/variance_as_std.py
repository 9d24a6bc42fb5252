# expect-score: 25
# expect-feedback: gaussian_nll: 0/6 checks passed
# expect-feedback: train_learned_sigma: sigma2_error
# expect-feedback: train_hetero: sigma_slope
# bug: gaussian_nll uses exp(2 log_sigma), the variance, where the standard deviation belongs.


def gaussian_nll(x, mean, log_sigma):
    # BEGIN SOLUTION
    sigma = torch.exp(2 * log_sigma)
    z = (x - mean) / sigma
    return (0.5 * math.log(2 * math.pi) + torch.log(sigma) + 0.5 * z**2).sum(-1)
    # END SOLUTION
