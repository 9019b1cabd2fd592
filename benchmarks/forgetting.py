"""Forgetting benchmark: teach DISEASE to en_core_web_sm and compare ways of not forgetting.

    python benchmarks/forgetting.py --quick        # subsets, a few minutes (make bench)
    python benchmarks/forgetting.py                # the full grid (make bench-full)
    python benchmarks/forgetting.py --data DIR     # the corpora in DIR (docs/data.md)

Every method starts from en_core_web_sm, trains its `ner` on the same NCBI-disease
batches (same seed, epochs, optimizer) and is scored on old labels (WikiGold gold,
agreement with the original model on held-out Wikipedia) and on DISEASE (NCBI test).
Each job runs in its own process (bench_run.py), one after the other. Results go to
benchmarks/results/forgetting[-quick].{md,json,png}; docs/benchmarks.md explains them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Dict, List, Optional

import spacy
from bench_data import check_data_dir, default_data_dir, load_ncbi, sample, split_wikipedia
from bench_eval import predict, predict_texts
from bench_report import write_report
from spacy.tokens import DocBin
from wasabi import msg

from spacy_ewc.utils.pseudo_labels import DEFAULT_REPLAY_RATIO

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
LEGACY_VERSION = "0.1.1"

# Wikipedia paragraphs, shuffled with bench_data.WIKIPEDIA_SEED, are cut in this order into
# [Fisher/rehearsal text, silver dev, silver test]; quick mode takes a prefix of each part.
WIKI_PARTS = (400, 100, 400)

FULL = {
    "n_train": 2000, "epochs": 3, "n_devel": 923, "n_test": 940, "n_wikigold": 1696,
    "n_fisher_wiki": 400, "n_fisher_ncbi": 1000, "n_silver_dev": 100, "n_silver": 400,
    "batch_size": 16, "drop": 0.1, "rehearsal_batch_size": 4, "seed": 0,
    "lambdas": [1, 3, 10, 30], "l2_lambdas": [1, 10], "legacy_lambdas": [1000],
    "empirical_lambdas": [], "source_lambdas": [3], "pseudo_lambdas": [0.3, 1, 3, 10],
    "both_pseudo_lambdas": [3], "epoch_grid": [6], "epoch_lambdas": [1, 10], "averages": True,
    "per_array_lambdas": [3], "per_array_pseudo_lambdas": [1, 3], "peak_lambdas": [1000, 2000, 4000],
    "replay_ratios": [0.25, 0.5, 1], "replay_lambdas": [0.3, 1], "replay_lambda_ratios": [0.25],
    "replay_epochs": [(6, 0.25, 0.3)], "replay_averaged": [(0.25, 0.3)],
    "recipe_averaged": [(3, 0.1), (3, 1), (6, 0.3), (6, 1)], "self_training": True,
    "second_component": True,
}
# The settings a single job depends on (the rest only says which jobs to run).
JOB_SETTINGS = ("n_train", "n_devel", "n_test", "n_wikigold", "n_fisher_wiki", "n_fisher_ncbi",
                "n_silver_dev", "n_silver", "batch_size", "drop", "rehearsal_batch_size", "seed")
QUICK = {
    **FULL,
    "n_train": 400, "epochs": 2, "n_devel": 200, "n_test": 300, "n_wikigold": 400,
    "n_fisher_wiki": 80, "n_fisher_ncbi": 200, "n_silver_dev": 40, "n_silver": 80,
    "lambdas": [3, 10], "l2_lambdas": [10], "empirical_lambdas": [3], "source_lambdas": [3],
    "pseudo_lambdas": [3], "both_pseudo_lambdas": [], "epoch_grid": [], "averages": False,
    "per_array_lambdas": [], "per_array_pseudo_lambdas": [], "peak_lambdas": [2000],
    "replay_ratios": [0.5], "replay_lambdas": [1], "replay_lambda_ratios": [0.5], "replay_epochs": [],
    "replay_averaged": [], "recipe_averaged": [(4, 0.3)], "self_training": False,
    "second_component": False,
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small subsets, for development")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default benchmarks/results; .cache/MODE/partial with --only)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lambdas", type=float, nargs="+", help="λ grid of the main EWC runs")
    parser.add_argument("--pseudo-lambdas", type=float, nargs="+", help="λ grid of EWC + pseudo-labels")
    parser.add_argument("--only", nargs="+", help="run only jobs whose name starts with one of these")
    parser.add_argument("--jobs", nargs="+", help="run only the jobs of exactly these names")
    parser.add_argument("--reuse", action="store_true",
                        help="keep results of jobs already run with the same settings (to extend the grid)")
    parser.add_argument("--report", type=Path, nargs="+", metavar="JSON",
                        help="run nothing: write one report from the JSON of earlier runs (later files win)")
    parser.add_argument("--skip-legacy", action="store_true", help="do not install/run spacy-ewc 0.1.1")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- plan


def plan(settings: dict) -> List[dict]:
    """Every job, in run order: Fisher estimates first, then one run per method setting."""
    epochs = settings["epochs"]
    jobs: List[dict] = [
        {"job": "fisher", "name": f"fisher {source}", "source": source}
        for source in ("wiki", "wiki-empirical", "ncbi", "both")
    ]

    def run(name, method, **extra):
        jobs.append({"job": "run", "name": name, "method": method, "epochs": epochs, **extra})

    run("original", "original", epochs=0)
    run("plain", "plain")
    run("pseudo-labels", "plain", pseudo=True)
    run("rehearsal", "rehearsal")
    for lam in settings["l2_lambdas"]:
        run(f"L2 λ={lam:g}", "l2", **{"lambda": lam})
    for lam in settings["legacy_lambdas"]:
        run(f"spacy-ewc {LEGACY_VERSION} λ={lam:g}", "legacy", **{"lambda": lam})
    for lam in settings["lambdas"]:
        run(f"EWC predicted/wiki λ={lam:g}", "ewc", source="wiki", **{"lambda": lam})
    for lam in settings["empirical_lambdas"]:
        run(f"EWC empirical/wiki λ={lam:g}", "ewc", source="wiki-empirical", **{"lambda": lam})
    for source, label in (("ncbi", "empirical/ncbi"), ("both", "empirical/wiki+ncbi")):
        for lam in settings["source_lambdas"]:
            run(f"EWC {label} λ={lam:g}", "ewc", source=source, **{"lambda": lam})
    for lam in settings["pseudo_lambdas"]:
        run(f"EWC predicted/wiki + pseudo λ={lam:g}", "ewc", source="wiki", pseudo=True, **{"lambda": lam})
    for lam in settings["both_pseudo_lambdas"]:
        run(f"EWC empirical/wiki+ncbi + pseudo λ={lam:g}", "ewc", source="both", pseudo=True,
            **{"lambda": lam})
    for r in settings["replay_ratios"]:
        run(f"pseudo-labels + replay {r:g}", "plain", pseudo=True, replay=r, group="replay")
    for r in settings["replay_lambda_ratios"]:
        for lam in settings["replay_lambdas"]:
            run(f"EWC predicted/wiki + pseudo + replay {r:g} λ={lam:g}", "ewc", source="wiki", pseudo=True,
                replay=r, group="replay", **{"lambda": lam})
    for n, r, lam in settings["replay_epochs"]:
        if lam:
            run(f"EWC predicted/wiki + pseudo + replay {r:g} λ={lam:g}, {n} epochs", "ewc", source="wiki",
                pseudo=True, replay=r, epochs=n, group="replay", **{"lambda": lam})
        else:
            run(f"pseudo-labels + replay {r:g}, {n} epochs", "plain", pseudo=True, replay=r, epochs=n,
                group="replay")
    for n in settings["epoch_grid"]:
        run(f"plain, {n} epochs", "plain", epochs=n, group="epochs")
        for lam in settings["epoch_lambdas"]:
            run(f"EWC predicted/wiki + pseudo λ={lam:g}, {n} epochs", "ewc", source="wiki", pseudo=True,
                epochs=n, group="epochs", **{"lambda": lam})
    for lam in settings["per_array_lambdas"]:
        run(f"EWC predicted/wiki λ={lam:g}, per-array F", "ewc", source="wiki", normalize="per-array",
            group="normalize", **{"lambda": lam})
    for lam in settings["per_array_pseudo_lambdas"]:
        run(f"EWC predicted/wiki + pseudo λ={lam:g}, per-array F", "ewc", source="wiki", pseudo=True,
            normalize="per-array", group="normalize", **{"lambda": lam})
    for lam in settings["peak_lambdas"]:
        run(f"EWC predicted/wiki λ={lam:g}, peak F", "ewc", source="wiki", normalize="peak",
            group="normalize", **{"lambda": lam})
    if settings["averages"]:
        run("plain, averaged", "plain", averages=True, group="averages")
        run("pseudo-labels, averaged", "plain", pseudo=True, averages=True, group="averages")
        run("EWC predicted/wiki λ=10, averaged", "ewc", source="wiki", averages=True, group="averages",
            **{"lambda": 10})
        run("EWC predicted/wiki + pseudo λ=1, averaged", "ewc", source="wiki", pseudo=True, averages=True,
            group="averages", **{"lambda": 1})
    for r, lam in settings.get("replay_averaged", []):
        run(f"EWC predicted/wiki + pseudo + replay {r:g} λ={lam:g}, averaged", "ewc", source="wiki",
            pseudo=True, replay=r, averages=True, group="averages", **{"lambda": lam})
    r = DEFAULT_REPLAY_RATIO
    for n in sorted({n for n, _ in settings.get("recipe_averaged", []) if n != epochs}):
        run(f"plain, {n} epochs, averaged", "plain", epochs=n, averages=True, group="averages")
    for n, lam in settings.get("recipe_averaged", []):
        run(f"EWC predicted/wiki + pseudo + replay {r:g} λ={lam:g}, {n} epochs, averaged", "ewc",
            source="wiki", pseudo=True, replay=r, epochs=n, averages=True, group="averages",
            **{"lambda": lam})
    if settings.get("self_training"):
        for averaged in (False, True):
            run("self-training (pseudo + replay, DISEASE gold removed)" + (", averaged" if averaged else ""),
                "plain", pseudo=True, replay=r, self_training=True, averages=averaged, group="diagnostics")
    if settings.get("second_component"):
        recipe = f"EWC + pseudo + replay {r:g} λ=1, 6 epochs"
        for trained, where in (("plain", "before"), ("plain", "after"), ("plain", "before, new label only"),
                               (recipe, "before"), (recipe, "before, new label only")):
            place = where.replace("before", "before the original").replace("after", "after the original")
            method, extra = ("plain", {}) if trained == "plain" else (
                "ewc", {"source": "wiki", "pseudo": True, "replay": r, "epochs": 6, "lambda": 1})
            run(f"second ner component ({trained}, {place}), averaged", method, averages=True,
                second_component=where, group="alternatives", **extra)
        for n, ratio in ((epochs, r), (6, r), (epochs, 0.5), (epochs, 1.0), (6, 1.0)):
            run(f"second ner component (plain + replay {ratio:g} without entities, {n} epochs, "
                "before the original), averaged", "plain", pseudo=True, pseudo_labels=[], replay=ratio,
                epochs=n, averages=True, second_component="before", group="alternatives")
    return jobs


# ---------------------------------------------------------------- shared inputs


def prepare(data_dir: Path, cache: Path, settings: dict) -> Dict[str, int]:
    """Cache the Wikipedia parts (pre-labelled by the original model) and the NCBI Fisher docs."""
    nlp = spacy.load("en_core_web_sm")
    fisher, dev, test = split_wikipedia(data_dir, WIKI_PARTS)
    parts = {
        "fisher_wiki": fisher[: settings["n_fisher_wiki"]],
        "silver_dev": dev[: settings["n_silver_dev"]],
        "silver_test": test[: settings["n_silver"]],
    }
    for name, texts in parts.items():
        DocBin(docs=predict_texts(nlp, texts)).to_disk(cache / f"{name}.spacy")
    train = sample(load_ncbi(data_dir, "train", nlp.vocab), settings["n_train"], settings["seed"])
    ncbi = predict(nlp, train[: settings["n_fisher_ncbi"]])
    DocBin(docs=ncbi).to_disk(cache / "fisher_ncbi.spacy")
    return {name: len(texts) for name, texts in parts.items()} | {"fisher_ncbi": len(ncbi)}


def legacy_python(cache: Path) -> Optional[Path]:
    """Python of a virtual environment with spacy-ewc 0.1.1 (created once, under .cache/).

    The environment has its own site-packages (spacy-ewc 0.1.1, installed without
    dependencies) and then, through a .pth line, this environment's site-packages for
    spaCy, thinc, numpy and en_core_web_sm. Lines in a .pth add a folder without running
    that folder's own .pth files, so this project's editable install stays invisible.
    """
    env = cache / f"spacy-ewc-{LEGACY_VERSION}"
    python = env / "bin" / "python"
    if not (env / ".ready").is_file():
        try:
            venv = [sys.executable, "-m", "venv", "--clear", str(env)]
            subprocess.run(venv, check=True, capture_output=True)
            pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
            subprocess.run([*pip, f"spacy-ewc=={LEGACY_VERSION}"], check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as err:
            msg.warn(f"spacy-ewc {LEGACY_VERSION} could not be installed, its run is skipped",
                     (getattr(err, "stderr", "") or str(err)).strip()[-500:])
            return None
        (env / ".ready").touch()
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "project_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf8")
    return python


# ---------------------------------------------------------------- jobs


def slug(name: str) -> str:
    name = name.replace("λ", "lambda")
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in name).strip("_")


def run_job(job: dict, python: Path, workdir: Path, reuse: bool = False) -> dict:
    """Run one job in a fresh process; its result, or {"error": ...} with the log's tail.

    With `reuse`, a job whose spec is unchanged and whose result is on disk is not run again.
    """
    spec_path, out_path = workdir / f"{slug(job['name'])}.json", workdir / f"{slug(job['name'])}.out.json"
    if reuse and spec_path.is_file() and out_path.is_file():
        if json.loads(spec_path.read_text(encoding="utf8")) == json.loads(json.dumps(job)):
            result = json.loads(out_path.read_text(encoding="utf8"))
            if "wall_s" in result:
                return {**result, "reused": True}
    spec_path.write_text(json.dumps(job, indent=2), encoding="utf8")
    out_path.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.run([str(python), str(HERE / "bench_run.py"), str(spec_path), str(out_path)],
                          cwd=HERE, capture_output=True, text=True)
    wall = round(time.perf_counter() - start, 1)
    (workdir / f"{slug(job['name'])}.log").write_text(proc.stdout + proc.stderr, encoding="utf8")
    if proc.returncode != 0 or not out_path.is_file():
        return {"error": (proc.stderr or proc.stdout).strip()[-800:], "wall_s": wall}
    result = {**json.loads(out_path.read_text(encoding="utf8")), "wall_s": wall}
    out_path.write_text(json.dumps(result, indent=2), encoding="utf8")
    return result


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.report:
        return merge_reports(args.report, args.out or RESULTS)
    settings = dict(QUICK if args.quick else FULL, seed=args.seed)
    if args.lambdas:
        settings["lambdas"] = args.lambdas
    if args.pseudo_lambdas:
        settings["pseudo_lambdas"] = args.pseudo_lambdas
    data_dir = check_data_dir((args.data or default_data_dir()).resolve())
    mode = "quick" if args.quick else "full"
    cache = CACHE / mode
    workdir = cache / "jobs"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    msg.info(f"{mode} mode, data from {data_dir}")
    sizes = prepare(data_dir, cache, settings)
    legacy = None if args.skip_legacy else legacy_python(CACHE)
    jobs = [j for j in plan(settings) if selected(j["name"], args.only, args.jobs)]
    results = []
    for i, job in enumerate(jobs, 1):
        job_settings = {key: settings[key] for key in JOB_SETTINGS}
        job = {**job, "settings": job_settings, "data_dir": str(data_dir), "cache_dir": str(cache)}
        if job["job"] == "fisher" or job.get("method") == "ewc":
            job["state_dir"] = str(cache / "fisher" / slug(job.get("source", "")))
        python = Path(sys.executable)
        if job.get("method") == "legacy":
            if legacy is None:
                results.append({**job, "result": {"error": f"spacy-ewc {LEGACY_VERSION} not installed"}})
                continue
            python = legacy
        result = run_job(job, python, workdir, reuse=args.reuse)
        results.append({**job, "result": result})
        reused = ", reused" if result.get("reused") else ""
        title = f"[{i}/{len(jobs)}] {job['name']} ({result['wall_s']}s{reused})"
        if "error" in result:
            msg.fail(title, result["error"].splitlines()[-1:])
        else:
            msg.good(title, _summary(result))
    runtime = round(time.perf_counter() - started, 1)
    jobs_s = round(sum(r["result"].get("wall_s", 0.0) for r in results), 1)
    meta = {
        "mode": mode, "runtime_s": runtime, "jobs_s": jobs_s,
        "reused": sum(1 for r in results if r["result"].get("reused")),
        "load": _load(load_before), "settings": settings, "sizes": sizes,
        "data_dir": str(data_dir), "spacy": spacy.__version__, "python": platform.python_version(),
        "machine": f"{platform.machine()}, {_cpus()} CPU cores",
    }
    out = args.out or (cache / "partial" if args.only or args.jobs else RESULTS)
    paths = write_report(results, meta, out, suffix="" if mode == "full" else "-quick")
    msg.good(f"Done in {runtime / 60:.1f} min", "\n".join(str(p) for p in paths))
    return 0


def merge_reports(paths: List[Path], out: Path) -> int:
    """One report from the saved JSON of runs made with the same job settings."""
    runs = [json.loads(Path(p).read_text(encoding="utf8")) for p in paths]
    keys = {json.dumps({k: r["meta"]["settings"][k] for k in JOB_SETTINGS}, sort_keys=True) for r in runs}
    if len(keys) > 1:
        msg.fail("The runs used different job settings; their numbers are not comparable.", exits=1)
    jobs = {}
    for run in runs:
        jobs.update((job["name"], job) for job in run["jobs"])
    meta = dict(runs[-1]["meta"])
    meta["runtime_s"] = round(sum(r["meta"]["runtime_s"] for r in runs), 1)
    meta["jobs_s"] = round(sum(r["meta"]["jobs_s"] for r in runs), 1)
    meta["load"] = "; ".join(r["meta"]["load"] or "?" for r in runs) + f" ({len(runs)} runs merged)"
    suffix = "" if meta["mode"] == "full" else "-quick"
    paths_out = write_report(list(jobs.values()), meta, out, suffix=suffix)
    msg.good("Merged", "\n".join(str(p) for p in paths_out))
    return 0


def selected(name: str, prefixes: Optional[List[str]], names: Optional[List[str]]) -> bool:
    if not prefixes and not names:
        return True
    return name in (names or ()) or any(name.startswith(p) for p in prefixes or ())


def _summary(result: dict) -> str:
    if "fisher_s" in result and "wikigold" not in result:
        return f"fisher {result['fisher_s']}s = {result['fisher_epoch_ratio']}x one epoch"
    return (f"WikiGold F1 {result['wikigold']['f']:.3f}  silver {result['silver']['f']:.3f}  "
            f"DISEASE F1 {result['disease_test']['f']:.3f}")


def _load(before: Optional[float]) -> Optional[str]:
    """The 1-minute load average at the start and at the end: other work on the machine."""
    if before is None:
        return None
    return f"{before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
