# expect-score: 29
# expect-feedback: forward_kl_loss: mu = 0.3
# Mistake: forward_kl_loss sums over the samples instead of averaging (Adam still trains it).


def forward_kl_loss(mu, log_sigma, samples):
    # BEGIN SOLUTION
    return -gauss_log_prob(samples, mu, log_sigma).sum()
    # END SOLUTION
