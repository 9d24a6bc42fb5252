# expect-score: 18
# expect-feedback: lagged_design: element 0 of the returned tuple differs
# expect-feedback: fit_ar_ls: 0/3 checks passed
# expect-feedback: train_nll_fixed: coef_error
# bug: lagged_design shifts every column by one step, so column 0 is the target itself; fit_ar_ls and train_ar inherit it.


def lagged_design(x, p):
    # BEGIN SOLUTION
    T = x.shape[0]
    X = torch.stack([x[p - j : T - j] for j in range(p)], dim=1)
    return X, x[p:]
    # END SOLUTION
