"""EWC for every trainable component type, and for the tok2vec that tagger and parser share.

Each case fine-tunes one component on a small new task built from real data, from one
start, with `protect` (one run per Fisher kind) and plainly, and compares the
Fisher-weighted drift Σ F (θ − θ*)² of the protected weights and the agreement with the
start's predictions on held-out sentences.

en_core_web_sm has ner, tagger, parser and senter. The four components it lacks are added
to it and trained here for a few epochs on Wikipedia and NCBI-disease sentences: textcat
and textcat_multilabel on the source of a sentence (own encoders), spancat on the entities
and morphologizer on the morphology en_core_web_sm predicts (both listen to its tok2vec).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy
import pytest
import spacy
from conftest import data_path, ncbi_examples, ncbi_sentences
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import Model

from spacy_ewc import EWC, protect
from spacy_ewc.ewc.ewc import DEFAULT_LAMBDA
from spacy_ewc.ewc.fisher import seed_example
from spacy_ewc.ewc.listeners import shared_encoder
from spacy_ewc.ewc.params import drop_grad, iter_params

pytestmark = pytest.mark.slow  # loads en_core_web_sm

LAMBDA = DEFAULT_LAMBDA
LEARN_RATE = 0.005
PRETRAIN_RATE = 0.005
EPOCHS = 3
N_FISHER = 12
N_NEW = 24
KINDS = ("predicted", "empirical")
SILVER = ("predicted",)
TWO_PASS = "predicted, two-pass"
SOURCES = ("WIKI", "NCBI")
DISEASE = "DISEASE"
GROWN = ("textcat", "textcat_multilabel", "spancat", "morphologizer")
MEDICAL = re.compile(r"\b(disease|syndrome|disorder)\b")


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def corpus(wiki_sentences):
    """Wikipedia sentences (the old domain) and NCBI-disease sentences (the new one)."""
    ncbi = ncbi_sentences("train")
    without = [" ".join(words_of(s)) for s in ncbi if all(tag == "O" for _, tag in s) and len(s) >= 6]
    medical = []
    with data_path("wikipedia_summaries/extracts_en.txt").open(encoding="utf8") as handle:
        for line in handle:
            if MEDICAL.search(line):
                medical.append(line.split(". ")[0].strip() + ".")
            if len(medical) == N_NEW:
                break
    return {
        "fisher": wiki_sentences[:N_FISHER],
        "old": wiki_sentences[:40],
        "held": wiki_sentences[50:80],
        "unlabelled": wiki_sentences[110:130] + without[55:75],
        "medical_wiki": medical,
        "ncbi_mentions": [s for s in ncbi if any(tag != "O" for _, tag in s)],
        "ncbi_old": without[:40],
        "ncbi_held": without[40:55],
    }


@pytest.fixture(scope="module")
def original():
    return spacy.load("en_core_web_sm")


def clone(nlp: Language) -> Language:
    """An independent copy of a pipeline (weights, labels, settings) sharing vocab and tokenizer."""
    new = type(nlp).from_config(nlp.config, vocab=nlp.vocab, disable=nlp.disabled, auto_fill=False)
    new.tokenizer = nlp.tokenizer
    fields = ["vocab", "tokenizer"]
    return new.from_bytes(nlp.to_bytes(exclude=fields), exclude=fields)


def words_of(sentence) -> List[str]:
    return [word for word, _ in sentence]


def mentions(sentence) -> List[Tuple[int, int]]:
    """Token spans of the disease mentions of an IOB-tagged sentence."""
    spans, start = [], None
    for i, (_, tag) in enumerate([*sentence, ("", "O")]):
        if start is not None and not tag.startswith("I-"):
            spans.append((start, i))
            start = None
        if tag.startswith("B-"):
            start = i
    return spans


def silver(original: Language, nlp: Language, texts, annotate: Callable[[Doc], dict]) -> List[Example]:
    """Examples whose gold is what en_core_web_sm predicts."""
    examples = []
    for doc in original.pipe(texts):
        predicted = Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        examples.append(Example.from_dict(predicted, annotate(doc)))
    return examples


def entities(doc: Doc) -> dict:
    return {"entities": [(e.start_char, e.end_char, e.label_) for e in doc.ents]}


def tags(doc: Doc) -> dict:
    return {"tags": [t.tag_ for t in doc]}


def parses(doc: Doc) -> dict:
    return {**tags(doc), "heads": [t.head.i for t in doc], "deps": [t.dep_ for t in doc]}


def sentences(doc: Doc) -> dict:
    return {"sent_starts": [bool(t.is_sent_start) for t in doc]}


def spans(doc: Doc) -> dict:
    return {"spans": {"sc": [(e.start_char, e.end_char, e.label_) for e in doc.ents]}}


def morphs(doc: Doc) -> dict:
    return {"pos": [t.pos_ for t in doc], "morphs": [str(t.morph) for t in doc]}


def pairs(texts: Sequence[str]) -> List[str]:
    """Two-sentence documents, so that sentence boundaries have something to find."""
    return [f"{a} {b}" for a, b in zip(texts[::2], texts[1::2])]


def sources(corpus, nlp, n: int) -> List[Example]:
    """The text classifiers' gold: where a sentence comes from."""
    labelled = [(t, "WIKI") for t in corpus["old"][:n]] + [(t, "NCBI") for t in corpus["ncbi_old"][:n]]
    return [
        Example.from_dict(nlp.make_doc(text), {"cats": {c: float(c == label) for c in SOURCES}})
        for text, label in labelled
    ]


