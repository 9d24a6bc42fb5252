# expect-score: 26
# expect-feedback: fit_reverse_mode: symmetric local optimum
# Mistake: log_sigma starts at sigma0 instead of log(sigma0), so run A starts wide (sigma 1.65).


def fit_gaussian(direction, mu0, sigma0, steps, lr, seed, samples=None):
    # BEGIN SOLUTION
    mu = torch.tensor(float(mu0), dtype=torch.float64, requires_grad=True)
    log_sigma = torch.tensor(float(sigma0), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([mu, log_sigma], lr=lr)
    g = torch.Generator().manual_seed(int(seed))
    for _ in range(int(steps)):
        opt.zero_grad()
        if direction == "forward":
            loss = forward_kl_loss(mu, log_sigma, samples)
        elif direction == "reverse":
            eps = torch.randn(512, generator=g, dtype=torch.float64)
            loss = reverse_kl_loss(mu, log_sigma, eps, P_WEIGHTS, P_MEANS, P_STDS)
        else:
            raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
        loss.backward()
        opt.step()
    return {"mu": mu.detach().clone(), "log_sigma": log_sigma.detach().clone()}
    # END SOLUTION
