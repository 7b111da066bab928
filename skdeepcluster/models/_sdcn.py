"""SDCN: structural deep clustering network, on a sparse kNN graph of the data."""

import dataclasses
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._docs import fill_doc
from ..functional import knn_graph, knn_indices
from ..nn import SDCNLoss, SDCNModule
from ..training import evaluating
from ._dec import DEC
from ._knn import KNN_ALGORITHMS, approximate_knn_indices, resolve_knn_algorithm


def attach_knn_graph(estimator, X, rng):
    """Give the estimator's :class:`~skdeepcluster.nn.GCNFusion` the training data and its
    sparse kNN graph, searched as ``knn_algorithm`` says (set ``knn_algorithm_``)."""
    X_train = torch.tensor(X, dtype=torch.float32, device=estimator.device_)
    k, metric = estimator.n_neighbors, estimator.similarity
    estimator.knn_algorithm_ = resolve_knn_algorithm(estimator.knn_algorithm, len(X))
    if estimator.knn_algorithm_ == "approximate":
        seed = rng.randint(np.iinfo(np.int32).max)  # drawn only here: exact fits draw nothing
        neighbors = approximate_knn_indices(X_train, k, metric=metric, seed=seed)
    else:
        neighbors = knn_indices(X_train, X_train, k, metric=metric, exclude_self=True)
    estimator.module_.set_graph(X_train, knn_graph(neighbors, len(X_train)))


#: Rows per (padded) chunk when new samples go through the GCN. Smaller than other models'
#: chunks: a new sample's cost is then its kNN search and 32 rows of the network, not 256.
GRAPH_CHUNK = 32

#: Values of ``training_rows`` (see the shared docstring text).
TRAINING_ROWS = ("float32", "float16", "none")
_FLOAT16_MAX = float(np.finfo(np.float16).max)


class TrainingRowsMixin:
    """``training_rows`` for the graph models (SDCN, SDDECC): how the fitted network keeps
    its training rows (``train_X``), and the graph with them."""

    _training_rows_constraints: dict = {
        "training_rows": [StrOptions(set(TRAINING_ROWS))],
        "knn_algorithm": [StrOptions(set(KNN_ALGORITHMS))],
    }

    def _check_training_rows(self, X):
        if self.training_rows == "float16" and np.abs(X).max() > _FLOAT16_MAX:
            raise ValueError(
                f"training_rows='float16' keeps the training rows in half precision, whose "
                f"largest value is {_FLOAT16_MAX:g}, but X reaches {np.abs(X).max():.4g}; "
                "scale X or use training_rows='float32'"
            )

    def _final_labels(self, X):
        module = self.module_
        graph = module.train_X is not None  # SDDECC without its GCN has none
        if graph and self.training_rows == "float16":
            module.set_graph(module.train_X.half().float(), module.adjacency)
        labels = super()._final_labels(X)
        if graph and self.training_rows == "none":
            module.set_graph(None, None)
        return labels

    def __getstate__(self):
        state = super().__getstate__()
        network = state.get("module_")
        # a model pickled before training_rows existed kept float32 rows
        if (getattr(self, "training_rows", "float32") == "float16"
                and isinstance(network, dict) and "train_X" in network["tensors"]):
            tensors = dict(network["tensors"])
            tensors["train_X"] = tensors["train_X"].astype(np.float16)  # exact: rounded
            state["module_"] = dict(network, tensors=tensors)
        return state

    def __setstate__(self, state):
        # a model pickled before these parameters existed: the behaviour it was fitted with
        state = {"training_rows": "float32", "knn_algorithm": "exact", **state}
        if "module_" in state and state.get("use_gcn", True):  # SDDECC may have no graph
            state.setdefault("knn_algorithm_", "exact")
        network = state.get("module_")
        if isinstance(network, dict) and "train_X" in network["tensors"]:
            tensors = dict(network["tensors"])
            tensors["train_X"] = tensors["train_X"].astype(np.float32, copy=False)
            state = dict(state, module_=dict(network, tensors=tensors))
        super().__setstate__(state)


