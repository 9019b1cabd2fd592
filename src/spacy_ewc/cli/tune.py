"""`spacy-ewc tune`: choose λ from short runs over a grid, not by guessing.

Each grid point loads the pipeline afresh, wraps its component with the same EWC state
at that point's λ, adds the new label(s) and trains a fixed number of updates on the
same batches. It is then scored twice: agreement of its old-label entities with the
original pipeline's on held-out old-domain text (never the Fisher text), and P/R/F of
the new label(s) on the dev set. The recommendation is the best new-label F among the
runs whose agreement is at least `keep`; when none is, the knee of the frontier.
"""

from __future__ import annotations

import importlib.util
import math
import multiprocessing
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy
import spacy
import srsly
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from tqdm import tqdm
from wasabi import Printer

from ..errors import Errors, Warnings
from ..ewc import EWC
from ..ewc.ewc import DEFAULT_LAMBDA
from ..readers import check_path, item_text, read_items, token_copy
from ..spacy_wrapper import EWCModelWrapper, protect
from ._util import Arg, Opt, app, progress_bar, user_errors

DEFAULT_KEEP = 0.95
OVERRIDE = "--initialize.after_init.lambda_"
OLD_DEV_SHARE = 0.5
SPLIT_SEED = 0
RESULTS_FILE, PLOT_FILE, OVERRIDE_FILE = "tune.json", "frontier.png", "override.txt"

Data = Union[str, Path, Sequence]


@dataclass
class TuneResult:
    """The runs of a sweep (one dict per λ, in grid order) and the λ recommended."""

    runs: List[Dict]
    best: Dict
    reason: str
    keep: float
    recipe: bool
    settings: Dict = field(default_factory=dict)

    @property
    def lambda_(self) -> float:
        return self.best["lambda"]

    @property
    def override(self) -> str:
        """The recommendation as a `spacy train` config override."""
        return f"{OVERRIDE} {self.lambda_:g}"

    def to_dict(self) -> Dict:
        return {
            "runs": self.runs, "best": self.best, "reason": self.reason, "keep": self.keep,
            "recipe": self.recipe, "override": self.override, "settings": self.settings,
        }


def log_grid(low: float, high: float, n: int) -> List[float]:
    """`n` log-spaced values from `low` to `high`, rounded to one significant digit (1, 3, 10,
    30, 100 for 1..100 in 5 steps); values that round alike are kept once."""
    if not (0 < low <= high and math.isfinite(high)) or n < 1:
        raise ValueError(Errors.E320.format(value=f"{low:g}..{high:g} in {n} steps"))
    values = numpy.geomspace(low, high, n) if n > 1 else [low]
    return sorted({float(f"{value:.1g}") for value in values})


def parse_grid(text: str) -> List[float]:
    """A λ grid from "0,1,10"."""
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(Errors.E320.format(value=text)) from None


# Half-decade steps around the library's default λ, on the scale of its default normalisation.
DEFAULT_GRID = tuple(log_grid(DEFAULT_LAMBDA / 10, DEFAULT_LAMBDA * 10, 5))


