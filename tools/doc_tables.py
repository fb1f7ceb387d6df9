"""The tables and values of the documentation, each computed from one committed results file.

Every renderer takes paths relative to the repository root and returns Markdown
that ends with the file it was made from. `tools/render_docs.py` calls them.
Standard deviations say their ddof; every peak is labelled test-set epoch picking.
"""

import ast
import csv
import json
import pathlib
from typing import Callable, Dict, List, Sequence

import numpy as np

from al2_keras.experiments.results import variant_parts

ROOT = pathlib.Path(__file__).resolve().parent.parent
PEAK = "peak % (epoch picked on the test set)"


def read_json(path: str):
    with open(ROOT / path) as f:
        return json.load(f)


def read_csv(path: str) -> List[dict]:
    with open(ROOT / path, newline="") as f:
        return list(csv.DictReader(f))


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 1, sign: str = "") -> str:
    """`mean ± std` (ddof 1) of `values * scale`."""
    values = scale * np.asarray(values, dtype=float)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():{sign}.{digits}f} ± {std:.{digits}f}"


def per_seed(values: Sequence[float], scale: float = 100.0, digits: int = 1) -> str:
    return " / ".join(f"{scale * value:+.{digits}f}" for value in values)


def table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def source(*paths: str, ddof: bool = True, extra: str = "") -> str:
    files = ", ".join(f"`{path}`" for path in paths)
    setup = protocol_note(paths[0]) if paths else ""
    notes = [note for note in (setup, extra, "standard deviations with ddof 1" if ddof else "") if note]
    return f"\n\n({'; '.join(notes + [f'file: {files}'])})" if notes else f"\n\n(file: {files})"


# How a results file's protocol names its initialization and input scaling, in words.
INITIALIZATION = {"reference": "the reference's initialization", "torch": "PyTorch's default initialization",
                  "keras": "Keras's initialization (Glorot)"}
SCALING = {"reference": "the reference's input scaling", "unit": "pixels in [0, 1]"}


def protocols_near(path: str) -> List[dict]:
    """The protocols recorded beside a results file: its folder's results JSON files, else its provenance."""
    folder = ROOT / path
    folder = folder if folder.is_dir() else folder.parent
    files = sorted(folder.glob("*results*.json")) + sorted(folder.glob("seed_*/results.json"))
    files = files or sorted(folder.glob("*/seed_*_results.json"))  # a comparison of folders (methods.csv)
    found = [json.loads(file.read_text()).get("protocol") for file in files]
    if not any(found) and (folder / "provenance.json").exists():
        found.append(json.loads((folder / "provenance.json").read_text()).get("protocol"))
    protocols = []
    for protocol in found:  # one protocol, or one per variant of a comparison
        if isinstance(protocol, dict):
            protocols += [protocol] if "model" in protocol else [p for p in protocol.values() if isinstance(p, dict)]
    return protocols


def protocol_note(path: str) -> str:
    """"<initialization>, <input scaling>" of the runs behind `path` (each combination, if several); "" if none.

    Results files written before the protocol recorded its initialization
    ran with Keras's (`Protocol.from_settings` reads them the same way).
    """
    combinations = list(dict.fromkeys((p.get("initializer", "keras"), p.get("scaling", "reference"))
                                      for p in protocols_near(path)))
    return "; ".join(f"{INITIALIZATION[i]}, {SCALING[s]}" for i, s in combinations)


# --- label-noise runs ------------------------------------------------------------------------

def run_summary(path: str) -> str:
    """One run of seed 0 (a `results.json`): final, last-5, peak, L_c, L_r, memorized per variant."""
    results = read_json(path)["results"]
    rows = []
    for name, run in results.items():
        history = run["history"]
        accuracy = history["val_accuracy"]
        peak = int(np.argmax(accuracy))
        rows.append([name, f"{100 * accuracy[-1]:.2f}", f"{100 * np.mean(accuracy[-5:]):.2f}",
                     f"{100 * accuracy[peak]:.2f} ({peak + 1})", f"{history['cross_entropy'][-1]:.4f}",
                     f"{history['activation_loss'][-1]:.3e}", f"{100 * history['memorized'][-1]:.1f}"])
    header = ["variant", "final test acc %", "last-5 mean %", PEAK, "final L_c", "final L_r", "memorized %"]
    return table(header, rows) + source(path, ddof=False)


def seed_variants(directory: str, *variants: str) -> str:
    """Mean ± std over seeds of every variant (or those named) of a `seeds.json`."""
    path = f"{directory}/seeds.json"
    data = read_json(path)
    rows = []
    for name, stats in data["variants"].items():
        if variants and name not in variants:
            continue
        memorized = stats.get("final_memorized")
        rows.append([name, spread(stats["final_test_accuracy"]["values"], 100, 2),
                     spread(stats["last_epochs_test_accuracy"]["values"], 100, 2),
                     spread(stats["peak_test_accuracy"]["values"], 100, 2),
                     f"{np.mean(stats['final_activation_loss']['values']):.2e}",
                     spread(memorized["values"], 100, 1) if memorized else "-"])
    header = ["variant", "final test acc %", "last-5 mean %", PEAK, "final L_r (mean)", "memorized %"]
    seeds = ", ".join(str(seed) for seed in data["seeds"])
    return table(header, rows) + source(path, extra=f"seeds {seeds}")


