# expect-score: 29.5
# expect-feedback: s2_hat: unbiased estimate
# bug: S2_HAT = SSE/2, the unbiased estimate instead of the maximum-likelihood SSE/3 (half credit).


S2_HAT = "((x1 - a*x0)**2 + (x2 - a*x1)**2 + (x3 - a*x2)**2)/2"
