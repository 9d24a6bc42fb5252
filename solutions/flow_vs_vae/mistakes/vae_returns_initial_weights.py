# expect-score: 24.75
# expect-feedback: train_vae: elbo


def train_vae(x, steps, lr, seed):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    model = VAE()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    x = x.float()
    for _ in range(steps):
        batch = x[torch.randint(0, x.shape[0], (256,))]
        mu, logvar = model.encode(batch)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        dec_logvar = model.dec_logvar
        recon = -0.5 * (
            math.log(2 * math.pi) + dec_logvar + (batch - model.decode(z)) ** 2 / dec_logvar.exp()
        ).sum(-1)
        kl = 0.5 * (logvar.exp() + mu**2 - 1 - logvar).sum(-1)
        loss = -(recon - kl).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return state
    # END SOLUTION
