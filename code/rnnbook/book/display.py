"""Show the package's own code in a chapter, so prose and tested code cannot drift apart."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap

from IPython.display import Markdown

from rnnbook import validate
from rnnbook.config import PROFILES, REPO_ROOT
from rnnbook.metrics import duration


def _docstring_lines(code: str) -> set[int]:
    """The 0-based numbers of the lines that docstrings occupy in ``code``."""
    lines = set()
    for node in ast.walk(ast.parse(textwrap.dedent(code))):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            lines.update(range(first.lineno - 1, first.end_lineno))
    return lines


def source(obj: object, *, contains: str | None = None, context: int = 0) -> str:
    """The source of a function or class, or only its lines that contain ``contains``.

    Args:
        obj: a function, class or module of the package.
        contains: if given, keep only the lines containing this text (and ``context`` lines
            around each), dedented; raises ``ValueError`` when no line matches, so a chapter
            notices when the code it quotes has changed.
        context: lines of context to keep around each match; docstring lines are left out of
            the context (a quoted fragment stays valid Python, and a docstring cut in half
            reads badly).
    """
    lines = inspect.getsource(obj).splitlines()
    if contains is None:
        return "\n".join(lines)
    hits = [i for i, line in enumerate(lines) if contains in line]
    if not hits:
        raise validate.error_for("contains",
                                 f"occur in a line of {getattr(obj, '__qualname__', obj)}",
                                 contains)
    docstrings = _docstring_lines("\n".join(lines))
    keep = sorted({j for i in hits for j in range(i - context, i + context + 1)
                   if 0 <= j < len(lines) and (j == i or j not in docstrings)})
    return textwrap.dedent("\n".join(lines[j] for j in keep))


def show_source(obj: object, *, contains: str | None = None, context: int = 0) -> Markdown:
    """:func:`source` as a highlighted Python block, for a notebook cell's output."""
    code = source(obj, contains=contains, context=context)
    where = f"{obj.__module__}.{obj.__qualname__}" if hasattr(obj, "__qualname__") else ""
    caption = f"*from `{where}`*\n\n" if where else ""
    return Markdown(f"{caption}```python\n{code}\n```")


def running_time(chapter: str) -> Markdown:
    """How long a chapter takes under each profile, as the book builds measured it.

    The figures come from the committed ``benchmarks/results/chapter-times.json``, which
    ``make chapter-times`` updates from the last book build's execution cache
    (``tools/chapter_times.py``); a profile never built says so.
    """
    path = REPO_ROOT / "benchmarks" / "results" / "chapter-times.json"
    times = json.loads(path.read_text()) if path.is_file() else {}
    parts = []
    for profile in PROFILES:
        got = times.get(profile, {}).get(chapter)
        parts.append(f"`{profile}` {duration(got['seconds'])} ({got['machine']}, {got['date']})"
                     if got else f"`{profile}` not measured yet")
    return Markdown("**Running time**, as measured by the book's builds: " + "; ".join(parts)
                    + ".")
