"""Weight transfer between the PyTorch transcription and `al2_keras.small_net`."""

import keras
import numpy as np
import pytest
import torch
import torch_reference  # benchmarks/, on the path from conftest
import weight_transfer

import al2_keras

VARIANTS = {"bare": {}, "bn": {"batch_norm": True}, "dropout": {"dropout": 0.5}, "weight_decay": {"weight_decay": 5e-4}}


def _pair(options):
    torch.manual_seed(0)
    reference = torch_reference.ReferenceSmallNet(batch_norm=options.get("batch_norm", False),
                                                  dropout_rate=options.get("dropout", 0.0))
    if options.get("batch_norm"):  # statistics and affine parameters away from their initial values
        norm = reference.trunk[4]
        with torch.no_grad():
            norm.running_mean.uniform_(-1, 1)
            norm.running_var.uniform_(0.5, 2)
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-1, 1)
    model = al2_keras.small_net(**options)
    weight_transfer.torch_to_keras(reference, model)
    return reference, model


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("training", [False, True])
def test_transferred_weights_give_the_same_logits(variant, training):
    if training and variant == "dropout":
        return  # Dropout's masks come from each framework's own generator
    reference, model = _pair(VARIANTS[variant])
    images = np.random.default_rng(0).normal(size=(32, 28, 28, 1)).astype("float32")
    logits = keras.Model(model.inputs, model.get_layer("logits").output)(images, training=training)
    reference.train(training)
    with torch.no_grad():
        log_probabilities, features = reference(torch.from_numpy(images.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(_log_softmax(np.asarray(logits)), log_probabilities.numpy(), atol=1e-5)
    trunk = al2_keras.trunk_model(model)(images, training=training)
    # The same features in each framework's flatten order (NHWC against NCHW).
    np.testing.assert_allclose(np.sort(np.asarray(trunk), axis=1), np.sort(features.numpy(), axis=1), atol=1e-5)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_transfer_back_restores_every_tensor(variant):
    reference, model = _pair(VARIANTS[variant])
    back = torch_reference.ReferenceSmallNet(**reference.options)
    weight_transfer.keras_to_torch(model, back)
    for name, tensor in reference.state_dict().items():
        assert torch.equal(back.state_dict()[name], tensor), name
