# expect-score: 21
# expect-feedback: diag_encoder: test_gap
# expect-feedback: diag_encoder_k1: variance in place of the standard deviation
# expect-feedback: linear_vae: test_gap
# Mistake: Training on a reparameterised ELBO whose noise is scaled by the variance instead of the std.


def mc_elbo(x, W, b, psi, q_mean, q_logvar):
    """One-sample reparameterised estimate of the ELBO of each row of x."""
    eps = torch.randn_like(q_mean)
    z = q_mean + q_logvar.exp() * eps
    recon = -0.5 * (torch.log(2 * math.pi * psi) + (x - b - z @ W.T) ** 2 / psi).sum(-1)
    kl = 0.5 * (q_logvar.exp() + q_mean**2 - 1 - q_logvar).sum(-1)
    return recon - kl


def train_diag_encoder(x, W, b, psi, steps, lr, seed):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    d, k = W.shape
    encoder = torch.nn.Linear(d, 2 * k, dtype=x.dtype)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr)
    centred = x - b
    for _ in range(steps):
        optimizer.zero_grad()
        q_mean, q_logvar = encoder(centred).split(k, dim=-1)
        loss = -mc_elbo(x, W, b, psi, q_mean, q_logvar).mean()
        loss.backward()
        optimizer.step()
    weight = encoder.weight.detach().clone()
    return {"weight": weight, "bias": encoder.bias.detach() - weight @ b}
    # END SOLUTION


def train_linear_vae(x, k, steps, lr, seed):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    d = x.shape[1]
    centre = x.mean(0)
    centred = x - centre
    encoder = torch.nn.Linear(d, 2 * k, dtype=x.dtype)
    W = torch.nn.Parameter(0.1 * torch.randn(d, k, dtype=x.dtype))
    b = torch.nn.Parameter(centre.clone())
    log_psi = torch.nn.Parameter(torch.zeros((), dtype=x.dtype))
    optimizer = torch.optim.Adam([*encoder.parameters(), W, b, log_psi], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        q_mean, q_logvar = encoder(centred).split(k, dim=-1)
        psi = log_psi.exp().expand(d)
        loss = -mc_elbo(x, W, b, psi, q_mean, q_logvar).mean()
        loss.backward()
        optimizer.step()
    weight = encoder.weight.detach().clone()
    return {
        "W": W.detach().clone(),
        "b": b.detach().clone(),
        "psi": log_psi.detach().exp().expand(d).clone(),
        "weight": weight,
        "bias": encoder.bias.detach() - weight @ centre,
    }
    # END SOLUTION
