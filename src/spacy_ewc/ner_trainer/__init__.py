from .ewc_ner_trainer import train_ner_with_ewc, train_nlp_with_ewc

__all__ = ["train_ner_with_ewc", "train_nlp_with_ewc"]
