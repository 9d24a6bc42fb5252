# expect-score: 29
# expect-feedback: q1_compare: lower bound


Q1 = "a"
