"""The tuner factory, the search's results, and the held-out comparison."""

import os
from typing import Any, Callable, Optional

from al2_keras.experiments import datasets, results, training
from al2_keras.optional import require
from al2_keras.tuning.hypermodel import AL2HyperModel

keras_tuner = require("keras_tuner", "al2_keras.tuning")
tf = require("tensorflow", "al2_keras.tuning")


# Metric names (without "val_") whose larger values are better; losses and
# errors are minimized; any other name needs an explicit direction.
_MAXIMIZED = ("accuracy", "acc", "auc", "precision", "recall", "f1_score", "fbeta_score")
_MINIMIZED_SUFFIXES = ("loss", "crossentropy", "error", "entropy")


def objective_of(objective: Any) -> keras_tuner.Objective:
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
    **kwargs: Any,
) -> keras_tuner.Tuner:
    """A RandomSearch, BayesianOptimization or Hyperband tuner over `hypermodel`.

    Args:
        name: "random", "bayesian" or "hyperband".
        hypermodel: The `AL2HyperModel`.
        objective: Metric to maximize (a `val_` metric: never the test set).
        max_trials: Trials of RandomSearch and BayesianOptimization.
        max_epochs: Hyperband's largest epoch budget.
        directory: Where the tuner keeps its state; a rerun with
            `overwrite=False` resumes and skips finished trials.
        project_name: The state's folder inside `directory`.
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


def best_schedule(tuner: keras_tuner.Tuner) -> Optional[Callable[[int], float]]:
    """The schedule of the best trial (a ProgressiveSchedule or ConstantSchedule; None: no AL2)."""
    best = tuner.get_best_hyperparameters(1)[0]
    return tuner.hypermodel.search_space.schedule(best)


def evaluate_schedule(
    protocol: training.Protocol,
    prepared: datasets.PreparedData,
    schedule: Optional[Callable[[int], float]],
    strategy: Optional[tf.distribute.Strategy] = None,
) -> dict:
    """Trains the protocol's model with `schedule` and scores it on the test set.

    The final comparison of a search (best schedule, the paper's, no AL2) is
    scored here on `prepared`'s test split, which no trial saw (trials are
    selected on the validation split carved from the training set). It
    trains as the runner does (`training.train_variant`).

    Args:
        protocol: The protocol of the search (`Protocol.with_schedule(schedule)`
            trains).
        prepared: The search's data (`training.prepare_data`).
        schedule: The AL2 schedule; None for no AL2.
        strategy: A `tf.distribute` strategy; None for the current one.

    Returns:
        `results.summarize` of the run: `final_test_accuracy`,
        `last_epochs_test_accuracy` (mean of the last 5 epochs), and the peak
        test accuracy, which is test-set epoch picking (label it so).
    """
    if schedule is not None:
        protocol = protocol.with_schedule(schedule)
    _, history = training.train_variant(protocol, prepared, al2=schedule is not None, strategy=strategy)
    return results.summarize(history)


def held_out_comparison(
    protocol: training.Protocol,
    prepared: datasets.PreparedData,
    best: Optional[Callable[[int], float]],
    strategy: Optional[tf.distribute.Strategy] = None,
) -> list:
    """The best schedule, the protocol's (the paper's) and no AL2, trained alike, scored on the test set.

    Returns rows `{"schedule", "final test acc %", "mean of last 5 %"}`; the
    test set is the split no trial saw (`evaluate_schedule`).
    """
    rows = []
    for label, schedule in (("best found", best), ("paper default", protocol.weight_schedule()), ("no AL2", None)):
        summary = evaluate_schedule(protocol, prepared, schedule, strategy=strategy)
        rows.append({"schedule": label, "final test acc %": 100 * summary["final_test_accuracy"],
                     "mean of last 5 %": 100 * summary["last_epochs_test_accuracy"]})
    return rows
