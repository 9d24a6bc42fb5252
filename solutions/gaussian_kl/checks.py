"""Trusted inputs and metrics for gaussian_kl: Cholesky-factor cases and the linear-VAE experiment."""

from __future__ import annotations

import math

import torch

from autograder.checks import load_reference, require_tensors

REF = load_reference(__file__)
K = REF.LATENT
SIGMA2 = REF.DECODER_VARIANCE
DIM = 6
N_TRAIN = 2000
N_TEST = 2000
# Held-out data come from torch seeds at or above 2**63, training data from seeds below (hidden
# seeds have 62 bits): the two sets never share a seed.
TEST_STREAM = 2**63
ACTIVE_VARIANCE = 0.01  # a unit is active when Var_x E[z_i | x] exceeds this

# x = A z + c + 0.1 eps with z in R^2: two directions carry signal, four only noise.
A = torch.tensor(
    [[1.0, 0.5], [0.8, -0.6], [0.3, 1.2], [-0.5, 0.4], [1.1, 0.2], [0.2, -0.9]],
    dtype=torch.float64,
)
C = torch.tensor([1.0, -1.0, 0.5, 0.0, 2.0, -0.5], dtype=torch.float64)
NOISE = 0.1

WEIGHT_SHAPES = {
    "enc.weight": (2 * K, DIM),
    "enc.bias": (2 * K,),
    "dec.weight": (DIM, K),
    "dec.bias": (DIM,),
}


def _tril(g: torch.Generator, batch: int, d: int, low: float, dtype=torch.float64) -> torch.Tensor:
    """Random lower-triangular factors with a positive diagonal in [low, low + 1)."""
    L = torch.randn(batch, d, d, generator=g, dtype=torch.float64).tril(-1)
    diag = torch.rand(batch, d, generator=g, dtype=torch.float64) + low
    return (L + torch.diag_embed(diag)).to(dtype)


def tril_cases(seed: int) -> list[dict]:
    """Cases for kl_full_std_normal: means (B, d) and Cholesky factors (B, d, d)."""
    g = torch.Generator().manual_seed(1000 + seed)
    f64 = torch.float64

    def mu(b: int, d: int, dtype=f64) -> torch.Tensor:
        return torch.randn(b, d, generator=g, dtype=f64).to(dtype)

    diagonal = torch.diag_embed(torch.rand(4, 3, generator=g, dtype=f64) + 0.5)
    return [
        # The first case carries the gradient check, and its L is diagonal on purpose: the
        # gradient with respect to the (zero) entries above the diagonal depends on the formula
        # (2 L^-T from logdet(L L^T), 0 from -2 sum log L_ii), and only a diagonal L makes every
        # correct formula agree there.
        {"label": "diagonal factors", "args": [mu(4, 3), diagonal]},
        {"label": "5 factors in 3 dimensions", "args": [mu(5, 3), _tril(g, 5, 3, 0.5)]},
        {"label": "one 1x1 factor", "args": [mu(1, 1), _tril(g, 1, 1, 0.5)]},
        # Small diagonal entries make -2 sum log L_ii the largest term.
        {"label": "small diagonal entries", "args": [mu(4, 5), _tril(g, 4, 5, 0.05)]},
        {"label": "8 factors in 6 dimensions", "args": [mu(8, 6), _tril(g, 8, 6, 0.5)]},
        {
            "label": "float32, 6 factors in 4 dimensions",
            "args": [mu(6, 4, torch.float32), _tril(g, 6, 4, 0.5, torch.float32)],
        },
        {
            "label": "identity factors and zero means",
            "args": [torch.zeros(3, 4, dtype=f64), torch.eye(4, dtype=f64).repeat(3, 1, 1)],
            "properties": ["zero"],
        },
    ]


def sample_x(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 2, generator=g, dtype=torch.float64)
    eps = torch.randn(n, DIM, generator=g, dtype=torch.float64)
    return z @ A.T + C + NOISE * eps


def make_vae_data(seed: int) -> dict[str, torch.Tensor]:
    """The training set, handed to train_linear_vae as the keyword argument x: (2000, 6)."""
    return {"x": sample_x(N_TRAIN, 10 + seed)}


