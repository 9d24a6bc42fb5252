# expect-score: 28
# expect-feedback: a_hat: squared regressors
# bug: A_HAT divides by the squared targets x1..x3 instead of the squared regressors x0..x2.


A_HAT = "(x1*x0 + x2*x1 + x3*x2)/(x1**2 + x2**2 + x3**2)"
