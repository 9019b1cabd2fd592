"""The EWC state of a small ner (spacy.blank + a few training steps): keys, the Fisher,
growth after add_label, save/load, consolidation, merging and coded errors."""

from __future__ import annotations

import re
import warnings

import numpy
import pytest
import spacy
from conftest import blank_ner_from, ncbi_examples
from spacy.tokens import Doc
from spacy.training import Example

from spacy_ewc import EWC, EWCModelWrapper, protect
from spacy_ewc.errors import EWCWarning
from spacy_ewc.ewc.continual import estimate, merge
from spacy_ewc.ewc.ewc import DEFAULT_LAMBDA
from spacy_ewc.ewc.fisher import seed_example
from spacy_ewc.ewc.params import iter_params

SETTINGS = ("pipe_name", "lambda_", "normalize", "fisher_scale", "n_examples", "tasks", "fisher_kind")


@pytest.fixture(scope="module")
def small_nlp(_blank_ner_bytes):
    """One copy for the tests that only read the pipeline (EWC(...) leaves it as it was)."""
    return blank_ner_from(_blank_ner_bytes)


def same_arrays(a, b) -> bool:
    return list(a) == list(b) and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes() for k in a
    )


def test_state_covers_every_array_under_its_path(small_nlp):
    ner = small_nlp.get_pipe("ner")
    refs = list(iter_params(ner.model))
    ewc = EWC(small_nlp, ncbi_examples(small_nlp, "devel", 4), lambda_=1.0, normalize=None)
    assert ewc.keys == [ref.key for ref in refs]
    assert ewc.keys[-2:] == ["2/W", "2/b"] and ewc.fisher_kind == "empirical"
    assert ewc.n_examples == 4 and ewc.tasks == 1
    assert list(ewc.fisher_matrix) == ewc.keys and list(ewc.fisher_raw) == ewc.keys
    for ref in refs:
        param = ref.node.get_param(ref.name)
        numpy.testing.assert_array_equal(ewc.theta_star[ref.key], param)
        assert not numpy.shares_memory(ewc.theta_star[ref.key], param)
        assert ewc.fisher_matrix[ref.key].shape == param.shape
    assert all(float(f.min()) >= 0 for f in ewc.fisher_matrix.values())
    assert float(ewc.fisher_matrix["2/W"].sum()) > 0


def test_fisher_is_the_mean_of_per_example_squared_gradients(small_nlp, _blank_ner_bytes):
    examples = ncbi_examples(small_nlp, "devel", 3)
    ner = small_nlp.get_pipe("ner")
    before = {ref.key: ref.node.get_param(ref.name).copy() for ref in iter_params(ner.model)}
    ewc = EWC(small_nlp, examples, lambda_=1.0, fisher="empirical", normalize=None)
    expected = {}
    for index in range(len(examples)):
        fresh = blank_ner_from(_blank_ner_bytes)
        component = fresh.get_pipe("ner")
        component.cfg["update_with_oracle_cut_size"] = 0
        seed_example(0, index)
        component.update([ncbi_examples(fresh, "devel", 3)[index]], drop=0.0, sgd=None)
        for ref in iter_params(component.model):
            if ref.node.has_grad(ref.name):
                square = ref.node.get_grad(ref.name) ** 2
                expected[ref.key] = expected.get(ref.key, 0) + square / len(examples)
    assert set(expected) == set(ewc.fisher_raw)
    for key, value in expected.items():
        numpy.testing.assert_allclose(ewc.fisher_raw[key], value, rtol=1e-4, atol=1e-12)
    for ref in iter_params(ner.model):
        assert not ref.node.has_grad(ref.name)
        numpy.testing.assert_array_equal(ref.node.get_param(ref.name), before[ref.key])