def seed_effects(directory: str) -> str:
    """AL2's effect per baseline of a `seeds.json`: final and last-5, with minus without, per seed."""
    path = f"{directory}/seeds.json"
    data = read_json(path)
    variants = data["variants"]
    rows = []
    for baseline, effect in data["effects"].items():
        final = effect["final_difference"]["values"]
        last = effect["last_epochs_difference"]["values"]
        ratios = np.asarray(variants[f"{baseline}_no_al2"]["final_activation_loss"]["values"]) / np.asarray(
            variants[f"{baseline}_al2"]["final_activation_loss"]["values"])
        rows.append([baseline, f"{spread(final, 100, 1, '+')} ({per_seed(final)})",
                     f"{spread(last, 100, 1, '+')} ({per_seed(last)})",
                     " / ".join(f"{ratio:,.0f}x" for ratio in ratios)])
    header = ["baseline", "final: with - without AL2 (points, per seed)", "last-5: with - without (per seed)",
              "final L_r without / with, per seed"]
    return table(header, rows) + source(path)


def effects_across(baseline: str, *directories: str) -> str:
    """AL2's effect on one baseline in several runs (`seeds.json` each), a row per run with its setup."""
    rows = []
    for directory in directories:
        data = read_json(f"{directory}/seeds.json")
        effect = data["effects"][baseline]
        final, last = effect["final_difference"]["values"], effect["last_epochs_difference"]["values"]
        rows.append([protocol_note(directory), f"{spread(final, 100, 1, '+')} ({per_seed(final)})",
                     spread(last, 100, 1, "+"), f"`{directory}` (seeds {', '.join(map(str, data['seeds']))})"])
    header = ["initialization, input scaling", f"{baseline}: AL2's effect on final (points, per seed)",
              "on last-5 (points)", "run"]
    return table(header, rows) + "\n\n(with minus without AL2; standard deviations with ddof 1)"


PAPER_TABLE1 = "al2_keras/experiments/resources/paper_table1.csv"
# Table 1's metrics: the history key and the paper's scale (L_r is printed times 100).
PAPER_METRICS = {"TA": ("val_accuracy", 100.0), "Lc": ("cross_entropy", 1.0), "Lr": ("activation_loss", 100.0)}


def run_history(directory: str) -> Dict[str, dict]:
    """Variant -> {"baseline", "al2", "history"} of a run folder: its `results.json`, else its epoch journals."""
    finished = ROOT / directory / "results.json"
    if finished.exists():
        return read_json(f"{directory}/results.json")["results"]
    out = {}
    for journal in sorted((ROOT / directory / "state").glob("*.epochs.jsonl")):
        records = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
        by_epoch = {record["epoch"]: record for record in records}  # an epoch redone counts once, its last
        history = {key: [by_epoch[e].get(key) for e in sorted(by_epoch)] for key in records[-1]}
        name = journal.name.removesuffix(".epochs.jsonl")
        baseline, al2 = variant_parts(name)
        out[name] = {"baseline": baseline, "al2": al2, "history": history}
    return out


def paper_table() -> tuple:
    """`(cells, epochs)`: the paper's Table 1 as the package reads it, and its epochs in order."""
    from al2_keras.experiments.paper import table1  # the package's own reader of the paper's table

    cells = table1()
    return cells, sorted({epoch for _, _, epoch in cells})


def paper_rows(directories: Sequence[str], cell: Callable) -> tuple:
    """Table 1's layout over runs of the reference's protocol: a row per variant and metric.

    Each cell is `cell(values, epoch, theirs, last_epoch)`: the port's values
    of the metric per epoch (the paper's scale), the table's epoch, the
    paper's value there and the table's last epoch.

    Returns:
        `(epochs, rows, reached)`: the table's epochs, the rows and the
        epochs each variant has trained.
    """
    paper, epochs = paper_table()
    rows, reached = [], {}
    for directory in directories:
        for name, run in run_history(directory).items():
            reached[name] = len(run["history"]["val_accuracy"])
            for metric, (key, scale) in PAPER_METRICS.items():
                values = [scale * value for value in run["history"][key]]
                theirs = {epoch: paper[(run["baseline"], metric, epoch)][int(run["al2"])] for epoch in epochs}
                rows.append([name, metric, *(cell(values, epoch, theirs[epoch], epochs[-1]) for epoch in epochs)])
    return epochs, rows, reached


