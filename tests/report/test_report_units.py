"""Fidelity in rows: the report says it in one sentence per measurement, read from the result."""

from __future__ import annotations

import html as html_lib
import re

from synthgate.report import render_html
from synthgate.report.views import units_sentence
from tests.conftest import adult_split, independent_sample


def test_sentences_for_each_bound():
    about = {"rows": 1234, "bound": "about", "sizes": [250, 500, 1000, 2000], "medians": [0.1, 0.08, 0.06, 0.05]}
    assert units_sentence(about, 2000, 2000) == ("As close to real as an independent real sample of about 1,200 "
                                                 "rows (the synthetic table has 2,000).")
    assert "at least" not in units_sentence({**about, "rows": 2000, "bound": "at_least"}, 2000, 2000)
    assert "2,000 rows or more" in units_sentence({**about, "rows": 2000, "bound": "at_least"}, 2000, 2000)
    below = units_sentence({**about, "rows": 250, "bound": "below"}, 2000, 2000)
    assert below.startswith("Further from real than an independent real sample of 250 rows")
    assert "compared on 2,000 of the synthetic table's 3,000 rows" in units_sentence(about, 2000, 3000)
    assert units_sentence(None, 2000) == units_sentence({**about, "rows": None}, 2000) == ""


def test_a_real_fidelity_check_shows_the_sentence_under_each_measurement():
    from synthgate.gates.fidelity import FidelityGate
    from synthgate.run import check

    split = adult_split(4000, 0)
    result = check(split.real, split.holdout, independent_sample(2000), metadata=split.metadata,
                   policy={"resamples": 20}, gates=[FidelityGate()])
    html = render_html(result)
    for m in result.gate("fidelity").measurements:
        body = re.search(rf'<tbody id="gate-fidelity-{m.id.replace(".", "-").replace("_", "-")}"[^>]*>(.*?)</tbody>',
                         html, re.S).group(1)
        text = html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
        sentence = units_sentence(m.details["equivalent_real_rows"], m.n, 2000)
        assert sentence.endswith("(the synthetic table has 2,000).") and sentence in text, m.id
        assert "equivalent_real_rows" not in text  # not listed as "In report.json only"
