"""EWC inside `spacy train`: the shipped config, run for a few steps on real NCBI data."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy
import pytest
import spacy
from conftest import NEW_LABEL, data_path
from spacy.cli.train import train
from spacy.tokens import DocBin
from spacy.training.converters import conll_ner_to_docs

from spacy_ewc import EWC
from spacy_ewc.ewc.params import iter_params
from spacy_ewc.training import (
    CALLBACK_NAME,
    LOGGER_NAME,
    create_ewc_callback,
    create_ewc_logger,
    fisher_data_reader,
)

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "ner_disease_ewc.cfg"
MAX_STEPS = 12
COUNTER = "test-spacy-ewc.count_steps.v1"
STEPS = {}
STEP0_TEXTS = []


@spacy.registry.callbacks(COUNTER)
def create_step_counter():
    """A [training.before_update] callback that records, before each step, how many
    `nlp.update` calls and EWC penalty applications the earlier steps made, and before
    the first step the labels and entities of the pipeline as `spacy train` set it up."""

    def count(nlp, args):
        if args["step"] == 0:
            STEPS.clear()
            STEPS.update(updates=0, penalties=0, seen=[], labels=nlp.get_pipe("ner").labels)
            STEPS["ents"] = [_ents(doc) for doc in nlp.pipe(STEP0_TEXTS)]
            _count_calls(nlp, "update", "updates")
            wrapper = nlp.get_pipe("ner").model
            if getattr(wrapper, "ewc", None) is not None:
                apply = wrapper.ewc.apply_ewc_penalty_to_gradients

                def counted(ewc, model=None):
                    STEPS["penalties"] += 1
                    return apply(model)

                wrapper.apply_ewc_penalty_to_gradients = types.MethodType(counted, wrapper.ewc)
        STEPS["seen"].append((args["step"], STEPS["updates"], STEPS["penalties"]))

    return count


def _count_calls(obj, method, key):
    original = getattr(obj, method)

    def counted(*args, **kwargs):
        STEPS[key] += 1
        return original(*args, **kwargs)

    setattr(obj, method, counted)


def _ents(doc):
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


def _ncbi_docbin(split: str, n_sents: int, path: Path) -> None:
    """The first sentences of an NCBI split through spaCy's CoNLL NER converter, as
    `python -m spacy convert --converter ner` reads them, with the label renamed."""
    text = data_path(f"ncbi_disease/{split}.tsv").read_text(encoding="utf8")
    sentences = text.strip().split("\n\n")[:n_sents]
    data = "\n\n".join(sentences).replace("-Disease", f"-{NEW_LABEL}")
    DocBin(docs=conll_ner_to_docs(data, n_sents=1, no_print=True)).to_disk(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, wiki_sentences):
    """Two tiny `spacy train` runs of the shipped config: with EWC, and without the block."""
    root = tmp_path_factory.mktemp("spacy_train")
    _ncbi_docbin("train", 40, root / "train.spacy")
    _ncbi_docbin("devel", 20, root / "dev.spacy")
    (root / "fisher.txt").write_text("\n".join(wiki_sentences[:40]), encoding="utf8")
    overrides = {
        "paths.train": str(root / "train.spacy"),
        "paths.dev": str(root / "dev.spacy"),
        "paths.fisher": str(root / "fisher.txt"),
        "training.max_steps": MAX_STEPS,
        "training.eval_frequency": 6,
        "training.accumulate_gradient": 3,
        "training.batcher.size": 400,
        "training.annotating_components": ["tok2vec", "tagger"],
        "training.before_update": {"@callbacks": COUNTER},
        # EWC alone's strength for this batcher (5 × DEFAULT_LAMBDA): the drift bound of
        # issue 13 is set for it; the shipped config runs the recipe at λ = 160.
        "initialize.after_init.lambda_": 10000.0,
    }
    STEP0_TEXTS[:] = wiki_sentences[60:100]
    train(CONFIG, root / "ewc", overrides=overrides)
    steps = dict(STEPS)
    train(CONFIG, root / "plain", overrides={**overrides, "initialize.after_init": None})
    return root, steps


def _state(run: Path, checkpoint: str = "model-last") -> Path:
    return run / checkpoint / "ewc" / "ner"


@pytest.mark.slow
def test_ewc_run_drifts_at_most_a_fifth_of_plain_run(runs):
    root, _ = runs
    state = _state(root / "ewc")
    drift = {}
    for name in ("ewc", "plain"):
        nlp = spacy.load(root / name / "model-last")
        assert NEW_LABEL in nlp.get_pipe("ner").labels
        drift[name] = EWC.from_disk(state, nlp, "ner").compute_drift()
    print(f"Fisher-weighted drift of ner: {drift}, ratio {drift['ewc'] / drift['plain']:.3f}")
    assert drift["plain"] > 0
    assert drift["ewc"] <= drift["plain"] / 5


@pytest.mark.slow
def test_sourced_ner_is_not_reinitialised_before_the_first_step(runs, nlp):
    _, steps = runs
    assert steps["labels"] == nlp.get_pipe("ner").labels
    assert NEW_LABEL not in steps["labels"]
    assert steps["ents"] == [_ents(doc) for doc in nlp.pipe(STEP0_TEXTS)]
    assert any(steps["ents"])


@pytest.mark.slow
def test_penalty_once_per_step_with_accumulated_gradients(runs):
    _, steps = runs
    assert [step for step, _, _ in steps["seen"]] == list(range(MAX_STEPS + 1))
    for step, updates, penalties in steps["seen"]:
        assert penalties == step
        assert updates >= 2 * step


@pytest.mark.slow
def test_state_saved_beside_checkpoints_with_old_weights_and_zero_new_rows(runs):
    root, _ = runs
    assert _state(root / "ewc", "model-best").is_dir()
    assert not (root / "plain" / "model-last" / "ewc").exists()
    keys = json.loads((_state(root / "ewc") / "ewc.json").read_text(encoding="utf8"))["keys"]
    with numpy.load(_state(root / "ewc") / "arrays.npz") as arrays:
        theta_star = [arrays[f"theta_star_{i}"] for i in range(len(keys))]
        fisher = [arrays[f"fisher_{i}"] for i in range(len(keys))]
    ner = spacy.load("en_core_web_sm").get_pipe("ner")
    params = {ref.key: ref.node.get_param(ref.name) for ref in iter_params(ner.model)}
    assert sorted(params) == sorted(keys)
    original = [params[key] for key in keys]
    grown = 0
    for anchor, importance, before in zip(theta_star, fisher, original):
        old = tuple(slice(0, n) for n in before.shape)
        numpy.testing.assert_array_equal(anchor[old], before)
        if anchor.shape != before.shape:
            grown += 1
            new = numpy.ones(anchor.shape, dtype=bool)
            new[old] = False
            assert float(importance[new].max()) == 0.0
            assert float(importance[old].sum()) > 0.0
    assert grown > 0


@pytest.mark.slow
def test_trained_pipeline_loads_without_spacy_ewc(runs):
    root, _ = runs
    code = (
        "import sys, spacy\n"
        f"nlp = spacy.load({str(root / 'ewc' / 'model-best')!r})\n"
        "doc = nlp('Barack Obama visited Paris to talk about breast cancer.')\n"
        "assert 'spacy_ewc' not in sys.modules, 'spacy_ewc was imported'\n"
        "print(nlp.pipe_names, [(e.text, e.label_) for e in doc.ents])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "'ner'" in out.stdout


def test_functions_registered_through_entry_points():
    code = (
        "import spacy\n"
        f"print(spacy.registry.callbacks.get({CALLBACK_NAME!r}).__module__, "
        f"spacy.registry.loggers.get({LOGGER_NAME!r}).__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["spacy_ewc.training", "spacy_ewc.training"]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"pipes": []}, ValueError, "pipes"),
        ({"pipes": "ner"}, ValueError, "pipes"),
        ({"lambda_": -1}, ValueError, "lambda_"),
        ({"fisher": "gold"}, ValueError, "fisher"),
        ({"normalize": "sum"}, ValueError, "normalize"),
        ({"limit": -3}, ValueError, "limit"),
        ({"data": None}, ValueError, "data"),
        ({"data": "no/such/file.txt"}, FileNotFoundError, "does not exist"),
    ],
)
def test_callback_checks_its_config_up_front(kwargs, error, words, tmp_path):
    (tmp_path / "texts.txt").write_text("Apple is a company.\n", encoding="utf8")
    settings = {"pipes": ["ner"], "lambda_": 10.0, "data": str(tmp_path / "texts.txt"), **kwargs}
    with pytest.raises(error, match=words):
        create_ewc_callback(**settings)


@pytest.mark.slow
def test_callback_names_unknown_and_frozen_components(nlp, tmp_path):
    (tmp_path / "texts.jsonl").write_text('{"text": "Apple is a company."}\n', encoding="utf8")
    with pytest.raises(ValueError, match="no component 'nerr'"):
        create_ewc_callback(["nerr"], 10.0, str(tmp_path / "texts.jsonl"))(nlp)
    nlp.config["training"]["frozen_components"] = ["ner"]
    with pytest.raises(ValueError, match="frozen_components"):
        create_ewc_callback(["ner"], 10.0, str(tmp_path / "texts.jsonl"))(nlp)


@pytest.mark.slow
def test_callback_wraps_and_warns_when_state_would_be_lost(nlp, tmp_path):
    texts = "Apple hired Tim Cook in 1998.\nParis is in France.\n"
    (tmp_path / "texts.txt").write_text(texts, encoding="utf8")
    with pytest.warns(UserWarning) as record:
        create_ewc_callback(["ner"], 10.0, str(tmp_path / "texts.txt"))(nlp)
    assert nlp.get_pipe("ner").model.ewc.n_examples == 2
    text = " ".join(str(w.message) for w in record)
    assert "[W101]" in text and "initialised from scratch" in text
    assert "[W102]" in text and LOGGER_NAME in text


@pytest.mark.slow
def test_fisher_data_from_text_jsonl_and_spacy_files(nlp, tmp_path):
    (tmp_path / "texts.txt").write_text("Apple is a company.\n\nParis is big.\n", encoding="utf8")
    (tmp_path / "texts.jsonl").write_text('{"text": "Apple is a company."}\n', encoding="utf8")
    _ncbi_docbin("devel", 3, tmp_path / "dev.spacy")
    texts = list(fisher_data_reader(str(tmp_path / "texts.txt"))(nlp))
    assert texts == ["Apple is a company.", "Paris is big."]
    assert list(fisher_data_reader(str(tmp_path / "texts.jsonl"))(nlp)) == ["Apple is a company."]
    examples = list(fisher_data_reader(str(tmp_path / "dev.spacy"))(nlp))
    assert len(examples) == 3 and all(eg.reference.has_annotation("ENT_IOB") for eg in examples)


@pytest.mark.slow
def test_logger_wraps_the_console_logger_by_default(nlp):
    log_step, finalize = create_ewc_logger()(nlp)
    log_step(None)
    finalize()
