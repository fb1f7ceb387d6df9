"""The HyperModel whose trials differ in their AL2 schedule.

The schedule lives in a callback, so it is applied in `HyperModel.fit`; every
hyperparameter is declared in `build`, so that the first trial runs with
sampled values rather than silently with defaults.
"""

from typing import Any, Callable, Optional, Sequence

import keras

from al2_keras.callbacks import AL2Scheduler
from al2_keras.experiments.training import Protocol, build_model, compile_for_protocol, quick_protocol
from al2_keras.layers import find_al2_layers
from al2_keras.optional import require
from al2_keras.tuning.search_space import ScheduleSearchSpace

keras_tuner = require("keras_tuner", "al2_keras.tuning")


def default_model_builder(
    input_shape: Sequence[int] = (28, 28, 1), num_classes: int = 10, protocol: Optional[Protocol] = None
) -> Callable[[keras_tuner.HyperParameters], keras.Model]:
    """A builder of the protocol's model with an AL2 layer, compiled as the runner compiles it.

    Args:
        input_shape: Shape of one image.
        num_classes: Number of classes.
        protocol: Gives the architecture, Dropout's place and the optimizer;
            default `training.quick_protocol()` (small CNN, SGD 0.01/0.9).
    """
    protocol = protocol or quick_protocol()

    def build(hp):
        model = build_model(protocol, input_shape, num_classes, al2_weight=protocol.weight_schedule()(0))
        return compile_for_protocol(model, protocol)

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
        build_model: Optional[Callable[[keras_tuner.HyperParameters], keras.Model]] = None,
        search_space: Optional[ScheduleSearchSpace] = None,
        score: str = "last",
        **kwargs: Any,
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

    def fit(self, hp: Any, model: Any, *args: Any, callbacks: Any = None, **kwargs: Any):
        schedule = self.search_space.schedule(hp)
        callbacks = list(callbacks or [])
        if schedule is None:  # no AL2: the layers stay, at weight 0, unscheduled
            for layer in find_al2_layers(model):
                layer.set_weight(0.0)
        else:
            callbacks.insert(0, AL2Scheduler(schedule))
        history = model.fit(*args, callbacks=callbacks, **kwargs)
        if self.score == "best":
            return history
        # The final epoch's metrics: under label noise the best epoch rewards
        # stopping early rather than a schedule that keeps the network robust.
        last = {name: values[-1] for name, values in history.history.items()}
        last["epochs_trained"] = history.epoch[-1] + 1 if history.epoch else 0
        return last
