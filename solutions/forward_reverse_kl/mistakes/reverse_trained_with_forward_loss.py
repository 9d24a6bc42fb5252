# expect-score: 24
# expect-feedback: fit_reverse_mode: forward-KL optimum
# expect-feedback: fit_reverse_symmetric: sigma
# Mistake: The reverse fit draws samples from p and minimises the forward loss, so it moment-matches.


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
            # draw a fresh batch from p and fit q to it
            comp = torch.randint(0, 2, (512,), generator=g)
            eps = torch.randn(512, generator=g, dtype=torch.float64)
            x = P_MEANS[comp] + P_STDS[comp] * eps
            loss = forward_kl_loss(mu, log_sigma, x)
        else:
            raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
        loss.backward()
        opt.step()
    return {"mu": mu.detach().clone(), "log_sigma": log_sigma.detach().clone()}
    # END SOLUTION
