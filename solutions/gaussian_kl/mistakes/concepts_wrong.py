# expect-score: 34
# expect-feedback: q1_shape_in_sigma: Try σ = 2 and σ = 1/2
# expect-feedback: q2_zero_kl_unit: expected optimum
# expect-feedback: q3_correlation: log det Σ falls


Q1 = "b"


Q2 = "c"


Q3 = "c"
