"""Teach en_core_web_sm a new entity label, DISEASE: plainly, with EWC, and with the recipe.

Steps, as in `main`:

1. Load en_core_web_sm four times: the original (the reference), a copy to fine-tune
   plainly, a copy to fine-tune with EWC alone and a copy for the keep-both recipe.
2. Build the EWC state for `ner` from everyday sentences labelled by the original model
   (data_examples/original_spacy_labels.py) and wrap the component, then add DISEASE.
   The recipe copy is protected the same way and its training examples are completed with
   its own entities (`ewc.add_pseudo_labels`, gold wins), the everyday sentences replayed
   among them.
3. Fine-tune plain and EWC on the same batches of data_examples/training_data.py, in the
   same order, with the same seed and optimizer settings: the only difference is the EWC
   penalty. The recipe trains on its completed examples for the same number of epochs.
   By default only the DISEASE annotations of the training sentences are used, as in a
   corpus made for the new label (`--keep-old-annotations` keeps their old labels too).
4. Print a table: agreement with the original model on held-out everyday sentences (old
   labels), DISEASE precision/recall/F1 on held-out sentences, the Fisher-weighted drift,
   and the entities each model finds in one test sentence.

Run it with `make example` or `python examples/ewc_ner_training_example.py --help`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy
import spacy
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from wasabi import msg

from spacy_ewc import EWC, RECIPE_LAMBDA, protect
from spacy_ewc.ewc import math as ewc_math
from spacy_ewc.ewc.ewc import DEFAULT_LAMBDA
from spacy_ewc.ewc.params import iter_params

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from data_examples.heldout_new import HELDOUT_NEW  # noqa: E402
from data_examples.heldout_old import HELDOUT_OLD  # noqa: E402
from data_examples.original_spacy_labels import ORIGINAL_SPACY_LABELS  # noqa: E402
from data_examples.training_data import TRAINING_DATA  # noqa: E402

MODEL = "en_core_web_sm"
NEW_LABEL = "DISEASE"
TEST_SENTENCE = (
    "Elon Musk founded SpaceX in 2002 as the CEO and lead engineer, investing approximately "
    "$100 million of his own money into the company, which was initially based in El Segundo, "
    "California."
)
MIN_SUPPORT = 10  # old labels with fewer held-out mentions get no row of their own

DEFAULTS = {
    "seed": 0,
    "epochs": 15,
    "lambda_": DEFAULT_LAMBDA,
    "recipe_lambda": RECIPE_LAMBDA,
    "fisher": "empirical",
    "normalize": "peak",
    "drop": 0.1,
    "batch_size": 8,
    "keep_old_annotations": False,
}


def main(
    seed: int = DEFAULTS["seed"],
    epochs: int = DEFAULTS["epochs"],
    lambda_: float = DEFAULTS["lambda_"],
    recipe_lambda: float = DEFAULTS["recipe_lambda"],
    fisher: str = DEFAULTS["fisher"],
    normalize: str = DEFAULTS["normalize"],
    drop: float = DEFAULTS["drop"],
    batch_size: int = DEFAULTS["batch_size"],
    training_data: Sequence = TRAINING_DATA,
    keep_old_annotations: bool = DEFAULTS["keep_old_annotations"],
) -> Dict[str, dict]:
    """Fine-tune a plain, an EWC and a recipe copy of the model on DISEASE; print and return the scores."""
    start = time.perf_counter()
    if not keep_old_annotations:
        training_data = [
            (text, {**annots, "entities": [e for e in annots["entities"] if e[2] == NEW_LABEL]})
            for text, annots in training_data
        ]
    original = spacy.load(MODEL)
    plain = spacy.load(MODEL)
    with_ewc = spacy.load(MODEL)
    recipe = spacy.load(MODEL)

    ewc = protect(
        with_ewc, ORIGINAL_SPACY_LABELS, lambda_, pipe_name="ner", fisher=fisher, normalize=normalize
    )
    msg.info(
        f"EWC on 'ner': λ={ewc.lambda_:g}, fisher={ewc.fisher_kind}, normalize={ewc.normalize}, "
        f"estimated on {ewc.n_examples} sentences labelled by the original model"
    )
    recipe_ewc = protect(recipe, ORIGINAL_SPACY_LABELS, recipe_lambda, fisher=fisher, normalize=normalize)
    recipe_examples = recipe_ewc.add_pseudo_labels(
        [Example.from_dict(recipe.make_doc(text), annots) for text, annots in training_data],
        replay=[text for text, _ in ORIGINAL_SPACY_LABELS],
        seed=seed,
    )
    msg.info(
        f"Recipe: EWC λ={recipe_ewc.lambda_:g}, {len(training_data)} training sentences completed with "
        f"the original model's entities, {len(recipe_examples) - len(training_data)} everyday sentences "
        "replayed"
    )

    batches = shuffled_batches(training_data, epochs, batch_size, seed)
    annotations = "all their annotations" if keep_old_annotations else f"{NEW_LABEL} annotations only"
    msg.info(
        f"Fine-tuning on {len(training_data)} {NEW_LABEL} sentences ({annotations}): {epochs} epochs, "
        f"batch size {batch_size}, dropout {drop}, seed {seed}"
    )
    for nlp in (plain, with_ewc):
        fine_tune(nlp, batches, seed, drop)
    fine_tune(recipe, shuffled_batches(recipe_examples, epochs, batch_size, seed), seed, drop)

    results = {
        "plain": evaluate(plain, original, ewc),
        "EWC": evaluate(with_ewc, original, ewc),
        "recipe": evaluate(recipe, original, ewc),
    }
    print_report(results, original)
    msg.good(f"Done in {time.perf_counter() - start:.0f} s")
    return results


def shuffled_batches(data: Sequence, epochs: int, batch_size: int, seed: int) -> List[list]:
    """Every epoch's batches, in one fixed order, so both models see exactly the same updates."""
    rng = random.Random(seed)
    batches = []
    for _ in range(epochs):
        order = list(data)
        rng.shuffle(order)
        batches.extend(minibatch(order, size=batch_size))
    return batches


