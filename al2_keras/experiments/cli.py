"""The example scripts' flags, all from here: data, protocol, comparison, strategy, output.

Each `add_*` function adds one group of flags to an `argparse` parser; the
flags keep the names and meanings the documentation (docs/) gives. A flag left unset
keeps the preset's value (`protocol_from_args`).
"""

import argparse
import os
from typing import Any, Callable, Optional, Tuple

from al2_keras import losses, models, schedules
from al2_keras.experiments import arguments, datasets, results
from al2_keras.experiments.training.protocol import LR_SCHEDULES


def add_data_flags(parser: argparse.ArgumentParser, dataset_choices: Any = None) -> None:
    """--dataset, --data-dir, --corrupt, --train-size, --scaling, --image-size."""
    group = parser.add_argument_group("data")
    group.add_argument("--dataset", default=None, choices=dataset_choices, help="override the preset's dataset")
    group.add_argument("--data-dir", default=None,
                       help="directory with the IDX files (default: /usr/share/datasets/<dataset>, else TFDS)")
    group.add_argument("--corrupt", type=arguments.fraction, default=None, help="fraction of labels corrupted")
    group.add_argument("--train-size", type=arguments.positive_int, default=None)
    group.add_argument("--scaling", choices=list(datasets.SCALINGS), default=None,
                       help="input scaling: reference = (x/255 - mean)/std, the reference's; unit = x/255")
    group.add_argument("--image-size", type=arguments.positive_int, default=None, metavar="PIXELS",
                       help="resize images to PIXELS x PIXELS first (AlexNet needs >= 63)")


def add_protocol_flags(parser: argparse.ArgumentParser) -> None:
    """--model, --epochs, --lr, --lr-schedule, --momentum, --batch-size, --time-scale (alias --time-compression),
    --schedule, --schedule-options, --head-max-norm, --flood, --seed, --dropout-position, --shrink, --rotations,
    --mixup, --initializer, --loss."""
    group = parser.add_argument_group("protocol")
    group.add_argument("--model", choices=models.names(), default=None,
                       help="architecture (default: small_net, the paper's small CNN)")
    group.add_argument("--epochs", type=arguments.positive_int, default=None)
    group.add_argument("--lr", type=arguments.positive_float, default=None, help="SGD learning rate")
    group.add_argument("--lr-schedule", choices=list(LR_SCHEDULES), default=None,
                       help="learning-rate policy: constant (the reference's, default) or cosine (decays to 0 "
                            "over all epochs; apply it to every method you compare)")
    group.add_argument("--momentum", type=arguments.momentum, default=None)
    group.add_argument("--batch-size", type=arguments.positive_int, default=None)
    group.add_argument("--time-scale", "--time-compression", dest="time_scale", type=arguments.positive_float,
                       default=None,
                       help="epochs of the paper's schedule per epoch (quick: 10)")
    group.add_argument("--schedule", choices=schedules.names(), default=None,
                       help="AL2 weight schedule: paper (the reference's, default), stable (the paper's start, "
                            "then a weight that follows the training cross-entropy; use it with --head-max-norm "
                            "1.0, the long-training recipe) or constant (--schedule-options weight=W)")
    group.add_argument("--schedule-options", type=arguments.options, default=None, metavar="KEY=VALUE,...",
                       help="the schedule's arguments, e.g. start=0.1,growth=1.2 (paper), doubling_drop=0.02 "
                            "(stable), weight=1 (constant); default: the reference's values")
    group.add_argument("--head-max-norm", type=arguments.head_max_norm, default=None, metavar="NORM",
                       help="bound each head unit's weights to this norm, or 'initial': to its largest norm at "
                            "initialization (default: a free head; the run's settings print it)")
    group.add_argument("--flood", type=arguments.flood_level, default=None, metavar="LEVEL",
                       help="flood the training loss at LEVEL (Ishida et al. 2020), or at noise_floor: the cross "
                            "entropy a perfect predictor has on the corrupted labels (the AL2 penalty stays unflooded)")
    group.add_argument("--seed", type=arguments.non_negative_int, default=None, help="default: the preset's, 0")
    group.add_argument("--dropout-position", choices=list(models.DROPOUT_POSITIONS), default=None,
                       help="Dropout before the AL2 layer, as the reference (default), or after it")
    group.add_argument("--shrink", type=arguments.percent, default=None, metavar="PERCENT",
                       help="keep only this %% of the training set (the reference's percent_shrink_data)")
    group.add_argument("--rotations", action="store_true",
                       help="append a copy of every training image rotated by 90/180/270 degrees")
    group.add_argument("--mixup", type=arguments.positive_float, default=None, metavar="ALPHA",
                       help="train with mixup, Beta(ALPHA, ALPHA) mixing weights")
    group.add_argument("--initializer", choices=list(models.INITIALIZERS), default=None,
                       help="initial weights: reference (the reference's for the architecture; default), torch "
                            "(PyTorch's defaults) or keras (Glorot kernels, zero biases, as a Keras model of your own)")
    group.add_argument("--loss", choices=list(losses.NAMES), default=None,
                       help="training loss: cross_entropy (the paper's, default) or a noise-robust one: "
                            "gce (q=0.7), sce (alpha 0.01, beta 1), bootstrap_soft (0.95), bootstrap_hard (0.8)")


