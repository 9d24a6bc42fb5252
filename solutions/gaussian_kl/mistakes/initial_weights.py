# expect-score: 30
# expect-feedback: linear_vae: kl_error_max


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    x = torch.as_tensor(x, dtype=torch.float32)
    model = nn.ModuleDict({"enc": nn.Linear(6, 2 * LATENT), "dec": nn.Linear(LATENT, 6)})
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    weights = model.state_dict()
    weights = {name: value.clone() for name, value in weights.items()}
    for _ in range(steps):
        xb = x[torch.randint(0, x.shape[0], (batch_size,))]
        mean, logvar = model["enc"](xb).chunk(2, dim=-1)
        z = mean + (0.5 * logvar).exp() * torch.randn_like(mean)
        nll = ((xb - model["dec"](z)) ** 2).sum(-1) / (2 * DECODER_VARIANCE)
        loss = (nll + kl_diag_std_normal(mean, logvar)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return weights
    # END SOLUTION
