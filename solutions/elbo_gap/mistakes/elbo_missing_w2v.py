# expect-score: 17.6
# expect-feedback: elbo_closed_form: w²v term is missing
# expect-feedback: diag_encoder: near 9.20
# expect-feedback: diag_encoder_k1: without the w²v term
# expect-feedback: linear_vae: test_gap
# Mistake: E_q(x - b - Wz)^2 taken as (x - b - W m)^2: the w²v term is dropped on paper and in torch.


ELBO = "-log(2*pi*s**2)/2 - (x - b - w*m)**2/(2*s**2) - (v + m**2 - 1 - log(v))/2"


def elbo(x, W, b, psi, q_mean, q_logvar):
    # BEGIN SOLUTION
    q_var = q_logvar.exp()
    resid = x - b - q_mean @ W.T
    sq = resid**2
    recon = -0.5 * (torch.log(2 * math.pi * psi) + sq / psi).sum(-1)
    kl = 0.5 * (q_var + q_mean**2 - 1 - q_logvar).sum(-1)
    return recon - kl
    # END SOLUTION
