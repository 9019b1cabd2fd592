"""Bad inputs and faults, walked as a table: each one is a coded error, none is silent.

The pipeline is spacy.blank("en") with an ner trained a few steps here; faults during a
save are simulated by making numpy.savez, os.replace or a write fail half-way, and the
previous state must then load bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example
from typer.testing import CliRunner

from spacy_ewc import EWC, load_pipeline, save_pipeline
from spacy_ewc.cli import app
from spacy_ewc.ewc.continual import estimate, merge, shard_bounds
from spacy_ewc.ner_trainer import train_ner_with_ewc
from spacy_ewc.serialize import state_path
from spacy_ewc.training import fisher_data_reader
from spacy_ewc.utils import add_pseudo_labels
from spacy_ewc.utils.generate_spacy_entities import generate_spacy_entities

TRAIN = [
    ("Apple hired Tim Cook in 1998.", {"entities": [(0, 5, "ORG"), (12, 20, "PERSON")]}),
    ("Paris is in France.", {"entities": [(0, 5, "GPE"), (12, 18, "GPE")]}),
    ("Google bought YouTube.", {"entities": [(0, 6, "ORG"), (14, 21, "ORG")]}),
    ("Angela Merkel visited Berlin.", {"entities": [(0, 13, "PERSON"), (22, 28, "GPE")]}),
]


SMALL_NER = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
        "hidden_width": 16, "maxout_pieces": 2, "use_upper": True, "nO": None,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 16, "depth": 1,
            "embed_size": 300, "window_size": 1, "maxout_pieces": 2, "subword_features": True,
        },
    }
}


def _blank_ner() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("ner", config=SMALL_NER)
    return nlp


def _trained() -> spacy.language.Language:
    nlp = _blank_ner()
    examples = [Example.from_dict(nlp.make_doc(text), annotations) for text, annotations in TRAIN]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    return nlp


@pytest.fixture(scope="module")
def trained():
    nlp = _trained()
    return nlp, nlp.get_pipe("ner").to_bytes()


@pytest.fixture()
def tiny(trained):
    """The trained blank pipeline with a fresh copy of its ner, for one case (cheaper than a new nlp)."""
    nlp, ner_bytes = trained
    for name in list(nlp.pipe_names):
        nlp.remove_pipe(name)
    nlp.add_pipe("ner", config=SMALL_NER).from_bytes(ner_bytes)
    return nlp


@pytest.fixture()
def state(tiny):
    return EWC(tiny, TRAIN, lambda_=3.0, fisher="empirical")


class Case:
    """What a case may use: the pipeline, its state, a saved copy of it, a folder."""

    def __init__(self, nlp, state, tmp_path):
        self.nlp, self.state, self.tmp = nlp, state, tmp_path
        self.saved = tmp_path / "state"
        state.to_disk(self.saved)

    def edit(self, meta=None, arrays=None, checksum=True):
        """Change the saved ewc.json / arrays.npz; `checksum` keeps the recorded checksum true."""
        meta_path, arrays_path = self.saved / "ewc.json", self.saved / "arrays.npz"
        data = json.loads(meta_path.read_text())
        if arrays is not None:
            with numpy.load(arrays_path) as npz:
                contents = {name: npz[name] for name in npz.files}
            arrays(contents)
            numpy.savez(arrays_path, **contents)
        if meta is not None:
            meta(data)
        if checksum and "arrays_sha256" in data:
            data["arrays_sha256"] = hashlib.sha256(arrays_path.read_bytes()).hexdigest()
        meta_path.write_text(json.dumps(data))

    def load(self):
        return EWC.from_disk(self.saved, self.nlp)

    def other_vocab_doc(self):
        return Doc(spacy.blank("en").vocab, words=["Apple", "is", "big"])


def _set(field, value):
    return lambda meta: meta.__setitem__(field, value)


def _arr(name, change):
    return lambda arrays: arrays.__setitem__(name, change(arrays[name]))


def _fisher_index(c, ndim=2):
    keys = json.loads((c.saved / "ewc.json").read_text())["keys"]
    return next(i for i, k in enumerate(keys) if c.state.theta_star[k].ndim == ndim and c.state.theta_star[k].shape[0] > 1)


def _nan(a):
    a = a.copy()
    a.flat[0] = numpy.nan
    return a


def _truncate_consistently(c):
    i = _fisher_index(c)
    c.edit(
        arrays=lambda arrays: [arrays.__setitem__(f"{p}_{i}", arrays[f"{p}_{i}"][:1]) for p in
                               ("theta_star", "fisher", "fisher_raw") if f"{p}_{i}" in arrays],
        meta=lambda meta: meta["shapes"].__setitem__(i, [1] + meta["shapes"][i][1:]),
    )
    c.load()


def _swap_same_shape(c):
    keys = json.loads((c.saved / "ewc.json").read_text())["keys"]
    shapes = [c.state.theta_star[k].shape for k in keys]
    i, j = next((i, j) for i in range(len(keys)) for j in range(i + 1, len(keys)) if shapes[i] == shapes[j])

    def swap(arrays):
        arrays[f"fisher_{i}"], arrays[f"fisher_{j}"] = arrays[f"fisher_{j}"], arrays[f"fisher_{i}"]

    c.edit(arrays=swap, checksum=False)
    c.load()


def _garbage_npz(c, checksum):
    (c.saved / "arrays.npz").write_bytes(b"PK\x03\x04 not really a zip")
    c.edit(meta=(lambda meta: meta.pop("arrays_sha256")) if not checksum else None, checksum=checksum)
    with pytest.warns(UserWarning, match=r"\[W030\]"):
        c.load()


def _truncated_npz(c):
    data = (c.saved / "arrays.npz").read_bytes()
    (c.saved / "arrays.npz").write_bytes(data[: len(data) // 2])
    c.edit(checksum=True)
    c.load()


def _merge_other_pipeline(c):
    other = _blank_ner().from_bytes(c.nlp.to_bytes())
    merge([estimate(c.nlp, TRAIN[:2]), estimate(other, TRAIN[2:], offset=2)])


def _consolidate_other_pipeline(c):
    other = _blank_ner().from_bytes(c.nlp.to_bytes())
    c.state.consolidate(EWC(other, TRAIN))


def _from_parts(c, theta=None, fisher=None, **kwargs):
    theta = c.state.theta_star.copy() if theta is None else theta
    fisher = c.state.fisher_raw.copy() if fisher is None else fisher
    EWC.from_parts(c.nlp, theta, fisher, kwargs.pop("n_examples", 4), **kwargs)


def _replace(c, key, value):
    parts = c.state.fisher_raw.copy()
    parts[key] = value
    return parts


def _raises(call):
    with pytest.raises(ValueError):
        call()


def _off_scale(call):
    """`call` after the [W200] warning that a λ this far above the default gives first."""
    with pytest.warns(UserWarning, match=r"\[W200\]"):
        return call()


def _first_key(c):
    return next(k for k, v in c.state.theta_star.items() if v.ndim == 2 and v.shape[0] > 1)


CASES = [
    # ------------------------------------------------ state files: every field and array checked
    ("nan_fisher", lambda c: (c.edit(arrays=_arr(f"fisher_{_fisher_index(c)}", _nan)), c.load()), "E030", "NaN"),
    ("negative_fisher", lambda c: (c.edit(arrays=_arr(f"fisher_{_fisher_index(c)}", lambda a: -a - 1)), c.load()),
     "E030", "negative"),
    ("nan_theta_star", lambda c: (c.edit(arrays=_arr(f"theta_star_{_fisher_index(c)}", _nan)), c.load()),
     "E030", "NaN"),
    ("broadcast_shape", lambda c: (c.edit(arrays=_arr(f"fisher_{_fisher_index(c)}", lambda a: a[:1])), c.load()),
     "E030", "shape"),
    ("truncated_rows_grown_back", _truncate_consistently, "E030", "no labels"),
    ("swapped_keys", _swap_same_shape, "E030", "checksum"),
    ("int_dtype", lambda c: (c.edit(arrays=_arr("fisher_0", lambda a: a.astype("int32"))), c.load()),
     "E030", "float"),
    ("missing_array", lambda c: (c.edit(arrays=lambda a: a.pop("theta_star_0")), c.load()), "E030", "missing"),
    ("extra_array", lambda c: (c.edit(arrays=lambda a: a.__setitem__("x", numpy.zeros(2))), c.load()),
     "E030", "does not list"),
    ("normalize_bogus", lambda c: (c.edit(meta=_set("normalize", "bogus")), c.load()), "E030", "normalize"),
    ("n_examples_abc", lambda c: (c.edit(meta=_set("n_examples", "abc")), c.load()), "E030", "n_examples"),
    ("tasks_negative", lambda c: (c.edit(meta=_set("tasks", -3)), c.load()), "E030", "tasks"),
    ("lambda_negative", lambda c: (c.edit(meta=_set("lambda", -1)), c.load()), "E030", "lambda"),
    ("lambda_huge_in_file", lambda c: (c.edit(meta=_set("lambda", 1e300)), c.load()), "E041", "not finite"),
    ("fisher_scale_zero", lambda c: (c.edit(meta=_set("fisher_scale", 0)), c.load()), "E030", "fisher_scale"),
    ("fisher_kind_bogus", lambda c: (c.edit(meta=_set("fisher_kind", "gold")), c.load()), "E030", "fisher_kind"),
    ("keys_missing", lambda c: (c.edit(meta=lambda m: m.pop("keys")), c.load()), "E030", "keys"),
    ("shapes_wrong_length", lambda c: (c.edit(meta=lambda m: m["shapes"].pop()), c.load()), "E030", "shapes"),
    ("shards_disagree", lambda c: (c.edit(meta=_set("shards", [[0, 2]])), c.load()), "E030", "shards"),
    ("checksum_mismatch", lambda c: (c.edit(arrays=_arr("fisher_0", lambda a: a * 2), checksum=False), c.load()),
     "E030", "checksum"),
    ("garbage_npz_no_checksum", lambda c: _garbage_npz(c, checksum=False), "E030", "BadZipFile"),
    ("truncated_npz", _truncated_npz, "E030", "not a readable"),
    ("json_invalid", lambda c: ((c.saved / "ewc.json").write_text("{not json"), c.load()), "E030", "JSON"),
    ("json_not_object", lambda c: ((c.saved / "ewc.json").write_text("[1, 2]"), c.load()), "E030", "object"),
    ("format_99", lambda c: (c.edit(meta=_set("format", 99)), c.load()), "E015", "version 99"),
    ("state_path_none", lambda c: EWC.from_disk(None, c.nlp), "E056", "path"),
    ("no_state", lambda c: EWC.from_disk(c.tmp / "nowhere", c.nlp), "E013", "No EWC state"),
    ("state_of_other_component", lambda c: EWC.from_disk(c.saved, c.nlp, pipe_name="nerr"), "E002", "nerr"),
    # ------------------------------------------------ where states are written
    ("to_disk_onto_a_file", lambda c: ((c.tmp / "f").write_text("x"), c.state.to_disk(c.tmp / "f")),
     "E031", "is a file"),
    ("to_disk_into_other_folder", lambda c: ((c.saved / "notes.txt").write_text("x"), c.state.to_disk(c.saved)),
     "E031", "other files"),
    ("save_pipeline_over_a_folder", lambda c: ((c.tmp / "home").mkdir(), (c.tmp / "home" / "x").write_text("x"),
                                               save_pipeline(c.nlp, c.tmp / "home", c.state)), "E032", "config.cfg"),
    ("component_name_escapes", lambda c: (c.nlp.rename_pipe("ner", "../../x"), save_pipeline(
        c.nlp, c.tmp / "model", EWC(c.nlp, TRAIN, pipe_name="../../x"))), "E033", "../../x"),
    ("state_path_escapes", lambda c: state_path(c.tmp, "../x"), "E033", "plain folder name"),
    ("save_pipeline_no_states", lambda c: save_pipeline(c.nlp, c.tmp / "m", None), "E051", "states"),
    ("save_pipeline_not_nlp", lambda c: save_pipeline("en_core_web_sm", c.tmp / "m", c.state), "E056", "Language"),
    # ------------------------------------------------ states from arrays
    ("from_parts_nan_theta", lambda c: _from_parts(c, theta={k: _nan(v) for k, v in c.state.theta_star.items()}),
     "E040", "NaN"),
    ("from_parts_negative_fisher", lambda c: _from_parts(
        c, fisher=_replace(c, _first_key(c), -c.state.fisher_raw[_first_key(c)] - 1)), "E040", "negative"),
    ("from_parts_shape", lambda c: _from_parts(
        c, fisher=_replace(c, _first_key(c), c.state.fisher_raw[_first_key(c)][:1])), "E040", "shape"),
    ("from_parts_keys", lambda c: _from_parts(c, fisher={k: v for k, v in list(c.state.fisher_raw.items())[1:]}),
     "E040", "different keys"),
    ("from_parts_list", lambda c: _from_parts(c, fisher=[1, 2]), "E040", "dict"),
    ("from_parts_n_examples", lambda c: _from_parts(c, n_examples=0), "E054", "n_examples"),
    ("from_parts_kind", lambda c: _from_parts(c, fisher_kind="gold"), "E047", "gold"),
    ("from_parts_broadcast_theta", lambda c: _from_parts(
        c, theta={k: (v[:, :1] if v.ndim == 2 else v) for k, v in c.state.theta_star.items()},
        fisher={k: (v[:, :1] if v.ndim == 2 else v) for k, v in c.state.fisher_raw.items()}), "E012", "shape"),
    # ------------------------------------------------ strengths
    ("lambda_huge", lambda c: _off_scale(lambda: EWC(c.nlp, TRAIN, lambda_=1e300)), "E041", "not finite"),
    ("set_lambda_huge", lambda c: c.state.set_lambda(1e300), "E041", "smaller"),
    ("set_lambda_huge_keeps_lambda", lambda c: (_raises(lambda: c.state.set_lambda(1e300)),
                                                c.state.set_lambda(c.state.lambda_ * 1e300)), "E041", "lambda_=3e+300"),
    ("nan_weights", lambda c: (c.nlp.get_pipe("ner").model.get_ref("upper").set_param(
        "b", c.nlp.get_pipe("ner").model.get_ref("upper").get_param("b") * numpy.nan), EWC(c.nlp, TRAIN)),
     "E044", "NaN"),
    ("lambda_nan", lambda c: EWC(c.nlp, TRAIN, lambda_=float("nan")), "E008", "finite"),
    ("gamma_inf", lambda c: c.state.consolidate(EWC(c.nlp, TRAIN[:2]), gamma=float("inf")), "E042", "gamma"),
    ("gamma_overflows", lambda c: c.state.consolidate(EWC(c.nlp, TRAIN[:2]), gamma=1e300), "E043", "gamma"),
    # ------------------------------------------------ data sets
    ("data_str", lambda c: EWC(c.nlp, "Apple Inc. is based in Cupertino."), "E050", "single str"),
    ("data_bytes", lambda c: EWC(c.nlp, b"Apple Inc."), "E050", "single bytes"),
    ("data_doc", lambda c: EWC(c.nlp, c.nlp.make_doc("Apple Inc.")), "E050", "single Doc"),
    ("data_dict", lambda c: EWC(c.nlp, {"text": "Apple"}), "E050", "single dict"),
    ("data_none", lambda c: EWC(c.nlp, None), "E051", "None"),
    ("data_int", lambda c: EWC(c.nlp, 3), "E050", "int"),
    ("span_empty", lambda c: EWC(c.nlp, [("Apple is big.", {"entities": [(3, 3, "ORG")]})]), "E052", "start < end"),
    ("span_reversed", lambda c: EWC(c.nlp, [("Apple is big.", {"entities": [(5, 0, "ORG")]})]), "E052", "(5, 0"),
    ("span_past_end", lambda c: EWC(c.nlp, [("Apple", {"entities": [(0, 50, "ORG")]})]), "E052", "5 characters"),
    ("doc_other_vocab", lambda c: EWC(c.nlp, [c.other_vocab_doc()]), "E053", "another Vocab"),
    ("entities_str", lambda c: generate_spacy_entities("Apple is big.", c.nlp), "E050", "single str"),
    ("entities_elements", lambda c: generate_spacy_entities(["Apple", 3], c.nlp), "E202", "Sentence 1"),
    ("pseudo_labels_str", lambda c: add_pseudo_labels("Apple is big.", c.nlp), "E050", "single str"),
    ("pseudo_labels_batch", lambda c: add_pseudo_labels(
        [Example.from_dict(c.nlp.make_doc("Apple"), {})], c.nlp, batch_size=0), "E054", "batch_size"),
    ("trainer_str", lambda c: train_ner_with_ewc(c.nlp.get_pipe("ner"), "Apple", c.state), "E050", "single str"),
    ("trainer_drop", lambda c: train_ner_with_ewc(c.nlp.get_pipe("ner"), [], c.state, drop=1.5), "E055", "drop"),
    ("trainer_no_ewc", lambda c: train_ner_with_ewc(c.nlp.get_pipe("ner"), [], None), "E056", "EWC"),
    ("trainer_other_vocab", lambda c: train_ner_with_ewc(
        c.nlp.get_pipe("ner"), [Example(c.other_vocab_doc(), c.other_vocab_doc())], c.state), "E053", "Vocab"),
    ("normalize_sum", lambda c: EWC(c.nlp, TRAIN, normalize="sum"), "E046", "sum"),
    ("seed_negative", lambda c: EWC(c.nlp, TRAIN, seed=-1), "E054", "seed"),
    ("n_process_zero", lambda c: estimate(c.nlp, TRAIN, n_process=0), "E054", "n_process"),
    ("offset_negative", lambda c: estimate(c.nlp, TRAIN, offset=-1), "E054", "offset"),
    ("n_process_component", lambda c: estimate(c.nlp.get_pipe("ner"), TRAIN, n_process=2), "E079", "Language"),
    ("callback_jsonl_no_text", lambda c: ((c.tmp / "f.jsonl").write_text('{"text": "A."}\n{"txt": "B."}\n'),
                                          list(fisher_data_reader(str(c.tmp / "f.jsonl"))(c.nlp))), "E095", "Line 2"),
    ("shard_out_of_range", lambda c: shard_bounds(10, 3, 2), "E080", "0..1"),
    # ------------------------------------------------ merge and consolidate
    ("merge_other_lambda", lambda c: merge([estimate(c.nlp, TRAIN[:2], 3.0), estimate(c.nlp, TRAIN[2:], 5.0, offset=2)]),
     "E071", "lambda_"),
    ("merge_same_shard_twice", lambda c: merge([c.state, c.state]), "E074", "overlapping"),
    ("merge_equal_estimates", lambda c: merge([estimate(c.nlp, TRAIN[:2]), estimate(c.nlp, TRAIN[:2])]),
     "E074", "overlapping"),
    ("merge_overlapping", lambda c: merge([estimate(c.nlp, TRAIN[:3]), estimate(c.nlp, TRAIN[2:], offset=2)]),
     "E074", "[0, 3) and [2, 4)"),
    ("merge_other_pipeline", _merge_other_pipeline, "E075", "another pipeline"),
    ("merge_nothing", lambda c: merge([]), "E070", "at least one"),
    ("merge_not_states", lambda c: merge([c.state, "state"]), "E037", "State 1 is a str"),
    ("consolidate_itself", lambda c: c.state.consolidate(c.state), "E076", "itself"),
    ("consolidate_other_pipeline", _consolidate_other_pipeline, "E077", "another pipeline"),
    ("consolidate_not_a_state", lambda c: c.state.consolidate("new"), "E037", "str"),
]


@pytest.mark.parametrize("name,fault,code,words", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_a_coded_error(name, fault, code, words, tiny, state, tmp_path):
    case = Case(tiny, state, tmp_path)
    with pytest.raises((ValueError, TypeError, OSError)) as info:
        fault(case)
    message = str(info.value)
    assert message.startswith(f"[{code}]"), message
    assert words in message, message


def test_state_without_checksum_warns_and_loads(tiny, state, tmp_path):
    case = Case(tiny, state, tmp_path)
    case.edit(meta=lambda meta: meta.pop("arrays_sha256"))
    with pytest.warns(UserWarning, match=r"\[W030\]"):
        assert case.load().n_examples == state.n_examples


# ---------------------------------------------------------------- faults during a save


def _fail_savez_half_way(monkeypatch):
    real = numpy.savez

    def savez(file, **arrays):
        Path(file).write_bytes(b"PK\x03\x04 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(numpy, "savez", savez)
    return real


def _fail_replace(monkeypatch, call):
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(src)
        if len(calls) == call:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def _fail_json_write(monkeypatch):
    real = Path.write_text

    def write_text(self, text, *args, **kwargs):
        if self.name == "ewc.json":
            real(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError(28, "No space left on device")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


FAULTS = [
    ("savez_half_way", _fail_savez_half_way),
    ("first_replace", lambda m: _fail_replace(m, 1)),
    ("second_replace", lambda m: _fail_replace(m, 2)),
    ("json_half_way", _fail_json_write),
]


def _snapshot(folder: Path):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _arrays(ewc):
    return {key: (ewc.theta_star[key].tobytes(), ewc.fisher_matrix[key].tobytes()) for key in ewc.theta_star}


@pytest.mark.parametrize("fault", [f[1] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_failed_state_save_keeps_the_previous_state(fault, tiny, state, tmp_path, monkeypatch):
    state.to_disk(tmp_path / "state")
    before = _snapshot(tmp_path / "state")
    newer = EWC(tiny, TRAIN[:2], lambda_=7.0)
    with monkeypatch.context() as patch:
        fault(patch)
        with pytest.raises(OSError, match="No space"):
            newer.to_disk(tmp_path / "state")
    assert _snapshot(tmp_path / "state") == before
    assert _arrays(EWC.from_disk(tmp_path / "state", tiny)) == _arrays(state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]


@pytest.mark.parametrize("fault", [f[1] for f in FAULTS[:3]], ids=[f[0] for f in FAULTS[:3]])
def test_failed_pipeline_save_keeps_the_previous_pipeline(fault, tiny, state, tmp_path, monkeypatch):
    save_pipeline(tiny, tmp_path / "model", state)
    before = _snapshot(tmp_path / "model")
    tiny.get_pipe("ner").add_label("DISEASE")
    with monkeypatch.context() as patch:
        fault(patch)
        with pytest.raises(OSError, match="No space"):
            save_pipeline(tiny, tmp_path / "model", EWC(tiny, TRAIN[:2], lambda_=7.0))
    assert _snapshot(tmp_path / "model") == before
    loaded_nlp, states = load_pipeline(tmp_path / "model")
    assert "DISEASE" not in loaded_nlp.get_pipe("ner").labels
    assert _arrays(states["ner"]) == _arrays(state)


# ---------------------------------------------------------------- processes


@pytest.mark.slow
def test_parallel_estimate_equals_one_pass_after_add_label(tiny):
    """Workers load the pipeline from disk, which drops the ner's unseen_classes: they are carried."""
    tiny.get_pipe("ner").add_label("DISEASE")
    single = EWC(tiny, TRAIN, normalize=None)
    parallel = estimate(tiny, TRAIN, normalize=None, n_process=2)
    for key in single.fisher_raw:
        numpy.testing.assert_allclose(parallel.fisher_raw[key], single.fisher_raw[key], rtol=1e-4, atol=1e-12)


