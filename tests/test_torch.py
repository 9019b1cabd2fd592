"""EWC on PyTorch-backed components: a tagger whose model ends in thinc's PyTorchWrapper,
and a curated transformer built from its config with random weights.

Both are trained here on a blank English pipeline (no pretrained weights can be fetched),
tagged by a rule on real sentences, then fine-tuned on a second rule.
"""

from __future__ import annotations

import copy

import numpy
import pytest
import spacy
import torch
from spacy.training import Example
from thinc.api import SGD, PyTorchWrapper, chain, with_array

from spacy_ewc import EWC, protect
from spacy_ewc.ewc.params import drop_grad, iter_params, unwrap

TEXTS = [
    "The Eiffel Tower was built in 1889 for the World's Fair in Paris.",
    "Marie Curie won two Nobel Prizes, in physics and in chemistry.",
    "The Amazon river carries more water than any other river on Earth.",
    "In 1969 Apollo 11 landed the first humans on the Moon.",
    "Python was created by Guido van Rossum and released in 1991.",
    "The Great Barrier Reef lies off the coast of Queensland, Australia.",
    "Mount Everest is 8,849 metres high, the tallest mountain above sea level.",
    "Johann Sebastian Bach wrote more than a thousand works of music.",
    "The printing press spread across Europe after Gutenberg built it in 1440.",
    "Tokyo has been the capital of Japan since 1869.",
    "Penicillin was discovered by Alexander Fleming in London.",
    "The Sahara is the largest hot desert in the world.",
]
NEW_TEXTS = [
    "Insulin was first used to treat diabetes in Toronto in 1922.",
    "The human genome has about three billion base pairs.",
    "Vaccines train the immune system to recognise a virus.",
    "Malaria is spread by the bites of infected mosquitoes.",
    "Aspirin reduces pain, fever and inflammation.",
    "The heart pumps about five litres of blood each minute.",
]


def shape_tag(token) -> str:
    if token.is_punct:
        return "P"
    if token.like_num:
        return "N"
    return "C" if token.is_title else "L"


def length_tag(token) -> str:
    return "P" if token.is_punct else ("N" if len(token) > 5 else ("C" if len(token) > 3 else "L"))


def tagged(nlp, texts, rule):
    examples = []
    for text in texts:
        doc = nlp.make_doc(text)
        examples.append(Example.from_dict(doc, {"tags": [rule(t) for t in doc]}))
    return examples


@spacy.registry.architectures("spacy_ewc.test.TorchTagger.v1")
def torch_tagger(width: int = 16, n_tags: int = 4):
    """spaCy's small tok2vec, then a torch MLP with a softmax: the output layer is torch."""
    from spacy.ml.models import build_hash_embed_cnn_tok2vec

    tok2vec = build_hash_embed_cnn_tok2vec(
        width=width, depth=1, embed_size=300, window_size=1, maxout_pieces=2,
        subword_features=True, pretrained_vectors=None,
    )
    head = torch.nn.Sequential(
        torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, n_tags), torch.nn.Softmax(-1)
    )
    return chain(tok2vec, with_array(PyTorchWrapper(head)))


def torch_tagger_pipeline(steps: int = 30):
    torch.manual_seed(0)
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("tagger", config={"model": {"@architectures": "spacy_ewc.test.TorchTagger.v1"}})
    examples = tagged(nlp, TEXTS, shape_tag)
    for tag in "PNCL":
        tagger.add_label(tag)
    nlp.initialize(lambda: examples)
    optimizer = nlp.create_optimizer()
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer, drop=0.0)
    return nlp, examples


@pytest.fixture(scope="module")
def trained():
    return torch_tagger_pipeline()


def torch_head(nlp):
    return next(node for node in unwrap(nlp.get_pipe("tagger").model).walk() if node.shims).shims[0]._model


def test_state_covers_the_whole_tree(trained):
    nlp, examples = copy.deepcopy(trained)
    ewc = EWC(nlp, examples, pipe_name="tagger")
    model = nlp.get_pipe("tagger").model
    thinc_keys = {key for key in ewc.theta_star if "/shims/" not in key}
    torch_keys = {key.split("/shims/0/")[1] for key in ewc.theta_star if "/shims/" in key}
    assert thinc_keys and len(thinc_keys) == sum(len(node.param_names) for node in model.walk())
    assert torch_keys == {name for name, _ in torch_head(nlp).named_parameters()}
    assert ewc.theta_star.size == sum(n.get_param(p).size for n in model.walk() for p in n.param_names) + sum(
        p.numel() for p in torch_head(nlp).parameters()
    )
    for key in ewc.theta_star:
        assert float(ewc.fisher_raw[key].max()) > 0.0, key


