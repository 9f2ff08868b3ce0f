"""The book's own helpers: one-line claim checks (``checks``), shown source and running times
(``display``), the drawn diagrams and the plots. (The Colab set-up cell is written by a tool of
the repository, ``tools/colab_cells.py``.)"""
