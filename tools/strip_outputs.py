"""Drop stored outputs from chapters, keeping those of cells nbval compares.

Usage: python tools/strip_outputs.py chapters/*.ipynb

The book executes every chapter when it builds, so stored outputs only matter to nbval, and only
for cells tagged ``nbval-check-output``; everything else is cleared to keep diffs small.
"""

import json
import sys
from pathlib import Path


def strip(path: Path) -> bool:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    before = json.dumps(notebook)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        if "nbval-check-output" not in cell.get("metadata", {}).get("tags", []):
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.get("metadata", {}).pop("widgets", None)
    if json.dumps(notebook) == before:
        return False
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":
    for name in sys.argv[1:]:
        if strip(Path(name)):
            print(f"stripped {name}")
