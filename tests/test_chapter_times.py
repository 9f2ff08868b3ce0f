"""tools/chapter_times.py reads the execution seconds Jupyter Book's cache stores per chapter."""

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from tests.conftest import load_script

chapter_times = load_script("tools/chapter_times.py")


def test_the_cached_execution_seconds_of_each_chapter_are_read(tmp_path):
    cache = get_cache(tmp_path / "cache")
    for name, seconds, code in (("lstm", 12.5, "1"), ("other", 3.0, "2")):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        folder = "chapters" if name == "lstm" else "elsewhere"
        uri = str(tmp_path / folder / f"{name}.ipynb")
        bundle = CacheBundleIn(notebook, uri, data={"execution_seconds": seconds})
        cache.cache_notebook_bundle(bundle, check_validity=False)
    found = chapter_times.measured(tmp_path / "cache")
    assert list(found) == ["lstm"] and found["lstm"][0] == 12.5
    assert chapter_times.measured(tmp_path / "none") == {}
