# expect-score: 27.6
# expect-feedback: exact_posterior: exact_posterior
# expect-feedback: functions_hidden: exact_posterior
# Mistake: The posterior mean uses W instead of diag(psi)^-1 W.


def exact_posterior(x, W, b, psi):
    # BEGIN SOLUTION
    k = W.shape[1]
    w_scaled = W / psi[:, None]
    precision = torch.eye(k, dtype=W.dtype) + W.T @ w_scaled
    cov = torch.cholesky_inverse(torch.linalg.cholesky(precision))
    mean = (x - b) @ W @ cov
    return mean, cov
    # END SOLUTION
