"""Forward KL (mode-covering) versus reverse KL (mode-seeking) for a Gaussian fitted to a bimodal target."""

import math

import sympy as sp
import torch

P_WEIGHTS = torch.tensor([0.5, 0.5], dtype=torch.float64)
P_MEANS = torch.tensor([-2.0, 2.0], dtype=torch.float64)
P_STDS = torch.tensor([0.5, 0.5], dtype=torch.float64)

w, m1, m2 = sp.symbols("w m1 m2", real=True)
s1, s2, s, D = sp.symbols("s1 s2 s D", positive=True)

FWD_MEAN = w * m1 + (1 - w) * m2
FWD_VAR = sp.expand(w * s1**2 + (1 - w) * s2**2 + w * (1 - w) * (m1 - m2) ** 2)
REV_KL_ONE_MODE = -sp.log(w)
FWD_KL_ONE_MODE = (1 - w) * D**2 / (2 * s**2) + w * sp.log(w) + (1 - w) * sp.log(1 - w)

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def gauss_log_prob(x, mu, log_sigma):
    return -LOG_SQRT_2PI - log_sigma - 0.5 * ((x - mu) / torch.exp(log_sigma)) ** 2


def mixture_log_prob(x, w, means, stds):
    per_component = torch.stack(
        [torch.log(w[k]) + gauss_log_prob(x, means[k], torch.log(stds[k])) for k in range(len(w))]
    )
    return torch.logsumexp(per_component, dim=0)


def forward_kl_loss(mu, log_sigma, samples):
    return -gauss_log_prob(samples, mu, log_sigma).sum() / samples.numel()


def reverse_kl_loss(mu, log_sigma, eps, w, means, stds):
    z = mu + torch.exp(log_sigma) * eps
    return (gauss_log_prob(z, mu, log_sigma) - mixture_log_prob(z, w, means, stds)).mean()


def fit_gaussian(direction, mu0, sigma0, steps, lr, seed, samples=None):
    if direction not in ("forward", "reverse"):
        raise ValueError(direction)
    mu = torch.nn.Parameter(torch.tensor(mu0, dtype=torch.float64))
    log_sigma = torch.nn.Parameter(torch.tensor(sigma0, dtype=torch.float64).log())
    opt = torch.optim.Adam([mu, log_sigma], lr=lr)
    g = torch.Generator().manual_seed(int(seed))

    def loss_fn():
        if direction == "forward":
            return forward_kl_loss(mu, log_sigma, samples)
        eps = torch.randn(512, generator=g, dtype=torch.float64)
        return reverse_kl_loss(mu, log_sigma, eps, P_WEIGHTS, P_MEANS, P_STDS)

    for _ in range(steps):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
    with torch.no_grad():
        return {"mu": mu.clone(), "log_sigma": log_sigma.clone()}


Q1 = "c"
Q2 = "b"
Q3 = "d"
