# expect-score: 27
# expect-feedback: fit_ar_ls: element 0 of the returned tuple differs
# bug: fit_ar_ls regresses without a column of ones and returns a zero intercept.


def fit_ar_ls(x, p):
    # BEGIN SOLUTION
    X, y = lagged_design(x, p)
    coef = torch.linalg.lstsq(X, y[:, None]).solution[:, 0]
    residual = y - X @ coef
    return coef, torch.zeros((), dtype=x.dtype), (residual**2).sum() / y.shape[0]
    # END SOLUTION
