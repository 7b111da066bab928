"""Parameter documentation shared by the estimators, written once."""

_SHARED = {
    "n_clusters": """n_clusters : int, default=8
        Number of clusters.""",
    "autoencoder": """hidden_dims : tuple of int, default=None
        Encoder widths; the decoder mirrors them. None means ``(500, 500, 2000)``, the
        network of DEC and most deep clustering papers.
    latent_dim : int, default=10
        Width of the code that the model clusters (the width of :meth:`transform`).""",
    "training": """batch_size : int, default=256
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate of the Adam optimizer.
    device : str or torch.device, default="auto"
        Training and inference device. ``"auto"`` means CUDA when available, else the CPU;
        otherwise any torch device string, e.g. ``"cpu"`` or ``"cuda:1"``. The device used
        is stored in ``device_``; a model pickled on a GPU loads on a CPU-only machine.
    random_state : int, RandomState instance or None, default=None
        Seeds network initialisation, batch order and the clustering initialisation. An int
        gives identical labels on the CPU from run to run. Seeding is local: the global
        NumPy, Python and torch random states are left as they were.
    verbose : int, default=0
        0 is silent, 1 shows a progress bar per training phase with its loss, 2 prints a
        line per epoch.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (or ``(name, callback)`` tuples) for every training phase;
        each phase gets a deep copy, so the objects passed in are never mutated.""",
    "ae_options": """activation : str, default="relu"
        Activation of the hidden layers, one of ``"relu"``, ``"leaky_relu"``, ``"elu"``,
        ``"gelu"``, ``"tanh"``, ``"sigmoid"``; the code and output layers are linear.
    reconstruction : {"mse", "bce"}, default="mse"
        Reconstruction loss: squared error, or binary cross-entropy for data in [0, 1]
        (e.g. pixel intensities; other data raise a ``ValueError``).
    layerwise_epochs : int, default=0
        Epochs of greedy layer-wise pretraining per layer before the end-to-end pretraining
        (0 skips it).
    dropout : float, default=0.0
        Input corruption of a denoising autoencoder: during training each encoder input is
        zeroed with this probability and the clean input is reconstructed (DEC uses 0.2).
        Inactive at inference.""",
    "input_shape": """input_shape : tuple of int or None, default=None
        ``(C, H, W)`` of the images whose flattened, channel-first pixels are the rows of
        ``X`` (``X.reshape(n, C, H, W)`` recovers them). It switches on the image recipe of
        the ``"auto"`` options below; None treats the rows as tabular data.""",
    "image_recipe": """augment : {"auto", "none", "pretrain", "all"} or bool, default="auto"
        Train on randomly transformed images: every training batch is rotated by up to 10
        degrees and shifted by up to 10% of the image's sides, drawn anew at each step on
        the training device. ``"pretrain"`` augments the autoencoder's pretraining;
        ``"all"`` the clustering phase too, whose targets and cluster initialisation are
        still computed from the images as they are (as in DEC-DA); ``"none"`` nothing.
        ``True`` means ``"pretrain"`` and ``False`` ``"none"``. ``"auto"`` is
        ``"pretrain"`` where the image recipe applies (below) and ``"none"`` elsewhere:
        on USPS, ``"all"`` gave DEC and IDEC about the same mean ACC over five seeds,
        with partitions that agree less between seeds.
        Anything but ``"none"`` needs ``input_shape``. :meth:`transform` and
        :meth:`predict` always see the data as they are.
    pretrain_optimizer : {"auto", "adam", "sgd"}, default="auto"
        Optimizer of the pretraining phases: Adam, or SGD with momentum 0.9. ``"auto"`` is
        SGD at a learning rate of 1 where the image recipe applies -- the DMAE reference
        code's pretraining: after 500 epochs on USPS, k-means on its code scored 0.83 and
        0.93 ACC on two seeds where Adam's scored 0.78 and 0.79 -- and Adam at ``lr``
        elsewhere (always Adam for SDDECC, whose mutual-information and prior terms
        diverge at that rate). The clustering phases keep their own optimizer.
    pretrain_lr : float or None, default=None
        Learning rate of the pretraining phases; None is ``lr``, or 1.0 where ``"auto"``
        picks SGD.

        The image recipe of the ``"auto"`` options applies to images (``input_shape``
        given) with pixels in [0, 1] and a pretraining of at least 14,000 optimizer steps
        (``pretrain_epochs_`` times the batches of an epoch; ``pretrain_epochs="auto"``
        lengthens the pretraining to reach them): it starts slowly, and on a shorter
        schedule Adam on the images as they are gives the better code. The values
        a fit used are ``augment_``, ``pretrain_optimizer_`` and ``pretrain_lr_``.""",
    "encoder": """encoder : {"auto", "mlp", "conv"}, default="auto"
        The autoencoder: the fully connected one of ``hidden_dims`` (``"mlp"``), or, for
        images (``input_shape`` given), a convolutional one (``"conv"``): 3x3 convolutions
        of stride 2 with ``channels``, then a linear code layer, mirrored by transposed
        convolutions. ``"auto"`` is ``"mlp"``, this model's network in its paper.
    channels : tuple of int or None, default=None
        Output channels of the convolution blocks, each halving the feature map. None
        means ``(16, 32)`` for images of side at most 16, else ``(16, 16, 32, 32)`` (the
        SDDECC paper's Table 2). Used only by the convolutional autoencoder.""",
    "auto_epochs": """``"auto"`` is 200 epochs, lengthened for images in [0, 1] (``input_shape``
        given) to the image recipe's 14,000 optimizer steps where at most 500 epochs reach
        them: at batch 256, for 6,913 to 17,664 images (379 epochs on the 9,298 of USPS).
        The value a fit used is ``pretrain_epochs_``.""",
    "dec_epochs": """pretrain_epochs : int or "auto", default="auto"
        Epochs of end-to-end autoencoder pretraining.
        {auto_epochs}
    max_epochs : int, default=100
        Most epochs of clustering (self-training); fewer when the labels settle.""",
    "kmeans_n_init": """n_init : int, default=100
        k-means initialisations on the pretrained code; the one of lowest inertia is kept.
        On USPS codes, one start in seven to nine reached the lowest inertia: ten starts
        miss it in a fifth to a third of fits (two seeds of five stopped at 0.82 ACC where
        the lowest inertia scores 0.91-0.92), a hundred almost never, for 1-2 s on 10,000
        rows; on 10^7 rows pass fewer (BENCHMARKS.md, section 23).""",
    "self_training": """{kmeans_n_init} DEC uses 20.
    alpha : float, default=1.0
        Degrees of freedom of the Student's t kernel (DEC uses 1).
    update_interval : int, default=140
        Training batches between refreshes of the target distribution.
    tol : float, default=1e-3
        Stop when the fraction of labels that changed between refreshes falls below it.""",
    "dec_attributes": """cluster_centers_ : ndarray of shape (n_clusters, latent_dim)
        Trained centres in code space.
    inertia_ : float
        Inertia of the k-means initialisation, on the pretrained code.""",
    "mixture": """dissimilarity : str or callable, default="euclidean"
        Dissimilarity between a sample and a cluster: ``"euclidean"``, ``"sqeuclidean"``,
        ``"manhattan"``, ``"minkowski"``, ``"chebyshev"``, ``"cosine"``, ``"dot"``,
        ``"mahalanobis"`` (squared, with a learned inverse covariance per cluster),
        ``"kullback_leibler"`` (between softmax-normalised vectors), ``"itakura_saito"``
        (positive data) or ``"toroidal"`` (euclidean on a torus); see
        :mod:`skdeepcluster.functional`. A callable ``d(x, centers, **params)`` maps torch
        tensors of shapes (n, D) and (K, D) to (n, K); it must be differentiable, convex in
        the centres, and defined at module level for the model to pickle.
    dissimilarity_params : dict or None, default=None
        Parameters of the dissimilarity: ``{"p": 3}`` for minkowski, ``{"period": 2.0}``
        (a float, or one per feature) for toroidal, whose default period is 1 (the unit
        torus of :func:`~skdeepcluster.datasets.make_toroidal_blobs`).""",
    "alpha": """alpha : float or "auto", default="auto"
        Softmax inverse temperature: ``s = softmax(-alpha * d + log(weights_))`` (for
        mahalanobis plus ``0.5 * log(det(precisions_))``, the likelihood's normaliser);
        its scale is that of ``1 / d``. ``"auto"`` is 1000 over the mean dissimilarity of the
        samples to their nearest initial centre, whatever the units: nearly hard assignments, as
        the reference code's ``alpha=1000``, which keep the training loss a tight bound.
        Smaller values give softer :meth:`predict_proba`. The value used is ``alpha_``.""",
    "mixture_init": """n_init : int, default=10
        Initialisations of the clusters (k-means runs for euclidean, sqeuclidean and
        mahalanobis, k-means++ seedings under the dissimilarity otherwise); the one of
        lowest cost is kept, never chosen with labels. On low-dimensional data more are
        cheap and can matter: on a 10-dimensional code of USPS, all ten k-means runs
        stopped in a worse optimum for about one random state in twelve, and
        ``n_init=100`` added about a second.
    precision_init : {"kmeans", "identity"}, default="kmeans"
        Only for ``dissimilarity="mahalanobis"``: the matrices ``A_k`` start as the inverse
        covariances of the k-means clusters (shrunk towards the identity, so that they stay
        finite), or as the identity, which makes the first assignments those of the
        squared euclidean distance (the reference code's start on its moons and circles).""",
    "mixture_attributes": """alpha_ : float
        The inverse temperature used (``alpha``, resolved when ``"auto"``).
    cluster_centers_ : ndarray of shape (n_clusters, n_dims)
        Trained centres ``theta_k`` (``n_dims`` is the width of the space clustered).
    weights_ : ndarray of shape (n_clusters,)
        Trained mixing weights ``pi_k = exp(phi_k)``.
    precisions_ : ndarray of shape (n_clusters, n_dims, n_dims)
        Only for ``dissimilarity="mahalanobis"``: the learned matrices ``A_k``.
    covariances_ : ndarray of shape (n_clusters, n_dims, n_dims)
        Only for ``dissimilarity="mahalanobis"``: their (pseudo-)inverses.""",
    "code_mixture": """covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        As in ``GaussianMixture``.
    n_init : int, default=10
        EM initialisations; the one of highest likelihood lower bound is kept (never
        chosen with labels). Ten, where ``GaussianMixture`` has one: EM on a code is cheap
        beside the training, and on digits one start often ends in a poorer optimum
        (BENCHMARKS.md, section 18.1).
    reg_covar : float, default=1e-6
        Added to the diagonal of the covariances.
    tol : float, default=1e-3
        EM convergence threshold on the lower bound.
    max_iter : int, default=100
        EM iterations per initialisation.""",
    "code_mixture_attributes": """mixture_ : TorchGaussianMixture
        The mixture fitted by EM on the training code, on the training device.
    weights_ : ndarray of shape (n_clusters,)
    means_ : ndarray of shape (n_clusters, latent_dim)
    covariances_ : ndarray
        Shape as in ``GaussianMixture`` for the ``covariance_type``.
    precisions_cholesky_ : ndarray
    converged_ : bool
    lower_bound_ : float""",
    "training_rows": """training_rows : {"float32", "float16", "none"}, default="float32"
        How the fitted model keeps its training rows, which :meth:`predict` and
        :meth:`predict_proba` need (a new sample is linked to its nearest training rows, and
        the training nodes go through the GCN): ``"float32"`` as trained; ``"float16"``
        rounded to half precision before the final assignment pass (``labels_`` and every
        prediction use the rounded rows; a pickle stores them in half the space; values
        must lie within float16's range, +-65504); ``"none"`` dropped with the graph after
        ``labels_`` is set, for a small model that keeps ``labels_``, :meth:`transform` and
        :meth:`score` only (:meth:`predict` then raises a ``ValueError``).""",
    "knn_algorithm": """knn_algorithm : {"auto", "exact", "approximate"}, default="auto"
        How the training graph's neighbours are searched. ``"exact"`` compares every pair of
        rows, in blocks (O(n_samples^2 * n_features) time, memory linear in n_samples).
        ``"approximate"`` uses a faiss inverted-file index (``pip install faiss-cpu``, or
        the ``knn`` extra): candidates from the nearest 16 of about ``4 * sqrt(n_samples)``
        lists (one list in 64 from about 74,000 rows on), ranked exactly. On all of MNIST
        it took about a quarter of the exact search's time on 2 CPU cores (17.8 s against
        68.1 s) and found 99% of the exact neighbours (the project's BENCHMARKS.md,
        sections 20.2-20.4). ``"auto"`` is
        ``"approximate"`` from 50,000 training rows when faiss is installed, else
        ``"exact"``. New samples at :meth:`predict` are always linked to their exact nearest
        training rows.""",
    "knn_algorithm_attribute": """knn_algorithm_ : {"exact", "approximate"}
        How the training graph was searched (with ``use_gcn`` only, for SDDECC).""",
    "common_attributes": """labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample, from a final assignment pass of the trained model:
        ``labels_`` equals ``predict(X)`` on the training data.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`, when ``X`` has string column names.
    n_iter_ : int
        Training epochs run, over all phases.
    history_ : list of dict
        One record per epoch of every phase with keys ``phase``, ``epoch``, ``loss`` and
        ``dur`` (seconds); ``pandas.DataFrame(history_)`` tabulates it.
    module_ : torch.nn.Module
        The trained network.
    device_ : torch.device
        The device the network lives on.""",
}


