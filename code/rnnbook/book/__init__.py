"""The book's own helpers: one-line claim checks (``checks``), shown source and running times
(``display``), the drawn diagrams and the plots, and the Colab set-up cell (``colab``)."""
