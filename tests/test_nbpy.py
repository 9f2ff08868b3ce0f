"""tools/nbpy.py: a chapter survives the trip to a script and back, metadata and outputs kept."""

import json

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

nbpy = load_script("tools/nbpy.py")

CHAPTERS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))


def dumps(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_chapter_round_trips_byte_for_byte(path):
    assert dumps(nbpy.to_nb(nbpy.to_py(path), old=path)) == path.read_text(encoding="utf-8")


def test_an_edit_keeps_the_other_cells_outputs_and_metadata(tmp_path):
    notebook = {"cells": [
        {"cell_type": "code", "execution_count": 1, "id": "a", "source": ["print(1)"],
         "metadata": {"tags": ["nbval-check-output"]},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}]},
        {"cell_type": "code", "execution_count": 2, "id": "b", "source": ["#@title Solution"],
         "metadata": {"tags": ["solution"], "jupyter": {"source_hidden": True},
                      "cellView": "form"}, "outputs": []},
    ], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "chapter.ipynb"
    path.write_text(dumps(notebook))
    script = nbpy.to_py(path).replace("#@title Solution", "#@title Solution\nx = 2")
    edited = nbpy.to_nb(script, old=path)
    assert edited["cells"][0] == notebook["cells"][0]
    assert edited["cells"][1]["metadata"] == notebook["cells"][1]["metadata"]
    assert edited["cells"][1]["source"] == ["#@title Solution\n", "x = 2"]
    assert edited["metadata"] == notebook["metadata"]
