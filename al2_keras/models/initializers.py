"""Initial weights: the reference's for each architecture, PyTorch's defaults, or Keras's.

The reference (majedelhelou/AL2, `code/`) keeps PyTorch's default
initialization for its small CNN (`funnelNet_utils.get_smallNet_trunk`) and
AlexNet (`alexnet.py`), and re-initializes DenseNet-121 with
`train.py`'s `weights_init_kaiming`. `"reference"` picks that scheme per
architecture; `"torch"` and `"keras"` pick one scheme for every architecture.
"""

import math
from typing import Optional

import keras
import numpy as np

# "reference": the reference's own initialization for the architecture (the default);
# "torch": PyTorch's defaults for nn.Conv2d, nn.Linear and nn.BatchNorm2d;
# "keras": Keras's own (Glorot-uniform kernels, zero biases, BatchNorm gamma 1).
INITIALIZERS = ("reference", "keras", "torch")
DEFAULT_INITIALIZER = "reference"
# The scheme "reference" stands for, per architecture (`train.py`: Kaiming for denseNet only).
REFERENCE_SCHEMES = {"small_net": "torch", "alexnet": "torch", "densenet121": "kaiming"}
# `weights_init_kaiming`'s BatchNorm gamma: normal with this standard deviation, clamped to +-0.025.
KAIMING_GAMMA_STDDEV = math.sqrt(2.0 / 9.0 / 64.0)
KAIMING_GAMMA_CLAMP = 0.025


def check_initializer(initializer: str) -> str:
    """Returns `initializer` if it is one of `INITIALIZERS`, else raises a ValueError naming them."""
    if initializer not in INITIALIZERS:
        raise ValueError(f"`initializer` must be one of {INITIALIZERS}. Received: initializer={initializer!r}")
    return initializer


def scheme(initializer: str, architecture: str) -> str:
    """The scheme ("keras", "torch" or "kaiming") that `initializer` means for `architecture`."""
    check_initializer(initializer)
    return REFERENCE_SCHEMES[architecture] if initializer == "reference" else initializer


@keras.saving.register_keras_serializable(package="al2_keras")
class ClampedNormal(keras.initializers.Initializer):
    """Normal draws clamped to `[-clamp, clamp]` (not redrawn, as `TruncatedNormal` would).

    The reference's `weights_init_kaiming` draws BatchNorm's gamma this way
    (`normal_(0, sqrt(2/9/64)).clamp_(-0.025, 0.025)`).

    Args:
        stddev: Standard deviation of the normal draw (mean 0).
        clamp: Bound of the clamp, > 0.
        seed: Seed of the draw; None draws from Keras's global seed.
    """

    def __init__(self, stddev: float = KAIMING_GAMMA_STDDEV, clamp: float = KAIMING_GAMMA_CLAMP,
                 seed: Optional[int] = None):
        if not stddev > 0 or not clamp > 0:
            raise ValueError(f"`stddev` and `clamp` must be > 0. Received: stddev={stddev}, clamp={clamp}")
        self.stddev, self.clamp, self.seed = float(stddev), float(clamp), seed

    def __call__(self, shape, dtype=None):
        draws = keras.random.normal(shape, stddev=self.stddev, dtype=dtype, seed=self.seed)
        return keras.ops.clip(draws, -self.clamp, self.clamp)

    def get_config(self) -> dict:
        return {"stddev": self.stddev, "clamp": self.clamp, "seed": self.seed}


def torch_uniform(fan_in: int) -> keras.initializers.Initializer:
    """PyTorch's default draw for conv and linear weights and biases: uniform in +-1/sqrt(fan_in)."""
    # kaiming_uniform_(a=sqrt(5)) on the weight; the bias uses the same bound.
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound)


def layer_initializers(scheme_name: str, fan_in: int, use_bias: bool = True) -> dict:
    """Kernel and bias initializer arguments of a Conv2D or Dense layer under a scheme.

    Args:
        scheme_name: "keras" (none: Keras's Glorot-uniform kernel, zero bias),
            "torch" (kernel and bias uniform in +-1/sqrt(fan_in), PyTorch's
            `nn.Conv2d`/`nn.Linear` default) or "kaiming" (the reference's
            `weights_init_kaiming`: kernel normal with std sqrt(2/fan_in),
            bias left at PyTorch's default). "reference" is resolved first
            (`scheme`).
        fan_in: Inputs per output unit (in_channels x kernel area for a
            convolution, in_features for a dense layer).
        use_bias: Whether the layer has a bias.
    """
    if scheme_name == "keras":
        return {}
    if scheme_name == "torch":
        kernel = torch_uniform(fan_in)
    elif scheme_name == "kaiming":
        kernel = keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")
    else:
        raise ValueError(f"Unknown initialization scheme {scheme_name!r}; resolve {INITIALIZERS} with `scheme`.")
    return {"kernel_initializer": kernel, **({"bias_initializer": torch_uniform(fan_in)} if use_bias else {})}


def reinitialize(model: keras.Model, scheme_name: str) -> keras.Model:
    """Draws new initial weights for every Conv2D, Dense and BatchNormalization of `model` under a scheme.

    For models built without initializer arguments (`keras.applications`).
    "kaiming" is the reference's `weights_init_kaiming`: conv and dense
    kernels normal with std sqrt(2/fan_in), biases at PyTorch's default,
    BatchNorm gamma `ClampedNormal`, beta 0 (moving statistics as built).
    "torch" is PyTorch's default (BatchNorm gamma 1, beta 0). "keras" keeps
    the weights as built. Returns `model`.
    """
    if scheme_name == "keras":
        return model
    for layer in _layers(model):
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            kernel = layer.kernel
            fan_in = int(np.prod(kernel.shape[:-1]))
            initializers = layer_initializers(scheme_name, fan_in, use_bias=layer.bias is not None)
            kernel.assign(initializers["kernel_initializer"](kernel.shape, kernel.dtype))
            if layer.bias is not None:
                layer.bias.assign(initializers["bias_initializer"](layer.bias.shape, layer.bias.dtype))
        elif isinstance(layer, keras.layers.BatchNormalization):
            if layer.gamma is not None:
                gamma = ClampedNormal() if scheme_name == "kaiming" else keras.initializers.Ones()
                layer.gamma.assign(gamma(layer.gamma.shape, layer.gamma.dtype))
            if layer.beta is not None:
                layer.beta.assign(keras.ops.zeros(layer.beta.shape, layer.beta.dtype))
    return model


def _layers(model):
    """Every layer of `model`, those of nested models included, in order."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer
