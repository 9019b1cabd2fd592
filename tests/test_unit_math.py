"""ewc/math.py on small arrays: each function against the formula it implements."""

from __future__ import annotations

import numpy
import pytest

from spacy_ewc import VectorDict
from spacy_ewc.ewc import math as ewc_math


def _arrays(seed, shapes):
    rng = numpy.random.default_rng(seed)
    return {key: rng.normal(size=shape).astype("float32") for key, shape in shapes.items()}


SHAPES = {"0/W": (3, 4), "0/b": (4,), "1/E": (2, 3, 2)}


def test_penalty_is_half_the_fisher_weighted_squared_distance():
    params, anchor = _arrays(0, SHAPES), _arrays(1, SHAPES)
    fisher = {k: numpy.abs(v) for k, v in _arrays(2, SHAPES).items()}
    expected = 0.5 * sum(
        float(numpy.sum(fisher[k].astype("float64") * (params[k] - anchor[k]).astype("float64") ** 2))
        for k in SHAPES
    )
    assert ewc_math.penalty(params, anchor, fisher) == pytest.approx(expected, rel=1e-5)
    assert ewc_math.drift(params, anchor, fisher) == pytest.approx(2 * expected, rel=1e-5)
    assert ewc_math.penalty(anchor, anchor, fisher) == 0.0


def test_penalty_counts_only_the_keys_of_theta_star():
    params, anchor, fisher = _arrays(0, SHAPES), _arrays(1, SHAPES), _arrays(2, SHAPES)
    fisher = {k: numpy.abs(v) for k, v in fisher.items()}
    one = {"0/b": anchor["0/b"]}
    assert ewc_math.penalty(params, one, fisher) == pytest.approx(
        0.5 * float(numpy.sum(fisher["0/b"] * (params["0/b"] - anchor["0/b"]) ** 2)), rel=1e-6
    )


def test_penalty_gradient_is_the_derivative_of_lambda_times_penalty():
    lam = 3.0
    params, anchor = _arrays(0, SHAPES), _arrays(1, SHAPES)
    fisher = {k: numpy.abs(v) for k, v in _arrays(2, SHAPES).items()}
    params64 = {k: v.astype("float64") for k, v in params.items()}
    anchor64 = {k: v.astype("float64") for k, v in anchor.items()}
    fisher64 = {k: v.astype("float64") for k, v in fisher.items()}
    eps = 1e-6
    for key in SHAPES:
        grad = ewc_math.penalty_gradient(params64[key], anchor64[key], lam * fisher64[key])
        for index in [(0,) * len(SHAPES[key]), tuple(s - 1 for s in SHAPES[key])]:
            up = {k: v.copy() for k, v in params64.items()}
            down = {k: v.copy() for k, v in params64.items()}
            up[key][index] += eps
            down[key][index] -= eps
            numeric = lam * (
                ewc_math.penalty(up, anchor64, fisher64) - ewc_math.penalty(down, anchor64, fisher64)
            ) / (2 * eps)
            assert grad[index] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_penalty_gradient_writes_into_out():
    param, anchor = numpy.array([1.0, 2.0, 3.0]), numpy.array([0.5, 2.0, 4.0])
    scaled = numpy.array([2.0, 5.0, 1.0])
    out = numpy.full(3, 99.0)
    result = ewc_math.penalty_gradient(param, anchor, scaled, out=out)
    assert result is out
    numpy.testing.assert_array_equal(out, [1.0, 0.0, -1.0])
    numpy.testing.assert_array_equal(param, [1.0, 2.0, 3.0])
    numpy.testing.assert_array_equal(ewc_math.penalty_gradient(param, anchor, scaled), [1.0, 0.0, -1.0])


def test_accumulate_squares_adds_g_squared():
    acc = {"a": numpy.zeros(2), "b": numpy.ones(1)}
    ewc_math.accumulate_squares(acc, {"a": numpy.array([1.0, -2.0]), "b": numpy.array([3.0])})
    ewc_math.accumulate_squares(acc, {"a": numpy.array([-1.0, 0.5])})
    numpy.testing.assert_array_equal(acc["a"], [2.0, 4.25])
    numpy.testing.assert_array_equal(acc["b"], [10.0])


def test_normalize_divides_by_the_global_mean_or_max():
    fisher = {"a": numpy.array([1.0, 3.0]), "b": numpy.array([[2.0, 6.0, 8.0]])}
    scaled, scale = ewc_math.normalize(fisher, "mean")
    assert scale == pytest.approx(4.0)
    values = numpy.concatenate([v.ravel() for v in scaled.values()])
    assert values.mean() == pytest.approx(1.0)
    numpy.testing.assert_allclose(scaled["b"], fisher["b"] / 4.0)
    scaled, scale = ewc_math.normalize(fisher, "max")
    assert scale == 8.0 and max(float(v.max()) for v in scaled.values()) == 1.0
    scaled, scale = ewc_math.normalize(fisher, None)
    assert scale == 1.0 and scaled["a"] is fisher["a"]
    zero = {"a": numpy.zeros(3)}
    assert ewc_math.normalize(zero, "mean")[1] == 1.0
    with pytest.raises(ValueError, match=r"\[E046\] normalize must be one of"):
        ewc_math.normalize(fisher, "sum")


