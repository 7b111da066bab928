"""How VaDE's encoder variance should start: the ELBO after training, for three starts.

After pretraining, the encoder's log-variance head is either left at its random
initialisation (posterior variance about 1 whatever the scale of the code) or set to give
every input a variance of ``factor`` times the initial prior's mean variance. The start is
chosen by the model's own objective, the training ELBO (``score``). ACC is printed for
information only; it is never used to choose. Example::

    python benchmarks/vade_init.py --seed 0
"""

import argparse

import torch

from skdeepcluster import VaDE
from skdeepcluster.datasets import load_benchmark
from skdeepcluster.metrics import clustering_accuracy

#: The start being measured: None keeps the random head, a float is the factor.
START = {"factor": None}


class StartedVaDE(VaDE):
    """VaDE whose posterior-variance start is ``START["factor"]``."""

    def _initialize_clusters(self, X, rng):
        head = self.module_.log_var_head
        random_start = [p.detach().clone() for p in head.parameters()]
        super()._initialize_clusters(X, rng)
        with torch.no_grad():
            if START["factor"] is None:
                for parameter, value in zip(head.parameters(), random_start):
                    parameter.copy_(value)
            else:
                self.module_.start_posterior_variance(
                    START["factor"] * float(self.covariances_.mean())
                )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pretrain-epochs", type=int, default=50)
    parser.add_argument("--max-epochs", type=int, default=25)
    args = parser.parse_args(argv)
    X, y = load_benchmark("digits")
    print("| start of the posterior variance | training ELBO (nats) | ACC (not used) |")
    print("| --- | --- | --- |")
    for factor in (None, 1.0, 0.01):
        START["factor"] = factor
        model = StartedVaDE(
            10, pretrain_epochs=args.pretrain_epochs, max_epochs=args.max_epochs,
            reconstruction="bce", random_state=args.seed, device="cpu",
        ).fit(X)
        name = "random head (about 1)" if factor is None else f"{factor:g} x prior variance"
        print(f"| {name} | {model.score(X):.3f} "
              f"| {clustering_accuracy(y, model.labels_):.3f} |", flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
