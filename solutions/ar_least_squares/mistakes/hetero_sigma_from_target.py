# expect-score: 26
# expect-feedback: train_hetero: 0/4 metrics within their bands
# expect-feedback: train_hetero: nll_gain
# bug: train_hetero computes sigma_t from |x_t| (the target) instead of |x_{t-1}|: it leaks the answer into the noise scale.


def train_hetero(x, steps, lr, seed):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    prev, y = x[:-1], x[1:]
    model = nn.Linear(1, 1).to(x.dtype)
    s = torch.zeros(2, dtype=x.dtype, requires_grad=True)
    optimizer = torch.optim.Adam([*model.parameters(), s], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        mean = model(prev[:, None])[:, 0]
        sigma = nn.functional.softplus(s[0]) + nn.functional.softplus(s[1]) * y.abs()
        loss = gaussian_nll(y[None], mean[None], torch.log(sigma)[None])[0] / y.shape[0]
        loss.backward()
        optimizer.step()
    return {
        "weight": model.weight.detach(),
        "bias": model.bias.detach(),
        "s0": s[0].detach(),
        "s1": s[1].detach(),
    }
    # END SOLUTION
