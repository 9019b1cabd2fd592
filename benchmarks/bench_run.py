"""One benchmark job in its own process: `python bench_run.py SPEC.json RESULT.json`.

A job is either a Fisher estimate (saved for the EWC runs to load) or one method run:
load en_core_web_sm, set the method up, teach DISEASE with the shared loop, score. Running
each job in a fresh process makes its peak memory (ru_maxrss) its own and its randomness
depend on the seed alone. The spacy-ewc 0.1.1 job runs this same file with the Python of
its own virtual environment, so this module imports `spacy_ewc` only inside the methods.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence

import spacy
from bench_data import NEW_LABEL, load_ncbi, load_wikigold, sample
from bench_eval import raw_copy, score_disease, score_silver, score_wikigold
from bench_train import train
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import fix_random_seed

MODEL = "en_core_web_sm"


class Clock:
    """A callable that times the function it wraps (the per-update EWC penalty)."""

    def __init__(self, function):
        self.function = function
        self.seconds = 0.0

    def __call__(self, *args):
        start = time.perf_counter()
        self.function(*args)
        self.seconds += time.perf_counter() - start


def load_docs(path: Path, vocab) -> List[Doc]:
    return list(DocBin().from_disk(path).get_docs(vocab))


def as_examples(docs: Sequence[Doc]) -> List[Example]:
    """Examples on the given tokens (for docs built from a corpus' words)."""
    return [Example(raw_copy(doc), doc) for doc in docs]


def text_examples(nlp, docs: Sequence[Doc]) -> List[Example]:
    """Examples on re-tokenised text (for docs that came from raw text through `nlp`), so
    tokenizer exceptions give the same NORM features as when the entities were predicted."""
    return [Example(nlp.make_doc(doc.text), doc) for doc in docs]


def training_examples(spec: dict, vocab) -> List[Example]:
    s = spec["settings"]
    docs = sample(load_ncbi(Path(spec["data_dir"]), "train", vocab), s["n_train"], s["seed"])
    if spec.get("self_training"):
        for doc in docs:
            doc.ents = []
    return as_examples(docs)


# ---------------------------------------------------------------- Fisher job


def fisher_data(spec: dict, nlp) -> tuple:
    """The Fisher data of a source: raw texts ("predicted") or pre-labelled Examples."""
    cache = Path(spec["cache_dir"])
    source = spec["source"]
    wiki = load_docs(cache / "fisher_wiki.spacy", nlp.vocab)
    if source == "wiki":
        return [doc.text for doc in wiki], "predicted", text_examples(nlp, wiki)
    examples = []
    if source in ("wiki-empirical", "both"):
        examples += text_examples(nlp, wiki)
    if source in ("ncbi", "both"):
        examples += as_examples(load_docs(cache / "fisher_ncbi.spacy", nlp.vocab))
    return examples, "empirical", examples


def run_fisher(spec: dict) -> dict:
    """Estimate and save F for one source; time it against one training epoch on the same docs."""
    from spacy_ewc import EWC

    nlp = spacy.load(MODEL)
    fix_random_seed(spec["settings"]["seed"])
    data, kind, labelled = fisher_data(spec, nlp)
    start = time.perf_counter()
    ewc = EWC(nlp, data, lambda_=1.0, fisher=kind, normalize="mean")
    fisher_s = time.perf_counter() - start
    ewc.to_disk(spec["state_dir"])
    same_as_predicted = compare_to_predicted(spec, nlp, ewc) if spec["source"] == "wiki-empirical" else None
    s = spec["settings"]
    log = train(nlp, labelled, nlp.create_optimizer(), epochs=1, batch_size=s["batch_size"],
                drop=s["drop"], seed=s["seed"])
    return {
        "source": spec["source"],
        "fisher_kind": kind,
        "n_docs": len(labelled),
        "n_words": sum(len(eg.reference) for eg in labelled),
        "fisher_s": round(fisher_s, 2),
        "epoch_s": round(log.seconds, 2),
        "fisher_epoch_ratio": round(fisher_s / log.seconds, 2),
        **({"max_rel_diff_to_predicted": same_as_predicted} if same_as_predicted is not None else {}),
    }


def compare_to_predicted(spec: dict, nlp, ewc) -> float:
    """Largest difference between this raw Fisher and the "predicted" one on the same text,
    relative to each array's largest entry."""
    from spacy_ewc import EWC

    other = EWC.from_disk(Path(spec["state_dir"]).parent / "wiki", nlp)
    return max(
        float(abs(ewc.fisher_raw[key] - raw).max()) / max(float(raw.max()), 1e-30)
        for key, raw in other.fisher_raw.items()
    )


# ---------------------------------------------------------------- methods


def wrap(nlp, ewc) -> Clock:
    from spacy_ewc import EWCModelWrapper

    ner = nlp.get_pipe("ner")
    clock = Clock(ewc.apply_ewc_penalty_to_gradients)
    ner.model = EWCModelWrapper(ner.model, clock)
    return clock


def load_ewc(spec: dict, nlp):
    """The saved EWC state of the job's Fisher source, at the job's λ and normalisation.

    "mean" (the library's default up to 0.2), "peak" (the default since) and "max" differ
    only by one constant factor: the same frontier at other λ. "per-array" (measured here,
    not a library option) divides each array's F by that array's own mean, so every layer
    gets the same average strength.
    """
    from spacy_ewc import EWC
    from spacy_ewc.ewc import VectorDict
    from spacy_ewc.ewc import math as ewc_math

    ewc = EWC.from_disk(spec["state_dir"], nlp)
    if spec.get("normalize") == "peak":
        scaled, ewc.fisher_scale = ewc_math.normalize(ewc.fisher_raw, "peak")
        ewc.fisher_matrix = VectorDict(scaled)
        ewc.normalize = "peak"
    if spec.get("normalize", "mean") == "per-array":
        for key, raw in ewc.fisher_raw.items():
            mean = float(raw.mean())
            ewc.fisher_matrix[key] = raw / mean if mean > 0 else raw
    ewc.set_lambda(spec["lambda"])
    ewc._reset_cache()
    return ewc


def uniform_ewc(spec: dict, nlp, texts: Sequence[str]):
    """EWC with F = 1 everywhere: a plain L2 pull to the starting weights."""
    import numpy

    from spacy_ewc import EWC

    ewc = EWC(nlp, list(texts[:2]), lambda_=spec["lambda"], fisher="predicted")
    for key in list(ewc.fisher_matrix):
        ewc.fisher_matrix[key] = numpy.ones_like(ewc.fisher_matrix[key])
    ewc._reset_cache()
    return ewc


def legacy_ewc(spec: dict, nlp, fisher_examples: Sequence[Example]) -> dict:
    """spacy-ewc 0.1.1 through its documented API (run with that package's interpreter)."""
    from importlib.metadata import version

    import spacy_ewc
    from spacy_ewc import create_ewc_pipe

    found = version("spacy-ewc")
    if found != "0.1.1":
        raise RuntimeError(
            f"The legacy job needs spacy-ewc 0.1.1, this Python has {found} ({spacy_ewc.__file__})."
        )
    start = time.perf_counter()
    ner = create_ewc_pipe(nlp, list(fisher_examples), lambda_=spec["lambda"], pipe_name="ner")
    fisher_s = time.perf_counter() - start
    clock = ner.model.apply_ewc_penalty_to_gradients = Clock(ner.model.apply_ewc_penalty_to_gradients)
    return {"fisher_s": round(fisher_s, 2), "package": f"spacy-ewc {found}"}, clock


def setup_method(spec: dict, nlp, examples: List[Example]) -> tuple:
    """Apply the method before the new label is added.

    Returns (examples, rehearsal examples, info, clock of the per-update penalty)."""
    from_cache = Path(spec["cache_dir"])
    method = spec["method"]
    info: Dict[str, object] = {}
    rehearsal, clock = None, None
    if spec.get("pseudo"):
        from spacy_ewc import add_pseudo_labels

        replay = None
        if spec.get("replay"):
            replay = [doc.text for doc in load_docs(from_cache / "fisher_wiki.spacy", nlp.vocab)]
        with nlp.select_pipes(enable=["ner"]):
            examples = add_pseudo_labels(examples, nlp, labels=spec.get("pseudo_labels"), replay=replay,
                                         replay_ratio=spec.get("replay", 0.0), seed=spec["settings"]["seed"])
        info["pseudo_entities"] = sum(len(eg.reference.ents) for eg in examples)
        info["replayed"] = len(examples) - spec["settings"]["n_train"]
    if method == "ewc":
        clock = wrap(nlp, load_ewc(spec, nlp))
    elif method == "l2":
        wiki = load_docs(from_cache / "fisher_wiki.spacy", nlp.vocab)
        clock = wrap(nlp, uniform_ewc(spec, nlp, [doc.text for doc in wiki]))
    elif method == "legacy":
        wiki = load_docs(from_cache / "fisher_wiki.spacy", nlp.vocab)
        legacy_info, clock = legacy_ewc(spec, nlp, text_examples(nlp, wiki))
        info.update(legacy_info)
    elif method == "rehearsal":
        wiki = load_docs(from_cache / "fisher_wiki.spacy", nlp.vocab)
        rehearsal = [Example.from_dict(nlp.make_doc(doc.text), {}) for doc in wiki]
    elif method not in ("plain", "original"):
        raise ValueError(f"Unknown method {method!r}.")
    return examples, rehearsal, info, clock


def run_method(spec: dict) -> dict:
    start = time.perf_counter()
    s = spec["settings"]
    nlp = spacy.load(MODEL)
    fix_random_seed(s["seed"])
    data_dir, cache = Path(spec["data_dir"]), Path(spec["cache_dir"])
    examples = training_examples(spec, nlp.vocab)
    prep_start = time.perf_counter()
    examples, rehearsal, info, clock = setup_method(spec, nlp, examples)
    prep_s = time.perf_counter() - prep_start
    result: Dict[str, object] = {"prep_s": round(prep_s, 2), **info}
    if spec["method"] != "original":
        nlp.get_pipe("ner").add_label(NEW_LABEL)
        sgd = nlp.resume_training() if rehearsal else nlp.create_optimizer()
        log = train(nlp, examples, sgd, epochs=spec["epochs"], batch_size=s["batch_size"],
                    drop=s["drop"], seed=s["seed"], rehearsal=rehearsal,
                    rehearsal_batch_size=s["rehearsal_batch_size"])
        extra = (clock.seconds if clock else 0.0) + log.rehearse_seconds
        result.update({
            "train_s": round(log.seconds, 2),
            "extra_s": round(extra, 2),
            "update_overhead": round(log.seconds / (log.seconds - extra), 3),
            "updates": log.updates,
            "update_s_median": round(log.per_update(), 5),
            "final_loss": round(sum(log.losses[-20:]) / max(1, len(log.losses[-20:])), 3),
        })
    eval_start = time.perf_counter()
    averaged = spec.get("averages") and spec["method"] != "original"
    with nlp.use_params(sgd.averages) if averaged else contextlib.nullcontext():
        if spec.get("second_component"):
            nlp = second_component(nlp, spec["second_component"])
        result.update(evaluate(nlp, s, data_dir, cache))
    result["eval_s"] = round(time.perf_counter() - eval_start, 2)
    result["job_s"] = round(time.perf_counter() - start, 2)
    return result


def second_component(trained, where: str):
    """The original pipeline with `trained`'s ner added before or after its own ner; the
    later one keeps the entities the earlier sets. Sourcing shares the component object, so
    it runs with `trained`'s current (averaged) weights. "before, new label only" keeps only
    the new label's entities of the trained ner before the original runs."""
    combined = spacy.load(MODEL)
    combined.add_pipe("ner", name="ner_new", source=trained, **{where.split(",")[0]: "ner"})
    if where.endswith("new label only"):
        combined.add_pipe("bench_keep_new_label", after="ner_new")
    return combined


@spacy.Language.component("bench_keep_new_label")
def keep_new_label(doc):
    doc.ents = [ent for ent in doc.ents if ent.label_ == NEW_LABEL]
    return doc


def evaluate(nlp, s: dict, data_dir: Path, cache: Path) -> Dict[str, object]:
    """Old labels (WikiGold gold, silver test and dev) and DISEASE (NCBI test and devel)."""
    wikigold = sample(load_wikigold(data_dir, nlp.vocab), s["n_wikigold"], s["seed"])
    test = sample(load_ncbi(data_dir, "test", nlp.vocab), s["n_test"], s["seed"])
    devel = sample(load_ncbi(data_dir, "devel", nlp.vocab), s["n_devel"], s["seed"])
    return {
        "wikigold": score_wikigold(nlp, wikigold),
        "silver": score_silver(nlp, load_docs(cache / "silver_test.spacy", nlp.vocab)),
        "silver_dev": score_silver(nlp, load_docs(cache / "silver_dev.spacy", nlp.vocab))["f"],
        "disease_test": score_disease(nlp, test),
        "disease_devel": score_disease(nlp, devel)["f"],
    }


def main(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf8"))
    result = run_fisher(spec) if spec.get("job") == "fisher" else run_method(spec)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(out_path).write_text(json.dumps(result, indent=2), encoding="utf8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
