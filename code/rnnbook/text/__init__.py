"""Text as data: the corpora and their fetching, the vocabulary, the windows a model trains and
is scored on, the plays, windows streamed from ids, and the counting baselines of the next
character. Imports the root's ``config``, ``validate`` and ``metrics`` only."""
