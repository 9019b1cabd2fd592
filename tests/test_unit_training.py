"""The `spacy train` glue's config shape on the small blank ner: typed arguments checked by
confection, Fisher data as a [corpora] corpus, the leaf logger inside spacy.ChainLogger.v1,
and one reader for the CLI and the callback."""

from __future__ import annotations

import warnings

import numpy
import pytest
from spacy.util import registry
from thinc.api import Config, ConfigValidationError

from spacy_ewc import EWC
from spacy_ewc.corpus import READER_NAME, PseudoLabelCorpus
from spacy_ewc.readers import read_items
from spacy_ewc.serialize import state_path
from spacy_ewc.training import (
    CALLBACK_NAME,
    LOGGER_NAME,
    LOGGER_NAME_V1,
    create_ewc_callback,
    fisher_data_reader,
)

TEXTS = ["Cystic fibrosis affects the lungs.", "The patient had breast cancer.", "Nothing here."]


def _after_init(settings: str, fisher_path) -> dict:
    config = Config().from_str(
        f"""
[paths]
fisher = "{fisher_path}"

[corpora]

[corpora.fisher]
@readers = "spacy.PlainTextCorpus.v1"
path = ${{paths.fisher}}

[initialize]

[initialize.after_init]
@callbacks = "{CALLBACK_NAME}"
data = ${{corpora.fisher}}
{settings}
"""
    )
    return registry.resolve(config["initialize"])["after_init"]


@pytest.fixture()
def fisher_txt(tmp_path):
    path = tmp_path / "fisher.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf8")
    return path


@pytest.mark.parametrize(
    "settings, field",
    [
        ('pipes = "ner"\nlambda_ = 10', "pipes"),
        ('pipes = ["ner"]\nlambda_ = 10\nfisher = "gold"', "fisher"),
        ('pipes = ["ner"]\nlambda_ = 10\nnormalize = "sum"', "normalize"),
        ('pipes = ["ner"]\nlambda_ = 10\nlimit = "all"', "limit"),
        ('pipes = ["ner"]\nlambda_ = "strong"', "lambda_"),
    ],
)
def test_confection_rejects_wrong_types_and_names_the_setting(settings, field, fisher_txt):
    with pytest.raises(ConfigValidationError, match=field):
        _after_init(settings, fisher_txt)


@pytest.mark.parametrize(
    "setting, field",
    [('replay_limit = "many"', "replay_limit"), ('labels = "ORG"', "labels"), ("shuffle = true", "shuffle")],
)
def test_confection_checks_the_pseudo_label_reader_against_its_typed_arguments(setting, field, tmp_path):
    config = Config().from_str(
        f"""
[corpora]

[corpora.train]
@readers = "{READER_NAME}"
path = "{tmp_path / 'train.spacy'}"
model = "en_core_web_sm"
{setting}
"""
    )
    with pytest.raises(ConfigValidationError, match=field):
        registry.resolve(config["corpora"])
    config["corpora"]["train"].pop(field)
    assert isinstance(registry.resolve(config["corpora"])["train"], PseudoLabelCorpus)


def test_range_a_type_cannot_express_is_a_coded_error(fisher_txt):
    with pytest.raises(ValueError, match=r"\[E106\]"):
        _after_init('pipes = ["ner"]\nlambda_ = 10\nlimit = -1', fisher_txt)


