"""The label-randomization protocol and its presets."""

import dataclasses
import math
import numbers
import warnings
from typing import Any, Callable, Dict, Mapping, Optional, Union

from al2_keras import models, schedules
from al2_keras.experiments.datasets.names import NUM_CLASSES
from al2_keras.experiments.datasets.scaling import DEFAULT_SCALING, SCALINGS
from al2_keras.losses import NAMES as LOSS_NAMES
from al2_keras.models.common import DEFAULT_DROPOUT_POSITION, DROPOUT_POSITIONS
from al2_keras.models.initializers import DEFAULT_INITIALIZER, INITIALIZERS

# Learning-rate policies: "constant" (the reference's and the presets') or
# "cosine" (Keras's CosineDecay from `learning_rate` to 0 over all epochs).
LR_SCHEDULES = ("constant", "cosine")

# `Protocol.flood_level` that floods at the noisy labels' own cross entropy.
NOISE_FLOOR = "noise_floor"

# Numeric fields: (integer only, may be None, the test, what it expects).
_NUMBERS = {
    "train_size": (True, True, lambda v: v >= 1, "an integer >= 1 or None (all images)"),
    "corrupt": (False, False, lambda v: 0 <= v <= 1, "a number in [0, 1]"),
    "learning_rate": (False, False, lambda v: v > 0, "a finite number > 0"),
    "momentum": (False, False, lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "batch_size": (True, False, lambda v: v >= 1, "an integer >= 1"),
    "epochs": (True, False, lambda v: v >= 1, "an integer >= 1"),
    "seed": (True, False, lambda v: v >= 0, "an integer >= 0"),
    "shrink_percent": (False, True, lambda v: 0 < v <= 100, "a number in (0, 100] or None"),
    "mixup_alpha": (False, True, lambda v: v > 0, "a finite number > 0 or None (no mixup)"),
    "image_size": (True, True, lambda v: v >= 1, "an integer >= 1 or None (keep the size)"),
    "init_seed": (True, True, lambda v: v >= 0, "an integer >= 0 or None (`seed`)"),
    "head_max_norm": (False, True, lambda v: v > 0, "a finite number > 0, 'initial' or None"),
    "flood_level": (False, True, lambda v: v >= 0, f"a finite number >= 0, {NOISE_FLOOR!r} or None"),
}
# The word a numeric field also takes.
_WORDS = {"head_max_norm": "initial", "flood_level": NOISE_FLOOR}

# Fields that results files written before the field existed ran with (then the only behaviour).
_LEGACY_FIELDS = {"initializer": "keras"}


def _check_number(name: str, value) -> None:
    """Raises a ValueError naming the field, the value and what it expects, unless `value` passes `_NUMBERS`."""
    integer, optional, test, expected = _NUMBERS[name]
    if (value is None and optional) or (name in _WORDS and value == _WORDS[name]):
        return
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) or not test(value):
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={value!r}")


def _check_fields(protocol: "Protocol") -> None:
    """Raises a ValueError naming the first field whose value the protocol cannot run, and what it expects."""
    for name in _NUMBERS:
        _check_number(name, getattr(protocol, name))
    if not isinstance(protocol.rotations, bool):
        raise ValueError(f"`rotations` must be True or False. Received: rotations={protocol.rotations!r}")
    for name, choices in (("model", tuple(models.names())), ("dataset", tuple(sorted(NUM_CLASSES))),
                          ("loss", LOSS_NAMES), ("scaling", SCALINGS), ("dropout_position", DROPOUT_POSITIONS),
                          ("initializer", INITIALIZERS), ("lr_schedule", LR_SCHEDULES)):
        value = getattr(protocol, name)
        if value not in choices:
            raise ValueError(f"`{name}` must be one of {choices}. Received: {name}={value!r}")
    minimum = models.minimum_image_size(protocol.model)
    if protocol.image_size is not None and protocol.image_size < minimum:
        raise ValueError(f"{protocol.model} needs images of at least {minimum}x{minimum} pixels. Received: "
                         f"image_size={protocol.image_size}; use image_size >= {minimum} or None.")


# The paper's four baselines: small_net options of each. Weight decay 5e-4 is
# the usual SGD value for this CNN (the paper does not state its own).
BASELINES = {
    "bare": {},
    "bn": {"batch_norm": True},
    "dropout": {"dropout": 0.5},
    "weight_decay": {"weight_decay": 5e-4},
}


