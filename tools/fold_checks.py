"""Fold the check cells of chapters: collapsed in JupyterLab and Colab, as the solutions are.

Usage: python tools/fold_checks.py chapters/*.ipynb

A check cell (tag ``check``) is already removed from the HTML book; in a notebook it still
shows. This gives it ``jupyter.source_hidden`` (JupyterLab, Notebook 7) and Colab's form view
(``cellView: form``) with a one-line ``#@title`` naming its first claim. Idempotent.
"""

import json
import re
import sys
from pathlib import Path

CLAIM = re.compile(r"""claim=(["'])(.+?)\1""")


WIDTH = 100  # the chapters' line length (ruff)


def title(source: str) -> str:
    """The cell's one-line title: its first claim (cut to the line length), or a plain word."""
    claims = CLAIM.findall(source)
    first = claims[0][1].strip() if claims else "the chapter's claims"
    more = f" (+{len(claims) - 1} more)" if len(claims) > 1 else ""
    head = "#@title Check: "
    if len(head) + len(first) + len(more) > WIDTH:
        first = first[:WIDTH - len(head) - len(more) - 1].rstrip() + "…"
    return f"{head}{first}{more}"


def fold(cell: dict) -> bool:
    """Fold one check cell in place; True when it changed."""
    if cell["cell_type"] != "code" or "check" not in cell.get("metadata", {}).get("tags", []):
        return False
    before = json.dumps(cell, sort_keys=True)
    source = "".join(cell["source"])
    if source.startswith("#@title Check: "):  # written by this tool: written again
        source = source.split("\n", 1)[1] if "\n" in source else ""
    if not source.startswith("#@title"):
        source = title(source) + "\n" + source
    cell["source"] = source.splitlines(keepends=True)
    meta = cell["metadata"]
    meta.setdefault("jupyter", {})["source_hidden"] = True
    meta["cellView"] = "form"
    return json.dumps(cell, sort_keys=True) != before


def fold_notebook(path: Path) -> bool:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = [fold(cell) for cell in notebook["cells"]]
    if any(changed):
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return any(changed)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        if fold_notebook(Path(name)):
            print(f"folded the check cells of {name}")
