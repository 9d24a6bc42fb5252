"""Flow log-likelihood vs VAE ELBO: change of variables, bits per dimension and the IWAE bound."""

import math

import torch
from torch import nn

# ----------------------------------------------------------------------------- symbolic answers
# Write each answer as a string in Python syntax (or LaTeX, or a SymPy expression). Allowed: numbers,
# the symbols named in the question, log ln exp sqrt pi E Abs Max Min Rational, + - * / ** (no
# implicit multiplication: write 2*D, not 2D). `log` is the natural logarithm.

# Bits per dimension of a model whose average log-likelihood is `ll` nats per example on data
# with `D` dimensions (symbols: ll, D).
BITS_PER_DIM = None  # your answer

# A flow is fitted to y = a*x (a > 0, the same scale in each of the D coordinates) and reports
# log p_y(y) = ly. Give log p_x(x) of the same model in the original space (symbols: ly, a, D).
LOGP_X_SCALED = None  # your answer

# The IWAE bound with K = 2 importance samples whose log-weights are l1 and l2
# (symbols: l1, l2).
IWAE_K2 = None  # your answer


# ----------------------------------------------------------------------------- functions
def affine_coupling(x, mask, s, t):
    """One affine coupling layer in the data-to-noise direction, with its log|det Jacobian|.

    x: (N, D) float inputs; mask: (D,) int64 tensor of 0/1, where 1 marks a coordinate that passes
    unchanged (it is data, not a parameter: no gradient flows to it);
    s, t: (N, D) log-scales and shifts (already computed from x * mask by the conditioner).
    Coordinates with mask 0 become x * exp(s) + t; coordinates with mask 1 are copied.
    Returns (y, logdet): y (N, D) and logdet (N,) = log|det dy/dx| per row. Both must be
    differentiable with respect to x, s and t.
    """
    raise NotImplementedError


def vae_log_weights(x, z, q_mu, q_logvar, dec_mu, dec_logvar):
    """Importance log-weights log w = log p(x|z) + log p(z) - log q(z|x) of a Gaussian VAE.

    x: (N, D) data; z: (K, N, L) samples from q(z|x) = N(q_mu, diag exp(q_logvar));
    q_mu, q_logvar: (N, L); dec_mu: (K, N, D) decoder means at z; dec_logvar: (D,) or (K, N, D)
    decoder log-variances (it broadcasts against dec_mu); the prior is p(z) = N(0, I).
    All densities are full Gaussian log-densities (with their log(2*pi) terms), summed over the
    last dimension. Returns (K, N).
    """
    raise NotImplementedError


def iwae_bound(log_w):
    """The IWAE_K bound log((1/K) * sum_k exp(log_w[k])) for each column.

    log_w: (K, N) log importance weights. Returns (N,). Must stay finite when every log-weight
    is around -1000 (or +1000).
    """
    raise NotImplementedError


def bits_per_dim(ll, D):
    """Bits per dimension of log-likelihoods `ll` (any shape, nats per example) for data with
    `D` dimensions. D is a Python int, passed as a keyword (bits_per_dim(ll, D=784)).
    Returns a tensor of the shape of ll.
    """
    raise NotImplementedError


def loglik_x_from_y(ll_y, a):
    """log p_x(x) of a model fitted to y = a * x (elementwise), from its log p_y(y).

    ll_y: (N,) log-densities in y-space; a: (D,) positive per-coordinate scales. Returns (N,).
    """
    raise NotImplementedError


# ----------------------------------------------------------------------------- concept questions
# Answer each with one letter (see the README for the options).
Q1 = None  # your answer
Q2 = None  # your answer
Q3 = None  # your answer
Q4 = None  # your answer


# ----------------------------------------------------------------------------- models (given)
# Do not change these classes: the grader rebuilds them from the state_dict you return, so the
# keys and shapes must be exactly these.
def _mlp(n_in, n_hidden, n_out):
    return nn.Sequential(
        nn.Linear(n_in, n_hidden),
        nn.Tanh(),
        nn.Linear(n_hidden, n_hidden),
        nn.Tanh(),
        nn.Linear(n_hidden, n_out),
    )


