# expect-score: 36
# expect-feedback: kl_full_2d: The correlation changes the log-determinant
# expect-feedback: q3_correlation: log det Σ falls


KL_FULL_2D = "(a + e + mu1**2 + mu2**2 - 2 - log(a*e))/2"


Q3 = "c"
