# expect-score: 27
# expect-feedback: fit_ar_ls: element 2 of the returned tuple differs
# bug: fit_ar_ls divides the SSE by T instead of by the T - p targets.


def fit_ar_ls(x, p):
    # BEGIN SOLUTION
    X, y = lagged_design(x, p)
    A = torch.cat([X, torch.ones_like(y)[:, None]], dim=1)
    solution = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]
    residual = y - A @ solution
    return solution[:p], solution[p], (residual**2).sum() / x.shape[0]
    # END SOLUTION
