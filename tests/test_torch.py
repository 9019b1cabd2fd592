"""EWC on PyTorch-backed components: a tagger whose model ends in thinc's PyTorchWrapper,
and a tagger on a curated transformer (spacy-curated-transformers) with random weights.

Both are trained here on a blank English pipeline (no pretrained weights can be fetched),
tagged by a rule on real sentences, then fine-tuned on a second rule.
"""

from __future__ import annotations

import string
import types

import numpy
import pytest
import spacy
import torch
from spacy.training import Example
from spacy_curated_transformers.models.architectures import build_bert_transformer_model_v1
from spacy_curated_transformers.models.pooling import with_ragged_last_layer
from spacy_curated_transformers.models.with_strided_spans import build_with_strided_spans_v1
from spacy_curated_transformers.tokenization.wordpiece_encoder import (
    build_wordpiece_encoder_loader_v1,
    build_wordpiece_encoder_v1,
)
from thinc.api import SGD, Model, PyTorchWrapper, Ragged, Softmax, chain, reduce_mean, with_array

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


PIECES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *string.ascii_letters, *string.digits,
          *string.punctuation, *("##" + c for c in string.ascii_lowercase + string.digits)]


def embedded_transformer(transformer: Model) -> Model:
    """A curated transformer inside the component, pooled to tokens: what spaCy's listener
    does, without a shared `curated_transformer` component."""
    pooling = with_ragged_last_layer(reduce_mean())

    def forward(model, docs, is_train):
        output, backprop_transformer = transformer(docs, is_train)
        Y, backprop_pooling = pooling(output.last_hidden_layer_states, is_train)

        def backprop(dY):
            d_output = [
                [Ragged(model.ops.alloc_f(t.dataXd.shape), t.lengths) for t in layers]
                for layers in output.all_outputs
            ]
            for layers, d_last in zip(d_output, backprop_pooling(dY)):
                layers[-1] = d_last
            backprop_transformer(d_output)
            return []

        return Y, backprop

    def init(model, X=None, Y=None):
        transformer.initialize(X=X)

    return Model("embedded_transformer", forward, init=init, layers=[transformer, pooling])


@spacy.registry.architectures("spacy_ewc.test.CuratedTagger.v1")
def curated_tagger(vocab_path: str, width: int = 16, n_tags: int = 4):
    """A 2-layer BERT from spacy-curated-transformers (random weights) and a softmax."""
    encoder = build_wordpiece_encoder_v1()
    build_wordpiece_encoder_loader_v1(path=vocab_path)(encoder)
    transformer = build_bert_transformer_model_v1(
        vocab_size=len(PIECES), with_spans=build_with_strided_spans_v1(stride=48, window=64),
        piece_encoder=encoder, hidden_width=width, intermediate_width=2 * width, num_attention_heads=2,
        num_hidden_layers=2, max_position_embeddings=64, model_max_length=64,
        attention_probs_dropout_prob=0.0, hidden_dropout_prob=0.0,
    )
    return chain(embedded_transformer(transformer), with_array(Softmax(n_tags)))


def tagger_pipeline(model: dict, steps: int):
    torch.manual_seed(0)
    nlp = spacy.blank("en")
    tagger = nlp.add_pipe("tagger", config={"model": model})
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
    return tagger_pipeline({"@architectures": "spacy_ewc.test.TorchTagger.v1"}, steps=30)


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    vocab = tmp_path_factory.mktemp("wordpiece") / "vocab.txt"
    vocab.write_text("\n".join(PIECES) + "\n", encoding="utf8")
    model = {"@architectures": "spacy_ewc.test.CuratedTagger.v1", "vocab_path": str(vocab)}
    return tagger_pipeline(model, steps=10)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """torch's threads fight over the test machine's few cores (10x slower here)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fresh_copy(trained_pipeline):
    """The pipeline and examples through bytes: curated transformers lose their piece
    vocabulary in a deepcopy."""
    nlp, examples = trained_pipeline
    copied = spacy.util.load_model_from_config(nlp.config, auto_fill=False).from_bytes(nlp.to_bytes())
    return copied, [
        Example.from_dict(copied.make_doc(eg.x.text), {"tags": [t.tag_ for t in eg.y]}) for eg in examples
    ]


@pytest.fixture(params=["trained", "curated"])
def pipeline(request):
    """A fresh copy of one of the two trained pipelines."""
    return fresh_copy(request.getfixturevalue(request.param))


def torch_head(nlp):
    return next(node for node in unwrap(nlp.get_pipe("tagger").model).walk() if node.shims).shims[0]._model


def test_state_covers_the_whole_tree(pipeline):
    nlp, examples = pipeline
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


def test_fisher_is_the_mean_of_per_example_squared_torch_gradients(pipeline):
    nlp, examples = pipeline
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
    state = None
    if ewc_lambda:  # tuned on the "mean" scale
        state = protect(nlp, old, lambda_=ewc_lambda, pipe_name="tagger", normalize="mean")
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


def test_drift_is_at_most_a_fifth_of_plain(pipeline):
    plain_nlp, _ = pipeline
    ewc_nlp, _ = fresh_copy(pipeline)
    fine_tune(plain_nlp, 0.0)
    ewc = fine_tune(ewc_nlp, 30.0)
    assert ewc.compute_drift() <= ewc.compute_drift(plain_nlp) / 5
    assert 0.0 < torch_drift(ewc, ewc_nlp) <= torch_drift(ewc, plain_nlp) / 5


def test_penalty_is_applied_once_per_step_inside_nlp_update(pipeline):
    nlp, examples = pipeline
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
        nlp.update(examples[:4], sgd=SGD(0.1, L2=0.0, grad_clip=0.0), drop=0.0)
        moved[lambda_] = {ref.key: ref.node.get_param(ref.name) - start[ref.key] for ref in refs}
    error = size = 0.0
    for key, value in penalty.items():
        step = moved[5.0][key] - moved[0.0][key]
        numpy.testing.assert_allclose(step, -0.1 * value, rtol=1e-3, atol=1e-6)
        error += float(numpy.abs(step + 0.1 * value).sum())
        size += float(numpy.abs(0.1 * value).sum())
    assert error <= 1e-2 * size


def test_state_round_trip_is_bit_for_bit(pipeline, tmp_path):
    nlp, examples = pipeline
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


TRAIN_CONFIG = """
[paths]
train = null
dev = null
fisher = null
start = null

