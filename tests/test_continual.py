"""Continual learning: three tasks with consolidation, save/load between them, shards that merge."""

from __future__ import annotations

import subprocess
import sys

import numpy
import pytest
import spacy
from conftest import NEW_LABEL, data_path, ncbi_examples
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.training.converters import iob_to_docs
from spacy.util import fix_random_seed, minibatch

from spacy_ewc import EWC, protect
from spacy_ewc.ewc.continual import estimate, merge
from spacy_ewc.serialize import load_pipeline, save_pipeline, state_path
from spacy_ewc.spacy_wrapper import EWCModelWrapper

pytestmark = pytest.mark.slow  # loads en_core_web_sm

LAMBDA = 20.0  # on the "mean" scale (spacy-ewc ≤ 0.2), where this test was tuned
SCALE = "mean"
LEARN_RATE = 0.005
CHEMICALS = set(
    "hydrogen helium lithium carbon nitrogen oxygen fluorine neon sodium magnesium aluminium silicon "
    "phosphorus sulfur chlorine argon potassium calcium titanium chromium manganese cobalt nickel copper "
    "zinc arsenic bromine iodine platinum uranium plutonium radium ethanol methane glucose ammonia benzene "
    "caffeine nicotine morphine penicillin insulin dopamine".split()
)


def _arrays_equal(a, b):
    return list(a) == list(b) and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes() for k in a
    )


# ---------------------------------------------------------------- shards and processes


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "two-pass"])
def test_shards_merge_into_the_single_pass(nlp, fisher_texts, fused):
    """Shards merge into one pass; the two-pass one needs each shard's offset (it seeds
    spaCy's state dropout), the fused one has no dropout and gives the same F at any offset."""
    texts = fisher_texts[:9]
    single = EWC(nlp, texts, lambda_=5.0, fisher="predicted", fisher_fused=fused)
    shards = [
        estimate(nlp, texts[:4], 5.0, fisher="predicted", fisher_fused=fused),
        estimate(nlp, texts[4:], 5.0, fisher="predicted", offset=4, fisher_fused=fused),
    ]
    merged = merge(shards)
    assert merged.n_examples == 9 and merged.fisher_kind == "predicted"
    assert _arrays_equal(merged.theta_star, single.theta_star)
    for key in single.fisher_raw:
        numpy.testing.assert_allclose(merged.fisher_raw[key], single.fisher_raw[key], rtol=1e-4, atol=1e-12)
        numpy.testing.assert_allclose(merged.fisher_matrix[key], single.fisher_matrix[key], rtol=1e-4)
    unseeded = estimate(nlp, texts[4:], 5.0, fisher="predicted", fisher_fused=fused)
    same = numpy.allclose(unseeded.fisher_raw["2/W"], shards[1].fisher_raw["2/W"], rtol=1e-3)
    assert same == fused
    with pytest.raises(ValueError, match=r"\[E074\].*\[0, 4\) and \[0, 5\)"):
        merge([shards[0], unseeded])


def test_fisher_over_two_processes_equals_one(nlp, fisher_texts):
    texts = fisher_texts[:6]
    single = EWC(nlp, texts, lambda_=5.0, fisher="predicted")
    parallel = estimate(nlp, texts, 5.0, fisher="predicted", n_process=2)
    assert parallel.n_examples == 6
    for key in single.fisher_raw:
        numpy.testing.assert_allclose(parallel.fisher_raw[key], single.fisher_raw[key], rtol=1e-4, atol=1e-12)


def test_merge_refuses_states_that_do_not_belong_together(nlp, fisher_texts):
    a = EWC(nlp, fisher_texts[:2], lambda_=5.0, fisher="predicted")
    b = estimate(nlp, fisher_texts[2:4], 5.0, fisher="predicted", offset=2)
    b.theta_star["2/W"] = b.theta_star["2/W"] + 1.0
    with pytest.raises(ValueError, match="other weights"):
        merge([a, b])
    a.consolidate(estimate(nlp, fisher_texts[2:4], 5.0, fisher="predicted"))
    with pytest.raises(ValueError, match="consolidates 2 tasks"):
        merge([a])
    with pytest.raises(ValueError, match="at least one"):
        merge([])


# ---------------------------------------------------------------- consolidation


