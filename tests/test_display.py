"""What a chapter shows of the package's code: whole objects, or matched lines in context."""

import textwrap

import pytest

from rnnbook.book.display import source


def quoted(x):
    """A docstring of
    several lines, with `backticks`.
    """
    y = x + 1  # the line a chapter quotes
    return y


def test_context_leaves_docstrings_out_so_the_fragment_stays_python():
    fragment = source(quoted, contains="the line a chapter quotes", context=3)
    assert fragment.splitlines() == ["y = x + 1  # the line a chapter quotes", "return y"]
    compile("def f(x):\n" + textwrap.indent(fragment, "    "), "<fragment>", "exec")


def test_a_whole_object_and_a_missing_line():
    assert source(quoted).startswith("def quoted(x):")
    with pytest.raises(ValueError, match="Argument `contains` must occur in a line of quoted"):
        source(quoted, contains="no such line")