def test_fisher_data_from_a_corpora_block_equals_the_same_texts_given_directly(blank_ner, fisher_txt):
    enable = _after_init('pipes = ["ner"]\nlambda_ = 10\nfisher = "auto"\nprogress = false', fisher_txt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enable(blank_ner)
    state = blank_ner.get_pipe("ner").model.ewc
    assert state.fisher_kind == "predicted" and state.n_examples == len(TEXTS)
    direct = EWC(blank_ner, TEXTS, lambda_=10, fisher="predicted")
    assert sorted(state.fisher_matrix) == sorted(direct.fisher_matrix)
    for key, value in direct.fisher_matrix.items():
        numpy.testing.assert_allclose(state.fisher_matrix[key], value, rtol=1e-5, atol=1e-12)
    assert sum(float(v.sum()) for v in direct.fisher_matrix.values()) > 0


def test_path_string_still_works_and_missing_path_names_the_setting(blank_ner, fisher_txt, tmp_path):
    assert list(fisher_data_reader(str(fisher_txt))(blank_ner)) == TEXTS
    with pytest.raises(FileNotFoundError, match=r"\[E103\].*--paths.fisher"):
        create_ewc_callback(["ner"], 10.0, str(tmp_path / "missing.txt"))


def test_cli_and_callback_read_a_jsonl_file_the_same(blank_ner, tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "Cystic fibrosis."}\n\n{"text": "Flu.", "entities": [[0, 3, "DISEASE"]]}\n',
                    encoding="utf8")
    expected = ["Cystic fibrosis.", ("Flu.", {"entities": [(0, 3, "DISEASE")]})]
    assert read_items(path, blank_ner) == expected
    assert list(fisher_data_reader(str(path))(blank_ner)) == expected


def _chain_logger(folder_setting: str = "") -> dict:
    config = Config().from_str(
        f"""
[logger]
@loggers = "spacy.ChainLogger.v1"

[logger.logger1]
@loggers = "spacy.ConsoleLogger.v1"
progress_bar = false

[logger.logger2]
@loggers = "{LOGGER_NAME}"
{folder_setting}
"""
    )
    return registry.resolve(config)["logger"]


def test_leaf_logger_in_a_chain_saves_the_state_beside_both_checkpoints(blank_ner, tmp_path, capsys):
    ewc = _protect(blank_ner)
    log_step, finalize = _chain_logger()(blank_ner)
    last = tmp_path / "model-last"
    log_step({"output_path": str(last), "score": 0.5, "checkpoints": [(0.5, 10)], **_INFO})
    finalize()
    for checkpoint in ("model-last", "model-best"):
        loaded = EWC.from_disk(state_path(tmp_path / checkpoint, "ner"), blank_ner, "ner")
        assert sorted(loaded.theta_star) == sorted(ewc.theta_star)
        for key in ewc.theta_star:
            numpy.testing.assert_array_equal(loaded.theta_star[key], ewc.theta_star[key])
            numpy.testing.assert_array_equal(loaded.fisher_matrix[key], ewc.fisher_matrix[key])
    assert "10" in capsys.readouterr().out


def test_leaf_logger_given_an_inner_logger_says_what_to_write(tmp_path):
    config = Config().from_str(
        f"""
[logger]
@loggers = "{LOGGER_NAME}"

[logger.logger]
@loggers = "spacy.ConsoleLogger.v1"
"""
    )
    with pytest.raises(ValueError, match=r"\[E340\].*spacy.ChainLogger.v1.*" + LOGGER_NAME_V1):
        registry.resolve(config)


def test_old_wrapping_logger_still_saves_and_logs(blank_ner, tmp_path, capsys):
    _protect(blank_ner)
    setup = registry.get("loggers", LOGGER_NAME_V1)(registry.get("loggers", "spacy.ConsoleLogger.v1")(False))
    log_step, finalize = setup(blank_ner)
    log_step({"output_path": str(tmp_path / "model-last"), "score": 0.1, "checkpoints": [(0.9, 1), (0.1, 10)],
              **_INFO})
    finalize()
    assert state_path(tmp_path / "model-last", "ner").is_dir()
    assert not (tmp_path / "model-best").exists()
    assert "10" in capsys.readouterr().out


_INFO = {"epoch": 1, "step": 10, "losses": {"ner": 1.0}, "other_scores": {}, "words": 100, "seconds": 1}


def _protect(nlp):
    from spacy_ewc import protect

    return protect(nlp, TEXTS, lambda_=10.0, pipe_name="ner")
