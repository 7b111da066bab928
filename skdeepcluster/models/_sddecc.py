"""SDDECC: structured deep discriminant embedded coding network clustering."""

import math
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import EarlyStopping

from .._docs import fill_doc
from ..nn import GCNWarmStart, GCNWarmStartLoss, SDDECCLoss, SDDECCModule
from ..training import evaluating, train_module
from ._ae_base import PRIOR_RECONSTRUCTION, AutoencoderClusterer
from ._baselines import AEKMeans
from ._knn import resolve_knn_algorithm
from ._sdcn import (
    TrainingRowsMixin,
    attach_knn_graph,
    check_n_neighbors,
    full_graph,
    graph_predict_proba,
)


#: The GCN's warm start ends once its loss has not fallen by ``GCN_WARMUP_TOL`` nats below its
#: best in ``GCN_WARMUP_PATIENCE`` steps. By that rule it took 300-410 steps on digits and
#: USPS, where it had a fixed 100 (25 in the main job); on digits those left the GCN's
#: posterior nearly uniform and its labels far below its code's (BENCHMARKS.md, section
#: 18.5; set from the loss, not from labels).
GCN_WARMUP_TOL = 1e-3
GCN_WARMUP_PATIENCE = 20


def warmup_convergence():
    """skorch's ``EarlyStopping`` on the training loss, with the warm start's rule."""
    return EarlyStopping(
        monitor="train_loss", patience=GCN_WARMUP_PATIENCE, threshold=GCN_WARMUP_TOL,
        threshold_mode="abs", lower_is_better=True, sink=lambda *args, **kwargs: None,
    )