# --------------------------------------------------------------------------- new tasks


def disease_entities(corpus, nlp):
    nlp.get_pipe("ner").add_label(DISEASE)
    return ncbi_examples(nlp, "train", N_NEW)


def disease_tags(corpus, nlp):
    """A tagging convention of the new domain: every token of a disease name is NNP."""
    examples = []
    for sentence in corpus["ncbi_mentions"][:N_NEW]:
        gold = [""] * len(sentence)
        for start, end in mentions(sentence):
            gold[start:end] = ["NNP"] * (end - start)
        examples.append(Example.from_dict(Doc(nlp.vocab, words=words_of(sentence)), {"tags": gold}))
    return examples


def disease_compounds(corpus, nlp):
    """Flat disease names: each token of a mention attaches to its last one as `compound`."""
    examples = []
    for sentence in corpus["ncbi_mentions"]:
        heads, deps = [None] * len(sentence), [None] * len(sentence)
        for start, end in mentions(sentence):
            for i in range(start, end - 1):
                heads[i], deps[i] = end - 1, "compound"
        if any(head is not None for head in heads):
            doc = Doc(nlp.vocab, words=words_of(sentence))
            examples.append(Example.from_dict(doc, {"heads": heads, "deps": deps}))
        if len(examples) == N_NEW:
            break
    return examples


