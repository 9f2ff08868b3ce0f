"""Convert between a chapter notebook and a percent-format script, for editing chapters as text.

    python tools/nbpy.py to-py chapters/lstm.ipynb  > /tmp/lstm.py
    python tools/nbpy.py to-nb /tmp/lstm.py chapters/lstm.ipynb

Cells are separated by ``# %%`` (code) and ``# %% [markdown]`` lines; markdown lines carry a
leading ``# ``. Cell tags and other cell metadata go on the separator, as JSON:
``# %% tags=["solution"] metadata={"cellView": "form"}``. Writing back over an existing
notebook keeps the outputs, execution counts and ids of the cells whose source is unchanged
(the stored outputs nbval compares survive an edit elsewhere), and the notebook's metadata.
The notebook is the source of truth; the script is a throwaway view of it.
"""

import hashlib
import json
import re
import sys
from pathlib import Path

HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*?\]))?"
                    r"(?: metadata=(?P<meta>\{.*\}))?\s*$")
KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def to_py(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        meta = dict(cell.get("metadata", {}))
        tags = meta.pop("tags", None)
        suffix = f" tags={json.dumps(tags)}" if tags else ""
        suffix += f" metadata={json.dumps(meta)}" if meta else ""
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            body = "\n".join(("# " + line).rstrip() for line in source.splitlines())
            parts.append(f"# %% [markdown]{suffix}\n{body}")
        else:
            parts.append(f"# %%{suffix}\n{source}")
    return "\n\n".join(parts) + "\n"


def to_nb(script: str, old: Path | None = None) -> dict:
    previous = json.loads(old.read_text(encoding="utf-8")) if old and old.is_file() else {}
    kept: dict[tuple[str, str], list[dict]] = {}  # the old cells with each source, in order
    for c in previous.get("cells", []):
        kept.setdefault(("".join(c["source"]), c["cell_type"]), []).append(c)
    cells, current = [], None
    for line in script.splitlines():
        match = HEADER.match(line)
        if match:
            current = {"md": bool(match["md"]), "tags": json.loads(match["tags"] or "[]"),
                       "meta": json.loads(match["meta"] or "{}"), "lines": []}
            cells.append(current)
        elif current is not None:
            if current["md"]:
                line = line[2:] if line.startswith("# ") else line.lstrip("#")
            current["lines"].append(line)
    out = []
    # A new cell's id comes from its text, so that it never repeats a kept cell's id.
    taken = {c["id"] for group in kept.values() for c in group if "id" in c}
    for cell in cells:
        text = "\n".join(cell["lines"]).strip("\n")
        kind = "markdown" if cell["md"] else "code"
        same = (kept.get((text, kind)) or [{}]).pop(0)
        meta = {**({"tags": cell["tags"]} if cell["tags"] else {}), **cell["meta"]}
        meta = {k: meta[k] for k in [*same.get("metadata", {}), *meta] if k in meta}  # old order
        cell_id = same.get("id")
        if cell_id is None:
            digest = hashlib.sha1(f"{kind}{text}".encode()).hexdigest()
            cell_id = next(f"cell-{digest[:8]}{suffix}" for suffix in ["", *range(1, len(cells))]
                           if f"cell-{digest[:8]}{suffix}" not in taken)
            taken.add(cell_id)
        base = {"id": cell_id, "metadata": meta,
                "source": text.splitlines(keepends=True)}
        if kind == "markdown":
            out.append({"cell_type": kind, **base})
        else:
            out.append({"cell_type": kind, "execution_count": same.get("execution_count"),
                        "outputs": same.get("outputs", []), **base})
    return {"cells": out, "metadata": previous.get("metadata", KERNEL), "nbformat": 4,
            "nbformat_minor": 5}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "to-py":
        sys.stdout.write(to_py(Path(sys.argv[2])))
    elif command == "to-nb":
        notebook = to_nb(Path(sys.argv[2]).read_text(encoding="utf-8"), old=Path(sys.argv[3]))
        Path(sys.argv[3]).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    else:
        sys.exit(__doc__)
