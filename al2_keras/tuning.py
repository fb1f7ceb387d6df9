"""KerasTuner search of the AL2 weight schedule.

The schedule lives in a callback, so it is applied in `HyperModel.fit`; every
hyperparameter is declared in `build`, so that the first trial runs with
sampled values rather than silently with defaults.
"""

import dataclasses
import math
import os
from typing import Callable, Optional, Union

import keras
import numpy as np

from al2_keras import data as data_lib
from al2_keras import models
from al2_keras.callbacks import AL2Scheduler
from al2_keras.optional import require
from al2_keras.schedules import ConstantSchedule, ProgressiveSchedule

tf = require("tensorflow", "al2_keras.tuning")
keras_tuner = require("keras_tuner", "al2_keras.tuning")

NO_AL2 = "none"
PROGRESSIVE = "progressive"
CONSTANT = "constant"


@dataclasses.dataclass(frozen=True)
class Range:
    """A searched interval of a float hyperparameter.

    Args:
        min_value: Lower bound.
        max_value: Upper bound, >= `min_value`.
        log: Sample on a log scale (bounds must be > 0).
    """

    min_value: float
    max_value: float
    log: bool = False

    def __post_init__(self):
        for bound in (self.min_value, self.max_value):
            if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
                raise ValueError(f"Range bounds must be finite numbers. Received: {self}")
        if self.min_value > self.max_value:
            raise ValueError(
                f"Range has min_value > max_value ({self.min_value} > "
                f"{self.max_value}); swap them."
            )
        if self.log and self.min_value <= 0:
            raise ValueError(
                f"A log-scale Range needs min_value > 0. Received: {self}"
            )


Value = Union[float, Range]


def _check_bound(name: str, value: Value, minimum: float, inclusive: bool) -> None:
    if not isinstance(value, Range):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"`{name}` must be a finite number or a Range. Received: {name}={value!r}")
    low = value.min_value if isinstance(value, Range) else value
    if low < minimum or (not inclusive and low == minimum):
        bound = ">=" if inclusive else ">"
        raise ValueError(f"`{name}` must be {bound} {minimum}. Received: {name}={value}")


@dataclasses.dataclass(frozen=True)
class ScheduleSearchSpace:
    """What to search: the progressive schedule's parameters and alternatives.

    Each parameter is a fixed float or a `Range`. The defaults search the
    start (log scale) and the growth factors around the paper's schedule.

    Args:
        start: Weight of epoch 0.
        threshold: Weight from which `late_growth` applies.
        growth: Per-epoch factor below the threshold (>= 1).
        late_growth: Per-epoch factor at or above it (>= 1).
        constant: If set (a float or Range), a constant weight is also a
            candidate.
        include_no_al2: Whether "no AL2" (weight 0) is a candidate, so the
            search can tell whether AL2 helps at all.
    """

    start: Value = Range(1e-3, 1e-1, log=True)
    threshold: Value = 5.0
    growth: Value = Range(1.0, 3.0)
    late_growth: Value = Range(1.0, 1.2)
    constant: Optional[Value] = None
    include_no_al2: bool = True

    def __post_init__(self):
        _check_bound("start", self.start, 0.0, inclusive=False)
        _check_bound("threshold", self.threshold, 0.0, inclusive=False)
        _check_bound("growth", self.growth, 1.0, inclusive=True)
        _check_bound("late_growth", self.late_growth, 1.0, inclusive=True)
        if self.constant is not None:
            _check_bound("constant", self.constant, 0.0, inclusive=True)
        if len(self.modes) == 1 and not any(
            isinstance(v, Range) and v.min_value < v.max_value
            for v in (self.start, self.threshold, self.growth, self.late_growth)
        ):
            raise ValueError(
                "The search space is empty: every schedule parameter is fixed "
                "and there is no alternative (constant weight or no AL2). Give "
                "at least one parameter a Range."
            )

    @property
    def modes(self) -> list:
        modes = [PROGRESSIVE]
        if self.constant is not None:
            modes.append(CONSTANT)
        if self.include_no_al2:
            modes.append(NO_AL2)
        return modes

    def declare(self, hp: keras_tuner.HyperParameters) -> None:
        """Declares every hyperparameter of the space on `hp`."""
        hp.Choice("al2_mode", self.modes, default=PROGRESSIVE)
        for name in ("start", "threshold", "growth", "late_growth", "constant"):
            value = getattr(self, name)
            if value is None:
                continue
            key = f"al2_{name}"
            if isinstance(value, Range) and value.min_value < value.max_value:
                hp.Float(key, value.min_value, value.max_value,
                         sampling="log" if value.log else "linear")
            else:
                hp.Fixed(key, float(value.min_value if isinstance(value, Range) else value))

    def schedule(self, hp: keras_tuner.HyperParameters) -> Callable[[int], float]:
        """The schedule that `hp`'s values describe."""
        mode = hp.get("al2_mode")
        if mode == NO_AL2:
            return ConstantSchedule(0.0)
        if mode == CONSTANT:
            return ConstantSchedule(hp.get("al2_constant"))
        return ProgressiveSchedule(
            start=hp.get("al2_start"),
            threshold=hp.get("al2_threshold"),
            growth=hp.get("al2_growth"),
            late_growth=hp.get("al2_late_growth"),
        )


