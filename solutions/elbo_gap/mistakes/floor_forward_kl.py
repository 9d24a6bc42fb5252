# expect-score: 28
# expect-feedback: diag_gap_floor: diag_gap_floor
# Mistake: The floor of KL(p || q) (moment matching, q_ii = Sigma_ii) instead of KL(q || p); equal only for k <= 2.


def diag_gap_floor(W, psi):
    # BEGIN SOLUTION
    k = W.shape[1]
    precision = torch.eye(k, dtype=W.dtype) + W.T @ (W / psi[:, None])
    # The best diagonal q has variances 1/M_ii and the posterior mean, so the KL reduces to
    # half the log-ratio of the diagonal's product to the determinant of M.
    cov = torch.linalg.inv(precision)
    return 0.5 * (torch.log(torch.diagonal(cov)).sum() - torch.logdet(cov))
    # END SOLUTION
