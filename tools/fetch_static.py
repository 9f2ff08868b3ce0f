"""Fetch the JavaScript the built book needs into ``_offline/``, so that it reads offline.

Usage: python tools/fetch_static.py   (run by ``make book`` before the build; needs ``npm``)

Without it, the HTML book loads MathJax, require.js and the widgets' HTML manager from CDNs:
opened without a network, equations show as raw LaTeX and widgets as nothing. Each package is
taken from the npm registry at a pinned version (``npm pack``), and only the files the pages
load are unpacked:

- ``mathjax`` 3: ``mathjax/`` (its ``es5`` build: ``tex-mml-chtml.js``, the
  components it loads and the CHTML fonts, found relative to the script). Sphinx 7, which
  Jupyter Book 1 uses, is written for MathJax 3 (``mathjax3_config``);
- ``requirejs``: ``require.js``, the module loader the widget manager needs;
- ``@jupyter-widgets/html-manager`` 1 (ipywidgets 8's): ``widgets/embed-amd.js`` and
  the files next to it, which render the saved state of the sampling explorer's widgets.

Sphinx copies ``_offline/`` into the build's ``_static/`` (``html_static_path`` in
``_config.yml``), where the pages load them from. A stamp file records the versions fetched;
a second run with the same versions does nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Sphinx copies this folder's content into the build's _static/ (html_static_path). It is not
# the book's own _static/, whose every .js file Jupyter Book would load on every page.
STATIC = ROOT / "_offline"
STAMP = STATIC / ".fetched.json"

# package@version -> (folder inside the package, destination below _offline/)
PACKAGES = {
    "mathjax@3.2.2": ("es5", "mathjax"),
    "requirejs@2.3.7": ("require.js", "require.js"),
    "@jupyter-widgets/html-manager@1.0.15": ("dist", "widgets"),
}
# What the pages load from the build's _static/ (checked by tools/check_book_html.py).
MATHJAX_SCRIPT = "mathjax/tex-mml-chtml.js"
REQUIRE_SCRIPT = "require.js"
WIDGETS_SCRIPT = "widgets/embed-amd.js"


def _unpack(archive: Path, member: str, destination: Path) -> None:
    prefix = f"package/{member}"
    with tarfile.open(archive) as tar:
        for item in tar.getmembers():
            name = item.name
            if not item.isfile() or not (name == prefix or name.startswith(prefix + "/")):
                continue
            if name.endswith(".map"):
                continue  # source maps: debugging only
            relative = Path(name).relative_to(prefix) if name != prefix else Path(member).name
            target = destination / relative if name != prefix else destination
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(item) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)


def fetch(static: Path = STATIC) -> list[Path]:
    """Fetch every package of :data:`PACKAGES` into ``static``; return what was written."""
    stamp = static / STAMP.name
    if stamp.is_file() and json.loads(stamp.read_text()) == sorted(PACKAGES):
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch MathJax and the widget JavaScript for an "
                         "offline book (install Node.js), or build with a network")
    written = []
    with tempfile.TemporaryDirectory() as folder:
        for spec, (member, where) in PACKAGES.items():
            result = subprocess.run([npm, "pack", "--silent", spec], cwd=folder,
                                    capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                raise SystemExit(f"npm pack {spec} failed: {result.stderr.strip()[-500:]}")
            archive = Path(folder) / result.stdout.strip().splitlines()[-1]
            destination = static / where
            if destination.is_dir():
                shutil.rmtree(destination)
            _unpack(archive, member, destination)
            written.append(destination)
    stamp.write_text(json.dumps(sorted(PACKAGES)))
    return written


if __name__ == "__main__":
    for path in fetch():
        print(f"fetched {path.relative_to(ROOT)}")
    sys.exit(0)
