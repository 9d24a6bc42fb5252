# expect-score: 21
# expect-feedback: affine_coupling: N=4, D=2, mask (1, 0)
# expect-feedback: train_flow: test_loglik


def affine_coupling(x, mask, s, t):
    # BEGIN SOLUTION
    keep = 1 - mask
    y = mask * x + keep * (x * torch.exp(s) + t)
    logdet = -(keep * s).sum(-1)
    return y, logdet
    # END SOLUTION
