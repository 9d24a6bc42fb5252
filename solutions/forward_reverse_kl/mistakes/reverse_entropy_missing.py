# expect-score: 23.4
# expect-feedback: reverse_kl_loss: target p
# expect-feedback: fit_reverse_mode: the entropy term log q is missing
# Mistake: reverse_kl_loss drops log q (the entropy), so q collapses onto a point.


def reverse_kl_loss(mu, log_sigma, eps, w, means, stds):
    # BEGIN SOLUTION
    z = mu + torch.exp(log_sigma) * eps
    return -mixture_log_prob(z, w, means, stds).mean()
    # END SOLUTION
