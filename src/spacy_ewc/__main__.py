from .cli import setup_cli

if __name__ == "__main__":
    setup_cli("python -m spacy_ewc")
