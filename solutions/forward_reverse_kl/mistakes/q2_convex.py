# expect-score: 29
# expect-feedback: q2_reverse_landscape: non-convex
# Mistake: Q2 claims the reverse KL is convex.


Q2 = "a"
