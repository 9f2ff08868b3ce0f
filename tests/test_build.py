"""The book's build: no Node.js needed, outputs from the code in the tree, a clean tree after it,
and the workflows that publish it (tools/fetch_static.py, tools/build_stamp.py,
tools/chapter_times.py, .github/workflows/)."""

import json
import shutil
import subprocess
import sys

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

fetch_static = load_script("tools/fetch_static.py")
build_stamp = load_script("tools/build_stamp.py")
chapter_times = load_script("tools/chapter_times.py")
WORKFLOWS = REPO_ROOT / ".github" / "workflows"


# --- offline assets, without npm -------------------------------------------------------------

def test_the_offline_step_passes_with_npm_hidden_from_the_path(tmp_path):
    empty = tmp_path / "bin"  # a PATH with nothing on it: no npm, no node
    empty.mkdir()
    assert shutil.which("npm", path=str(empty)) is None
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "fetch_static.py")],
                            env={"PATH": str(empty), "HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    assert "npm" not in result.stderr and "CDN" not in result.stderr


def test_every_committed_file_matches_its_recorded_hash():
    assert fetch_static.problems() == []
    recorded = fetch_static.recorded()
    for asset in (fetch_static.REQUIRE_SCRIPT, fetch_static.WIDGETS_SCRIPT):
        assert asset in recorded
    assert fetch_static.mathjax_installed()


def test_an_altered_or_missing_file_is_named(tmp_path):
    static = tmp_path / "offline"
    shutil.copytree(fetch_static.STATIC, static)
    with open(static / "require.js", "ab") as out:
        out.write(b"\n// changed")
    (static / "widgets" / "7a3337626410ca2f4071.woff2").unlink()
    assert fetch_static.problems(static) == [
        "require.js does not match its SHA-256 in SHA256SUMS",
        "widgets/7a3337626410ca2f4071.woff2 is missing"]
    assert fetch_static.check(static) == 1


def test_mathjax_from_the_python_package_has_the_script_the_pages_load():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(fetch_static.MATHJAX_PACKAGE)
    package = Path(spec.origin).parent
    assert (package / "static" / fetch_static.MATHJAX_SCRIPT).is_file()
    assert fetch_static.MATHJAX_PACKAGE in (REPO_ROOT / "_config.yml").read_text()


# --- outputs from the code in the tree -------------------------------------------------------

def _package(tmp_path):
    code = tmp_path / "code"
    (code / "pkg" / "__pycache__").mkdir(parents=True)
    (code / "pkg" / "sampling.py").write_text("TEMPERATURE = 1.0\n")
    (code / "pkg" / "__pycache__" / "sampling.cpython-312.pyc").write_bytes(b"\0")
    return code


def _executed_build(tmp_path, code, profile="smoke"):
    build = tmp_path / "_build"
    assert build_stamp.prepare(profile, build, code) is None  # a first build: nothing to drop
    (build / ".jupyter_cache").mkdir()
    (build / ".jupyter_cache" / "global.db").write_text("executed outputs")
    return build


def test_an_unchanged_tree_keeps_the_executed_outputs(tmp_path):
    code = _package(tmp_path)
    build = _executed_build(tmp_path, code)
    (code / "pkg" / "__pycache__" / "sampling.cpython-312.pyc").write_bytes(b"\1")  # not source
    assert build_stamp.prepare("smoke", build, code) is None
    assert (build / ".jupyter_cache" / "global.db").is_file()


def test_a_changed_package_file_drops_the_executed_outputs(tmp_path):
    code = _package(tmp_path)
    build = _executed_build(tmp_path, code)
    (code / "pkg" / "sampling.py").write_text("TEMPERATURE = 0.8\n")
    assert build_stamp.prepare("smoke", build, code) == "the package under code/ changed"
    assert not (build / ".jupyter_cache").exists()
    assert build_stamp.prepare("smoke", build, code) is None  # and the next build keeps it


def test_a_new_package_file_or_another_profile_drops_them_too(tmp_path):
    code = _package(tmp_path)
    build = _executed_build(tmp_path, code)
    (code / "pkg" / "windows.py").write_text("")
    assert build_stamp.prepare("smoke", build, code) == "the package under code/ changed"
    build = _executed_build(tmp_path / "again", code)
    assert build_stamp.prepare("cpu", build, code) == "profile changed from smoke to cpu"
    assert not (build / ".jupyter_cache").exists()


def test_a_build_of_unknown_origin_is_dropped(tmp_path):
    code = _package(tmp_path)
    build = tmp_path / "_build"
    (build / ".jupyter_cache").mkdir(parents=True)  # outputs, but no stamp says of what
    assert build_stamp.prepare("smoke", build, code) == (
        "no stamp records what the previous build executed")
    assert json.loads((build / build_stamp.STAMP).read_text()) == build_stamp.stamp("smoke", code)


def test_the_book_target_uses_the_stamp():
    makefile = (REPO_ROOT / "Makefile").read_text()
    book = makefile[makefile.index("\nbook:"):makefile.index("\nchapter-times:")]
    assert "tools/build_stamp.py" in book
    assert book.index("tools/build_stamp.py") < book.index("jupyter-book build")


# --- a build that leaves the tree as it found it ---------------------------------------------

def _ignored(path) -> bool:
    return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO_ROOT).returncode == 0


