"""Cost of the Fisher pass against one training epoch, and the protection it buys.

    python benchmarks/fisher_cost.py                 # 400 Wikipedia paragraphs, about 12 minutes
    python benchmarks/fisher_cost.py --n-docs 80     # a quick look
    python benchmarks/fisher_cost.py --data DIR      # another copy of shared/data

For each setting of the Fisher pass (per-example, batched, two-pass or fused, with the
stopping rule, several processes) it times the `predicted` Fisher of en_core_web_sm's `ner`
on the same Wikipedia paragraphs the forgetting benchmark protects, as a ratio to one
training epoch (batch 16, dropout 0.1, the model's optimizer) over the same documents
timed in the same run. Then each F protects a DISEASE fine-tuning run (NCBI-disease, same
batches and seeds, equal λ) and the run is scored by its old-label agreement with the
original model on held-out paragraphs and by its drift ratio: Σ F (θ − θ*)² of the run
over that of plain fine-tuning with the same seed, both weighed by the per-example F. The
settings in --noise (by default all but the stopping rule and the processes) are trained
with several seeds; their spread is the noise. "two-pass" runs the component over the
texts first and takes its predictions as gold in `ner.update` (spacy-ewc 0.3's only way);
"fused" takes the targets in the backward pass itself (`fisher_fused`, docs/fisher.md).
Results: benchmarks/results/fisher_cost.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path
from typing import Dict, List, Tuple

import spacy
from bench_data import NEW_LABEL, check_data_dir, default_data_dir, load_ncbi, sample, split_wikipedia
from bench_eval import predict_texts, score_silver
from bench_run import as_examples, text_examples
from bench_train import train
from spacy.util import fix_random_seed

from spacy_ewc import EWC, EWCModelWrapper
from spacy_ewc.ewc import continual

HERE = Path(__file__).resolve().parent
MODEL = "en_core_web_sm"
DEFAULT = "default"
BASELINE = "per-example"
TWO_PASS, FUSED = {"fisher_fused": False}, {"fisher_fused": True}
STOP_EARLY = {"fisher_tol": 0.15, "fisher_block": 32}
SETTINGS = {
    BASELINE: {"fisher_batch_size": 1, **TWO_PASS},
    "per-example, other Fisher seed": {"fisher_batch_size": 1, "seed": 1, **TWO_PASS},
    "two-pass 8": {"fisher_batch_size": 8, **TWO_PASS},
    "two-pass 16": {"fisher_batch_size": 16, **TWO_PASS},
    "two-pass 32": {"fisher_batch_size": 32, **TWO_PASS},
    "fused 1": {"fisher_batch_size": 1, **FUSED},
    "fused 8": {"fisher_batch_size": 8, **FUSED},
    "fused 16": {"fisher_batch_size": 16, **FUSED},
    DEFAULT: {},
    "default, tol 0.15 every 32": STOP_EARLY,
    "two-pass 8, tol 0.15 every 32": {**STOP_EARLY, "fisher_batch_size": 8, **TWO_PASS},
    "default, 2 processes": {"n_process": 2},
    "two-pass 8, 2 processes": {"n_process": 2, "fisher_batch_size": 8, **TWO_PASS},
}
OTHER_YARDSTICK = "fused 1"
"""A second F to weigh the drift by, when it ran: the per-example F without spaCy's state
dropout, so the drift ratio is also read with an F that none of the two-pass rows is."""
NOISE = (BASELINE, "per-example, other Fisher seed", "two-pass 8", "fused 1", "fused 8", DEFAULT)
# The rows of benchmarks/results/fisher_cost.md: DEFAULT is the library's default, for ner the
# fused pass with batches of 16 (spacy-ewc 0.3.0's default was "two-pass 8").
RESULTS_ROWS = (BASELINE, "per-example, other Fisher seed", "two-pass 8", "fused 1", "fused 8", DEFAULT,
                "default, tol 0.15 every 32", "default, 2 processes")
SCALE = "mean"  # the scale the committed results were measured on


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="results folder")
    parser.add_argument("--n-docs", type=int, default=400, help="Wikipedia paragraphs for the Fisher")
    parser.add_argument("--n-heldout", type=int, default=100, help="held-out paragraphs for agreement")
    parser.add_argument("--n-train", type=int, default=400, help="NCBI-disease training sentences")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lambda", dest="lambda_", type=float, default=10.0,
                        help="λ on spacy-ewc 0.2's \"mean\" scale, the one the committed results used")
    parser.add_argument("--seeds", type=int, default=3,
                        help="training seeds of the noise settings (0: time the Fisher only)")
    parser.add_argument("--kind", choices=("predicted", "empirical"), default="predicted",
                        help="Fisher kind; empirical takes the model's own entities as gold Examples")
    parser.add_argument("--only", nargs="+", choices=list(SETTINGS),
                        help="settings to run (default: those of benchmarks/results/fisher_cost.md)")
    parser.add_argument("--noise", nargs="+", choices=list(SETTINGS), default=list(NOISE),
                        help="settings trained with every seed (the others with seed 0 only)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="time each Fisher this many times and report the median")
    parser.add_argument("--name", default="fisher_cost", help="results file name, without suffix")
    return parser.parse_args()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: what other jobs on the machine do
    not inflate, unlike wall-clock time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_epoch(texts: List[str], seed: int = 0) -> Tuple[float, float]:
    """(wall, CPU) seconds of one training epoch of `ner` over `texts`, labelled by the model."""
    nlp = spacy.load(MODEL)
    examples = text_examples(nlp, predict_texts(nlp, texts))
    wall, cpu = time.perf_counter(), cpu_seconds()
    train(nlp, examples, nlp.create_optimizer(), epochs=1, batch_size=16, drop=0.1, seed=seed)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def estimate(nlp, data: list, options: Dict, lambda_: float, kind: str) -> EWC:
    options = dict(options)
    n_process = options.pop("n_process", None)
    if n_process is None:
        return EWC(nlp, data, lambda_=lambda_, fisher=kind, normalize=SCALE, **options)
    return continual.estimate(
        nlp, data, lambda_, fisher=kind, normalize=SCALE, n_process=n_process, **options
    )



def bind(parts: tuple, nlp, lambda_: float) -> EWC:
    """A state of `nlp` from the arrays (θ*, raw F, n) of one estimate; copies, so growing
    the new label in one run leaves the others alone."""
    theta_star, fisher_raw, n = parts
    return EWC.from_parts(nlp, theta_star.copy(), fisher_raw.copy(), n, lambda_=lambda_, normalize=SCALE)


def fine_tune(parts, train_docs, args, seed: int):
    """A fresh en_core_web_sm taught DISEASE, protected by the state of `parts` (None: plain)."""
    nlp = spacy.load(MODEL)
    ner = nlp.get_pipe("ner")
    if parts is not None:
        ewc = bind(parts, nlp, args.lambda_)
        ner.model = EWCModelWrapper(ner.model, ewc.apply_ewc_penalty_to_gradients)
    ner.add_label(NEW_LABEL)
    examples = as_examples(train_docs)
    train(nlp, examples, nlp.resume_training(), epochs=args.epochs, batch_size=16, drop=0.1, seed=seed)
    return nlp


def main() -> None:
    args = parse_args()
    data_dir = check_data_dir(args.data or default_data_dir())
    names = args.only or list(RESULTS_ROWS)
    if BASELINE not in names:
        names = [BASELINE, *names]
    fisher_texts, heldout = split_wikipedia(data_dir, (400, 100))
    fisher_texts = fisher_texts[: args.n_docs]
    heldout = heldout[: args.n_heldout]
    started = time.time()
    load = os.getloadavg()[0]

    epochs = [time_epoch(fisher_texts)]
    nlp = spacy.load(MODEL)
    fix_random_seed(0)
    data = fisher_texts if args.kind == "predicted" else text_examples(nlp, predict_texts(nlp, fisher_texts))
    states, seconds, parts = {}, {}, {}
    for name in names:
        timings = []
        for _ in range(args.repeats):
            wall, cpu = time.perf_counter(), cpu_seconds()
            state = states[name] = estimate(nlp, data, SETTINGS[name], args.lambda_, args.kind)
            timings.append((time.perf_counter() - wall, cpu_seconds() - cpu))
        seconds[name] = (statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings))
        parts[name] = (state.theta_star.copy(), state.fisher_raw.copy(), state.n_examples)
        print(f"{name}: {seconds[name]}s (wall, CPU), {state.n_examples} examples", flush=True)
    epochs.append(time_epoch(fisher_texts))
    epoch_wall = statistics.mean(e[0] for e in epochs)
    epoch_cpu = statistics.mean(e[1] for e in epochs)

    original = spacy.load(MODEL)
    reference = predict_texts(original, heldout)
    train_docs = sample(load_ncbi(data_dir, "train", original.vocab), args.n_train, 0)
    columns = (("drift_ratio", BASELINE), ("drift_ratio_other", OTHER_YARDSTICK))
    yardsticks = {column: bind(parts[name], original, args.lambda_)
                  for column, name in columns if name in parts}
    noisy = set(args.noise)
    plain_drift = {}
    runs: Dict[str, List[dict]] = {}
    for seed in range(args.seeds):
        plain = fine_tune(None, train_docs, args, seed)
        plain_drift[seed] = {column: state.compute_drift(plain) for column, state in yardsticks.items()}
        runs.setdefault("plain", []).append(
            {"seed": seed, "agreement": score_silver(plain, reference)["f"], **dict.fromkeys(yardsticks, 1.0)}
        )
    for name in names:
        if name.endswith("processes"):
            continue
        for seed in range(args.seeds if name in noisy else 1):
            tuned = fine_tune(parts[name], train_docs, args, seed)
            runs.setdefault(name, []).append({
                "seed": seed,
                "agreement": score_silver(tuned, reference)["f"],
                **{column: state.compute_drift(tuned) / plain_drift[seed][column]
                   for column, state in yardsticks.items()},
            })
            print(f"{name} seed {seed}: {runs[name][-1]}", flush=True)

    rows = []
    for name in names:
        state = states[name]
        row = {
            "setting": name,
            "options": SETTINGS[name],
            "fisher_s": round(seconds[name][0], 2),
            "fisher_cpu_s": round(seconds[name][1], 2),
            "fisher_epoch_ratio": round(seconds[name][0] / epoch_wall, 2),
            "fisher_epoch_cpu_ratio": round(seconds[name][1] / epoch_cpu, 2),
            "n_examples": state.n_examples,
            "converged": state.converged,
            "batch_size": state.fisher_batch_size,
            "rel_diff_of_mean_F": round(rel_diff(state, states[BASELINE]), 3),
        }
        protected = runs.get(name, [])
        row["agreement"] = [r["agreement"] for r in protected]
        for column in yardsticks:
            row[column] = [round(r[column], 4) for r in protected]
        rows.append(row)
    result = {
        "settings": {k: v for k, v in vars(args).items() if k not in ("data", "out")},
        "epoch_s": [round(e[0], 2) for e in epochs],
        "epoch_cpu_s": [round(e[1], 2) for e in epochs],
        "plain": runs.get("plain", []),
        "rows": rows,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, spaCy {spacy.__version__}, "
                   f"Python {platform.python_version()}",
        "load_average": [round(load, 2), round(os.getloadavg()[0], 2)],
        "runtime_min": round((time.time() - started) / 60, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(result, indent=2), encoding="utf8")
    (args.out / f"{args.name}.md").write_text(report(result), encoding="utf8")
    print(report(result))


def rel_diff(state: EWC, reference: EWC) -> float:
    """Σ |F − F_ref| / Σ F_ref of the mean-normalised F: how far from the per-example one."""
    moved = sum(float(abs(state.fisher_matrix[k] - v).sum()) for k, v in reference.fisher_matrix.items())
    return moved / sum(float(v.sum()) for v in reference.fisher_matrix.values())


def spread(values: List[float], digits: int = 3) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def report(result: dict) -> str:
    s = result["settings"]
    epochs = " and ".join(f"{w} s ({c} s CPU)" for w, c in zip(result["epoch_s"], result["epoch_cpu_s"]))
    lines = [
        "# Fisher cost (benchmarks/fisher_cost.py)",
        "",
        f"`{s['kind']}` Fisher of en_core_web_sm's ner on {s['n_docs']} Wikipedia paragraphs. One training "
        f"epoch over the same paragraphs (batch 16, dropout 0.1) took {epochs}, before and after the "
        "Fisher runs; the ratios use their mean. `× epoch` is wall-clock over wall-clock, `× epoch CPU` "
        "CPU time over CPU time (this process and its workers: robust to other jobs on the machine).",
        "",
        f"Protection: {s['n_train']} NCBI-disease sentences, {s['epochs']} epochs, λ={s['lambda_']:g}. "
        f"Agreement: old-label F1 against the original model on {s['n_heldout']} held-out paragraphs. "
        "Drift ratio: Σ F (θ − θ*)², F the per-example one, of the run over plain fine-tuning's with the "
        f"same seed; where the `{OTHER_YARDSTICK}` row ran, also weighed by its F (the per-example F "
        "without spaCy's state dropout). "
        f"Noise: mean ± sd over {s['seeds']} training seeds. Σ|ΔF|/ΣF: L1 distance of the "
        "mean-normalised F to the per-example F, relative.",
        "",
        f"{result['machine']}; load average {result['load_average'][0]} at the start, "
        f"{result['load_average'][1]} at the end; {result['runtime_min']} min.",
        "",
    ]
    other = any("drift_ratio_other" in row for row in result["rows"])
    header = "| setting | Fisher s | × epoch | CPU s | × epoch CPU | examples used | converged | Σ|ΔF|/ΣF " \
             "| agreement | drift ratio |"
    lines += [header + (f" drift ratio ({OTHER_YARDSTICK} F) |" if other else ""),
              "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|" + ("---:|" if other else "")]
    plain = result["plain"]
    agreement = spread([r["agreement"] for r in plain])
    plain_row = f"| plain fine-tuning | – | – | – | – | – | – | – | {agreement} | 1 |"
    lines.append(plain_row + (" 1 |" if other else ""))
    for row in result["rows"]:
        line = (
            f"| {row['setting']} | {row['fisher_s']} | {row['fisher_epoch_ratio']} | {row['fisher_cpu_s']} "
            f"| {row['fisher_epoch_cpu_ratio']} | {row['n_examples']} | {row['converged']} "
            f"| {row['rel_diff_of_mean_F']} | {spread(row['agreement'])} | {spread(row['drift_ratio'], 4)} |"
        )
        lines.append(line + (f" {spread(row.get('drift_ratio_other', []), 4)} |" if other else ""))
    lines += [
        "",
        "Options of each setting (`EWC(...)` keywords; `n_process` goes through "
        "`spacy_ewc.ewc.continual.estimate`): "
        + "; ".join(f"{row['setting']}: `{row['options'] or 'library defaults'}`" for row in result["rows"])
        + ". The 2-process rows are timed only (the same estimators, sharded).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