def test_normalized_fisher_is_the_raw_one_over_its_scale(small_nlp):
    data = ncbi_examples(small_nlp, "devel", 3)
    for how in ("mean", "max"):
        ewc = EWC(small_nlp, data, lambda_=1.0, normalize=how)
        values = numpy.concatenate([v.ravel() for v in ewc.fisher_raw.values()])
        assert ewc.fisher_scale == pytest.approx(values.mean() if how == "mean" else values.max(), rel=1e-5)
        for key, raw in ewc.fisher_raw.items():
            numpy.testing.assert_allclose(ewc.fisher_matrix[key], raw / ewc.fisher_scale, rtol=1e-6)


def test_add_label_grows_theta_star_and_fisher_with_zero_importance(blank_ner):
    ewc = protect(blank_ner, ncbi_examples(blank_ner, "devel", 4), lambda_=2.0, normalize=None)
    anchor, fisher = ewc.theta_star.copy(), ewc.fisher_matrix.copy()
    ner = blank_ner.get_pipe("ner")
    ner.add_label("CHEMICAL")
    params = {ref.key: ref.node.get_param(ref.name) for ref in iter_params(ner.model)}
    grown = [key for key in anchor if params[key].shape != anchor[key].shape]
    assert grown == ["2/W", "2/b"]
    upper = ner.model.get_ref("upper")
    upper.set_param("W", upper.get_param("W") + 0.5)
    penalty = ewc.compute_gradient_penalty()
    n_old = anchor["2/W"].shape[0]
    assert params["2/W"].shape[0] > n_old
    numpy.testing.assert_array_equal(ewc.theta_star["2/W"][:n_old], anchor["2/W"])
    numpy.testing.assert_array_equal(ewc.fisher_matrix["2/W"][:n_old], fisher["2/W"])
    numpy.testing.assert_array_equal(ewc.fisher_matrix["2/W"][n_old:], 0.0)
    numpy.testing.assert_array_equal(ewc.fisher_raw["2/W"][n_old:], 0.0)
    numpy.testing.assert_allclose(penalty["2/W"][:n_old], 2.0 * fisher["2/W"] * 0.5, rtol=1e-5)
    numpy.testing.assert_array_equal(penalty["2/W"][n_old:], 0.0)
    assert isinstance(ner.model, EWCModelWrapper) and ner.model.ewc is ewc


def test_state_round_trip_is_bit_for_bit(small_nlp, _blank_ner_bytes, tmp_path):
    data = ncbi_examples(small_nlp, "devel", 4)
    ewc = EWC(small_nlp, data, lambda_=4.0, fisher="empirical", normalize="max")
    ewc.to_disk(tmp_path / "state")
    other = blank_ner_from(_blank_ner_bytes)
    for pipe in (small_nlp, other, other.get_pipe("ner")):
        loaded = EWC.from_disk(tmp_path / "state", pipe)
        for attr in ("theta_star", "fisher_matrix", "fisher_raw"):
            assert same_arrays(getattr(ewc, attr), getattr(loaded, attr)), attr
        for attr in SETTINGS:
            assert getattr(ewc, attr) == getattr(loaded, attr), attr


def test_grown_state_round_trip(blank_ner, tmp_path):
    ewc = EWC(blank_ner, ncbi_examples(blank_ner, "devel", 3), lambda_=1.0, normalize=None)
    blank_ner.get_pipe("ner").add_label("CHEMICAL")
    ewc.compute_gradient_penalty()
    ewc.to_disk(tmp_path / "state")
    loaded = EWC.from_disk(tmp_path / "state", blank_ner)
    assert same_arrays(ewc.theta_star, loaded.theta_star)
    assert same_arrays(ewc.fisher_matrix, loaded.fisher_matrix)


