"""How DMAE's end-to-end phase depends on ``alpha`` and ``cluster_lr`` (digits, one seed).

DMAE on digits with 50 pretraining and 25 end-to-end epochs, for a grid of inverse
temperatures and end-to-end learning rates. Besides ACC / NMI (labels score only), each row
gives two label-free diagnostics of the collapse that soft assignments allow: the number of
clusters that keep at least 1% of the samples, and the mean largest soft assignment. The
first row (``cluster_lr`` tiny) is the pretrained starting point, i.e. AE+DMM::

    python benchmarks/dmae_defaults.py
"""

import argparse

import numpy as np

from skdeepcluster import DMAE
from skdeepcluster.datasets import load_benchmark
from skdeepcluster.metrics import clustering_report

GRID = [
    ("auto", 1e-12),
    (1.0, 1e-4), (100.0, 1e-4), (1000.0, 1e-4), ("auto", 1e-4),
    (1.0, 1e-3), (100.0, 1e-3), (1000.0, 1e-3), ("auto", 1e-3),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    X, y = load_benchmark("digits")
    print("| alpha | alpha_ | cluster_lr | ACC | NMI | clusters >= 1% | mean max s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for alpha, cluster_lr in GRID:
        model = DMAE(10, pretrain_epochs=50, max_epochs=25, alpha=alpha, cluster_lr=cluster_lr,
                     random_state=args.seed).fit(X)
        report = clustering_report(y, model.labels_)
        sizes = np.bincount(model.labels_, minlength=10) / len(X)
        sharpness = model.predict_proba(X).max(axis=1).mean()
        print(f"| {alpha} | {model.alpha_:.3g} | {cluster_lr:g} | {report['accuracy']:.3f} "
              f"| {report['nmi']:.3f} | {int((sizes >= 0.01).sum())} | {sharpness:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
