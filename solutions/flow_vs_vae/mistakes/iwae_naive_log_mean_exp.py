# expect-score: 29
# expect-feedback: iwae_bound_extreme: near -1000


def iwae_bound(log_w):
    # BEGIN SOLUTION
    return torch.log(torch.exp(log_w).mean(dim=0))
    # END SOLUTION