[nlp]
lang = "en"
pipeline = ["tagger"]

[components]

[components.tagger]
source = ${paths.start}

[corpora]

[corpora.train]
@readers = "spacy.Corpus.v1"
path = ${paths.train}

[corpora.dev]
@readers = "spacy.Corpus.v1"
path = ${paths.dev}

[training]
seed = 0
gpu_allocator = null
max_steps = 4
eval_frequency = 2
dropout = 0.0

[training.batcher]
@batchers = "spacy.batch_by_sequence.v1"
size = 3

[training.before_update]
@callbacks = "spacy_ewc.test.count_torch_penalties.v1"

[training.logger]
@loggers = "spacy-ewc.EWCLogger.v1"

[initialize]

[initialize.after_init]
@callbacks = "spacy-ewc.ewc.v1"
pipes = ["tagger"]
lambda_ = 10.0
data = ${paths.fisher}
fisher = "empirical"
"""
PENALTIES = []


@spacy.registry.callbacks("spacy_ewc.test.count_torch_penalties.v1")
def count_torch_penalties():
    """Before each step of `spacy train`: how many penalties the earlier steps applied."""

    def count(nlp, args):
        wrapper = nlp.get_pipe("tagger").model
        if args["step"] == 0:
            PENALTIES.clear()
            apply = wrapper.apply_ewc_penalty_to_gradients

            def counted(ewc, model=None):
                PENALTIES.append(args["step"])
                return apply(model)

            wrapper.apply_ewc_penalty_to_gradients = types.MethodType(counted, wrapper.ewc)
        PENALTIES.append(("step", args["step"], sum(1 for p in PENALTIES if not isinstance(p, tuple))))

    return count


def test_spacy_train_applies_the_penalty_once_per_step_and_saves_torch_keys(trained, tmp_path):
    from spacy.cli.train import train
    from spacy.tokens import DocBin

    nlp, examples = trained
    nlp.to_disk(tmp_path / "start")
    DocBin(docs=[eg.reference for eg in tagged(nlp, NEW_TEXTS, length_tag)]).to_disk(tmp_path / "train.spacy")
    DocBin(docs=[eg.reference for eg in examples]).to_disk(tmp_path / "fisher.spacy")
    (tmp_path / "config.cfg").write_text(TRAIN_CONFIG, encoding="utf8")
    paths = {"paths.start": str(tmp_path / "start"), "paths.train": str(tmp_path / "train.spacy"),
             "paths.dev": str(tmp_path / "train.spacy"), "paths.fisher": str(tmp_path / "fisher.spacy")}
    train(tmp_path / "config.cfg", tmp_path / "out", overrides=paths)
    steps = [entry for entry in PENALTIES if isinstance(entry, tuple)]
    assert [(step, applied) for _, step, applied in steps] == [(step, step) for step in range(5)]
    last = tmp_path / "out" / "model-last"
    state = EWC.from_disk(last / "ewc" / "tagger", spacy.load(last))
    saved = EWC(nlp, examples, pipe_name="tagger", fisher="empirical")
    assert state.keys == saved.keys and any("/shims/" in key for key in state.keys)
    for key in state.keys:
        assert state.theta_star[key].tobytes() == saved.theta_star[key].tobytes(), key