def paper_side_by_side(*directories: str) -> str:
    """Table 1 cell by cell: the port's value at epochs 100 to 700, the paper's and the difference.

    Each directory is one run of the reference's protocol (`--preset paper`),
    finished or paused (its journals); a row per variant and metric, a column
    per epoch of the paper's table the run has reached.
    """
    def cell(values, epoch, theirs, last_epoch):
        if epoch > len(values):
            return "-"
        ours = values[epoch - 1]
        return f"{ours:.2f} / {theirs:.2f} ({ours - theirs:+.2f})"

    epochs, rows, reached = paper_rows(directories, cell)
    header = ["variant", "metric", *(f"epoch {epoch}: port / paper (difference)" for epoch in epochs)]
    files = ", ".join(f"`{d}`" for d in directories)
    notes = [protocol_note(directories[0]) if directories else "",
             "one seed of the port against the paper's one reported run; TA test accuracy %, L_c training cross "
             "entropy, L_r x100; '-': not reached yet",
             "epochs trained: " + ", ".join(f"{name} {length}" for name, length in reached.items()),
             f"files: {files}, `{PAPER_TABLE1}`"]
    return table(header, rows) + f"\n\n({'; '.join(note for note in notes if note)})"


# A paper cell counts as reproduced when the paper's value lies within the port's values over the epochs
# around it: one run against one run, so the port's own epoch-to-epoch swing is the tolerance, widened by
# the paper's rounding (two decimals).
PAPER_WINDOW = 5
PAPER_ROUNDING = 0.005


def paper_verdict(values: Sequence[float], epoch: int, theirs: float, last_epoch: int):
    """One cell's verdict by the rule above: `(reproduced, low, high)`, or None before epoch e + 5 is trained."""
    if epoch + PAPER_WINDOW > len(values) and len(values) < last_epoch:
        return None
    window = values[epoch - 1 - PAPER_WINDOW:epoch + PAPER_WINDOW]
    low, high = min(window), max(window)
    return low - PAPER_ROUNDING <= theirs <= high + PAPER_ROUNDING, low, high


def _verdict_notes(directories: Sequence[str], judged: List[bool]) -> str:
    files = ", ".join(f"`{d}`" for d in directories)
    notes = [protocol_note(directories[0]) if directories else "",
             f"reproduced: the paper's value lies within the port's values over epochs e - {PAPER_WINDOW} to "
             f"e + {PAPER_WINDOW}, give or take the paper's rounding; one seed of the port against the paper's one "
             "reported run; L_r x100; "
             f"'-': not reached yet; {sum(judged)} of {len(judged)} cells reproduced",
             f"files: {files}, `{PAPER_TABLE1}`"]
    return f"({'; '.join(note for note in notes if note)})"


def paper_verdicts(*directories: str) -> str:
    """Table 1 cell by cell: reproduced or not, by one rule, with the port's range and the paper's value.

    The rule: the paper's value lies within the port's values over epochs
    e - 5 to e + 5, widened by the paper's rounding to two decimals.
    """
    judged = []

    def cell(values, epoch, theirs, last_epoch):
        verdict = paper_verdict(values, epoch, theirs, last_epoch)
        if verdict is None:
            return "-"
        judged.append(verdict[0])
        return f"{'yes' if verdict[0] else 'no'} ({verdict[1]:.2f}-{verdict[2]:.2f} / {theirs:.2f})"

    epochs, rows, _ = paper_rows(directories, cell)
    header = ["variant", "metric", *(f"epoch {epoch}: reproduced? (port's range / paper)" for epoch in epochs)]
    return table(header, rows) + "\n\n" + _verdict_notes(directories, judged)


def paper_verdict_summary(*directories: str) -> str:
    """`paper_verdicts` in brief: a row per variant, the epochs at which each metric is reproduced and not."""
    judged = []

    def cell(values, epoch, theirs, last_epoch):
        verdict = paper_verdict(values, epoch, theirs, last_epoch)
        if verdict is not None:
            judged.append(verdict[0])
        return None if verdict is None else verdict[0]

    epochs, rows, reached = paper_rows(directories, cell)

    def brief(verdicts):
        said = [(word, [str(e) for e, v in zip(epochs, verdicts) if v is wanted]) for word, wanted in
                (("yes", True), ("no", False))]
        return "; ".join(f"{word} at {', '.join(at)}" for word, at in said if at) or "-"

    by_variant = {}
    for name, metric, *verdicts in rows:
        by_variant.setdefault(name, {})[metric] = brief(verdicts)
    header = ["variant", "epochs trained", *(f"{metric} reproduced?" for metric in PAPER_METRICS)]
    body = [[name, reached[name], *(cells[metric] for metric in PAPER_METRICS)] for name, cells in by_variant.items()]
    return table(header, body) + "\n\n" + _verdict_notes(directories, judged)


