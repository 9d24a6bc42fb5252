"""Trusted inputs, training data and metrics for the ar_least_squares assignment."""

from __future__ import annotations

import math

import numpy as np
import torch

from autograder.checks import MetricInputError, require_tensors

# The AR(3) of the training experiment:
# x_t = 0.5 + 0.6 x_{t-1} - 0.3 x_{t-2} + 0.2 x_{t-3} + 0.8 e_t.
AR3_COEF = (0.6, -0.3, 0.2)
AR3_INTERCEPT = 0.5
AR3_SIGMA = 0.8
AR3_LENGTH = 3000
# The heteroscedastic AR(1): x_t = 0.7 x_{t-1} + (0.3 + 0.5 |x_{t-1}|) e_t.
HETERO_SLOPE = 0.7
HETERO_SIGMA = (0.3, 0.5)
HETERO_LENGTH = 3000
BURN_IN = 200


def simulate_ar(coef, intercept, sigma, length, seed):
    """A stationary AR(p) path of `length` values (float64), after a burn-in from the mean."""
    rng = np.random.default_rng(seed)
    coef = np.asarray(coef, dtype=np.float64)
    p = len(coef)
    x = np.full(length + BURN_IN, intercept / (1.0 - coef.sum()))
    noise = sigma * rng.standard_normal(length + BURN_IN)
    for t in range(p, length + BURN_IN):
        x[t] = intercept + coef @ x[t - p : t][::-1] + noise[t]
    return x[BURN_IN:]


def simulate_hetero(length, seed):
    """A path of the heteroscedastic AR(1), after a burn-in from 0."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(length + BURN_IN)
    x = np.zeros(length + BURN_IN)
    for t in range(1, length + BURN_IN):
        scale = HETERO_SIGMA[0] + HETERO_SIGMA[1] * abs(x[t - 1])
        x[t] = HETERO_SLOPE * x[t - 1] + scale * noise[t]
    return x[BURN_IN:]


# ----------------------------------------------------------------------------- tensor inputs

def fit_cases(seed):
    """Series with a real AR structure (random white noise would make every coefficient ~0)."""
    specs = [
        ("AR(1) series, T=40, p=1", (0.8,), 0.3, 40, 1),
        ("AR(3) series, T=200, p=3", AR3_COEF, AR3_INTERCEPT, 200, 3),
        ("AR(2) series fitted with p=4, T=120", (0.5, 0.25), -1.0, 120, 4),
    ]
    cases = []
    for k, (label, coef, intercept, length, p) in enumerate(specs):
        x = simulate_ar(coef, intercept, 1.0, length, seed=1000 * seed + k)
        cases.append({"label": label, "args": [torch.from_numpy(x)], "kwargs": {"p": p}})
    return cases


# ----------------------------------------------------------------------------- training data

def make_ar_data(seed):
    """The AR(3) training series handed to train_ar as `x`."""
    x = simulate_ar(AR3_COEF, AR3_INTERCEPT, AR3_SIGMA, AR3_LENGTH, 50 + seed)
    return {"x": torch.from_numpy(x)}


def make_hetero_data(seed):
    """The heteroscedastic training series handed to train_hetero as `x`."""
    return {"x": torch.from_numpy(simulate_hetero(HETERO_LENGTH, 70 + seed))}


# ----------------------------------------------------------------------------- metrics

def least_squares(prev, target):
    """OLS of target on [prev, 1]: (coefficients, intercept, SSE / n), all float64."""
    design = torch.cat([prev, torch.ones(prev.shape[0], 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(design, target[:, None]).solution[:, 0]
    residual = target - design @ solution
    return solution[:-1], solution[-1], float((residual**2).mean())


def ar_errors(outputs, seed, keys):
    """Max |w - w_LS| and |b - b_LS| against the least-squares fit on the same training series."""
    state = require_tensors(outputs, keys)
    x = make_ar_data(seed)["x"]
    p = len(AR3_COEF)
    lags = torch.stack([x[p - 1 - j : x.shape[0] - 1 - j] for j in range(p)], dim=1)
    coef, intercept, sigma2 = least_squares(lags, x[p:])
    metrics = {
        "coef_error": float((state["weight"][0] - coef).abs().max()),
        "bias_error": float((state["bias"][0] - intercept).abs()),
    }
    return state, metrics, sigma2


def evaluate_ar_fixed(outputs, seed):
    """Modes "nll_fixed" and "mse": the weights must be the least-squares ones."""
    _, metrics, _ = ar_errors(outputs, seed, {"weight": (1, 3), "bias": (1,)})
    return metrics


def evaluate_ar_learned_sigma(outputs, seed):
    """Mode "nll_learned_sigma": least-squares weights and exp(2 log_sigma) = SSE / n."""
    state, metrics, sigma2 = ar_errors(
        outputs, seed, {"weight": (1, 3), "bias": (1,), "log_sigma": ()}
    )
    metrics["sigma2_error"] = abs(math.exp(2 * float(state["log_sigma"])) - sigma2)
    return metrics


def gaussian_nll_mean(target, mean, sigma):
    """Mean of -log N(target; mean, sigma**2) over the steps, in nats."""
    z = (target - mean) / sigma
    return float((torch.log(sigma) + 0.5 * math.log(2 * math.pi) + 0.5 * z**2).mean())


def evaluate_hetero(outputs, seed):
    """Test NLL gain of sigma_t = softplus(s0) + softplus(s1)|x_{t-1}| over OLS with a scalar sigma.

    The scalar-sigma model is the grader's own closed-form fit on the training series; both models
    are scored on a fresh series the student never saw.
    """
    state = require_tensors(outputs, {"weight": (1, 1), "bias": (1,), "s0": (), "s1": ()})
    train = make_hetero_data(seed)["x"]
    test = torch.from_numpy(simulate_hetero(HETERO_LENGTH, 10_000 + seed))
    prev, target = test[:-1], test[1:]

    coef, intercept, sigma2 = least_squares(train[:-1, None], train[1:])
    nll_scalar = gaussian_nll_mean(
        target, coef[0] * prev + intercept, torch.tensor(math.sqrt(sigma2), dtype=torch.float64)
    )
    sigma_floor = torch.nn.functional.softplus(state["s0"])
    sigma_slope = torch.nn.functional.softplus(state["s1"])
    sigma_t = sigma_floor + sigma_slope * prev.abs()
    if not bool((sigma_t > 0).all()):
        raise MetricInputError("softplus(s0) + softplus(s1)|x| must be positive; s0 underflows")
    nll_hetero = gaussian_nll_mean(target, state["weight"][0, 0] * prev + state["bias"][0], sigma_t)
    return {
        "nll_gain": nll_scalar - nll_hetero,
        "sigma_intercept": float(sigma_floor),
        "sigma_slope": float(sigma_slope),
        "mean_slope": float(state["weight"][0, 0]),
    }
