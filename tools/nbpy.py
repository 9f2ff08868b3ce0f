"""Convert between a chapter notebook and a percent-format script, for editing chapters as text.

    python tools/nbpy.py to-py chapters/lstm.ipynb  > /tmp/lstm.py
    python tools/nbpy.py to-nb /tmp/lstm.py chapters/lstm.ipynb

Cells are separated by ``# %%`` (code) and ``# %% [markdown]`` lines; markdown lines carry a
leading ``# ``. Cell tags go on the separator: ``# %% tags=["hide-input"]``. The notebook is
the source of truth; the script is a throwaway view of it.
"""

import json
import re
import sys
from pathlib import Path

HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def to_py(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags")
        suffix = f" tags={json.dumps(tags)}" if tags else ""
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            body = "\n".join(("# " + line).rstrip() for line in source.splitlines())
            parts.append(f"# %% [markdown]{suffix}\n{body}")
        else:
            parts.append(f"# %%{suffix}\n{source}")
    return "\n\n".join(parts) + "\n"


def to_nb(script: str, old: Path | None = None) -> dict:
    cells, current = [], None
    for line in script.splitlines():
        match = HEADER.match(line)
        if match:
            current = {"md": bool(match["md"]), "tags": json.loads(match["tags"] or "[]"),
                       "lines": []}
            cells.append(current)
        elif current is not None:
            if current["md"]:
                line = line[2:] if line.startswith("# ") else line.lstrip("#")
            current["lines"].append(line)
    out = []
    for i, cell in enumerate(cells):
        text = "\n".join(cell["lines"]).strip("\n")
        meta = {"tags": cell["tags"]} if cell["tags"] else {}
        base = {"id": f"cell-{i:03d}", "metadata": meta, "source": text.splitlines(keepends=True)}
        if cell["md"]:
            out.append({"cell_type": "markdown", **base})
        else:
            out.append({"cell_type": "code", "execution_count": None, "outputs": [], **base})
    return {"cells": out, "metadata": KERNEL, "nbformat": 4, "nbformat_minor": 5}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "to-py":
        sys.stdout.write(to_py(Path(sys.argv[2])))
    elif command == "to-nb":
        notebook = to_nb(Path(sys.argv[2]).read_text(encoding="utf-8"))
        Path(sys.argv[3]).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    else:
        sys.exit(__doc__)
