"""Checkers for the chapters' exercises, one module per chapter.

A notebook calls a checker as one line, ``from rnnbook.exercises import lstm as check`` then
``check.lstm_step(lstm_step)``. A checker runs the learner's function against the course's
reference on random and edge cases and says, in plain words, what passed, or the first thing
that differs (which output, where, by how much) and the likely mistake for that symptom. An
untouched stub is "not attempted yet" and raises nothing; a wrong answer raises
:class:`ExerciseError`. The shared machinery is in :mod:`rnnbook.exercises.core`.
"""
