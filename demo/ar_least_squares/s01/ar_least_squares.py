"""Gaussian autoregressive models: with a fixed variance, maximum likelihood is least squares."""

import torch
from torch import nn
from torch.distributions import Normal

LOG_DENSITY = r"$-\frac{1}{2}\log(2\pi s^2) - \frac{(x-m)^2}{2s^2}$"
AR1_NLL = r"$\frac{3}{2}\log(2\pi s^2) + \frac{(x_1 - a x_0)^2 + (x_2 - a x_1)^2 + (x_3 - a x_2)^2}{2 s^2}$"
A_HAT = r"\frac{x_0 x_1 + x_1 x_2 + x_2 x_3}{x_0^2 + x_1^2 + x_2^2}"
S2_HAT = r"\frac{1}{3}\left((x_1 - a x_0)^2 + (x_2 - a x_1)^2 + (x_3 - a x_2)^2\right)"
NLL_BETA = r"\frac{1}{2 s^2}"
NLL_ALPHA = r"\frac{T}{2}\log(2\pi s^2)"

Q1 = "(b)"
Q2 = "B"
Q3 = "b)"


def gaussian_nll(x, mean, log_sigma):
    scale = torch.exp(log_sigma).expand_as(x)
    return -Normal(mean, scale).log_prob(x).sum(dim=-1)


def lagged_design(x, p):
    # each window is x[t-p .. t]; the last entry is the target, the others are lags p..1
    windows = x.unfold(0, p + 1, 1)
    return windows[:, :p].flip(-1), windows[:, p]


def fit_ar_ls(x, p):
    X, y = lagged_design(x, p)
    A = torch.cat([X, torch.ones(len(y), 1, dtype=x.dtype)], dim=1)
    beta = torch.linalg.solve(A.T @ A, A.T @ y)
    resid = y - A @ beta
    return beta[:-1], beta[-1], resid.pow(2).mean()


def ar_predict(x, coef, intercept):
    p = coef.shape[0]
    windows = x[..., :-1].unfold(-1, p, 1)  # (B, T - p, p): x[t-p .. t-1]
    return windows @ coef.flip(0) + intercept


def train_ar(x, p, mode, steps, lr, seed):
    torch.manual_seed(seed)
    X, y = lagged_design(x, p)
    lin = nn.Linear(p, 1).double()
    log_s = nn.Parameter(torch.zeros((), dtype=torch.float64))
    params = list(lin.parameters())
    if mode == "nll_learned_sigma":
        params.append(log_s)
    opt = torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        pred = lin(X).squeeze(1)
        if mode == "mse":
            loss = nn.functional.mse_loss(pred, y)
        else:
            loss = gaussian_nll(y[None], pred[None], log_s).mean() / len(y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = dict(weight=lin.weight.detach().clone(), bias=lin.bias.detach().clone())
    if mode == "nll_learned_sigma":
        out["log_sigma"] = log_s.detach().clone()
    return out


def train_hetero(x, steps, lr, seed):
    torch.manual_seed(seed)
    prev, y = x[:-1].unsqueeze(1), x[1:]
    lin = nn.Linear(1, 1).double()
    s0 = nn.Parameter(torch.zeros((), dtype=torch.float64))
    s1 = nn.Parameter(torch.zeros((), dtype=torch.float64))
    opt = torch.optim.Adam([*lin.parameters(), s0, s1], lr=lr)
    softplus = nn.functional.softplus
    for _ in range(steps):
        sigma = softplus(s0) + softplus(s1) * prev.squeeze(1).abs()
        loss = -Normal(lin(prev).squeeze(1), sigma).log_prob(y).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"weight": lin.weight.detach().clone(), "bias": lin.bias.detach().clone(),
            "s0": s0.detach().clone(), "s1": s1.detach().clone()}
