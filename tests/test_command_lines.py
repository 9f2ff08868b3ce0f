"""Every command line that README.md and benchmarks/README.md show, run as a reader runs it.

Under ``RNNBOOK_PROFILE=smoke``: the benchmarks size themselves down by profile, so each runs
end to end in seconds, from a copy of its script (its results land in the copy's folder, not in
the committed ``benchmarks/results/``). The package's command lines that train for minutes
(``rnnbook.training.train``, ``transfer``, ``small_data``) run with ``--help`` here; their own
tests (``test_train.py``, ``test_transfer.py``, ``test_small_data.py``) run their code.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from rnnbook.config import REPO_ROOT

# command as the documentation shows it -> the arguments the test adds or replaces it with
COMMANDS = {
    "python benchmarks/shakespeare_speed.py": [],
    "python benchmarks/shakespeare_speed.py --json out.json": [],
    "python benchmarks/sonnet_scores.py": [],
    "python benchmarks/pretraining_speed.py --steps 30 --card shakespeare_lstm256_plays": [],
    "python benchmarks/pretraining_speed.py --devices 8": [],  # where there are 8 devices
    "python benchmarks/pretraining_speed.py --model transformer --steps 30 --card "
    "shakespeare_transformer_plays": ["--steps", "3"],
    "python -m rnnbook.text.corpora --fetch sonnets": [],
    "python -m rnnbook.text.plays": [],
    "python tools/colab_cells.py chapters/*.ipynb": [],
    "python -m rnnbook.training.train": ["--help"],
    "python -m rnnbook.training.transfer": ["--help"],
    "python -m rnnbook.training.transfer --checkpoint <folder> --save <name>": ["--help"],
    "python -m rnnbook.training.small_data": ["--help"],
    "python -m rnnbook.training.transformer": ["--help"],
    # a short run of the benchmark: two contexts, tiny sizes under smoke
    "python benchmarks/attention_generation_cost.py --contexts 16 64 256 512": [
        "--contexts", "8", "16"],
    # the in-page explorer against NumPy: 20 characters, once (V8 when no Chromium is here)
    "python benchmarks/browser_generation.py --json results/browser-generation.json": [
        "--length", "20", "--repeats", "1"],
    # a real JupyterLab driven by Chromium for minutes (jupyterlab is no dependency of the
    # course): the options are parsed here, the race itself is run by hand (benchmarks/README.md)
    "python benchmarks/widget_race.py --json benchmarks/results/widget-race-after.json": ["--help"],
    "python benchmarks/widget_race.py --code /tmp/old/code \\": ["--help"],
}
SHOWN = re.compile(r"(?:\.venv/bin/)?(python (?:-m rnnbook[\w.]*|(?:benchmarks|tools)/\w+\.py)"
                   r"[^`#\n|]*)")


def documented() -> set[str]:
    found = set()
    for readme in ("README.md", "benchmarks/README.md"):
        for match in SHOWN.finditer((REPO_ROOT / readme).read_text(encoding="utf-8")):
            found.add(" ".join(match.group(1).split()))
    return found


def test_every_documented_command_line_has_its_run_here():
    assert documented() == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_command_line_runs_end_to_end(command, tmp_path):
    argv = command.split()[1:]
    if "--devices" in argv:
        from rnnbook.training.distribute import available_devices  # Keras: only this case

        if len(available_devices()) < int(argv[argv.index("--devices") + 1]):
            pytest.skip(f"`{command}` needs that many accelerators (a GPU machine); data-parallel "
                        "training is tested on two virtual CPU devices in test_distribute.py")
    if argv[0].endswith(".py"):  # a script: run from a copy, which writes beside itself
        (tmp_path / argv[0]).parent.mkdir()
        shutil.copy(REPO_ROOT / argv[0], tmp_path / argv[0])
    if argv[0].endswith("browser_generation.py"):  # it runs the book's scripts beside it
        shutil.copytree(REPO_ROOT / "book_static", tmp_path / "book_static")
    if "chapters/*.ipynb" in argv:
        shutil.copytree(REPO_ROOT / "chapters", tmp_path / "chapters")
        argv = [a for a in argv if a != "chapters/*.ipynb"]
        argv += sorted(f"chapters/{p.name}" for p in (tmp_path / "chapters").glob("*.ipynb"))
    extra = COMMANDS[command]
    env = {**os.environ, "RNNBOOK_PROFILE": "smoke",
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *filter(None, [os.environ.get(
               "PYTHONPATH")])])}
    run = subprocess.run([sys.executable, *argv, *extra], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    if "--json" in argv and argv[0].endswith("shakespeare_speed.py"):
        figures = json.loads((tmp_path / argv[argv.index("--json") + 1]).read_text())
        assert figures["recipe"]["seq_len"] > 0 and figures["fast_chars_per_s"] > 0
    if argv[0].endswith("sonnet_scores.py"):
        rows = json.loads((tmp_path / "benchmarks/results/sonnet-scores.json").read_text())
        assert rows  # written beside the copy, not into the committed results
    if argv[0].endswith("browser_generation.py"):
        figures = json.loads((tmp_path / "results/browser-generation.json").read_text())
        assert figures
    if argv[0].endswith("pretraining_speed.py"):
        assert list((tmp_path / "benchmarks/results").glob("pretraining-speed-*.json"))
    if "chapters/" in " ".join(argv):  # the committed chapters already hold the cell
        assert "updated" not in run.stdout

