"""Where does SDDECC's GCN take the clusters? Its labels against the partition of its own code.

Fits SDDECC (or a variant of ``run.py``) on a benchmark data set with the settings of
``run.py`` (``--epoch-scale 1``) and prints, from the fitted model:

- the accuracy of the model's labels (the arg-max of the GCN's ``y``, the paper's Eq. 20);
- the accuracy of two partitions of the same final code: its Gaussian posterior under the
  learned cluster means (the target Eq. 18 fits ``y`` to) and k-means (10 initialisations);
- how often ``y`` and the code's posterior agree, and the mean of the largest probability
  of each;
- the loss of the GCN warm-up and of the joint phase at a few steps.

Labels score the partitions only; nothing is chosen with them. Example::

    python benchmarks/sddecc_gcn.py --data-dir DIR --seed 0
    python benchmarks/sddecc_gcn.py --data-dir DIR --model SDDECC-ConvAE+GCN
    python benchmarks/sddecc_gcn.py --data-dir DIR --set gcn_warmup_epochs=400
"""

import argparse
import json

import torch
from sklearn.cluster import KMeans

from configs import MODEL_PARAMS, N_CLUSTERS
from run import load, make_model, parse_overrides
from skdeepcluster.metrics import clustering_accuracy


def losses_at(history, phase, every):
    """``{step: loss}`` of one training phase, every ``every`` steps and at its ends."""
    rows = [r for r in history if r["phase"] == phase]
    return {r["epoch"]: round(r["loss"], 4) for r in rows
            if r["epoch"] % every == 0 or r["epoch"] in (1, len(rows))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="usps")
    parser.add_argument("--model", default="SDDECC")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", type=int, default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--set", nargs="+", metavar="KEY=VALUE", default=[], dest="overrides")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = load(args.dataset, args.data_dir, args.subset)
    model = make_model(args.model, N_CLUSTERS[args.dataset], args.seed,
                       MODEL_PARAMS[args.dataset][args.model], "cpu",
                       overrides=parse_overrides(args.overrides))
    labels = model.fit_predict(X)
    code = model.transform(X)
    with torch.no_grad():
        posterior = model.module_.gaussian_posterior(torch.as_tensor(code, dtype=torch.float32))
    posterior = posterior.numpy()
    code_kmeans = KMeans(N_CLUSTERS[args.dataset], n_init=10, random_state=args.seed)
    report = {
        "dataset": args.dataset, "model": args.model, "seed": args.seed,
        "overrides": args.overrides,
        "acc_labels": clustering_accuracy(y, labels),
        "acc_code_posterior": clustering_accuracy(y, posterior.argmax(1)),
        "acc_code_kmeans": clustering_accuracy(y, code_kmeans.fit_predict(code)),
        "agreement_labels_posterior": float((labels == posterior.argmax(1)).mean()),
        "mean_max_y": float(model.predict_proba(X).max(1).mean()),
        "mean_max_posterior": float(posterior.max(1).mean()),
        "warmup_loss": losses_at(model.history_, "gcn-warmup", 25),
        "joint_loss": losses_at(model.history_, "cluster", 50),
    }
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