def check_options(
    lambdas: Sequence[float], keep: float, n_updates: int, batch_size: int, n_process: int,
    drop: float = 0.1, learn_rate: Optional[float] = None,
) -> List[float]:
    """The λ grid, sorted; every option checked before anything is loaded."""
    grid = []
    for value in lambdas:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise ValueError(Errors.E320.format(value=value))
        grid.append(float(value))
    if not grid or len(set(grid)) != len(grid):
        raise ValueError(Errors.E320.format(value=list(lambdas)))
    if isinstance(keep, bool) or not isinstance(keep, (int, float)) or not 0 <= keep <= 1:
        raise ValueError(Errors.E321.format(value=keep))
    for name, value in (("n_updates", n_updates), ("batch_size", batch_size), ("n_process", n_process)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(Errors.E324.format(name=name, value=value))
    if not 0 <= drop < 1:
        raise ValueError(Errors.E324.format(name="drop", value=drop))
    if learn_rate is not None and not (math.isfinite(learn_rate) and learn_rate > 0):
        raise ValueError(Errors.E324.format(name="learn_rate", value=learn_rate))
    return sorted(grid)


def tune(
    model: Union[str, Path],
    train: Data,
    dev: Data,
    *,
    old: Optional[Data] = None,
    state: Optional[Union[str, Path]] = None,
    old_dev: Optional[Data] = None,
    lambdas: Sequence[float] = DEFAULT_GRID,
    recipe: bool = True,
    keep: float = DEFAULT_KEEP,
    pipe_name: str = "ner",
    n_updates: int = 100,
    batch_size: int = 8,
    drop: float = 0.1,
    learn_rate: Optional[float] = None,
    seed: int = 0,
    limit: int = 0,
    n_process: int = 1,
    output_dir: Optional[Union[str, Path]] = None,
    png: bool = True,
    silent: bool = False,
) -> TuneResult:
    """Sweep λ for teaching `model`'s component `pipe_name` the new label(s) of `train`.

    model: pipeline package name or folder (every grid point loads it afresh).
    train, dev: gold data with the new label(s): paths as the CLI reads them (.spacy,
        .jsonl with "entities") or lists of Examples.
    old: old-domain text (a path or a list of texts), shuffled with a fixed seed and cut
        in two halves: the Fisher (and the recipe's replay) take one, agreement with the
        original is measured on the other, unless `old_dev` gives that text.
    state: a saved EWC state to use instead of a Fisher pass on `old`.
    recipe: train on pseudo-labelled examples (the keep-both recipe) or on `train` as is.
    keep: the least old-label agreement a recommended run must keep.
    n_updates, batch_size, drop: each run's length, batch and dropout; learn_rate: the
        Adam step (None: the pipeline's own [training.optimizer], as `spacy train` uses).
    n_process: grid points run in parallel in spawned processes (a calling script needs the
        `if __name__ == "__main__":` guard).
    output_dir: where to write tune.json, frontier.png and override.txt (None: nowhere).
    """
    printer = Printer(no_print=silent)
    grid = check_options(lambdas, keep, n_updates, batch_size, n_process, drop, learn_rate)
    if old is None and state is None:
        raise ValueError(Errors.E322)
    if old is None and old_dev is None:
        raise ValueError(Errors.E323)
    for data in (train, dev, old, old_dev, state):
        if isinstance(data, (str, Path)):
            check_path(Path(data))
    if png and output_dir is not None:
        check_matplotlib()

    start = time.perf_counter()
    nlp = spacy.load(model)
    with tempfile.TemporaryDirectory() as tmp:
        job = prepare(
            nlp, str(model), Path(tmp), train=train, dev=dev, old=old, state=state, old_dev=old_dev,
            recipe=recipe, pipe_name=pipe_name, n_updates=n_updates, batch_size=batch_size, drop=drop,
            learn_rate=learn_rate, seed=seed, limit=limit, printer=printer, silent=silent,
        )
        del nlp
        runs = run_grid(job, grid, n_process, silent)
    best, reason = recommend(runs, keep)
    settings = {
        "model": str(model), "pipe": pipe_name, "n_updates": n_updates, "batch_size": batch_size,
        "drop": drop, "learn_rate": learn_rate, "seed": seed, "n_process": n_process, "labels": job["labels"],
        "n_train": job["n_train"], "n_dev": job["n_dev"], "n_fisher": job["n_fisher"],
        "n_old_dev": job["n_old_dev"], "normalize": job["normalize"],
        "seconds": round(time.perf_counter() - start, 1),
    }
    result = TuneResult(runs, best, reason, keep, recipe, settings)
    if reason == "knee":
        printer.warn(Warnings.W320.format(keep=keep, best=max(run["agreement"] for run in runs)))
    if output_dir is not None:
        write_outputs(result, Path(output_dir), png)
    return result


def prepare(
    nlp: Language, model: str, tmp: Path, *, train, dev, old, state, old_dev, recipe: bool,
    pipe_name: str, n_updates: int, batch_size: int, drop: float, learn_rate: Optional[float], seed: int,
    limit: int,
    printer: Printer, silent: bool,
) -> Dict:
    """Everything the grid points share, computed once: the EWC state, the (pseudo-labelled)
    training docs, the dev docs and the original's entities on held-out old text, on disk."""
    component = nlp.get_pipe(pipe_name) if pipe_name in nlp.pipe_names else None
    if component is None or "doc.ents" not in nlp.get_pipe_meta(pipe_name).assigns:
        raise ValueError(Errors.E329.format(name=pipe_name, names=", ".join(nlp.pipe_names)))
    known = set(component.labels)
    train_egs = as_examples(train, nlp, limit)
    dev_egs = as_examples(dev, nlp, limit)
    labels = sorted({ent.label_ for eg in train_egs for ent in eg.reference.ents} - known)
    if not labels:
        raise ValueError(Errors.E325.format(name=pipe_name))
    if not any(ent.label_ in labels for eg in dev_egs for ent in eg.reference.ents):
        raise ValueError(Errors.E326.format(labels=", ".join(labels)))
    fisher_texts, heldout = split_old(as_texts(old, nlp, limit) if old is not None else [])
    if old_dev is not None:
        heldout = as_texts(old_dev, nlp, limit)
    if state is not None:
        ewc = EWC.from_disk(state, nlp, pipe_name)
        printer.info(f"EWC state of '{pipe_name}' from {state} ({ewc.n_examples} examples)")
    else:
        printer.info(f"Fisher of '{pipe_name}' on {len(fisher_texts)} old-domain texts")
        progress = None if silent else progress_bar("Fisher")
        ewc = protect(nlp, fisher_texts, lambda_=1.0, pipe_name=pipe_name, progress=progress)
    if recipe:
        printer.info(f"Recipe on: pseudo-labels from the original on {len(train_egs)} training examples")
        train_egs = recipe_examples(ewc, nlp, train_egs, fisher_texts)
    ewc.to_disk(tmp / "state")
    with nlp.select_pipes(enable=trained_pipes(nlp, pipe_name)):
        original = list(nlp.pipe(heldout))
    DocBin(docs=[eg.reference for eg in train_egs]).to_disk(tmp / "train.spacy")
    DocBin(docs=[eg.reference for eg in dev_egs]).to_disk(tmp / "dev.spacy")
    DocBin(docs=original).to_disk(tmp / "old_dev.spacy")
    return {
        "model": model, "pipe": pipe_name, "dir": str(tmp), "labels": labels, "known": sorted(known),
        "n_updates": n_updates, "batch_size": batch_size, "drop": drop, "learn_rate": learn_rate,
        "seed": seed, "n_train": len(train_egs), "n_dev": len(dev_egs),
        "n_fisher": 0 if state else len(fisher_texts), "n_old_dev": len(heldout), "silent": silent,
        "normalize": ewc.normalize,
    }


def recipe_examples(ewc: EWC, nlp: Language, examples: List[Example], replay: List[str]) -> List[Example]:
    """The keep-both recipe's training set: gold plus the original's own entities.

    Today `spacy_ewc.utils.add_pseudo_labels`; becomes `ewc.add_pseudo_labels(examples,
    replay=replay)` once the EWC method exists.
    """
    from ..utils import add_pseudo_labels

    with nlp.select_pipes(enable=trained_pipes(nlp, ewc.pipe_name)):
        return add_pseudo_labels(examples, nlp)


def split_old(texts: List[str]) -> tuple:
    """(Fisher texts, held-out texts): a fixed shuffle cut in two, so agreement is never
    measured on the text the Fisher (or replay) saw."""
    if not texts:
        return [], []
    if len(texts) < 2:
        raise ValueError(Errors.E328.format(n=len(texts)))
    order = list(range(len(texts)))
    random.Random(SPLIT_SEED).shuffle(order)
    cut = max(1, round(len(texts) * OLD_DEV_SHARE))
    return [texts[i] for i in order[cut:]], [texts[i] for i in order[:cut]]


def as_examples(data: Data, nlp: Language, limit: int) -> List[Example]:
    items = read_items(Path(data), nlp, limit) if isinstance(data, (str, Path)) else list(data)
    out = []
    for item in items:
        if isinstance(item, Example):
            out.append(item)
        elif isinstance(item, tuple):
            out.append(Example.from_dict(nlp.make_doc(item[0]), item[1]))
        else:
            raise ValueError(Errors.E330.format(type=type(item).__name__))
    return out[:limit] if limit else out


def as_texts(data: Data, nlp: Language, limit: int) -> List[str]:
    items = read_items(Path(data), nlp, limit) if isinstance(data, (str, Path)) else list(data)
    texts = [item_text(item) for item in items]
    return texts[:limit] if limit else texts


# ---------------------------------------------------------------- grid


def run_grid(job: Dict, grid: Sequence[float], n_process: int, silent: bool) -> List[Dict]:
    """One run per λ, in this process or in `n_process` spawned ones; results in grid order."""
    bar = tqdm(total=len(grid), desc="λ grid", unit="run", disable=True if silent else None)
    results: Dict[float, Dict] = {}
    if n_process == 1:
        for lambda_ in grid:
            bar.set_postfix_str(f"λ={lambda_:g}")
            results[lambda_] = run_point(job, lambda_)
            bar.update()
    else:
        worker_job = {**job, "silent": True}
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(min(n_process, len(grid)))
        try:
            calls = [pool.apply_async(run_point, (worker_job, lambda_)) for lambda_ in grid]
            for lambda_, call in zip(grid, calls):
                results[lambda_] = call.get()
                bar.update()
        finally:
            pool.close()
            pool.join()
    bar.close()
    return [results[lambda_] for lambda_ in grid]


def run_point(job: Dict, lambda_: float) -> Dict:
    """Train a fresh copy of the pipeline at λ for `n_updates` updates and score it."""
    start = time.perf_counter()
    folder = Path(job["dir"])
    nlp = spacy.load(job["model"])
    pipe = nlp.get_pipe(job["pipe"])
    ewc = EWC.from_disk(folder / "state", nlp, job["pipe"])
    ewc.set_lambda(lambda_)
    pipe.model = EWCModelWrapper(pipe.model, ewc.apply_ewc_penalty_to_gradients)
    for label in job["labels"]:
        pipe.add_label(label)
    train = [Example(nlp.make_doc(doc.text), doc) for doc in read_docs(folder / "train.spacy", nlp)]
    fix_random_seed(job["seed"])
    optimizer = nlp.create_optimizer()
    if job["learn_rate"] is not None:
        optimizer.learn_rate = job["learn_rate"]
    steps = tqdm(total=job["n_updates"], desc=f"λ={lambda_:g}", unit="update", leave=False,
                 disable=True if job["silent"] else None)
    losses: Dict[str, float] = {}
    with nlp.select_pipes(enable=trained_pipes(nlp, job["pipe"])):
        for batch in batches(train, job["batch_size"], job["n_updates"], job["seed"]):
            nlp.update(batch, sgd=optimizer, drop=job["drop"], losses=losses)
            steps.update()
        steps.close()
        train_s = time.perf_counter() - start
        new = new_label_scores(nlp, read_docs(folder / "dev.spacy", nlp), job["labels"])
        agreement = old_agreement(nlp, read_docs(folder / "old_dev.spacy", nlp), job["known"])
    return {
        "lambda": lambda_, "agreement": agreement, "new_f": new["f"], "new_p": new["p"], "new_r": new["r"],
        "loss": round(float(losses.get(job["pipe"], 0.0)) / job["n_updates"], 4),
        "train_s": round(train_s, 2), "seconds": round(time.perf_counter() - start, 2),
    }


def read_docs(path: Path, nlp: Language) -> List[Doc]:
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def trained_pipes(nlp: Language, name: str) -> List[str]:
    """The component and the ones it listens to (a shared tok2vec), which its update needs."""
    needed = [name]
    for other, proc in nlp.components:
        if name in (getattr(proc, "listening_components", None) or ()):
            needed.append(other)
    return needed


def batches(examples: List[Example], size: int, n_updates: int, seed: int) -> Iterable[List[Example]]:
    """`n_updates` batches: epochs of the examples, each in its own seeded order."""
    done, epoch = 0, 0
    while True:
        order = list(examples)
        random.Random(seed * 1000 + epoch).shuffle(order)
        for batch in minibatch(order, size=size):
            if done == n_updates:
                return
            yield batch
            done += 1
        epoch += 1


def new_label_scores(nlp: Language, gold: List[Doc], labels: Sequence[str]) -> Dict[str, float]:
    """P/R/F of the new label(s) on the dev docs' tokens (spaCy's Scorer, exact spans)."""
    wanted = set(labels)
    docs = nlp.pipe(token_copy(doc, nlp.vocab) for doc in gold)
    examples = []
    for predicted, reference in zip(docs, gold):
        predicted.ents = [ent for ent in predicted.ents if ent.label_ in wanted]
        reference.ents = [ent for ent in reference.ents if ent.label_ in wanted]
        examples.append(Example(predicted, reference))
    scores = Scorer.score_spans(examples, "ents")
    return {key: round(float(scores[f"ents_{key}"]), 4) for key in ("p", "r", "f")}


def old_agreement(nlp: Language, original: List[Doc], known: Sequence[str]) -> float:
    """F1 of the old-label entities against the original pipeline's on the same texts."""
    known = set(known)
    examples = []
    for predicted, reference in zip(nlp.pipe(doc.text for doc in original), original):
        predicted.ents = [ent for ent in predicted.ents if ent.label_ in known]
        examples.append(Example(predicted, reference))
    return round(float(Scorer.score_spans(examples, "ents")["ents_f"]), 4)


# ---------------------------------------------------------------- choice and output


def pareto(runs: Sequence[Dict]) -> List[Dict]:
    """The runs no other run beats on both agreement and new-label F, by agreement."""
    front = [
        run for run in runs
        if not any(
            o["agreement"] >= run["agreement"] and o["new_f"] >= run["new_f"]
            and (o["agreement"], o["new_f"]) != (run["agreement"], run["new_f"])
            for o in runs
        )
    ]
    return sorted(front, key=lambda run: (run["agreement"], -run["lambda"]))


def recommend(runs: Sequence[Dict], keep: float) -> tuple:
    """(run, "keep") with the best new-label F among runs keeping >= `keep` agreement
    (ties: the higher agreement, then the smaller λ); else (knee of the frontier, "knee")."""
    kept = [run for run in runs if run["agreement"] >= keep]
    if kept:
        return max(kept, key=lambda run: (run["new_f"], run["agreement"], -run["lambda"])), "keep"
    return knee(pareto(runs)), "knee"


def knee(front: Sequence[Dict]) -> Dict:
    """The frontier point farthest from the chord between its ends (both axes scaled to
    [0, 1]); with fewer than three points, the one with the largest scaled sum."""
    xs = numpy.array([run["agreement"] for run in front], dtype=float)
    ys = numpy.array([run["new_f"] for run in front], dtype=float)
    xs = (xs - xs.min()) / (numpy.ptp(xs) or 1.0)
    ys = (ys - ys.min()) / (numpy.ptp(ys) or 1.0)
    if len(front) < 3:
        return front[int(numpy.argmax(xs + ys))]
    (x0, y0), (x1, y1) = (xs[0], ys[0]), (xs[-1], ys[-1])
    distance = numpy.abs((y1 - y0) * xs - (x1 - x0) * ys + x1 * y0 - y1 * x0)
    return front[int(numpy.argmax(distance))]


def check_matplotlib() -> None:
    """Fail before any work when the plot cannot be drawn (matplotlib: the `bench` extra)."""
    if importlib.util.find_spec("matplotlib") is None:
        raise ValueError(Errors.E327)


def write_outputs(result: TuneResult, output_dir: Path, png: bool) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output_dir / RESULTS_FILE, result.to_dict())
    (output_dir / OVERRIDE_FILE).write_text(result.override + "\n", encoding="utf8")
    if png:
        plot_frontier(result, output_dir / PLOT_FILE)