def paper_across_seeds(*directories: str) -> str:
    """Test accuracy and L_c of one variant's runs over seeds at Table 1's epochs, with the paper's run.

    Each directory is one run of the reference's protocol, finished or
    paused; its seed is the one its protocol records (`results.json`, else
    `provenance.json`). A row per variant, metric and seed, then the paper's.
    """
    paper, epochs = paper_table()
    runs, reached = {}, []
    for directory in directories:
        seeds = {protocol.get("seed") for protocol in protocols_near(directory)}
        if len(seeds) != 1 or None in seeds:
            raise ValueError(f"{directory} records no single seed in its protocol (results.json or provenance.json)")
        seed = seeds.pop()
        for name, run in run_history(directory).items():
            runs.setdefault(name, []).append((seed, run))
            reached.append(f"{name} seed {seed} {len(run['history']['val_accuracy'])}")
    rows = []
    for name, seeded in runs.items():
        baseline, al2 = seeded[0][1]["baseline"], int(seeded[0][1]["al2"])
        for metric in ("TA", "Lc"):
            key, scale = PAPER_METRICS[metric]
            for seed, run in sorted(seeded, key=lambda pair: pair[0]):
                values = [scale * value for value in run["history"][key]]
                rows.append([name, metric, f"port, seed {seed}",
                             *(f"{values[epoch - 1]:.2f}" if epoch <= len(values) else "-" for epoch in epochs)])
            rows.append([name, metric, "paper", *(f"{paper[(baseline, metric, epoch)][al2]:.2f}" for epoch in epochs)])
    header = ["variant", "metric", "run", *(f"epoch {epoch}" for epoch in epochs)]
    files = ", ".join(f"`{d}`" for d in directories)
    notes = [protocol_note(directories[0]) if directories else "",
             "one run of the port per seed against the paper's one reported run; TA test accuracy %, L_c training "
             "cross entropy; '-': not reached yet",
             "epochs trained: " + ", ".join(reached), f"files: {files}, `{PAPER_TABLE1}`"]
    return table(header, rows) + f"\n\n({'; '.join(note for note in notes if note)})"


def paper_lr_at_matched_fit(*directories: str) -> str:
    """L_r without AL2 compared where the port has fitted as far as the paper: a check of the column's scale.

    For each paper epoch of a no-AL2 variant, the first epoch at which the
    port's L_c falls to the paper's, and the port's unscaled L_r there
    against the paper's cell (printed, per the paper, times 100).
    """
    paper, epochs = paper_table()
    rows = []
    for directory in directories:
        for name, run in run_history(directory).items():
            if run["al2"]:
                continue
            cross_entropy = np.asarray(run["history"]["cross_entropy"], dtype=float)
            activation = np.asarray(run["history"]["activation_loss"], dtype=float)
            for epoch in epochs:
                theirs_lc, theirs_lr = (paper[(run["baseline"], metric, epoch)][0] for metric in ("Lc", "Lr"))
                reached = np.flatnonzero(cross_entropy <= theirs_lc)
                if not len(reached):
                    continue
                at = reached[0]
                rows.append([name, epoch, f"{theirs_lc:.2f}", f"{theirs_lr:.2f}", at + 1,
                             f"{activation[at]:.2f}", f"{100 * activation[at]:.0f}",
                             f"{activation[at] / theirs_lr:.2f}"])
    header = ["variant", "paper's epoch", "paper's L_c", "paper's L_r cell", "port's first epoch at that L_c",
              "port's L_r there, unscaled", "the same x100", "unscaled / cell"]
    files = ", ".join(f"`{d}`" for d in directories)
    return table(header, rows) + (f"\n\n(one seed of the port; a paper epoch is listed once the port's L_c has "
                                  f"fallen to the paper's; files: {files}, `{PAPER_TABLE1}`)")


def methods(path: str) -> str:
    """The losses-and-mixup comparison (`methods.csv`): without and with AL2, AL2's effect per seed."""
    by_method: Dict[str, List[dict]] = {}
    for row in read_csv(path):
        by_method.setdefault(row["method"], []).append(row)
    rows = []
    for method, seeds in by_method.items():
        column = {key: [float(seed[key]) for seed in seeds] for key in seeds[0] if key not in ("method", "seed")}
        final = np.subtract(column["final_with_al2"], column["final_without_al2"])
        last = np.subtract(column["last_epochs_with_al2"], column["last_epochs_without_al2"])
        accuracies = [spread(column[key], 100, 2) for key in (
            "final_without_al2", "last_epochs_without_al2", "final_with_al2", "last_epochs_with_al2")]
        rows.append([method, *accuracies, per_seed(final), spread(last, 100, 1, "+")])
    header = ["method", "final % without AL2", "last-5 % without", "final % with AL2", "last-5 % with",
              "AL2's effect on final (points), per seed", "AL2's effect on last-5 (points)"]
    seeds = ", ".join(row["seed"] for row in by_method[next(iter(by_method))])
    return table(header, rows) + source(path, extra=f"bare small CNN, seeds {seeds}")


