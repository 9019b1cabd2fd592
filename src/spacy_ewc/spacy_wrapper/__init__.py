from .ewc_spacy_wrapper import EWCModelWrapper, create_ewc_pipe, protect, unwrap_pipe, wrap_pipe

__all__ = ["EWCModelWrapper", "create_ewc_pipe", "protect", "unwrap_pipe", "wrap_pipe"]
