"""The stand-in for ``google.colab`` (tests/colab_stand_in) has what the course uses of Colab's."""

import json
import re

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

STAND_IN = "tests/colab_stand_in/google/colab"


def _sources() -> list[str]:
    """The package's modules and every cell of every chapter (Markdown shows code too)."""
    found = [p.read_text() for p in (REPO_ROOT / "code" / "rnnbook").rglob("*.py")]
    for path in (REPO_ROOT / "chapters").glob("*.ipynb"):
        found += ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    return found


def test_every_name_the_course_takes_from_google_colab_is_in_the_stand_in():
    used: dict[str, set[str]] = {}
    for source in _sources():
        for names in re.findall(r"from google\.colab import ([\w, ]+)", source):
            for name in (n.strip() for n in names.split(",")):
                used.setdefault(name, set()).update(re.findall(rf"\b{name}\.(\w+)\(", source))
    assert {"drive", "output"} <= used.keys(), used  # what the course uses today
    for module, calls in used.items():
        stand_in = load_script(f"{STAND_IN}/{module}.py")
        assert all(callable(getattr(stand_in, call, None)) for call in calls), (module, calls)


def test_mounting_makes_an_empty_drive_and_refuses_a_folder_with_files(tmp_path, capsys):
    drive = load_script(f"{STAND_IN}/drive.py")
    drive.mount(str(tmp_path / "drive"))
    assert (tmp_path / "drive" / "MyDrive").is_dir()
    drive.mount(str(tmp_path / "drive"))  # mounted already: said, nothing else
    assert capsys.readouterr().out.splitlines()[0] == f"Mounted at {tmp_path / 'drive'}"
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    with pytest.raises(ValueError, match="must not already contain files"):
        drive.mount(str(tmp_path / "full"))


def test_the_widget_manager_is_enabled_and_disabled():
    output = load_script(f"{STAND_IN}/output.py")
    output.enable_custom_widget_manager()
    assert output.custom_widget_manager_enabled
    output.disable_custom_widget_manager()
    assert not output.custom_widget_manager_enabled
