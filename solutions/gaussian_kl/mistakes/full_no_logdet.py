# expect-score: 37.375
# expect-feedback: kl_full_std_normal: diagonal factors


def kl_full_std_normal(mu, L):
    # BEGIN SOLUTION
    d = mu.shape[-1]
    trace = (L**2).sum((-2, -1))  # tr(L L^T) = squared Frobenius norm of L
    return 0.5 * (trace + (mu**2).sum(-1) - d)
    # END SOLUTION
