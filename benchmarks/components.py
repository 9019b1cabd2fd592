"""EWC on every component type: drift, old predictions and new task, EWC against plain.

    python benchmarks/components.py                      # the table at the default λ
    python benchmarks/components.py --only ner tagger    # some components
    python benchmarks/components.py --sweep              # λ grid on the raw scale (choosing the scale)
    python benchmarks/components.py --data DIR           # another copy of shared/data

The cases are those of tests/test_pipes.py (imported from there): each component of
en_core_web_sm (and the four it lacks, added and trained first) is fine-tuned for a few
updates on a small new task that contradicts it, plainly and with EWC, from one start and
with one seed. Reported per component: the Fisher-weighted drift Σ F (θ − θ*)² of EWC over
plain's (for the parser also of the shared tok2vec it protects), the agreement with the
start's predictions on held-out sentences (EWC, plain), the new-task score reached by EWC
as a fraction of plain's (spaCy's Scorer on the new-task examples) and the share of plain's
drop of the component's loss on those examples that EWC reaches.
Results go to benchmarks/results/components.{md,json}; docs/lambda.md explains them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import conftest  # noqa: E402
import spacy  # noqa: E402
import test_pipes as cases  # noqa: E402
from spacy.util import fix_random_seed  # noqa: E402
from wasabi import msg  # noqa: E402

from spacy_ewc import EWC  # noqa: E402
from spacy_ewc.ewc import ewc as ewc_module  # noqa: E402
from spacy_ewc.spacy_wrapper.ewc_spacy_wrapper import EWCModelWrapper  # noqa: E402

RESULTS = HERE / "results"
SWEEP = [10.0 ** (k / 2) for k in range(-2, 21)]
# The new-task score of each case: a key of spaCy's Scorer (a function of the scores).
NEW_TASK_SCORE = {
    "ner": lambda s: (s.get("ents_per_type") or {}).get(cases.DISEASE, {}).get("f", 0.0),
    "tagger": lambda s: s["tag_acc"],
    "parser": lambda s: s["dep_las"],
    "senter": lambda s: s["sents_f"],
    "textcat": lambda s: s["cats_micro_f"],
    "textcat_multilabel": lambda s: s["cats_micro_f"],
    "spancat": lambda s: (s.get("spans_sc_per_type") or {}).get(cases.DISEASE, {}).get("f", 0.0),
    "morphologizer": lambda s: s["pos_acc"],
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data",
                        help="data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default benchmarks/results; none with --only or --sweep)")
    parser.add_argument("--only", nargs="+", help="components to run (default: all)")
    parser.add_argument("--lambda", dest="lambda_", type=float, default=ewc_module.DEFAULT_LAMBDA,
                        help="λ on the default scale (default: DEFAULT_LAMBDA)")
    parser.add_argument("--sweep", action="store_true", help="a λ grid on the raw scale instead")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--n-fisher", type=int, default=cases.N_FISHER, help="sentences for the Fisher")
    return parser.parse_args(argv)


def corpus_and_start():
    original = spacy.load("en_core_web_sm")
    corpus = cases.corpus.__wrapped__(conftest.wiki_sentences.__wrapped__())
    return corpus, original


def start_of(case, corpus, original, grown: Dict):
    if case.name in cases.GROWN:
        if "nlp" not in grown:
            grown["nlp"] = cases.grown.__wrapped__(corpus, original)
        return cases.clone(grown["nlp"])
    nlp = cases.clone(original)
    if case.name == "senter":
        nlp.remove_pipe("parser")
        nlp.enable_pipe("senter")
    return nlp


def new_task_score(case, nlp, corpus) -> float:
    examples = case.new_task(corpus, nlp)
    return float(NEW_TASK_SCORE[case.name](nlp.evaluate(examples)))


def new_task_loss(case, nlp, corpus) -> float:
    """The component's loss on the new-task examples (a copy's: gradients are left behind)."""
    fix_random_seed(0)
    losses: Dict[str, float] = {}
    nlp.update(case.new_task(corpus, nlp), sgd=False, drop=0.0, losses=losses,
               exclude=untrained(case, nlp), annotates=list(case.frozen))
    return float(losses[case.name])


def untrained(case, nlp) -> List[str]:
    trained = set(case.protected)
    encoder = cases.shared_encoder(nlp, case.name)
    if encoder and encoder not in case.frozen:
        trained.add(encoder)
    return [name for name in nlp.pipe_names if name not in trained]


def fine_tune(case, nlp, corpus, batch_size: int) -> None:
    """test_pipes.fine_tune with another batch size."""
    fix_random_seed(0)
    exclude = untrained(case, nlp)
    optimizer = nlp.create_optimizer()
    optimizer.learn_rate = cases.LEARN_RATE
    examples = case.new_task(corpus, nlp)
    for _ in range(cases.EPOCHS):
        for batch in cases.minibatch(examples, batch_size):
            nlp.update(batch, sgd=optimizer, drop=0.0, exclude=exclude, annotates=list(case.frozen))


def run_case(case, corpus, original, grown, lambdas, normalize, batch_size) -> Dict:
    """Plain once, then EWC at each λ (on the scale `normalize`), from one start."""
    start = start_of(case, corpus, original, grown)
    held = case.held(corpus)
    before = cases.predict(start, case.name, held)
    states = {
        name: EWC(start, case.fisher["predicted"](corpus, original, start), pipe_name=name,
                  fisher="predicted", normalize=normalize)
        for name in case.protected
    }
    parts = {name: (s.theta_star.copy(), s.fisher_raw.copy(), s.n_examples) for name, s in states.items()}

    def measure(nlp) -> Dict:
        return {
            "drift": {name: s.compute_drift(nlp) for name, s in states.items()},
            "agreement": case.agreement(before, cases.predict(nlp, case.name, held)),
            "new_task": new_task_score(case, nlp, corpus),
            "new_task_loss": new_task_loss(case, nlp, corpus),
        }

    start_loss = new_task_loss(case, cases.clone(start), corpus)
    plain = cases.clone(start)
    fine_tune(case, plain, corpus, batch_size)
    out = {"plain": measure(plain), "ewc": {}, "scale": {}, "start_new_task_loss": start_loss}
    for name, s in states.items():
        out["scale"][name] = scales(s.fisher_raw)
    for lambda_ in lambdas:
        nlp = cases.clone(start)
        for name, (theta, fisher, n) in parts.items():
            state = EWC.from_parts(nlp, theta.copy(), fisher.copy(), n,
                                   lambda_=lambda_, pipe_name=name, normalize=normalize)
            component = nlp.get_pipe(name)
            component.model = EWCModelWrapper(component.model, state.apply_ewc_penalty_to_gradients)
        fine_tune(case, nlp, corpus, batch_size)
        result = measure(nlp)
        result["ratio"] = {n: result["drift"][n] / out["plain"]["drift"][n] for n in states}
        learnt = start_loss - out["plain"]["new_task_loss"]
        result["loss_reduction"] = (start_loss - result["new_task_loss"]) / learnt
        out["ewc"][repr(lambda_)] = result
        msg.text(f"{case.name} λ={lambda_:g}: drift ratio "
                 + ", ".join(f"{n} {r:.3f}" for n, r in result["ratio"].items())
                 + f"; agreement {result['agreement']:.3f} (plain {out['plain']['agreement']:.3f})"
                 + f"; new task {result['new_task']:.3f} (plain {out['plain']['new_task']:.3f})")
        if len(lambdas) > 1 and max(result["ratio"].values()) < 0.1:
            break
    return out


def scales(fisher) -> Dict[str, float]:
    """Candidate divisors of one component's raw Fisher."""
    import numpy

    flat = numpy.concatenate([numpy.asarray(f).ravel() for f in fisher.values()])
    return {
        "mean": float(flat.mean()),
        "max": float(flat.max()),
        "q99": float(numpy.quantile(flat, 0.99)),
        "q999": float(numpy.quantile(flat, 0.999)),
        "median_nonzero": float(numpy.median(flat[flat > 0])) if (flat > 0).any() else 0.0,
        "q9999": float(numpy.quantile(flat, 0.9999)),
        "top100": float(numpy.sort(flat)[-100:].mean()),
        "top1pct_mean": float(numpy.sort(flat)[-max(flat.size // 100, 1):].mean()),
        "peak": float(numpy.mean([numpy.asarray(f).max() for f in fisher.values()])),
        "array_mean_max": float(max(numpy.asarray(f).mean() for f in fisher.values())),
        "size": int(flat.size),
    }


def needed_lambda(result: Dict, name: str, target: float = 0.2) -> Optional[float]:
    """The raw λ at which the drift ratio of `name` first falls to `target` (log-log interpolation)."""
    points = sorted((float(lam), run["ratio"][name]) for lam, run in result["ewc"].items())
    for (l0, r0), (l1, r1) in zip(points, points[1:]):
        if r0 > target >= r1:
            t = (math.log(r0) - math.log(target)) / (math.log(r0) - math.log(r1))
            return math.exp(math.log(l0) + t * (math.log(l1) - math.log(l0)))
    return points[0][0] if points and points[0][1] <= target else None


def sweep_table(results: Dict) -> str:
    """λ needed for drift ≤ 1/5 of plain, per component, on the raw scale and on each divisor of F."""
    divisors = ["mean", "max", "peak", "q99", "q999", "q9999", "median_nonzero", "top100", "array_mean_max"]
    rows = ["| component | raw | " + " | ".join(divisors) + " |", "|---|" + "---:|" * (len(divisors) + 1)]
    needs: Dict[str, List[float]] = {d: [] for d in ["raw", *divisors]}
    for case, result in results.items():
        for name, scale in result["scale"].items():
            lam = needed_lambda(result, name)
            if lam is None:
                largest = max(map(float, result["ewc"]))
                rows.append(f"| {case}/{name} | > {largest:.3g} |" + " |" * len(divisors))
                continue
            values = [lam] + [lam * scale[d] for d in divisors]
            for d, v in zip(needs, values):
                needs[d].append(v)
            rows.append(f"| {case}/{name} | " + " | ".join(f"{v:.3g}" for v in values) + " |")
    spread = [max(v) / min(v) if v and min(v) > 0 else float("nan") for v in needs.values()]
    rows.append("| **spread** | " + " | ".join(f"{v:.3g}" for v in spread) + " |")
    return "\n".join(rows) + "\n"


def write_table(results: Dict, settings: Dict, out: Path) -> None:
    rows = ["| component | drift ratio EWC / plain | old-prediction agreement EWC (plain) "
            "| new-task score EWC / plain | new-task loss reduction EWC / plain |", "|---|---|---|---|---|"]
    for name, result in results.items():
        ewc = next(iter(result["ewc"].values()))
        ratio = ", ".join(f"{n} {r:.3f}" if len(ewc["ratio"]) > 1 else f"{r:.3f}"
                          for n, r in ewc["ratio"].items())
        plain_new = result["plain"]["new_task"]
        share = f"{ewc['new_task'] / plain_new:.0%}" if plain_new else "–"
        rows.append(f"| {name} | {ratio} | {ewc['agreement']:.3f} ({result['plain']['agreement']:.3f}) "
                    f"| {share} ({ewc['new_task']:.3f} / {plain_new:.3f}) | {ewc['loss_reduction']:.0%} |")
    text = (
        "# EWC on every component type at the default λ\n\n"
        f"Generated by `python benchmarks/components.py` (λ = {settings['lambda']:g}, "
        f"normalize = {settings['normalize']!r}, batch size {settings['batch_size']}, "
        f"{cases.EPOCHS} epochs of {cases.N_NEW} new-task examples, Fisher from the model's own "
        "predictions; the cases of tests/test_pipes.py). Drift is Σ F (θ − θ*)² of the protected "
        "weights; agreement is with the start's predictions on held-out sentences; new-task score is "
        "spaCy's Scorer on the new-task examples (– where plain scores 0); loss reduction is how much "
        "of plain's drop of the component's loss on those examples EWC reaches. See docs/lambda.md.\n\n"
        + "\n".join(rows) + f"\n\nRun time: {settings['seconds']:.0f} s on {settings['machine']}.\n"
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "components.md").write_text(text, encoding="utf8")
    (out / "components.json").write_text(
        json.dumps({"settings": settings, "results": results}, indent=2), encoding="utf8")
    msg.good(f"Wrote {out / 'components.md'}")


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if not args.data.is_dir():
        msg.fail(f"Data folder {args.data} not found: pass --data (see shared/data/README.md)", exits=1)
    conftest.DATA_DIR = cases.DATA_DIR = args.data
    began = time.time()
    cases.N_FISHER = args.n_fisher
    corpus, original = corpus_and_start()
    grown: Dict = {}
    picked = [c for c in cases.CASES if not args.only or c.name in args.only]
    normalize = None if args.sweep else ewc_module.DEFAULT_NORMALIZATION
    lambdas = SWEEP if args.sweep else [args.lambda_]
    results = {c.name: run_case(c, corpus, original, grown, lambdas, normalize, args.batch_size)
               for c in picked}
    import platform

    settings = {"lambda": args.lambda_, "normalize": normalize, "batch_size": args.batch_size,
                "sweep": args.sweep, "seconds": time.time() - began,
                "machine": f"{platform.machine()}, spaCy {spacy.__version__}"}
    out = args.out or (None if args.only or args.sweep else RESULTS)
    if args.sweep:
        path = (args.out or HERE / ".cache") / "components-sweep.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"settings": settings, "results": results}, indent=2), encoding="utf8")
        path.with_suffix(".md").write_text(sweep_table(results), encoding="utf8")
        msg.good(f"Wrote {path} and {path.with_suffix('.md')}")
    elif out is not None:
        write_table(results, settings, out)


if __name__ == "__main__":
    main()