def test_consolidate_adds_importance_and_moves_the_anchor(nlp, fisher_texts):
    ewc = protect(nlp, fisher_texts[:3], lambda_=5.0, fisher="predicted")
    old_f = ewc.fisher_matrix.copy()
    ner = nlp.get_pipe("ner")
    ner.add_label(NEW_LABEL)
    upper = ner.model.get_ref("upper")
    upper.set_param("W", upper.get_param("W") + 0.01)
    new = EWC(nlp, fisher_texts[3:6], lambda_=5.0, fisher="predicted")
    ewc.consolidate(new, gamma=0.5)
    assert ewc.tasks == 2 and ewc.n_examples == 6
    assert _arrays_equal(ewc.theta_star, new.theta_star)
    f = ewc.fisher_matrix["2/W"]
    numpy.testing.assert_allclose(f[:74], 0.5 * old_f["2/W"] + new.fisher_matrix["2/W"][:74], rtol=1e-6)
    numpy.testing.assert_allclose(f[74:], new.fisher_matrix["2/W"][74:], rtol=1e-6)
    assert ewc.compute_drift() == pytest.approx(0.0, abs=1e-12)
    assert isinstance(ner.model, EWCModelWrapper) and ner.model.ewc is ewc
    with pytest.raises(ValueError, match="gamma"):
        ewc.consolidate(new, gamma=-1)


# ---------------------------------------------------------------- three tasks


def _wikigold_misc(nlp, n):
    """WikiGold sentences with MISC spans (the excerpt holds only such sentences, in a
    seeded order): MISC kept, the other labels made O."""
    text = data_path("wikigold/wikigold.conll.txt").read_text(encoding="utf8")
    sentences = [[line.rsplit(" ", 1) for line in block.splitlines()] for block in text.split("\n\n")]
    lines = "\n".join(" ".join(f"{word}|{tag}" for word, tag in s) for s in sentences[:n])
    examples = []
    for doc in iob_to_docs(lines, n_sents=1, no_print=True):
        words = [t.text for t in doc]
        tags = [f"{t.ent_iob_}-MISC" if t.ent_type_ == "MISC" else "O" for t in doc]
        examples.append(Example(Doc(nlp.vocab, words=words), Doc(nlp.vocab, words=words, ents=tags)))
    return examples


def _chemicals(nlp, n):
    """Wikipedia sentences naming one of CHEMICALS (from paragraphs after the first 60, which
    give the Fisher and held-out texts; in a seeded order), each such token tagged CHEMICAL."""
    texts = data_path("wikipedia_summaries/chemical_sentences.txt").read_text(encoding="utf8").splitlines()
    examples = []
    for text in texts[:n]:
        ref = nlp.make_doc(text)
        ref.ents = [Span(ref, t.i, t.i + 1, "CHEMICAL") for t in ref if t.lower_ in CHEMICALS]
        examples.append(Example(nlp.make_doc(text), ref))
    return examples


def _train(nlp, examples, epochs):
    fix_random_seed(0)
    optimizer = nlp.resume_training()
    optimizer.learn_rate = LEARN_RATE
    for _ in range(epochs):
        for batch in minibatch(examples, 8):
            nlp.update(batch, sgd=optimizer, drop=0.0)


def _f1(pred_sets, gold_sets):
    tp = sum(len(p & g) for p, g in zip(pred_sets, gold_sets))
    n_pred, n_gold = sum(map(len, pred_sets)), sum(map(len, gold_sets))
    return 2 * tp / max(n_pred + n_gold, 1)


def _old_label_agreement(nlp, reference_docs, texts, old):
    docs = nlp.pipe(texts)
    pred = [{(e.start_char, e.end_char, e.label_) for e in d.ents if e.label_ in old} for d in docs]
    gold = [{(e.start_char, e.end_char, e.label_) for e in d.ents} for d in reference_docs]
    return _f1(pred, gold)


def _label_f1(nlp, examples, label):
    docs = nlp.pipe(Doc(nlp.vocab, words=[t.text for t in eg.reference]) for eg in examples)
    pred = [{(e.start, e.end) for e in d.ents if e.label_ == label} for d in docs]
    gold = [{(e.start, e.end) for e in eg.reference.ents if e.label_ == label} for eg in examples]
    return _f1(pred, gold)