def holding(path: str, reference: str = "", *variants: str) -> str:
    """Per seed and variant of a `holding.csv` (or those named): peak, final, final - peak, last-5, holds.

    With `reference` (the variant the file compares with, e.g. `gce_no_al2`),
    also its last-5 mean and whether the run's is at or above it.
    """
    rows = []
    for row in read_csv(path):
        if variants and row["variant"] not in variants:
            continue
        cells = [row["seed"], row["variant"], f"{100 * float(row['peak']):.2f} ({row['peak_epoch']})",
                 f"{100 * float(row['final']):.2f}", f"{100 * float(row['final_minus_peak']):+.2f}",
                 f"{100 * float(row['last_epochs']):.2f}", "yes" if row["holds"] == "True" else "no"]
        if reference:
            cells += [f"{100 * float(row['reference_last_epochs']):.2f}",
                      "yes" if row["at_or_above_reference"] == "True" else "no"]
        rows.append(cells)
    header = ["seed", "variant", PEAK, "final %", "final - peak", "last-5 mean %", "holds"]
    if reference:
        header += [f"{reference} last-5 %", f"last-5 at or above {reference}'s"]
    return table(header, rows) + source(path, ddof=False, extra="holds: final within 3 points of the run's own peak")


def validation_design(directory: str, reference: str = "") -> str:
    """Design probes scored on a validation split: per probe folder and arm, each seed's final - peak and
    last-5 mean, on how many seeds it holds and the mean last-5 (the selection's quantities).

    `directory` holds one folder per probe, each with `seed_<s>_results.json`
    (runs of `long_training.py --score-on validation`); `reference` is the
    comparison arm (e.g. `gce_no_al2`), shown once.
    """
    from al2_keras.experiments import results  # the one definition of holding

    rows, seeds_seen, shown_reference, scored = [], set(), False, ""
    for folder in sorted(p for p in (ROOT / directory).iterdir() if p.is_dir()):
        files = sorted(folder.glob("seed_*_results.json"), key=lambda f: int(f.name.split("_")[1]))
        if not files:
            continue
        data = {int(f.name.split("_")[1]): json.loads(f.read_text()) for f in files}
        by_seed = {seed: seed_data["results"] for seed, seed_data in data.items()}
        seeds_seen.update(by_seed)
        scored = results.scored_on(by_seed)
        protocol = data[min(data)]["protocol"]  # one protocol for every arm, or one per arm when they differ
        by_arm: Dict[str, List[dict]] = {}
        for row in results.holding(by_seed, None):
            by_arm.setdefault(row["variant"], []).append(row)
        for arm, arm_rows in by_arm.items():
            if arm == reference and shown_reference:
                continue
            shown_reference = shown_reference or arm == reference
            settings = protocol if "model" in protocol else protocol[arm]
            options = settings.get("schedule_options") or {}
            design = (f"{settings.get('schedule')} schedule" + "".join(f", {k} {v}" for k, v in options.items())
                      + f", head bound {settings.get('head_max_norm')}, "
                      + (f"flooding {settings['flood_level']}" if settings.get("flood_level") else "no flooding")
                      if arm != reference else f"{settings.get('loss')} loss, no AL2")
            cells = [f"{100 * r['final_minus_peak']:+.2f} ({100 * r['last_epochs']:.2f})" for r in arm_rows]
            holds = sum(r["holds"] for r in arm_rows)
            mean_last = 100 * np.mean([r["last_epochs"] for r in arm_rows])
            rows.append([folder.name, arm, design, *cells, f"{holds} of {len(cells)}", f"{mean_last:.2f}"])
    seeds = sorted(seeds_seen)
    header = ["probe", "arm", "design", *(f"seed {s}: final - peak (last-5 %)" for s in seeds), "holds on",
              "mean last-5 %"]
    return table(header, rows) + source(directory, ddof=False, extra=f"scored on {scored}; holds: final within 3 "
                                        "points of the run's own peak")


def at_epoch(directory: str, epoch: str, default_directory: str, *pairs: str) -> str:
    """Test accuracy at `epoch` of variants of a run against variants of another, per seed both have.

    `pairs` are `ours=theirs` variant names, e.g. `bn_al2=bn_al2`; the seeds
    are those whose per-seed results both directories hold
    (`seed_<s>/results.json` or `seed_<s>_results.json`).
    """
    index = int(epoch) - 1

    def runs(folder):
        found = {}
        for path in sorted((ROOT / folder).glob("seed_*")):
            file = path / "results.json" if path.is_dir() else path
            if file.name.endswith("results.json") and file.exists():
                found[int(path.name.split("_")[1])] = read_json(str(file.relative_to(ROOT)))["results"]
        return found

    ours, theirs = runs(directory), runs(default_directory)
    seeds = sorted(set(ours) & set(theirs))
    out = []
    for pair in pairs:
        mine, other = pair.split("=")
        new = [100 * ours[s][mine]["history"]["val_accuracy"][index] for s in seeds]
        old = [100 * theirs[s][other]["history"]["val_accuracy"][index] for s in seeds]
        out.append([mine, " / ".join(f"{v:.2f}" for v in new), " / ".join(f"{v:.2f}" for v in old),
                    " / ".join(f"{a - b:+.2f}" for a, b in zip(new, old)),
                    "yes" if all(a >= b for a, b in zip(new, old)) else "no"])
    header = ["variant", f"epoch {epoch} test acc %, per seed", f"the default's ({default_directory}), per seed",
              "difference (points)", "at or above for every seed"]
    files = f"`{directory}/seed_<s>_results.json`, `{default_directory}/seed_<s>_results.json`"
    return table(header, out) + f"\n\n(seeds {', '.join(map(str, seeds))}; files: {files})"