def default_model_builder(
    input_shape=(28, 28, 1), num_classes: int = 10, learning_rate: float = 0.01, momentum: float = 0.9
) -> Callable[[keras_tuner.HyperParameters], keras.Model]:
    """A builder of the paper's small CNN with an AL2 layer, compiled with SGD."""

    def build(hp):
        model = models.small_net(input_shape=input_shape, num_classes=num_classes, al2=True)
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    return build


class AL2HyperModel(keras_tuner.HyperModel):
    """A KerasTuner HyperModel whose trials differ in their AL2 schedule.

    `build(hp)` declares the schedule's hyperparameters and builds the model
    with `build_model(hp)` (which may declare hyperparameters of its own);
    `fit(hp, model, ...)` adds an `AL2Scheduler` with the trial's schedule.
    The scheduler uses the epoch index that `fit` reports, so a Hyperband
    trial resumed with `initial_epoch=k` continues its schedule at epoch k.

    Args:
        build_model: Callable `hp -> compiled keras.Model` with at least one
            `al2_keras.AL2` layer. Defaults to the paper's small CNN.
        search_space: A `ScheduleSearchSpace`.
        score: "last" (default): a trial scores its final epoch's metrics;
            "best": KerasTuner's default, the best epoch. Under label noise
            "best" amounts to early stopping, which favours no AL2.
        **kwargs: `keras_tuner.HyperModel` arguments (`name`, `tunable`).

    Example:

    ```python
    tuner = keras_tuner.RandomSearch(
        AL2HyperModel(), objective="val_accuracy", max_trials=10,
        directory="tuning", project_name="al2")
    tuner.search(x_train, y_noisy, validation_data=(x_val, y_val_clean), epochs=20)
    ```
    """

    def __init__(
        self,
        build_model=None,
        search_space: Optional[ScheduleSearchSpace] = None,
        score: str = "last",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if score not in ("last", "best"):
            raise ValueError(f"`score` must be 'last' or 'best'. Received: score={score!r}")
        self.build_model = build_model or default_model_builder()
        self.search_space = search_space or ScheduleSearchSpace()
        self.score = score

    def build(self, hp):
        self.search_space.declare(hp)
        return self.build_model(hp)

    def fit(self, hp, model, *args, callbacks=None, **kwargs):
        scheduler = AL2Scheduler(self.search_space.schedule(hp))
        history = model.fit(*args, callbacks=[scheduler, *(callbacks or [])], **kwargs)
        if self.score == "best":
            return history
        # The final epoch's metrics: under label noise the best epoch rewards
        # stopping early rather than a schedule that keeps the network robust.
        last = {name: values[-1] for name, values in history.history.items()}
        last["epochs_trained"] = history.epoch[-1] + 1 if history.epoch else 0
        return last


# Metric names (without "val_") whose larger values are better; losses and
# errors are minimized; any other name needs an explicit direction.
_MAXIMIZED = ("accuracy", "acc", "auc", "precision", "recall", "f1_score", "fbeta_score")
_MINIMIZED_SUFFIXES = ("loss", "crossentropy", "error", "entropy")


def objective_of(objective) -> keras_tuner.Objective:
    """A `keras_tuner.Objective` from a metric name, with its direction.

    Accuracy-like names (accuracy, auc, precision, recall, F-scores) are
    maximized, losses and errors minimized; for any other name pass
    `keras_tuner.Objective(name, direction)` yourself.
    """
    if isinstance(objective, keras_tuner.Objective):
        return objective
    if not isinstance(objective, str):
        raise TypeError(f"`objective` must be a metric name or a keras_tuner.Objective. "
                        f"Received: objective={objective!r}")
    metric = objective[4:] if objective.startswith("val_") else objective
    if metric in _MAXIMIZED or metric.endswith("accuracy"):
        return keras_tuner.Objective(objective, "max")
    if metric.endswith(_MINIMIZED_SUFFIXES):
        return keras_tuner.Objective(objective, "min")
    raise ValueError(
        f"Whether to maximize or minimize {objective!r} is not known. Pass "
        f"keras_tuner.Objective({objective!r}, 'max' or 'min'). Received: objective={objective!r}")


def make_tuner(
    name: str,
    hypermodel: AL2HyperModel,
    objective: str = "val_accuracy",
    max_trials: int = 10,
    max_epochs: int = 20,
    directory: str = "tuning",
    project_name: str = "al2",
    overwrite: bool = False,
    seed: int = 0,
    **kwargs,
) -> keras_tuner.Tuner:
    """A RandomSearch, BayesianOptimization or Hyperband tuner over `hypermodel`.

    Args:
        name: "random", "bayesian" or "hyperband".
        hypermodel: The `AL2HyperModel`.
        objective: Metric to maximize (a `val_` metric: never the test set).
        max_trials: Trials of RandomSearch and BayesianOptimization.
        max_epochs: Hyperband's largest epoch budget.
        directory, project_name: Where the tuner keeps its state; a rerun
            with `overwrite=False` resumes and skips finished trials.
        overwrite: Start afresh, deleting the tuner's state.
        seed: Seed of the search.
        **kwargs: Passed to the tuner, e.g. `distribution_strategy` (each
            trial's model is built and trained under that `tf.distribute`
            strategy).

    Distributed search is KerasTuner's own: run the same program once as
    the chief (`KERASTUNER_TUNER_ID=chief`) and once per worker
    (`KERASTUNER_TUNER_ID=tuner0`, `tuner1`, ...), all with
    `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT` naming the chief.
    The chief's `search` serves the oracle until every trial is done; each
    worker's `search` runs trials. `directory` must be storage all of them
    share.
    """
    if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
        raise ValueError(
            "`max_trials` must be an integer >= 1 (KerasTuner reads 0 or None as no limit). "
            f"Received: max_trials={max_trials!r}")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f"`max_epochs` must be an integer >= 1. Received: max_epochs={max_epochs!r}")
    common = dict(objective=objective_of(objective),
                  directory=directory, project_name=project_name, overwrite=overwrite, seed=seed,
                  **kwargs)
    if name == "random":
        return keras_tuner.RandomSearch(hypermodel, max_trials=max_trials, **common)
    if name == "bayesian":
        return keras_tuner.BayesianOptimization(hypermodel, max_trials=max_trials, **common)
    if name == "hyperband":
        return keras_tuner.Hyperband(hypermodel, max_epochs=max_epochs, factor=2, **common)
    raise ValueError(
        f"Unknown tuner. Received: name={name!r}; expected 'random', 'bayesian' or 'hyperband'."
    )