def plot_frontier(result: TuneResult, path: Path) -> None:
    """New-label F against old-label agreement, one labelled point per λ."""
    check_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    xs = [run["agreement"] for run in result.runs]
    ys = [run["new_f"] for run in result.runs]
    ax.plot(xs, ys, "o-", color="tab:blue", label="λ grid" + (" (recipe)" if result.recipe else ""))
    for run in result.runs:
        ax.annotate(f"λ={run['lambda']:g}", (run["agreement"], run["new_f"]), textcoords="offset points",
                    xytext=(5, 5), fontsize=8)
    best = result.best
    ax.plot([best["agreement"]], [best["new_f"]], "*", color="tab:red", markersize=14,
            label=f"recommended λ={best['lambda']:g} ({result.reason})")
    ax.axvline(result.keep, color="grey", linestyle="--", linewidth=1, label=f"keep ≥ {result.keep:g}")
    labels = ", ".join(result.settings.get("labels", []))
    ax.set_xlabel("old-label agreement with the original (F1, held-out text)")
    ax.set_ylabel(f"new label F1 on dev ({labels})")
    ax.set_title("λ frontier")
    ax.margins(0.12)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def print_table(result: TuneResult, printer: Printer) -> None:
    rows = [
        ("*" if run is result.best else "", f"{run['lambda']:g}", f"{100 * run['agreement']:.1f}",
         f"{100 * run['new_p']:.1f}", f"{100 * run['new_r']:.1f}", f"{100 * run['new_f']:.1f}",
         f"{run['seconds']:.0f}")
        for run in result.runs
    ]
    printer.table(rows, header=("", "λ", "old agree", "new P", "new R", "new F", "s"),
                  aligns=("l", "r", "r", "r", "r", "r", "r"))