#: VaDE's, DVAE's and SDDECC's (a prior on the code): the likelihood follows the data's
#: range by default.
_SHARED["vae_options"] = _SHARED["ae_options"].replace(
    """reconstruction : {"mse", "bce"}, default="mse"
        Reconstruction loss: squared error, or binary cross-entropy for data in [0, 1]
        (e.g. pixel intensities; other data raise a ``ValueError``).""",
    """reconstruction : {"auto", "mse", "bce"}, default="auto"
        The likelihood ``p(x|z)``: a Bernoulli (``"bce"``, for data in [0, 1]; other data
        raise a ``ValueError``) or a Gaussian of unit variance (``"mse"``, for
        standardised data). ``"auto"`` is ``"bce"`` when ``X`` lies in [0, 1] and
        ``"mse"`` otherwise; ``reconstruction_`` says which a fit used.""",
)
assert _SHARED["vae_options"] != _SHARED["ae_options"]

_SHARED["dec_epochs"] = _SHARED["dec_epochs"].format(auto_epochs=_SHARED["auto_epochs"])
_SHARED["self_training"] = _SHARED["self_training"].replace(
    "{kmeans_n_init}", _SHARED["kmeans_n_init"])

#: DMAE's: its mixture starts on a pretrained code, as the k-means of the other models do.
_SHARED["code_mixture_init"] = _SHARED["mixture_init"].replace(
    "n_init : int, default=10", "n_init : int, default=100").replace(
    """
        ``n_init=100`` added about a second.""", """
        ``n_init=100`` (the default here, as the reference code's) added about a second;
        the other autoencoder models' k-means starts measured the same (BENCHMARKS.md,
        section 23).""")
