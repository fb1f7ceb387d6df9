"""Trains Table 1's variants at the paper's own scale in parallel lanes, each variant to an epoch, resumably.

Each variant is one run of `examples/label_randomization.py --preset paper`
in `<runs-dir>/<variant>/`. A lane trains its variants one after the other
with one thread (two lanes side by side beat one run with two threads on a
2-core machine: docs/paper-scale.md), under `nice`; variant `i` goes to
lane `i % lanes`, so with two lanes one trains the variants without AL2 and
the other those with it. A variant that has reached the epoch is skipped;
one with a journal continues from its state (`--resume`), bit for bit.

Run: python tools/run_paper_scale.py --data-dir ../shared/data/mnist --until-epoch 300 \
         --models-dir /somewhere/outside/the/repository
"""

import argparse
import os
import subprocess
import sys
import threading
from typing import List, Optional, Sequence

from doc_tables import ROOT, run_history

from al2_keras.experiments.results import variant_name, variant_parts
from al2_keras.experiments.training import BASELINES

# Table 1's order: each baseline without, then with AL2.
VARIANTS = tuple(variant_name(baseline, al2) for baseline in BASELINES for al2 in (False, True))
EPOCHS = 700
# One thread per run: the runs' numbers continue bit for bit only under the thread settings they began with.
ENVIRONMENT = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def epochs_trained(run_dir: str, variant: str) -> int:
    """Epochs a variant's run folder holds: its `results.json`'s, else its journal's; 0 if none."""
    if not os.path.isdir(run_dir):
        return 0
    run = run_history(run_dir).get(variant)
    return len(run["history"]["val_accuracy"]) if run else 0


def command(variant: str, args: argparse.Namespace, resume: bool) -> List[str]:
    """The runner's command line for one variant, paused at `args.until_epoch`."""
    baseline, _ = variant_parts(variant)
    line = [sys.executable, str(ROOT / "examples" / "label_randomization.py"), "--preset", "paper",
            "--data-dir", args.data_dir, "--baselines", baseline, "--variants", variant, "--run", variant,
            "--runs-dir", args.runs_dir, "--save-epochs", "100,300,700",
            "--table-epochs", "100,200,300,400,500,600,700", "--memorized-every", "10",
            "--until-epoch", str(args.until_epoch)]
    line += ["--models-dir", args.models_dir] if args.models_dir else []
    return line + (["--resume"] if resume else [])


def plan(args: argparse.Namespace) -> List[List[tuple]]:
    """Per lane, the `(variant, epochs trained, command)` still to run."""
    lanes = [[] for _ in range(args.lanes)]
    for index, variant in enumerate(args.variants):
        trained = epochs_trained(os.path.join(args.runs_dir, variant), variant)
        if trained < args.until_epoch:
            lanes[index % args.lanes].append((variant, trained, command(variant, args, resume=trained > 0)))
    return lanes


def run_lane(number: int, jobs: Sequence[tuple], log_dir: str, failures: list) -> None:
    for variant, trained, line in jobs:
        log = os.path.join(log_dir, f"{variant}.log")
        print(f"lane {number}: {variant} from epoch {trained} (log: {log})", flush=True)
        with open(log, "a") as out:
            code = subprocess.run(["nice", *line], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                  env={**os.environ, **ENVIRONMENT}).returncode
        print(f"lane {number}: {variant} ended with exit code {code}", flush=True)
        if code:
            failures.append(variant)
            return  # the lane stops: its next variants would meet the same cause


def parse(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="the folder with MNIST's four IDX files")
    parser.add_argument("--until-epoch", type=int, required=True, help=f"train each variant through this epoch "
                        f"(1 to {EPOCHS}); it pauses there unless it is {EPOCHS}")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from " + ",".join(VARIANTS))
    parser.add_argument("--lanes", type=int, default=2, help="variants trained side by side, one thread each")
    parser.add_argument("--runs-dir", default="saved_models/reference/paper_scale", help="one folder per variant")
    parser.add_argument("--models-dir", help="where the runner saves the epoch models (default: its own)")
    parser.add_argument("--log-dir", default="runs/paper_scale_logs", help="one log per variant (appended)")
    parser.add_argument("--dry-run", action="store_true", help="print each lane's commands and stop")
    args = parser.parse_args(argv)
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {','.join(VARIANTS)}")
    if not 1 <= args.until_epoch <= EPOCHS:
        parser.error(f"--until-epoch must be between 1 and {EPOCHS}. Received: {args.until_epoch}")
    if args.lanes < 1:
        parser.error(f"--lanes must be at least 1. Received: {args.lanes}")
    # Absolute, so the runs' cwd (the repository root) does not change what a relative path names.
    for name in ("data_dir", "runs_dir", "models_dir", "log_dir"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    if not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir {args.data_dir} is not a folder; name the one with MNIST's four IDX files")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse(argv)
    lanes = plan(args)
    if not any(lanes):
        print(f"every variant has reached epoch {args.until_epoch}")
        return 0
    for number, jobs in enumerate(lanes):
        for variant, trained, line in jobs:
            print(f"lane {number}: {variant} ({trained} epochs trained): {' '.join(line)}")
    if args.dry_run:
        return 0
    os.makedirs(args.log_dir, exist_ok=True)
    failures: list = []
    threads = [threading.Thread(target=run_lane, args=(n, jobs, args.log_dir, failures)) for n, jobs in
               enumerate(lanes) if jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"failed: {', '.join(failures)} (see their logs in {args.log_dir})", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
