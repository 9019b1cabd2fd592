"""The benchmark's outputs: a markdown table, the JSON behind it and the trade-off plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

FAMILIES = {
    "original": ("original model", "black", "*"),
    "plain": ("plain fine-tuning", "tab:red", "o"),
    "pseudo": ("pseudo-label mixing", "tab:orange", "s"),
    "rehearsal": ("spaCy rehearsal", "tab:brown", "D"),
    "l2": ("L2 to start (F = 1)", "tab:gray", "v"),
    "legacy": ("spacy-ewc 0.1.1", "tab:purple", "X"),
    "ewc": ("EWC (this library)", "tab:blue", "o"),
    "ewc+pseudo": ("EWC + pseudo-labels", "tab:green", "P"),
    "pseudo+replay": ("pseudo-labels + replay", "gold", "^"),
    "ewc+pseudo+replay": ("EWC + pseudo-labels + replay", "tab:cyan", "h"),
    "second": ("second ner component (not EWC)", "tab:pink", "d"),
}
OLD_LABELS = ("PERSON", "ORG", "GPE|LOC")
GROUPS = {
    "replay": "Replay: old-domain text (the Fisher paragraphs) labelled by the original model, mixed into "
              "the training examples at the given ratio (replayed per new example):",
    "epochs": "More epochs (the main table uses the epochs given at the top):",
    "normalize": "Fisher normalised per array (each array's F over its own mean) instead of over the "
                 "mean of all arrays:",
    "averages": "Scored with the optimizer's parameter averages (`nlp.use_params(optimizer.averages)`, "
                "what `spacy train` saves) instead of the last weights:",
    "alternatives": "Not EWC, for comparison: plain fine-tuning's ner added as a second component before or "
                    "after the untouched original one (spaCy's ner keeps the entities an earlier component "
                    "set), so the pipeline carries two ner models and runs both (docs/recipe.md):",
    "diagnostics": "Diagnostics: the training data of the recipe (pseudo-labels and replay) with the DISEASE "
                   "gold removed, so the model is taught nothing new; what it loses is the cost of training "
                   "on its own labels (docs/recipe.md):",
}
# Groups whose recipe runs the pick may choose (last weights or averaged; diagnostics are not a recipe).
PICK_GROUPS = ("main", "replay", "epochs", "averages")


def family(job: dict) -> str:
    method = job["method"]
    if job.get("second_component"):
        return "second"  # not a recipe run, whatever trained it
    if job.get("replay"):
        return "pseudo+replay" if method == "plain" else "ewc+pseudo+replay"
    if method == "plain" and job.get("pseudo"):
        return "pseudo"
    if method == "ewc" and job.get("pseudo"):
        return "ewc+pseudo"
    return method


def rows(results: List[dict]) -> tuple:
    """Flat rows of the method runs, and the Fisher jobs keyed by source."""
    fisher = {r["source"]: r["result"] for r in results if r["job"] == "fisher"}
    runs = [r for r in results if r["job"] == "run" and "error" not in r["result"]]
    out = []
    for job in runs:
        res = job["result"]
        fisher_s, ratio = None, None
        if job["method"] == "ewc" and "error" not in fisher.get(job["source"], {"error": 1}):
            fisher_s, ratio = fisher[job["source"]]["fisher_s"], fisher[job["source"]]["fisher_epoch_ratio"]
        elif job["method"] == "legacy" and "fisher_s" in res and "epoch_s" in fisher.get("wiki", {}):
            fisher_s = res["fisher_s"]
            ratio = round(fisher_s / fisher["wiki"]["epoch_s"], 2)
        per_label = res["wikigold"]["per_label"]
        out.append({
            "name": job["name"], "family": family(job), "group": job.get("group", "main"),
            "lambda": job.get("lambda"), "epochs": job.get("epochs"), "source": job.get("source"),
            "wikigold_p": res["wikigold"]["p"], "wikigold_r": res["wikigold"]["r"],
            "wikigold_f": res["wikigold"]["f"],
            **{f"wikigold_{label}_f": per_label.get(label, {}).get("f", 0.0) for label in OLD_LABELS},
            "silver_f": res["silver"]["f"], "silver_dev_f": res["silver_dev"],
            "disease_p": res["disease_test"]["p"], "disease_r": res["disease_test"]["r"],
            "disease_f": res["disease_test"]["f"], "disease_devel_f": res["disease_devel"],
            "train_s": res.get("train_s"), "prep_s": res.get("prep_s"), "fisher_s": fisher_s,
            "fisher_epoch_ratio": ratio,
            "update_ratio": res.get("update_overhead"),
            "peak_rss_mb": res.get("peak_rss_mb"), "wall_s": res.get("wall_s"),
        })
    return out, fisher


RECIPE_FAMILIES = ("pseudo", "ewc+pseudo", "pseudo+replay", "ewc+pseudo+replay")
# The bar of issue #12 for the default recipe (on test data).
TARGETS = {"wikigold_of_original": 0.99, "silver": 0.95, "disease_of_plain": 0.95}


def plain_for(table: List[dict], epochs: Optional[int]) -> Optional[dict]:
    """Plain fine-tuning with the same number of epochs (the same budget), else the main one."""
    plain = [r for r in table if r["family"] == "plain" and r["group"] in ("main", "epochs")]
    same = [r for r in plain if r["epochs"] == epochs]
    return (same or [r for r in plain if r["name"] == "plain"] or [None])[0]


def best_setting(table: List[dict], families=RECIPE_FAMILIES, groups=PICK_GROUPS) -> Optional[dict]:
    """Our pick, made on development data only, among the recipe's runs (pseudo-labels, with
    or without EWC and replay; last or averaged weights): the best NCBI-devel DISEASE F1 among those with
    silver-dev agreement >= 0.95 and NCBI-devel DISEASE F1 >= 95% of plain's (plain with the
    same epochs); when none meets both, the one whose worse ratio to those two bars is highest."""
    ours = [r for r in table if r["family"] in families and r["group"] in groups]
    ours = [r for r in ours if plain_for(table, r["epochs"]) is not None]
    if not ours:
        return None

    def ratios(r):
        disease_bar = TARGETS["disease_of_plain"] * plain_for(table, r["epochs"])["disease_devel_f"]
        return r["silver_dev_f"] / TARGETS["silver"], r["disease_devel_f"] / disease_bar

    keep = [r for r in ours if min(ratios(r)) >= 1.0]
    if keep:
        return max(keep, key=lambda r: r["disease_devel_f"])
    return max(ours, key=lambda r: min(ratios(r)))


def targets(table: List[dict], best: Optional[dict]) -> List[dict]:
    by_name = {r["name"]: r for r in table}
    original, plain = by_name.get("original"), best and plain_for(table, best["epochs"])
    if not (best and original and plain):
        return []
    checks = [
        (f"WikiGold old-label micro-F1 >= {TARGETS['wikigold_of_original']:.0%} of the original model's",
         best["wikigold_f"], TARGETS["wikigold_of_original"] * original["wikigold_f"]),
        (f"silver agreement >= {TARGETS['silver']}", best["silver_f"], TARGETS["silver"]),
        (f"DISEASE F1 >= {TARGETS['disease_of_plain']:.0%} of {plain['name']}'s", best["disease_f"],
         TARGETS["disease_of_plain"] * plain["disease_f"]),
    ]
    out = [{"target": t, "value": v, "needed": round(n, 4), "met": v >= n} for t, v, n in checks]
    for family_name in ("rehearsal", "legacy"):
        for other in (r for r in table if r["family"] == family_name and r["group"] == "main"):
            for axis in ("wikigold_f", "disease_f"):
                out.append({"target": f"beats {other['name']} on {axis}", "value": best[axis],
                            "needed": other[axis], "met": best[axis] > other[axis]})
    return out


def fmt(value, digits=3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


COLUMNS = (
    "| method | WikiGold P | R | F1 | PERSON F1 | ORG F1 | GPE/LOC F1 | silver F1 | DISEASE P | R | F1 "
    "| train s | Fisher s (× epoch) | per-update cost | peak MB |"
)
NOTES = """\
Columns: WikiGold P/R/F1 are micro scores over PERSON, ORG and GPE-or-LOC (a predicted GPE
or LOC on a gold LOC span counts); silver F1 is agreement with the original model's own
entities (all 18 labels) on held-out Wikipedia paragraphs; DISEASE on NCBI test.
`train s`: wall-clock seconds in the update loop (they follow the load that other work
puts on the machine). `Fisher s (× epoch)`: seconds to estimate F, and that time as a
ratio to one training epoch over the same documents (computed once per source, shared by
every λ). `per-update cost`: time of an update with the method's extra work (EWC penalty
or rehearsal step) over the same update without it, both timed inside the run, so load
from other processes cancels out. `peak MB`: the job's process peak RSS (model, data and
all)."""


def runtime(meta: dict) -> str:
    text = f"Runtime {meta['runtime_s'] / 60:.1f} min"
    if meta.get("load"):
        text += f" (load average {meta['load']})"
    if meta.get("reused"):
        text += (f"; {meta['reused']} jobs were reused from earlier runs (`--reuse`), and the "
                 f"jobs' own times add up to {meta['jobs_s'] / 60:.1f} min")
    return text


def table_line(r: dict, bold: bool) -> str:
    name = f"**{r['name']}**" if bold else r["name"]
    if r["fisher_s"] is None:
        fisher_cell = "–"
    else:
        fisher_cell = f"{r['fisher_s']:.1f} ({r['fisher_epoch_ratio']:.2f}×)"
    cells = [
        name, fmt(r["wikigold_p"]), fmt(r["wikigold_r"]), fmt(r["wikigold_f"]),
        fmt(r["wikigold_PERSON_f"]), fmt(r["wikigold_ORG_f"]), fmt(r["wikigold_GPE|LOC_f"]),
        fmt(r["silver_f"]), fmt(r["disease_p"]), fmt(r["disease_r"]), fmt(r["disease_f"]),
        fmt(r["train_s"], 1), fisher_cell, fmt(r["update_ratio"], 2), fmt(r["peak_rss_mb"], 0),
    ]
    return "| " + " | ".join(cells) + " |"


def markdown(table: List[dict], fisher: Dict[str, dict], meta: dict, best: Optional[dict],
             checks: List[dict], errors: List[dict], second: Optional[dict] = None,
             second_checks: Optional[List[dict]] = None) -> str:
    s = meta["settings"]
    lines = [
        f"# Forgetting benchmark ({meta['mode']} mode)",
        "",
        f"en_core_web_sm learns DISEASE from {s['n_train']} NCBI-disease training sentences, "
        f"{s['epochs']} epochs, batch {s['batch_size']}, dropout {s['drop']}, seed {s['seed']}, the "
        f"model's own Adam settings, for every method. {runtime(meta)}. Machine: {meta['machine']}, "
        f"spaCy {meta['spacy']}, Python {meta['python']}.",
        "",
        f"Old labels: WikiGold ({s['n_wikigold']} sentences) and agreement with the original model on "
        f"{s['n_silver']} held-out Wikipedia paragraphs. DISEASE: NCBI test ({s['n_test']} sentences); "
        f"NCBI devel ({s['n_devel']}) and {s['n_silver_dev']} other paragraphs for choices.",
        "",
        COLUMNS,
        "|---|" + "---:|" * 14,
    ]
    main_rows = [r for r in table if r["group"] == "main"]
    lines += [table_line(r, bool(best and r["name"] == best["name"])) for r in main_rows]
    for group, title in GROUPS.items():
        extra = [r for r in table if r["group"] == group]
        if extra:
            lines += ["", title, "", COLUMNS, "|---|" + "---:|" * 14]
            lines += [table_line(r, False) for r in extra]
    lines += ["", NOTES, "", "Fisher estimates:", "",
              "| source | kind | docs | words | seconds | one training epoch, s | ratio | note |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for source, f in fisher.items():
        if "error" in f:
            lines.append(f"| {source} | failed | | | | | | |")
            continue
        note = ""
        if "max_rel_diff_to_predicted" in f:
            diff = f["max_rel_diff_to_predicted"]
            note = f"max relative difference to `predicted` on the same text: {diff:.2g}"
        lines.append(f"| {source} | {f['fisher_kind']} | {f['n_docs']} | {f['n_words']} | {f['fisher_s']} "
                     f"| {f['epoch_s']} | {f['fisher_epoch_ratio']} | {note} |")
    if best:
        rule = ("among the pseudo-label runs, the best NCBI-devel DISEASE F1 with silver-dev agreement "
                ">= 0.95 and devel DISEASE >= 95% of plain's; if none meets both, the highest worse ratio "
                "to the two bars")
        lines += ["", f"Our pick, made on development data only ({rule}): **{best['name']}**.", "",
                  "| target (on test data) | value | needed | met |", "|---|---:|---:|---|"]
        lines += target_lines(checks)
    if second:
        lines += ["", "The same rule among the second-component rows (not EWC, docs/recipe.md): "
                      f"**{second['name']}**.", "",
                  "| target (on test data) | value | needed | met |", "|---|---:|---:|---|"]
        lines += target_lines(second_checks or [])
    if errors:
        lines += ["", "Jobs that failed or were skipped:", ""]
        lines += [f"- {e['name']}: {(e['result']['error'] or '').splitlines()[-1:]}" for e in errors]
    return "\n".join(lines) + "\n"


def target_lines(checks: List[dict]) -> List[str]:
    """Four digits: a target missed by less than 0.001 must not print as met."""
    return [f"| {c['target']} | {fmt(c['value'], 4)} | {fmt(c['needed'], 4)} | "
            f"{'yes' if c['met'] else 'no'} |" for c in checks]


SOURCES = {"wiki": "", "wiki-empirical": " emp/wiki", "ncbi": " ncbi", "both": " wiki+ncbi"}


def short_name(r: dict) -> str:
    """The point's label in the plot: the family is in the legend, so mostly λ."""
    lam = f"λ={r['lambda']:g}" if r["lambda"] is not None else ""
    if r["family"] in ("pseudo+replay", "ewc+pseudo+replay"):
        epochs = f" {r['epochs']} ep" if " epochs" in r["name"] else ""
        averaged = " avg" if r["group"] == "averages" else ""
        ratio = r["name"].split("replay ")[1].split()[0].rstrip(",")
        return (lam + " " if lam else "") + f"r={ratio}{epochs}{averaged}"
    if r["family"] in ("ewc", "ewc+pseudo"):
        return lam + SOURCES.get(r["source"], "")
    if r["family"] == "l2":
        return f"L2 {lam}"
    if r["family"] == "legacy":
        return f"0.1.1 {lam}"
    if r["family"] == "second":
        return second_short_name(r["name"])
    return {"plain": "plain", "pseudo": "pseudo", "rehearsal": "rehearsal"}.get(r["family"], r["name"])


