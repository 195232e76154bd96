"""The region page (02_region_profile): its figures on shared axes, drawn compactly, and its takeaway,
checked against the real data of data/processed."""

from __future__ import annotations

import re

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from analysis.questions import comparisons, labels, plots, profile  # noqa: E402
from analysis.questions import dataset as ds  # noqa: E402

DATA = ds.load()


@pytest.mark.parametrize("code", ["420000", "430000", "420600", "421127"])
def test_a_region_page_draws_one_chart_per_kind_of_axis_and_keeps_every_axis_in_its_table(code):
    axes = comparisons.axes(DATA, region_codes=[code])
    figures = profile.comparable_figures(DATA, code)
    assert set(figures["group_id"]) == {a.group_id for a in axes}  # every axis is in the table
    assert len(figures) == sum(len(a.rows) for a in axes)
    panels = profile.panels(figures)
    # one chart per kind of axis (money apart), never one per axis: Hubei had 32 one-axis charts
    assert len(panels) <= len(profile.PANEL_ORDER) and len(panels) < len(axes)
    assert [p for p, _ in panels] == [p for p in profile.PANEL_ORDER if p in {q for q, _ in panels}]
    for panel, frame in panels:
        assert frame["panel"].eq(panel).all() and frame["own"].any()
        assert frame.groupby("group_id")["row"].nunique().eq(1).all()


def test_hubei_draws_six_panels_instead_of_thirty_charts():
    figures = profile.comparable_figures(DATA, "420000")
    assert figures["group_id"].nunique() == 30
    # no per-10k stock: Hubei's 1,245 committees of every tier compare with nothing (stock rules)
    assert [p for p, _ in profile.panels(figures)] == [
        "annual_per_10k", "annual_per_10k--money", "change_year_on_year", "percent",
        "years_without_event", "annual_count"]


def test_an_absolute_count_axis_is_drawn_only_for_a_figure_without_a_per_resident_one():
    figures = profile.comparable_figures(DATA, "420600")  # Xiangyang: every count also per resident
    counts = figures[figures["kind"].isin(profile.ABSOLUTE_KINDS)]
    assert len(counts) and not counts["drawn"].any()
    assert figures.loc[figures["kind"] == "annual_per_10k", "drawn"].all()


def _axis(own, others):
    rows = [dict(group_id="g", item_id="own", own=True, region_code="A", shown_value=v, shown_low=lo,
                 shown_high=hi) for v, lo, hi in own]
    rows += [dict(group_id="g", item_id=f"o{i}", own=False, region_code=f"R{i}", shown_value=v, shown_low=lo,
                  shown_high=hi) for i, (v, lo, hi) in enumerate(others)]
    return pd.DataFrame(rows)


def test_a_figure_stands_above_or_below_another_only_with_intervals_apart():
    axis = _axis([(5, 5, 5)], [(1, 1, 1), (10, 8, 12), (4.9, 4, 6), (7, 7, float("nan"))])
    row = profile.standing(axis).iloc[0]
    # above 1; below 10 (8–12); not 4.9 (4–6 holds 5); not 'more than 7' (open, yet apart: 7 > 5)
    assert (row["others"], row["above"], row["below"]) == (4, 1, 2)


def test_the_most_telling_figure_is_the_most_one_sided_and_none_when_all_overlap():
    one_sided = _axis([(9, 9, 9)], [(1, 1, 1), (2, 2, 2), (3, 3, 3)])
    mixed = _axis([(2.5, 2.5, 2.5)], [(1, 1, 1), (2, 2, 2), (3, 3, 3)]).assign(group_id="h", item_id=lambda f: f["item_id"] + "h")
    both = pd.concat([mixed, one_sided], ignore_index=True)
    best = profile.most_telling(both)
    assert (best["group_id"], best["above"], best["below"]) == ("g", 3, 0)
    overlapping = _axis([(2, 1, 3)], [(2.5, 2, 4)])
    assert profile.most_telling(overlapping) is None
    assert profile.most_telling(_axis([(2, 2, 2)], [])) is None


@pytest.mark.parametrize("code, zh, en", [
    # with the counts' Poisson intervals, not the exact values alone: above 6, below 1, one overlapping
    ("420600", "高于其中6个、低于其中1个", "above 6 and below 1 of the other regions' 8 figures on that axis"),
    ("421127", "来自1个来源(1份存档报告),2016–2021年", "18 figures (18 quoted) from 1 source (1 archived report), 2016–2021"),
    ("420000", "其中36个进入有效比较,共30个比较轴", "36 of them enter a valid comparison, on 30 axes"),
    ("430000", "14个来源(1份存档报告、13个引用来源)", "108 figures (10 quoted, 98 cited) from 14 sources"),
    ("420111", "其中0个进入有效比较。", "0 of them enter a valid comparison."),  # no axis: no most telling
    ("433100", "其可比数字都不与其他地区的数字区间分离", "none of its comparable figures stands apart"),
])
def test_the_takeaway_says_figures_sources_years_comparisons_and_the_most_telling_figure(code, zh, en):
    text = profile.takeaway(DATA, code, profile.comparable_figures(DATA, code))
    assert zh in text and en in text
    chinese, english = text.split("。 ")
    assert re.search(r"[\u4e00-\u9fff]", chinese) and english.endswith(".")
    assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", text), "a code in the takeaway"