def fine_tune(nlp: Language, batches: List[list], seed: int, drop: float) -> None:
    """Add the new label to `ner` and update only `ner` on `batches` (same seed, same optimizer);
    a batch holds (text, annotations) pairs or Examples."""
    fix_random_seed(seed)
    nlp.get_pipe("ner").add_label(NEW_LABEL)
    optimizer = nlp.create_optimizer()
    with nlp.select_pipes(enable="ner"):
        for batch in batches:
            examples = [
                eg if isinstance(eg, Example) else Example.from_dict(nlp.make_doc(eg[0]), eg[1])
                for eg in batch
            ]
            nlp.update(examples, drop=drop, sgd=optimizer)


def evaluate(nlp: Language, original: Language, ewc: EWC) -> dict:
    """Old-label agreement with `original`, new-label scores and the Fisher-weighted drift."""
    reference = list(original.pipe(HELDOUT_OLD))
    predicted = nlp.pipe(HELDOUT_OLD)
    old = get_ner_prf(Example(doc, ref) for doc, ref in zip(predicted, reference))
    new = get_ner_prf(
        Example.from_dict(doc, annots)
        for doc, (_, annots) in zip(nlp.pipe(text for text, _ in HELDOUT_NEW), HELDOUT_NEW)
    )
    return {
        "old": old,
        "old_support": label_counts(reference),
        "new": (new["ents_per_type"] or {}).get(NEW_LABEL, {"p": 0.0, "r": 0.0, "f": 0.0}),
        "drift": fisher_weighted_drift(nlp, ewc),
        "test_entities": entities(nlp(TEST_SENTENCE)),
    }