@pytest.mark.skipif(not (REPO_ROOT / ".git").exists(), reason="not a git checkout")
def test_what_the_book_target_writes_is_ignored_by_git():
    for written in (build_stamp.BUILD / build_stamp.STAMP, chapter_times.MEASURED,
                    build_stamp.BUILD / "html" / "index.html",
                    build_stamp.BUILD / ".jupyter_cache" / "global.db"):
        assert _ignored(written), written
    assert not _ignored(chapter_times.RESULTS)  # the committed figures, written on purpose only


def test_chapter_times_go_under_build_unless_published_on_purpose(tmp_path, monkeypatch):
    monkeypatch.setattr(chapter_times, "measured",
                        lambda cache=None: {"lstm": (12.5, "2026-01-02")})
    results = tmp_path / "_build" / "chapter-times.json"
    chapter_times.main("smoke", results)
    assert json.loads(results.read_text())["smoke"]["lstm"]["seconds"] == 12.5
    makefile = (REPO_ROOT / "Makefile").read_text()
    book = makefile[makefile.index("\nbook:"):makefile.index("\nchapter-times:")]
    assert "tools/chapter_times.py \"$$profile\"" in book and "--commit" not in book
    assert "tools/chapter_times.py --commit" in makefile[makefile.index("\nchapter-times:"):]


# --- publishing ------------------------------------------------------------------------------

def _check_jsonschema(*paths):
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


def test_the_workflows_are_valid_and_the_linter_rejects_a_wrong_one(tmp_path):
    result = _check_jsonschema(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr
    wrong = tmp_path / "wrong.yml"
    wrong.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert _check_jsonschema(wrong).returncode == 1
    assert "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml" \
        in (REPO_ROOT / "Makefile").read_text()


def test_the_book_workflow_builds_caches_and_deploys():
    book = (WORKFLOWS / "book.yml").read_text()
    for needed in ("make book", "set -eo pipefail", "actions/upload-pages-artifact@v3",
                   "actions/deploy-pages@v4", "pages: write", "id-token: write",
                   "hashFiles('chapters/**', 'code/**') }}-${{ github.run_id }}", "restore-keys:",
                   "path: _build/html", "test -f _build/html/.nojekyll"):
        assert needed in book, needed
    test = (WORKFLOWS / "test.yml").read_text()
    assert "push:" in test and "pull_request:" in test and "make test" in test


def test_each_script_is_on_a_page_once_in_loading_order():
    from sphinx.builders.html._assets import _JavaScript

    unique_scripts = load_script("_ext/unique_scripts.py")
    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [_JavaScript("_static/require.js", priority=800),
               _JavaScript("_static/doctools.js", priority=200),
               _JavaScript(None, body=thebe), _JavaScript("", body=thebe),
               _JavaScript("_static/require.js", priority=500),
               _JavaScript("_static/widgets/config.js")]
    kept = unique_scripts.unique_scripts(scripts)
    assert [(js.filename, js.priority) for js in kept] == [
        ("_static/doctools.js", 200), (None, 500), ("_static/require.js", 500),
        ("_static/widgets/config.js", 500)]
