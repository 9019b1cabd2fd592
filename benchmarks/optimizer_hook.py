"""Prototype: the EWC pull in the optimizer call instead of the model's `finish_update`.

    python benchmarks/optimizer_hook.py [--batches 30] [--batch-size 16] [--repeats 3] [--data DIR]

thinc's `Model.finish_update` calls `optimizer((node.id, name), param, grad)` for every
parameter that has a gradient, so an optimizer that adds λ·F·(θ−θ*) to `grad` before
calling Adam would need no model wrapper. This script runs, in one process and on the
same batches (interleaved batch by batch, so machine noise hits all alike), en_core_web_sm's
ner trained on NCBI DISEASE sentences three ways: plain, `EWCModelWrapper` (spacy-ewc's
way) and the optimizer hook, and prints

* the median seconds per `nlp.update` of each and the ratios (wrapper/plain, hook/plain);
* how far the hook's parameters are from the wrapper's after the same updates;
* what the hook misses: protected parameters without a gradient in a step (no pull), and
  the parameters whose (node.id, name) key is gone after `resize_output` (a new label).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Dict, Tuple

import numpy
import spacy
from bench_data import NEW_LABEL, check_data_dir, default_data_dir, load_ncbi
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import Optimizer

from spacy_ewc import EWC, protect
from spacy_ewc.ewc import math as ewc_math
from spacy_ewc.ewc.params import iter_params, unwrap

VARIANTS = ("plain", "wrapper", "hook")


class EWCOptimizer:
    """An optimizer that adds λ·F·(θ−θ*) to the gradient of each protected parameter, then
    steps `optimizer`. Keys are thinc's (node.id, name), taken when the hook is made."""

    def __init__(self, optimizer: Optimizer, ewc: EWC):
        self.optimizer = optimizer
        self.entries: Dict[Tuple[int, str], tuple] = {}
        for ref in iter_params(unwrap(ewc.pipe.model)):
            anchor = ewc.theta_star[ref.key]
            scaled = ewc.lambda_ * ewc.fisher_matrix[ref.key]
            self.entries[(ref.node.id, ref.name)] = (anchor, scaled, numpy.empty_like(anchor))
        self.pulled = set()

    def __call__(self, key, weights, gradient, *, lr_scale: float = 1.0):
        entry = self.entries.get(key)
        if entry is not None:
            anchor, scaled, buffer = entry
            gradient += ewc_math.penalty_gradient(weights, anchor, scaled, out=buffer)
            self.pulled.add(key)
        return self.optimizer(key, weights, gradient, lr_scale=lr_scale)

    def __getattr__(self, name):
        return getattr(self.optimizer, name)


def params_of(nlp) -> Dict[str, numpy.ndarray]:
    refs = iter_params(unwrap(nlp.get_pipe("ner").model))
    return {ref.key: ref.node.get_param(ref.name).copy() for ref in refs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lambda", dest="lambda_", type=float, default=None, help="λ (default: EWC's)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default ../shared/data)")
    args = parser.parse_args()
    data_dir = check_data_dir((args.data or default_data_dir()).resolve())

    base = spacy.load("en_core_web_sm")
    base.get_pipe("ner").add_label(NEW_LABEL)  # before θ* is taken: same node ids for all three
    data = base.to_bytes()
    train_docs = load_ncbi(data_dir, "train", base.vocab)[: args.batches * args.batch_size]
    fisher_texts = [doc.text for doc in load_ncbi(data_dir, "devel", base.vocab)[:60]]

    models, optimizers = {}, {}
    for name in VARIANTS:
        nlp = spacy.load("en_core_web_sm")
        nlp.get_pipe("ner").add_label(NEW_LABEL)
        nlp.from_bytes(data)
        models[name] = nlp
    kwargs = {} if args.lambda_ is None else {"lambda_": args.lambda_}
    protect(models["wrapper"], fisher_texts, pipe_name="ner", **kwargs)
    hook_state = EWC(models["hook"], fisher_texts, pipe_name="ner", **kwargs)
    for name in VARIANTS:
        optimizers[name] = models[name].resume_training()
    optimizers["hook"] = EWCOptimizer(optimizers["hook"], hook_state)

    batches = {
        name: list(minibatch([Example(nlp.make_doc(d.text), d) for d in train_docs], args.batch_size))
        for name, nlp in models.items()
    }
    times = {name: [] for name in VARIANTS}
    missed = []
    for repeat in range(args.repeats):
        for i in range(len(batches["plain"])):
            for name in VARIANTS:
                nlp = models[name]
                optimizers["hook"].pulled.clear()
                fix_random_seed(repeat * 10_000 + i)  # ner's oracle cut is random: same cut for all
                started = time.perf_counter()
                with nlp.select_pipes(enable="ner"):
                    nlp.update(batches[name][i], sgd=optimizers[name], drop=0.0)
                times[name].append(time.perf_counter() - started)
            missed.append(len(optimizers["hook"].entries) - len(optimizers["hook"].pulled))

    median = {name: statistics.median(values) for name, values in times.items()}
    theta = {name: params_of(models[name]) for name in VARIANTS}
    moved = max(float(numpy.abs(theta["wrapper"][k] - theta["plain"][k]).max()) for k in theta["plain"])
    gap = max(float(numpy.abs(theta["hook"][k] - theta["wrapper"][k]).max()) for k in theta["plain"])
    drift = {name: hook_state.compute_drift(models[name]) for name in VARIANTS}

    before = set(optimizers["hook"].entries)
    models["hook"].get_pipe("ner").add_label("CHEMICAL")
    after = {(ref.node.id, ref.name) for ref in iter_params(unwrap(models["hook"].get_pipe("ner").model))}
    lost = sorted(name for (_, name) in before - after)

    n_updates = len(times["plain"])
    print(f"updates per variant: {n_updates} (batch size {args.batch_size}, ner only, drop 0)")
    for name in VARIANTS:
        print(f"{name:8s} nlp.update: {median[name] * 1000:8.2f} ms (median)")
    print(f"ratio wrapper/plain: {median['wrapper'] / median['plain']:.3f}")
    print(f"ratio hook/plain   : {median['hook'] / median['plain']:.3f}")
    print(f"ratio hook/wrapper : {median['hook'] / median['wrapper']:.3f}")
    print(f"max |θ_wrapper − θ_plain| after {n_updates} updates: {moved:.3g}")
    print(f"max |θ_hook − θ_wrapper|  after {n_updates} updates: {gap:.3g}")
    print("Fisher-weighted drift: " + ", ".join(f"{k} {v:.4g}" for k, v in drift.items()))
    print(f"protected arrays: {len(before)}; with no gradient (no pull from the hook) per update: "
          f"median {statistics.median(missed)}, max {max(missed)}")
    print(f"keys gone after resize_output (a new label): {len(lost)} {lost}")


if __name__ == "__main__":
    main()
