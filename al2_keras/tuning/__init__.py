"""KerasTuner search of the AL2 weight schedule: search space, HyperModel, tuner."""

from al2_keras.tuning.hypermodel import AL2HyperModel, default_model_builder
from al2_keras.tuning.search_space import CONSTANT, NO_AL2, PROGRESSIVE, Range, ScheduleSearchSpace
from al2_keras.tuning.tuner import (
    best_schedule,
    evaluate_schedule,
    held_out_comparison,
    is_search_worker,
    make_tuner,
    objective_of,
    trial_rows,
)

__all__ = [
    "AL2HyperModel", "CONSTANT", "NO_AL2", "PROGRESSIVE", "Range", "ScheduleSearchSpace",
    "best_schedule", "default_model_builder", "evaluate_schedule", "held_out_comparison", "is_search_worker",
    "make_tuner", "objective_of", "trial_rows",
]
