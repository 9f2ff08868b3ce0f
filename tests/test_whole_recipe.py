"""The recipe in one cell (chapter *Training for real*): plain Keras that trains and writes."""

import contextlib
import io
import json
import math
import re

import keras
import numpy as np

from rnnbook.config import REPO_ROOT

TEXT = ("From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n"
        "But as the riper should by time decease,\nHis tender heir might bear his memory:\n"
        "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n") * 12


def whole_recipe() -> str:
    path = REPO_ROOT / "chapters" / "shakespeare_engineering.ipynb"
    cells = json.loads(path.read_text())["cells"]
    tagged = [c for c in cells if "whole-recipe" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code"
    return "".join(tagged[0]["source"])


def test_the_program_stands_alone_in_about_30_lines():
    source = whole_recipe()
    assert "rnnbook" not in source  # a reader copies it into an empty notebook
    imports = re.findall(r"^(?:import|from) (\w+)", source, re.M)
    assert set(imports) <= {"keras", "numpy"}
    lines = [line for line in source.splitlines() if line.strip()]
    assert 25 <= len(lines) <= 33  # 31 today: every line of the recipe, and no more
    for step in ("model.summary()", "model.compile(", "model.fit(", "rng.choice("):
        assert step in source


def test_the_program_trains_and_generates_on_a_tiny_budget(tmp_path, monkeypatch):
    source = whole_recipe()
    budget = "EPOCHS, SEQ_LEN, BATCH, UNITS = 20, 50, 32, 128"
    assert budget in source
    source = source.replace(budget, "EPOCHS, SEQ_LEN, BATCH, UNITS = 3, 30, 16, 32")
    corpus = tmp_path / "shakespeare.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    fetched = []
    monkeypatch.setattr(keras.utils, "get_file",
                        lambda name, origin: fetched.append(origin) or str(corpus))
    keras.utils.set_random_seed(0)
    printed = io.StringIO()
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "whole-recipe", "exec"), namespace)
    out = printed.getvalue()
    assert fetched and fetched[0].startswith("https://")
    losses = namespace["history"].history
    assert len(losses["loss"]) == 3 and all(math.isfinite(v) for v in losses["loss"])
    uniform = math.log(len(namespace["chars"]))
    assert losses["val_loss"][-1] < uniform  # it learned something of the text
    assert "Total params" in out and "bits per character" in out
    written = out.rstrip("\n").split("shall i compare thee to a summer's day?\n")[-1]
    assert len(written) >= 250 and set(written) <= set(TEXT.lower())
    seed = "shall i compare thee to a summer's day?\n"
    assert np.asarray(namespace["out"]).size == len(seed) + 300
