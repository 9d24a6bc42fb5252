# expect-score: 28
# expect-feedback: concept_floor: cannot match a correlated posterior
# expect-feedback: concept_joint: q's family contains the posterior
# Mistake: Believes a trained encoder always closes the gap.


Q1 = "a"


Q3 = "c"