def fisher_weighted_drift(nlp: Language, ewc: EWC) -> float:
    """Σ F (θ − θ*)² of `nlp`'s ner, with the θ* and F that `ewc` took from the original model.

    The same number as `ewc.compute_drift()`, computable for a model that was never wrapped.
    Output rows added for the new label have no θ* and get zero importance, as in EWC.
    """
    params = {ref.key: ref.node.get_param(ref.name) for ref in iter_params(nlp.get_pipe("ner").model)}
    theta_star, fisher = {}, {}
    for key, anchor in ewc.theta_star.items():
        param = params[key]
        theta_star[key] = ewc_math.grow(anchor, param.shape, param)
        fisher[key] = ewc_math.grow(ewc.fisher_matrix[key], param.shape, numpy.zeros_like(param))
    return ewc_math.drift(params, theta_star, fisher)


def label_counts(docs: Sequence) -> Counter:
    return Counter(ent.label_ for doc in docs for ent in doc.ents)


def entities(doc) -> str:
    return ", ".join(f"{ent.text} ({ent.label_})" for ent in doc.ents) or "(none)"


def print_report(results: Dict[str, dict], original: Language) -> None:
    """The side-by-side table and the test sentence's entities."""
    names = list(results)
    support = results[names[0]]["old_support"]
    old_labels = [label for label, n in support.most_common() if n >= MIN_SUPPORT]

    def row(title: str, values: List[float], fmt: str = "{:.2f}") -> Tuple[str, ...]:
        return (title, *(fmt.format(v) for v in values))

    def old_f(name: str, label: str) -> float:
        return (results[name]["old"]["ents_per_type"] or {}).get(label, {}).get("f", 0.0)

    blank = ("",) * len(names)
    rows = [(f"Old labels, agreement with the original ({len(HELDOUT_OLD)} sentences)", *blank)]
    for label in old_labels:
        rows.append(row(f"  {label} F (n={support[label]})", [old_f(n, label) for n in names]))
    for key, title in (("ents_p", "P"), ("ents_r", "R"), ("ents_f", "F")):
        values = [results[n]["old"][key] or 0.0 for n in names]
        rows.append(row(f"  micro {title} (n={sum(support.values())})", values))
    rows.append((f"New label {NEW_LABEL}, against gold ({len(HELDOUT_NEW)} sentences)", *blank))
    for key, title in (("p", "P"), ("r", "R"), ("f", "F")):
        rows.append(row(f"  {title}", [results[n]["new"][key] for n in names]))
    rows.append(row("Fisher-weighted drift Σ F(θ−θ*)²", [results[n]["drift"] for n in names], "{:.3g}"))
    msg.table(rows, header=("", *names), divider=True, aligns=("l", *("r" for _ in names)), max_col=80)

    print(f"Entities in: {TEST_SENTENCE!r}")
    width = max(len(name) for name in ("original", *names))
    print(f"  {'original':<{width}}  {entities(original(TEST_SENTENCE))}")
    for name in names:
        print(f"  {name:<{width}}  {results[name]['test_entities']}")
    print()


def parse_args(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--lambda", dest="lambda_", type=float, default=DEFAULTS["lambda_"],
                        help="EWC strength (F is scaled as --normalize says)")
    parser.add_argument("--recipe-lambda", type=float, default=DEFAULTS["recipe_lambda"],
                        help="EWC strength in the recipe, with pseudo-labels and replay")
    parser.add_argument("--fisher", choices=("empirical", "predicted", "auto"), default=DEFAULTS["fisher"])
    parser.add_argument("--normalize", choices=("peak", "mean", "max", "none"), default=DEFAULTS["normalize"])
    parser.add_argument("--drop", type=float, default=DEFAULTS["drop"], help="dropout while fine-tuning")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    parser.add_argument("--keep-old-annotations", action="store_true",
                        help="train on the old-label annotations of the training sentences too")
    args = vars(parser.parse_args(argv))
    if args["normalize"] == "none":
        args["normalize"] = None
    return args


if __name__ == "__main__":
    main(**parse_args())