@dataclasses.dataclass
class Protocol:
    """Everything that defines one label-randomization experiment.

    Every default is the reference's protocol (`paper_protocol()`); the
    quick preset (`quick_protocol()`) states only where it differs.

    Attributes:
        model: Architecture, a name of `models.names()`.
        dataset: Dataset name ("mnist", "fashion_mnist", ...).
        data_dir: Directory of IDX files, or None to search/use TFDS.
        train_size: Size of the seeded training subset; None for all.
        corrupt: Fraction of training labels replaced by another class.
        scaling: "reference" ((x / 255 - mean) / std, the default) or
            "unit" (x / 255).
        learning_rate: SGD learning rate (the initial one under a decay).
        lr_schedule: "constant" (the reference's) or "cosine": the
            learning rate decays along a half cosine to 0 at the last step
            (`keras.optimizers.schedules.CosineDecay`), as label-noise
            benchmarks train; the same policy applies to every method.
        momentum: SGD momentum.
        batch_size: Batch size.
        epochs: Number of epochs.
        schedule: The AL2 weight schedule of runs with AL2, a name of
            `schedules.names()`: "paper" (the reference's progressive
            schedule), "stable" (`StableSchedule`) or "constant".
        time_scale: Epochs of the paper's schedule per epoch of this
            protocol, > 0 (the quick preset's 10: its epoch k gets the
            paper's weight of epoch 10 k); every named schedule takes it.
        schedule_options: The schedule's other arguments by name (e.g.
            `{"start": 0.1}` or, for "constant", `{"weight": 1.0}`); {}
            keeps its defaults, the reference's. `weight_schedule()` builds
            the schedule object from these three fields.
        seed: Seed of the subset, the label noise, the shuffling and the
            initial weights.
        shrink_percent: If set, keep only this percentage of the training
            subset (the reference's `percent_shrink_data`; random, seeded).
        rotations: Append a copy of every training image rotated by 90, 180
            or 270 degrees (chosen at random), with the same (noisy) label.
        mixup_alpha: If set, train with mixup: each batch mixed with a
            shuffled copy of itself, weight ~ Beta(alpha, alpha), inputs and
            losses mixed as the reference does (`data.mixup`).
        dropout_position: Where Dropout sits relative to AL2 in the model
            (`models.small_net`): "before_al2" (the reference) or "after_al2".
        image_size: Resize images to this square size first (e.g. 63 for
            AlexNet on 28x28 data); None keeps them.
        loss: The training loss, a name of `losses.NAMES`: "cross_entropy"
            (the paper's) or a method users pick against label noise
            instead ("gce", "sce", "bootstrap_soft", "bootstrap_hard").
        init_seed: If set, the seed of the initial weights (and dropout),
            while `seed` keeps the data subset, the label noise and the batch
            order: instances that differ only in their initialization, as
            the reference's Figure 1 trains them. None: `seed` for all.
        initializer: Initial weights: "reference" (the reference's for the
            architecture: PyTorch's defaults for the small CNN and AlexNet,
            `weights_init_kaiming` for DenseNet-121), "torch" (PyTorch's
            defaults) or "keras" (Glorot kernels, zero biases: what a Keras
            model of the user's own starts from);
            `models.initializers`.
        flood_level: If set, the training loss is flooded at this level
            (`losses.Flooding`): a number, or "noise_floor": the cross
            entropy a perfect predictor has on labels corrupted at
            `corrupt` (`losses.noise_floor`; 2.21 for 75% of 10 classes).
            The AL2 penalty is added unflooded. None: no flooding.
        head_max_norm: If set, the head's kernels are bounded per unit
            (`bound_head`): a norm, or "initial" (each layer's initial
            largest norm), as `StableSchedule` needs; None: a free head.
    """

    model: str = "small_net"

    dataset: str = "mnist"
    data_dir: Optional[str] = None
    train_size: Optional[int] = None
    corrupt: float = 0.75
    scaling: str = DEFAULT_SCALING
    learning_rate: float = 0.001
    lr_schedule: str = "constant"
    momentum: float = 0.5
    batch_size: int = 64
    epochs: int = 700
    schedule: str = "paper"
    time_scale: float = schedules.PAPER_TIME_SCALE
    schedule_options: Dict[str, Any] = dataclasses.field(default_factory=dict)
    seed: int = 0
    shrink_percent: Optional[float] = None
    rotations: bool = False
    mixup_alpha: Optional[float] = None
    dropout_position: str = DEFAULT_DROPOUT_POSITION
    image_size: Optional[int] = None
    init_seed: Optional[int] = None
    loss: str = "cross_entropy"
    initializer: str = DEFAULT_INITIALIZER
    head_max_norm: Optional[Union[float, str]] = None
    flood_level: Optional[Union[float, str]] = None

    def __post_init__(self):
        if not isinstance(self.schedule, str):
            warnings.warn("Protocol(schedule=<schedule object>) is deprecated: pass its name, time_scale and "
                          "schedule_options (`Protocol.with_schedule` converts an object).", DeprecationWarning,
                          stacklevel=3)
            self._take_schedule(self.schedule)
        self.schedule_options = dict(self.schedule_options)
        self.weight_schedule()  # checks the name, the time scale and the options once
        _check_fields(self)


    def weight_schedule(self) -> Callable[[int], float]:
        """The AL2 schedule object that `schedule`, `time_scale` and `schedule_options` describe (a new one)."""
        # A constant weight has no time scale: `time_scale` reaches the schedules that take one.
        timed = {"time_scale": self.time_scale} if "time_scale" in schedules.options_of(self.schedule) else {}
        return schedules.get(self.schedule, **timed, **self.schedule_options)

    def with_schedule(self, schedule: Any) -> "Protocol":
        """A copy that trains with `schedule`, a named schedule's object (e.g. a tuner's `ProgressiveSchedule`)."""
        protocol = dataclasses.replace(self)
        protocol._take_schedule(schedule)
        protocol.weight_schedule()
        return protocol

    def _take_schedule(self, schedule) -> None:
        """Sets the three schedule fields from a named schedule's object."""
        try:
            name, options = schedules.name_and_options(schedule)
        except ValueError as error:
            raise ValueError(f"A protocol names its schedule: {error} For a schedule of your own, train with "
                             "`AL2Scheduler(schedule)` in your own `fit`.") from None
        self.time_scale = float(options.pop("time_scale", schedules.PAPER_TIME_SCALE))
        self.schedule, self.schedule_options = name, options

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Protocol":
        """The protocol that `settings()` describes (a results file's "protocol"), to train it again.

        Older results files stored the schedule as its config (no name, no
        `schedule_options`); they are read too: the config names its schedule
        by its keys. Fields those files lack take the behaviour they were
        written under: Keras's initialization (`_LEGACY_FIELDS`), then
        `Protocol`'s defaults.
        """
        fields = {**_LEGACY_FIELDS, **settings}
        config = fields.get("schedule")
        if isinstance(config, Mapping):
            name = next((name for name in ("paper", "stable", "constant")
                         if set(config) <= set(schedules.options_of(name))), None)
            if name is None:
                raise ValueError(f"The schedule config {dict(config)} is none of {schedules.names()}'s.")
            name, options = schedules.name_and_options(schedules.get(name, **config))
            fields.update(schedule=name, time_scale=options.pop("time_scale", schedules.PAPER_TIME_SCALE),
                          schedule_options=options)
        unknown = sorted(set(fields) - {field.name for field in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"Settings {unknown} are no field of Protocol; pass what `Protocol.settings()` writes.")
        return cls(**fields)

    def settings(self) -> dict:
        """Every field as plain data, for results files and logs (`from_settings` reads it back)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["schedule_options"] = dict(self.schedule_options)
        return fields


# Where the quick preset differs from the reference's protocol (`Protocol()`), and nowhere else.
QUICK_DIFFERENCES = dict(dataset="fashion_mnist", train_size=5000, learning_rate=0.01, momentum=0.9, epochs=40,
                         time_scale=10.0)


def quick_protocol(**overrides: Any) -> Protocol:
    """The CPU-scale protocol calibrated to show AL2's effect in minutes.

    Real Fashion-MNIST, a seeded 5,000-image training subset, SGD lr 0.01
    momentum 0.9, 40 epochs, and the paper's schedule compressed ten-fold in
    time (epoch k gets the paper's weight of epoch 10 k). Everything else is
    the reference's: 75% of labels corrupted, batch 64, its input scaling
    and its initialization.
    """
    settings = {**QUICK_DIFFERENCES, **overrides}  # the rest: Protocol's defaults, the reference's
    settings.update(overrides)
    return Protocol(**settings)


def paper_protocol(**overrides: Any) -> Protocol:
    """The reference's protocol, `Protocol`'s defaults: MNIST, all 60,000 images, SGD 0.001/0.5, 700 epochs.

    75% of labels corrupted, the reference's normalization, initialization
    and schedule (about 10 s an epoch for the small CNN on 2 AVX-512 cores).
    """
    return Protocol(**overrides)

