# expect-score: 25
# expect-feedback: gaussian_nll: 0/6 checks passed
# expect-feedback: train_learned_sigma: sigma2_error
# expect-feedback: train_hetero: sigma_intercept
# bug: gaussian_nll drops the 1/2 of the quadratic term: fixed-sigma training is unaffected, but a learned sigma**2 comes out as 2 SSE/n.


def gaussian_nll(x, mean, log_sigma):
    # BEGIN SOLUTION
    z = (x - mean) * torch.exp(-log_sigma)
    return (0.5 * math.log(2 * math.pi) + log_sigma + z**2).sum(-1)
    # END SOLUTION
