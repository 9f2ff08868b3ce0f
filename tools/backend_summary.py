"""One line on a backend's run of the tests and of the chapters under nbval.

Usage: KERAS_BACKEND=jax python tools/backend_summary.py TESTS.xml NBVAL.xml
(run by `make backends`, on the JUnit reports pytest wrote with --junitxml)

Prints ``jax: tests 640 passed, 0 failed, 3 skipped; nbval cells ...; keras 3.x, jax 0.x, ...``
and exits with 1 when a report is missing or holds a failure or an error.
"""

import importlib
import platform
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def counts(report: Path) -> dict[str, int]:
    """Passed, failed (failures and errors) and skipped test cases of a JUnit report."""
    found = {"passed": 0, "failed": 0, "skipped": 0}
    for case in ET.parse(report).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            found["failed"] += 1
        elif "skipped" in tags:
            found["skipped"] += 1
        else:
            found["passed"] += 1
    return found


def versions() -> str:
    """The versions of Keras, of the backend it runs on and of Python."""
    import keras

    backend = keras.backend.backend()
    module = importlib.import_module(backend)
    return (f"keras {keras.__version__}, {backend} {module.__version__}, "
            f"python {platform.python_version()}")


def line(name: str, tests: dict[str, int] | None, cells: dict[str, int] | None) -> str:
    def part(label, found):
        if found is None:
            return f"{label}: no report"
        return f"{label} {found['passed']} passed, {found['failed']} failed, " \
               f"{found['skipped']} skipped"

    return f"{name}: {part('tests', tests)}; {part('nbval cells', cells)}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    found = [counts(Path(p)) if Path(p).is_file() else None for p in argv]
    import keras

    print(f"{line(keras.backend.backend(), *found)} ({versions()})")
    return 0 if all(f is not None and f["failed"] == 0 for f in found) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
