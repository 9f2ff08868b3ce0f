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
