"""Forward KL (mode-covering) versus reverse KL (mode-seeking) for a Gaussian fitted to a bimodal target."""

import math

import torch
from torch.distributions import Normal

P_WEIGHTS = torch.tensor([0.5, 0.5], dtype=torch.float64)
P_MEANS = torch.tensor([-2.0, 2.0], dtype=torch.float64)
P_STDS = torch.tensor([0.5, 0.5], dtype=torch.float64)

# moment matching: E_p[x] and E_p[x^2] - E_p[x]^2
FWD_MEAN = "m2 + w*(m1 - m2)"
FWD_VAR = "w*(s1^2 + m1^2) + (1 - w)*(s2^2 + m2^2) - (m2 + w*(m1 - m2))^2"
REV_KL_ONE_MODE = r"$\log\frac{1}{w}$"
FWD_KL_ONE_MODE = "(1 - w)*(D/s)**2/2 + log(w**w * (1 - w)**(1 - w))"


def gauss_log_prob(x, mu, log_sigma):
    return Normal(mu, torch.exp(log_sigma)).log_prob(x)


def mixture_log_prob(x, w, means, stds):
    terms = torch.log(w) + Normal(means, stds).log_prob(x.unsqueeze(-1))
    top = terms.max(dim=-1, keepdim=True).values
    return (top + torch.log(torch.exp(terms - top).sum(dim=-1, keepdim=True))).squeeze(-1)


def forward_kl_loss(mu, log_sigma, samples):
    return -torch.mean(gauss_log_prob(samples, mu, log_sigma))


def reverse_kl_loss(mu, log_sigma, eps, w, means, stds):
    z = mu + log_sigma.exp() * eps
    # log q(z) is known in closed form at the reparameterised point
    log_q = -log_sigma - 0.5 * math.log(2 * math.pi) - 0.5 * eps**2
    return torch.mean(log_q - mixture_log_prob(z, w, means, stds))


def fit_gaussian(direction, mu0, sigma0, steps, lr, seed, samples=None):
    params = torch.tensor([float(mu0), math.log(sigma0)], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([params], lr=lr)
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    for step in range(steps):
        mu, log_sigma = params[0], params[1]
        if direction == "forward":
            loss = forward_kl_loss(mu, log_sigma, samples)
        else:
            eps = torch.randn(512, generator=gen, dtype=torch.float64)
            loss = reverse_kl_loss(mu, log_sigma, eps, P_WEIGHTS, P_MEANS, P_STDS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    final = params.detach()
    return {"mu": final[0].clone(), "log_sigma": final[1].clone()}


Q1 = "(c)"
Q2 = "B"
Q3 = "d."
