"""ankigen: verified, regenerable Anki decks for the mathematics of machine learning."""

__version__ = "0.1.0"
