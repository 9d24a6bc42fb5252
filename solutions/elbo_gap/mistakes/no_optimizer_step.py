# expect-score: 24
# expect-feedback: diag_encoder: test_gap
# expect-feedback: diag_encoder_k1: test_gap
# Mistake: train_diag_encoder never calls optimizer.step() and returns the initial weights.


def train_diag_encoder(x, W, b, psi, steps, lr, seed):
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    d, k = W.shape
    encoder = torch.nn.Linear(d, 2 * k, dtype=x.dtype)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr)
    centred = x - b
    for _ in range(steps):
        optimizer.zero_grad()
        q_mean, q_logvar = encoder(centred).split(k, dim=-1)
        loss = -elbo(x, W, b, psi, q_mean, q_logvar).mean()
        loss.backward()
    weight = encoder.weight.detach().clone()
    return {"weight": weight, "bias": encoder.bias.detach() - weight @ b}
    # END SOLUTION