def add_strategy_flag(parser: argparse.ArgumentParser) -> None:
    """--strategy {default,mirrored,multi-worker}: the `tf.distribute` strategy (`distribute.get_strategy`)."""
    from al2_keras.experiments import distribute  # needs TensorFlow

    distribute.add_strategy_argument(parser)


def add_output_flags(parser: argparse.ArgumentParser, output: Optional[str] = None) -> None:
    """--output DIR (when `output` is its default) or --run, --runs-dir, --models-dir."""
    group = parser.add_argument_group("output")
    if output is not None:
        group.add_argument("--output", default=output, help="output directory (must not exist)")
        return
    group.add_argument("--run", type=arguments.run_name, default=None,
                       help="run name, a folder inside --runs-dir (default: preset_dataset)")
    group.add_argument("--runs-dir", default="runs")
    group.add_argument("--models-dir", default="saved_models")


def add_comparison_flags(parser: argparse.ArgumentParser, epochs: int) -> None:
    """--seeds and --resume of a comparison over seeds, with every data, protocol, output and strategy flag.

    Args:
        parser: The script's parser.
        epochs: The comparison's default number of epochs (the preset's otherwise).
    """
    parser.add_argument("--seeds", type=arguments.int_list, default=[0, 1, 2], metavar="S1,S2,...")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run of the same --run (finished seeds are loaded)")
    add_data_flags(parser)
    add_protocol_flags(parser)
    add_scoring_flags(parser)
    add_output_flags(parser)
    add_strategy_flag(parser)
    parser.set_defaults(epochs=epochs)


# Validation images of `--score-on validation` unless --validation-size says otherwise.
DEFAULT_VALIDATION_SIZE = 5000


def add_scoring_flags(parser: argparse.ArgumentParser) -> None:
    """--score-on {test,validation}, --validation-size, --noisy-validation: what the runs are scored on."""
    group = parser.add_argument_group("scoring")
    group.add_argument("--score-on", choices=("test", "validation"), default="test",
                       help="score every epoch on the test set (default) or on a validation split carved from the "
                            "training set: design and select with 'validation', never with the test set")
    group.add_argument("--validation-size", type=arguments.positive_int, default=None, metavar="N",
                       help=f"validation images, with --score-on validation (default {DEFAULT_VALIDATION_SIZE})")
    group.add_argument("--noisy-validation", action="store_true",
                       help="with --score-on validation: corrupt its labels like the training labels "
                            "(default: clean labels)")


def scoring_prepare(args: argparse.Namespace) -> Callable:
    """`protocol -> PreparedData` scoring on what --score-on names (`prepare_or_fail`, then the split moved in).

    Fails (one `error:` line, exit 2) on validation flags without `--score-on validation`.
    """
    if args.score_on == "test":
        if args.validation_size is not None or args.noisy_validation:
            arguments.fail("--validation-size and --noisy-validation need --score-on validation.")
        return prepare_or_fail
    size = DEFAULT_VALIDATION_SIZE if args.validation_size is None else args.validation_size

    def prepare(protocol: Any):
        prepared = prepare_or_fail(protocol, validation_size=size, noisy_validation=args.noisy_validation)
        return datasets.score_on_validation(prepared)

    return prepare


