# expect-score: 21.8
# expect-feedback: fit_forward: sigma
# expect-feedback: fit_reverse_mode: at_a_mode
# Mistake: fit_gaussian never calls opt.step(): it returns the initial parameters.


def fit_gaussian(direction, mu0, sigma0, steps, lr, seed, samples=None):
    # BEGIN SOLUTION
    mu = torch.tensor(float(mu0), dtype=torch.float64, requires_grad=True)
    log_sigma = torch.tensor(math.log(float(sigma0)), dtype=torch.float64, requires_grad=True)
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
    return {"mu": mu.detach().clone(), "log_sigma": log_sigma.detach().clone()}
    # END SOLUTION
