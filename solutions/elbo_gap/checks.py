"""Trusted data and metrics for elbo_gap: the fixed decoder, held-out data and recomputed gaps."""

from __future__ import annotations

import math

import torch

from autograder.checks import MetricInputError, load_reference, require_tensors

REF = load_reference(__file__)

# The experiment's decoder: d = 3, k = 2, isotropic noise. Its exact posterior has correlation
# -0.83 between the two latents, so a diagonal q cannot reach it (floor 0.57371 nats).
W_TRUE = ((1.5, 1.2), (1.0, 1.3), (0.5, -0.2))
B_TRUE = (0.5, -1.0, 2.0)
PSI_TRUE = 0.3
N_POINTS = 2000


def decoder(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(W, b, psi) of the experiment, keeping the first k columns of W."""
    W = torch.tensor(W_TRUE, dtype=torch.float64)[:, :k].contiguous()
    b = torch.tensor(B_TRUE, dtype=torch.float64)
    return W, b, torch.full((3,), PSI_TRUE, dtype=torch.float64)


def sample(n: int, seed: int, k: int = 2) -> torch.Tensor:
    """n points from the experiment's model with k latents, reproducible from seed."""
    W, b, psi = decoder(k)
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, k, generator=g, dtype=torch.float64)
    noise = torch.randn(n, 3, generator=g, dtype=torch.float64)
    return z @ W.T + b + noise * psi.sqrt()


def experiment_cases(seed: int) -> list[dict]:
    """The experiment's decoder as a tensor-check case (its floor is 0.57371)."""
    W, _, psi = decoder(2)
    return [{"label": "the experiment's decoder (d=3, k=2, psi=0.3)", "args": [W, psi]}]


# ---------------------------------------------------------------- (a), (b): decoder fixed


def _encoder_data(seed: int, k: int) -> dict[str, torch.Tensor]:
    W, b, psi = decoder(k)
    return {"x": sample(N_POINTS, 100 + seed, k), "W": W, "b": b, "psi": psi}


def make_encoder_data(seed: int) -> dict[str, torch.Tensor]:
    """Training data and the fixed decoder for train_diag_encoder with k = 2."""
    return _encoder_data(seed, 2)


def make_encoder_data_k1(seed: int) -> dict[str, torch.Tensor]:
    """The same with one latent (the first column of W): the posterior is then diagonal."""
    return _encoder_data(seed, 1)


def _encoder_outputs(x: torch.Tensor, state: dict[str, torch.Tensor], k: int):
    out = x @ state["weight"].T + state["bias"]
    return out[:, :k], out[:, k:]


def _finite(value: torch.Tensor, bad: float) -> float:
    # Weights whose log-variance overflows give NaN or inf; `bad` puts them outside every band.
    value = float(value)
    return value if math.isfinite(value) else bad


def _mean_gap(x, W, b, psi, state, k) -> float:
    q_mean, q_logvar = _encoder_outputs(x, state, k)
    gap = REF.log_marginal(x, W, b, psi) - REF.elbo(x, W, b, psi, q_mean, q_logvar)
    return _finite(gap.mean(), math.inf)


# Where known bugs land (measured on 5 seeds, 1000 steps): k -> ((low, high), note).
LANDING_POINTS = {
    2: (
        ((9.1, 9.3), "a gap near 9.20 is what training on an ELBO without the w²v term gives"),
        ((1.03, 1.07), "a gap near 1.05 is what a reparameterisation with the variance in place "
         "of the standard deviation gives"),
    ),
    1: (
        ((4.5, 4.63), "a gap near 4.56 is what training on an ELBO without the w²v term gives: "
         "q keeps the prior's variance 1 instead of the posterior's"),
        ((0.24, 0.27), "a gap near 0.25 is what a reparameterisation with the variance in place "
         "of the standard deviation gives"),
    ),
}


def _evaluate_encoder(outputs, seed: int, k: int) -> dict[str, float | str]:
    state = require_tensors(outputs, {"weight": (2 * k, 3), "bias": (2 * k,)})
    W, b, psi = decoder(k)
    x_test = sample(N_POINTS, 200 + seed, k)
    metrics: dict[str, float | str] = {"test_gap": _mean_gap(x_test, W, b, psi, state, k)}
    for (low, high), note in LANDING_POINTS[k]:
        if low <= metrics["test_gap"] <= high:
            metrics["note"] = note
    return metrics


def evaluate_encoder(outputs, seed: int) -> dict[str, float | str]:
    """Mean over held-out x of log p(x) - ELBO for the returned encoder (k = 2)."""
    return _evaluate_encoder(outputs, seed, 2)


def evaluate_encoder_k1(outputs, seed: int) -> dict[str, float | str]:
    """The same for k = 1, where the best diagonal q is the exact posterior (gap 0)."""
    return _evaluate_encoder(outputs, seed, 1)


# ---------------------------------------------------------------- (c): joint linear VAE


def make_vae_data(seed: int) -> dict[str, torch.Tensor]:
    """Training data for train_linear_vae (the decoder is learned)."""
    return {"x": sample(N_POINTS, 100 + seed, 2)}


def ppca_max_loglik(x: torch.Tensor, k: int) -> float:
    """Mean log-likelihood of x at the probabilistic-PCA maximum-likelihood solution.

    Tipping and Bishop (1999): with the eigenvalues l_1 >= ... >= l_d of the (1/N) sample
    covariance and sigma^2 the mean of the d - k smallest, the maximum is
    -(d log 2 pi + sum_{i<=k} log l_i + (d - k) log sigma^2 + d) / 2 per point.
    """
    d = x.shape[1]
    centred = x - x.mean(0)
    eig = torch.linalg.eigvalsh(centred.T @ centred / x.shape[0]).flip(0)
    sigma2 = eig[k:].mean()
    return float(
        -0.5 * (d * math.log(2 * math.pi) + eig[:k].log().sum() + (d - k) * sigma2.log() + d)
    )


def evaluate_vae(outputs, seed: int) -> dict[str, float]:
    """Train ELBO against the PPCA maximum likelihood, and the gap on held-out x."""
    k = 2
    state = require_tensors(
        outputs, {"W": (3, k), "b": (3,), "psi": (3,), "weight": (2 * k, 3), "bias": (2 * k,)}
    )
    W, b, psi = state["W"], state["b"], state["psi"]
    if not (psi > 0).all():
        raise MetricInputError("'psi' holds noise variances and must be positive")
    x_train = sample(N_POINTS, 100 + seed, k)
    q_mean, q_logvar = _encoder_outputs(x_train, state, k)
    train_elbo = _finite(REF.elbo(x_train, W, b, psi, q_mean, q_logvar).mean(), -math.inf)
    x_test = sample(N_POINTS, 200 + seed, k)
    return {
        "train_elbo_minus_ppca": train_elbo - ppca_max_loglik(x_train, k),
        "test_gap": _mean_gap(x_test, W, b, psi, state, k),
    }