assert _SHARED["code_mixture_init"].count("default=100") == 1
assert "the default here" in _SHARED["code_mixture_init"]

#: AEGMM's: its mixture starts from the k-means partition of the code by default.
_SHARED["aegmm_mixture"] = _SHARED["code_mixture"].replace(
    _SHARED["code_mixture"][_SHARED["code_mixture"].index("    n_init : int"):
                            _SHARED["code_mixture"].index("    reg_covar")],
    """    init_params : {"best-kmeans", "kmeans", "k-means++", "random", "random_from_data"}, \
default="best-kmeans"
        How EM starts. ``"best-kmeans"``: once, from the weights, means and covariances of
        the k-means partition of the code of lowest inertia over ``n_init`` runs (that of
        :class:`AEKMeans` at the same parameters). The others are ``GaussianMixture``'s:
        ``n_init`` EM runs, each from its own start, the one of highest likelihood lower
        bound kept. ``"best-kmeans"`` was chosen without labels: over five seeds the
        partitions agreed more between seeds on USPS (mean ARI 0.886 against 0.782 for
        ten ``"kmeans"`` runs) and about as much on digits (0.738 against 0.747, 0.791
        against 0.789), although its likelihood is often a little lower (BENCHMARKS.md,
        section 23.6).
    n_init : int or "auto", default="auto"
        k-means runs for ``init_params="best-kmeans"`` (100 for ``"auto"``, as the k-means
        start of the other autoencoder models), EM runs otherwise (10 for ``"auto"``:
        ``GaussianMixture`` has one, but on digits one run often ends in a poorer optimum,
        BENCHMARKS.md, section 18.1).
""")
assert "best-kmeans" in _SHARED["aegmm_mixture"] and "reg_covar" in _SHARED["aegmm_mixture"]

