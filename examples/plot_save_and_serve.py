"""
Saving a model and serving it
=============================

A fitted model is plain data (its network's weights as arrays), so it saves like any
scikit-learn model. `skops <https://skops.readthedocs.io>`_ loads only the types you trust,
and ``skdeepcluster.SKOPS_TRUSTED_TYPES`` lists the only types of ours a saved model holds.
``export_onnx`` writes the model's inference as an ONNX graph, for serving without Python or
torch (export the model, not the pipeline, and scale the rows as the pipeline does).
"""

import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import skops.io as sio
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import SKOPS_TRUSTED_TYPES, AEKMeans
from skdeepcluster.datasets import load_benchmark

X, y = load_benchmark("digits")
deep = make_pipeline(MinMaxScaler(), AEKMeans(10, pretrain_epochs=25, random_state=0)).fit(X)

folder = tempfile.mkdtemp()
path = os.path.join(folder, "model.skops")
sio.dump(deep, path)
print("untrusted types in the file:", sio.get_untrusted_types(file=path))
loaded = sio.load(path, trusted=SKOPS_TRUSTED_TYPES)
print("same labels after loading:", np.array_equal(loaded.predict(X), deep.predict(X)))
print(f"file size: {os.path.getsize(path) / 2**20:.2f} MiB")

# %%
# ONNX
# ----
# The graph maps float32 rows to ``label``, ``probabilities`` and ``code``. With onnxruntime
# installed (the test extra has it), the graph's labels are the model's.

onnx_path = os.path.join(folder, "model.onnx")
deep[-1].export_onnx(onnx_path)
try:
    import onnxruntime
except ImportError:
    onnxruntime = None
if onnxruntime is not None:
    session = onnxruntime.InferenceSession(onnx_path)
    label, proba, code = session.run(None, {"X": deep[0].transform(X).astype(np.float32)})
    print("ONNX labels equal predict:", np.array_equal(label, deep.predict(X)))

# %%
# The soft assignments of the first rows, from the loaded model:

fig, ax = plt.subplots(figsize=(6, 2.5))
ax.imshow(loaded.predict_proba(X[:20]).T, aspect="auto", cmap="Blues")
ax.set_xlabel("sample")
ax.set_ylabel("cluster")
ax.set_title("predict_proba of the loaded model")
fig.tight_layout()
plt.show()