def test_grow_keeps_the_old_corner_and_fills_the_rest():
    old = numpy.arange(6, dtype="float32").reshape(2, 3)
    fill = numpy.full((4, 3), -1.0, dtype="float64")
    grown = ewc_math.grow(old, (4, 3), fill)
    assert grown.shape == (4, 3) and grown.dtype == old.dtype
    numpy.testing.assert_array_equal(grown[:2], old)
    numpy.testing.assert_array_equal(grown[2:], -1.0)
    assert fill[0, 0] == -1.0
    assert ewc_math.grow(old, (2, 3), fill) is old
    with pytest.raises(ValueError, match="cannot grow"):
        ewc_math.grow(old, (1, 3), fill[:1])
    with pytest.raises(ValueError, match="cannot grow"):
        ewc_math.grow(old, (2, 3, 1), fill.reshape(4, 3, 1))


def test_merge_is_the_example_weighted_mean():
    shard_a = {"w": numpy.array([1.0, 2.0])}
    shard_b = {"w": numpy.array([4.0, 8.0])}
    merged, count = ewc_math.merge([(shard_a, 1), (shard_b, 3)])
    assert count == 4
    numpy.testing.assert_allclose(merged["w"], [(1 + 12) / 4, (2 + 24) / 4])
    with pytest.raises(ValueError, match="no examples"):
        ewc_math.merge([(shard_a, 0)])


def test_add_sums_partial_sums_without_touching_them():
    a, b = {"w": numpy.array([1.0, 2.0])}, {"w": numpy.array([3.0, 4.0]), "v": numpy.array([1.0])}
    total = ewc_math.add([a, b])
    numpy.testing.assert_array_equal(total["w"], [4.0, 6.0])
    numpy.testing.assert_array_equal(total["v"], [1.0])
    numpy.testing.assert_array_equal(a["w"], [1.0, 2.0])


def test_consolidate_decays_old_importance_and_pads_grown_arrays():
    old = {"W": numpy.array([[1.0, 1.0], [2.0, 2.0]]), "gone": numpy.ones(2)}
    new = {"W": numpy.full((3, 2), 10.0), "fresh": numpy.array([5.0])}
    out = ewc_math.consolidate(old, new, gamma=0.5)
    numpy.testing.assert_array_equal(out["W"], [[10.5, 10.5], [11.0, 11.0], [10.0, 10.0]])
    numpy.testing.assert_array_equal(out["fresh"], [5.0])
    assert set(out) == {"W", "fresh"}
    assert out["fresh"] is not new["fresh"]
    numpy.testing.assert_array_equal(ewc_math.consolidate(old, new, gamma=0.0)["W"], new["W"])


@pytest.mark.parametrize("gamma", [-0.1, float("nan"), float("inf"), True, "1"])
def test_consolidate_rejects_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma"):
        ewc_math.consolidate({"W": numpy.ones(1)}, {"W": numpy.ones(1)}, gamma)


def test_vector_dict_keys_are_names_and_copy_is_deep():
    vd = VectorDict({"0/W": numpy.ones(3)})
    with pytest.raises(TypeError, match="str"):
        vd[0] = numpy.ones(1)
    copied = vd.copy()
    copied["0/W"][0] = 5.0
    assert vd["0/W"][0] == 1.0 and isinstance(copied, VectorDict)
    assert VectorDict({"a": numpy.ones((2, 3)), "b": numpy.ones(4)}).size == 10


def test_log_loss_gradient_is_the_derivative_of_minus_log_softmax_at_the_target():
    scores = numpy.random.default_rng(0).normal(size=(3, 5)).astype("float64")
    targets = numpy.array([4, 0, -1])
    d_scores = ewc_math.log_loss_gradient(scores, targets)

    def loss(row, target):
        return -(row[target] - numpy.log(numpy.exp(row).sum()))

    for i, target in enumerate(targets[:2]):
        for j in range(scores.shape[1]):
            step = numpy.zeros(scores.shape[1])
            step[j] = 1e-6
            slope = (loss(scores[i] + step, target) - loss(scores[i] - step, target)) / 2e-6
            assert d_scores[i, j] == pytest.approx(slope, abs=1e-6)
    assert (d_scores[2] == 0).all()