def graph_predict_proba(estimator, X):
    """GCN assignment of any samples, each linked to its nearest training nodes (see SDCN).

    The training nodes' supports come from the network's kept inference cache (one
    full-graph pass, the first time); each call then costs the samples' kNN search.
    """
    if estimator.module_.train_X is None:
        name = type(estimator).__name__
        raise ValueError(
            f"This {name} was fitted with training_rows='none': it kept no training rows to "
            "link new samples to, so it cannot predict. Its labels_, transform and score "
            "still work; refit with training_rows='float32' or 'float16' to predict."
        )
    with evaluating(estimator.module_) as module:
        supports, norms = module.inference_cache(estimator.similarity)

    def assign(x, n):
        # the samples' neighbours (a search whose rows do not depend on each other), then
        # the network on the padded chunk, whose shape stays fixed
        neighbors = knn_indices(x[:n], module.train_X, estimator.n_neighbors,
                                metric=estimator.similarity, norms=norms)
        neighbors = torch.cat([neighbors, neighbors.new_zeros(len(x) - n, neighbors.shape[1])])
        return module.predict_new(x, neighbors, supports)

    return estimator._apply(assign, X, chunk_size=GRAPH_CHUNK, with_count=True)


def check_n_neighbors(n_neighbors, n_samples):
    if n_neighbors >= n_samples:
        raise ValueError(
            f"n_neighbors={n_neighbors} must be < the number of samples, "
            f"but got n_samples={n_samples}"
        )


def full_graph(config, n_samples):
    """The training config of full-graph steps: one batch of every node, in node order."""
    return dataclasses.replace(config, batch_size=n_samples, in_memory=True)


