"""The scale of F: "peak" by default, and states saved on the old "mean" scale keep it."""

from __future__ import annotations

import json

import numpy
import pytest

from spacy_ewc import EWC
from spacy_ewc.ewc import math as ewc_math
from spacy_ewc.ewc.ewc import DEFAULT_NORMALIZATION, LEGACY_NORMALIZATION


def test_peak_divides_by_the_mean_of_the_arrays_largest_entries():
    fisher = {"W": numpy.array([[0.0, 4.0], [1.0, 2.0]]), "b": numpy.array([0.5, 2.0]), "e": numpy.zeros(3)}
    scaled, scale = ewc_math.normalize(fisher, "peak")
    assert scale == pytest.approx((4.0 + 2.0 + 0.0) / 3)
    numpy.testing.assert_allclose(scaled["W"], fisher["W"] / 2.0)
    _, mean = ewc_math.normalize(fisher, "mean")
    assert mean == pytest.approx(9.5 / 9)
    assert ewc_math.normalize({"e": numpy.zeros(2)}, "peak")[1] == 1.0


@pytest.mark.slow
def test_default_scale_and_states_saved_on_the_mean_scale(nlp, fisher_texts, tmp_path):
    """A state saved without a scale (spacy-ewc ≤ 0.2 wrote "mean" implicitly) loads as
    "mean" and pulls exactly as before; new states use "peak"."""
    texts = fisher_texts[:3]
    new = EWC(nlp, texts, fisher="predicted")
    assert new.normalize == DEFAULT_NORMALIZATION == "peak"
    old = EWC(nlp, texts, lambda_=3.0, fisher="predicted", normalize="mean")
    numpy.testing.assert_allclose(new.fisher_raw["2/W"], old.fisher_raw["2/W"], rtol=1e-6)  # F·scale, float32
    assert new.fisher_scale / old.fisher_scale > 10
    old.to_disk(tmp_path / "state")
    meta_path = tmp_path / "state" / "ewc.json"
    meta = json.loads(meta_path.read_text(encoding="utf8"))
    del meta["normalize"]
    meta_path.write_text(json.dumps(meta), encoding="utf8")
    loaded = EWC.from_disk(tmp_path / "state", nlp)
    assert loaded.normalize == LEGACY_NORMALIZATION == "mean" and loaded.lambda_ == 3.0
    node = nlp.get_pipe("ner").model.get_ref("upper")
    node.set_param("W", node.get_param("W") + 0.1)
    for key, value in old.compute_gradient_penalty().items():
        numpy.testing.assert_array_equal(loaded.compute_gradient_penalty()[key], value)
    with pytest.raises(ValueError, match="same normalize"):
        loaded.consolidate(new)
