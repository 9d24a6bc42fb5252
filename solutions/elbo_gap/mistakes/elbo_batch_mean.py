# expect-score: 27.6
# expect-feedback: elbo_function: elbo
# expect-feedback: functions_hidden: elbo
# Mistake: elbo reduces over the batch and returns a scalar instead of (N,).


def elbo(x, W, b, psi, q_mean, q_logvar):
    # BEGIN SOLUTION
    q_var = q_logvar.exp()
    resid = x - b - q_mean @ W.T
    # E_q (x - b - W z)_j^2 = resid_j^2 + sum_l W_jl^2 v_l: the spread of q costs reconstruction.
    sq = resid**2 + q_var @ (W**2).T
    recon = -0.5 * (torch.log(2 * math.pi * psi) + sq / psi).sum(-1)
    kl = 0.5 * (q_var + q_mean**2 - 1 - q_logvar).sum(-1)
    return (recon - kl).mean()
    # END SOLUTION
