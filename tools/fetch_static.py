"""Check (or update) the JavaScript the built book serves, so that it reads offline.

Usage:
    python tools/fetch_static.py            check the committed files (run by ``make book``)
    python tools/fetch_static.py --update   fetch them again from npm (needs ``npm``), then
                                            rewrite ``_offline/SHA256SUMS``

Without these files, the HTML book loads MathJax, require.js and the widgets' HTML manager from
CDNs: opened without a network, equations show as raw LaTeX and widgets as nothing.

- MathJax 3.2.2 comes from the Python package ``sphinx-mathjax-offline`` (the ``book`` extra),
  a Sphinx extension that copies its ``mathjax/`` into the build's ``_static/``;
- ``require.js`` (the module loader the widget manager needs) and the widgets' HTML manager
  (``@jupyter-widgets/html-manager`` 1, ipywidgets 8's: ``widgets/embed-amd.js`` and the icon
  fonts it loads) ship in no Python package: they are committed under ``_offline/``, each with
  its licence (``_offline/LICENSES.md``) and its SHA-256 (``_offline/SHA256SUMS``), which this
  script checks. ``--update`` is how they are renewed: it unpacks the pinned npm packages
  (:data:`PACKAGES`) and records the new hashes, to be reviewed and committed.

Sphinx copies ``_offline/`` into the build's ``_static/`` (``html_static_path`` in
``_config.yml``). Two small scripts of the book's own live there too:
``widgets/config.js`` and ``mathjax-hub.js`` (see their headers).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
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
SUMS = "SHA256SUMS"
MATHJAX_PACKAGE = "sphinx-mathjax-offline"  # a Sphinx extension; its module name has dashes

# package@version -> {file inside the npm package: destination below _offline/}
PACKAGES = {
    "requirejs@2.3.7": {"require.js": "require.js"},
    "@jupyter-widgets/html-manager@1.0.15": {
        "dist/embed-amd.js": "widgets/embed-amd.js",
        "dist/embed.js.LICENSE.txt": "widgets/THIRD-PARTY-LICENSES.txt",
        # Font Awesome's three faces (the icons of buttons); browsers take the woff2 ones.
        "dist/1551f4f60c37af51121f.woff2": "widgets/1551f4f60c37af51121f.woff2",
        "dist/7a3337626410ca2f4071.woff2": "widgets/7a3337626410ca2f4071.woff2",
        "dist/d878b0a6a1144760244f.woff2": "widgets/d878b0a6a1144760244f.woff2",
    },
}
# What the pages load from the build's _static/ (checked by tools/check_book_html.py).
MATHJAX_SCRIPT = "mathjax/tex-chtml.js"
REQUIRE_SCRIPT = "require.js"
WIDGETS_SCRIPT = "widgets/embed-amd.js"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded(static: Path = STATIC) -> dict[str, str]:
    """File below ``static`` -> its SHA-256, as ``SHA256SUMS`` records it."""
    sums = static / SUMS
    if not sums.is_file():
        return {}
    pairs = (line.split(maxsplit=1) for line in sums.read_text().splitlines() if line.strip())
    return {name.strip(): digest for digest, name in pairs}


def problems(static: Path = STATIC) -> list[str]:
    """What is missing or altered among the committed files (empty when all are as recorded)."""
    expected = recorded(static)
    wanted = [where for files in PACKAGES.values() for where in files.values()]
    found = [f"{name} is not recorded in {SUMS}" for name in wanted if name not in expected]
    for name, digest in sorted(expected.items()):
        path = static / name
        if not path.is_file():
            found.append(f"{name} is missing")
        elif sha256(path) != digest:
            found.append(f"{name} does not match its SHA-256 in {SUMS}")
    return found


def mathjax_installed() -> bool:
    return importlib.util.find_spec(MATHJAX_PACKAGE) is not None


def check(static: Path = STATIC) -> int:
    """Check the committed files and MathJax's package; 0 when the book will read offline."""
    found = problems(static)
    for problem in found:
        print(f"{static.name}/: {problem} (python tools/fetch_static.py --update renews it)",
              file=sys.stderr)
    if not mathjax_installed():
        # The build still works: Sphinx then loads MathJax from its CDN.
        print(f"warning: {MATHJAX_PACKAGE} is not installed, the book loads MathJax from a CDN "
              f"(pip install -e '.[book]')", file=sys.stderr)
    return 1 if found else 0


def _unpack(archive: Path, files: dict[str, str], static: Path) -> None:
    with tarfile.open(archive) as tar:
        for member, where in files.items():
            source = tar.extractfile(f"package/{member}")
            if source is None:
                raise SystemExit(f"{archive.name} has no file {member}")
            target = static / where
            target.parent.mkdir(parents=True, exist_ok=True)
            with source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)


def write_sums(static: Path = STATIC) -> None:
    names = sorted(where for files in PACKAGES.values() for where in files.values())
    (static / SUMS).write_text("".join(f"{sha256(static / n)}  {n}\n" for n in names))


def update(static: Path = STATIC) -> None:
    """Fetch every file of :data:`PACKAGES` from npm into ``static`` and record its hash."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to renew the committed files (install Node.js); "
                         "building the book does not need it")
    with tempfile.TemporaryDirectory() as folder:
        for spec, files in PACKAGES.items():
            result = subprocess.run([npm, "pack", "--silent", spec], cwd=folder,
                                    capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                raise SystemExit(f"npm pack {spec} failed: {result.stderr.strip()[-500:]}")
            _unpack(Path(folder) / result.stdout.strip().splitlines()[-1], files, static)
            print(f"fetched {spec}")
    write_sums(static)
    print(f"wrote {(static / SUMS).relative_to(ROOT)}: review and commit the changes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="fetch the files again from npm")
    if parser.parse_args(argv).update:
        update()
    return check()


if __name__ == "__main__":
    sys.exit(main())
