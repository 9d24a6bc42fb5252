# expect-score: 28
# expect-feedback: iwae_bound: K=5, N=3
# expect-feedback: iwae_bound_extreme: near -1000


def iwae_bound(log_w):
    # BEGIN SOLUTION
    return log_w.mean(dim=0)
    # END SOLUTION