def protocol_from_args(args: argparse.Namespace, preset: Callable):
    """The preset's `Protocol` with every data and protocol flag that was set."""
    names = dict(dataset="dataset", data_dir="data_dir", corrupt="corrupt", train_size="train_size",
                 scaling="scaling", image_size="image_size", model="model", epochs="epochs",
                 learning_rate="lr", momentum="momentum", batch_size="batch_size", seed="seed",
                 dropout_position="dropout_position", shrink_percent="shrink", mixup_alpha="mixup", loss="loss",
                 initializer="initializer", lr_schedule="lr_schedule", flood_level="flood", schedule="schedule",
                 time_scale="time_scale", schedule_options="schedule_options", head_max_norm="head_max_norm")
    overrides = {field: getattr(args, flag) for field, flag in names.items()
                 if getattr(args, flag, None) is not None}
    if getattr(args, "rotations", False):
        overrides["rotations"] = True
    try:
        return preset(**overrides)
    except ValueError as error:  # e.g. --schedule-options the schedule does not take
        arguments.fail(str(error))


def prepare_or_fail(protocol: Any, **kwargs: Any):
    """`training.prepare_data(protocol)`, or one `error:` line and exit 2.

    Also checks, before any training, that the architecture takes the
    images (a ValueError naming its minimum size otherwise).
    """
    from al2_keras.experiments import training  # needs TensorFlow

    try:
        prepared = training.prepare_data(protocol, **kwargs)
    except (FileNotFoundError, ValueError) as error:
        arguments.fail(f"{error}")
    try:
        models.check_input_shape(protocol.model, prepared.x_train.shape[1:])
    except ValueError as error:  # the library names the size; the script names its flags
        arguments.fail(f"{error} Here: --image-size {models.minimum_image_size(protocol.model)}, or another --model.")
    return prepared


def comparison_directory(args: argparse.Namespace, default_run: str) -> str:
    """`<runs-dir>/<run>` of a comparison over seeds: new unless `--resume`, which needs it to exist."""
    out = os.path.join(args.runs_dir, args.run or default_run)
    _check_run(args.resume, out)
    return out


def run_directories(args: argparse.Namespace, default_run: str) -> Tuple[str, str]:
    """`<runs-dir>/<run>` and `<models-dir>/<run>` of a run that saves models, checked as `comparison_directory`.

    Only the chief checks: the other workers of a cluster write nothing.
    """
    from al2_keras.experiments import distribute  # needs TensorFlow

    run = args.run or default_run
    out, models_dir = os.path.join(args.runs_dir, run), os.path.join(args.models_dir, run)
    if distribute.is_chief():
        _check_run(args.resume, out, models_dir)
    return out, models_dir


def _check_run(resume: bool, out: str, *others: str) -> None:
    """New paths unless resuming, which needs `out` to exist and its finished seeds to be readable."""
    if not resume:
        refuse_existing(out, *others, hint="choose another --run, or --resume an interrupted run")
        return
    if not os.path.isdir(out):
        arguments.fail(f"--resume found no run in {out}.")
    seed_dirs = [os.path.join(out, name) for name in sorted(os.listdir(out)) if name.startswith("seed_")]
    for directory in [out, *seed_dirs]:
        if os.path.exists(os.path.join(directory, results.RESULTS_FILE)):
            try:
                results.read_run(directory)
            except ValueError as error:  # found before any training, not when the loop reaches it
                arguments.fail(str(error))


def strategy_or_fail(name: str):
    """`distribute.get_strategy(name)`, or one `error:` line and exit 2."""
    from al2_keras.experiments import distribute  # needs TensorFlow

    try:
        return distribute.get_strategy(name)
    except ValueError as error:
        arguments.fail(str(error))


def refuse_existing(*paths: str, hint: str = "choose another output") -> None:
    """Exits with an error if any of `paths` exists: nothing is overwritten."""
    for path in paths:
        if path and os.path.exists(path):
            arguments.fail(f"{path} exists; {hint} (nothing is overwritten).")


def describe(protocol: Any, prepared: Any) -> str:
    """One line on the data and protocol of a run, for progress output."""
    settings = {name: value for name, value in protocol.settings().items()
                if name not in ("schedule", "time_scale", "schedule_options", "data_dir")
                and value not in (None, False)}
    return (f"{protocol.dataset} from {prepared.source}: {len(prepared.x_train)} training images, "
            f"{100 * prepared.noisy.fraction_changed:.1f}% labels corrupted; {settings}; "
            f"schedule {protocol.weight_schedule()!r}"
            + ("" if prepared.scored_on == "test" else f"; scored on the {prepared.scored_on} split "
               f"({len(prepared.x_test)} images)"))
