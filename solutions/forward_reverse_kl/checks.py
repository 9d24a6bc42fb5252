"""Trusted data and metrics for forward_reverse_kl: samples from p, quadrature KLs, precision and recall."""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import torch
from scipy import integrate, optimize, special, stats

from autograder.checks import require_tensors

# The target p = 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2), repeated here so that no student-visible
# constant can change what is measured.
WEIGHTS = np.array([0.5, 0.5])
MEANS = np.array([-2.0, 2.0])
STDS = np.array([0.5, 0.5])
N_SAMPLES = 4000
Z95 = stats.norm.ppf(0.975)


def make_samples(seed: int) -> dict[str, torch.Tensor]:
    """4000 draws from p for the forward fit."""
    g = torch.Generator().manual_seed(1000 + int(seed))
    comp = torch.multinomial(torch.tensor(WEIGHTS), N_SAMPLES, replacement=True, generator=g)
    noise = torch.randn(N_SAMPLES, generator=g, dtype=torch.float64)
    return {"samples": torch.tensor(MEANS)[comp] + torch.tensor(STDS)[comp] * noise}


def log_p(x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)[..., None]
    comp = (
        np.log(WEIGHTS)
        - np.log(STDS)
        - 0.5 * math.log(2 * math.pi)
        - 0.5 * ((x - MEANS) / STDS) ** 2
    )
    return special.logsumexp(comp, axis=-1)


def expect_normal(f, mu: float, sigma: float) -> float:
    """E f(X), X ~ N(mu, sigma^2), integrated over the standard score so any (mu, sigma) works."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(
            lambda z: stats.norm.pdf(z) * f(mu + sigma * z), -np.inf, np.inf, limit=200
        )
    return float(value)


def kl_p_q(mu: float, sigma: float) -> float:
    """KL(p || q) by quadrature, one Gaussian component of p at a time."""

    def integrand(x):
        return log_p(x) - stats.norm.logpdf(x, mu, sigma)

    return sum(w * expect_normal(integrand, m, s) for w, m, s in zip(WEIGHTS, MEANS, STDS))


def kl_q_p(mu: float, sigma: float) -> float:
    """KL(q || p) = -H(q) - E_q log p, by quadrature."""
    entropy_q = 0.5 * math.log(2 * math.pi * math.e * sigma**2)
    return -entropy_q - expect_normal(log_p, mu, sigma)


@functools.cache
def p_hdr_intervals(level: float = 0.95) -> tuple[tuple[float, float], ...]:
    """The highest-density region {x: p(x) >= c} holding `level` of p's mass, as intervals."""
    grid = np.linspace(-12.0, 12.0, 24001)
    lp_grid = log_p(grid)

    def intervals(c):
        inside = (lp_grid >= c).astype(int)
        edges = np.flatnonzero(np.diff(inside))
        ends = [
            optimize.brentq(lambda x: log_p(x) - c, grid[i], grid[i + 1], xtol=1e-13) for i in edges
        ]
        return list(zip(ends[0::2], ends[1::2]))

    def p_mass(c):
        return sum(p_cdf(b) - p_cdf(a) for a, b in intervals(c))

    c = optimize.brentq(
        lambda c: p_mass(c) - level, lp_grid.min() + 1.0, lp_grid.max() - 1e-6, xtol=1e-12
    )
    return tuple((float(a), float(b)) for a, b in intervals(c))


def p_cdf(x: float) -> float:
    return float(np.sum(WEIGHTS * stats.norm.cdf(x, MEANS, STDS)))


def precision(mu: float, sigma: float) -> float:
    """q's mass inside p's 95% HDR: how often a sample of q looks like data."""
    return float(
        sum(
            stats.norm.cdf(b, mu, sigma) - stats.norm.cdf(a, mu, sigma)
            for a, b in p_hdr_intervals()
        )
    )


def recall(mu: float, sigma: float) -> float:
    """p's mass inside q's 95% HDR (mu +- 1.96 sigma): how much of the data q covers."""
    return p_cdf(mu + Z95 * sigma) - p_cdf(mu - Z95 * sigma)


def fitted(outputs) -> tuple[float, float]:
    t = require_tensors(outputs, {"mu": (), "log_sigma": ()})
    # Wild values only fail the bands; clipping keeps the quadrature finite.
    mu = float(np.clip(t["mu"].item(), -1e6, 1e6))
    sigma = math.exp(float(np.clip(t["log_sigma"].item(), -50.0, 50.0)))
    return mu, sigma


def at_a_mode(mu: float, sigma: float) -> float:
    """1 when q sits on one mode of p; 0 elsewhere (e.g. the symmetric local optimum mu=0, sigma=1.74)."""
    return float(1.5 <= abs(mu) <= 2.5 and sigma <= 0.75)


def landing_note(mu: float, sigma: float) -> dict[str, str]:
    """A feedback note (a str metric without a band) when a reverse fit stopped at a known point."""
    if abs(mu) <= 0.5 and 1.55 <= sigma <= 1.92:
        return {
            "note": "q stopped at the symmetric local optimum (mu = 0, sigma = 1.74); "
            "the reverse KL is non-convex"
        }
    if abs(mu) <= 0.5 and abs(sigma - math.sqrt(4.25)) <= 0.1:
        return {
            "note": "q matches the mean and variance of p (mu = 0, sigma = 2.06): "
            "that is the forward-KL optimum, not a minimum of KL(q || p)"
        }
    if 1.5 <= abs(mu) <= 2.5 and sigma < 0.3:
        return {"note": "q collapsed onto a point inside a mode: the entropy term log q is missing"}
    return {}


def evaluate_forward(outputs, seed: int) -> dict[str, float]:
    """Forward fit: moment matching, q between the modes and covering both."""
    mu, sigma = fitted(outputs)
    return {
        "abs_mu": abs(mu),
        "sigma": sigma,
        "kl_p_q": kl_p_q(mu, sigma),
        "recall": recall(mu, sigma),
    }


def evaluate_reverse_mode(outputs, seed: int) -> dict[str, float | str]:
    """Reverse fit from init A: q on one mode, every sample looking like data."""
    mu, sigma = fitted(outputs)
    return {
        "abs_mu": abs(mu),
        "sigma": sigma,
        "kl_q_p": kl_q_p(mu, sigma),
        "precision": precision(mu, sigma),
        "at_a_mode": at_a_mode(mu, sigma),
        **landing_note(mu, sigma),
    }


def evaluate_reverse_symmetric(outputs, seed: int) -> dict[str, float | str]:
    """Reverse fit from init B: the wide symmetric local minimum (0, 1.736), KL(q || p) = 1.871."""
    mu, sigma = fitted(outputs)
    metrics: dict[str, float | str] = {
        "abs_mu": abs(mu),
        "sigma": sigma,
        "kl_q_p": kl_q_p(mu, sigma),
    }
    note = landing_note(mu, sigma)
    if "symmetric" not in note.get("note", ""):  # from this start the symmetric optimum is right
        metrics.update(note)
    return metrics