def test_bytes_round_trip_is_bit_for_bit_and_checked(small_nlp, _blank_ner_bytes):
    data = ncbi_examples(small_nlp, "devel", 4)
    ewc = EWC(small_nlp, data, lambda_=4.0, fisher="empirical", normalize="max")
    ewc.consolidate(EWC(small_nlp, ncbi_examples(small_nlp, "devel", 3), lambda_=4.0, normalize="max"))
    data = ewc.to_bytes()
    other = blank_ner_from(_blank_ner_bytes)
    loaded = EWC.from_bytes(data, other)
    assert loaded.pipe is other.get_pipe("ner") and loaded.tasks == 2
    for attr in ("theta_star", "fisher_matrix", "fisher_raw"):
        assert same_arrays(getattr(ewc, attr), getattr(loaded, attr)), attr
    for attr in (*SETTINGS, "shards", "converged", "fisher_batch_size"):
        assert getattr(ewc, attr) == getattr(loaded, attr), attr
    assert loaded.to_bytes() == data
    with pytest.raises(ValueError, match=r"\[E030\]"):
        EWC.from_bytes(data[: len(data) // 2], other)


def test_consolidate_adds_decayed_importance_and_moves_the_anchor(blank_ner):
    ewc = protect(blank_ner, ncbi_examples(blank_ner, "devel", 3), lambda_=2.0, normalize=None)
    old = ewc.fisher_matrix.copy()
    ner = blank_ner.get_pipe("ner")
    ner.add_label("CHEMICAL")
    upper = ner.model.get_ref("upper")
    upper.set_param("W", upper.get_param("W") + 0.01)
    new = EWC(blank_ner, ncbi_examples(blank_ner, "devel", 6)[3:], lambda_=2.0, normalize=None)
    ewc.consolidate(new, gamma=0.5)
    assert ewc.tasks == 2 and ewc.n_examples == 6 and ewc.fisher_kind == "empirical"
    assert same_arrays(ewc.theta_star, new.theta_star)
    assert not numpy.shares_memory(ewc.theta_star["2/W"], new.theta_star["2/W"])
    n_old = old["2/W"].shape[0]
    f = ewc.fisher_matrix["2/W"]
    numpy.testing.assert_allclose(f[:n_old], 0.5 * old["2/W"] + new.fisher_matrix["2/W"][:n_old], rtol=1e-6)
    numpy.testing.assert_allclose(f[n_old:], new.fisher_matrix["2/W"][n_old:], rtol=1e-6)
    numpy.testing.assert_allclose(
        ewc.fisher_matrix["0/2/W"], 0.5 * old["0/2/W"] + new.fisher_matrix["0/2/W"], rtol=1e-6
    )
    assert ewc.compute_drift() == pytest.approx(0.0, abs=1e-12)
    assert ner.model.ewc is ewc
    with pytest.raises(ValueError, match="gamma"):
        ewc.consolidate(new, gamma=-1)
    with pytest.raises(ValueError, match="normalize"):
        ewc.consolidate(EWC(blank_ner, ncbi_examples(blank_ner, "devel", 2), lambda_=2.0, normalize="mean"))


def test_shards_merge_into_the_single_pass(small_nlp):
    examples = ncbi_examples(small_nlp, "devel", 6)
    single = EWC(small_nlp, examples, lambda_=1.0, normalize="mean")
    shards = [
        estimate(small_nlp, examples[:2], 1.0, normalize="mean"),
        estimate(small_nlp, examples[2:], 1.0, normalize="mean", offset=2),
    ]
    merged = merge(shards)
    assert merged.n_examples == 6 and merged.tasks == 1
    assert same_arrays(merged.theta_star, single.theta_star)
    assert merged.fisher_scale == pytest.approx(single.fisher_scale, rel=1e-5)
    for key in single.fisher_raw:
        numpy.testing.assert_allclose(merged.fisher_raw[key], single.fisher_raw[key], rtol=1e-5, atol=1e-12)
        numpy.testing.assert_allclose(merged.fisher_matrix[key], single.fisher_matrix[key], rtol=1e-5)
    moved = estimate(small_nlp, examples[2:], 1.0, normalize="mean", offset=2)
    moved.theta_star["2/W"] = moved.theta_star["2/W"] + 1.0
    with pytest.raises(ValueError, match="θ\\*|other weights"):
        merge([shards[0], moved])
    shards[0].consolidate(shards[1])
    with pytest.raises(ValueError, match="tasks"):
        merge([shards[0]])
    with pytest.raises(ValueError, match="at least one"):
        merge([])


# ---------------------------------------------------------------- coded errors


def code(number: str) -> str:
    return re.escape(f"[{number}]")


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), "strong", None, True])
def test_bad_lambda_is_e008(small_nlp, value):
    with pytest.raises(ValueError, match=code("E008")):
        EWC(small_nlp, ncbi_examples(small_nlp, "devel", 1), lambda_=value)


