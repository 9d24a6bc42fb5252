# expect-score: 23.25
# expect-feedback: train_flow: test_loglik
# expect-feedback: affine_coupling: gradient check


def affine_coupling(x, mask, s, t):
    # BEGIN SOLUTION
    keep = 1 - mask
    y = mask * x + keep * (x * torch.exp(s.detach()) + t)
    logdet = (keep * s).sum(-1)
    return y, logdet
    # END SOLUTION
