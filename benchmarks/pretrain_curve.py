"""How the pretrained code clusters as pretraining goes on: k-means on the code at checkpoints.

One fit per seed trains an autoencoder model's pretraining for ``--epochs`` epochs with the
given optimizer and augmentation; at each checkpoint a callback encodes the whole data set
and runs k-means (10 starts, ``random_state=0``) on the code. It records the training loss,
the k-means labels, and their ACC / NMI against the true labels. The summary gives, per
setting and checkpoint, the **stability** of the partition over seeds (mean pairwise ARI of
the k-means labels of different seeds: no label is used), the mean loss, and the ACC, which
only reports. One torch thread::

    python benchmarks/pretrain_curve.py --dataset usps --optimizer sgd --augment pretrain \\
        --epochs 500 --seeds 0 1 --data-dir DIR --out usps-sgd.json
    python benchmarks/pretrain_curve.py --summarize usps-sgd.json usps-adam.json
"""

import argparse
import collections
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from configs import IMAGE_SHAPES  # noqa: E402

CHECKPOINTS = (25, 50, 100, 200, 300, 400, 500, 750, 1000)


class CodeKMeans(Callback):
    """At the checkpoint epochs of the pretraining, k-means on the code of ``X``."""

    def __init__(self, X, y, setting, rows, out):
        self.X, self.y, self.setting, self.rows, self.out = X, y, setting, rows, out

    def __deepcopy__(self, memo):
        # every training phase gets a deep copy of the callbacks; the rows of all seeds
        # must reach the one list that is written out
        return self

    def on_epoch_end(self, net, **kwargs):
        from sklearn.cluster import KMeans
        from sklearn.metrics import normalized_mutual_info_score

        from skdeepcluster.metrics import clustering_accuracy

        epoch = len(net.history)
        # SDDECC pretrains its whole module (the autoencoder with its MI and prior terms)
        autoencoder = getattr(net.module_, "autoencoder", net.module_)
        if epoch not in CHECKPOINTS or not hasattr(autoencoder, "encode"):
            return
        autoencoder.eval()
        with torch.no_grad():
            code = torch.cat([autoencoder.encode(torch.from_numpy(part))
                              for part in np.array_split(self.X, 20)]).double().numpy()
        autoencoder.train()
        labels = KMeans(10, n_init=10, random_state=0).fit(code).labels_
        self.rows.append({
            **self.setting, "epoch": epoch, "acc": clustering_accuracy(self.y, labels),
            "nmi": normalized_mutual_info_score(self.y, labels),
            "loss": float(net.history[-1]["train_loss"]), "labels": labels.tolist(),
        })
        print({k: v for k, v in self.rows[-1].items() if k != "labels"}, flush=True)
        Path(self.out).write_text(json.dumps(self.rows))


def run(args):
    import skdeepcluster
    from skdeepcluster.datasets import load_benchmark

    torch.set_num_threads(1)
    X, y = load_benchmark(args.dataset, data_home=args.data_dir)
    X = X.astype(np.float32)
    rows = []
    lr = args.lr or {"sgd": 1.0, "adam": 1e-3}[args.optimizer]
    for seed in args.seeds:
        setting = {"dataset": args.dataset, "estimator": args.estimator,
                   "optimizer": args.optimizer, "augment": args.augment, "lr": lr,
                   "batch_size": args.batch_size, "seed": seed}
        params = {"pretrain_epochs": args.epochs, "input_shape": IMAGE_SHAPES[args.dataset],
                  "augment": args.augment, "pretrain_optimizer": args.optimizer,
                  "pretrain_lr": lr, "batch_size": args.batch_size,
                  "random_state": seed, "device": "cpu",
                  "callbacks": [CodeKMeans(X, y, setting, rows, args.out)]}
        if args.estimator == "DMAE":
            params["max_epochs"] = 0  # the pretraining alone
        elif args.estimator == "SDDECC":  # the pretraining, its k-means start, no GCN
            params.update(max_epochs=0, use_gcn=False)
        start = time.perf_counter()
        getattr(skdeepcluster, args.estimator)(10, **params).fit(X)
        print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)


def summarize(paths):
    from run import stability

    groups = collections.defaultdict(list)
    for path in paths:
        for row in json.loads(Path(path).read_text()):
            # rows written before --lr / --batch-size existed used the defaults
            lr = row.get("lr", {"sgd": 1.0, "adam": 1e-3}[row["optimizer"]])
            key = (row["dataset"], row["estimator"], row["optimizer"], row["augment"], lr,
                   row.get("batch_size", 256), row["epoch"])
            groups[key].append(row)
    print("| data set | estimator | optimizer | augment | lr | batch | epoch | seeds "
          "| stability (ARI) | loss | k-means ACC (reported, not used) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, rows in sorted(groups.items()):
        accs = [r["acc"] for r in rows]
        spread = f" ± {statistics.stdev(accs):.3f}" if len(accs) > 1 else ""
        agreement = f"{stability([r['labels'] for r in rows]):.3f}" if len(rows) > 1 else "–"
        loss = statistics.mean(r["loss"] for r in rows)
        print(f"| {' | '.join(map(str, key))} | {len(rows)} | {agreement} | {loss:.4f} | "
              f"{statistics.mean(accs):.3f}{spread} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="digits", choices=sorted(IMAGE_SHAPES))
    parser.add_argument("--estimator", default="AEKMeans",
                        choices=["AEKMeans", "DMAE", "SDDECC"],
                        help="whose pretraining runs (DMAE and SDDECC with max_epochs=0; "
                             "SDDECC's is its convolutional autoencoder with its MI and "
                             "prior terms)")
    parser.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"],
                        help="SGD (momentum 0.9), by default at 1.0, or Adam, by default "
                             "at 1e-3")
    parser.add_argument("--lr", type=float, default=None,
                        help="the pretraining learning rate, instead of the optimizer's default")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--augment", default="pretrain", choices=["none", "pretrain"])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--data-dir", default=None, help="folder of the .npz files")
    parser.add_argument("--out", default="pretrain-curve.json", help="JSON rows written here")
    parser.add_argument("--summarize", nargs="+", metavar="JSON", default=None,
                        help="print the table of these result files and exit")
    args = parser.parse_args(argv)
    if args.summarize:
        summarize(args.summarize)
    else:
        run(args)


if __name__ == "__main__":
    main()