class RealNVP(nn.Module):
    """RealNVP on R^2: four affine couplings with masks (1,0), (0,1), (1,0), (0,1), base N(0, I).

    Coupling i feeds x * mask to nets[i] (2 -> 32 -> 32 -> 4, tanh); the output splits into raw
    log-scales (columns 0-1), squashed as s = tanh(raw), and shifts t (columns 2-3), and the layer
    applies affine_coupling(x, mask, s, t).
    state_dict keys, for i in 0..3: nets.i.0.weight (32, 2), nets.i.0.bias (32,),
    nets.i.2.weight (32, 32), nets.i.2.bias (32,), nets.i.4.weight (4, 32), nets.i.4.bias (4,).
    """

    MASKS = ((1, 0), (0, 1), (1, 0), (0, 1))

    def __init__(self):
        super().__init__()
        self.nets = nn.ModuleList(_mlp(2, 32, 4) for _ in self.MASKS)

    def log_prob(self, x):
        """Exact log p(x) for x (N, 2) in the dtype of the parameters; returns (N,)."""
        total = torch.zeros(x.shape[0], dtype=x.dtype)
        for net, m in zip(self.nets, self.MASKS):
            mask = torch.tensor(m)
            h = net(x * mask)
            x, logdet = affine_coupling(x, mask, torch.tanh(h[:, :2]), h[:, 2:])
            total = total + logdet
        return total - 0.5 * (x**2).sum(-1) - math.log(2 * math.pi)


class VAE(nn.Module):
    """Gaussian VAE with a 2-d latent: q(z|x) = N(mu, diag exp(logvar)), p(z) = N(0, I),
    p(x|z) = N(dec(z), diag exp(dec_logvar)) with one learned log-variance per coordinate.

    enc: 2 -> 64 -> 64 -> 4 (tanh), output [mu | logvar]; dec: 2 -> 64 -> 64 -> 2 (tanh).
    state_dict keys: enc.0.weight (64, 2), enc.0.bias (64,), enc.2.weight (64, 64),
    enc.2.bias (64,), enc.4.weight (4, 64), enc.4.bias (4,), the same six under dec. with
    dec.4.weight (2, 64) and dec.4.bias (2,), and dec_logvar (2,) (initialised at -2).
    """

    def __init__(self):
        super().__init__()
        self.enc = _mlp(2, 64, 4)
        self.dec = _mlp(2, 64, 2)
        self.dec_logvar = nn.Parameter(torch.full((2,), -2.0))

    def encode(self, x):
        """(mu, logvar), each (N, 2)."""
        h = self.enc(x)
        return h[:, :2], h[:, 2:]

    def decode(self, z):
        """Decoder means for z (..., 2)."""
        return self.dec(z)


# ----------------------------------------------------------------------------- training
def train_flow(x, steps, lr, seed):
    """Fit a RealNVP() to x by maximum likelihood.

    x: (4000, 2) float32 training points; steps: number of Adam steps; lr: initial learning rate;
    seed: call torch.manual_seed(seed) first. Use minibatches of 256 random rows and a cosine decay
    of the learning rate to 0 over `steps`. Returns the trained model's state_dict (a dict of
    tensors with the keys documented in RealNVP).
    """
    raise NotImplementedError


def train_vae(x, steps, lr, seed):
    """Fit a VAE() to x by maximising the ELBO.

    x: (4000, 2) float32 training points; steps: number of Adam steps; lr: initial learning rate;
    seed: call torch.manual_seed(seed) first. Each step: a minibatch of 256 random rows, one
    reparameterised sample z = mu + exp(logvar/2) * eps per row, the Gaussian log-likelihood
    log p(x|z) and the analytic KL(q(z|x) || N(0, I)); cosine decay of the learning rate to 0
    over `steps`. Returns the trained model's state_dict (keys documented in VAE).
    """
    raise NotImplementedError
