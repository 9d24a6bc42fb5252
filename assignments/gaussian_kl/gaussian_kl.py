"""Gaussian KL divergences in closed form, by Monte Carlo, and inside a linear VAE."""

import torch
from torch import nn

# ---------------------------------------------------------------------------
# Part 1: symbolic answers.
#
# Give each answer as a string in Python syntax ("(sigma**2 + mu**2)/2", `^` also works),
# as a LaTeX string (r"$\frac{1}{2}\sigma^2$"), or as a SymPy expression. Use only the
# symbols named in each item and the functions log (natural), exp, sqrt; write every product
# with `*`. `log` always means the natural logarithm.
# ---------------------------------------------------------------------------

# A2.1  KL( N(mu, sigma^2) || N(0, 1) ), a function of mu and sigma (sigma > 0).
KL_STD_NORMAL = None  # your answer

# A2.2  The same KL written with the log-variance l = log(sigma^2), a function of mu and l.
KL_STD_NORMAL_LOGVAR = None  # your answer

# A2.3  KL( N(m1, s1^2) || N(m2, s2^2) ) between two univariate Gaussians, in m1, m2, s1, s2
#       (s1, s2 > 0).
KL_TWO_GAUSSIANS = None  # your answer

# A2.4  The derivative of the A2.1 KL with respect to sigma, in mu and sigma.
DKL_DSIGMA = None  # your answer

# A2.5  The derivative of the A2.2 KL with respect to l, in mu and l.
DKL_DLOGVAR = None  # your answer

# A2.6  KL( N(m, S) || N(0, I) ) in two dimensions, with mean m = (mu1, mu2) and covariance
#       S = [[a, c], [c, e]] (a, e > 0 and a*e - c**2 > 0), in a, c, e, mu1, mu2.
KL_FULL_2D = None  # your answer


# ---------------------------------------------------------------------------
# Part 2: KL divergences in torch.
#
# Every function takes float tensors (float32 or float64) and returns a tensor of the same
# dtype. Keep the computation differentiable: the grader compares your gradients with
# autograd's gradients of the reference and with finite differences. Stay finite for
# log-variances anywhere in [-30, 30], also in float32.
# ---------------------------------------------------------------------------


def kl_diag_std_normal(mu, logvar):
    """KL( N(mu, diag(exp(logvar))) || N(0, I) ), summed over the last dimension.

    mu, logvar: tensors of the same shape (..., d). Returns a tensor of shape (...): one KL per
    leading index. Sum over the last dimension only (no mean, no reduction over the batch).
    """
    raise NotImplementedError


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    """KL( N(mu1, diag(exp(logvar1))) || N(mu2, diag(exp(logvar2))) ), summed over the last dim.

    All four arguments have the same shape (..., d). Returns a tensor of shape (...).
    """
    raise NotImplementedError


def kl_full_std_normal(mu, L):
    """KL( N(mu, L L^T) || N(0, I) ) for a full covariance given by its Cholesky factor.

    mu: (B, d). L: (B, d, d), lower-triangular with a positive diagonal (entries above the
    diagonal are zero). Returns a tensor of shape (B,).
    """
    raise NotImplementedError


def kl_mc(mu, logvar, eps):
    """Monte Carlo estimate of KL( N(mu, diag(exp(logvar))) || N(0, I) ) from given noise.

    mu, logvar: (B, d). eps: (S, B, d), standard-normal draws. Use the reparameterised samples
    z[s] = mu + exp(logvar / 2) * eps[s] and return the average over s of
    log q(z[s]) - log p(z[s]), each log-density summed over the d dimensions: shape (B,).
    Deterministic given eps (draw no random numbers).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Part 3: a linear VAE.
# ---------------------------------------------------------------------------

LATENT = 4  # k, the number of latent dimensions
DECODER_VARIANCE = 0.25  # fixed variance of p(x | z); it is not learned


def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    """Train a linear VAE on x with the ELBO, using your kl_diag_std_normal, and return it.

    x: (N, 6) float64 tensor (train in float32 or float64, as you like).

    Model (k = 4 latent dimensions):
    - encoder `enc = nn.Linear(6, 2 * k)`; its output row is [mean (k) | log-variance (k)], so
      q(z | x) = N(mean, diag(exp(logvar)));
    - prior p(z) = N(0, I);
    - decoder `dec = nn.Linear(k, 6)`; p(x | z) = N(dec(z), 0.25 * I) with the variance 0.25
      fixed.

    Training: call `torch.manual_seed(seed)` first, then create the two layers (default
    initialisation) and `torch.optim.Adam` over all their parameters with learning rate `lr`.
    For each of `steps` steps, draw a random minibatch of `batch_size` rows of x and take one
    Adam step on the minibatch mean of the negative ELBO: -log p(x | z) with ONE
    reparameterised sample z = mean + exp(logvar / 2) * eps, plus
    `kl_diag_std_normal(mean, logvar)`. Constants of log p(x | z) may be dropped.
    The grader calls it as `train_linear_vae(x=x, steps=2000, lr=0.03, batch_size=256, seed=0)`
    with a 60-second limit (the reference needs about 3 s).

    Returns the trained weights as a dict of tensors with exactly these keys and shapes:
    "enc.weight" (8, 6), "enc.bias" (8,), "dec.weight" (6, 4), "dec.bias" (6,); for example
    `nn.ModuleDict({"enc": enc, "dec": dec}).state_dict()`.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Part 4: concepts. Answer with one letter.
# ---------------------------------------------------------------------------

# Q1  At mu = 0, KL( N(0, sigma^2) || N(0, 1) ) as a function of sigma:
#     (a) is smallest at sigma = 1, grows like sigma^2 / 2 for large sigma and like -log(sigma)
#         as sigma -> 0
#     (b) takes the same value at sigma and at 1/sigma
#     (c) is smallest in the limit sigma -> 0
Q1 = None  # your answer

# Q2  In a trained VAE, one latent dimension has an average KL (over the data) of about 0.
#     That dimension:
#     (a) has mean about 0 and variance about 1 for every x: it carries no information about x
#     (b) is the most informative dimension of the code
#     (c) shows a numerical error in the KL computation
Q2 = None  # your answer

# Q3  Keep the variances on the diagonal of S fixed and make the off-diagonal correlation
#     non-zero. KL( N(m, S) || N(0, I) ):
#     (a) increases, by -log(det R) / 2 >= 0, where R is the correlation matrix of S
#     (b) decreases
#     (c) does not change
Q3 = None  # your answer