# ---------------------------------------------------------------- command


@app.command("tune")
def tune_cli(
    model: str = Arg(..., help="Pipeline package name or folder to fine-tune"),
    train: Path = Arg(..., help="Training data with the new label (.spacy or .jsonl with entities)"),
    dev: Path = Arg(..., help="Dev data with the new label (.spacy or .jsonl with entities)"),
    old: Optional[Path] = Opt(None, "--old", help="Old-domain text: half for the Fisher, half held out"),
    state: Optional[Path] = Opt(None, "--state", "-s", help="A saved EWC state instead of a Fisher pass"),
    old_dev: Optional[Path] = Opt(None, "--old-dev", help="Held-out old-domain text for agreement"),
    lambdas: Optional[str] = Opt(None, "--lambdas", help="Comma-separated λ grid, e.g. 0,1,10"),
    lambda_min: float = Opt(DEFAULT_LAMBDA / 10, "--lambda-min", help="Smallest λ of the log-spaced grid"),
    lambda_max: float = Opt(DEFAULT_LAMBDA * 10, "--lambda-max", help="Largest λ of the log-spaced grid"),
    n_lambdas: int = Opt(5, "--n-lambdas", help="Points of the log-spaced grid"),
    recipe: bool = Opt(True, "--recipe/--no-recipe", help="Train with pseudo-labels (keep-both recipe)"),
    keep: float = Opt(DEFAULT_KEEP, "--keep", help="Least old-label agreement a recommended λ keeps"),
    pipe_name: str = Opt("ner", "--pipe", "-p", help="Component to train"),
    n_updates: int = Opt(100, "--n-updates", help="Updates per run"),
    batch_size: int = Opt(8, "--batch-size", "-b", help="Examples per update"),
    learn_rate: Optional[float] = Opt(None, "--learn-rate", help="Adam step [default: the pipeline's]"),
    seed: int = Opt(0, "--seed", help="Seed of every run"),
    limit: int = Opt(0, "--limit", help="Use the first N items of each data file (0: all)"),
    n_process: int = Opt(1, "--n-process", "-n", help="Grid points run in parallel"),
    output: Path = Opt(Path("tune"), "--output", "-o", help="Folder for tune.json, frontier.png, override"),
    png: bool = Opt(True, "--png/--no-png", help="Draw the frontier (needs matplotlib)"),
    silent: bool = Opt(False, "--silent", help="No progress bars or messages; print the override only"),
):
    """Sweep λ with short runs and recommend one: the best new-label F among runs keeping
    at least --keep agreement with the original on held-out old text, else the knee."""
    printer = Printer(no_print=silent)
    with user_errors():
        grid = parse_grid(lambdas) if lambdas is not None else log_grid(lambda_min, lambda_max, n_lambdas)
        check_options(grid, keep, n_updates, batch_size, n_process, learn_rate=learn_rate)
        result = tune(
            model, train, dev, old=old, state=state, old_dev=old_dev, lambdas=grid, recipe=recipe, keep=keep,
            pipe_name=pipe_name, n_updates=n_updates, batch_size=batch_size, learn_rate=learn_rate, seed=seed,
            limit=limit,
            n_process=n_process, output_dir=output, png=png, silent=silent,
        )
    print_table(result, printer)
    best = result.best
    kept = f"agreement {best['agreement']:.3f} >= {keep:g}"
    printer.good(f"λ={best['lambda']:g}: new F {best['new_f']:.3f}, "
                 + (kept if result.reason == "keep" else "knee of the frontier"))
    files = [RESULTS_FILE, OVERRIDE_FILE] + ([PLOT_FILE] if png else [])
    printer.info(f"Saved {', '.join(files)} in {output}")
    if recipe:
        printer.info("Measured with the recipe: train with it too (docs/recipe.md).")
    print(result.override)
