# expect-score: 27
# expect-feedback: vae_log_weights: K=4, N=3


def vae_log_weights(x, z, q_mu, q_logvar, dec_mu, dec_logvar):
    # BEGIN SOLUTION
    log2pi = math.log(2 * math.pi)
    log_px_z = -0.5 * (log2pi + dec_logvar + (x - dec_mu) ** 2 / torch.exp(dec_logvar)).sum(-1)
    log_pz = -0.5 * (log2pi + z**2).sum(-1)
    q_std = torch.exp(q_logvar)
    log_qz = -0.5 * (log2pi + 2 * torch.log(q_std) + (z - q_mu) ** 2 / q_std**2).sum(-1)
    return log_px_z + log_pz - log_qz
    # END SOLUTION
