"""The HTML/JSON report: rendered only from a CheckResult, self-contained, every verdict and plot kind shown."""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import math
import re
import subprocess
import sys

import pytest

from synthgate.gates.base import GateResult
from synthgate.report import (PLOT_KINDS, headline, plot_spec_problems, read_demo_json, render_demo_html,
                              render_html, render_json, write_demo_report, write_report)
from synthgate.report.example import example_result, example_variants, fidelity_result, privacy_result
from synthgate.report import kinds
from synthgate.report.kinds import draw
from synthgate.report.marks import Ids
from synthgate.result import CheckResult
from synthgate.verdict import Reference, Rule, judge

FIVE_MB = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def example() -> CheckResult:
    return example_result()


@pytest.fixture(scope="module")
def html(example) -> str:
    return render_html(example)


def section(html: str, element_id: str) -> str:
    """The element with this id, up to its closing tag (sections and tbodies do not nest in themselves)."""
    match = re.search(rf'<(section|tbody)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element #{element_id}"
    return match.group(2)


def text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_write_report_writes_the_json_and_the_html_rendered_from_it(example, tmp_path):
    json_path, html_path = write_report(example, tmp_path / "new" / "dir")
    assert (json_path.name, html_path.name) == ("report.json", "report.html")
    loaded = CheckResult.from_json(json_path.read_text(encoding="utf-8"))
    assert loaded.to_json() == example.to_json()  # (== itself: from_dict turns a None threshold into NaN)
    written = html_path.read_text(encoding="utf-8")
    kinds._CACHE.clear()  # draw again rather than reuse: the drawing itself is deterministic
    assert written == render_html(loaded) == render_html(example)
    digest = hashlib.sha256(json_path.read_bytes()).hexdigest()
    assert f"sha256 <code>{digest[:16]}</code>" in written  # the footer names the JSON it was made from
    assert render_json(json_path.read_text(encoding="utf-8")) == render_html(example)


def test_html_is_self_contained_and_scriptless(html):
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<script" not in html and "<link" not in html and "<img" not in html and "<iframe" not in html
    addresses = set(re.findall(r"https?://[^\s\"')<>]+", html))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # XML namespaces only
    assert "@media print" in html and "<style>" in html


def test_top_shows_every_gate_verdict_with_symbol_and_word(html):
    overview = re.search(r'<table class="overview">(.*?)</table>', html, re.S).group(1)
    rows = {m[0]: text(m[1]) for m in re.findall(r'<th scope="row"><a href="#gate-(\w+)">.*?</th>(.*?)</tr>',
                                                  overview, re.S)}
    assert list(rows) == ["fidelity", "privacy", "bias", "coverage", "drift", "provenance", "validation"]
    assert "✓ PASS" in rows["fidelity"] and "✗ FAIL" in rows["privacy"] and "! WARN" in rows["bias"]
    assert "? INCONCLUSIVE" in rows["coverage"] and "– SKIPPED" in rows["provenance"]
    assert "skipped: needs ledger" in rows["provenance"]
    assert "ERROR · not judged" in rows["validation"] and "KeyError: 'income'" in rows["validation"]
    masthead = text(re.search(r'<header class="masthead">(.*?)</header>', html, re.S).group(1))
    assert "ERROR · not judged" in masthead and "a gate crashed" in masthead


def test_headline_shows_the_surface_check_passing_while_a_deeper_gate_fails():
    result = CheckResult.of(fidelity_result(), privacy_result())
    assert headline(result) == (
        "Looks right, is not safe: the surface check (fidelity) passes, while privacy finds what it cannot see. "
        "fidelity passes (worst fidelity.pair_tvd_max 0.0861 vs honest 0.0847); "
        "privacy FAIL: privacy.exact_copy_rate 0.012 vs honest 0.0004.")
    lesson = section(render_html(result), "gate-privacy")  # the section exists and is linked from the headline
    assert "privacy.exact_copy_rate" in lesson
    assert 'href="#gate-privacy"' in render_html(result)


def test_headline_orders_what_was_caught_before_what_was_not_judged(example):
    line = headline(example)
    assert line.startswith("Looks right, is not safe") and "privacy and bias find" in line
    order = [line.index(s) for s in ("fidelity passes", "privacy FAIL", "bias WARN", "validation not judged",
                                     "coverage inconclusive")]
    assert order == sorted(order)


def test_headline_says_a_warning_needs_a_closer_look():
    from synthgate.report.example import bias_result

    assert headline(CheckResult.of(fidelity_result(), bias_result())).startswith(
        "Looks right, needs a closer look: the surface check (fidelity) passes, while bias finds")


def test_headline_when_everything_passes_and_when_the_surface_fails():
    honest = example_variants()["honest"]
    assert headline(honest).startswith("Every judged gate passes (3 of 3).")
    reference = Reference(0.0203, 0.0153, 0.025, "holdout resamples", 6000)
    shifted = GateResult("fidelity", (judge("fidelity.ks_max", 0.0898, reference, Rule("higher", 0.01, 0.03), n=6000),))
    line = headline(CheckResult.of(shifted, privacy_result()))
    assert line.startswith("The problem shows on the surface already")
    assert "fidelity FAIL: fidelity.ks_max 0.0898 vs honest 0.0203" in line


def test_each_measurement_shows_value_beside_its_honest_reference(example, html):
    for gate in example.gates:
        for m in gate.measurements:
            row = text(section(html, f"gate-{gate.gate}-{re.sub(r'[^a-z0-9]+', '-', m.id)}"))
            assert m.id in row and m.verdict.value.upper() in row and m.reason.split(" (")[0] in row
            if m.reference is not None and math.isfinite(m.value):
                assert f"{m.value:.4g}" in row and f"{m.reference.value:.4g}" in row
                assert f"[{m.reference.low:.4g}, {m.reference.high:.4g}]" in row and m.reference.method in row
    copies = text(section(html, "gate-privacy-privacy-exact-copy-rate"))
    assert "fail above 0.0029" in copies and "band + 0.002" in copies and "6000" in copies
    two_sided = text(section(html, "gate-bias-bias-dp-gap"))
    assert "fail outside [-0.405, 0.024]" in two_sided and "a gap either way is worse" in two_sided
    assert "smallest detectable effect 0.11" in text(section(html, "gate-coverage-coverage-rare-cells"))


def test_skipped_and_crashed_gates_say_why(html):
    assert "Skipped:</strong> needs ledger" in section(html, "gate-provenance")
    crashed = section(html, "gate-validation")
    assert "Not judged." in crashed and "KeyError: &#39;income&#39; (at validation.py:88)" in crashed


def test_every_plot_kind_is_drawn_with_an_accessible_name(html):
    kinds = re.findall(r'<figure class="plot plot-(\w+)', html)
    assert set(kinds) == set(PLOT_KINDS) == {"bars", "histogram", "lines", "scatter", "heatmap", "table",
                                              "reference"}
    assert "could not be drawn" not in html
    for svg in re.findall(r"<svg[^>]*>", html):
        assert 'role="img"' in svg
    assert html.count('class="plot" role="img"') == len(re.findall(r'<svg[^>]*class="plot"[^>]*><title id=', html))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "inline SVG ids must be unique in the page"


def test_measurement_plot_specs_render_under_their_measurement(html):
    copies = section(html, "gate-privacy-privacy-exact-copy-rate")
    assert "Copy rate if one column is ignored" in copies and 'data-plot="reference"' in copies
    assert "Copies: <strong>72</strong>" in copies  # a scalar detail is a fact
    assert "In report.json only: columns_compared" in copies  # long lists are not dumped into HTML
    assert "6500" not in text(copies)


def test_legacy_marginals_become_bar_plots_worst_gap_first(html):
    fidelity = section(html, "gate-fidelity")
    titles = re.findall(r'<figure class="plot plot-bars[^>]*>\s*<p class="plot-title"[^>]*>([^<]+)</p>', fidelity)
    marginals = fidelity_result().details["marginals"]
    gap = {c: max(abs(s - r) for s, r in zip(m["synthetic"], m["real"])) for c, m in marginals.items()}
    assert titles == sorted(marginals, key=lambda c: -gap[c]) and len(titles) == 3
    assert "largest gap between synthetic and real first" in fidelity
    assert "Items: each value against its honest bound" in section(html, "gate-fidelity-fidelity-ks-max")


@pytest.mark.parametrize("spec, problem", [
    ({"plot": "bars", "title": "t", "labels": ["a", "b"], "series": {"real": [1]}}, "has 1 values, expected 2"),
    ({"plot": "bars", "title": "t", "labels": ["a"]}, "missing 'series'"),
    ({"plot": "histogram", "title": "t", "bins": [0, 2, 1], "series": {"x": [1, 2]}}, "increasing"),
    ({"plot": "lines", "title": "t", "x": [1, 2], "series": {"y": [1, "b"]}}, "list of numbers"),
    ({"plot": "table", "title": "t", "columns": ["a"], "rows": [[1, 2]]}, "1 cells each"),
    ({"plot": "heatmap", "title": "t", "x": ["a"], "y": ["b", "c"], "values": [[1]]}, "2 rows"),
    ({"plot": "reference", "title": "t", "items": [{"label": "a"}]}, "needs a label and a value"),
    ({"plot": "pie", "title": "t"}, "unknown plot kind 'pie'"),
    ({"title": "t"}, '"plot" key'),
])
def test_bad_plot_specs_are_named_and_drawn_as_a_visible_note(spec, problem):
    problems = plot_spec_problems(spec)
    assert problems and problem in "; ".join(problems)
    drawn = draw(spec, Ids())
    assert "could not be drawn" in drawn.html


def test_a_bad_spec_does_not_lose_the_report():
    bad = GateResult("privacy", privacy_result().measurements, details={"broken": {"plot": "bars", "title": "b"}})
    html = render_html(CheckResult.of(fidelity_result(), bad))
    assert "Plot “b” could not be drawn: missing &#39;labels&#39;" in html and 'id="gate-fidelity"' in html


def test_example_specs_are_all_valid(example):
    for gate in example.gates:
        for details in [gate.details, *(m.details for m in gate.measurements)]:
            for value in details.values():
                if isinstance(value, dict) and "plot" in value:
                    assert plot_spec_problems(value) == [], value["title"]


def test_big_specs_are_capped_so_a_200k_row_report_stays_small(tmp_path):
    """A 200k-row check with oversized details: row positions, 200k scatter points, 10k table rows."""
    n = 200_000
    huge = {
        "scatter": {"plot": "scatter", "title": "all rows", "series": {
            "real": {"x": [i % 997 / 997 for i in range(n)], "y": [i % 991 / 991 for i in range(n)]},
            "synthetic": {"x": [i % 983 / 983 for i in range(n)], "y": [i % 977 / 977 for i in range(n)]}}},
        "table": {"plot": "table", "title": "rows", "columns": ["row", "distance"],
                  "rows": [[i, i / n] for i in range(10_000)]},
        "hist": {"plot": "histogram", "title": "fine", "bins": [i / 5000 for i in range(5001)],
                 "series": {"synthetic": [1 / 5000] * 5000}},
        "trend": {"plot": "lines", "title": "long", "x": list(range(20_000)),
                  "series": {"synthetic": [math.sin(i / 500) for i in range(20_000)]}},
        "many": {"plot": "bars", "title": "400 labels", "labels": [f"c{i}" for i in range(400)],
                 "series": {"real": [1 / 400] * 400, "synthetic": [(1 + (i % 7) / 10) / 400 for i in range(400)]}},
        "grid": {"plot": "heatmap", "title": "big", "x": [str(i) for i in range(300)], "y": [str(i) for i in range(300)],
                 "values": [[(i * j) % 17 for j in range(300)] for i in range(300)]},
    }
    gate = GateResult("privacy", privacy_result().measurements, details=huge)
    inputs = {r: {"rows": n, "columns": 15, "sha256": "a" * 64} for r in ("real", "holdout", "synthetic")}
    result = CheckResult.of(fidelity_result(), gate, inputs=inputs)
    _, html_path = write_report(result, tmp_path)
    html = html_path.read_text(encoding="utf-8")
    assert html_path.stat().st_size < FIVE_MB
    for note in ("1500 of 200000 points", "first 50 of 10000 rows", "neighbouring bins merged by 25",
                 "of 20000 points", "30 of 400 labels", "60 × 60 of 300 × 300 cells"):
        assert note in html
    assert "could not be drawn" not in html


def test_a_realistic_200k_row_report_is_small_in_both_files(tmp_path):
    result = CheckResult(example_result().gates, inputs={r: {"rows": 200_000, "columns": 15, "sha256": "b" * 64}
                                                          for r in ("real", "holdout", "synthetic")})
    json_path, html_path = write_report(result, tmp_path)
    assert json_path.stat().st_size < FIVE_MB and html_path.stat().st_size < FIVE_MB
    assert "200,000" in html_path.read_text(encoding="utf-8")


def test_header_has_run_facts_fingerprints_notes_and_policy_but_no_rows(html):
    run = text(re.search(r'<div class="run">(.*?)<section class="gate"', html, re.S).group(1))
    for fact in ("synthgate 0.1.0", "seed 7", "created 2026-01-01T00:00:00+00:00", "real 6000 15 000000000000",
                 "fresh 3000 15 333333333333", "column 'fnlwgt_id' excluded", "95 % central band of 100 honest re-splits of real + holdout",
                 "privacy.exact_copy_rate: fail_excess 0.002", "[gates.privacy] k = 5", "fail or worse"):
        assert fact in run, fact
    assert 'title="' + "0" * 64 + '"' in html  # the full hash on hover


def test_demo_page_has_the_matrix_then_every_variant(tmp_path):
    variants = example_variants()
    html_path = write_demo_report(variants, tmp_path, title="Demo", descriptions={"copies": "2 % copied"})
    assert html_path == tmp_path / "report.html"
    data = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert list(data["variants"]) == ["honest", "copies", "everything"] and data["title"] == "Demo"
    title, loaded, descriptions = read_demo_json(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert {n: r.to_json() for n, r in loaded.items()} == {n: r.to_json() for n, r in variants.items()}
    assert descriptions == {"copies": "2 % copied"}
    html = html_path.read_text(encoding="utf-8")
    assert html == render_demo_html(variants, title="Demo", descriptions={"copies": "2 % copied"})
    assert render_json(html_path.with_suffix(".json").read_text(encoding="utf-8")) == html
    matrix = re.search(r'<table class="matrix">(.*?)</table>', html, re.S).group(1)
    header = re.findall(r'<th scope="col" class="gatecol">(\w+)</th>', matrix)
    assert header == ["fidelity", "privacy", "drift", "bias", "coverage", "provenance", "validation"]
    copies_row = text(re.search(r'<tr>\s*<th scope="row"><a href="#v-copies">(.*?)</tr>', matrix, re.S).group(1))
    assert copies_row.split("What")[0].split()[:7] == ["copies", "2", "%", "copied", "✓", "PASS", "✗"]
    assert "privacy FAIL: privacy.exact_copy_rate 0.012 vs honest 0.0004" in copies_row
    assert 'href="#v-copies-gate-privacy"' in matrix and 'id="v-copies-gate-privacy"' in html
    for name in variants:
        assert f'id="v-{name}"' in html
    assert html.index('class="matrix"') < html.index('id="v-honest"')


def test_rendering_leaves_matplotlib_global_state_alone():
    # rcParams.copy() reads without resolving the backend (rcParams["backend"] would import pyplot).
    code = ("import matplotlib, sys; before = matplotlib.rcParams.copy(); "
            "from synthgate.report import render_html; from synthgate.report.example import example_result; "
            "render_html(example_result()); "
            "assert matplotlib.rcParams.copy() == before; "
            "assert 'matplotlib.pyplot' not in sys.modules; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "ok", done.stderr


def test_a_real_fidelity_check_renders(tmp_path):
    from synthgate.datasets import load_adult, load_adult_independent
    from synthgate.gates.fidelity import FidelityGate
    from synthgate.run import check

    split = load_adult(1, n=4000)
    synthetic = load_adult_independent(1, n=4000, size=2500)
    result = check(split.real, split.holdout, synthetic, metadata=split.metadata, policy={"resamples": 20},
                   gates=[FidelityGate()])
    _, html_path = write_report(result, tmp_path)
    html = html_path.read_text(encoding="utf-8")
    fidelity = section(html, "gate-fidelity")
    assert fidelity.count('data-plot="bars"') == len(result.gate("fidelity").details["marginals"]) >= 10
    assert 'data-plot="reference"' in fidelity and "could not be drawn" not in html
    assert result.inputs["real"]["sha256"][:12] in html
