"""The Colab set-up cell, run as Colab runs it: in a fresh Python with the packages already there.

Colab comes with Keras, TensorFlow, NumPy, matplotlib and ipywidgets installed. The stand-in is
a new virtual environment that sees the packages of the Python running these tests (through a
``.pth`` file, as Colab's system site sees its own) and the stand-in for ``google.colab`` in
``tests/colab_stand_in`` (what the course and its libraries use of it: JAX imports
``google.colab.output`` when it finds Colab). The cell's own source (``tools/colab_cells.py``) runs
there with this repository, cloned from disk, as its URL: it must clone, install the package
without installing, upgrading or downgrading anything that is there, fetch the corpus, and a
chapter's imports must then work, as must its lines that mount Google Drive for checkpoints.
"""

import json
import os
import re
import subprocess
import sysconfig
import textwrap
import venv

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

colab = load_script("tools/colab_cells.py")

pytestmark = pytest.mark.colab

HOME = '"/content/rnn-course"'  # where the cell clones in Colab
DRIVE = "/content/drive"  # where the Shakespeare chapter mounts Google Drive
STAND_IN = REPO_ROOT / "tests" / "colab_stand_in"  # holds google/colab/


def _git(*args):
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True)


def _chapter_imports() -> str:
    """The import cell of *The tutorial's program and its three flaws*, without its magics."""
    cells = json.loads((REPO_ROOT / "chapters" / "shakespeare_lstm.ipynb").read_text())["cells"]
    source = next("".join(c["source"]) for c in cells  # the cell of the package's imports
                  if c["cell_type"] == "code"
                  and "from rnnbook.config import" in "".join(c["source"]))
    return "\n".join(line for line in source.splitlines() if not line.startswith("%"))


def _drive_lines() -> str:
    """The lines a chapter gives to put the checkpoints on Google Drive (a Markdown block)."""
    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            found = re.search(r"```python\n([^`]*?drive\.mount\([^`]*?)```",
                              "".join(cell["source"]))
            if found:
                return found.group(1)
    raise AssertionError("no chapter shows how to mount Google Drive")


def _distributions(site) -> set[str]:
    """The distributions installed into one site-packages folder itself."""
    return {name.split("-")[0].lower() for name in os.listdir(site)
            if name.endswith(".dist-info")}


def _installed(python) -> dict[str, str]:
    listing = subprocess.run([str(python), "-m", "pip", "list", "--format=json",
                              "--disable-pip-version-check"], capture_output=True, text=True,
                             check=True).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(listing)}


def test_the_setup_cell_clones_installs_fetches_and_the_chapter_imports(tmp_path):
    branch = _git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    if _git("rev-parse", "--git-dir").returncode != 0 or branch == "HEAD":
        pytest.skip("needs a git checkout on a branch to clone from")
    # Colab's Python: a fresh environment that sees this one's packages, as its own site.
    colab_venv = tmp_path / "colab-python"
    venv.EnvBuilder(with_pip=True).create(colab_venv)
    python = colab_venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True,
                          check=True).stdout.strip()
    preinstalled = sysconfig.get_paths()["purelib"]
    (tmp_path / "colab-python.pth").write_text(preinstalled + "\n")
    os.replace(tmp_path / "colab-python.pth", os.path.join(site, "colab-preinstalled.pth"))
    before, own_before = _installed(python), _distributions(site)
    assert {"keras", "numpy", "ipywidgets", "matplotlib"} <= before.keys()  # they are seen

    url, _ = colab.repository()  # the cell as make colab-cells writes it, with this URL
    source = colab.setup_cell_source(f"file://{REPO_ROOT}", branch)
    assert f'"file://{REPO_ROOT}"' in source and url not in source
    home = tmp_path / "content" / "rnn-course"
    assert HOME in source
    source = source.replace(HOME, repr(str(home)))
    drive = tmp_path / "content" / "drive"
    drive_lines = _drive_lines().replace(DRIVE, str(drive))
    assert str(drive) in drive_lines and "CHECKPOINT_DIR" in drive_lines
    driver = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(STAND_IN)!r})
        import google.colab  # noqa: F401 (Colab has it imported)
        exec(compile({source!r}, "colab-setup-cell", "exec"))
        import rnnbook
        assert rnnbook.__file__.startswith({str(home)!r}), rnnbook.__file__
        assert os.getcwd() == {str(home / "chapters")!r}
        exec(compile({_chapter_imports()!r}, "chapter-imports", "exec"))
        print("corpus:", len(load_corpus("sonnets")), "characters")
        exec(compile({drive_lines!r}, "drive-lines", "exec"))
        print("checkpoints:", os.environ["CHECKPOINT_DIR"])
    """)
    env = {k: v for k, v in os.environ.items()
           if k not in ("RNNBOOK_DATA_DIR", "PYTHONPATH", "VIRTUAL_ENV")}
    env["RNNBOOK_PROFILE"] = "smoke"
    run = subprocess.run([str(python), "-c", driver], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "corpus: 93718 characters" in run.stdout
    assert (home / "data" / "sonnets.txt").is_file()  # fetched into the clone
    assert f"Mounted at {drive}" in run.stdout and (drive / "MyDrive").is_dir()
    assert f"checkpoints: {drive / 'MyDrive'}/" in run.stdout  # a folder on the Drive
    after = _installed(python)
    changed = {name: (before.get(name), version) for name, version in after.items()
               if before.get(name) != version and name != "rnnbook"}
    assert changed == {}, changed  # nothing upgraded, downgraded or added but the course
    assert _distributions(site) - own_before == {"rnnbook"}  # installed into Colab's Python