def is_search_worker() -> bool:
    """Whether this process is a worker (not the chief) of a distributed search.

    Workers only run trials; the chief holds the results to report.
    """
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in os.environ.get(
        "KERASTUNER_TUNER_ID", "")


def trial_rows(tuner: keras_tuner.Tuner) -> list:
    """One row per finished trial: id, schedule values, objective, epochs."""
    rows = []
    for trial in tuner.oracle.trials.values():
        if trial.score is None:
            continue
        values = trial.hyperparameters.values
        rows.append({
            "trial": trial.trial_id,
            "mode": values.get("al2_mode"),
            **{k[len("al2_"):]: v for k, v in values.items() if k.startswith("al2_") and k != "al2_mode"},
            "objective": trial.score,
            "epochs": _epochs_of(trial),
        })
    direction = tuner.oracle.objective.direction
    return sorted(rows, key=lambda r: r["objective"], reverse=direction == "max")


def _epochs_of(trial) -> Optional[int]:
    """Epochs a trial trained (cumulative under Hyperband)."""
    if trial.metrics.exists("epochs_trained"):
        return int(trial.metrics.get_last_value("epochs_trained"))
    values = trial.hyperparameters.values
    if "tuner/epochs" in values:
        return int(values["tuner/epochs"])
    return trial.best_step + 1 if trial.best_step is not None else None


