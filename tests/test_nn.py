"""Autoencoder building blocks."""

import pytest
import torch

from skdeepcluster.nn import MLPAutoencoder, ReconstructionLoss
from skdeepcluster.training import TrainingConfig, train_layerwise


def test_shapes_and_layers():
    ae = MLPAutoencoder(10, hidden_dims=(7, 5), latent_dim=3)
    z, out = ae(torch.zeros(4, 10))
    assert z.shape == (4, 3) and out.shape == (4, 10)
    assert ae.n_layers == 3
    widths = [layer[0].out_features for layer in ae.decoder_layers]
    assert widths == [5, 7, 10]
    # code and output layers are linear, hidden layers activated
    assert len(ae.encoder_layers[-1]) == 1 and len(ae.decoder_layers[-1]) == 1
    assert isinstance(ae.encoder_layers[0][1], torch.nn.ReLU)
    assert ae.encode(torch.zeros(4, 10), depth=1).shape == (4, 7)


def test_linear_autoencoder_without_hidden_layers():
    ae = MLPAutoencoder(6, hidden_dims=(), latent_dim=2, activation="tanh")
    assert ae.n_layers == 1 and ae(torch.zeros(1, 6))[1].shape == (1, 6)


def test_layer_pair_shares_parameters():
    ae = MLPAutoencoder(10, hidden_dims=(7, 5), latent_dim=3)
    pair = ae.layer_pair(1)
    assert pair.encoder_layer is ae.encoder_layers[1]
    assert pair.decoder_layer is ae.decoder_layers[1]
    code, rec = pair(torch.zeros(2, 7))
    assert code.shape == (2, 5) and rec.shape == (2, 7)
    with pytest.raises(IndexError):
        ae.layer_pair(3)


def test_greedy_layerwise_trains_each_pair_in_turn():
    torch.manual_seed(0)
    ae = MLPAutoencoder(6, hidden_dims=(5,), latent_dim=2)
    before = {k: v.clone() for k, v in ae.state_dict().items()}
    config = TrainingConfig(device=torch.device("cpu"), batch_size=8, lr=1e-2)
    history = train_layerwise(
        ae, torch.rand(32, 6), reconstruction="mse", max_epochs=3, config=config,
        generator=torch.Generator().manual_seed(0),
    )
    assert [r["phase"] for r in history] == ["layerwise-0"] * 3 + ["layerwise-1"] * 3
    changed = {k for k, v in ae.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == set(before)  # every layer was trained by its pair


def test_reconstruction_loss_reads_the_reconstruction():
    loss = ReconstructionLoss("mse")
    x = torch.ones(2, 3)
    assert loss((None, x), x).item() == 0.0