def design_probes(path: str) -> str:
    """The stable schedule's design probes (`probes.json`): final, memorized and weight at the end."""
    rows = []
    for name, probe in read_json(path).items():
        history = probe["history"]
        history = ast.literal_eval(history) if isinstance(history, str) else history
        rows.append([name, f"{100 * history['val_accuracy'][-1]:.1f}", f"{100 * history['memorized'][-1]:.0f}",
                     f"{history.get('al2_weight', [0.0])[-1]:,.4g}"])
    return table(["probe (seed 0 unless named)", "final test acc %", "memorized % at the end", "weight at the end"],
                  rows) + source(path, ddof=False)


# --- representations and ablation --------------------------------------------------------------

def similarity(path: str) -> str:
    """Figure 1 (`summary.csv`): mean ± std over the pairs per checkpoint, and the noise control."""
    rows = read_csv(path)
    by_epoch: Dict[int, Dict[str, dict]] = {}
    for row in rows:
        by_epoch.setdefault(int(float(row["epoch"])), {})[row["variant"]] = row
    out = []
    for epoch, variants in sorted(by_epoch.items()):
        cells = [" / ".join(f"{float(variants[v][m + '_mean']):.3f} ± {float(variants[v][m + '_std']):.3f}"
                            for v in ("without AL2", "with AL2")) for m in ("cca", "svcca", "pwcca", "cka")]
        noise = max(float(row[f"{m}_noise"]) for row in variants.values() for m in ("cca", "svcca", "pwcca"))
        out.append([epoch, *cells, f"{noise:.3f}"])
    header = ["epoch", "CCA without / with AL2", "SVCCA (K=10) without / with", "PWCCA without / with",
              "linear CKA without / with", "noise control, largest"]
    return table(header, out) + source(path, ddof=False, extra="mean ± standard deviation over the pairs, ddof 0")


def similarity_pair(ours: str, theirs: str) -> str:
    """Figure 1 on both: mean over pairs of CCA, SVCCA and PWCCA per checkpoint, port / transcription."""
    def rows(path):
        return {(row["variant"], int(float(row["epoch"]))): row for row in read_csv(path)}

    port, reference = rows(ours), rows(theirs)
    out = []
    for variant, epoch in sorted(reference, key=lambda key: (key[1], key[0] != "without AL2")):
        a, b = port[(variant, epoch)], reference[(variant, epoch)]
        out.append([epoch, variant, *(f"{float(a[m + '_mean']):.3f} / {float(b[m + '_mean']):.3f}"
                                       for m in ("cca", "svcca", "pwcca"))])
    header = ["epoch", "condition", "CCA: al2_keras / reference", "SVCCA (K=10)", "PWCCA"]
    return table(header, out) + f"\n\n(mean over the 6 pairs of 4 instances; files: `{ours}`, `{theirs}`)"


def ablation(path: str) -> str:
    """Cumulative ablation (`ablation.csv`): accuracy per ablated share, per model."""
    rows = read_csv(path)
    models = list(dict.fromkeys(row["model"] for row in rows))
    levels = list(dict.fromkeys(row["ablated %"] for row in rows))
    value = {(row["model"], row["ablated %"]): float(row["mean acc %"]) for row in rows}
    out = [[f"{float(level):.0f}", *(f"{value[(model, level)]:.1f}" for model in models)] for level in levels]
    return table(["ablated %", *(f"`{model}` acc %" for model in models)], out) + source(path, ddof=False)


# --- parity ------------------------------------------------------------------------------------

def parity_steps(path: str) -> str:
    """The step-parity table: largest relative difference per baseline, without and with AL2."""
    results = read_json(path)["results"]
    out = []
    for result in results:
        diff = result["max_relative_difference"]
        statistics = diff.get("batch_norm_running_statistics")
        out.append([result["baseline"], "with" if result["al2"] else "without", f"{diff['cross_entropy']:.1e}",
                    f"{diff['activation_loss']:.1e}", f"{diff['loss']:.1e}", f"{diff['weights']:.1e}",
                    "-" if statistics is None else f"{statistics:.1e}", f"{diff['eval_logits']:.1e}"])
    header = ["baseline", "AL2", "L_c", "L_r", "total loss", "weights", "BatchNorm statistics", "eval-mode logits"]
    return table(header, out) + f"\n\n({results[0]['steps']} steps, {results[0]['dtype']}; file: `{path}`)"


