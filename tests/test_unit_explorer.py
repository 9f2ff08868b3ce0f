"""Tests of rnnbook.inside.unit_explorer, built headless on a recording of a small model."""

from __future__ import annotations

import numpy as np
import pytest

from rnnbook.inside import anatomy
from tests.conftest import INSIDE_TEXT as TEXT


def test_unit_explorer_finds_and_shows_a_unit(model, ids):
    from rnnbook.inside.unit_explorer import UnitExplorer

    rec = anatomy.record(model, ids)
    explorer = UnitExplorer({"tiny": rec}, TEXT, passage=50)
    assert explorer.array.value == ("c" if rec.kind == "lstm" else "h")
    assert explorer.view.value.count("<span title=") == 50
    unit, r = explorer.find_unit(r"\n")
    assert explorer.unit.value == unit
    assert unit == anatomy.best_unit(rec[explorer.array.value], anatomy.regex_feature(TEXT,
                                                                                      r"\n"))[0]
    assert f"r = {r:+.2f}" in explorer.status.value
    explorer.start.value = 20
    np.testing.assert_allclose(explorer.activations(), rec[explorer.array.value][:, unit])
    assert explorer.find_unit("(") is None
    assert "Argument `pattern` must be a valid regular expression" in explorer.status.value
    with pytest.raises(ValueError, match=r"Argument `recordings` must have one step per "
                       r"character of text \(\d+\)\. Received: recordings\['tiny'\] has \d+ "
                       "steps"):
        UnitExplorer({"tiny": rec}, TEXT[:-1])
    with pytest.raises(ValueError, match="Argument `recordings` must name at least one "
                       "recording. Received: recordings={}"):
        UnitExplorer({}, TEXT)
    with pytest.raises(ValueError, match="Argument `passage` must be a positive integer. "
                       "Received: passage=0"):
        UnitExplorer({"tiny": rec}, TEXT, passage=0)


def test_unit_explorer_status_follows_the_view(model, ids):
    from rnnbook.inside.unit_explorer import UnitExplorer

    rec = anatomy.record(model, ids)
    explorer = UnitExplorer({"tiny": rec, "again": rec}, TEXT, passage=50)
    for control in (explorer.model, explorer.array, explorer.unit, explorer.start,
                    explorer.pattern, explorer.find):  # no label shows the tooltip "null"
        said = control.tooltip if control.has_trait("tooltip") else control.description_tooltip
        assert said and len(said.split()) >= 5
    unit, r = explorer.find_unit(r"\n")
    assert f"unit {unit} of" in explorer.status.value and "follows" in explorer.status.value
    other = (unit + 1) % rec.units
    explorer.unit.set_state({"value": other})  # typed in the box
    assert explorer.status.value.startswith(f"unit {other} of") and "follows" not in \
        explorer.status.value
    explorer.unit.value = unit  # back to the unit found: the search's answer again
    assert f"r = {r:+.2f}" in explorer.status.value
    explorer.pattern.set_state({"value": "e"})  # a new pattern after the search: searched
    assert "<code>e</code>" in explorer.status.value
    assert explorer.unit.value == anatomy.best_unit(rec[explorer.array.value],
                                                    anatomy.regex_feature(TEXT, "e"))[0]
    assert explorer.find_unit("(") is None
    assert "valid regular expression" in explorer.status.value
    explorer.model.value = "again"  # the error no longer applies
    assert "valid regular expression" not in explorer.status.value
    assert explorer.status.value.startswith(f"unit {explorer.unit.value} of")
    assert explorer.find_unit("[") is None
    explorer.pattern.set_state({"value": "a"})  # the pattern meant arrives after the click
    assert "<code>a</code>" in explorer.status.value
