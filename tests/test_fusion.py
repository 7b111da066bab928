"""DeepFusionGMM: views, the fusion autoencoder, its training phases and the mixture."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from skdeepcluster import AEGMM, DeepFusionGMM
from skdeepcluster.datasets import make_multiview
from skdeepcluster.nn import FusionAutoencoder, ReconstructionLoss

#: Small fast settings for two views.
SMALL = dict(
    view_hidden_dims=(16,), view_latent_dim=2, hidden_dims=(8,), latent_dim=2,
    layerwise_epochs=1, pretrain_epochs=3, max_epochs=2, batch_size=16, device="cpu",
    random_state=0,
)


@pytest.fixture
def crossed_views():
    """Four clusters that no single view separates: view A splits {0, 1} from {2, 3}, view B
    splits {0, 2} from {1, 3}; each view also has a different width."""
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 30)
    a = np.where(y[:, None] < 2, 3.0, -3.0) + 0.5 * rng.normal(size=(120, 3))
    b = np.where(y[:, None] % 2 == 0, 3.0, -3.0) + 0.5 * rng.normal(size=(120, 5))
    X, views = make_multiview(a, b)
    return X, y, views


def test_fusion_autoencoder_shapes_and_split():
    net = FusionAutoencoder([3, 5], [(8,), (6, 4)], 2, hidden_dims=(7,), latent_dim=3)
    x = torch.randn(4, 8)
    parts = net.split(x)
    assert [p.shape[1] for p in parts] == [3, 5]
    codes = net.view_codes(x)
    assert [tuple(c.shape) for c in codes] == [(4, 2), (4, 2)]
    fused, reconstruction = net(x)
    assert fused.shape == (4, 3) and reconstruction.shape == (4, 8)
    assert torch.equal(fused, net.common.encode(torch.cat(codes, dim=1)))
    assert net.view_autoencoders[1].encoder_layers[1][0].out_features == 4


def test_multiview_reconstruction_loss_weighs_views_equally():
    X = torch.zeros(2, 4)
    output = (None, torch.tensor([[1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]))
    # view 1 (width 1) has error 1 everywhere, view 2 (width 3) none: mean of (1, 0)
    assert float(ReconstructionLoss("mse", views=[1, 3])(output, X)) == pytest.approx(0.5)
    assert float(ReconstructionLoss("mse")(output, X)) == pytest.approx(0.25)


def test_fused_code_separates_what_no_view_does(crossed_views):
    X, y, views = crossed_views
    params = dict(SMALL, pretrain_epochs=60, max_epochs=60, lr=1e-2)
    model = DeepFusionGMM(4, views=views, n_init=3, **params).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert_array_equal(model.predict(X), model.labels_)
    for start, width in ((0, 3), (3, 5)):
        single = AEGMM(4, n_init=3, **{k: v for k, v in params.items() if not k.startswith(
            ("view", "max_epochs"))}).fit(X[:, start : start + width])
        assert adjusted_rand_score(y, single.labels_) < 0.7


def test_history_phases(crossed_views):
    X, _, views = crossed_views
    model = DeepFusionGMM(4, views=views, **dict(SMALL, layerwise_epochs=2)).fit(X)
    phases = [r["phase"] for r in model.history_]
    expected = []
    for prefix in ("view0-", "view1-", "common-"):
        expected += [f"{prefix}layerwise-0"] * 2 + [f"{prefix}layerwise-1"] * 2
        expected += [f"{prefix}pretrain"] * 3
    assert phases == expected + ["fine-tune"] * 2
    assert model.n_iter_ == len(phases)
    assert all(np.isfinite(r["loss"]) for r in model.history_)


def test_every_autoencoder_learns(crossed_views):
    X, _, views = crossed_views
    params = dict(SMALL, pretrain_epochs=30, max_epochs=30, lr=1e-2)
    model = DeepFusionGMM(4, views=views, **params).fit(X)
    for phase in ("view0-pretrain", "view1-pretrain", "common-pretrain", "fine-tune"):
        losses = [r["loss"] for r in model.history_ if r["phase"] == phase]
        assert losses[-1] < 0.7 * losses[0], phase


def test_view_transform_and_views_attribute(crossed_views):
    X, _, views = crossed_views
    model = DeepFusionGMM(4, views=views, **SMALL).fit(X.astype(np.float32))
    assert model.views_ == (3, 5)
    codes = model.view_transform(X.astype(np.float32))
    assert [c.shape for c in codes] == [(120, 2), (120, 2)]
    assert all(c.dtype == np.float32 for c in codes)
    single = DeepFusionGMM(4, **SMALL).fit(X)
    assert single.views_ == (8,)
    assert len(single.view_transform(X)) == 1


def test_per_view_hidden_dims(crossed_views):
    X, _, views = crossed_views
    model = DeepFusionGMM(4, views=views, **dict(SMALL, view_hidden_dims=[(6,), (9, 4)]))
    model.fit(X)
    second = model.module_.view_autoencoders[1]
    assert [layer[0].out_features for layer in second.encoder_layers] == [9, 4, 2]


def test_mixture_surface(crossed_views):
    X, _, views = crossed_views
    model = DeepFusionGMM(4, views=views, covariance_type="diag", **SMALL).fit(X)
    code = model.transform(X)
    assert model.means_.shape == (4, 2) and model.covariances_.shape == (4, 2)
    assert_allclose(model.weights_.sum(), 1.0)
    assert_allclose(model.score_samples(X), model.mixture_.score_samples(code))
    assert_allclose(model.bic(X), model.mixture_.bic(code))
    assert_allclose(model.aic(X), model.mixture_.aic(code))
    assert not hasattr(model, "sample")


@pytest.mark.parametrize(
    "views, match",
    [
        ([3, 4], r"views=\[3, 4\] must sum to the number of features, n_features=8, "
                 "but sums to 7"),
        ([3, 0, 5], "must be a non-empty list of positive integers"),
        ([3.0, 5.0], "must be a non-empty list of positive integers"),
        ([], "must be a non-empty list of positive integers"),
        (8, "The 'views' parameter of DeepFusionGMM must be an array-like"),
    ],
)
def test_bad_views(crossed_views, views, match):
    X, _, _ = crossed_views
    with pytest.raises(ValueError, match=match):
        DeepFusionGMM(4, views=views, **SMALL).fit(X)


def test_views_changed_after_fit(crossed_views):
    X, _, views = crossed_views
    model = DeepFusionGMM(4, views=views, **SMALL).fit(X)
    model.set_params(views=[4, 4])
    for method in (model.predict, model.transform, model.view_transform, model.score):
        with pytest.raises(ValueError, match=r"views=\[4, 4\] differs from the views the model "
                                             r"was fitted with, views_=\[3, 5\]"):
            method(X)
    model.set_params(views=(3, 5))  # the same views, as a tuple: fine
    assert_array_equal(model.predict(X), model.labels_)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"view_hidden_dims": [(8,), (8,), (8,)]}, "gives 3 tuples of widths but there are 2"),
        ({"view_hidden_dims": (8, 0)}, r"view_hidden_dims=\(8, 0\) must be a sequence"),
        ({"hidden_dims": (0,)}, r"hidden_dims=\(0,\) must be a sequence"),
        ({"view_latent_dim": 0}, "The 'view_latent_dim' parameter"),
        ({"reconstruction": "bce"}, r"reconstruction='bce' needs X in \[0, 1\]"),
    ],
)
def test_bad_parameters(crossed_views, params, match):
    X, _, views = crossed_views
    with pytest.raises(ValueError, match=match):
        DeepFusionGMM(4, views=views, **{**SMALL, **params}).fit(X)


def test_bce_on_unit_data(crossed_views):
    X, _, views = crossed_views
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    model = DeepFusionGMM(4, views=views, reconstruction="bce", **SMALL).fit(X)
    assert np.all(np.isfinite(model.transform(X)))


def test_verbose_names_every_phase(crossed_views, capsys):
    X, _, views = crossed_views
    DeepFusionGMM(4, views=views, verbose=2, **SMALL).fit(X)
    out = capsys.readouterr().out
    for phase in ("view0-layerwise-0", "view1-pretrain", "common-pretrain", "fine-tune"):
        assert f"[{phase}]" in out


def test_multiview_model_clones_and_refits_with_other_views(crossed_views):
    X, _, views = crossed_views
    model = DeepFusionGMM(4, views=views, **SMALL).fit(X)
    other = clone(model).set_params(views=[4, 4]).fit(X)
    assert other.views_ == (4, 4)
    assert model.views_ == (3, 5)
