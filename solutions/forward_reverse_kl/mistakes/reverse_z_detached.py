# expect-score: 23.333333
# expect-feedback: reverse_kl_loss: gradient
# Mistake: z is detached, so no pathwise (reparameterised) gradient reaches mu and log_sigma.


def reverse_kl_loss(mu, log_sigma, eps, w, means, stds):
    # BEGIN SOLUTION
    z = (mu + torch.exp(log_sigma) * eps).detach()  # a sample is data: no gradient through it
    return (gauss_log_prob(z, mu, log_sigma) - mixture_log_prob(z, w, means, stds)).mean()
    # END SOLUTION
