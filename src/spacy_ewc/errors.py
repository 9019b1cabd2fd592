"""Error messages, numbered as in spaCy's catalogue, each saying what is wrong and how to fix it."""

import sys
import warnings


class ErrorsWithCodes(type):
    """Put the code in front of every message, as spaCy does: ``Errors.E012`` reads "[E012] ..."."""

    def __getattribute__(cls, code: str):
        message = super().__getattribute__(code)
        if code.startswith("__"):
            return message
        return f"[{code}] {message}"


class Errors(metaclass=ErrorsWithCodes):
    E001 = (
        "EWC needs a spaCy Language or a trainable pipeline component (TrainablePipe), "
        "got {type}. Pass `nlp` with `pipe_name=...` or `nlp.get_pipe(name)`."
    )
    E002 = (
        "The pipeline has no component named '{name}'. Available components: {names}. "
        "Pass one of them as `pipe_name`."
    )
    E003 = (
        "The component '{name}' ({type}) is not trainable: it has no thinc model to "
        "protect. EWC works on components such as ner, textcat, tagger or parser."
    )
    E004 = (
        "The model of component '{name}' has no parameters, so there is nothing for EWC "
        "to protect."
    )
    E005 = (
        "The model of component '{name}' is not initialised: parameter '{param}' of layer "
        "'{layer}' has no value. EWC protects what a trained model knows; load a trained "
        "pipeline (for example spacy.load('en_core_web_sm')) or call nlp.initialize() "
        "and train it first."
    )
    E006 = (
        "EWC needs data to estimate the Fisher information, but the data given is empty. "
        "Pass a list of texts, Docs, Examples or (text, annotations) tuples."
    )
    E007 = (
        "Element {index} of the Fisher data is a {type}. Give spaCy Examples, Docs, texts "
        "(str) or (text, annotations) tuples such as ('Apple is big', {{'entities': "
        "[(0, 5, 'ORG')]}})."
    )
    E008 = (
        "lambda_ must be a finite number >= 0, got {value!r}. It scales the penalty "
        "λ·F·(θ−θ*); use 0 to switch EWC off."
    )
    E009 = (
        "The Fisher data uses labels the component '{name}' does not know: {labels}. EWC "
        "must not change the model it measures. Drop those annotations from the Fisher "
        "data, or add the labels with add_label() before creating the EWC (they start "
        "with zero importance)."
    )
    E010 = (
        "Unknown Fisher kind {kind!r}. Use 'empirical' (gradients of the loss on gold "
        "annotations in Examples), 'predicted' (the model's own predictions as targets; "
        "needs no labels) or 'auto'."
    )
    E011 = (
        "The empirical Fisher needs gold annotations, but element {index} is a {type}. "
        "Pass Examples or (text, annotations) tuples, or use fisher='predicted', which "
        "needs raw text only."
    )
    E012 = (
        "The EWC state does not match the model: {problem}. The state was computed for "
        "another model or architecture; recompute it with EWC(...) for this pipeline."
    )
    E013 = "No EWC state found at {path}: expected the files {files}. Save one with ewc.to_disk()."
    E014 = (
        "Raw texts need a tokenizer: pass the Language (nlp) rather than the component, "
        "or give Docs or Examples."
    )
    E015 = (
        "The EWC state at {path} was written by format version {found}; this version of "
        "spacy-ewc reads version {expected}."
    )
    E016 = "{what} must be a callable, got {type}."
    E017 = (
        "The Fisher pass left no gradient on any parameter of '{name}' for the data given: "
        "the loss was zero or the component has nothing to learn from it. Check that the "
        "data has annotations (or use fisher='predicted')."
    )

    E018 = (
        "The component '{name}' listens to a shared tok2vec component, which has to run "
        "before it. Pass the Language (nlp) with pipe_name='{name}' instead of the component."
    )
    E019 = (
        "The component '{name}' listens to a tok2vec component that is not in this pipeline. "
        "Add the tok2vec it was trained with (the pipeline links listeners when components "
        "are added), or replace its listeners with nlp.replace_listeners(...)."
    )
    E020 = (
        "The importance of the tok2vec component '{name}' comes from the losses of the "
        "components listening to it. Pass the Language (nlp) with pipe_name='{name}'."
    )
    E021 = (
        "The tok2vec component '{name}' has no enabled component listening to it, so no loss "
        "tells which of its weights matter. Enable the components that use it (for example "
        "tagger or parser), or protect a component with its own encoder instead."
    )

    # state files, atomic saves (reliab: E030-E099)
    E030 = (
        "The EWC state at {path} is damaged or inconsistent: {problem}. Nothing was loaded. "
        "Save the state again (ewc.to_disk(), save_pipeline() or `spacy-ewc fisher`) or "
        "restore a good copy."
    )
    E031 = (
        "Cannot save the EWC state to {path}: {problem}. Give a new folder, or one written "
        "by ewc.to_disk() (it is replaced as a whole)."
    )
    E032 = (
        "Cannot save the pipeline to {path}: it exists and is not a spaCy pipeline folder "
        "(no config.cfg). save_pipeline replaces the folder as a whole; give a new or "
        "empty folder, or one written by save_pipeline or nlp.to_disk."
    )
    E033 = (
        "The component name {name!r} cannot name the folder of its EWC state: it must be "
        "one plain folder name, without '/', '\\\\', ':' or a leading '.'. Rename the "
        "component with nlp.rename_pipe(old, new) before saving."
    )
    E034 = (
        "No spaCy pipeline at {path}: expected a folder with config.cfg, as written by "
        "save_pipeline or nlp.to_disk."
    )
    E035 = (
        "The EWC state of '{name}' belongs to another pipeline than the one being saved: "
        "pass the states computed on this nlp (or EWC.from_disk them with it)."
    )
    E036 = "One EWC state per component, got several for: {names}. Pass one state per component."
    E037 = (
        "State {index} is a {type}, not an EWC. Pass the states returned by EWC(...), "
        "protect(...), estimate(...) or EWC.from_disk(...)."
    )

    # states built from arrays, penalty scale
    E040 = (
        "EWC.from_parts: {problem}. Pass θ* and the Fisher as dicts of finite float arrays "
        "keyed by parameter path (as in ewc.theta_star), the Fisher >= 0 and of θ*'s shapes."
    )
    E041 = (
        "lambda_={lam!r} times the largest importance F ({fisher_max:g}) is not finite in "
        "{dtype}: the first update would turn the weights into inf or NaN. Use a much smaller "
        "lambda_ (the default is {default:g})."
    )
    E042 = (
        "gamma must be a finite number >= 0 (1.0 keeps old tasks in full, < 1 lets them "
        "fade), got {value!r}."
    )
    E043 = (
        "gamma={gamma!r} times the old importance is not finite: consolidating would turn "
        "the penalty into inf or NaN. Use a gamma between 0 and 1."
    )
    E044 = (
        "The parameters of '{name}' hold NaN or inf values ({keys}): EWC would anchor the "
        "model at broken weights. Reload the trained pipeline, and lower the learning rate "
        "or lambda_ if training produced them."
    )
    E045 = (
        "The Fisher pass of '{name}' gave NaN or inf squared gradients ({keys}): the model's "
        "weights or its loss on this data are not finite. Check the model's parameters and "
        "the data."
    )
    E046 = (
        "normalize must be one of 'peak' (default), 'mean', 'max' or None (the raw Fisher), got {value!r}."
    )
    E047 = (
        "fisher_kind must be 'empirical', 'predicted' or a '+'-joined combination of them, "
        "got {value!r}."
    )

    # data sets and arguments
    E050 = (
        "{what} must be a list (or other iterable) of {items}, got {given}. Wrap a single "
        "item in a list: [{example}]."
    )
    E051 = "{what} is None. Pass a list of {items}."
    E052 = (
        "Element {index}: the entity {entity!r} is not a span of the text ({length} characters). "
        "Give (start, end, label) with integers 0 <= start < end <= {length} and a str label."
    )
    E053 = (
        "Element {index} of {what} was made with another Vocab than the pipeline's. Create "
        "its Docs with this pipeline (nlp.make_doc(text) or Doc(nlp.vocab, words=...)): "
        "strings and vectors differ between vocabularies."
    )
    E054 = "{name} must be an integer >= {minimum}, got {value!r}."
    E055 = "{name} must be a number in [0, 1), got {value!r}."
    E056 = "{what} must be a {expected}, got {type}."
    E065 = "VectorDict keys are parameter paths (str), got {type}."

    # shards, merging, consolidation, processes
    E070 = "merge needs at least one EWC state, got none."
    E071 = (
        "State {index} has {attr}={value!r}, state 0 {first!r}: shards to merge must come "
        "from the same component with the same settings (lambda_, fisher, normalize)."
    )
    E072 = (
        "State {index} was computed at other weights than state 0 (θ* differs): shards to "
        "merge must be estimated with the same model."
    )
    E073 = (
        "State {index} consolidates {tasks} tasks; only Fisher estimates of one pass (before "
        "consolidation) can be merged. Merge the shards, then consolidate."
    )
    E074 = (
        "States {first} and {second} cover overlapping examples ({first_range} and "
        "{second_range}): each example must be in one shard only. Drop the repeated shard, "
        "and estimate each shard with `offset` = the index of its first example "
        "(`spacy-ewc fisher --shard I/N` does this)."
    )
    E075 = (
        "State {index} belongs to another pipeline object than state {other}: load or "
        "compute all the states with the same nlp."
    )
    E076 = (
        "consolidate was given the state itself: that would count its importance twice. "
        "Pass the state of the new task, computed after training on it: "
        "EWC(nlp, new_task_data)."
    )
    E077 = (
        "The new state belongs to another pipeline object than this one: compute it with "
        "the pipeline this state protects (or load it with EWC.from_disk(path, nlp))."
    )
    E078 = (
        "Cannot consolidate a state of '{new_name}' (normalize={new_normalize!r}) into one "
        "of '{name}' (normalize={normalize!r}): compute the new state for the same "
        "component with the same normalize."
    )
    E079 = (
        "n_process > 1 needs the Language (nlp), not a component: the workers load the "
        "pipeline from disk."
    )
    E080 = "shard must be in 0..{last} (0-based), got {shard!r}."
    E081 = "Fisher estimates that cover no examples cannot be merged."
    E082 = "--png needs matplotlib, which is not installed: pip install matplotlib."
    E083 = (
        "{path} is not UTF-8 text ({error}). Give a .spacy corpus, a .jsonl file or a UTF-8 "
        "text file with one text a line."
    )

    # command-line tool
    E090 = "{option} must be {expected}, got {value!r}."
    E091 = "{option} {path}: {problem}."
    E092 = "No data at {path}: give a .spacy corpus, a .jsonl file or a text file."
    E093 = "Could not read {path} as a .spacy corpus (DocBin): {error}"
    E094 = "{path} holds no texts."
    E095 = (
        "Line {number} of {path}: {problem}. Each line must be {{\"text\": \"...\"}}, "
        "optionally with \"entities\": [[start, end, label], ...]."
    )
    E096 = (
        "{data} has no gold annotations: pass --reference MODEL (the pipeline before "
        "fine-tuning) to measure agreement."
    )
    E097 = (
        "The reference pipeline {model} has no 'ner' component, so there are no entities to "
        "agree with: pass the pipeline before fine-tuning (for example en_core_web_sm)."
    )
    E098 = "Give the new task's DATA or --new STATE (one of them)."
    E099 = (
        "{model} is not a pipeline folder, so there is no default {option}: pass {option} "
        "(a folder for the EWC state)."
    )

    # spacy train integration (training.py)
    E101 = (
        "[initialize.after_init] {callback}: `pipes` must be a non-empty list of component "
        "names, for example pipes = [\"ner\"], got {value!r}."
    )
    E102 = (
        "[initialize.after_init] {callback}: `data` must be the path of the Fisher data (a "
        ".spacy file or folder, a .jsonl file with a \"text\" field, or a text file with one "
        "text a line) or a corpus from a reader (@readers = \"spacy.Corpus.v1\"), got {value!r}."
    )
    E103 = (
        "[initialize.after_init] {callback}: the Fisher data {path} does not exist. "
        "Set `data` (or --paths.fisher)."
    )
    E104 = (
        "[initialize.after_init] {callback}: `fisher` must be one of {kinds}, got {value!r}. "
        "'predicted' needs raw text only; 'empirical' needs gold annotations of the labels "
        "the component already knows."
    )
    E105 = "[initialize.after_init] {callback}: `normalize` must be one of {values}, got {value!r}."
    E106 = "[initialize.after_init] {callback}: `limit` must be an integer >= 0 (0 means all), got {value!r}."
    E107 = (
        "[initialize.after_init] {callback}: the pipeline has no component '{name}'. "
        "Components: {names}. Fix `pipes`."
    )
    E108 = (
        "[initialize.after_init] {callback}: '{name}' is in [training] frozen_components, so "
        "it is never updated and EWC has nothing to protect. Remove it from `pipes` or from "
        "frozen_components."
    )
    E109 = "[initialize.after_init] {callback}: the Fisher data {path} gave no texts or examples."

    # spacy train integration, config shape (training.py)
    E340 = (
        "[training.logger] {logger} is a leaf: it saves the EWC states and logs nothing, so it "
        "takes no inner `logger`. Put both in a chain: @loggers = \"spacy.ChainLogger.v1\", "
        "logger1 = {{\"@loggers\": \"spacy.ConsoleLogger.v1\"}}, logger2 = {{\"@loggers\": "
        "\"{logger}\"}} (or keep the inner logger with {wrapping})."
    )

    # spacy-ewc tune (cli/tune.py)
    E320 = (
        "The λ grid must be distinct numbers >= 0 (for example --lambdas 0,1,10, or a log-spaced "
        "grid with 0 < --lambda-min <= --lambda-max and --n-lambdas >= 1), got {value!r}."
    )
    E321 = (
        "--keep is the least old-label agreement to keep, a number from 0 to 1 (for example 0.95), "
        "got {value!r}."
    )
    E322 = (
        "tune needs the old domain: old-domain text (--old, for the Fisher and held-out agreement) "
        "or a saved EWC state (--state)."
    )
    E323 = (
        "tune measures old-label agreement on held-out old-domain text: give --old (half of it is "
        "held out) or --old-dev."
    )
    E324 = (
        "{name} must be an integer >= 1 (drop: a number in [0, 1); learn_rate: a number > 0), "
        "got {value!r}."
    )
    E325 = (
        "The training data has no entity label that '{name}' does not know already: tune measures "
        "how a NEW label is learnt. Give gold data of the new label (for example DISEASE)."
    )
    E326 = (
        "The dev data has no entity of the new label(s) {labels}, so their score cannot be measured. "
        "Give a dev set annotated with them."
    )
    E327 = (
        "The frontier plot needs matplotlib: pip install 'spacy-ewc[bench]' (or matplotlib), or pass "
        "--no-png (png=False) to skip the plot."
    )
    E328 = (
        "The old-domain text has {n} text(s); it is split in half (Fisher / held-out agreement), so "
        "it needs at least 2. Give more text, or --old-dev."
    )
    E329 = (
        "tune trains a component that predicts entities; '{name}' is not one in this pipeline "
        "(components: {names}). Pass --pipe with the name of its ner."
    )
    E330 = (
        "Training and dev data must be Examples or (text, annotations) tuples with entities, got a "
        "{type}. Read a .spacy corpus or a .jsonl file with \"entities\"."
    )


    # spacy-ewc 0.1.1 compatibility and input checks (E200-E219)
    E200 = (
        "The thinc model '{name}' is nested deeper than {limit} layers (at layer path "
        "{path}): its `layers` never end, for example a layer that builds new children each "
        "time they are read. EWC walks the whole tree to find the parameters; give it a "
        "model whose `layers` are fixed lists."
    )
    E201 = "Element {index} is a {type}; give (text, {{'entities': [...]}}) tuples or spaCy Examples."
    E202 = "Sentence {index} is a {type}, not a str. Pass the texts as a list of str."
    E203 = (
        "Training data element {index} is a {type}; give spaCy Examples "
        "(Example.from_dict(nlp.make_doc(text), annotations))."
    )
    E204 = (
        "EWCModelWrapper wraps a thinc Model (a component's `.model`), got {type}. Pass "
        "`pipe.model`, or wrap the component with spacy_ewc.protect(nlp, data, pipe_name=...)."
    )
    E205 = (
        "set_lambda() takes one strength, given once: set_lambda(100.0), "
        "set_lambda(new_lambda=100.0) or set_lambda(lambda_=100.0)."
    )
    # PyTorch-backed components (ewc/torch_params.py)
    E300 = (
        "Layer '{layer}' keeps its weights in a {type}; EWC reads the parameters of PyTorch "
        "shims only (PyTorchWrapper, curated transformers), so those weights would go "
        "unprotected. Wrap the model with thinc's PyTorchWrapper, or protect another component."
    )

    # Fisher pass options (fisher branch, E270-E289)
    E270 = (
        "fisher_batch_size must be an integer >= 1 (1: one backward pass per example) or None "
        "(the default: 16 for the fused pass, 8 otherwise), not {value!r}."
    )
    E271 = (
        "fisher_tol must be None (use every example) or a number between 0 and 1, the "
        "relative change of F over the last block below which the pass stops, not {value!r}. "
        "0.05 is a reasonable start."
    )
    E272 = "fisher_block must be an integer >= 1 (examples between two convergence checks), not {value!r}."
    E273 = (
        "The batched Fisher estimate needs the summed gradients and at least two examples "
        "(got {n} example(s)); use fisher_batch_size=1 for fewer."
    )
    E274 = (
        "Every example is in one batch, so the squares of that batch cannot be unmixed into "
        "per-example squares: use a smaller fisher_batch_size (at most half the examples)."
    )
    E275 = (
        "fisher_fused must be True (ner and parser take their predicted targets in the "
        "backward pass), False (a prediction pass first) or None (the default: fused for ner "
        "only), not {value!r}."
    )

    # pseudo-labels and replay (utils/pseudo_labels.py, corpus.py)
    E220 = (
        "The pipeline predicts nothing to take pseudo-labels from: no component assigns "
        "doc.ents, and it has no spancat or textcat_multilabel (components: {pipes}). Pass "
        "the trained pipeline whose labels you want to keep, e.g. en_core_web_sm."
    )
    E221 = "Replay texts must be strings (raw old-domain text, one per item), got a {type}."
    E222 = "Replay was asked for (replay_ratio > 0) but the replay texts are empty."
    E223 = (
        "replay_ratio must be a number >= 0 (replayed old-domain examples per new training "
        "example, e.g. 0.5), got {value!r}."
    )
    E224 = (
        "Element {index} is a {type}; give spaCy Examples "
        "(Example.from_dict(nlp.make_doc(text), {{'entities': [...]}}))."
    )
    E225 = "labels must be a list of labels, not the string {value!r}; write [{value!r}]."
    E226 = (
        "The pipeline does not predict the label(s) {unknown}; choose among {known} or leave "
        "labels=None for all of them."
    )
    E227 = (
        "This EWC state is not bound to a Language (it was made from a component), so it "
        "cannot run the pipeline: call spacy_ewc.add_pseudo_labels(examples, nlp) with the "
        "original pipeline, or protect(nlp, data, pipe_name=...) with the Language."
    )
    E228 = (
        "{reader}: no reference pipeline to take pseudo-labels from. Set `model` to the "
        "pipeline the trained components are sourced from (a package name or path), e.g. "
        "model = \"en_core_web_sm\" in [corpora.train]."
    )
    E229 = "{reader}: the replay data {path} does not exist. Set `replay` (or --paths.replay)."


