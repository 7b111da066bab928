"""Size of a saved model: pickle and skops files of every estimator at its default network.

Each estimator is fitted for one epoch of each phase on ``--rows`` random rows of
``--features`` features in [0, 1] (the size does not depend on training), then saved with
pickle and with ``skops.io.dump``, and exported with ``export_onnx`` where the model can be
(not the graph models, nor TorchGaussianMixture, which has no network); the table gives the
sizes and a skops load's time. The graph models (SDCN, SDDECC) keep their training rows and
graph, so their size grows with the rows; they are also saved with
``training_rows="float16"`` and ``"none"``. Example::

    python benchmarks/model_size.py --features 784 --rows 1000
"""

import argparse
import os
import pickle
import tempfile
import time

import numpy as np
import torch

MODELS = ("AEKMeans", "AEGMM", "DEC", "IDEC", "SDCN", "DMM", "DMAE", "DeepFusionGMM", "VaDE",
          "DVAE", "SDDECC", "TorchGaussianMixture")
#: The graph models again, with their training rows stored compactly: (name, training_rows).
COMPACT = (("SDCN", "float16"), ("SDCN", "none"), ("SDDECC", "float16"), ("SDDECC", "none"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args(argv)
    import skops.io as sio

    import skdeepcluster

    torch.set_num_threads(1)
    X = np.random.RandomState(0).rand(args.rows, args.features).astype(np.float32)
    side = int(round(args.features ** 0.5))
    print(f"{args.rows} rows x {args.features} features\n")
    print("| estimator | pickle (MiB) | skops (MiB) | skops load (s) | ONNX (MiB) |")
    print("| --- | --- | --- | --- | --- |")
    for name, rows in [(name, None) for name in MODELS] + list(COMPACT):
        model = getattr(skdeepcluster, name)(10, random_state=0, device="cpu")
        if rows is not None:
            model.set_params(training_rows=rows)
        params = model.get_params()
        model.set_params(**{k: 1 for k, v in params.items() if k.endswith("_epochs") and v})
        if name == "SDDECC" and side * side == args.features:
            model.set_params(input_shape=(1, side, side))
        if name == "DeepFusionGMM":
            model.set_params(views=[args.features // 2, args.features - args.features // 2])
        if name == "TorchGaussianMixture":
            model.set_params(covariance_type="diag")
        model.fit(X)
        pickled = len(pickle.dumps(model))
        data = sio.dumps(model)
        start = time.perf_counter()
        sio.loads(data, trusted=sio.get_untrusted_types(data=data))
        seconds = time.perf_counter() - start
        onnx = "–"
        if hasattr(model, "export_onnx") and name not in ("SDCN", "SDDECC"):
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.onnx")
                model.export_onnx(path)
                onnx = f"{os.path.getsize(path) / 2**20:.2f}"
        label = name if rows is None else f"{name} (training_rows={rows!r})"
        print(f"| {label} | {pickled / 2**20:.2f} | {len(data) / 2**20:.2f} | {seconds:.2f} "
              f"| {onnx} |", flush=True)


if __name__ == "__main__":
    main()
