"""Gaussian KL homework (s04)."""

import torch
from torch import nn

KL_STD_NORMAL = "(sigma**2 + mu**2 - 1 - log(sigma**2))/2"
KL_STD_NORMAL_LOGVAR = "(exp(l) + mu**2 - 1 - l)/2"
KL_TWO_GAUSSIANS = "log(s2/s1) + (s1**2 + (m1 - m2)**2)/(2*s2**2) - 1/2"
DKL_DSIGMA = "sigma - 1/sigma"
DKL_DLOGVAR = "(exp(l) - 1)/2"
KL_FULL_2D = "a + e + mu1**2 + mu2**2 - 2 - log(a*e - c**2)"


def kl_diag_std_normal(mu, logvar):
    # average KL per latent dimension
    return 0.5 * torch.mean(torch.exp(logvar) + mu**2 - 1 - logvar, dim=-1)


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    var1, var2 = torch.exp(logvar1), torch.exp(logvar2)
    return 0.5 * torch.sum(logvar2 - logvar1 + (var1 + (mu1 - mu2) ** 2) / var2 - 1, dim=-1)


def kl_full_std_normal(mu, L):
    diag = torch.diagonal(L, dim1=-2, dim2=-1)
    return 0.5 * ((L**2).sum((-1, -2)) + (mu**2).sum(-1) - mu.shape[-1]) - torch.log(diag).sum(-1)


def kl_mc(mu, logvar, eps):
    z = mu + torch.exp(0.5 * logvar) * eps
    return (0.5 * (z**2 - eps**2 - logvar)).sum(-1).mean(0)


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    torch.manual_seed(seed)
    x = x.float()
    enc, dec = nn.Linear(6, 8), nn.Linear(4, 6)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=lr)
    for _ in range(steps):
        xb = x[torch.randint(0, len(x), (batch_size,))]
        mean, logvar = enc(xb).chunk(2, dim=-1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        loss = (((xb - dec(z)) ** 2).sum(-1) * 2 + kl_diag_std_normal(mean, logvar)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {f"enc.{k}": v.detach() for k, v in enc.state_dict().items()} | {
        f"dec.{k}": v.detach() for k, v in dec.state_dict().items()}


Q1 = "a"
Q2 = "a"
Q3 = "b"
