"""Error messages, numbered as in spaCy's catalogue, each saying what is wrong and how to fix it."""


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
    E006 = "EWC needs data to estimate the Fisher information, but the data given is empty."
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
    W101 = (
        "EWC: '{name}' was just initialised from scratch (it is not sourced from a trained "
        "pipeline), so EWC protects random weights. Source it, for example "
        "[components.{name}] source = \"en_core_web_sm\"."
    )
    W102 = (
        "EWC: [training.logger] is not {logger}, so the EWC state is not saved beside "
        "model-best and model-last. Wrap your logger in it to keep the state for later tasks."
    )
    W220 = (
        "add_pseudo_labels: '{name}' has moved from the weights EWC captured (drift {drift:.3g}), "
        "so the pseudo-labels come from the fine-tuned model, not the original one. Call it "
        "before training."
    )
