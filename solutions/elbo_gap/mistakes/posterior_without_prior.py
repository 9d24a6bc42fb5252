# expect-score: 28.25
# expect-feedback: posterior_mean: no noise and no prior
# expect-feedback: posterior_var: prior precision 1 is missing
# Mistake: The posterior computed without the prior (noise-free inversion).


POSTERIOR_MEAN = "(x - b)/w"


POSTERIOR_VAR = "s**2/w**2"
