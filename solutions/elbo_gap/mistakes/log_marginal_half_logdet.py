# expect-score: 27.6
# expect-feedback: log_marginal: log_marginal
# expect-feedback: functions_hidden: log_marginal
# Mistake: log det C taken as sum(log diag L) instead of 2 sum(log diag L).


def log_marginal(x, W, b, psi):
    # BEGIN SOLUTION
    d = x.shape[-1]
    cov = W @ W.T + torch.diag(psi)
    chol = torch.linalg.cholesky(cov)
    # Whitened residuals: chol^{-1} (x - b), one column per data point.
    white = torch.linalg.solve_triangular(chol, (x - b).T, upper=False)
    log_det = torch.log(torch.diagonal(chol)).sum()
    return -0.5 * (d * math.log(2 * math.pi) + log_det + (white**2).sum(0))
    # END SOLUTION