def parity_seeds(path: str) -> str:
    """The seed-parity table: final, last-5 and memorized share on both sides, with Welch's p."""
    data = read_json(path)
    rows: Dict[str, dict] = {}
    for row in data["rows"]:
        rows.setdefault(row["variant"], {})[row["quantity"]] = row
    quantities = ("final test acc %", "last-5 test acc %", "memorized %")
    out = [[variant, *(f"{spread(row[q]['al2_keras'])} / {spread(row[q]['reference'])} ({row[q]['welch_p']:.2f})"
                       for q in quantities)] for variant, row in rows.items()]
    header = ["variant", "final test acc %: al2_keras / reference (p)", "last-5 mean % (p)", "memorized % (p)"]
    seeds = sorted(int(seed) for seed in data["reference_runs"])
    return table(header, out) + (f"\n\n(seeds {', '.join(map(str, seeds))}; mean ± standard deviation, ddof 1; "
                                 f"p: Welch's t-test; file: `{path}`)")


def parity_effects(path: str) -> str:
    """AL2's effect per baseline on both sides, per seed, with Welch's p."""
    out = []
    for row in read_json(path)["effects"]:
        sides = [f"{spread(row[side], sign='+')} ({' / '.join(f'{value:+.1f}' for value in row[side])})"
                 for side in ("al2_keras", "reference")]
        out.append([row["baseline"], row["quantity"], *sides, f"{row['welch_p']:.2f}"])
    header = ["baseline", "AL2's effect", "al2_keras: mean ± std (per seed)", "reference: mean ± std (per seed)",
              "Welch p"]
    return table(header, out) + f"\n\n(test accuracy with minus without AL2, points; ddof 1; file: `{path}`)"


# --- benchmarks --------------------------------------------------------------------------------

def overhead(path: str) -> str:
    """Every run of `benchmarks/overhead.py` in a benchmark results file."""
    data = read_json(path)["overhead"]
    runs = data["runs"]
    out = [[run["backend"], run.get("code", data["commit"]), f"{run['blocks']} x {run['steps']}",
            f"{run['median_of_block_ratios']:.3f}", f"{run['median_of_medians']:.3f}"] for run in runs]
    header = ["backend", "code", "blocks x steps", "median of block ratios (AL2 / bare)", "median of medians"]
    return table(header, out) + source(path, ddof=False, extra="target <= 1.03")


def similarity_speed(path: str) -> str:
    """`benchmarks/similarity.py`'s last run: ours against svcca's recipe, per size and measure."""
    rows = read_json(path)["similarity"]["run_2"]["rows"]
    out = [[f"{row['neurons']:,} x {row['datapoints']:,}", row["method"], f"{row['ours_s']:.3f}",
            f"{row['svcca_recipe_s']:.3f}", f"{row['speed_up']:.2f}x", f"{row['max_abs_diff']:.1e}"] for row in rows]
    header = ["neurons x datapoints", "measure", "ours (s)", "svcca's recipe (s)", "speed-up", "max abs difference"]
    return table(header, out) + source(path, ddof=False, extra="medians of 3")


def torch_speed(path: str) -> str:
    """`benchmarks/torch_reference.py`'s runs: images/s of ours and of the PyTorch transcription."""
    data = read_json(path)["torch_reference"]
    out = []
    for run in data["runs"]:
        for route in ("stream", "fixed_batch"):
            for variant, speeds in run[route].items():
                out.append([f"`{run['command']}`", route.replace("_", " "), variant, f"{speeds['ours']:,}",
                            f"{speeds['torch']:,}", f"{speeds['ratio']:.2f}x"])
    header = ["command", "input", "variant", "ours (images/s)", "PyTorch (images/s)", "ours / PyTorch"]
    return table(header, out) + source(path, ddof=False, extra="medians of the alternating timed epochs; target 1.5x")


def ablation_speed(path: str) -> str:
    """`benchmarks/throughput.py --skip-training`: the 11 ablation levels against one plain evaluation."""
    data = read_json(path)["ablation"]
    out = [["one plain evaluation", f"{data['plain_evaluation_s']:.2f}", "1.00x"]]
    out += [[f"11 levels, {mode} masks", f"{data[mode]['seconds']:.2f}", f"{data[mode]['ratio']:.2f}x"]
            for mode in ("unit", "element")]
    dense = next(value for key, value in data["dense_vs_sparse_level_update_s"].items() if key.startswith("dense"))
    floor = data["unit"]["seconds"] + 9 * dense
    out.append(["floor of the element mode: unit masks plus nine dense products", f"{floor:.2f}",
                f"{floor / data['plain_evaluation_s']:.2f}x"])
    return table(["what", "seconds (median)", "ratio"], out) + source(path, ddof=False, extra="target <= 1.5x")


