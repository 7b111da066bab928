"""VaDE and DVAE: variational deep embedding, a VAE with a Gaussian-mixture prior."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import LRScheduler

from .._docs import fill_doc
from ..base import draw_seed
from ..functional import SIMILARITY_FORMS
from ..nn import (
    PseudoLabelLoss,
    VaDELoss,
    VaDEModule,
    cluster_classifier,
    initialize_classifier,
)
from ..training import WarmupWeight, train_module
from ._ae_base import PRIOR_RECONSTRUCTION, AutoencoderClusterer
from ._mixture import (
    TorchGaussianMixture, _sub_seed, kmeans_partition_mixture, sample_mixture,
)


#: The encoder's posterior variance starts at this fraction of the initial prior's mean
#: variance: 10% of a typical cluster's spread as standard deviation. On digits this start
#: gave the highest ELBO of the three tried (BENCHMARKS.md, section 10).
INITIAL_POSTERIOR_VARIANCE = 0.01


@fill_doc
class VaDE(AutoencoderClusterer):
    """Variational deep embedding: a variational autoencoder with a Gaussian-mixture prior.

    The model of Jiang et al., "Variational Deep Embedding" (IJCAI 2017), the baseline of
    DVAE. The generative model draws a cluster ``c ~ Cat(pi)``, a code
    ``z ~ N(mu_c, diag(sigma_c^2))`` and the data from the decoder's output at ``z``; the
    encoder gives ``q(z|x) = N(mu~, diag(sigma~^2))`` and ``q(c|x)`` is the prior
    posterior ``p(c|z)``. Training:

    1. the autoencoder ``x -> mu~ -> x`` is pretrained (``pretrain_epochs``);
    2. a diagonal Gaussian mixture is fitted by EM to ``mu~`` of the training data
       (``n_init`` starts, the one of highest likelihood kept) and initialises the prior;
       the encoder's posterior variance starts at 1% of the mixture's mean variance;
    3. encoder, decoder and prior are trained together by maximising the ELBO
       (``max_epochs`` of Adam, the learning rate times ``lr_decay`` every
       ``lr_decay_epochs`` epochs, as in the paper).

    Inference is deterministic: :meth:`transform` is ``mu~`` and :meth:`predict_proba` is
    ``p(c | z = mu~)``, never a sample.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int or "auto", default="auto"
        Epochs of autoencoder pretraining.
        {auto_epochs}
    max_epochs : int, default=100
        Epochs of ELBO training.
    batch_size : int, default=256
        Mini-batch size (the VaDE and DVAE papers use 100 and 300).
    lr : float, default=2e-3
        Initial learning rate of Adam (the papers' 0.002), for pretraining and training.
    device, random_state, verbose, callbacks
        As in :class:`AEGMM`.
    {vae_options}
    {images}
    lr_decay : float, default=0.9
        Factor applied to the learning rate of the ELBO training every ``lr_decay_epochs``.
    lr_decay_epochs : int, default=10
    n_init : int, default=10
        EM starts of the mixture that initialises the prior (chosen by likelihood, never
        with labels).

    Attributes
    ----------
    weights_ : ndarray of shape (n_clusters,)
        Trained prior weights ``pi``.
    means_ : ndarray of shape (n_clusters, latent_dim)
        Trained prior means ``mu_c``.
    covariances_ : ndarray of shape (n_clusters, latent_dim)
        Trained prior variances ``sigma_c^2`` (diagonal).
    {common_attributes}

    Notes
    -----
    ``reconstruction`` is the likelihood ``p(x|z)``: ``"bce"`` a Bernoulli (the papers'
    choice for images scaled to [0, 1]), ``"mse"`` a Gaussian of unit variance (any real
    data; standardise it, e.g. with ``StandardScaler``: on data of a much smaller spread,
    such as pixels in [0, 1], the reconstruction term is too weak against the prior and
    clusters merge). ``"auto"``, the default, takes the Bernoulli for data in [0, 1].
    :meth:`score_samples` is the ELBO of each sample in nats, evaluated
    at ``z = mu~`` (the one-sample estimate of training, without its noise), so that
    ``score`` compares settings like ``GaussianMixture.score`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import VaDE
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = VaDE(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=20,
    ...              max_epochs=5, random_state=0).fit(X)
    >>> model.predict_proba(X).shape
    (6, 2)
    >>> samples, components = model.sample(4)
    >>> samples.shape
    (4, 2)
    """

    _parameter_constraints: dict = {
        **AutoencoderClusterer._parameter_constraints,
        "reconstruction": [PRIOR_RECONSTRUCTION],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "lr_decay": [Interval(Real, 0.0, 1.0, closed="right")],
        "lr_decay_epochs": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        max_epochs=100, batch_size=256, lr=2e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="auto", layerwise_epochs=0,
        dropout=0.0, lr_decay=0.9, lr_decay_epochs=10, n_init=10,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.max_epochs = max_epochs
        self.lr_decay = lr_decay
        self.lr_decay_epochs = lr_decay_epochs
        self.n_init = n_init

    # ------------------------------------------------------------------ fit hooks
    def _build_module(self, n_features):
        return VaDEModule(super()._build_module(n_features), self.n_clusters)

    @property
    def _autoencoder(self):
        return self.module_.autoencoder

    def _initial_mixture(self, code, rng):
        """``(weights, means, variances)`` of the diagonal Gaussian mixture, fitted by EM to
        the code, that starts the prior. Its components are in the lexicographic order of
        their means: where several of the ``n_init`` EM runs reach one optimum, rounding
        picks which is kept, and it must not pick how the clusters are numbered (a
        data-parallel fit and a fit alone differ by rounding)."""
        mixture = TorchGaussianMixture(
            self.n_clusters, covariance_type="diag", n_init=self.n_init,
            random_state=_sub_seed(rng), device=self.device_,
        ).fit(code)
        order = np.lexsort(mixture.means_.T[::-1])
        return mixture.weights_[order], mixture.means_[order], mixture.covariances_[order]

    def _initialize_clusters(self, X, rng):
        weights, means, variances = self._initial_mixture(self._code64(X), rng)
        prior = self.module_.prior
        with torch.no_grad():
            def as_tensor(a):
                return torch.as_tensor(a, dtype=torch.float32, device=self.device_)

            prior.weight_logits.copy_(as_tensor(np.log(weights)))
            prior.means.copy_(as_tensor(means))
            prior.raw_log_vars.copy_(as_tensor(np.log(variances)))
        self.module_.start_posterior_variance(
            INITIAL_POSTERIOR_VARIANCE * float(variances.mean())
        )
        self._set_prior_attributes()

    def _criterion(self):
        return VaDELoss(self.module_, self.reconstruction_)

    def _training_callbacks(self):
        return [("lr_decay", LRScheduler(
            policy=torch.optim.lr_scheduler.StepLR, step_size=self.lr_decay_epochs,
            gamma=self.lr_decay,
        ))]

    def _fine_tune(self, X, config, generator):
        history = train_module(
            self.module_, X, self._criterion(), phase="cluster", max_epochs=self.max_epochs,
            config=config, generator=generator, callbacks=self._training_callbacks(),
            batch_transform=self._batch_transform("cluster"),
        )
        self._set_prior_attributes()
        return history

    def _set_prior_attributes(self):
        def to_numpy(t):
            return t.detach().cpu().double().numpy()

        log_weights, means, log_vars = self.module_.prior.parameters_for_elbo()
        self.weights_ = np.exp(to_numpy(log_weights))
        self.means_ = to_numpy(means)
        self.covariances_ = np.exp(to_numpy(log_vars))

    # ------------------------------------------------------------------ inference
    def _proba_function(self):
        module = self.module_
        return lambda x: module.log_cluster_probabilities(self._encode(x)).exp()

    def _score_samples(self, X):
        module = self.module_
        return self._apply(lambda x: module.elbo(x, module(x), self.reconstruction_), X)

    def sample(self, n_samples=1):
        """Generate samples: ``c ~ pi``, ``z ~ N(mu_c, sigma_c^2)``, decoded.

        Parameters
        ----------
        n_samples : int, default=1

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Decoder means (through a sigmoid when the fit used ``reconstruction_="bce"``).
        y : ndarray of shape (n_samples,)
            Cluster of each sample.
        """
        check_is_fitted(self)
        rng = np.random.RandomState(draw_seed(self.random_state))
        codes, y = sample_mixture(
            self.weights_, self.means_, self.covariances_, "diag", n_samples, rng
        )
        return self._decode_codes(codes), y


@fill_doc
class DVAE(VaDE):
    """DVAE: VaDE with a cluster classifier and a Wasserstein similarity loss.

    The model of Ma, "Achieving deep clustering through the use of variational
    autoencoders and similarity-based loss" (Math. Biosci. Eng. 19(10), 2022). It extends
    :class:`VaDE` in two ways:

    - ``q(c|z)`` is a classifier ``h(z)`` (a ``latent_dim-C`` network, ``latent_dim-C-C``
      when there are fewer than 10 clusters, behind a fixed standardisation of the code)
      instead of the prior's posterior. After the autoencoder is pretrained, k-means
      gives pseudo-labels of the code; the prior is fitted by EM from their clusters, so
      that its component ``k`` starts as the classifier's class ``k`` (as in the paper,
      where k-means initialises both). The classifier starts at the linear discriminant of
      the pseudo-labels, is trained on them (``classifier_epochs``), then inside the ELBO.
    - On every mini-batch, a similarity loss pulls together the codes of samples that share
      a cluster: ``w_ij = sum_k gamma_ik gamma_jk / sum_i gamma_ik`` weighs the pairs,
      ``Q_ij = 1 / (1 + d_W(i, j))`` with the closed-form 2-Wasserstein distance between
      the posteriors ``q(z|x_i)`` and ``q(z|x_j)``, and the loss is
      ``-(1/B^2) sum_ij w_ij log softmax_j(Q_ij)``
      (:func:`~skdeepcluster.functional.wasserstein_similarity_loss`). The total is
      ``-ELBO + beta * similarity``, with ``beta = 0`` for the first ``warmup_epochs``.

    :meth:`predict_proba` is the classifier's ``q(c | z = mu~)``.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int or "auto", default="auto"
        Epochs of autoencoder pretraining.
        {auto_epochs}
    max_epochs : int, default=100
        Epochs of ELBO training (the similarity loss joins after ``warmup_epochs``).
    batch_size : int, default=256
        Mini-batch size (the paper uses 300); the similarity loss costs O(batch_size^2).
    lr : float, default=2e-3
    device, random_state, verbose, callbacks
        As in :class:`VaDE`.
    {vae_options}
    {images}
    lr_decay : float, default=0.9
    lr_decay_epochs : int, default=10
    n_init : int, default=100
        Starts of the k-means that gives the pseudo-labels (and the start of EM); the one
        of lowest inertia is kept, as in :class:`AEKMeans` (ten starts miss k-means'
        optimum on USPS codes in a fifth to a third of fits; the project's BENCHMARKS.md,
        sections 23.2 and 24.2).
    beta : float, default=0.1
        Weight of the similarity loss after the warm-up (the paper's value on MNIST; it
        reports values up to 1).
    warmup_epochs : int, default=50
        ELBO epochs without the similarity loss (the paper's ``T = 50``).
    classifier_epochs : int, default=50
        Epochs of classifier training on the pseudo-labels.
    similarity : {{"printed", "batch", "kernel"}}, default="printed"
        Form of the similarity loss. ``"printed"`` is the paper's formula, whose value
        hardly moves with the codes (it stays within about 0.003 of ``log(B) / B``, so it
        does not change the labels; the project's BENCHMARKS.md, section 11.3);
        ``"batch"`` divides it by ``B`` instead of ``B^2``; ``"kernel"`` normalises ``Q``
        as a Student's t kernel, ``Q_ij / sum_j Q_ij``, and divides by ``B`` (see
        :func:`~skdeepcluster.functional.wasserstein_similarity_loss`).

    Attributes
    ----------
    weights_ : ndarray of shape (n_clusters,)
    means_ : ndarray of shape (n_clusters, latent_dim)
    covariances_ : ndarray of shape (n_clusters, latent_dim)
        The trained Gaussian-mixture prior, as in :class:`VaDE`.
    {common_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import DVAE
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = DVAE(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=20,
    ...              max_epochs=4, warmup_epochs=2, classifier_epochs=5,
    ...              random_state=0).fit(X)
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    # not a mean over rows: data_parallel() trains it whole in every process
    _data_parallel = False
    _whole_batch_reason = (
        "its similarity term sums over pairs of a batch's rows, not a mean over rows"
    )

    _parameter_constraints: dict = {
        **VaDE._parameter_constraints,
        "beta": [Interval(Real, 0.0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "classifier_epochs": [Interval(Integral, 0, None, closed="left")],
        "similarity": [StrOptions(set(SIMILARITY_FORMS))],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        max_epochs=100, batch_size=256, lr=2e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="auto", layerwise_epochs=0,
        dropout=0.0, lr_decay=0.9, lr_decay_epochs=10, n_init=100, beta=0.1, warmup_epochs=50,
        classifier_epochs=50,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
        similarity="printed",
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, max_epochs=max_epochs, batch_size=batch_size,
            lr=lr, device=device, random_state=random_state, verbose=verbose,
            callbacks=callbacks, activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout, lr_decay=lr_decay,
            lr_decay_epochs=lr_decay_epochs, n_init=n_init,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.beta = beta
        self.warmup_epochs = warmup_epochs
        self.classifier_epochs = classifier_epochs
        self.similarity = similarity

    def _build_module(self, n_features):
        module = super()._build_module(n_features)
        module.classifier = cluster_classifier(self.latent_dim, self.n_clusters)
        return module

    def _criterion(self):
        return VaDELoss(self.module_, self.reconstruction_, similarity=self.similarity)

    def _initial_mixture(self, code, rng):
        """k-means pseudo-labels of the code, and ``(weights, means, variances)`` of EM for
        the prior started from their clusters: component ``k`` of the prior is then the
        classifier's class ``k`` (so no reordering here)."""
        mixture, labels = kmeans_partition_mixture(
            code, self.n_clusters, self.n_init, _sub_seed(rng), "diag", str(self.device_)
        )
        # kept for _fine_tune, which trains the classifier on them (no second encoding pass)
        self._pseudo_labelled = (torch.as_tensor(code, dtype=torch.float32),
                                 torch.as_tensor(labels, dtype=torch.int64))
        return mixture.weights_, mixture.means_, mixture.covariances_

    def _training_callbacks(self):
        return super()._training_callbacks() + [
            ("beta_warmup", WarmupWeight("beta", self.beta, self.warmup_epochs)),
        ]

    def _fine_tune(self, X, config, generator):
        codes, labels = self._pseudo_labelled
        del self._pseudo_labelled  # not fitted state: it would be pickled with the model
        initialize_classifier(self.module_.classifier, codes.to(config.device),
                              labels.to(config.device))
        history = train_module(
            self.module_.classifier, codes, PseudoLabelLoss(labels.to(config.device)),
            phase="classifier", max_epochs=self.classifier_epochs, config=config,
            generator=generator,
        )
        return history + super()._fine_tune(X, config, generator)
