"""Trusted checks for flow_vs_vae: ring data, exact flow log-likelihood, VAE ELBO and IWAE_K."""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from autograder.checks import MetricInputError, load_reference, require_tensors

ref = load_reference(__file__)

N_TRAIN = 4000
N_TEST = 5000  # exact flow log-likelihood and ELBO: cheap, so many points (test-set noise 0.015)
RING_COMPONENTS = 6
RING_RADIUS = 2.0
RING_STD = 0.3
ELBO_SAMPLES = 20
IWAE_POINTS = 500  # IWAE_K uses 1000 decoder passes per point: only on the first 500 test points
IWAE_DRAWS = 1000  # one set of draws per point, split into disjoint blocks of K
IWAE_KS = (1, 10, 100, 1000)
IWAE_CHUNK = 100


def ring_sample(n: int, rng: np.random.Generator) -> np.ndarray:
    """n points from an equal-weight mixture of 6 isotropic Gaussians on a circle of radius 2."""
    k = rng.integers(0, RING_COMPONENTS, size=n)
    angle = 2 * math.pi * k / RING_COMPONENTS
    centres = RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres + RING_STD * rng.standard_normal((n, 2))


def ring_log_density(x: np.ndarray) -> np.ndarray:
    """Exact log-density of the ring mixture at x (N, 2)."""
    angle = 2 * math.pi * np.arange(RING_COMPONENTS) / RING_COMPONENTS
    centres = RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    sq = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
    log_comp = -sq / (2 * RING_STD**2) - math.log(2 * math.pi * RING_STD**2)
    top = log_comp.max(1)
    return top + np.log(np.exp(log_comp - top[:, None]).mean(1))


def test_points(seed: int) -> torch.Tensor:
    # Different stream from the training data: the student never sees these points.
    rng = np.random.default_rng([2, seed])
    return torch.from_numpy(ring_sample(N_TEST, rng))


def make_ring_data(seed: int) -> dict[str, torch.Tensor]:
    """Training data handed to train_flow / train_vae: x (4000, 2) float32."""
    rng = np.random.default_rng([1, seed])
    return {"x": torch.from_numpy(ring_sample(N_TRAIN, rng)).float()}


def _load(model: torch.nn.Module, outputs) -> torch.nn.Module:
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    state = require_tensors(outputs, shapes)
    extra = sorted(set(map(str, outputs)) - set(shapes))
    if extra:
        raise MetricInputError(f"unexpected keys in the returned state_dict: {', '.join(extra)}")
    model = model.double()
    model.load_state_dict(state)
    return model.eval()


def evaluate_flow(outputs, seed: int) -> dict[str, float]:
    """Exact mean test log-likelihood (nats per point) of the returned RealNVP weights."""
    model = _load(ref.RealNVP(), outputs)
    with torch.no_grad():
        ll = model.log_prob(test_points(seed))
    if not torch.isfinite(ll).all():
        raise MetricInputError("the returned flow gives a non-finite log-likelihood on test data")
    return {"test_loglik": float(ll.mean())}


def vae_bounds(model: torch.nn.Module, x: torch.Tensor, seed: int) -> dict[str, float]:
    """ELBO (analytic KL) on all of x, and IWAE_K for K in IWAE_KS.

    IWAE_K - IWAE_1 is computed on the first IWAE_POINTS rows, from one set of IWAE_DRAWS draws per
    row split into disjoint blocks of K, and added to the ELBO on all rows (IWAE_1 is an estimate
    of the ELBO). This estimates IWAE_K on all rows with the noise of the gap (0.19 nats per row,
    0.009 over 500 rows) instead of that of log p(x) across rows (about 1 nat per row).
    """
    g = torch.Generator().manual_seed(10_000 + seed)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        std = torch.exp(0.5 * logvar)
        dec_logvar = model.dec_logvar

        eps = torch.randn(ELBO_SAMPLES, *mu.shape, generator=g, dtype=x.dtype)
        dec_mu = model.decode(mu + std * eps)
        recon = -0.5 * (
            math.log(2 * math.pi) + dec_logvar + (x - dec_mu) ** 2 / dec_logvar.exp()
        ).sum(-1)
        kl = 0.5 * (logvar.exp() + mu**2 - 1 - logvar).sum(-1)
        elbo = recon.mean(0) - kl

        # The decoder MLP dominates the cost: run it in float32 (errors ~1e-6 nats), and keep
        # the log-densities in float64. Chunks keep the activations small.
        n = IWAE_POINTS
        x, mu, logvar, std = x[:n], mu[:n], logvar[:n], std[:n]
        dec32 = copy.deepcopy(model.dec).float()
        chunks = []
        for _ in range(IWAE_DRAWS // IWAE_CHUNK):
            z = mu + std * torch.randn(IWAE_CHUNK, *mu.shape, generator=g, dtype=x.dtype)
            dec_mu = dec32(z.float()).double()
            chunks.append(ref.vae_log_weights(x, z, mu, logvar, dec_mu, dec_logvar))
        log_w = torch.cat(chunks)
        metrics = {"elbo": float(elbo.mean())}
        iwae_1 = log_w.mean(0)
        for k in IWAE_KS:
            blocks = log_w.reshape(IWAE_DRAWS // k, k, -1)
            bound = (torch.logsumexp(blocks, dim=1) - math.log(k)).mean(0)
            metrics[f"iwae_{k}"] = metrics["elbo"] + float((bound - iwae_1).mean())
    return metrics


def evaluate_vae(outputs, seed: int) -> dict[str, float]:
    """ELBO and IWAE_K of the returned VAE weights on held-out ring data."""
    model = _load(ref.VAE(), outputs)
    bounds = vae_bounds(model, test_points(seed), seed)
    if not all(math.isfinite(v) for v in bounds.values()):
        raise MetricInputError("the returned VAE gives non-finite bounds on test data")
    iwae = [bounds[f"iwae_{k}"] for k in IWAE_KS]
    return {
        "elbo": bounds["elbo"],
        "iwae10_minus_elbo": bounds["iwae_10"] - bounds["elbo"],
        "iwae_monotone_in_k": float(all(a <= b for a, b in zip(iwae, iwae[1:]))),
        "iwae_1000": bounds["iwae_1000"],
    }
