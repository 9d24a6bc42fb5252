# expect-score: 28
# expect-feedback: log_px: marginal variance of x is w²+s²
# Mistake: log p(x) with the noise variance only, forgetting Var(wz).


LOG_PX = "-log(2*pi*s**2)/2 - (x - b)**2/(2*s**2)"
