# expect-score: 30.1
# expect-feedback: kl_std_normal_logvar: l was treated as log σ
# expect-feedback: kl_diag_std_normal: batch of 7 in 3 dimensions


KL_STD_NORMAL_LOGVAR = "(exp(2*l) + mu**2 - 1 - 2*l)/2"


def kl_diag_std_normal(mu, logvar):
    # BEGIN SOLUTION
    # sigma = exp(logvar), so sigma^2 = exp(2 logvar) and log sigma^2 = 2 logvar
    return 0.5 * ((2 * logvar).exp() + mu**2 - 1.0 - 2 * logvar).sum(-1)
    # END SOLUTION


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    x = torch.as_tensor(x, dtype=torch.float32)
    model = nn.ModuleDict({"enc": nn.Linear(6, 2 * LATENT), "dec": nn.Linear(LATENT, 6)})
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        xb = x[torch.randint(0, x.shape[0], (batch_size,))]
        mean, logvar = model["enc"](xb).chunk(2, dim=-1)
        z = mean + logvar.exp() * torch.randn_like(mean)
        nll = ((xb - model["dec"](z)) ** 2).sum(-1) / (2 * DECODER_VARIANCE)
        loss = (nll + kl_diag_std_normal(mean, logvar)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {name: value.detach().clone() for name, value in model.state_dict().items()}
    # END SOLUTION