def unpunctuated_sentences(corpus, nlp):
    """Sentence boundaries of text without final periods, three NCBI sentences a document."""
    cut = [s[:-1] if s[-1][0] == "." else s for s in corpus["ncbi_mentions"][: 3 * N_NEW // 2]]
    examples = []
    for group in zip(*[iter(cut)] * 3):
        words = [w for s in group for w in words_of(s)]
        starts = [i == 0 for s in group for i in range(len(s))]
        examples.append(Example.from_dict(Doc(nlp.vocab, words=words), {"sent_starts": starts}))
    return examples


def medical_wiki(corpus, nlp):
    """New data of one class: first sentences of Wikipedia's medical articles, all WIKI."""
    gold = {"cats": {"WIKI": 1.0, "NCBI": 0.0}}
    return [Example.from_dict(nlp.make_doc(text), gold) for text in corpus["medical_wiki"]]


def disease_spans(corpus, nlp):
    examples = []
    for sentence in corpus["ncbi_mentions"][:N_NEW]:
        reference = Doc(nlp.vocab, words=words_of(sentence))
        reference.spans["sc"] = [Span(reference, s, e, DISEASE) for s, e in mentions(sentence)]
        examples.append(Example(Doc(nlp.vocab, words=words_of(sentence)), reference))
    return examples


def disease_morphs(corpus, nlp):
    """Disease names are singular proper nouns; other tokens are not annotated."""
    examples = []
    for sentence in corpus["ncbi_mentions"][:N_NEW]:
        pos, feats = [""] * len(sentence), [""] * len(sentence)
        for start, end in mentions(sentence):
            pos[start:end] = ["PROPN"] * (end - start)
            feats[start:end] = ["Number=Sing"] * (end - start)
        doc = Doc(nlp.vocab, words=words_of(sentence))
        examples.append(Example.from_dict(doc, {"pos": pos, "morphs": feats}))
    return examples


# --------------------------------------------------------------------------- agreement


def f1(pairs_of_sets) -> float:
    tp = fp = fn = 0
    for gold, pred in pairs_of_sets:
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    return 2 * tp / max(2 * tp + fp + fn, 1)


def token_agreement(key: Callable) -> Callable:
    def agreement(before: Sequence[Doc], after: Sequence[Doc]) -> float:
        same = [key(a) == key(b) for x, y in zip(before, after) for a, b in zip(x, y)]
        return sum(same) / len(same)

    return agreement


def entity_agreement(before, after) -> float:
    """F1 of the old-label entities against the start's."""
    return f1(
        ({(e.start, e.end, e.label_) for e in x.ents},
         {(e.start, e.end, e.label_) for e in y.ents if e.label_ != DISEASE})
        for x, y in zip(before, after)
    )


def span_agreement(before, after) -> float:
    return f1(
        ({(s.start, s.end, s.label_) for s in x.spans["sc"]},
         {(s.start, s.end, s.label_) for s in y.spans["sc"] if s.label_ != DISEASE})
        for x, y in zip(before, after)
    )


def boundary_agreement(before, after) -> float:
    return f1(
        ({t.i for t in x if t.is_sent_start and t.i}, {t.i for t in y if t.is_sent_start and t.i})
        for x, y in zip(before, after)
    )


def top_class_agreement(before, after) -> float:
    same = [max(SOURCES, key=x.cats.get) == max(SOURCES, key=y.cats.get) for x, y in zip(before, after)]
    return sum(same) / len(same)


def class_set_agreement(before, after) -> float:
    same = [(x.cats[c] >= 0.5) == (y.cats[c] >= 0.5) for x, y in zip(before, after) for c in SOURCES]
    return sum(same) / len(same)


tag_agreement = token_agreement(lambda t: t.tag_)


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    """One component: its start, Fisher data per kind, new task and agreement score.

    `protect` names more components to wrap (the shared tok2vec); `frozen` ones are not
    trained but annotate; `kinds` are the Fisher kinds trained with (with en_core_web_sm's
    own predictions as gold, the empirical Fisher equals the predicted one, which is tested
    instead); `neighbour` is another component whose predictions should be kept.
    """

    name: str
    fisher: Dict[str, Callable]
    new_task: Callable
    agreement: Callable
    held: Callable = lambda corpus: corpus["held"]
    protect: Tuple[str, ...] = ()
    frozen: Tuple[str, ...] = ()
    kinds: Tuple[str, ...] = KINDS
    neighbour: Optional[Tuple[str, Callable]] = None

    @property
    def protected(self) -> Tuple[str, ...]:
        return (self.name, *self.protect)


def _fisher_texts(corpus, original, nlp):
    return corpus["fisher"]


def _silver_fisher(annotate):
    return lambda corpus, original, nlp: silver(original, nlp, corpus["fisher"], annotate)


CASES = [
    Case("ner", {"predicted": _fisher_texts, "empirical": _silver_fisher(entities)},
         disease_entities, entity_agreement, kinds=SILVER),
    Case("tagger", {"predicted": _fisher_texts, "empirical": _silver_fisher(tags)},
         disease_tags, tag_agreement, kinds=SILVER),
    Case("parser", {"predicted": _fisher_texts, "empirical": _silver_fisher(parses)},
         disease_compounds, token_agreement(lambda t: (t.head.i, t.dep_)),
         protect=("tok2vec",), kinds=SILVER, neighbour=("tagger", tag_agreement)),
    Case("senter",
         {"predicted": lambda c, o, n: pairs(c["old"][:2 * N_FISHER]),
          "empirical": lambda c, o, n: silver(o, n, pairs(c["old"][:2 * N_FISHER]), sentences)},
         unpunctuated_sentences, boundary_agreement, held=lambda c: pairs(c["held"]), kinds=SILVER),
    Case("textcat",
         {"predicted": lambda c, o, n: c["unlabelled"], "empirical": lambda c, o, n: sources(c, n, 20)},
         medical_wiki, top_class_agreement, held=lambda c: c["held"][:15] + c["ncbi_held"]),
    Case("textcat_multilabel",
         {"predicted": lambda c, o, n: c["unlabelled"], "empirical": lambda c, o, n: sources(c, n, 20)},
         medical_wiki, class_set_agreement, held=lambda c: c["held"][:15] + c["ncbi_held"]),
    Case("spancat", {"predicted": _fisher_texts, "empirical": _silver_fisher(spans)},
         disease_spans, span_agreement, frozen=("tok2vec",)),
    Case("morphologizer", {"predicted": _fisher_texts, "empirical": _silver_fisher(morphs)},
         disease_morphs, token_agreement(lambda t: (t.pos_, str(t.morph))), frozen=("tok2vec",)),
]


@pytest.fixture(scope="module")
def grown(corpus, original):
    """en_core_web_sm with the four components it lacks, trained here for a few epochs.

    spancat and morphologizer listen to the shared tok2vec (frozen while they learn); the
    text classifiers have their own encoders, as `nlp.add_pipe("textcat")` builds them.
    """
    fix_random_seed(0)
    nlp = spacy.load("en_core_web_sm", exclude=["ner", "attribute_ruler", "lemmatizer"])
    listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "tok2vec"}
    tagger_model = {"@architectures": "spacy.Tagger.v2", "tok2vec": listener}
    spancat_model = {
        "@architectures": "spacy.SpanCategorizer.v1",
        "tok2vec": listener,
        "reducer": {"@layers": "spacy.mean_max_reducer.v1", "hidden_size": 64},
        "scorer": {"@layers": "spacy.LinearLogistic.v1"},
    }
    nlp.add_pipe("textcat", first=True)
    nlp.add_pipe("textcat_multilabel", after="textcat")
    nlp.add_pipe("morphologizer", config={"model": tagger_model})
    spancat = nlp.add_pipe("spancat", config={"model": spancat_model})
    for label in [*original.get_pipe("ner").labels, DISEASE]:
        spancat.add_label(label)
    texts = corpus["old"] + corpus["ncbi_old"]
    origins = ["WIKI"] * len(corpus["old"]) + ["NCBI"] * len(corpus["ncbi_old"])
    examples = []
    for doc, origin in zip(original.pipe(texts), origins):
        gold = {**spans(doc), **morphs(doc), "cats": {c: float(c == origin) for c in SOURCES}}
        predicted = Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        examples.append(Example.from_dict(predicted, gold))
    random.Random(0).shuffle(examples)
    for name in GROWN:
        nlp.get_pipe(name).initialize(lambda: examples, nlp=nlp)
    optimizer = nlp.create_optimizer()
    optimizer.learn_rate = PRETRAIN_RATE
    for _ in range(4):
        for batch in minibatch(examples, 8):
            nlp.update(batch, sgd=optimizer, exclude=["tok2vec", "tagger", "parser"], annotates=["tok2vec"])
    return nlp


def start_of(case: Case, original: Language, request) -> Language:
    if case.name in GROWN:
        return clone(request.getfixturevalue("grown"))
    nlp = clone(original)
    if case.name == "senter":
        nlp.remove_pipe("parser")
        nlp.enable_pipe("senter")
    return nlp


def fine_tune(nlp: Language, examples, case: Case) -> None:
    """`EPOCHS` epochs of plain `nlp.update` on the component and the tok2vec it listens to."""
    fix_random_seed(0)
    trained = set(case.protected)
    encoder = shared_encoder(nlp, case.name)
    if encoder and encoder not in case.frozen:
        trained.add(encoder)
    exclude = [name for name in nlp.pipe_names if name not in trained]
    optimizer = nlp.create_optimizer()
    optimizer.learn_rate = LEARN_RATE
    for _ in range(EPOCHS):
        for batch in minibatch(examples, 8):
            nlp.update(batch, sgd=optimizer, drop=0.0, exclude=exclude, annotates=list(case.frozen))


def predict(nlp: Language, name: str, texts) -> List[Doc]:
    """The pipeline's annotations up to component `name` (later ones may overwrite them)."""
    names = nlp.pipe_names
    with nlp.select_pipes(disable=names[names.index(name) + 1:]):
        return list(nlp.pipe(texts))


@dataclass
class Outcome:
    """Per run ("plain" or a Fisher kind): drift per (run, component, kind) and agreements."""

    fisher: Dict[Tuple[str, str], Dict[str, numpy.ndarray]] = field(default_factory=dict)
    drift: Dict[Tuple[str, str, str], float] = field(default_factory=dict)
    agreement: Dict[str, float] = field(default_factory=dict)
    neighbour: Dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module", params=CASES, ids=[case.name for case in CASES])
def runs(request, corpus, original, tmp_path_factory):
    """The case's component fine-tuned with EWC (a run per trained Fisher kind) and plainly.

    The runs start from copies of one pipeline. The plain run is the start itself; it loads
    the EWC states the other runs saved, so its drift is measured with the same θ* and F.
    """
    case: Case = request.param
    start = start_of(case, original, request)
    held = case.held(corpus)
    before = predict(start, case.name, held)
    neighbour_before = predict(start, case.neighbour[0], held) if case.neighbour else None
    folder = tmp_path_factory.mktemp(case.name)
    outcome = Outcome()
    plain_states = {}

    def score(run: str, nlp: Language) -> None:
        outcome.agreement[run] = case.agreement(before, predict(nlp, case.name, held))
        if case.neighbour:
            name, agreement = case.neighbour
            outcome.neighbour[run] = agreement(neighbour_before, predict(nlp, name, held))

    for kind in KINDS:
        trained = kind in case.kinds
        nlp = clone(start) if trained else start
        states = {}
        for name in case.protected:
            data = case.fisher[kind](corpus, original, nlp)
            make = protect if trained else EWC
            states[name] = make(nlp, data, lambda_=LAMBDA, pipe_name=name, fisher=kind)
            outcome.fisher[name, kind] = states[name].fisher_raw.copy()
            if kind == "predicted" and states[name].fisher_fused:
                two_pass = EWC(start, data, lambda_=LAMBDA, pipe_name=name, fisher=kind, fisher_fused=False)
                outcome.fisher[name, TWO_PASS] = two_pass.fisher_raw.copy()
            if trained:
                states[name].to_disk(folder / kind / name)
                plain_states[name, kind] = folder / kind / name
            else:
                plain_states[name, kind] = states[name]
        if trained:
            fine_tune(nlp, case.new_task(corpus, nlp), case)
            outcome.drift.update({(kind, name, kind): s.compute_drift() for name, s in states.items()})
            score(kind, nlp)
    for key, state in plain_states.items():
        if not isinstance(state, EWC):
            plain_states[key] = EWC.from_disk(state, start)
    fine_tune(start, case.new_task(corpus, start), case)
    outcome.drift.update({("plain", *key): state.compute_drift() for key, state in plain_states.items()})
    score("plain", start)
    return case, outcome


def test_ewc_keeps_drift_of_every_protected_component_small(runs):
    case, outcome = runs
    for kind in case.kinds:
        for name in case.protected:
            plain, ewc = outcome.drift["plain", name, kind], outcome.drift[kind, name, kind]
            assert plain > 0, (case.name, name)
            assert ewc <= plain / 5, (case.name, name, kind, ewc, plain)


def test_ewc_keeps_old_predictions(runs):
    case, outcome = runs
    for kind in case.kinds:
        assert outcome.agreement[kind] > outcome.agreement["plain"], (case.name, kind, outcome.agreement)
        if case.neighbour:
            assert outcome.neighbour[kind] > outcome.neighbour["plain"], (case.name, outcome.neighbour)


def test_fisher_of_both_kinds_weighs_the_component(runs):
    """Both kinds weigh (nearly) every array; with en_core_web_sm's own predictions as gold
    the empirical Fisher is the predicted one of the two-pass pass (ner's default, the fused
    pass, has no state dropout: its F is close, not equal; tests/test_fisher_pass.py).

    An exclusive textcat's bag-of-words layer can get none: after training its softmax is
    saturated, so no loss reaches it (see docs/components.md).
    """
    case, outcome = runs
    for name in case.protected:
        predicted, empirical = outcome.fisher[name, "predicted"], outcome.fisher[name, "empirical"]
        assert set(predicted) == set(empirical)
        weighted = [key for key, value in predicted.items() if value.any()]
        assert len(weighted) >= 0.9 * len(predicted), (case.name, set(predicted) - set(weighted))
        if "empirical" not in case.kinds:
            two_pass = outcome.fisher.get((name, TWO_PASS), predicted)
            for key, value in two_pass.items():
                numpy.testing.assert_allclose(empirical[key], value, rtol=1e-4, atol=1e-12)


# --------------------------------------------------------------------------- shared encoder


def _models(nlp: Language) -> List[Tuple[str, Model]]:
    return [(name, p.model) for name, p in nlp.components if isinstance(getattr(p, "model", None), Model)]


def _with_gradients(nlp: Language) -> List[str]:
    """Components with a gradient left on any parameter."""
    return [
        name for name, model in _models(nlp)
        if any(node.has_grad(param) for node in model.walk() for param in node.param_names)
    ]


def test_tok2vec_fisher_sums_the_gradients_of_every_listener(original, corpus):
    """F of the shared tok2vec equals per-example squared gradients from `nlp.update` with
    tagger and parser; the pass leaves every model and listener as it found them."""
    nlp = clone(original)
    texts = corpus["fisher"][:3]
    tok2vec, parser = nlp.get_pipe("tok2vec"), nlp.get_pipe("parser")
    before = {ref.key: ref.node.get_param(ref.name).copy() for ref in iter_params(tok2vec.model)}
    assert shared_encoder(nlp, "parser") == "tok2vec" and shared_encoder(nlp, "ner") is None
    ewc = EWC(nlp, texts, pipe_name="tok2vec", fisher="predicted", normalize=None)
    assert set(ewc.fisher_matrix) == set(before)
    assert _with_gradients(nlp) == []
    assert all(listener._batch_id is None for listener in tok2vec.listeners)
    for ref in iter_params(tok2vec.model):
        numpy.testing.assert_array_equal(ref.node.get_param(ref.name), before[ref.key])

    with nlp.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        references = list(nlp.pipe(texts))
    parser.cfg["update_with_oracle_cut_size"] = 0
    others = [name for name in nlp.pipe_names if name not in ("tok2vec", "tagger", "parser")]
    expected = {key: numpy.zeros_like(value) for key, value in before.items()}
    for index, reference in enumerate(references):
        seed_example(0, index)
        nlp.update([Example(nlp.make_doc(reference.text), reference)], sgd=False, exclude=others)
        for ref in iter_params(tok2vec.model):
            expected[ref.key] += ref.node.get_grad(ref.name) ** 2
        for _, model in _models(nlp):
            for ref in iter_params(model):
                drop_grad(ref.node, ref.name)
    for key, value in expected.items():
        numpy.testing.assert_allclose(ewc.fisher_matrix[key], value / len(texts), rtol=1e-4, atol=1e-12)


def test_listening_component_needs_its_pipeline_and_tok2vec_its_listeners(original, corpus):
    nlp = clone(original)
    texts = corpus["fisher"][:2]
    docs = [nlp.make_doc(text) for text in texts]
    with pytest.raises(ValueError, match="listens to a shared tok2vec"):
        EWC(nlp.get_pipe("tagger"), docs, fisher="predicted")
    with pytest.raises(ValueError, match="pipe_name='tok2vec'"):
        EWC(nlp.get_pipe("tok2vec"), docs, fisher="predicted")
    ewc = EWC(nlp, texts, pipe_name="tagger", fisher="predicted")
    assert set(ewc.fisher_matrix) == {ref.key for ref in iter_params(nlp.get_pipe("tagger").model)}
    assert _with_gradients(nlp) == []
    with nlp.select_pipes(disable=["tagger", "parser"]):
        with pytest.raises(ValueError, match="no enabled component listening"):
            EWC(nlp, texts, pipe_name="tok2vec", fisher="predicted")


@pytest.mark.parametrize(
    "name,annotations",
    [
        ("tagger", {"tags": ["NN", "XYZ"]}),
        ("parser", {"heads": [1, 1], "deps": ["nmod_new", "ROOT"]}),
        ("tok2vec", {"tags": ["NN", "XYZ"]}),
        ("morphologizer", {"pos": ["NOUN", "VERB"], "morphs": ["Number=Sing", "Tense=Fut|VerbForm=Xyz"]}),
        ("textcat", {"cats": {"WIKI": 1.0, "NCBI": 0.0, "NEWS": 0.0}}),
        ("spancat", {"spans": {"sc": [(0, 7, "GENE")]}}),
    ],
)
def test_empirical_fisher_refuses_labels_the_component_lacks(request, original, name, annotations):
    nlp = request.getfixturevalue("grown") if name in GROWN else original
    with pytest.raises(ValueError, match="labels the component"):
        EWC(nlp, [("Samples arrived", annotations)], pipe_name=name, fisher="empirical")


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.slow
def test_parser_runs_with_one_seed_give_the_same_numbers(original, corpus):
    """spaCy's parser draws dropout masks for its state vectors from numpy's global RNG in
    every training pass, whatever `drop` says, so two runs agree only when both are seeded
    (`fine_tune` calls fix_random_seed). A Fisher pass must neither draw from the caller's
    random streams nor change what a later run does."""
    case = next(c for c in CASES if c.name == "parser")
    start = clone(original)
    states = {name: EWC(start, corpus["fisher"][:4], pipe_name=name, fisher="predicted")
              for name in case.protected}
    drifts = []
    for fisher_first in (False, True):
        nlp = clone(start)
        if fisher_first:
            py_state, np_state = random.getstate(), numpy.random.get_state()
            EWC(nlp, corpus["fisher"][4:8], pipe_name="tok2vec", fisher="predicted")
            assert random.getstate() == py_state
            assert all(numpy.array_equal(a, b) for a, b in zip(numpy.random.get_state(), np_state))
        fine_tune(nlp, case.new_task(corpus, nlp), case)
        drifts.append({name: state.compute_drift(nlp) for name, state in states.items()})
    assert drifts[0]["parser"] > 0 and drifts[0]["tok2vec"] > 0
    assert drifts[0] == drifts[1], drifts
