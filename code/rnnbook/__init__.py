"""Code shared by the chapters of the course *Recurrent neural networks, from vanishing
gradients to Shakespeare*.

One concept per module: :mod:`rnnbook.config` (profiles, seeds, paths), :mod:`rnnbook.data`
(corpora, vocabulary, windows), :mod:`rnnbook.colab` (the chapters' set-up cell), and the
modules the chapters add for cells, gradients, tasks, models, training, sampling and widgets.
"""

__version__ = "0.1.0"
