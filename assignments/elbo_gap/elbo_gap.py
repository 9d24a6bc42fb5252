"""Homework: the ELBO gap is KL(q(z|x) || p(z|x)), worked out in a linear-Gaussian latent model."""

import math

import torch

# ---------------------------------------------------------------------------------------------
# Part 1. One latent, one observation (pen and paper).
#
#   z ~ N(0, 1),   x | z ~ N(w z + b, s**2),   q(z) = N(m, v).
#
# Symbols: x, w, b, m are real; s, v are positive. Write each answer as a string in Python
# syntax with these symbols and log, exp, sqrt, pi (for example "log(2*pi*s**2)/2"), as a
# LaTeX string (r"$\frac{1}{2}\log(2\pi s^2)$"), or as a SymPy expression. `log` is the
# natural logarithm.
# ---------------------------------------------------------------------------------------------

# log p(x), the marginal log-likelihood of x.
LOG_PX = None  # your answer

# The mean of the exact posterior p(z | x).
POSTERIOR_MEAN = None  # your answer

# The variance of the exact posterior p(z | x).
POSTERIOR_VAR = None  # your answer

# The ELBO E_q[log p(x | z)] - KL(q(z) || p(z)) as a function of x, w, b, s, m, v.
ELBO = None  # your answer

# The gap log p(x) - ELBO as a function of x, w, b, s, m, v.
GAP = None  # your answer


# ---------------------------------------------------------------------------------------------
# Part 2. The same model in d dimensions with k latents, in torch:
#
#   z ~ N(0, I_k),   x | z ~ N(W z + b, diag(psi)),   q(z | x) = N(q_mean, diag(exp(q_logvar))).
#
# Every function takes and returns torch tensors of the input dtype (float64 or float32) and
# must be differentiable with respect to all of its inputs (no .item(), numpy or in-place ops
# on inputs). Work in closed form: no sampling anywhere in Part 2.
# ---------------------------------------------------------------------------------------------


def log_marginal(x, W, b, psi):
    """Exact log p(x) = log N(x; b, W W^T + diag(psi)) of each row of x.

    x: (N, d) data; W: (d, k) loadings; b: (d,) offset; psi: (d,) positive noise variances.
    Returns a (N,) tensor. Use a Cholesky factor of the covariance, not an explicit inverse.
    """
    raise NotImplementedError


def exact_posterior(x, W, b, psi):
    """The exact posterior p(z | x) = N(mean[n], cov) of each row of x.

    x: (N, d); W: (d, k); b: (d,); psi: (d,) positive.
    Returns a tuple (mean, cov): mean is (N, k), one row per data point; cov is (k, k), the
    same for every x.
    """
    raise NotImplementedError


def elbo(x, W, b, psi, q_mean, q_logvar):
    """The analytic ELBO E_q[log p(x | z)] - KL(q(z | x) || N(0, I)) of each row of x.

    x: (N, d); W: (d, k); b: (d,); psi: (d,) positive; q_mean, q_logvar: (N, k), the mean and
    log-variance of the diagonal Gaussian q(z | x) for each row. Returns a (N,) tensor, one
    ELBO per data point (no reduction over the batch).
    """
    raise NotImplementedError


def diag_gap_floor(W, psi):
    """The smallest gap any diagonal Gaussian q can reach: min over diagonal q of KL(q || p(z|x)).

    W: (d, k); psi: (d,) positive. Returns a 0-dim tensor (it does not depend on x or b).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# Part 3. Experiments. The grader calls these with the keyword arguments shown, on data of its
# own (float64 tensors), and scores what you return with its own code on held-out data.
# The encoder in both experiments is one linear layer mapping x (d,) to [q_mean | q_logvar]
# (2k,): q_mean = (x @ weight.T + bias)[:, :k], q_logvar = (x @ weight.T + bias)[:, k:].
# ---------------------------------------------------------------------------------------------


def train_diag_encoder(x, W, b, psi, steps, lr, seed):
    """Fit the linear diagonal encoder by maximising the mean analytic ELBO, decoder fixed.

    x: (N, d) training data; W: (d, k), b: (d,), psi: (d,): the decoder, which stays fixed;
    steps: number of full-batch Adam steps (1000); lr: Adam learning rate (0.1); seed: call
    torch.manual_seed(seed) before creating the layer.

    Feeding the layer centred inputs x - b makes the optimisation much better conditioned;
    fold the shift into the returned bias (bias - weight @ b).

    Returns {"weight": (2k, d), "bias": (2k,)}: detached tensors such that
    x @ weight.T + bias = [q_mean | q_logvar] for raw (uncentred) inputs x.
    """
    raise NotImplementedError


def train_linear_vae(x, k, steps, lr, seed):
    """Fit a linear VAE jointly: decoder (W, b, psi) and the linear diagonal encoder.

    Model: z ~ N(0, I_k), x | z ~ N(W z + b, psi I) with one shared noise variance
    psi = exp(log_psi). Maximise the mean analytic ELBO over x with full-batch Adam.
    x: (N, d) training data; k: number of latents (2); steps: Adam steps (1000);
    lr: Adam learning rate (0.05); seed: call torch.manual_seed(seed) before initialising.

    As in train_diag_encoder, centred encoder inputs (x minus the data mean), b started at the
    data mean and a small initial W (scale 0.1) make the optimisation converge fastest.

    Returns {"W": (d, k), "b": (d,), "psi": (d,) (the shared variance repeated d times),
    "weight": (2k, d), "bias": (2k,)}: detached tensors; the encoder acts on raw x as in
    train_diag_encoder.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# Part 4. Concepts. Answer each with one letter, e.g. Q1 = "a".
#
# Q1. The decoder is fixed, q(z|x) is restricted to diagonal Gaussians, and the exact posterior
#     has correlated latents. After the encoder is trained to its optimum, log p(x) - ELBO is
#     (a) 0
#     (b) the smallest KL(q || p(z|x)) over diagonal q, which is strictly positive
#     (c) KL(q || p(z))
#     (d) negative
#
# Q2. For fixed decoder parameters, maximising the ELBO over q is the same as
#     (a) minimising KL(q || p(z|x))
#     (b) minimising KL(p(z|x) || q)
#     (c) maximising log p(x)
#     (d) minimising KL(q || p(z))
#
# Q3. When the decoder and encoder are trained jointly,
#     (a) log p_theta(x) increases at every step
#     (b) ELBO <= log p_theta(x) holds throughout, and part of the ELBO's increase can come from
#         the decoder moving to models whose posteriors q can represent
#     (c) the gap log p_theta(x) - ELBO is exactly 0 once training converges, whatever q's family
#     (d) the ELBO can exceed log p_theta(x) early in training
# ---------------------------------------------------------------------------------------------

Q1 = None  # your answer

Q2 = None  # your answer

Q3 = None  # your answer