# ---------------------------------------------------------------- command line


runner = CliRunner()


@pytest.fixture(scope="module")
def cli_files(trained, tmp_path_factory):
    """A text file, a pipeline folder with its state, a pipeline without ner, a plain file."""
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "texts.txt").write_text("\n".join(t for t, _ in TRAIN) + "\n", encoding="utf8")
    nlp = _blank_ner()
    nlp.get_pipe("ner").from_bytes(trained[1])
    save_pipeline(nlp, tmp / "model", EWC(nlp, TRAIN))
    spacy.blank("en").to_disk(tmp / "blank")
    (tmp / "file").write_text("x")
    return tmp


def _corrupt(tmp):
    shutil.copytree(tmp / "model", tmp / "broken")
    npz = tmp / "broken" / "ewc" / "ner" / "arrays.npz"
    npz.write_bytes(npz.read_bytes()[:100])
    return tmp / "broken" / "ewc" / "ner"


NOT_A_MODEL = "no_such_model_xyz"
CLI_CASES = [
    # options are checked before the model is loaded: NOT_A_MODEL is never looked up
    ("limit_negative", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "x", "--limit", -5], "E090"),
    ("kind_bogus", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "x", "-k", "gold"], "E090"),
    ("normalize_bogus", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "x", "--normalize", "sum"],
     "E090"),
    ("lambda_nan", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "x", "-l", "nan"], "E090"),
    ("n_process_zero", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "x", "-n", 0], "E090"),
    ("shard_bad", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "x", "--shard", "3/2"], "E090"),
    ("output_is_a_file", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt", "-o", t / "file"], "E091"),
    ("pipe_escapes", lambda t: ["fisher", t / "model", t / "texts.txt", "-p", "../x"], "E033"),
    ("no_default_output", lambda t: ["fisher", NOT_A_MODEL, t / "texts.txt"], "E099"),
    ("data_not_utf8", lambda t: ((t / "bin.txt").write_bytes(b"\xff\xfe\x00bad"),
                                 ["fisher", t / "model", t / "bin.txt"])[1], "E083"),
    ("jsonl_bad_entities", lambda t: ((t / "e.jsonl").write_text('{"text": "Apple", "entities": [[0, 5]]}\n'),
                                      ["fisher", t / "model", t / "e.jsonl"])[1], "E095"),
    ("missing_data", lambda t: ["fisher", NOT_A_MODEL, t / "missing.txt", "-o", t / "x"], "E092"),
    ("gamma_negative", lambda t: ["consolidate", NOT_A_MODEL, t / "texts.txt", "-s", t / "model" / "ewc" / "ner",
                                  "-g", -1], "E090"),
    ("consolidate_data_and_new", lambda t: ["consolidate", NOT_A_MODEL], "E098"),
    ("consolidate_no_state", lambda t: ["consolidate", NOT_A_MODEL, t / "texts.txt", "-s", t / "nothing"], "E013"),
    ("merge_missing_shard", lambda t: ["merge", NOT_A_MODEL, t / "nothing", "-o", t / "x"], "E013"),
    ("evaluate_limit", lambda t: ["evaluate", NOT_A_MODEL, t / "texts.txt", "-r", NOT_A_MODEL, "--limit", -1],
     "E090"),
    ("evaluate_output_folder", lambda t: ["evaluate", NOT_A_MODEL, t / "texts.txt", "-r", NOT_A_MODEL, "-o", t],
     "E091"),
    ("evaluate_output_nowhere", lambda t: ["evaluate", NOT_A_MODEL, t / "texts.txt", "-r", NOT_A_MODEL,
                                           "-o", t / "no" / "r.json"], "E091"),
    # user errors after loading: still one line and exit code 1
    ("reference_without_ner", lambda t: ["evaluate", t / "model", t / "texts.txt", "-r", t / "blank"], "E097"),
    ("corrupt_arrays", lambda t: ["merge", t / "model", _corrupt(t), "-o", t / "x"], "E030"),
    ("same_shard_twice", lambda t: ["merge", t / "model", t / "model" / "ewc" / "ner", t / "model" / "ewc" / "ner",
                                    "-o", t / "x"], "E074"),
]


