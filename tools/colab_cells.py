"""The set-up cell every chapter starts with, so that it runs in Colab as it runs locally.

In Colab the cell clones the course (code and trained models), installs the package and fetches
the corpus; anywhere else it does nothing. The repository URL is written once, in
``_config.yml``; ``make colab-cells`` (``python tools/colab_cells.py chapters/*.ipynb``) copies
it into the cells, and a test checks that they agree. A tool of the repository, not of the
package: no module imports it, and a chapter runs only the cell it writes.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rnnbook import config

MARKER = "# Set-up for Colab"
# "hide-input" folds the cell in the HTML book, where it has nothing to do.
TAGS = ["colab-setup", "hide-input"]

_TEMPLATE = '''{marker}: clones the course and fetches the corpus there; does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    REPO_URL, BRANCH, HOME = "{url}", "{branch}", "/content/rnn-course"
    if not os.path.isdir(HOME):
        clone = ["git", "clone", "--depth=1", "--branch", BRANCH, REPO_URL, HOME]
        subprocess.run(clone, check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", HOME], check=True)
    sys.path.insert(0, HOME + "/code")
    os.chdir(HOME + "/chapters")
    from rnnbook.text.corpora import load_corpus

    load_corpus("sonnets")'''


def repository(config_path: str | Path | None = None) -> tuple[str, str]:
    """``(url, branch)`` of the ``repository:`` block of ``_config.yml``."""
    path = Path(config_path) if config_path else config.REPO_ROOT / "_config.yml"
    block = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)+)", path.read_text(), re.M)
    if not block:
        raise ValueError(f"{path} has no repository: block")
    fields = dict(re.findall(r"^[ \t]+(\w+):[ \t]*(\S+)", block.group(1), re.M))
    if "url" not in fields:
        raise ValueError(f"{path}: repository: has no url")
    return fields["url"].strip("\"'"), fields.get("branch", "master").strip("\"'")


def setup_cell_source(url: str, branch: str) -> str:
    """The source of the set-up cell for a repository URL and branch."""
    return _TEMPLATE.format(marker=MARKER, url=url, branch=branch)


def _is_setup_cell(cell: dict) -> bool:
    source = "".join(cell.get("source", ""))
    return cell.get("cell_type") == "code" and source.startswith(MARKER)


def sync_notebook(path: str | Path, url: str, branch: str) -> bool:
    """Make the notebook's first cell the set-up cell; return whether the file changed."""
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": TAGS},
        "outputs": [],
        "source": setup_cell_source(url, branch).splitlines(keepends=True),
    }
    first = next((i for i, c in enumerate(cells) if _is_setup_cell(c)), None)
    if first is not None:
        current = cells[0]
        if first == 0 and (current["source"], current.get("metadata", {}).get("tags")) == (
            cell["source"], TAGS
        ):
            return False
        cell["id"] = cells[first].get("id", "colab-setup")
        cells.pop(first)
    else:
        cell["id"] = "colab-setup"
    cells.insert(0, cell)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/colab_cells.py", description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    url, branch = repository()
    for path in args.notebooks:
        if sync_notebook(path, url, branch):
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
