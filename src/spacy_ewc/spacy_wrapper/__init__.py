from .ewc_spacy_wrapper import EWCModelWrapper, create_ewc_pipe, unwrap_pipe

__all__ = ["EWCModelWrapper", "create_ewc_pipe", "unwrap_pipe"]
