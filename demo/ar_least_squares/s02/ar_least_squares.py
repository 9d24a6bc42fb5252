"""Gaussian autoregressive models: with a fixed variance, maximum likelihood is least squares."""

import math

import sympy as sp
import torch

x, m = sp.symbols("x m", real=True)
s, T = sp.symbols("s T", positive=True)
x0, x1, x2, x3, a = sp.symbols("x0 x1 x2 x3 a", real=True)
sse = (x1 - a * x0) ** 2 + (x2 - a * x1) ** 2 + (x3 - a * x2) ** 2

LOG_DENSITY = sp.log(1 / sp.sqrt(2 * sp.pi * s**2)) - (x - m) ** 2 / (2 * s**2)
AR1_NLL = 3 * sp.log(s) + sp.Rational(3, 2) * sp.log(2 * sp.pi) + sse / (2 * s**2)
A_HAT = sp.solve(sp.diff(AR1_NLL, a), a)[0]
S2_HAT = sse / 3
NLL_BETA = 1 / (2 * s**2)
NLL_ALPHA = T * sp.log(2 * sp.pi * s**2) / 2

Q1 = "b"
Q2 = "b"
Q3 = "b"


def gaussian_nll(x, mean, log_sigma):
    var = torch.exp(2 * log_sigma)
    terms = 0.5 * (math.log(2 * math.pi) + 2 * log_sigma + (x - mean) ** 2 / var)
    return terms.sum(-1)


def lagged_design(x, p):
    n = len(x) - p
    rows = [x[i : i + p].flip(0) for i in range(n)]
    return torch.stack(rows), x[p:].clone()


def fit_ar_ls(x, p):
    X, y = lagged_design(x, p)
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype)
    design = torch.hstack([ones, X])
    sol = torch.linalg.pinv(design) @ y
    sse = ((y - design @ sol) ** 2).sum()
    return sol[1:], sol[0], sse / len(y)


def ar_predict(x, coef, intercept):
    p = len(coef)
    T = x.shape[1]
    out = intercept + torch.zeros(x.shape[0], T - p, dtype=x.dtype)
    for j in range(p):
        out = out + coef[j] * x[:, p - 1 - j : T - 1 - j]
    return out


def _fit(params, loss_fn, steps, lr):
    opt = torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()


def train_ar(x, p, mode, steps, lr, seed):
    torch.manual_seed(seed)
    X, y = lagged_design(x, p)
    model = torch.nn.Linear(p, 1).to(torch.float64)
    log_sigma = torch.zeros((), dtype=torch.float64, requires_grad=True)
    learn_sigma = mode == "nll_learned_sigma"

    def loss():
        mu = model(X)[:, 0]
        if mode == "mse":
            return torch.mean((y - mu) ** 2)
        return gaussian_nll(y, mu, log_sigma) / len(y)

    params = list(model.parameters()) + ([log_sigma] if learn_sigma else [])
    _fit(params, loss, steps, lr)
    result = {"weight": model.weight.detach(), "bias": model.bias.detach()}
    if learn_sigma:
        result["log_sigma"] = log_sigma.detach()
    return result


def train_hetero(x, steps, lr, seed):
    torch.manual_seed(seed)
    model = torch.nn.Linear(1, 1).to(torch.float64)
    s = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    prev, y = x[:-1], x[1:]

    def loss():
        var = (torch.nn.functional.softplus(s[0]) + torch.nn.functional.softplus(s[1]) * prev.abs()) ** 2
        mu = model(prev[:, None])[:, 0]
        return torch.nn.functional.gaussian_nll_loss(mu, y, var, full=True)

    _fit([*model.parameters(), s], loss, steps, lr)
    return {"weight": model.weight.detach(), "bias": model.bias.detach(),
            "s0": s[0].detach().clone(), "s1": s[1].detach().clone()}