@pytest.fixture(scope="module")
def three_tasks(fisher_texts, heldout_texts, tmp_path_factory):
    """DISEASE (NCBI), then MISC (WikiGold), then CHEMICAL (Wikipedia, by lexicon), λ=20.

    Task 1 is shared: EWC on the original model's Fisher (raw Wikipedia text, predicted).
    Before tasks 2 and 3 the 'consolidated' run folds the last task's Fisher into the
    state (γ=1); the 'last_task' run replaces the state by the last task's alone. Both
    continue from the pipeline folder saved after task 1. Scores: agreement with the
    original model on its labels ('old'), DISEASE F1 against NCBI gold and agreement
    with the DISEASE predictions of the model after task 1 ('DISEASE kept').
    """
    tmp = tmp_path_factory.mktemp("continual")
    base = spacy.load("en_core_web_sm")
    old_labels = set(base.get_pipe("ner").labels)
    reference = list(base.pipe(heldout_texts))
    misc, chemicals = _wikigold_misc(base, 60), _chemicals(base, 60)
    tasks = {NEW_LABEL: ncbi_examples(base, "train", 96), "MISC": misc[:40], "CHEMICAL": chemicals[:40]}
    evals = {NEW_LABEL: ncbi_examples(base, "devel", 40), "MISC": misc[40:], "CHEMICAL": chemicals[40:]}
    disease_eval = evals[NEW_LABEL]

    def measure(nlp, ewc):
        scores = {"old": _old_label_agreement(nlp, reference, heldout_texts, old_labels),
                  "DISEASE kept": _label_f1(nlp, task1_predictions, NEW_LABEL), "tasks": ewc.tasks}
        labels = nlp.get_pipe("ner").labels
        scores.update({label: _label_f1(nlp, evals[label], label) for label in evals if label in labels})
        return scores

    nlp = spacy.load("en_core_web_sm")
    ewc = protect(nlp, fisher_texts[:30], lambda_=LAMBDA, fisher="predicted", normalize=SCALE)
    nlp.get_pipe("ner").add_label(NEW_LABEL)
    _train(nlp, tasks[NEW_LABEL], epochs=3)
    save_pipeline(nlp, tmp / "task1", ewc)
    task1_predictions = [Example(eg.predicted, doc) for eg, doc in zip(disease_eval, nlp.pipe(
        Doc(nlp.vocab, words=[t.text for t in eg.reference]) for eg in disease_eval))]
    scores = {"task1": measure(nlp, ewc)}
    round_trip = None
    for run in ("consolidated", "last_task"):
        nlp, states = load_pipeline(tmp / "task1")
        ewc = states["ner"]
        for previous, label in ((NEW_LABEL, "MISC"), ("MISC", "CHEMICAL")):
            if run == "last_task":
                data = _in_vocab(nlp, tasks[previous][:24])
                ewc = protect(nlp, data, lambda_=LAMBDA, normalize=SCALE)
            else:
                data = _in_vocab(nlp, tasks[previous][:24])
                ewc.consolidate(EWC(nlp, data, lambda_=LAMBDA, normalize=SCALE))
                if round_trip is None:
                    save_pipeline(nlp, tmp / "consolidated", ewc)
                    nlp, states = load_pipeline(tmp / "consolidated")
                    round_trip = _differences(ewc, states["ner"])
                    ewc = states["ner"]
            nlp.get_pipe("ner").add_label(label)
            _train(nlp, tasks[label], epochs=3)
        scores[run] = measure(nlp, ewc)
    print("three tasks:", scores)
    return scores, round_trip, tmp


def _in_vocab(nlp, examples):
    """The NER examples rebuilt with `nlp`'s Vocab: EWC refuses Docs of another pipeline's."""
    def copy(doc, ents=False):
        words, spaces = [t.text for t in doc], [bool(t.whitespace_) for t in doc]
        tags = [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in doc] if ents else None
        return Doc(nlp.vocab, words=words, spaces=spaces, ents=tags)

    return [Example(copy(eg.predicted), copy(eg.reference, ents=True)) for eg in examples]


def _differences(saved, loaded):
    """Attributes of two EWC states that are not bit-for-bit equal."""
    out = [attr for attr in ("theta_star", "fisher_matrix", "fisher_raw")
           if not _arrays_equal(getattr(saved, attr), getattr(loaded, attr))]
    out += [attr for attr in ("lambda_", "fisher_scale", "n_examples", "tasks", "normalize", "fisher_kind")
            if getattr(saved, attr) != getattr(loaded, attr)]
    return out


def test_consolidation_keeps_first_task_and_original_labels_better(three_tasks):
    scores, _, _ = three_tasks
    consolidated, last_task = scores["consolidated"], scores["last_task"]
    assert scores["task1"][NEW_LABEL] > 0.15, scores
    assert consolidated["tasks"] == 3 and last_task["tasks"] == 1
    assert consolidated["old"] > last_task["old"] + 0.1, scores
    assert consolidated["DISEASE kept"] > last_task["DISEASE kept"] + 0.1, scores
    assert consolidated[NEW_LABEL] > last_task[NEW_LABEL], scores


def test_save_load_between_tasks_is_bit_for_bit(three_tasks):
    _, round_trip, _ = three_tasks
    assert round_trip == []


def test_saved_pipeline_loads_with_plain_spacy(three_tasks):
    _, _, tmp = three_tasks
    folder = tmp / "consolidated"
    assert (state_path(folder, "ner") / "ewc.json").is_file()
    code = (
        "import sys, spacy; nlp = spacy.load(sys.argv[1]); "
        "assert 'spacy_ewc' not in sys.modules; print(' '.join(nlp.get_pipe('ner').labels))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    labels = out.stdout.split()
    assert NEW_LABEL in labels and "MISC" not in labels
