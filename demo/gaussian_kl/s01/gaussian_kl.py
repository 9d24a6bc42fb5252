"""Gaussian KL homework (s01): torch.distributions for the KLs, LaTeX for the derivations."""

import torch
from torch import nn
from torch.distributions import MultivariateNormal, Normal, kl_divergence

KL_STD_NORMAL = r"$\frac{1}{2}\left(\sigma^2+\mu^2-1-\log\sigma^2\right)$"
KL_STD_NORMAL_LOGVAR = r"$\frac{e^{l}+\mu^2-1-l}{2}$"
KL_TWO_GAUSSIANS = r"$\log\frac{s_2}{s_1}+\frac{s_1^2+(m_1-m_2)^2}{2 s_2^2}-\frac{1}{2}$"
DKL_DSIGMA = r"$\sigma-\frac{1}{\sigma}$"
DKL_DLOGVAR = r"$\frac{1}{2}\left(e^{l}-1\right)$"
KL_FULL_2D = r"$\frac{1}{2}\left(a+e+\mu_1^2+\mu_2^2-2-\log(a e-c^2)\right)$"


def _normal(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar))


def kl_diag_std_normal(mu, logvar):
    prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(_normal(mu, logvar), prior).sum(-1)


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    return kl_divergence(_normal(mu1, logvar1), _normal(mu2, logvar2)).sum(-1)


def kl_full_std_normal(mu, L):
    d = mu.shape[-1]
    eye = torch.eye(d, dtype=mu.dtype)
    q = MultivariateNormal(mu, scale_tril=L)
    p = MultivariateNormal(torch.zeros_like(mu), scale_tril=eye.expand_as(L))
    return kl_divergence(q, p)


def kl_mc(mu, logvar, eps):
    q = _normal(mu, logvar)
    z = q.loc + q.scale * eps
    prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return (q.log_prob(z) - prior.log_prob(z)).sum(-1).mean(0)


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    torch.manual_seed(seed)
    x = x.double()
    enc = nn.Linear(6, 8).double()
    dec = nn.Linear(4, 6).double()
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=lr)
    for _ in range(steps):
        batch = x[torch.randint(len(x), (batch_size,))]
        mean, logvar = enc(batch)[:, :4], enc(batch)[:, 4:]
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        log_px = Normal(dec(z), 0.5).log_prob(batch).sum(-1)
        loss = (kl_diag_std_normal(mean, logvar) - log_px).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return nn.ModuleDict({"enc": enc, "dec": dec}).state_dict()


Q1 = "a"
Q2 = "(a)"
Q3 = "A"