def second_short_name(name: str) -> str:
    """"second ner component (plain + replay 1 without entities, 6 epochs, before the
    original), averaged" -> "r=1 ∅ 6 ep, before"."""
    inner = name[name.index("(") + 1:name.rindex(")")]
    trained, *rest = inner.split(", ")
    where = " ".join(part.replace(" the original", "") for part in rest if "the original" in part)
    epochs = next((part.replace(" epochs", " ep") for part in rest if part.endswith("epochs")), "")
    trained = ("EWC+pseudo" if trained.startswith("EWC") else
               "r=" + trained.split("replay ")[1].split()[0] + " ∅" if "replay" in trained else trained)
    only = " new only" if "new label only" in inner else ""
    return f"{trained}{' ' + epochs if epochs else ''}, {where}{only}"


def plot(table: List[dict], meta: dict, path: Path, best: Optional[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(15, 7))
    by_name = {r["name"]: r for r in table}
    original, plain = by_name.get("original"), by_name.get("plain")
    panels = (("wikigold_f", "old-label micro-F1 on WikiGold (PERSON, ORG, GPE/LOC) →"),
              ("silver_f", "agreement with the original model, held-out Wikipedia (18 labels) →"))
    for ax, (key, ylabel) in zip(axes, panels):
        if original:
            ax.axhline(original[key], color="black", lw=1, ls="--", label="original model")
            floor = TARGETS["silver"]
            if key == "wikigold_f":
                floor = TARGETS["wikigold_of_original"] * original[key]
            ax.axhline(floor, color="black", lw=0.8, ls=":",
                       label="old-label target (99% of original / 0.95)")
        if plain:
            ax.axvline(TARGETS["disease_of_plain"] * plain["disease_f"], color="tab:red", lw=0.8, ls=":",
                       label="target: 95% of plain DISEASE F1")
        seen = set()
        shown = ("main", "replay", "alternatives")
        points = [r for r in table if r["name"] != "original" and (r["group"] in shown or (
            r["group"] == "averages" and r["family"] in RECIPE_FAMILIES))]
        for i, r in enumerate(sorted(points, key=lambda r: r["disease_f"])):
            label, color, marker = FAMILIES[r["family"]]
            ax.scatter(r["disease_f"], r[key], c=color, marker=marker, s=70,
                       edgecolors="black" if best and r["name"] == best["name"] else "none",
                       label=None if label in seen else label, zorder=3)
            seen.add(label)
            ax.annotate(short_name(r), (r["disease_f"], r[key]), fontsize=7, color=color,
                        xytext=(4, 5 if i % 2 else -10), textcoords="offset points")
        ax.set_xlabel("DISEASE F1 on NCBI test (new label) →")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=9)
    s = meta["settings"]
    fig.suptitle(f"Learning DISEASE vs keeping old labels: en_core_web_sm, {s['n_train']} NCBI sentences, "
                 f"{s['epochs']} epochs ({meta['mode']} mode); up and right is better; "
                 "EWC points are labelled with λ", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(results: List[dict], meta: dict, out_dir: Path, suffix: str = "") -> List[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    table, fisher = rows(results)
    best = best_setting(table)
    checks = targets(table, best)
    second = best_setting(table, ("second",), ("alternatives",))
    second_checks = targets(table, second)
    errors = [r for r in results if "error" in r["result"]]
    base = out_dir / f"forgetting{suffix}"
    jobs = [{k: v for k, v in r.items() if k != "settings"} for r in results]
    data = {"meta": meta, "table": table, "best": best and best["name"], "targets": checks,
            "second_component": second and second["name"], "second_component_targets": second_checks,
            "fisher": fisher, "jobs": jobs}
    Path(f"{base}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf8")
    page = markdown(table, fisher, meta, best, checks, errors, second, second_checks)
    Path(f"{base}.md").write_text(page, encoding="utf8")
    plot(table, meta, Path(f"{base}.png"), best)
    return [Path(f"{base}.md"), Path(f"{base}.json"), Path(f"{base}.png")]
