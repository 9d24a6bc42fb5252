# expect-score: 26
# expect-feedback: forward_kl_loss: mu = 0.3
# expect-feedback: fit_forward: kl_p_q
# Mistake: forward_kl_loss returns +mean log q: training minimises the likelihood.


def forward_kl_loss(mu, log_sigma, samples):
    # BEGIN SOLUTION
    return gauss_log_prob(samples, mu, log_sigma).mean()
    # END SOLUTION
