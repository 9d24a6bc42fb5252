# expect-score: 28.5
# expect-feedback: bits_per_dim_formula: divide by ln 2
# expect-feedback: bits_per_dim: constant factor of 0.6931


BITS_PER_DIM = "-ll/D"


def bits_per_dim(ll, D):
    # BEGIN SOLUTION
    return -ll / D
    # END SOLUTION
