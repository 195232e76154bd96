"""The change-over-time charts (issue 14, 15): every line names its indicator, years under every
panel, one colour per province, place names rather than ids, figures of a readable height."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from analysis.questions import comparisons, dataset as ds, plots  # noqa: E402

DATA = ds.load()


@pytest.fixture(scope="module", autouse=True)
def font():
    plots.use_cjk_font()
    yield
    plt.close("all")


def drawn():
    changes = comparisons.changes(DATA)
    return changes[(changes["measure"] == "relative_change_pct") & changes["base_period_end"].notna()]


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_the_petitions_panel_names_each_indicator_and_its_years():
    rows = drawn()[drawn()["comparison_key"] == "petitions_trend"]
    # repeat petitions and procuratorate petitions of 2022→2023 beside all petitions of 2017→2021
    assert rows["indicator_code"].nunique() == 3
    fig = plots.change_slopes(rows, rows["key_name"].iloc[0], "caption")
    legend_texts = {t.get_text().replace("\n", " ") for legend in fig.legends for t in legend.get_texts()}
    assert set(rows["indicator_name"]) <= legend_texts
    (ax,) = fig.axes
    years = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "2017" in years and "2023" in years and all(y.isdigit() for y in years)
    assert not any("-0" in t and "_" in t for t in texts(fig)), "an obs_id as a label"
    assert "caption" in texts(fig)


def test_every_panel_of_change_shows_its_years_and_no_figure_is_two_thousand_pixels_tall():
    rows = drawn()
    counts = rows["key_name"].value_counts()
    for concept, group in rows[rows["key_name"].map(counts) > 1].groupby("key_name"):
        fig = plots.change_slopes(group, concept, "caption")
        assert [t for t in fig.axes[0].get_xticklabels() if t.get_text()], concept
        assert fig.get_figheight() * fig.dpi < 1000, concept
        plt.close(fig)
    year_on_year = [a for a in comparisons.axes(DATA) if a.kind == "change_year_on_year"]
    fig = plots.year_on_year_grid(year_on_year, "caption")
    assert fig.get_figheight() * fig.dpi < 1200
    for ax in fig.axes[:len(year_on_year)]:
        assert [t for t in ax.get_xticklabels() if t.get_text()]


def test_lines_are_coloured_by_province():
    rows = drawn()
    fig = plots.change_slopes(rows[rows["comparison_key"] == "crime_trend"], "crime", "caption")
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in fig.axes[0].get_lines()[:-1]}
    assert colours <= {plots.PROVINCE_COLOURS["420000"], plots.PROVINCE_COLOURS["430000"]}
    assert len(colours) == 2


def test_zero_claims_are_labelled_by_place_not_by_id():
    claims = comparisons.zero_claims(DATA)
    ax = plots.streak_timeline(claims, "caption")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not any(item in label for label in labels for item in claims["item_id"])
    assert any("黄梅县" in label for label in labels)
