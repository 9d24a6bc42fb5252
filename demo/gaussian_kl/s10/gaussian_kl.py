"""Gaussian KL homework (s10): written against JAX first, then ported."""

import jax.numpy as jnp
import torch

KL_STD_NORMAL = "(sigma**2 + mu**2 - 1 - log(sigma**2))/2"
KL_STD_NORMAL_LOGVAR = "(exp(l) + mu**2 - 1 - l)/2"
KL_TWO_GAUSSIANS = "log(s2/s1) + (s1**2 + (m1 - m2)**2)/(2*s2**2) - 1/2"


def kl_diag_std_normal(mu, logvar):
    return torch.as_tensor(0.5 * jnp.sum(jnp.exp(logvar.numpy()) + mu.numpy() ** 2 - 1 - logvar.numpy(), axis=-1))


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    return 0.5 * (logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mu1 - mu2) ** 2 / torch.exp(logvar2) - 1).sum(-1)


Q1 = "a"
Q2 = "a"
Q3 = "a"
