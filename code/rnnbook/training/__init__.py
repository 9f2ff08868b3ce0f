"""Training: the recipe (``fitting``, ``callbacks``), data-parallel training (``distribute``),
pretraining and fine-tuning (``transfer``), the small-data model (``small_data``), the
synthetic tasks (``tasks``), fair comparisons of cells and their summaries, the tutorial's
program, and the command line ``python -m rnnbook.training.train``."""
