"""Per-update cost of EWC as a ratio to plain `nlp.update` on the same batches, in one run.

    python benchmarks/overhead.py [--batches 40] [--batch-size 16] [--repeats 3] [--data DIR]

Plain and EWC updates alternate batch by batch (both models see the same batches), so
machine noise hits both alike. Prints the median seconds per update of each, their ratio,
and the time of the penalty alone.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import spacy
from bench_data import FILES, check_data_dir, default_data_dir
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from spacy_ewc import protect


def load_sentences(n: int, data_dir: Path):
    nlp = spacy.load("en_core_web_sm")
    lines = []
    with (data_dir / FILES["wikipedia"]).open(encoding="utf8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.strip())
            if len(lines) >= n:
                break
    return list(nlp.pipe(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default ../shared/data)")
    args = parser.parse_args()

    data_dir = check_data_dir((args.data or default_data_dir()).resolve())
    docs = load_sentences(args.batches * args.batch_size // 3 + 50, data_dir)
    sentences = [s.as_doc() for d in docs for s in d.sents][: args.batches * args.batch_size + 50]
    fisher_texts = [d.text for d in sentences[:50]]
    train_docs = sentences[50:]

    fix_random_seed(0)
    plain = spacy.load("en_core_web_sm")
    ewc_nlp = spacy.load("en_core_web_sm")
    started = time.perf_counter()
    ewc = protect(ewc_nlp, fisher_texts, fisher="predicted")
    fisher_seconds = time.perf_counter() - started

    def examples(nlp):
        return [Example(nlp.make_doc(d.text), d) for d in train_docs]

    batches = {"plain": list(minibatch(examples(plain), args.batch_size)),
               "ewc": list(minibatch(examples(ewc_nlp), args.batch_size))}
    optimizers = {"plain": plain.resume_training(), "ewc": ewc_nlp.resume_training()}
    models = {"plain": plain, "ewc": ewc_nlp}
    times = {"plain": [], "ewc": []}
    for _ in range(args.repeats):
        for i in range(len(batches["plain"])):
            for name in ("plain", "ewc"):
                nlp = models[name]
                started = time.perf_counter()
                nlp.update(batches[name][i], sgd=optimizers[name], exclude=["tok2vec", "tagger", "parser"])
                times[name].append(time.perf_counter() - started)

    penalty_times = []
    for _ in range(20):
        started = time.perf_counter()
        ewc.apply_ewc_penalty_to_gradients()
        penalty_times.append(time.perf_counter() - started)
    ewc_nlp.get_pipe("ner").model.finish_update(optimizers["ewc"])

    plain_s, ewc_s = statistics.median(times["plain"]), statistics.median(times["ewc"])
    print(f"updates per model : {len(times['plain'])} (batch size {args.batch_size})")
    print(f"plain nlp.update  : {plain_s * 1000:8.2f} ms (median)")
    print(f"EWC nlp.update    : {ewc_s * 1000:8.2f} ms (median)")
    print(f"penalty alone     : {statistics.median(penalty_times) * 1000:8.2f} ms (median)")
    print(f"overhead ratio    : {ewc_s / plain_s:8.3f}  (goal <= 1.03)")
    print(f"Fisher estimation : {fisher_seconds:8.2f} s for {len(fisher_texts)} sentences")


if __name__ == "__main__":
    main()
