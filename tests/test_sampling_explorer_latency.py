"""benchmarks/generation_latency.py holds the explorer's latency target, which the chapter only
reports: it says whether the target is met and exits with 1 when it is missed."""


from tests.conftest import load_script


def test_the_latency_target_is_met_or_reported_missed(capsys):
    script = load_script("benchmarks/generation_latency.py")
    common = ["--models", "sonnets_gru128", "--length", "10", "--repeats", "1"]
    assert script.main([*common, "--target", "1000"]) == 0
    assert "target: under 1000.0 s: met" in capsys.readouterr().out
    assert script.main([*common, "--target", "1e-9"]) == 1
    assert "MISSED" in capsys.readouterr().out