class Warnings(metaclass=ErrorsWithCodes):
    W001 = (
        "EWC does not protect {count} parameter array(s) of '{name}' that did not exist "
        "when its state was computed: {keys}. Recompute or consolidate the EWC state to "
        "protect them."
    )
    W030 = (
        "The EWC state at {path} has no checksum of its arrays (it was written by spacy-ewc "
        "0.2.0), so a damaged arrays.npz cannot be told from a good one: it is loaded with the "
        "shape and value checks only. Save it again to add the checksum."
    )
    W101 = (
        "EWC: '{name}' was just initialised from scratch (it is not sourced from a trained "
        "pipeline), so EWC protects random weights. Source it, for example "
        "[components.{name}] source = \"en_core_web_sm\"."
    )
    W102 = (
        "EWC: [training.logger] has no {logger}, so the EWC state is not saved beside "
        "model-best and model-last. Chain it with your logger to keep the state for later "
        "tasks: @loggers = \"spacy.ChainLogger.v1\", logger1 = {{\"@loggers\": "
        "\"spacy.ConsoleLogger.v1\"}}, logger2 = {{\"@loggers\": \"{logger}\"}}."
    )
    W200 = (
        "lambda_={value:g} is {ratio:.3g}x the default ({default:g}). F is divided by the mean "
        "of its arrays' largest entries (normalize=\"peak\"), on which the default already keeps "
        "every component type's drift under 1/5 of plain fine-tuning: this value nearly freezes "
        "what the old data needs and learns new labels slowly. If it was tuned for spacy-ewc "
        "0.2's scale, pass normalize=\"mean\" with it (docs/lambda.md). Keep the value if you "
        "mean it: warnings.filterwarnings('ignore', message=r'\\[W200\\]')."
    )
    W201 = (
        "lambda_={value:g} on the \"peak\" scale is a very weak penalty (the default is "
        "{default:g}, for batches of about 8 sentences). A λ tuned on spacy-ewc 0.2's scale "
        "(0.3 to 30) keeps its meaning with normalize=\"mean\"; otherwise leave lambda_ out "
        "or see docs/lambda.md. Silence it with "
        "warnings.filterwarnings('ignore', message=r'\\[W201\\]')."
    )

    W320 = (
        "No run kept old-label agreement >= {keep:g} (the best kept {best:.3f}): recommending the knee "
        "of the frontier instead. Widen the grid to larger λ, or lower --keep."
    )


    W220 = (
        "add_pseudo_labels: '{name}' has moved from the weights EWC captured (drift {drift:.3g}), "
        "so the pseudo-labels come from the fine-tuned model, not the original one. Call it "
        "before training."
    )


class InvalidPipeError(TypeError, ValueError):
    """The object given as a pipe is not a Language or a trainable component.

    A TypeError, and a ValueError as in spacy-ewc 0.1.1, so `except ValueError` written
    for 0.1.1 and `except TypeError` written for 0.2.0 both catch it.
    """


class InvalidDataError(TypeError, ValueError):
    """An element of the data has the wrong type (a TypeError and, as in 0.1.1, a ValueError)."""


class EWCWarning(UserWarning):
    """Category of spacy-ewc's warnings, to filter them as a group."""


INTERNAL_PACKAGES = ("spacy_ewc", "spacy", "thinc", "confection")


def warn(message: str) -> None:
    """`warnings.warn` as an EWCWarning, attributed to the first caller outside spacy-ewc,
    spaCy and thinc: the user's line, however deep inside the library the warning arose."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in INTERNAL_PACKAGES:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, EWCWarning, stacklevel=level)
