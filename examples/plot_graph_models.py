"""
Clustering through a kNN graph: SDCN
====================================

:class:`~skdeepcluster.SDCN` links every training sample to its nearest neighbours in a
sparse kNN graph and runs a GCN over it, fed layer by layer by the autoencoder. A new row
is linked to its nearest training rows at ``predict`` time, so the model keeps its training
rows (``training_rows="float16"`` keeps them in half the space). Here it is fitted on most
of digits and predicts the rest, one row at a time and all at once: a prediction does not
depend on the other rows of the call.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import SDCN
from skdeepcluster.datasets import load_benchmark
from skdeepcluster.metrics import clustering_report

X, y = load_benchmark("digits")
X = MinMaxScaler().fit_transform(X)
X_train, X_new, y_train, y_new = train_test_split(X, y, test_size=200, random_state=0)

model = SDCN(10, pretrain_epochs=50, max_epochs=50, random_state=0).fit(X_train)
print("training rows:", round(clustering_report(y_train, model.labels_)["accuracy"], 3))
new_labels = model.predict(X_new)
print("new rows:     ", round(clustering_report(y_new, new_labels)["accuracy"], 3))
one_at_a_time = np.concatenate([model.predict(row[None]) for row in X_new[:20]])
print("one at a time equals all at once:", np.array_equal(one_at_a_time, new_labels[:20]))

# %%
# Training rows and new rows on the model's code
# ----------------------------------------------
# The new rows (black rims) take the labels of the training rows they are linked to.

code_train = model.transform(X_train)
centre = code_train.mean(axis=0)
axes_2d = np.linalg.svd(code_train - centre, full_matrices=False)[2][:2].T
train_2d = (code_train - centre) @ axes_2d
new_2d = (model.transform(X_new) - centre) @ axes_2d

fig, ax = plt.subplots(figsize=(5, 4.5))
ax.scatter(train_2d[:, 0], train_2d[:, 1], c=model.labels_, cmap="tab10", s=4, alpha=0.4,
           vmin=0, vmax=9)
ax.scatter(new_2d[:, 0], new_2d[:, 1], c=new_labels, cmap="tab10", s=25, edgecolors="k",
           vmin=0, vmax=9)
ax.set_title("SDCN's code: training rows and new rows")
ax.set_xticks([])
ax.set_yticks([])
fig.tight_layout()
plt.show()
