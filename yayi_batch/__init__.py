"""yayi-batch: universal information extraction (YAYI-UIE) over a corpus, with Ray Data and vLLM."""

__version__ = "0.1.0"
