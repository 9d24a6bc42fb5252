# expect-score: 29
# expect-feedback: mixture_log_prob_tails: |x| up to 40
# Mistake: mixture_log_prob sums densities then takes the log: -inf where they underflow.


def mixture_log_prob(x, w, means, stds):
    # BEGIN SOLUTION
    dens = w * torch.exp(gauss_log_prob(x[:, None], means, torch.log(stds)))  # (N, K)
    return torch.log(dens.sum(dim=-1))
    # END SOLUTION