@pytest.mark.parametrize("name,args,code", CLI_CASES, ids=[case[0] for case in CLI_CASES])
def test_cli_user_error_is_one_line_and_exit_code_1(name, args, code, cli_files):
    result = runner.invoke(app, [str(arg) for arg in args(cli_files)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output + repr(result.exception)
    assert len(lines) == 1 and f"[{code}]" in lines[0], result.output
    assert "Traceback" not in result.output and NOT_A_MODEL not in lines[0].split(f"[{code}]")[0]


def test_cli_fisher_limit_zero_still_means_all(cli_files):
    result = runner.invoke(app, ["fisher", str(cli_files / "model"), str(cli_files / "texts.txt"), "--limit", "0"])
    assert result.exit_code == 0, result.output
    assert EWC.from_disk(state_path(cli_files / "model"), spacy.load(cli_files / "model")).n_examples == len(TRAIN)


def test_every_code_is_in_the_catalogue_page():
    from spacy_ewc.errors import Errors, Warnings

    page = (Path(__file__).resolve().parents[1] / "docs" / "errors.md").read_text(encoding="utf8")
    codes = [k for cls in (Errors, Warnings) for k in vars(cls) if k[:1] in "EW" and k[1:].isdigit()]
    assert [code for code in codes if f"| {code} |" not in page] == []
