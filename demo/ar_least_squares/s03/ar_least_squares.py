"""Gaussian autoregressive models: with a fixed variance, maximum likelihood is least squares."""

import math

import torch
from torch import nn

LOG_DENSITY = "-0.5*log(2*pi) - log(s) - (x - m)^2/(2*s^2)"
AR1_NLL = "log(2*pi*s^2)/2 + ((x1 - a*x0)^2 + (x2 - a*x1)^2 + (x3 - a*x2)^2)/(2*s^2)"
A_HAT = "(x0*x1 + x1*x2 + x2*x3)/(x0^2 + x1^2 + x2^2)"
S2_HAT = "((x1 - a*x0)^2 + (x2 - a*x1)^2 + (x3 - a*x2)^2)/2"
NLL_BETA = "1/(2*s^2)"
NLL_ALPHA = "T*log(2*pi*s^2)/2"

Q1 = "b"
Q2 = "b"
Q3 = "a"


def gaussian_nll(x, mean, log_sigma):
    sigma = torch.exp(log_sigma)
    nll = 0.5 * math.log(2 * math.pi) + log_sigma + (x - mean) ** 2 / (2 * sigma**2)
    return nll.sum(dim=1)


def lagged_design(x, p):
    T = len(x)
    X = torch.zeros(T - p, p, dtype=x.dtype)
    for j in range(p):
        X[:, j] = x[p - 1 - j : T - 1 - j]
    return X, x[p:]


def fit_ar_ls(x, p):
    X, y = lagged_design(x, p)
    A = torch.cat([X, torch.ones(len(y), 1, dtype=x.dtype)], dim=1)
    w = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)
    sse = ((y - A @ w) ** 2).sum()
    return w[:p], w[p], sse / len(x)


def ar_predict(x, coef, intercept):
    p = len(coef)
    T = x.shape[1]
    X = torch.stack([x[:, p - 1 - j : T - 1 - j] for j in range(p)], dim=2)
    return X @ coef + intercept


def train_ar(x, p, mode, steps, lr, seed):
    torch.manual_seed(seed)
    X, y = lagged_design(x, p)
    model = nn.Linear(p, 1).double()
    log_sigma = torch.zeros((), dtype=torch.float64, requires_grad=True)
    params = list(model.parameters())
    if mode == "nll_learned_sigma":
        params.append(log_sigma)
    opt = torch.optim.Adam(params, lr=lr)
    for step in range(steps):
        opt.zero_grad()
        pred = model(X).squeeze(1)
        if mode == "mse":
            loss = ((pred - y) ** 2).mean()
        else:
            loss = gaussian_nll(y.unsqueeze(0), pred.unsqueeze(0), log_sigma).sum() / len(y)
        loss.backward()
        opt.step()
    out = {"weight": model.weight.detach(), "bias": model.bias.detach()}
    if mode == "nll_learned_sigma":
        out["log_sigma"] = log_sigma.detach()
    return out


def train_hetero(x, steps, lr, seed):
    # TODO
    raise NotImplementedError
