"""Gaussian KL homework (s09)."""

import torch

KL_STD_NORMAL = "(sigma**2 + mu**2 - 1 - log(sigma**2))/2"
KL_STD_NORMAL_LOGVAR = "(exp(l) + mu**2 - 1 - l)/2"


def kl_diag_std_normal(mu, logvar)
    return 0.5 * (torch.exp(logvar) + mu**2 - 1 - logvar).sum(-1)


def kl_diag_gaussians(mu1, logvar1, mu2, logvar2):
    return 0.5 * (logvar2 - logvar1 + (torch.exp(logvar1) + (mu1 - mu2) ** 2) / torch.exp(logvar2) - 1).sum(-1)


Q1 = "a"
