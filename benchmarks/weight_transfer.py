"""Weight transfer between the PyTorch transcription and `al2_keras.small_net`, both ways.

Layouts (as keras-hub's checkpoint conversions spell them out):
- Conv2D: PyTorch (out, in, kh, kw) <-> Keras (kh, kw, in, out).
- The first Dense after the trunk: PyTorch flattens NCHW (channel, row,
  column), Keras flattens NHWC (row, column, channel); the (500, C*H*W)
  matrix is regrouped to Keras's (H*W*C, 500).
- The logits Dense: transposed.
- BatchNorm: gamma = weight, beta = bias, moving statistics = running
  statistics. PyTorch's running-average momentum 0.1 is Keras's 0.9
  (`common.batch_norm_layer`); both keep epsilon 1e-5.
Dropout has no weights. `ReferenceSmallNet` in `torch_reference.py` is the
PyTorch side.
"""

import keras
import numpy as np
import torch

# Keras layer name -> index of its PyTorch module in `trunk` (convs, BatchNorm) or `fcs` (denses).
_CONVS = {"conv1": 0, "conv2": 3}
_BATCH_NORM = ("batch_norm", 4)
_DENSES = {"fc1": 0, "logits": 2}


def _trunk_shape(model: keras.Model) -> tuple:
    """(H, W, C) of the Keras trunk output before Flatten."""
    return tuple(model.get_layer("pool2").output.shape[1:])


def torch_to_keras(reference: torch.nn.Module, model: keras.Model) -> None:
    """Copies the transcription's weights (and BatchNorm statistics) into `model`."""
    def numpy(tensor):
        return tensor.detach().cpu().numpy()

    for name, index in _CONVS.items():
        conv = reference.trunk[index]
        model.get_layer(name).set_weights([numpy(conv.weight).transpose(2, 3, 1, 0), numpy(conv.bias)])
    if _has_batch_norm(model):
        norm = reference.trunk[_BATCH_NORM[1]]
        model.get_layer(_BATCH_NORM[0]).set_weights(
            [numpy(norm.weight), numpy(norm.bias), numpy(norm.running_mean), numpy(norm.running_var)])
    height, width, channels = _trunk_shape(model)
    fc1, logits = (reference.fcs[i] for i in _DENSES.values())
    kernel = numpy(fc1.weight).reshape(-1, channels, height, width).transpose(2, 3, 1, 0)
    model.get_layer("fc1").set_weights([kernel.reshape(height * width * channels, -1), numpy(fc1.bias)])
    model.get_layer("logits").set_weights([numpy(logits.weight).T, numpy(logits.bias)])


def keras_to_torch(model: keras.Model, reference: torch.nn.Module) -> None:
    """Copies `model`'s weights (and BatchNorm statistics) into the transcription."""
    def assign(parameter, value):
        with torch.no_grad():
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)).to(parameter.dtype))

    for name, index in _CONVS.items():
        kernel, bias = model.get_layer(name).get_weights()
        assign(reference.trunk[index].weight, kernel.transpose(3, 2, 0, 1))
        assign(reference.trunk[index].bias, bias)
    if _has_batch_norm(model):
        norm = reference.trunk[_BATCH_NORM[1]]
        for parameter, value in zip((norm.weight, norm.bias, norm.running_mean, norm.running_var),
                                    model.get_layer(_BATCH_NORM[0]).get_weights()):
            assign(parameter, value)
    height, width, channels = _trunk_shape(model)
    kernel, bias = model.get_layer("fc1").get_weights()
    kernel = kernel.reshape(height, width, channels, -1).transpose(3, 2, 0, 1)
    assign(reference.fcs[0].weight, kernel.reshape(kernel.shape[0], -1))
    assign(reference.fcs[0].bias, bias)
    kernel, bias = model.get_layer("logits").get_weights()
    assign(reference.fcs[2].weight, kernel.T)
    assign(reference.fcs[2].bias, bias)


def keras_weights_as_torch(model: keras.Model, reference: torch.nn.Module) -> dict:
    """`model`'s trainable weights in the transcription's layout: parameter name -> array."""
    copy = type(reference)(**reference.options).to(next(reference.parameters()).dtype)
    keras_to_torch(model, copy)
    return {name: value.detach().numpy() for name, value in copy.state_dict().items()
            if not name.endswith("num_batches_tracked")}


def _has_batch_norm(model: keras.Model) -> bool:
    return any(layer.name == _BATCH_NORM[0] for layer in model.layers)
