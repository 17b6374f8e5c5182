"""The demo end to end: each planted defect is caught by its gate, while the surface check passes."""

import pytest

from synthgate.demo import run_demo
from synthgate.report import write_demo_report
from synthgate.verdict import Verdict

CAUGHT_BY = {"copies": "privacy", "biased": "bias", "collapsed": "coverage", "recursive": "provenance",
             "drifted": "drift"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out, rows=6000)


@pytest.mark.parametrize("variant, gate", sorted(CAUGHT_BY.items()))
def test_each_defect_is_caught_by_its_gate(demo, variant, gate):
    assert demo[1][variant].gate(gate).verdict is Verdict.FAIL


def test_surface_check_passes_where_bias_and_privacy_fail(demo):
    results = demo[1]
    assert results["biased"].gate("fidelity").verdict is Verdict.PASS
    assert results["copies"].gate("fidelity").verdict is Verdict.PASS


def test_honest_variant_fails_only_on_its_real_leak(demo):
    """CART leaf donors copy training values: a real leak the privacy gate should name, and nothing else."""
    result = demo[1]["honest"]
    verdicts = {g.gate: g.verdict for g in result.gates if g.gate != "privacy"}
    assert Verdict.FAIL not in verdicts.values() and Verdict.ERROR not in verdicts.values(), verdicts
    failing = {m.id for m in result.gate("privacy").measurements if m.verdict is Verdict.FAIL}
    assert failing <= {"privacy.near_copy_rate", "privacy.near_category_rate", "privacy.near_match_train_rate"}, \
        failing


def test_control_row_passes_every_gate(demo):
    """An independent real sample standing in for a perfect generator: what a clean pass looks like."""
    control = demo[1]["control"]
    verdicts = {g.gate: g.verdict for g in control.gates}
    assert all(v in (Verdict.PASS, Verdict.SKIPPED) for v in verdicts.values()), verdicts
    assert control.exit_code() == 0


def test_demo_report_is_written(demo):
    out, results = demo
    html = write_demo_report(results, out, title="demo")
    assert html.stat().st_size < 5_000_000 and (out / "report.json").is_file()
    assert (out / "ledger.sqlite").is_file()


def test_identifier_leak_is_caught_and_its_records_stay_private(demo):
    out, results = demo
    reuse = results["leaky-ids"].gate("privacy").measurement("privacy.identifier_reuse_rate")
    assert reuse.verdict is Verdict.FAIL and "record_id" in reuse.reason
    write_demo_report(results, out, title="demo")
    private = out / "leaky-ids" / "private" / "records.parquet"
    assert private.is_file() and (private.stat().st_mode & 0o077) == 0
    shared = (out / "report.json").read_text() + (out / "report.html").read_text()
    assert "r0000" not in shared   # no training ID appears in what is shared
