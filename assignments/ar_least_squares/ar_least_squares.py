"""Gaussian autoregressive models: with a fixed variance, maximum likelihood is least squares."""

import math

import torch
from torch import nn

# ----------------------------------------------------------------------------- symbolic answers
#
# Write each answer as a string in Python syntax (for example "(x - m)**2/(2*s**2)"), as a LaTeX
# string, or as a SymPy expression. Allowed: numbers, the symbols named in the question,
# log (natural), exp, sqrt, pi, E, Abs, Max, Min, Rational, + - * / ** (or ^). Write every
# multiplication with *.

# log_density: log N(x; m, s**2), in x, m, s.
LOG_DENSITY = None  # your answer

# ar1_nll: AR(1) without intercept, x_t = a*x_{t-1} + N(0, s**2): the negative log-likelihood of
# x1, x2, x3 given x0, in x0, x1, x2, x3, a, s.
AR1_NLL = None  # your answer

# a_hat: the maximum-likelihood a of AR1_NLL, in x0, x1, x2, x3.
A_HAT = None  # your answer

# s2_hat: for a given a, the s**2 that minimises AR1_NLL, in x0, x1, x2, x3, a
# (at a = A_HAT it is the maximum-likelihood variance).
S2_HAT = None  # your answer

# nll_decomposition: for T conditionals with a fixed s, NLL = NLL_ALPHA + NLL_BETA * SSE, where
# SSE is the sum of the T squared prediction errors. NLL_BETA in s; NLL_ALPHA in T, s.
NLL_BETA = None  # your answer
NLL_ALPHA = None  # your answer

# ----------------------------------------------------------------------------- concept questions
# Answer each with one option letter, e.g. Q1 = "a".

# Q1. An AR model is trained by minimising the Gaussian NLL with a FIXED sigma. Changing that fixed
# sigma from 1 to 10 changes:
#   (a) the minimising parameters theta
#   (b) only the scale and the offset of the NLL (hence plain SGD's effective learning rate;
#       Adam is invariant), not its minimiser
#   (c) the model's predictions after training to convergence
Q1 = None  # your answer

# Q2. With a LEARNED, input-dependent sigma_t(x_{<t}) and a mean mu_t(x_{<t}), maximum likelihood
# is:
#   (a) ordinary least squares on the means, whatever sigma_t is
#   (b) least squares weighted by 1/sigma_t**2, plus a penalty sum_t log sigma_t
#   (c) least absolute deviations (L1 regression)
Q2 = None  # your answer

# Q3. Which conditional noise model makes maximum likelihood equal to least absolute deviations,
# sum_t |x_t - mu_t|?
#   (a) Gaussian   (b) Laplace   (c) Student-t   (d) uniform
Q3 = None  # your answer


# ----------------------------------------------------------------------------- functions

def gaussian_nll(x, mean, log_sigma):
    """Negative log-likelihood of x under N(mean, sigma**2), summed over the last dimension.

    x, mean: (B, T) float tensors. log_sigma: log of the standard deviation, broadcastable to
    (B, T) (a scalar, (T,), (B, 1) or (B, T)). Returns (B,): for each row b,
    sum_t -log N(x[b, t]; mean[b, t], exp(log_sigma)**2), including the log(2*pi) constant.
    Must be differentiable in all three inputs.
    """
    raise NotImplementedError


def lagged_design(x, p):
    """Regression data of an AR(p) model of the series x.

    x: (T,) float tensor; p: int, 1 <= p < T. Returns a tuple (X, y):
    X: (T - p, p) with X[i, j] = x[p + i - 1 - j], i.e. column j holds lag j + 1 of the target;
    y: (T - p,) the targets, y[i] = x[p + i].
    """
    raise NotImplementedError


def fit_ar_ls(x, p):
    """Least-squares fit of x_t = intercept + sum_j coef[j] * x_{t-1-j} + noise, t = p..T-1.

    x: (T,) float tensor; p: int. Regress the targets of `lagged_design(x, p)` on its columns plus a
    column of ones (the intercept). Returns a tuple (coef, intercept, sigma2):
    coef: (p,) with coef[j] the weight of lag j + 1; intercept: () scalar tensor;
    sigma2: () the maximum-likelihood noise variance SSE / (T - p), where SSE is the sum of the
    T - p squared residuals (divide by the number of targets, not by T and not by T - 2p - 1).
    """
    raise NotImplementedError


def ar_predict(x, coef, intercept):
    """One-step-ahead AR(p) predictions of x[:, p:] from the p values before each.

    x: (B, T) float tensor; coef: (p,) with coef[j] the weight of lag j + 1; intercept: () scalar.
    Returns (B, T - p): out[b, i] = intercept + sum_j coef[j] * x[b, p + i - 1 - j].
    Must be differentiable in all three inputs.
    """
    raise NotImplementedError


# ----------------------------------------------------------------------------- training

def train_ar(x, p, mode, steps, lr, seed):
    """Fit an AR(p) model by gradient descent: torch.nn.Linear(p, 1) on `lagged_design(x, p)`.

    x: (T,) float64 series; p: int; steps: int; lr: float; seed: int (call torch.manual_seed(seed)
    before building the model). Keep everything in x's dtype (float64): the grader compares
    with a least-squares fit to 1e-3, and float32 rounding is close to that.
    Train with torch.optim.Adam(lr=lr) for `steps` full-batch steps on the loss chosen by `mode`:
      "nll_fixed":         the mean Gaussian NLL of the targets with sigma = 1 fixed;
      "mse":               the mean squared prediction error;
      "nll_learned_sigma": the mean Gaussian NLL with a learned scalar log_sigma (start at 0),
                           optimised jointly with the linear layer.
    Returns a dict of detached tensors: "weight" (1, p) and "bias" (1,) of the linear layer, and,
    in mode "nll_learned_sigma" only, "log_sigma" () (a 0-dimensional tensor).
    """
    raise NotImplementedError


def train_hetero(x, steps, lr, seed):
    """Heteroscedastic AR(1): x_t ~ N(w*x_{t-1} + b, sigma_t**2), trained by maximum likelihood.

    sigma_t = softplus(s0) + softplus(s1) * |x_{t-1}|, with s0, s1 unconstrained scalars.
    x: (T,) float64 series; steps: int; lr: float; seed: int (call torch.manual_seed(seed) before
    building the model). Model the T - 1 targets x[1:] given x[:-1] with torch.nn.Linear(1, 1) for
    the mean and s0 = s1 = 0 at the start. Minimise the mean Gaussian NLL with
    torch.optim.Adam(lr=lr), `steps` full-batch steps, in float64.
    Returns a dict of detached tensors: "weight" (1, 1), "bias" (1,), "s0" (), "s1" ()
    (s0 and s1 before the softplus).
    """
    raise NotImplementedError