def best_schedule(tuner: keras_tuner.Tuner) -> Callable[[int], float]:
    """The schedule of the best trial (a ProgressiveSchedule or ConstantSchedule)."""
    best = tuner.get_best_hyperparameters(1)[0]
    return tuner.hypermodel.search_space.schedule(best)


@dataclasses.dataclass
class TuningData:
    """Training data with corrupted labels and a validation split.

    Attributes:
        x_train, y_train: Training images and their (partly corrupted) labels.
        x_val, y_val: Validation images and labels: clean unless the split
            was made with `noisy_validation=True`.
        changed: Mask of the corrupted training labels.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    changed: np.ndarray


def noisy_split(
    images: data_lib.ImageData,
    corrupt: float = 0.75,
    train_size: Optional[int] = None,
    validation_size: int = 1000,
    noisy_validation: bool = False,
    scaling: str = "unit",
    seed: int = 0,
) -> TuningData:
    """Carves a validation split from the training set, then corrupts labels.

    The validation images are set aside before any label is corrupted, so
    by default they keep their clean labels: selecting on them rewards
    schedules that generalize. With `noisy_validation=True` their labels
    are corrupted like the training labels; selecting on those rewards
    fitting the noise, which is what AL2 prevents, so the search then tends
    to prefer weak or no AL2. The test set is not touched.

    Args:
        images: Loaded data (`al2_keras.data.load`).
        corrupt: Fraction of training labels to corrupt.
        train_size: Training images to keep (after the split); None for all.
        validation_size: Validation images.
        noisy_validation: Corrupt the validation labels too.
        scaling: Input scaling ("unit" or "reference").
        seed: Seed of the split, the subset and the label noise.
    """
    total = len(images.x_train)
    if not 0 < validation_size < total:
        raise ValueError(
            f"`validation_size` must be in [1, {total - 1}]. Received: {validation_size}"
        )
    order = np.random.default_rng(seed).permutation(total)
    val_index, rest = order[:validation_size], order[validation_size:]
    train_index = rest[data_lib.subset_indices(len(rest), train_size, seed)]
    noisy = data_lib.corrupt_labels(images.y_train[train_index], corrupt, images.num_classes, seed)
    y_val = images.y_train[val_index]
    if noisy_validation:
        y_val = data_lib.corrupt_labels(y_val, corrupt, images.num_classes, seed + 1).labels
    scale = lambda x: data_lib.scale_images(x, images.name, scaling)  # noqa: E731
    return TuningData(
        x_train=scale(images.x_train[train_index]),
        y_train=noisy.labels,
        x_val=scale(images.x_train[val_index]),
        y_val=y_val,
        changed=noisy.changed,
    )


def evaluate_schedule(
    hypermodel: AL2HyperModel, schedule, split: TuningData, epochs: int, seed: int = 0,
    strategy: Optional[tf.distribute.Strategy] = None,
) -> float:
    """Validation accuracy after training `hypermodel`'s model with `schedule`.

    The model is built under `strategy` (default: the current one).
    """
    keras.utils.set_random_seed(seed)
    hp = keras_tuner.HyperParameters()
    hypermodel.search_space.declare(hp)
    with (strategy or tf.distribute.get_strategy()).scope():
        model = hypermodel.build_model(hp)
    history = model.fit(
        split.x_train, split.y_train, validation_data=(split.x_val, split.y_val),
        epochs=epochs, batch_size=64, verbose=0, callbacks=[AL2Scheduler(schedule)],
    )
    return float(history.history["val_accuracy"][-1])
