"""`spacy-ewc evaluate`: what a fine-tuned model kept, per entity label.

Two views: agreement with a reference model's predictions (raw text is enough; the
reference is usually the pipeline before fine-tuning) and, for a .spacy corpus, scores
against the gold annotations, for the model and the reference side by side.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import srsly
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.training import Example
from wasabi import msg

from ..errors import Errors
from ..readers import check_path, item_text, read_items, token_copy
from ._util import (
    Arg,
    Opt,
    app,
    check_limit,
    check_output_file,
    fail,
    load_model,
    user_errors,
)


@app.command("evaluate")
def evaluate_cli(
    model: str = Arg(..., help="The fine-tuned pipeline (package name or folder)"),
    data: Path = Arg(..., help="Texts (.jsonl or text file) or a gold .spacy corpus"),
    reference: Optional[str] = Opt(
        None, "--reference", "-r", help="The pipeline to compare with, e.g. en_core_web_sm"
    ),
    output: Optional[Path] = Opt(None, "--output", "-o", help="Write the report as JSON"),
    png: Optional[Path] = Opt(None, "--png", help="Plot F per label to a PNG (needs matplotlib)"),
    limit: int = Opt(0, "--limit", help="Use the first N items of DATA (0: all)"),
):
    """Forgetting report per entity label: agreement with --reference's predictions on
    DATA and, when DATA is a .spacy corpus, P/R/F against its gold annotations."""
    check_limit(limit)
    check_output_file(output, "--output")
    check_output_file(png, "--png")
    with user_errors():
        check_path(data)
        if reference is None and data.suffix != ".spacy":
            raise ValueError(Errors.E096.format(data=data))
        if png is not None:
            _matplotlib()
    nlp = load_model(model)
    ref_nlp = load_model(reference) if reference else None
    if ref_nlp is not None and "ner" not in ref_nlp.pipe_names:
        fail(Errors.E097.format(model=reference))
    with user_errors():
        items = read_items(data, nlp, limit)
        ref_items = read_items(data, ref_nlp, limit) if ref_nlp is not None else None
        report = forgetting_report(nlp, items, ref_nlp, ref_items)
    print_report(report)
    if output is not None:
        with user_errors():
            srsly.write_json(output, report)
        msg.good(f"Report saved to {output}")
    if png is not None:
        with user_errors():
            plot_report(report, png)
        msg.good(f"Plot saved to {png}")


def forgetting_report(
    nlp: Language, items: list, reference: Optional[Language] = None, reference_items: Optional[list] = None
) -> Dict:
    """Per-label scores of `nlp` on `items` (texts or gold Examples); `reference_items` are
    the same items read with the reference's vocab."""
    texts = [item_text(item) for item in items]
    report: Dict = {"n_texts": len(texts)}
    if reference is not None:
        report["agreement"] = agreement(nlp, reference, texts)
    if items and all(isinstance(item, Example) for item in items):
        report["gold"] = {"model": gold_scores(nlp, items)}
        if reference is not None:
            report["gold"]["reference"] = gold_scores(reference, reference_items)
    return report


def agreement(nlp: Language, reference: Language, texts: List[str]) -> Dict:
    """P/R/F of `nlp`'s entities against `reference`'s, on the reference's labels.

    Entities of labels the reference does not know (the new ones) are counted apart.
    """
    known = set(reference.get_pipe("ner").labels) if "ner" in reference.pipe_names else set()
    examples, new = [], Counter()
    for doc, ref in zip(nlp.pipe(texts), reference.pipe(texts)):
        new.update(ent.label_ for ent in doc.ents if ent.label_ not in known)
        doc.ents = [ent for ent in doc.ents if ent.label_ in known]
        examples.append(Example(doc, ref))
    scores = _span_scores(examples)
    scores["new_labels"] = dict(new)
    return scores


def gold_scores(nlp: Language, examples: List[Example]) -> Dict:
    """P/R/F against the gold entities, for the labels the gold annotates."""
    docs = nlp.pipe(token_copy(eg.predicted, nlp.vocab) for eg in examples)
    return _span_scores([Example(doc, eg.reference) for doc, eg in zip(docs, examples)])


def _span_scores(examples: List[Example]) -> Dict:
    counts = Counter(ent.label_ for eg in examples for ent in eg.reference.ents)
    scores = Scorer.score_spans(examples, "ents")
    per_label = {
        label: {"p": values["p"], "r": values["r"], "f": values["f"], "n": counts[label]}
        for label, values in sorted((scores["ents_per_type"] or {}).items())
        if counts[label]
    }
    return {"p": scores["ents_p"], "r": scores["ents_r"], "f": scores["ents_f"], "per_label": per_label}


def print_report(report: Dict) -> None:
    if "agreement" in report:
        scores = report["agreement"]
        msg.divider("Agreement with the reference model")
        rows = [
            (label, v["n"], _pct(v["p"]), _pct(v["r"]), _pct(v["f"]))
            for label, v in scores["per_label"].items()
        ]
        rows.append(("ALL", sum(v["n"] for v in scores["per_label"].values()),
                     _pct(scores["p"]), _pct(scores["r"]), _pct(scores["f"])))
        msg.table(rows, header=("label", "n ref", "P", "R", "F"), aligns=("l", "r", "r", "r", "r"))
        if scores["new_labels"]:
            found = ", ".join(f"{label} ({n})" for label, n in sorted(scores["new_labels"].items()))
            msg.info(f"New labels predicted (not in the reference): {found}")
    if "gold" in report:
        msg.divider("Against the gold annotations")
        model, ref = report["gold"]["model"], report["gold"].get("reference")
        header = ("label", "n gold", "P", "R", "F") + (("F ref", "ΔF") if ref else ())
        rows = []
        for label, v in model["per_label"].items():
            row = (label, v["n"], _pct(v["p"]), _pct(v["r"]), _pct(v["f"]))
            if ref:
                f_ref = ref["per_label"].get(label, {}).get("f", 0.0)
                row += (_pct(f_ref), _pct(v["f"] - f_ref))
            rows.append(row)
        total = ("ALL", sum(v["n"] for v in model["per_label"].values()), _pct(model["p"]), _pct(model["r"]),
                 _pct(model["f"]))
        rows.append(total + ((_pct(ref["f"]), _pct(model["f"] - ref["f"])) if ref else ()))
        msg.table(rows, header=header, aligns=("l",) + ("r",) * (len(header) - 1))


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def plot_report(report: Dict, path: Path) -> None:
    """Bar chart of F per label: agreement and, with gold, model vs reference."""
    plt = _matplotlib()
    panels = []
    if "agreement" in report:
        panels.append(("Agreement with the reference (F)", {"model": _f_per_label(report["agreement"])}))
    if "gold" in report:
        panels.append(("Against gold (F)", {name: _f_per_label(s) for name, s in report["gold"].items()}))
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.2 * len(panels)), squeeze=False)
    for ax, (title, bars) in zip(axes[:, 0], panels):
        labels = sorted({label for values in bars.values() for label in values})
        width = 0.8 / len(bars)
        for i, (name, values) in enumerate(bars.items()):
            ax.bar([x + i * width for x in range(len(labels))], [values.get(label, 0.0) for label in labels],
                   width, label=name)
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels, rotation=45, ha="right")
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _matplotlib():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(Errors.E082) from None
    return plt


def _f_per_label(scores: Dict) -> Dict[str, float]:
    return {label: values["f"] for label, values in scores["per_label"].items()}
