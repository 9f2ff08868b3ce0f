"""Every chapter starts with the same Colab set-up cell, pointing at _config.yml's repository."""

import json
import shutil
from pathlib import Path

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

colab = load_script("tools/colab_cells.py")

CHAPTERS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))


def test_config_names_a_github_repository_on_main():
    url, branch = colab.repository()
    assert url.startswith("https://github.com/") and branch == "main"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_starts_with_the_setup_cell(path):
    url, branch = colab.repository()
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    assert first["cell_type"] == "code"
    assert "".join(first["source"]) == colab.setup_cell_source(url, branch), (
        f"{path.name}: run `make colab-cells`"
    )
    assert f'"{url}"' in "".join(first["source"])
    assert first["metadata"]["tags"] == colab.TAGS  # folded in the HTML book


def test_there_are_chapters():
    assert CHAPTERS, "no chapter found under chapters/"


def test_sync_inserts_once_and_is_idempotent(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    shutil.copy(CHAPTERS[0], notebook)
    data = json.loads(notebook.read_text())
    data["cells"] = data["cells"][1:]  # remove the set-up cell
    notebook.write_text(json.dumps(data))
    assert colab.sync_notebook(notebook, "https://github.com/x/y", "main")
    assert not colab.sync_notebook(notebook, "https://github.com/x/y", "main")
    cells = json.loads(notebook.read_text())["cells"]
    assert sum(colab.MARKER in "".join(c["source"]) for c in cells) == 1
    assert colab.sync_notebook(notebook, "https://github.com/x/z", "main")  # a new URL updates


def test_repository_requires_a_url(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("title: x\nrepository:\n  branch: main\n")
    with pytest.raises(ValueError, match="no url"):
        colab.repository(config)
    config.write_text("title: x\n")
    with pytest.raises(ValueError, match="no repository"):
        colab.repository(config)
    assert Path(REPO_ROOT / "_config.yml").is_file()