@fill_doc
class SDDECC(TrainingRowsMixin, AEKMeans):
    """Structured Deep Discriminant Embedded Coding network Clustering (Fu et al., 2021).

    The model of "Structured deep discriminant embedded coding network for image
    clustering" (Laser Optoelectron. Prog. 58(6), 2021), in four pieces, each switchable for
    the paper's ablation:

    - **Encoder and decoder.** With ``input_shape=(C, H, W)`` a convolutional autoencoder
      (3x3 convolutions of stride 2 with ``channels``), otherwise the MLP autoencoder of
      ``hidden_dims``. The encoder is variational: ``q(z|x) = N(mu, sigma^2)``, ``mu`` being
      the code (:meth:`transform`).
    - **Mutual information** (``use_mi``). A global critic on (last feature map, ``z``) and a
      local critic on each of its ``M x M`` positions (three 1x1 convolutions) estimate the
      Jensen-Shannon bound; negatives pair each image with the code of another image of the
      batch. ``lambda_1`` weights the negated bound.
    - **Prior.** During pretraining ``q(z|x)`` is pulled towards ``N(0, I)`` by
      ``lambda_2 * KL``.
    - **GCN** (``use_gcn``). As in :class:`SDCN`, a GCN over the sparse kNN graph of ``X``
      takes each encoder layer (flattened) through the delivery operator
      ``(1 - delta) H + delta Z``; its softmax is the cluster posterior ``y``. Without it,
      ``y`` is the posterior of ``z`` under the clusters.

    Training: ``pretrain_epochs`` of mini-batches of reconstruction, mutual information and
    prior; cluster means ``mu_y`` by k-means on the code; with ``use_gcn``,
    at most ``gcn_warmup_epochs`` steps fitting the GCN alone; then ``max_epochs`` steps of
    the joint objective (Eq. 19), in which the prior term becomes
    ``KL(p(z|x) p(y|z) || N(z; mu_y, I) U(y))`` (Eq. 18), on the whole graph at once with
    ``use_gcn`` (one step an epoch, as SDCN) and in mini-batches without. Clusters are the
    arg-max of ``y`` (Eq. 20).

    Parameters
    ----------
    {n_clusters}
    input_shape : tuple of int or None, default=None
        ``(C, H, W)`` of the images whose flattened pixels are the rows of ``X``
        (``X.reshape(n, C, H, W)``); it selects the convolutional autoencoder. None uses an
        MLP autoencoder, for any tabular ``X``.
    channels : tuple of int or None, default=None
        Output channels of the convolution blocks, each halving the feature map. None
        means the paper's ``(16, 32)`` for images of side at most 16, else
        ``(16, 16, 32, 32)``. Used only by the convolutional autoencoder.
    encoder : {{"auto", "mlp", "conv"}}, default="auto"
        ``"auto"`` is the convolutional autoencoder with ``input_shape`` (the paper's) and
        the MLP of ``hidden_dims`` without; ``"mlp"`` keeps the MLP on images.
    {autoencoder}
    pretrain_epochs : int or "auto", default="auto"
        Epochs of pretraining (reconstruction, mutual information and prior). ``"auto"``
        is 200: SDDECC pretrains with Adam, whose code needs no longer schedule on images
        (the other autoencoder models lengthen it for their SGD image recipe). The value
        a fit used is ``pretrain_epochs_``.
    max_epochs : int, default=200
        Steps of joint training (full-graph steps with ``use_gcn``, epochs without).
    gcn_warmup_epochs : int, default=2000
        At most this many full-graph steps fit the GCN alone to the initial clusters before
        joint training (with ``use_gcn``; see Notes). The warm start ends earlier, once its
        loss has not fallen by ``GCN_WARMUP_TOL`` (1e-3) below its best in
        ``GCN_WARMUP_PATIENCE`` (20) steps: it converged.
    {training}
    {vae_options}
    {image_recipe}
        With the convolutional autoencoder, ``layerwise_epochs`` must be 0 (greedy
        layer-wise pretraining is for the MLP autoencoder).
    {kmeans_n_init}
    n_neighbors : int, default=3
        Neighbours per sample in the kNN graph (the paper's k = 3).
    similarity : {{"heat", "cosine"}}, default="heat"
        Neighbour ranking of the graph, as in :class:`SDCN`.
    delta : float, default=0.5
        Weight of the encoder layer in the delivery operator (the paper's 0.5).
    lambda_1 : float, default=0.01
        Weight of the mutual-information term (the paper searches 0.001 to 0.1).
    lambda_2 : float, default=1.0
        Weight of the prior, then clustering, KL term (the paper searches 1 to 2).
    use_mi : bool, default=True
        Train the mutual-information critics (False: the paper's ConvAE and ConvAE+GCN).
    use_gcn : bool, default=True
        Cluster through the GCN (False: the paper's ConvAE and ConvAE+MI).
    cluster_variance : {{"unit", "learned"}}, default="unit"
        Variance ``s^2`` of the clusters ``q(z|y) = N(mu_y, s^2 I)``: the paper's 1, or one
        variance shared by the clusters, started at the k-means clusters' (the inertia
        over ``n_samples * latent_dim``) and trained with the means on the same KL (see
        Notes).
    {training_rows}
        Used with ``use_gcn`` only: without the GCN no rows are kept.
    {knn_algorithm}

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, latent_dim)
        The cluster means ``mu_y`` in code space, after training.
    inertia_ : float
        Inertia of the k-means initialisation, on the pretrained code.
    cluster_variance_ : float
        ``s^2`` after training (1.0 with ``cluster_variance="unit"``).
    {knn_algorithm_attribute}
    {common_attributes}

    See Also
    --------
    SDCN : the same graph fusion with an MLP autoencoder and DEC's self-training.

    Notes
    -----
    With ``use_gcn``, :meth:`predict` links new samples to their nearest training samples
    as :class:`SDCN` does (with its kept training supports); the fitted model keeps the
    training rows (``training_rows``) and the sparse graph. :meth:`score_samples` is minus
    the squared distance of the code to the nearest cluster mean.

    The GCN warm start is ours. The paper trains the randomly initialised GCN jointly from
    the start, but its ``y`` weights the pull of each code towards the cluster means, so a
    random ``y`` drags all codes, and the means with them, together. The warm start
    minimises the same clustering KL over the GCN's weights only, with the pretrained code
    and the k-means means fixed: the GCN learns the initial clusters' posterior first. It
    runs until its loss converges, 300 to 410 full-graph steps on scikit-learn's digits and
    on USPS; cut short (at 25 steps on digits), it leaves the GCN's posterior nearly
    uniform, and the joint phase then pulls every code towards several means.

    ``cluster_variance="learned"`` is ours too. With unit variance, the posterior ``y`` of
    a code depends on its squared distances to the means in units of 1, whatever the spread
    of the clusters; where that spread is well below 1, ``y`` is soft, and each code is
    pulled towards several means. Learning ``s^2`` on the same KL (whose minimum over
    ``s^2`` is the ``y``-weighted mean squared distance of the codes to the means, per
    dimension) scales the posterior to the clusters. Measured on USPS it did not help
    (ACC 0.674 +- 0.083 against 0.720 +- 0.035 over 3 seeds; BENCHMARKS.md section 14).

    The paper leaves the critics' widths open: both have hidden width 64 (``CRITIC_WIDTH``
    in ``skdeepcluster.nn._sddecc``), which keeps them under half of a mini-batch step
    on USPS. Its Eq. 13 reconstruction ``||x - x_hat||^2 / 2`` is summed over the
    features of each sample, as the KL terms are summed over the code.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import SDDECC
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = SDDECC(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...                max_epochs=5, n_neighbors=2, random_state=0).fit(X)
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    # not a mean over rows: data_parallel() trains it whole in every process
    _data_parallel = False
    _whole_batch_reason = (
        "its mutual-information term is computed over the whole batch, not a mean over rows"
    )

    _parameter_constraints: dict = {
        **AEKMeans._parameter_constraints,
        "reconstruction": [PRIOR_RECONSTRUCTION],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "gcn_warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "similarity": [StrOptions({"heat", "cosine"})],
        "delta": [Interval(Real, 0, 1, closed="both")],
        "lambda_1": [Interval(Real, 0, None, closed="left")],
        "lambda_2": [Interval(Real, 0, None, closed="left")],
        "use_mi": ["boolean"],
        "use_gcn": ["boolean"],
        "cluster_variance": [StrOptions({"unit", "learned"})],
        **TrainingRowsMixin._training_rows_constraints,
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None,
        latent_dim=10, pretrain_epochs="auto", max_epochs=200, gcn_warmup_epochs=2000,
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="auto", layerwise_epochs=0, dropout=0.0, n_init=100,
        n_neighbors=3, similarity="heat", delta=0.5, lambda_1=0.01, lambda_2=1.0, use_mi=True,
        use_gcn=True, cluster_variance="unit",
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None, training_rows="float32", knn_algorithm="auto",
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout, n_init=n_init,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.max_epochs = max_epochs
        self.gcn_warmup_epochs = gcn_warmup_epochs
        self.n_neighbors = n_neighbors
        self.similarity = similarity
        self.delta = delta
        self.lambda_1 = lambda_1
        self.lambda_2 = lambda_2
        self.use_mi = use_mi
        self.use_gcn = use_gcn
        self.cluster_variance = cluster_variance
        self.training_rows = training_rows
        self.knn_algorithm = knn_algorithm

    # Its pretraining adds the mutual-information and prior terms to the reconstruction of a
    # convolutional autoencoder: SGD at the image recipe's rate of 1 diverges on it.
    _sgd_on_images = False

    # The paper's network on images is its convolutional autoencoder.
    _conv_on_images = True

    def _check_fit_data(self, X):
        super()._check_fit_data(X)
        if self.use_gcn:
            check_n_neighbors(self.n_neighbors, X.shape[0])
            self._check_training_rows(X)
            resolve_knn_algorithm(self.knn_algorithm, X.shape[0])  # faiss missing: say so now

    def _build_module(self, n_features):
        return SDDECCModule(
            AutoencoderClusterer._build_module(self, n_features), n_features, self.n_clusters,
            delta=self.delta, activation=self.activation, use_mi=self.use_mi, use_gcn=self.use_gcn,
            learn_variance=self.cluster_variance == "learned",
        )

    @property
    def _autoencoder(self):
        return self.module_.autoencoder

    def _criterion(self):
        return SDDECCLoss(self.module_, self.lambda_1, self.lambda_2, self.reconstruction_)

    def _pretrain_network(self, X, config, generator):
        # layer-wise pretraining of the autoencoder (MLP only), then the whole objective
        return self._pretrain_autoencoder(
            self._autoencoder, X, reconstruction=self.reconstruction_, config=config,
            generator=generator, module=self.module_, criterion=self._criterion(),
            batch_transform=self._batch_transform("pretrain"),
        )

    def _initialize_clusters(self, X, rng):
        super()._initialize_clusters(X, rng)
        with torch.no_grad():
            self.module_.cluster_means.copy_(self._centers())
            if self.cluster_variance == "learned":
                # the maximum-likelihood shared variance of the k-means clusters
                variance = self.inertia_ / (len(X) * self.latent_dim)
                self.module_.cluster_log_var.fill_(math.log(max(variance, 1e-12)))
        if self.use_gcn:
            attach_knn_graph(self, X, rng)
        self.module_.clustering = True

    def _fine_tune(self, X, config, generator):
        history = []
        if self.use_gcn:
            # One step an epoch on the whole graph: the rows must stay in node order.
            config, shuffle = full_graph(config, len(X)), False
            with evaluating(self.module_) as module:
                warm_start = GCNWarmStart(module, module._encoder_outputs(module.train_X))
            history += train_module(
                warm_start, X, GCNWarmStartLoss(warm_start), phase="gcn-warmup",
                max_epochs=self.gcn_warmup_epochs, config=config, generator=generator,
                shuffle=False, callbacks=[("converged", warmup_convergence())],
            )
        else:
            shuffle = True
        history += train_module(
            self.module_, X, self._criterion(), phase="cluster", max_epochs=self.max_epochs,
            config=config, generator=generator, shuffle=shuffle,
            batch_transform=self._batch_transform("cluster"),
        )
        self.cluster_centers_ = self.module_.cluster_means.detach().cpu().double().numpy()
        self.cluster_variance_ = float(self.module_.cluster_log_var.detach().exp())
        return history

    def _proba_function(self):
        if self.use_gcn:  # the GCN's posterior depends on the training graph
            return None
        module = self.module_
        return lambda x: module.gaussian_posterior(self._encode(x))

    def _predict_proba(self, X):
        if self.use_gcn:
            return graph_predict_proba(self, X)
        return super()._predict_proba(X)
