"""Gaussian KL homework (s07): unfinished."""

import torch
from torch import nn

KL_STD_NORMAL = "(sigma^2 + mu^2 - 1 - log(sigma^2))/2"
KL_STD_NORMAL_LOGVAR = "(exp(l) + mu^2 - 1 - l)/2"
KL_TWO_GAUSSIANS = "log(s2/s1) + (s1^2 + (m1 - m2)^2)/(2*s2^2) - 1/2"
DKL_DSIGMA = None  # TODO
DKL_DLOGVAR = None
KL_FULL_2D = None


def kl_diag_std_normal(mu, logvar):
    return 0.5 * (torch.exp(logvar) + mu**2 - 1 - logvar).sum(-1)


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    raise NotImplementedError


def kl_full_std_normal(mu, L):
    raise NotImplementedError


def kl_mc(mu, logvar, eps):
    z = mu + torch.exp(0.5 * logvar) * eps
    return 0.5 * (z**2 - eps**2 - logvar).sum(-1).mean(0)


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    torch.manual_seed(seed)
    x = x.float()
    enc, dec = nn.Linear(6, 8), nn.Linear(4, 6)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=lr)
    for _ in range(steps):
        xb = x[torch.randint(0, len(x), (batch_size,))]
        mean, logvar = enc(xb).chunk(2, dim=-1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        loss = (((xb - dec(z)) ** 2).sum(-1) / 0.5 + kl_diag_std_normal(mean, logvar)).mean()
        opt.zero_grad()
        loss.backward()
    return {"enc.weight": enc.weight.detach(), "enc.bias": enc.bias.detach(),
            "dec.weight": dec.weight.detach(), "dec.bias": dec.bias.detach()}


Q1 = "a"
Q2 = "a"
