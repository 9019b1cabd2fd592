"""Memory and per-update cost of an EWC state, for en_core_web_sm's `ner` and a tagger on a
roberta-base-size transformer (spacy-curated-transformers, random weights), in one run.

    python benchmarks/torch_memory.py [--updates 6] [--layers 12] [--out benchmarks/results]

Prints, per model: the bytes of the protected parameters, the bytes the state holds
(`EWC.nbytes`: θ* and F) and their ratio, the ratio during an update (plus the scratch
buffer an update allocates and drops), the same ratio in
the layout of spacy-ewc 0.2.0 (θ*, F, raw F, λF and one buffer per array: 5×), and the
per-update cost: the median time of `nlp.update` with the penalty over the same update with
λ = 0, alternated on the same model and batches, so machine noise hits both alike.
Writes torch-memory.md and torch-memory.json to --out.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

import spacy
import torch
from spacy.training import Example
from spacy_curated_transformers.models.architectures import build_bert_transformer_model_v1
from spacy_curated_transformers.models.with_strided_spans import build_with_strided_spans_v1
from spacy_curated_transformers.tokenization.wordpiece_encoder import (
    build_wordpiece_encoder_loader_v1,
    build_wordpiece_encoder_v1,
)
from thinc.api import Softmax, chain, with_array

from spacy_ewc import protect
from spacy_ewc.ewc.penalty import penalty_chunk

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_torch import embedded_transformer  # noqa: E402  (the same layer the tests train)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results"
PIECES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *string.ascii_letters, *string.digits,
          *string.punctuation, *("##" + c for c in string.ascii_lowercase + string.digits)]
ROBERTA_BASE = {"vocab_size": 50265, "hidden_width": 768, "intermediate_width": 3072,
                "num_attention_heads": 12, "max_position_embeddings": 514}


def wiki_lines(n: int):
    lines = []
    with (DATA / "wikipedia_summaries" / "extracts_en.txt").open(encoding="utf8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.strip())
            if len(lines) >= n:
                break
    return lines


@spacy.registry.architectures("spacy_ewc.bench.RobertaSizeTagger.v1")
def roberta_size_tagger(vocab_path: str, layers: int = 12, n_tags: int = 4):
    encoder = build_wordpiece_encoder_v1()
    build_wordpiece_encoder_loader_v1(path=vocab_path)(encoder)
    transformer = build_bert_transformer_model_v1(
        **ROBERTA_BASE, with_spans=build_with_strided_spans_v1(stride=96, window=128),
        piece_encoder=encoder, num_hidden_layers=layers, model_max_length=512,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    return chain(embedded_transformer(transformer), with_array(Softmax(n_tags)))


def shape_tag(token) -> str:
    return "P" if token.is_punct else "N" if token.like_num else "C" if token.is_title else "L"


def transformer_run(texts, layers: int, folder: Path):
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(PIECES) + "\n", encoding="utf8")
    nlp = spacy.blank("en")
    model = {"@architectures": "spacy_ewc.bench.RobertaSizeTagger.v1", "vocab_path": str(vocab),
             "layers": layers}
    tagger = nlp.add_pipe("tagger", config={"model": model})
    for tag in "PNCL":
        tagger.add_label(tag)
    examples = [Example.from_dict(d, {"tags": [shape_tag(t) for t in d]}) for d in map(nlp.make_doc, texts)]
    nlp.initialize(lambda: examples)
    return nlp, "tagger", examples


def ner_run(texts):
    nlp = spacy.load("en_core_web_sm")
    return nlp, "ner", [Example(nlp.make_doc(d.text), d) for d in nlp.pipe(texts)]


def measure(nlp, pipe_name, examples, updates: int, batch: int):
    started = time.perf_counter()
    ewc = protect(nlp, examples[:batch], pipe_name=pipe_name, fisher="empirical")
    fisher_s = time.perf_counter() - started
    param_bytes = sum(int(a.nbytes) for a in ewc.theta_star.values())
    optimizer = nlp.resume_training() if pipe_name == "ner" else nlp.create_optimizer()
    exclude = [name for name in nlp.pipe_names if name != pipe_name]
    times = {0.0: [], 3.0: []}
    for step in range(updates + 1):
        for lambda_ in times:
            ewc.set_lambda(lambda_)
            batch_examples = examples[(step * batch) % len(examples):][:batch]
            started = time.perf_counter()
            nlp.update(batch_examples, sgd=optimizer, exclude=exclude)
            if step:
                times[lambda_].append(time.perf_counter() - started)
    plain, with_ewc = statistics.median(times[0.0]), statistics.median(times[3.0])
    return {
        "arrays": len(ewc.theta_star),
        "torch_arrays": sum("/shims/" in key for key in ewc.theta_star),
        "parameters": ewc.theta_star.size,
        "parameter_MB": param_bytes / 2**20,
        "state_MB": ewc.nbytes / 2**20,
        "state_ratio": ewc.nbytes / param_bytes,
        "peak_ratio": (ewc.nbytes + penalty_chunk(ewc.theta_star.size) * 4) / param_bytes,
        "state_ratio_0.2.0": 5.0 if ewc.fisher_scale != 1.0 else 4.0,
        "update_s_plain": plain,
        "update_s_ewc": with_ewc,
        "overhead_ratio": with_ewc / plain,
        "fisher_s": fisher_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=6)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.manual_seed(0)
    started = time.perf_counter()
    texts = wiki_lines(args.batch * 4)
    sentences = [s.text for d in spacy.load("en_core_web_sm", disable=["ner"]).pipe(texts) for s in d.sents]
    sentences = [s for s in sentences if len(s.split()) <= 40][: args.batch * 4]
    rows = {"ner (en_core_web_sm)": measure(*ner_run(sentences), args.updates, args.batch)}
    with tempfile.TemporaryDirectory() as folder:
        name = f"tagger on a roberta-base-size transformer ({args.layers} layers)"
        rows[name] = measure(*transformer_run(sentences, args.layers, Path(folder)), args.updates, args.batch)
    runtime = time.perf_counter() - started
    head = ("| model | arrays (torch) | parameters | parameter MB | state MB | state / parameters | "
            "during an update | "
            "0.2.0 layout | s/update plain | s/update EWC | per-update cost |")
    lines = [
        "# EWC state memory and per-update cost: ner and a roberta-base-size transformer",
        "",
        f"Written by `python benchmarks/torch_memory.py --updates {args.updates} --batch {args.batch} "
        f"--layers {args.layers}` in {runtime / 60:.1f} min. Machine: {platform.machine()}, "
        f"torch {torch.__version__} on CPU, {torch.get_num_threads()} threads, spaCy {spacy.__version__}.",
        "",
        head,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['arrays']} ({r['torch_arrays']}) | {r['parameters']:,} | "
            f"{r['parameter_MB']:.1f} | {r['state_MB']:.1f} | {r['state_ratio']:.3f} | "
            f"{r['peak_ratio']:.3f} | "
            f"{r['state_ratio_0.2.0']:.1f} | "
            f"{r['update_s_plain']:.3f} | {r['update_s_ewc']:.3f} | {r['overhead_ratio']:.3f} |"
        )
    lines += [
        "",
        "`state MB`: what `EWC.nbytes` counts, θ* and F, held between updates; the unnormalised F is not",
        "kept (it is F × fisher_scale). `during an update`: the state plus the scratch buffer (1/128 of",
        "θ*, float32) that each update allocates and drops. `0.2.0 layout`: the same state as spacy-ewc",
        "0.2.0 held it (θ*, F, raw F, λF, one buffer per array). `per-update cost`: median seconds of",
        "`nlp.update` with the penalty (λ = 3) over the same update with λ = 0, alternated on one model",
        f"over {args.updates} batches of {args.batch} sentences (Adam). The transformer has random weights",
        "and a WordPiece vocabulary of single characters: its size, not its accuracy, is measured.",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "torch-memory.md").write_text("\n".join(lines) + "\n", encoding="utf8")
    (args.out / "torch-memory.json").write_text(json.dumps(rows, indent=2), encoding="utf8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
