"""benchmarks/attention_generation_cost.py runs on tiny sizes, prints its table, writes its JSON."""

import json

from tests.conftest import load_script


def test_the_benchmark_prints_and_writes_every_context(tmp_path, capsys):
    script = load_script("benchmarks/attention_generation_cost.py")
    out = tmp_path / "cost.json"
    assert script.main(["--contexts", "4", "12", "--repeats", "2", "--units", "8",
                        "--layers", "1", "--dim", "8", "--blocks", "1", "--heads", "2",
                        "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Transf. cached ms" in printed and "written:" in printed
    result = json.loads(out.read_text())
    assert [r["context"] for r in result["rows"]] == [4, 12]
    assert all(r[k] > 0 for r in result["rows"]
               for k in ("lstm_ms", "transformer_cached_ms", "transformer_full_ms"))
    assert result["parameters"]["lstm"] > 0 and result["sizes"]["dim"] == 8