@fill_doc
class SDCN(TrainingRowsMixin, DEC):
    """Structural Deep Clustering Network (Bo et al., WWW 2020).

    A pretrained autoencoder and a graph convolutional network (GCN) over a k-nearest-
    neighbour graph of ``X`` are trained together. GCN layer ``l`` has the width of encoder
    layer ``l`` and takes the previous GCN output mixed with the encoder's layer output by
    the delivery operator ``(1 - delta) H + delta Z``; a last GCN layer and a softmax give
    the assignment ``Z``. As in DEC, the Student's t assignment ``Q`` of the code to centres
    initialised by k-means defines a target ``P``, refreshed on the whole data every
    ``update_interval`` epochs; the loss is
    ``reconstruction + lambda_q KL(P || Q) + lambda_z KL(P || Z)``. Clusters are the arg-max
    of ``Z``.

    The graph links each sample to its ``n_neighbors`` nearest samples (binary edges,
    symmetrised, with self-loops, row-normalised) and is a sparse tensor: memory is
    O(n_samples * (n_neighbors + width)), never n_samples squared. The GCN trains on the
    whole graph at once, one optimizer step per epoch, as in the paper.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int or "auto", default="auto"
        Epochs of end-to-end autoencoder pretraining (mini-batches of ``batch_size``).
        {auto_epochs}
    max_epochs : int, default=200
        Full-graph training steps of the joint model.
    {training}
    {ae_options}
    {images}
    {kmeans_n_init}
    alpha : float, default=1.0
        Degrees of freedom of the Student's t kernel.
    update_interval : int, default=1
        Epochs between refreshes of the target distribution (SDCN: every epoch).
    tol : float, default=0.0
        Stop when fewer than this fraction of the labels of ``Q`` change between refreshes;
        0 never stops early (the paper trains a fixed number of epochs).
    n_neighbors : int, default=3
        Neighbours per sample in the kNN graph (3 in SDDECC; the SDCN code uses 10).
    similarity : {{"heat", "cosine"}}, default="heat"
        Neighbour ranking: the heat kernel (euclidean distance) or cosine similarity.
    delta : float, default=0.5
        Weight of the autoencoder layer in the delivery operator.
    lambda_q : float, default=0.1
        Weight of ``KL(P || Q)``.
    lambda_z : float, default=0.01
        Weight of ``KL(P || Z)``.
    {training_rows}
    {knn_algorithm}

    Attributes
    ----------
    {dec_attributes}
    {knn_algorithm_attribute}
    {common_attributes}

    See Also
    --------
    DEC, IDEC : the same self-training without the graph.

    Notes
    -----
    SDCN is transductive in its paper. Here :meth:`predict` and :meth:`predict_proba` work on
    any data: each sample becomes a new node joined to its ``n_neighbors`` nearest
    *training* samples (and itself), with weights ``1 / (n_neighbors + 1)``, and goes through
    the trained GCN; training nodes keep their own edges, so new samples never influence
    each other or the training nodes, and a prediction does not depend on the other rows of
    the call. ``labels_`` is this rule applied to the training data (each training sample's
    nearest training sample is itself), which differs from the arg-max of ``Z`` on the
    training graph only through that graph's reverse edges. The fitted model keeps the
    training rows (see ``training_rows``) and the sparse graph for this, and a pickle holds
    them. The first prediction runs the training graph through the GCN once and keeps each
    layer's training supports (``n_samples`` times the sum of the GCN's widths floats, about
    3,000 per row with the default network; not pickled): a later prediction costs the new
    rows' kNN search over the training rows and ``n_neighbors`` rows of those supports.
    :meth:`transform` is the code of the autoencoder, and :meth:`score_samples` minus its
    squared distance to the nearest centre.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import SDCN
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = SDCN(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...              max_epochs=5, n_neighbors=2, random_state=0).fit(X)
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    _parameter_constraints: dict = {
        **DEC._parameter_constraints,
        **TrainingRowsMixin._training_rows_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "similarity": [StrOptions({"heat", "cosine"})],
        "delta": [Interval(Real, 0, 1, closed="both")],
        "lambda_q": [Interval(Real, 0, None, closed="left")],
        "lambda_z": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        max_epochs=200, batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="mse", layerwise_epochs=0,
        dropout=0.0, n_init=100, alpha=1.0, update_interval=1, tol=0.0, n_neighbors=3,
        similarity="heat", delta=0.5, lambda_q=0.1, lambda_z=0.01,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None, training_rows="float32", knn_algorithm="auto",
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, max_epochs=max_epochs, batch_size=batch_size,
            lr=lr, device=device, random_state=random_state, verbose=verbose,
            callbacks=callbacks, activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout, n_init=n_init, alpha=alpha,
            update_interval=update_interval, tol=tol,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.training_rows = training_rows
        self.knn_algorithm = knn_algorithm
        self.n_neighbors = n_neighbors
        self.similarity = similarity
        self.delta = delta
        self.lambda_q = lambda_q
        self.lambda_z = lambda_z

    def _check_fit_data(self, X):
        super()._check_fit_data(X)
        check_n_neighbors(self.n_neighbors, X.shape[0])
        self._check_training_rows(X)
        resolve_knn_algorithm(self.knn_algorithm, X.shape[0])  # faiss missing: say so now

    def _build_module(self, n_features):
        autoencoder = super(DEC, self)._build_module(n_features)
        return SDCNModule(
            autoencoder, self.n_clusters, delta=self.delta, dof=self.alpha,
            activation=self.activation,
        )

    def _initialize_clusters(self, X, rng):
        super()._initialize_clusters(X, rng)
        attach_knn_graph(self, X, rng)

    def _fine_tune(self, X, config, generator):
        # One step an epoch on the whole graph: the rows must stay in node order.
        return self._self_train(
            X, SDCNLoss(self.lambda_q, self.lambda_z, self.reconstruction),
            full_graph(config, len(X)), generator, shuffle=False,
        )

    def _proba_function(self):
        return None  # the GCN's posterior depends on the training graph

    def _predict_proba(self, X):
        return graph_predict_proba(self, X)
