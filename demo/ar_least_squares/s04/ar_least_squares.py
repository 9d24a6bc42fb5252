"""Gaussian autoregressive models: with a fixed variance, maximum likelihood is least squares."""

import math

import torch
import torch.nn.functional as F

LOG_DENSITY = "-(x - m)**2/(2*s**2)"
AR1_NLL = "3*log(2*pi*s**2)/2 + ((x1 - a*x0)**2 + (x2 - a*x1)**2 + (x3 - a*x2)**2)/(2*s**2)"
A_HAT = "(x1*x0 + x2*x1 + x3*x2)/(x1**2 + x2**2 + x3**2)"
S2_HAT = "((x1 - a*x0)**2 + (x2 - a*x1)**2 + (x3 - a*x2)**2)/3"
NLL_BETA = "1/(2*s**2)"
NLL_ALPHA = "T*log(2*pi*s)/2"

Q1 = "a"
Q2 = "b"
Q3 = "b"


def gaussian_nll(x, mean, log_sigma):
    z = (x - mean) / torch.exp(log_sigma)
    return torch.sum(0.5 * z**2 + log_sigma + 0.5 * math.log(2 * math.pi))


def lagged_design(x, p):
    X = torch.stack([torch.roll(x, j + 1)[p:] for j in range(p)], dim=1)
    return X, x[p:]


def fit_ar_ls(x, p):
    X, y = lagged_design(x, p)
    A = torch.cat([X, torch.ones_like(y)[:, None]], 1)
    coef = torch.linalg.lstsq(A, y[:, None]).solution.flatten()
    res = y - A @ coef
    return coef[:p], coef[p], (res @ res) / (len(x) - p)


def ar_predict(x, coef, intercept):
    p = coef.numel()
    T = x.shape[-1]
    return sum(coef[j] * x[:, p - j : T - j] for j in range(p)) + intercept


def train_ar(x, p, mode, steps, lr, seed):
    torch.manual_seed(seed)
    X, y = lagged_design(x, p)
    layer = torch.nn.Linear(p, 1, dtype=torch.float64)
    log_sigma = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
    params = [*layer.parameters()] + ([log_sigma] if mode == "nll_learned_sigma" else [])
    opt = torch.optim.Adam(params)
    for _ in range(steps):
        mu = layer(X)[:, 0]
        if mode == "mse":
            loss = F.mse_loss(mu, y)
        else:
            sigma = log_sigma.exp()
            loss = (log_sigma + 0.5 * ((y - mu) / sigma) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = {"weight": layer.weight.detach(), "bias": layer.bias.detach()}
    if mode == "nll_learned_sigma":
        out["log_sigma"] = log_sigma.detach()
    return out


def train_hetero(x, steps, lr, seed):
    torch.manual_seed(seed)
    prev, y = x[:-1], x[1:]
    layer = torch.nn.Linear(1, 1, dtype=torch.float64)
    s = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([*layer.parameters(), s], lr=lr)
    for _ in range(steps):
        sigma = F.softplus(s[0]) + F.softplus(s[1]) * prev.abs()
        mu = layer(prev[:, None])[:, 0]
        loss = (torch.log(sigma) + 0.5 * ((y - mu) / sigma) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"weight": layer.weight.detach(), "bias": layer.bias.detach(), "s0": s[0].detach(), "s1": s[1].detach()}
