"""Gaussian KL homework (s06)."""

import torch
from torch import nn

KL_STD_NORMAL = "sigma**2/2 + mu**2/2 - 1/2 - log(sigma)"
KL_STD_NORMAL_LOGVAR = "(exp(l) + mu**2 - 1 - l)/2"
KL_TWO_GAUSSIANS = "log(s1/s2) + (s1**2 + (m1 - m2)**2)/(2*s2**2) - 1/2"
DKL_DSIGMA = "sigma - 1/sigma"
DKL_DLOGVAR = "(exp(l) - 1)/2"
KL_FULL_2D = "(a + e + mu1**2 + mu2**2 - 2 - log(a*e - c**2))/2"


def kl_diag_std_normal(mu, logvar):
    return 0.5 * (logvar.exp() + mu.pow(2) - 1 - logvar).sum(-1)


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    return 0.5 * (logvar2 - logvar1 + (logvar1 - logvar2).exp()
                  + (mu1 - mu2).pow(2) / logvar2.exp() - 1).sum(-1)


def kl_full_std_normal(mu, L):
    # tr(Sigma) + |mu|^2 - d
    cov = L @ L.transpose(-1, -2)
    return 0.5 * (cov.diagonal(dim1=-2, dim2=-1).sum(-1) + (mu**2).sum(-1) - mu.shape[-1])


def kl_mc(mu, logvar, eps):
    z = mu + (0.5 * logvar).exp() * eps
    log_q = -0.5 * (eps**2 + logvar)
    log_p = -0.5 * z**2
    return (log_p - log_q).sum(-1).mean(0)


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    torch.manual_seed(seed)
    x = x.float()
    enc, dec = nn.Linear(6, 8), nn.Linear(4, 6)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=lr)
    for _ in range(steps):
        xb = x[torch.randint(0, len(x), (batch_size,))]
        out = enc(xb)
        mean, logvar = out[:, :4], out[:, 4:]
        z = mean + (0.5 * logvar).exp() * torch.randn_like(mean)
        loss = (((xb - dec(z)) ** 2).sum(-1) / 0.5 + kl_diag_std_normal(mean, logvar)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    state = {"enc.weight": enc.weight, "enc.bias": enc.bias, "dec.weight": dec.weight, "dec.bias": dec.bias}
    return {k: v.detach().clone() for k, v in state.items()}


Q1 = "c"
Q2 = "a"
Q3 = "a"