#: DMAE's: the mixture is on a low-dimensional code, where a learned metric per cluster is
#: cheap; DMM, on the raw features, keeps the euclidean default.
_SHARED["code_dissimilarity"] = _SHARED["mixture"].replace(
    'dissimilarity : str or callable, default="euclidean"',
    'dissimilarity : str or callable, default="mahalanobis"').replace(
    """        the centres, and defined at module level for the model to pickle.""",
    """        the centres, and defined at module level for the model to pickle.
        ``"mahalanobis"``, the paper's choice on images, is the default here (it was
        ``"euclidean"``): its partitions agree more between seeds, on digits (mean ARI
        0.791 against 0.750) and on USPS from the same pretrained codes (0.888 against
        0.857), and score higher (BENCHMARKS.md, section 26).""")
assert _SHARED["code_dissimilarity"].count('default="mahalanobis"') == 1
assert "the paper's choice on images" in _SHARED["code_dissimilarity"]

_SHARED["images"] = "\n    ".join(
    _SHARED[key] for key in ("input_shape", "image_recipe", "encoder"))


def fill_doc(obj):
    """Substitute the shared texts (``{n_clusters}``, ``{training}``...) into a docstring."""
    obj.__doc__ = obj.__doc__.format(**_SHARED)
    return obj
