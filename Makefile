# Two commands on a fresh machine: `make example` and `make test`.
# Each creates or refreshes .venv, installs the project and en_core_web_sm when
# something changed, then runs the example or the test suite. `make test` runs both
# tiers on the excerpts in tests/data; `make test-fast` only the unit tier (no
# en_core_web_sm, `-m "not slow"`). Benchmarks and `make train-disease` read the full
# corpora from DATA (see docs/data.md).

PYTHON ?= python3
# The full corpora (NCBI disease, WikiGold, Wikipedia lead paragraphs) for benchmarks and
# train-disease: `make bench DATA=/path/to/data`; docs/data.md says where to fetch them.
DATA ?= ../shared/data
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-stamp
MODEL := $(VENV)/.model-stamp

.PHONY: setup example test test-fast lint bench bench-full clean

setup: $(MODEL)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench,torch,curated]'
	@touch $@

$(MODEL): $(INSTALLED) scripts/ensure_model.py
	$(PY) scripts/ensure_model.py
	@touch $@

example: setup
	$(PY) examples/ewc_ner_training_example.py

lint: setup
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest

test-fast: $(INSTALLED)
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) benchmarks/forgetting.py --quick --data $(DATA)

bench-full: setup
	$(PY) benchmarks/forgetting.py --data $(DATA)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache

# `make train-disease`: spaCy's own CLI from the raw data to scores, with EWC turned on by
# configs/ner_disease_ewc.cfg (see docs/spacy-train.md). NCBI-disease becomes .spacy through
# `spacy convert` (label renamed to DISEASE); the last 500 Wikipedia paragraphs, labelled by
# en_core_web_sm with `spacy apply`, measure agreement on the old labels (the Fisher uses the
# first 500). The training sentences carry en_core_web_sm's own entities where the gold has
# none, and the Fisher text is replayed among them (spacy-ewc.PseudoLabelCorpus.v1, see
# docs/recipe.md). EWC_LAMBDA=0 trains the same way without the penalty; RECIPE=0 without
# pseudo-labels and replay.
DISEASE_OUT ?= training/disease
EWC_LAMBDA ?= 160
# RECIPE=0 trains without pseudo-labels and replay (with EWC_LAMBDA=0: plain fine-tuning).
RECIPE ?= 1
RECIPE_OFF := --corpora.train.labels '[]' --corpora.train.replay_ratio 0 --corpora.dev.labels '[]'
NCBI := corpus/ncbi/train.spacy corpus/ncbi/devel.spacy corpus/ncbi/test.spacy

.PHONY: train-disease

# A corpus file that is not in DATA: say where to get it instead of "No rule to make target".
.PRECIOUS: $(DATA)/%
$(DATA)/%:
	@echo "Missing $@: the full corpora are not in DATA=$(DATA). Fetch them as docs/data.md says, then run with DATA=/path/to/data." >&2
	@exit 1

corpus/ncbi/%.spacy: $(DATA)/ncbi_disease/%.tsv | $(MODEL)
	@mkdir -p corpus/ncbi
	sed 's/-Disease$$/-DISEASE/' $< > corpus/ncbi/$*.iob
	$(PY) -m spacy convert corpus/ncbi/$*.iob corpus/ncbi --converter ner --n-sents 10

corpus/wiki/heldout.spacy: $(DATA)/wikipedia_summaries/extracts_en.txt | $(MODEL)
	@mkdir -p corpus/wiki
	tail -n 500 $< | $(PY) -c "import sys, srsly; srsly.write_jsonl(sys.argv[1], \
		({'text': t.strip()} for t in sys.stdin if t.strip()))" corpus/wiki/heldout.jsonl
	$(PY) -m spacy apply en_core_web_sm corpus/wiki/heldout.jsonl $@ --force

train-disease: $(NCBI) corpus/wiki/heldout.spacy
	$(PY) -m spacy train configs/ner_disease_ewc.cfg --output $(DISEASE_OUT) \
		--paths.train corpus/ncbi/train.spacy --paths.dev corpus/ncbi/devel.spacy \
		--paths.fisher $(DATA)/wikipedia_summaries/extracts_en.txt \
		--initialize.after_init.lambda_ $(EWC_LAMBDA) $(if $(filter 0,$(RECIPE)),$(RECIPE_OFF))
	$(PY) -m spacy evaluate $(DISEASE_OUT)/model-best corpus/ncbi/test.spacy \
		--output $(DISEASE_OUT)/scores-disease.json
	$(PY) -m spacy evaluate $(DISEASE_OUT)/model-best corpus/wiki/heldout.spacy \
		--output $(DISEASE_OUT)/scores-old-labels.json

# `make train-disease-second`: not EWC, for comparison (docs/recipe.md, "Not EWC: a second
# component"): DISEASE in a second ner (configs/ner_disease_second.cfg) before the untouched
# original one, scored the same way as train-disease.
SECOND_OUT ?= training/disease-second
# Old-domain paragraphs replayed without entities per training sentence.
SECOND_REPLAY ?= 0.25

.PHONY: train-disease-second

corpus/base/config.cfg: | $(MODEL)
	$(PY) -c "import spacy; spacy.load('en_core_web_sm').to_disk('corpus/base')"

train-disease-second: $(NCBI) corpus/wiki/heldout.spacy corpus/base/config.cfg
	$(PY) -m spacy train configs/ner_disease_second.cfg --output $(SECOND_OUT) --paths.base corpus/base \
		--paths.train corpus/ncbi/train.spacy --paths.dev corpus/ncbi/devel.spacy \
		--paths.fisher $(DATA)/wikipedia_summaries/extracts_en.txt --corpora.train.replay_ratio $(SECOND_REPLAY)
	$(PY) -m spacy evaluate $(SECOND_OUT)/model-best corpus/ncbi/test.spacy \
		--output $(SECOND_OUT)/scores-disease.json
	$(PY) -m spacy evaluate $(SECOND_OUT)/model-best corpus/wiki/heldout.spacy \
		--output $(SECOND_OUT)/scores-old-labels.json

# `make project`: the same steps as train-disease and bench through project.yml (a spaCy
# project): `spacy project run all` with the corpora in DATA and λ = EWC_LAMBDA.
.PHONY: project

project: setup
	$(PY) -m spacy project run all . --vars.data $(DATA) --vars.lambda $(EWC_LAMBDA)
