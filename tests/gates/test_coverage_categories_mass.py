"""A column's rare categories are judged together only when they expect enough rows to lose by more than chance.

Reproduces the census-income false alarm of the calibration run (seed 2, 500 synthetic rows): one column
whose only rare eligible categories were expected about 5 times each kept none of them, by chance, and the
worst-column retention failed an independent real sample.
"""

from synthgate.gates.coverage.categories import RARE_MASS, Category, CategoryTest


def test_columns_with_little_rare_mass_are_not_judged():
    n, n_real = 500, 2000
    categories = [Category("state", 0, 20, 0.01), Category("state", 1, 1900, 0.95),  # 5 rare rows expected
                  *[Category("country", i, 40, 0.02) for i in range(3)]]             # 30 rare rows expected
    test = CategoryTest(categories, n, n_real, alpha=0.05, under_ratio=0.5, rare_share=0.05, min_expected=5.0)
    assert RARE_MASS * 5.0 == 20
    assert test.rare_columns() == ["country"]
