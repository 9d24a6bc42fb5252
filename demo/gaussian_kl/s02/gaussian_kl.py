"""Gaussian KL homework (s02): log-std algebra, SymPy answers, epoch-based minibatches."""

import sympy
import torch
from torch import nn
from torch.nn import functional as F

mu, sigma, l, m1, m2 = sympy.symbols("mu sigma l m1 m2", real=True)
s1, s2, a, e = sympy.symbols("s1 s2 a e", positive=True)
c, mu1, mu2 = sympy.symbols("c mu1 mu2", real=True)

_kl = sigma**2 / 2 + mu**2 / 2 - sympy.Rational(1, 2) - sympy.log(sigma)
KL_STD_NORMAL = _kl
KL_STD_NORMAL_LOGVAR = sympy.simplify(_kl.subs(sigma, sympy.exp(l / 2)))
KL_TWO_GAUSSIANS = sympy.log(s2) - sympy.log(s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sympy.Rational(1, 2)
DKL_DSIGMA = sympy.diff(_kl, sigma)
DKL_DLOGVAR = sympy.diff(KL_STD_NORMAL_LOGVAR, l)
KL_FULL_2D = (a + e + mu1**2 + mu2**2) / 2 - 1 - sympy.log(a * e - c**2) / 2


def kl_diag_std_normal(mu, logvar):
    log_std = 0.5 * logvar
    per_dim = 0.5 * (mu * mu + torch.exp(2 * log_std)) - 0.5 - log_std
    return per_dim.sum(dim=-1)


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    log_s1, log_s2 = 0.5 * logvar1, 0.5 * logvar2
    per_dim = (log_s2 - log_s1) + 0.5 * (torch.exp(2 * (log_s1 - log_s2))
                                         + (mu1 - mu2) ** 2 * torch.exp(-2 * log_s2)) - 0.5
    return per_dim.sum(dim=-1)


def kl_full_std_normal(mu, L):
    cov = L @ L.transpose(-1, -2)
    trace = torch.diagonal(cov, dim1=-2, dim2=-1).sum(-1)
    return 0.5 * (trace + (mu * mu).sum(-1) - mu.shape[-1] - torch.logdet(cov))


def kl_mc(mu, logvar, eps):
    std = torch.exp(0.5 * logvar)
    z = mu + std * eps
    log_q = -0.5 * (((z - mu) / std) ** 2 + logvar)
    log_p = -0.5 * z**2
    return (log_q - log_p).sum(-1).mean(0)


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    torch.manual_seed(seed)
    x = x.float()
    enc, dec = nn.Linear(6, 8), nn.Linear(4, 6)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    order, pos = torch.randperm(len(x)), 0
    for _ in range(steps):
        if pos + batch_size > len(x):
            order, pos = torch.randperm(len(x)), 0
        xb = x[order[pos:pos + batch_size]]
        pos += batch_size
        h = enc(xb)
        mean, logvar = h[:, :4], h[:, 4:]
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        recon = F.mse_loss(dec(z), xb, reduction="sum") / (2 * 0.25)
        loss = (recon + kl_diag_std_normal(mean, logvar).sum()) / len(xb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"enc.weight": enc.weight.detach(), "enc.bias": enc.bias.detach(),
            "dec.weight": dec.weight.detach(), "dec.bias": dec.bias.detach()}


Q1 = "a"
Q2 = "a"
Q3 = "a"
