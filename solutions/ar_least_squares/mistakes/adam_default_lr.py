# expect-score: 23
# expect-feedback: train_nll_fixed: 0/2 metrics within their bands
# expect-feedback: train_mse: coef_error
# expect-feedback: train_learned_sigma: 0/3 metrics
# bug: train_ar builds Adam without lr=lr, so it runs at Adam's default 1e-3 (50x too small) and does not converge in 400 steps.


def train_ar(x, p, mode, steps, lr, seed):
    # BEGIN SOLUTION
    if mode not in ("nll_fixed", "mse", "nll_learned_sigma"):
        raise ValueError(f"unknown mode {mode!r}")
    torch.manual_seed(seed)
    X, y = lagged_design(x, p)
    model = nn.Linear(p, 1).to(x.dtype)
    log_sigma = torch.zeros((), dtype=x.dtype, requires_grad=mode == "nll_learned_sigma")
    params = list(model.parameters()) + ([log_sigma] if log_sigma.requires_grad else [])
    optimizer = torch.optim.Adam(params)
    for _ in range(steps):
        optimizer.zero_grad()
        mean = model(X)[:, 0]
        if mode == "mse":
            loss = ((y - mean) ** 2).mean()
        else:
            loss = gaussian_nll(y[None], mean[None], log_sigma)[0] / y.shape[0]
        loss.backward()
        optimizer.step()
    out = {"weight": model.weight.detach(), "bias": model.bias.detach()}
    if mode == "nll_learned_sigma":
        out["log_sigma"] = log_sigma.detach()
    return out
    # END SOLUTION
