# expect-score: 21
# expect-feedback: reverse_kl_loss: target p
# expect-feedback: fit_reverse_mode: kl_q_p
# Mistake: reverse_kl_loss returns log p - log q: training maximises the reverse KL.


def reverse_kl_loss(mu, log_sigma, eps, w, means, stds):
    # BEGIN SOLUTION
    z = mu + torch.exp(log_sigma) * eps
    return (mixture_log_prob(z, w, means, stds) - gauss_log_prob(z, mu, log_sigma)).mean()
    # END SOLUTION
