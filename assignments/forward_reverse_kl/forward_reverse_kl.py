"""Forward KL (mode-covering) versus reverse KL (mode-seeking) for a Gaussian fitted to a bimodal target."""

import math

import torch

# The target of every experiment: p = 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2). Do not change these.
P_WEIGHTS = torch.tensor([0.5, 0.5], dtype=torch.float64)
P_MEANS = torch.tensor([-2.0, 2.0], dtype=torch.float64)
P_STDS = torch.tensor([0.5, 0.5], dtype=torch.float64)

# ---------------------------------------------------------------- Part 1: closed forms
# Symbols (use exactly these names): w (the weight of component 1, 0 < w < 1), m1, m2 (the
# component means), s1, s2 (their standard deviations), s (a common standard deviation), and
# D (the distance |m1 - m2| between the two means). Write answers as Python-syntax strings.
#
# A4.1  p = w N(m1, s1^2) + (1-w) N(m2, s2^2).  The Gaussian q = N(mu, sigma^2) that minimises
#       the forward KL(p || q) has mean FWD_MEAN ...
FWD_MEAN = None  # your answer

# A4.2  ... and variance sigma^2 = FWD_VAR (a variance, not a standard deviation).
FWD_VAR = None  # your answer

# A4.3  Let the components be so far apart (D / s1, D / s2 -> infinity) that they do not overlap,
#       and let q be exactly component 1, q = N(m1, s1^2).  Give the reverse KL(q || p) in this
#       limit, in terms of w only.
REV_KL_ONE_MODE = None  # your answer

# A4.4  Same limit, with equal standard deviations s1 = s2 = s and q = N(m1, s^2): give the
#       forward KL(p || q) in terms of w, s and D (drop terms that vanish as D / s -> infinity).
FWD_KL_ONE_MODE = None  # your answer


# ---------------------------------------------------------------- Part 2: log densities and losses


def gauss_log_prob(x, mu, log_sigma):
    """Log density of N(mu, sigma^2), sigma = exp(log_sigma), at x.

    x, mu, log_sigma: float tensors that broadcast together (e.g. x (N,), mu and log_sigma ()).
    Returns a tensor of the broadcast shape, same dtype as the inputs. Differentiable in all three.
    """
    raise NotImplementedError


def mixture_log_prob(x, w, means, stds):
    """Log density of the mixture sum_k w[k] N(means[k], stds[k]^2) at each x.

    x: (N,); w: (K,) positive weights that sum to 1 (use them as given, do not renormalise);
    means: (K,); stds: (K,) positive standard deviations. Returns (N,).
    Must stay finite far in the tails (|x| up to 40, where every component density underflows
    to 0 in floating point): combine the components in log space.
    """
    raise NotImplementedError


def forward_kl_loss(mu, log_sigma, samples):
    """Monte Carlo forward-KL loss of q = N(mu, exp(log_sigma)^2) from samples x_i ~ p.

    mu, log_sigma: () tensors; samples: (N,). Returns the () tensor -(1/N) sum_i log q(x_i),
    the cross-entropy, which equals KL(p || q) + H(p), i.e. KL(p || q) up to a constant.
    """
    raise NotImplementedError


def reverse_kl_loss(mu, log_sigma, eps, w, means, stds):
    """Reparameterised Monte Carlo estimate of KL(q || p), q = N(mu, exp(log_sigma)^2).

    mu, log_sigma: () tensors; eps: (S,) standard-normal draws; the target p is the mixture
    (w, means, stds) as in `mixture_log_prob`. With z_i = mu + exp(log_sigma) * eps_i, return
    the () tensor (1/S) sum_i [log q(z_i) - log p(z_i)], differentiable in mu and log_sigma
    (and in the mixture parameters).
    """
    raise NotImplementedError


# ---------------------------------------------------------------- Part 3: training


def fit_gaussian(direction, mu0, sigma0, steps, lr, seed, samples=None):
    """Fit q = N(mu, sigma^2) to the target p (P_WEIGHTS, P_MEANS, P_STDS) by Adam.

    Parameters are mu and log_sigma (float64 scalars), initialised at mu0 and log(sigma0), and
    trained with torch.optim.Adam(lr=lr) for `steps` steps.
    - direction "forward": minimise forward_kl_loss on `samples` (a (4000,) float64 tensor of
      draws from p, the full batch at every step);
    - direction "reverse": minimise reverse_kl_loss with 512 fresh eps ~ N(0, 1) per step, drawn
      with torch.randn(512, generator=g, dtype=torch.float64) where
      g = torch.Generator().manual_seed(int(seed)); `samples` is not used.
    Returns {"mu": () tensor, "log_sigma": () tensor}, detached.
    """
    raise NotImplementedError


# ---------------------------------------------------------------- Part 4: concepts
# Answer each with one letter (the options are in the README).
Q1 = None  # your answer
Q2 = None  # your answer
Q3 = None  # your answer
