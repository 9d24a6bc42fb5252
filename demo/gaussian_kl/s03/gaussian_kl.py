"""Gaussian KL homework (s03)."""

import math

import torch
from torch import nn

KL_STD_NORMAL = "-(log(sigma^2) - sigma^2 - mu^2 + 1)/2"
KL_STD_NORMAL_LOGVAR = "exp(l)/2 + mu^2/2 - 1/2 - l/2"
KL_TWO_GAUSSIANS = "(log(s2^2/s1^2) + s1^2/s2^2 + (m1 - m2)^2/s2^2 - 1)/2"
DKL_DSIGMA = "(sigma^2 - 1)/sigma"
DKL_DLOGVAR = "exp(l)/2 - 1/2"
KL_FULL_2D = "(a + e + mu1^2 + mu2^2)/2 - 1 - log(sqrt(a*e - c^2))"


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    # KL(q1 || q2) per dimension: 1/2 [log v2/v1 + v1/v2 + (m1-m2)^2/v2 - 1]
    return 0.5 * torch.sum(
        logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mu1 - mu2).pow(2) / torch.exp(logvar2) - 1,
        dim=-1,
    )


def kl_diag_std_normal(mu, logvar):
    zeros = torch.zeros_like(mu)
    return kl_diag_gaussians(mu, logvar, zeros, zeros)


def kl_full_std_normal(mu, L):
    log_diag = torch.log(torch.diagonal(L, dim1=-2, dim2=-1))
    frob = torch.linalg.matrix_norm(L) ** 2
    return 0.5 * (frob + torch.linalg.vector_norm(mu, dim=-1) ** 2 - L.shape[-1]) - log_diag.sum(-1)


def kl_mc(mu, logvar, eps):
    z = mu + torch.exp(logvar / 2) * eps
    log_q = -0.5 * (eps**2 + logvar + math.log(2 * math.pi))
    log_p = -0.5 * (z**2 + math.log(2 * math.pi))
    return torch.mean(torch.sum(log_q - log_p, dim=-1), dim=0)


class LinearVAE(nn.Module):
    def __init__(self, k=4):
        super().__init__()
        self.k = k
        self.enc = nn.Linear(6, 2 * k)
        self.dec = nn.Linear(k, 6)

    def negative_elbo(self, x):
        mean, logvar = self.enc(x).split(self.k, dim=-1)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
        nll = 0.5 * ((x - self.dec(z)) ** 2).sum(-1) / 0.25 + 3 * math.log(2 * math.pi * 0.25)
        return (nll + kl_diag_std_normal(mean, logvar)).mean()


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    torch.manual_seed(seed)
    model = LinearVAE()
    data = x.to(torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for step in range(steps):
        idx = torch.randint(0, data.shape[0], (batch_size,))
        optimizer.zero_grad()
        model.negative_elbo(data[idx]).backward()
        optimizer.step()
    return {k: v.clone() for k, v in model.state_dict().items()}


Q1 = "a)"
Q2 = " a "
Q3 = "a."