def test_fisher_is_the_mean_of_per_example_squared_torch_gradients(trained):
    nlp, examples = copy.deepcopy(trained)
    head = torch_head(nlp)
    for i, p in enumerate(head.parameters()):
        p.grad = torch.full_like(p, float(i))
    ewc = EWC(nlp, examples[:5], pipe_name="tagger", fisher="empirical")
    assert all(torch.equal(p.grad, torch.full_like(p, float(i))) for i, p in enumerate(head.parameters()))
    tagger = nlp.get_pipe("tagger")
    refs = list(iter_params(tagger.model))
    expected = {name: torch.zeros_like(p) for name, p in head.named_parameters()}
    for eg in examples[:5]:
        for ref in refs:
            drop_grad(ref.node, ref.name)
        tagger.update([eg], drop=0.0, sgd=None, losses={})
        for name, p in head.named_parameters():
            expected[name] += p.grad**2 / 5
    for key, value in ewc.fisher_raw.items():
        if "/shims/" in key:
            want = expected[key.split("/shims/0/")[1]].numpy()
            numpy.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-12)


def fine_tune(nlp, ewc_lambda):
    """Train on a second tagging rule; with `ewc_lambda`, under the protection of the first."""
    old = tagged(nlp, TEXTS, shape_tag)
    state = protect(nlp, old, lambda_=ewc_lambda, pipe_name="tagger") if ewc_lambda else None
    optimizer = SGD(0.05)
    for _ in range(40):
        nlp.update(tagged(nlp, NEW_TEXTS, length_tag), sgd=optimizer, drop=0.0)
    return state


def torch_drift(ewc, nlp):
    """Σ F (θ − θ*)² over the torch parameters alone, computed in torch."""
    total = 0.0
    for name, param in torch_head(nlp).named_parameters():
        key = next(k for k in ewc.theta_star if k.endswith("/shims/0/" + name))
        diff = param.detach() - torch.from_numpy(ewc.theta_star[key])
        total += float((torch.from_numpy(ewc.fisher_matrix[key]) * diff**2).sum())
    return total


def test_drift_is_at_most_a_fifth_of_plain(trained):
    plain_nlp, _ = copy.deepcopy(trained)
    ewc_nlp, _ = copy.deepcopy(trained)
    fine_tune(plain_nlp, 0.0)
    ewc = fine_tune(ewc_nlp, 30.0)
    assert ewc.compute_drift() <= ewc.compute_drift(plain_nlp) / 5
    assert 0.0 < torch_drift(ewc, ewc_nlp) <= torch_drift(ewc, plain_nlp) / 5


def test_penalty_is_applied_once_per_step_inside_nlp_update(trained):
    nlp, examples = copy.deepcopy(trained)
    ewc = protect(nlp, examples, lambda_=5.0, pipe_name="tagger")
    refs = list(iter_params(nlp.get_pipe("tagger").model))
    rng = numpy.random.default_rng(0)
    for ref in refs:
        param = ref.node.get_param(ref.name)
        ref.node.set_param(ref.name, param + rng.normal(0, 0.05, param.shape).astype(param.dtype))
    start = {ref.key: ref.node.get_param(ref.name).copy() for ref in refs}
    penalty = ewc.compute_gradient_penalty()
    assert all(float(abs(penalty[key]).max()) > 0 for key in penalty if "/shims/" in key)
    moved = {}
    for lambda_ in (0.0, 5.0):
        for ref in refs:
            ref.node.set_param(ref.name, start[ref.key].copy())
        ewc.set_lambda(lambda_)
        nlp.update(examples[:4], sgd=SGD(0.01, L2=0.0, grad_clip=0.0), drop=0.0)
        moved[lambda_] = {ref.key: ref.node.get_param(ref.name) - start[ref.key] for ref in refs}
    for key, value in penalty.items():
        numpy.testing.assert_allclose(moved[5.0][key] - moved[0.0][key], -0.01 * value, rtol=1e-3, atol=1e-7)


def test_state_round_trip_is_bit_for_bit(trained, tmp_path):
    nlp, examples = copy.deepcopy(trained)
    ewc = EWC(nlp, examples[:6], lambda_=2.0, pipe_name="tagger")
    ewc.to_disk(tmp_path / "ewc")
    nlp.to_disk(tmp_path / "nlp")
    loaded = EWC.from_disk(tmp_path / "ewc", spacy.load(tmp_path / "nlp"), "tagger")
    assert loaded.keys == ewc.keys and any("/shims/" in key for key in loaded.keys)
    for name in ("theta_star", "fisher_matrix", "fisher_raw"):
        for key, value in getattr(ewc, name).items():
            other = getattr(loaded, name)[key]
            assert isinstance(other, numpy.ndarray) and other.dtype == value.dtype
            assert other.tobytes() == value.tobytes(), (name, key)
    assert loaded.compute_drift() == 0.0
