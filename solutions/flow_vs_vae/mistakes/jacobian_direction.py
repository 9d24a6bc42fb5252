# expect-score: 27.25
# expect-feedback: logp_x_scaled: Jacobian direction
# expect-feedback: loglik_x_from_y: N=4, D=3
# expect-feedback: q2_units: subtracted D times


LOGP_X_SCALED = "ly - D*log(a)"


def loglik_x_from_y(ll_y, a):
    # BEGIN SOLUTION
    return ll_y - torch.log(a).sum()
    # END SOLUTION


Q2 = "a"
