"""benchmarks/compare_cells.py prints the speed ratios the chapter only reports."""


from rnnbook.config import REPO_ROOT
from rnnbook.training import comparison, summaries
from tests.conftest import load_script


def test_speed_ratios_of_the_recorded_cpu_runs():
    runs, _, _ = comparison.load_results(
        REPO_ROOT / "benchmarks" / "results" / "compare_cells-cpu-tensorflow-cpu.json")
    script = load_script("benchmarks/compare_cells.py")
    lines = script.speed_ratios(runs, "LSTM 128", ["RNN 128", "GRU 128"])
    assert len(lines) == 2
    assert lines[0].startswith("RNN 128/LSTM 128: time per epoch ")
    gru = summaries.summarize(runs, labels=["GRU 128", "LSTM 128"])
    expected = gru["GRU 128"].epoch_seconds / gru["LSTM 128"].epoch_seconds
    assert f"time per epoch {expected:.2f}," in lines[1]
    assert "seconds to 1.743 nats" in lines[1] and "epochs to it" in lines[1]
