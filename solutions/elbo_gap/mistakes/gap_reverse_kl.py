# expect-score: 27.5
# expect-feedback: gap_closed_form: wrong direction
# expect-feedback: concept_direction: with q first
# Mistake: The KL direction swapped: the gap written as KL(p(z|x) || q).


GAP = "(log(v*(w**2 + s**2)/s**2) + (s**2/(w**2 + s**2) + (m - w*(x - b)/(w**2 + s**2))**2)/v - 1)/2"


Q2 = "b"
