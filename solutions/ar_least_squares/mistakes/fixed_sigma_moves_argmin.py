# expect-score: 29
# expect-feedback: concept_fixed_sigma: the minimiser does not move
# bug: Q1 answered (a): believes a fixed sigma moves the minimiser.


Q1 = "a"