def test_the_takeaway_writes_three_significant_digits_not_four_decimals():
    text = profile.takeaway(DATA, "420600", profile.comparable_figures(DATA, "420600"))
    value = re.search(r"per 10,000 residents per year", text) and re.search(r"\): ([0-9.,]+) ", text).group(1)
    assert value == plots.format_readable([float(value)])[0] and len(value.replace("0.", "").lstrip("0")) <= 3


def test_short_period():
    assert profile.short_period("2023-01-01", "2023-12-31") == "2023"
    assert profile.short_period(pd.Timestamp("2021-01-01"), pd.Timestamp("2023-08-29")) == "2021–23"


def _texts(figure):
    return [t for t in figure.findobj(matplotlib.text.Text) if t.get_text().strip()]


@pytest.mark.parametrize("code", ["420000", "430000", "421127"])
def test_region_charts_name_places_and_indicators_at_reading_size_in_province_colours(code):
    import matplotlib.pyplot as plt

    plots.use_cjk_font()
    figures = profile.comparable_figures(DATA, code)
    ids = set(figures["item_id"]) | set(" ".join(figures["obs_ids"]).split())
    charts = profile.charts(DATA, code, figures)
    drawn = pd.concat([frame for _, _, frame in charts])
    assert set(drawn["group_id"]) == set(figures.loc[figures["drawn"], "group_id"])  # every drawn axis, once
    for name, figure, frame in charts:
        figure.canvas.draw()
        texts = _texts(figure)
        assert all(t.get_fontsize() >= 9 for t in texts), [(t.get_text(), t.get_fontsize()) for t in texts
                                                             if t.get_fontsize() < 9]
        words = " ".join(" ".join(t.get_text() for t in texts).split())  # caption lines joined
        assert not [i for i in ids if i in words], "an obs_id or item id as a label"
        values = re.findall(r"\b(?:19|20)\d\d(?:–\d\d)?: (-?[0-9.,]+)", words)  # the region's own, labelled
        assert values and all(v == plots.format_readable([float(v.replace(",", ""))])[0] for v in values)
        assert "$" not in words and "10^" not in words  # plain numbers on a log axis
        for ax in figure.axes:  # tick labels of an axis never overlap
            boxes = sorted((t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()
                            and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]), key=lambda b: b.x0)
            assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:])), [t.get_text() for t in ax.get_xticklabels()]
        assert "Rule" in words and "Blue: Hubei; red: Hunan" in words  # the caption says what it shows
        tick_labels = " ".join(t.get_text() for ax in figure.axes for t in ax.get_yticklabels())
        assert all(name in tick_labels for name in frame["axis_zh"].unique())
        colours = {matplotlib.colors.to_hex(c) for ax in figure.axes for coll in ax.collections
                   for c in coll.get_edgecolor()}
        assert colours <= {*plots.PROVINCE_COLOURS.values(), plots.OWN_EDGE}
        plt.close(figure)


def test_small_panels_share_one_figure_as_small_multiples_each_with_its_own_scale():
    import matplotlib.pyplot as plt

    figures = profile.comparable_figures(DATA, "430000")
    charts = profile.charts(DATA, "430000", figures)
    assert [name for name, _, _ in charts] == ["annual_per_10k", "other_axes"]  # 16 one-axis charts before
    _, small, frame = charts[1]
    assert len(small.axes) == frame["panel"].nunique() == 5
    assert len({ax.get_xlim() for ax in small.axes}) == 5
    titles = [t.get_text() for t in small.texts]
    assert any(t.startswith("湖南省与其他地区:每万人每年 · 同比变化") for t in titles), titles  # not a panel's title
    for _, figure, _ in charts:
        plt.close(figure)


def test_a_label_finds_a_free_place_inside_the_axes_or_none():
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(4, 2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    placed: list = []
    first = plots._free_offset(ax, 5, 0.5, "2023: 1.5", placed, plots._DOT_LABEL_OFFSETS, 9)
    second = plots._free_offset(ax, 5, 0.5, "2023: 1.5", placed, plots._DOT_LABEL_OFFSETS, 9)
    assert first == (0, 10) and second == (0, -10) and len(placed) == 2
    # at the axes' right edge, no place inside is free of the label
    assert plots._free_offset(ax, 10, 0.5, "a long label " * 5, [], [(0, 0)], 9) is None
    plt.close(figure)


def test_new_table_columns_have_labels():
    for column in ("axis_zh", "axis_en", "shown_value", "shown_low", "shown_high", "own", "low", "high",
                   "differ", "reports", "term"):
        assert labels.has_label("column", column), column


def test_a_region_that_shares_no_axis_draws_nothing_and_says_so():
    # 鄂州 (420700): two cited figures, neither on a shared axis; its page failed with KeyError 'panel'
    figures = profile.comparable_figures(DATA, "420700")
    assert figures.empty and profile.panels(figures) == []
    assert list(profile.charts(DATA, "420700", figures)) == []


def test_a_small_count_stands_apart_only_beyond_its_poisson_interval():
    # 房县's 20 township centres against 孝昌's 14: exact values apart, Poisson intervals overlapping
    # (12.2–30.9 and 7.7–23.5): not "above" (it was, before the page read the counts' intervals)
    figures = profile.comparable_figures(DATA, "420325")
    own = figures[figures["own"] & figures["axis_en"].str.contains("Township-level governance centres")]
    assert len(own) and (own["shown_low"] < own["shown_value"]).all()
    assert profile.most_telling(figures) is None
    assert "none of its comparable figures stands apart" in profile.takeaway(DATA, "420325", figures)