def effects_by_initialization(keras_init: str, torch_init: str) -> str:
    """AL2's effect on final test accuracy per baseline: the port with either initialization, and the reference."""
    port, torch = read_json(keras_init)["effects"], read_json(torch_init)["effects"]
    out = []
    for keras_row, torch_row in zip(port, torch):
        if keras_row["quantity"] != "final":
            continue
        cells = [spread(values, sign="+") for values in (keras_row["al2_keras"], torch_row["al2_keras"],
                                                          keras_row["reference"])]
        signs = {side: "up" if min(values) > 0 else "down" if max(values) < 0 else "mixed"
                 for side, values in (("port", keras_row["al2_keras"]), ("reference", keras_row["reference"]))}
        out.append([keras_row["baseline"], *cells, f"{signs['port']} / {signs['reference']}"])
    header = ["baseline", "port, Keras's initialization", "port, PyTorch's initialization", "reference transcription",
              "every seed: port (Keras's) / reference"]
    return table(header, out) + (f"\n\n(AL2's effect on final test accuracy, with minus without, points; mean ± std "
                                 f"over seeds 0, 1, 2, ddof 1; files: `{keras_init}`, `{torch_init}`)")


def validation_probes(path: str, *names: str) -> str:
    """Design probes scored on a noisy validation split (`probes.json`), as clean-accuracy estimates.

    With labels corrupted to a uniformly chosen other class at rate 3/4 over 10
    classes, accuracy against the noisy labels is `a/4 + (1 - a)/12` for a
    clean accuracy `a`, so `a = 6 (v - 1/12)`: the estimate a user can compute
    without clean labels. "smoothed peak" is the best 5-epoch mean.
    """
    out = []
    for name, probe in read_json(path).items():
        if names and name not in names:
            continue
        estimate = 6 * (np.asarray(probe["val_noisy_accuracy_percent"]) / 100 - 1 / 12) * 100
        smooth = np.convolve(estimate, np.ones(5) / 5, "valid")
        weight = (probe["al2_weight"] or [0.0])[-1]
        out.append([name, f"{smooth.max():.1f}", f"{estimate[-1]:.1f}", f"{estimate[-5:].mean():.1f}",
                    f"{estimate[-1] - smooth.max():+.1f}", f"{weight:,.3g}", f"{probe['cross_entropy'][-1]:.3f}"])
    header = ["probe (seed_lever)", "smoothed peak %", "final %", "last-5 mean %", "final - smoothed peak",
              "AL2 weight at the end", "final L_c"]
    return table(header, out) + source(path, ddof=False, extra="validation split with noisy labels; clean-accuracy "
                                       "estimates 6 (v - 1/12); never the test set")


def final_vs_peak(directory: str, *variants: str) -> str:
    """Per seed, each named variant's final test accuracy against its own peak (from the per-seed results)."""
    files = sorted((ROOT / directory).glob("seed_*_results.json"), key=lambda f: int(f.name.split("_")[1]))
    out = []
    for variant in variants:
        gaps = []
        for file in files:
            history = read_json(str(file.relative_to(ROOT)))["results"][variant]["history"]
            accuracy = 100 * np.asarray(history["val_accuracy"])
            gaps.append(accuracy[-1] - accuracy.max())
        out.append([variant, " / ".join(f"{gap:+.2f}" for gap in gaps),
                    "every seed" if all(g >= -3 for g in gaps) else "no seed" if all(g < -3 for g in gaps)
                    else f"{sum(g >= -3 for g in gaps)} of {len(gaps)} seeds"])
    seeds = ", ".join(f.name.split("_")[1] for f in files)
    return table(["variant", "final - peak per seed (points; peak picked on the test set)", "holds on"], out) + source(
        f"{directory}/seed_<s>_results.json", ddof=False, extra=f"seeds {seeds}; holds: within 3 points")


BLOCKS: Dict[str, Callable[..., str]] = {
    "run_summary": run_summary, "seed_variants": seed_variants, "seed_effects": seed_effects, "methods": methods,
    "holding": holding, "final_vs_peak": final_vs_peak, "at_epoch": at_epoch, "design_probes": design_probes,
    "validation_probes": validation_probes, "similarity": similarity,
    "similarity_pair": similarity_pair, "ablation": ablation, "parity_steps": parity_steps,
    "parity_seeds": parity_seeds, "parity_effects": parity_effects, "overhead": overhead,
    "similarity_speed": similarity_speed, "torch_speed": torch_speed, "ablation_speed": ablation_speed,
    "effects_by_initialization": effects_by_initialization, "effects_across": effects_across,
    "paper_side_by_side": paper_side_by_side,
    "paper_verdicts": paper_verdicts, "paper_verdict_summary": paper_verdict_summary,
    "paper_lr_at_matched_fit": paper_lr_at_matched_fit,
    "paper_across_seeds": paper_across_seeds,
    "validation_design": validation_design,
}
