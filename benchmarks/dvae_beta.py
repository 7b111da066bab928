"""Does DVAE's similarity loss change the clustering? DVAE at several weights ``beta``.

Each fit has the same seed, so everything up to the end of the warm-up is identical; only
``beta`` differs afterwards. Printed per ``beta``: the size of the similarity term after
training, the final training loss, the agreement (ARI) of the labels with those of
``beta=0``, and, for information only, the ARI against the true classes (nothing is chosen
with it). A tiny ``beta`` (1e-6) is the control: it perturbs the training trajectory without
weighting the term, so agreement at a larger ``beta`` means something only when it is lower
than the control's. Example::

    python benchmarks/dvae_beta.py --betas 0 1e-6 0.1 1 10 300 3000
"""

import argparse

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score

from skdeepcluster import DVAE
from skdeepcluster.functional import wasserstein_similarity_loss


def similarity_term(model, X, batch_size=256):
    """Mean of the similarity loss over the batches of ``X`` (posterior means, no sampling)."""
    module = model.module_.cpu().eval()
    values = []
    with torch.no_grad():
        for start in range(0, len(X) - batch_size + 1, batch_size):
            x = torch.as_tensor(X[start : start + batch_size], dtype=torch.float32)
            mu, log_var = module.posterior(x)
            gamma = module.log_cluster_probabilities(mu).exp()
            values.append(float(wasserstein_similarity_loss(gamma, mu, (0.5 * log_var).exp())))
    return float(np.mean(values))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--betas", nargs="+", type=float, default=[0, 1e-6, 0.1, 1, 10, 300, 3000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20, help="pretraining and clustering")
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    print(f"digits, seed {args.seed}, {args.epochs} pretraining and clustering epochs, "
          f"similarity on after {args.epochs // 4}")
    print("| beta | similarity term | final loss | ARI vs beta=0 labels | ARI vs classes |")
    print("| --- | --- | --- | --- | --- |")
    reference = None
    for beta in args.betas:
        model = DVAE(
            10, beta=beta, reconstruction="bce", pretrain_epochs=args.epochs,
            max_epochs=args.epochs, warmup_epochs=args.epochs // 4,
            classifier_epochs=args.epochs // 2, random_state=args.seed,
        ).fit(X)
        reference = model.labels_ if reference is None else reference
        loss = model.history_[-1]["loss"]
        print(f"| {beta:g} | {similarity_term(model, X):.4f} | {loss:.3f} "
              f"| {adjusted_rand_score(reference, model.labels_):.3f} "
              f"| {adjusted_rand_score(y, model.labels_):.3f} |", flush=True)


if __name__ == "__main__":
    main()
