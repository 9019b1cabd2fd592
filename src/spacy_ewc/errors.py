"""Error messages, numbered as in spaCy's catalogue, each saying what is wrong and how to fix it."""


class Errors:
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


class Warnings:
    W001 = (
        "EWC does not protect {count} parameter array(s) of '{name}' that did not exist "
        "when its state was computed: {keys}. Recompute or consolidate the EWC state to "
        "protect them."
    )
