"""tools/backend_summary.py counts a JUnit report's test cases and prints one line per backend."""

from tests.conftest import load_script

backend_summary = load_script("tools/backend_summary.py")

REPORT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase name="a"/><testcase name="b"><skipped message="no GPU"/></testcase>
<testcase name="c"><failure message="boom"/></testcase>
<testcase name="d"><failure message="boom"/><error message="teardown"/></testcase>
<testcase name="e"><error message="fixture"/></testcase><testcase name="f"/>
</testsuite></testsuites>"""


def test_a_report_is_counted_and_summed_up_in_one_line(tmp_path):
    (tmp_path / "tests.xml").write_text(REPORT)
    found = backend_summary.counts(tmp_path / "tests.xml")
    assert found == {"passed": 2, "failed": 3, "skipped": 1}
    line = backend_summary.line("jax", found, None)
    assert line == "jax: tests 2 passed, 3 failed, 1 skipped; nbval cells: no report"


def test_a_failure_or_a_missing_report_fails_the_run(tmp_path, capsys):
    (tmp_path / "ok.xml").write_text('<testsuites><testsuite><testcase name="a"/></testsuite>'
                                     "</testsuites>")
    (tmp_path / "bad.xml").write_text(REPORT)
    ok, bad, missing = (str(tmp_path / f"{n}.xml") for n in ("ok", "bad", "missing"))
    assert backend_summary.main([ok, ok]) == 0
    assert "tests 1 passed, 0 failed, 0 skipped; nbval cells 1 passed" in capsys.readouterr().out
    assert backend_summary.main([ok, bad]) == 1
    assert backend_summary.main([ok, missing]) == 1
    assert backend_summary.main([ok]) == 2