def held_out_x(seed: int) -> torch.Tensor:
    """The evaluation set: (2000, 6) from the same model, never handed to the student."""
    return sample_x(N_TEST, TEST_STREAM + seed)


def ppca_optimum(x: torch.Tensor) -> float:
    """Largest average log-likelihood of a k-factor linear-Gaussian model with noise SIGMA2.

    With the noise variance fixed, the optimal covariance keeps the top-k sample eigenvalues
    above SIGMA2 and puts SIGMA2 everywhere else (PPCA with fixed noise).
    """
    lam = torch.linalg.eigvalsh(covariance(x)).flip(0)
    c = torch.full_like(lam, SIGMA2)
    c[:K] = torch.clamp(lam[:K], min=SIGMA2)
    return float(-0.5 * (DIM * math.log(2 * math.pi) + (c.log() + lam / c).sum()))


def covariance(x: torch.Tensor) -> torch.Tensor:
    centred = x - x.mean(0)
    return centred.T @ centred / x.shape[0]


def analytic_elbo(w: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Average ELBO of the linear VAE on x, with the expectation over q taken exactly."""
    mean, logvar = (x @ w["enc.weight"].T + w["enc.bias"]).chunk(2, dim=-1)
    W, b = w["dec.weight"], w["dec.bias"]
    # E_q ||x - W z - b||^2 = ||x - W mean - b||^2 + sum_j var_j ||W[:, j]||^2
    sq = ((x - mean @ W.T - b) ** 2).sum(-1) + (logvar.exp() * (W**2).sum(0)).sum(-1)
    recon = -0.5 * DIM * math.log(2 * math.pi * SIGMA2) - sq / (2 * SIGMA2)
    return (recon - REF.kl_diag_std_normal(mean, logvar)).mean()


def finite(value: float, fallback: float) -> float:
    # A diverged training may overflow exp(logvar); it then fails the bands instead of erroring.
    return value if math.isfinite(value) else fallback


def evaluate_vae(outputs, seed: int) -> dict[str, float]:
    """Metrics of the returned weights on held-out data of the (hidden) seed, from trusted code.

    The evaluation set is drawn apart from the training set: the metrics say how the weights do
    on data they were not fitted to, and no answer can be tailored to the data it is scored on.

    - kl_error_max: max over the informative dimensions (sample eigenvalue above SIGMA2) of
      |average KL_i - log(lambda_i / SIGMA2) / 2|, dimensions sorted by average KL;
    - collapsed_kl_max: the largest average KL of the remaining dimensions;
    - active_units: how many dimensions have Var_x E[z_i | x] > 0.01;
    - elbo_gap: the PPCA optimum of the held-out data minus the analytic average ELBO there
      (>= 0: no linear-Gaussian model does better on that data than its own optimum).
    """
    w = require_tensors(outputs, WEIGHT_SHAPES)
    x = held_out_x(seed)
    mean, logvar = (x @ w["enc.weight"].T + w["enc.bias"]).chunk(2, dim=-1)
    kl = REF.kl_diag_std_normal(mean.unsqueeze(-1), logvar.unsqueeze(-1))  # (N, K)
    kl_dim = kl.mean(0).sort(descending=True).values
    lam = torch.linalg.eigvalsh(covariance(x)).flip(0)[:K]
    n_info = int((lam > SIGMA2).sum())
    theory = 0.5 * torch.log(lam[:n_info] / SIGMA2)
    kl_error = (kl_dim[:n_info] - theory).abs().max()
    collapsed = kl_dim[n_info:].max() if n_info < K else torch.tensor(0.0)
    active = (mean.var(0) > ACTIVE_VARIANCE).sum()
    gap = ppca_optimum(x) - float(analytic_elbo(w, x))
    return {
        "kl_error_max": finite(float(kl_error), 1e9),
        "collapsed_kl_max": finite(float(collapsed), 1e9),
        "active_units": float(active),
        "elbo_gap": finite(gap, 1e9),
    }