def test_bad_pipes_are_named(blank_ner):
    data = ncbi_examples(blank_ner, "devel", 1)
    with pytest.raises(TypeError, match=code("E001")):
        EWC("ner", data, lambda_=1.0)
    with pytest.raises(ValueError, match=code("E002") + ".*tagger"):
        EWC(blank_ner, data, lambda_=1.0, pipe_name="tagger")
    blank_ner.add_pipe("sentencizer")
    with pytest.raises(TypeError, match=code("E003") + ".*sentencizer"):
        EWC(blank_ner, data, lambda_=1.0, pipe_name="sentencizer")


def test_untrained_component_is_e004_or_e005():
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    with pytest.raises(ValueError, match=r"\[E00[45]\]"):
        EWC(nlp, ["Some text."], lambda_=1.0, fisher="predicted")


def test_bad_fisher_data_is_coded(small_nlp):
    with pytest.raises(ValueError, match=code("E006")):
        EWC(small_nlp, [], lambda_=1.0)
    with pytest.raises(ValueError, match=code("E010")):
        EWC(small_nlp, ["Some text."], lambda_=1.0, fisher="gold")
    with pytest.raises((TypeError, ValueError), match=code("E011")):
        EWC(small_nlp, ["Some text."], lambda_=1.0, fisher="empirical")
    doc = Doc(small_nlp.vocab, words=["Lead", "poisoning", "hurts"])
    unknown = Example.from_dict(doc, {"entities": [(0, 4, "CHEMICAL")]})
    with pytest.raises(ValueError, match=code("E009") + ".*CHEMICAL"):
        EWC(small_nlp, [unknown], lambda_=1.0, fisher="empirical")
    assert "CHEMICAL" not in small_nlp.get_pipe("ner").labels


def test_states_that_do_not_fit_are_coded(small_nlp, tmp_path):
    with pytest.raises(FileNotFoundError, match=code("E013")):
        EWC.from_disk(tmp_path / "nothing", small_nlp)
    array = numpy.ones((2,), dtype="float32")
    with pytest.raises(ValueError, match=code("E012")):
        EWC.from_parts(small_nlp, {"9/W": array}, {"9/W": array}, 1, lambda_=1.0)
    with pytest.raises(ValueError, match=code("E040")):
        EWC.from_parts(small_nlp, {"2/W": array}, {"2/b": array}, 1, lambda_=1.0)


def test_lambda_far_below_the_peak_scale_warns(small_nlp):
    texts = ["Alice lives in Paris.", "Bob works for Acme."]
    with pytest.warns(EWCWarning, match=r"\[W201\] lambda_=3 on the \"peak\" scale"):
        ewc = EWC(small_nlp, texts, lambda_=3.0, fisher="predicted")
    with warnings.catch_warnings():
        warnings.simplefilter("error", EWCWarning)
        EWC(small_nlp, texts, lambda_=3.0, fisher="predicted", normalize="mean")
        ewc.set_lambda(DEFAULT_LAMBDA)
        ewc.set_lambda(0.0)
    with pytest.warns(EWCWarning, match=r"\[W201\]") as record:
        ewc.set_lambda(new_lambda=1.0)
    # Attributed to the caller's line, not to a frame inside spacy-ewc.
    assert [w.filename for w in record] == [__file__]
