"""The notebook helpers, on the real dataset: comparability, maps, discourse, tables and charts."""

import re

import pytest

import pandas as pd

from analysis.questions import dataset as ds
from analysis.questions import comparisons, discourse, maps, views
from analysis.publish.site import run_summary

DATA = ds.load()


def test_restore_text_undoes_the_spreadsheet_guard():
    assert ds.restore_text("'=SUM(A1)") == "=SUM(A1)"
    assert ds.restore_text("'quoted'") == "'quoted'"
    # The guard stands at the start of every line of a cell, and before apostrophes and a trigger.
    assert [ds.restore_text(x) for x in ("a\r'=1", "a\r\n'+1", "a\u2028'@b", "'\r'=1", "''=x")] == \
        ["a\r=1", "a\r\n+1", "a\u2028@b", "\r=1", "'=x"]
    assert ds.restore_text("a\n'b") == "a\n'b"


def test_axes_of_a_theme_carry_their_rule_and_values():
    axes = comparisons.axes(DATA, theme="anti_gang")
    kinds = {a.group_id: a for a in axes}
    total = kinds["gang_organisations_dismantled--annual_per_10k--all_levels"]
    assert (total.value_column, total.low_column) == ("per_10k", "per_10k_low")
    assert "per year" in total.unit_label and total.rule.startswith("Per 10,000 residents per year")
    # 襄阳 (a cited source) 0.2699, 黄梅 0.2237, Hunan 0.0859, 桃源 0.0814, 长沙 0.0726, highest first
    assert list(total.rows["region_code"]) == ["420600", "421127", "430000", "430725", "430100"]
    assert total.rows.set_index("region_code").loc["421127", "per_10k"] == pytest.approx(0.2237)


def test_what_is_left_out_has_its_own_reason():
    left = comparisons.left_out(DATA, "dispute_mediation")
    assert left["reason"].str.len().gt(0).all()
    # not one sentence repeated on every row: the reasons name the item's own circumstances
    assert left["reason"].nunique() >= 0.8 * len(left)


def test_coverage_and_what_stands_in_the_way():
    coverage = comparisons.coverage(DATA).set_index("source_id")
    total = coverage.loc["all reports 全部", ["observations", "compared"]].tolist()
    items = DATA.comparisons[~DATA.comparisons["is_derived_total"]]
    compared = int((items["compared_in"] != "").sum())  # 153 of 719 (117 archived + 602 cited)
    assert total == [len(DATA.observations), compared] and compared < len(items)
    obstacles = comparisons.obstacles(DATA).set_index("reason_code")
    assert obstacles["observations"].sum() == len(DATA.observations) - compared
    assert obstacles["observations"].idxmax() == "only_one"


def test_natural_pairs_are_one_per_province_at_one_level():
    pairs = comparisons.natural_pairs(DATA)
    assert pairs[0] == ("420000", "430000")  # the provinces first, then prefectures, then counties
    assert {("421127", "430725"), ("429006", "430723")} <= set(pairs)
    # 随州 and 长沙 shared only zero claims, 长沙's over a holiday week: a sub-year window, no pair
    assert ("421300", "430100") not in pairs
    # 黄梅 and 澧县 shared only 黄梅's 九大专业调解第三方组织, a scheme's parts (curation guide): no pair
    assert ("421127", "430723") not in pairs
    # every pair shares a valid axis: 随州 and 衡阳 report on nothing that compares any more
    assert ("421300", "430400") not in pairs
    for a, b in pairs:
        assert comparisons.region_pair(DATA, a, b)["compared_in"].str.len().gt(0).any(), (a, b)
    pair = comparisons.region_pair(DATA, "429006", "430723").set_index("item_a")
    assert pair.loc["tianmen_2012_2022-001", "compared_in"].split()[0].startswith("mediation_organisations")


def test_a_parameter_not_in_the_data_stops_in_one_line():
    with pytest.raises(comparisons.ParameterError) as info:
        comparisons.check_parameter("region_code", "999999", ["420000", "430000"], "regions.csv")
    assert str(info.value) == ("parameter region_code='999999' is not in the data; the valid values are "
                               "listed in regions.csv (420000, 430000)")
    assert info.value._render_traceback_() == [f"ParameterError: {info.value}"]


def test_maps_draw_one_indicator_per_capita_never_a_mix():
    # committees are counted per jurisdiction of their tier, never per resident: nothing to map per 10k
    assert maps.map_values(DATA, "mediation_organisations", "county").empty
    # issue 15: a page only where a level has values to show; with the cited sources, the county
    # level's anti-gang figures spread wider than mediation's 3
    assert maps.maps_worth_drawing(DATA) == [("anti_gang", "prefecture"), ("anti_gang", "county")]


def test_units_at_a_map_level():
    assert maps.unit_at_level(DATA, "429006", "prefecture") == "429006"  # 天门 is its own unit
    assert maps.unit_at_level(DATA, "421202101", "county") == "421202"
    assert maps.unit_at_level(DATA, "421202101", "prefecture") == "421200"
    assert maps.unit_at_level(DATA, "420000", "county") is None


def test_evidence_counts_add_up_to_sub_provincial_observations():
    counts = maps.evidence_counts(DATA, "prefecture")
    below_province = (DATA.observations["region_level"] != "province").sum()
    assert counts["observations"].sum() == below_province


def test_term_frequencies_count_the_body_only():
    frequencies = discourse.term_frequencies(DATA)
    assert set(frequencies["source_id"]) == set(DATA.reports["source_id"])  # archived texts only
    for source in DATA.reports.itertuples():
        body = DATA.body(source.source_id)
        row = frequencies[(frequencies["source_id"] == source.source_id) & (frequencies["term_code"] == "grid")]
        assert int(row["mentions"].iloc[0]) == len(re.findall("网格", body))
        assert row["per_10k_characters"].iloc[0] == round(len(re.findall("网格", body)) * 10000 / len(body), 2)


def test_sentences_split_on_chinese_punctuation_and_lines():
    assert discourse.sentences("一。二!三\n四") == [(0, "一。"), (2, "二!"), (4, "三"), (6, "四")]


def test_run_summary_reads_the_tagged_cell():
    nb = {"cells": [{"metadata": {"tags": ["summary"]},
                     "outputs": [{"output_type": "stream", "text": ["5 observations.\n"]}]}]}
    assert run_summary(nb) == "5 observations."


def test_the_takeaway_is_the_runs_line_in_the_index_before_the_summary():
    from analysis.questions import views

    bundle = views.takeaway_bundle("Hubei  reports <5> figures.")
    assert bundle["text/html"] == '<p class="pingan-takeaway">Hubei reports &lt;5&gt; figures.</p>'
    nb = {"cells": [{"metadata": {"tags": ["summary"]},
                     "outputs": [{"output_type": "stream", "text": ["5 observations.\n"]}]},
                    {"metadata": {"tags": ["takeaway", "hide-input"]},
                     "outputs": [{"output_type": "display_data", "data": bundle, "metadata": {}}]}]}
    assert run_summary(nb) == "Hubei reports <5> figures."
    with pytest.raises(ValueError, match="takeaway needs a sentence"):
        views.takeaway_bundle("  ")


def test_chart_numbers_are_written_in_full():
    from analysis.questions.plots import format_value

    assert [format_value(x) for x in (600000, 98.76, 0.2156, -10.2, 1245.0)] == \
        ["600,000", "98.76", "0.2156", "-10.2", "1,245"]


# --- views.table / views.chart_data: what a notebook shows, with the data behind it ---------------

def test_table_carries_its_data_as_csv_and_escapes_report_text():
    import io

    from analysis.questions import views

    frame = pd.DataFrame({"obs_id": ["t-001", "t-002"], "value": [600000.0, 2.5],
                          "quote": ['<span id="printapp">60万余起</span>', "=SUM(A1)"]})
    bundle = views.table_bundle(frame, "example", "例 <Example>")
    html_text = bundle["text/html"]
    assert '<span id="printapp">' not in html_text and "&lt;span id=\"printapp\"&gt;" in html_text
    assert "<caption>例 &lt;Example&gt;</caption>" in html_text
    assert "<td>600,000</td>" in html_text and "<td>2.5</td>" in html_text
    data = bundle[views.DATA_MIME]
    assert (data["kind"], data["name"], data["rows"]) == ("table", "example", 2)
    back = pd.read_csv(io.StringIO(data["csv"]))
    assert back["value"].tolist() == [600000.0, 2.5]
    assert back["quote"].tolist() == ['<span id="printapp">60万余起</span>', "'=SUM(A1)"]
    assert bundle["text/plain"].splitlines()[0] == "例 <Example>"
    assert "t-002" in bundle["text/plain"]


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n", "\u2028", "\u2029", "\v"])
@pytest.mark.parametrize("after", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_the_data_behind_a_table_keeps_a_cell_with_a_line_break_whole_and_guarded(brk, after):
    import csv
    import io

    from analysis.questions import views

    frame = pd.DataFrame({"note": [f"note{brk}{after}", "next"], "value": [1.5, -2.0]})
    text = views.table_bundle(frame, "example")[views.DATA_MIME]["csv"]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["note", "value"], [f"note{brk}'{after}", "1.5"], ["next", "-2.0"]]
    back = pd.read_csv(io.StringIO(text), dtype={"note": str})
    assert back["note"].map(ds.restore_text).tolist() == [f"note{brk}{after}", "next"]


def test_the_data_behind_a_table_is_written_as_pandas_formats_it():
    from analysis.questions import views

    frame = pd.DataFrame({"name": ["甲,乙", 'say "x"', None], "n": [1, 2, 3], "x": [0.5, None, 2.0],
                          "day": pd.to_datetime(["2023-01-01", "2024-12-31", None])})
    assert views.to_csv(frame) == frame.to_csv(index=False, lineterminator="\n")
    assert views.to_csv(pd.DataFrame({"a": ["", "b"]})) == 'a\n""\nb\n'


def test_table_index_named_becomes_a_column_positional_is_dropped():
    from analysis.questions import views

    counts = DATA.observations.groupby("indicator_code").size().rename("n").to_frame()
    assert views.as_columns(counts).columns.tolist() == ["indicator_code", "n"]
    filtered = DATA.observations[DATA.observations["region_code"] == "421300"][["obs_id"]]
    assert views.as_columns(filtered).columns.tolist() == ["obs_id"]
    assert views.as_columns(filtered).index.tolist() == list(range(len(filtered)))


def test_a_column_with_one_value_on_every_row_is_said_once_in_html_but_kept_in_the_csv():
    from analysis.questions import views

    frame = pd.DataFrame({"obs_id": [f"t-00{i}" for i in range(5)],
                          "reason": ["the only region <and> period"] * 5})
    bundle = views.table_bundle(frame, "left_out")
    assert bundle["text/html"].count("the only region") == 1
    assert "(every row 每行): the only region &lt;and&gt; period" in bundle["text/html"]
    assert bundle[views.DATA_MIME]["csv"].count("the only region") == 5
    assert views.constant_columns(frame.head(3)) == {}  # a short table shows it on every row


def test_empty_table_says_none_and_names_must_be_file_safe():
    from analysis.questions import views

    bundle = views.table_bundle(pd.DataFrame(), "comparable_observations")
    assert "none 无" in bundle["text/html"] and bundle[views.DATA_MIME]["rows"] == 0
    for bad in ("Has Space", "../up", "", "UPPER", "a.csv"):
        with pytest.raises(ValueError, match="lower-case letters"):
            views.table_bundle(pd.DataFrame({"a": [1]}), bad)


def test_chart_data_carries_the_data_without_geometry():
    from analysis.questions import views

    frame = pd.DataFrame({"region_code": ["421300"], "geometry": [None], "map_value": [3.0]})
    bundle = views.chart_data_bundle(frame, "indicator_map")
    assert "text/html" not in bundle
    assert bundle[views.DATA_MIME]["csv"] == "region_code,map_value\n421300,3.0\n"
    assert bundle[views.DATA_MIME]["kind"] == "chart"


def test_every_table_and_chart_of_observations_says_which_figures_are_cited():
    views.start({"processed_dir": "", "__annotations__": {"processed_dir": str}})
    frame = pd.DataFrame({"obs_id": ["hb_enshi_2025-001", "hubei_2023-001"], "value": [35, -10.2]})
    shown = views.with_evidence(frame)
    assert list(shown.columns) == ["obs_id", "evidence", "value"]
    assert list(shown["evidence"]) == ["引用 cited", "原文引用 quoted"]
    # a derived total names every obs_id it sums; an item id of a comparison is an obs_id too
    assert views.evidence_of("hubei_2023-001 hb_enshi_2025-001") == "原文引用 quoted + 引用 cited"
    bundle = views.table_bundle(frame, "t")
    assert "引用 cited" in bundle["text/html"] and "evidence" in bundle[views.DATA_MIME]["csv"]
    table = views.observations_table(DATA.observations[DATA.observations["source_id"] == "hb_enshi_2025"])
    assert set(table["evidence"]) == {"引用 cited"}
    assert table["quote"].str.startswith("as printed 原样: ").all()  # the number as printed, never words


def test_runs_sharing_a_kernel_read_the_tables_once_and_never_see_each_others_changes(tmp_path):
    import shutil

    from analysis.config import PROCESSED_DIR

    for path in PROCESSED_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    first = ds.load(tmp_path)
    first.observations.loc[0, "value"] = -1.0  # what one run does to its tables …
    first.observations["added"] = 1
    second = ds.load(tmp_path)  # … the next run does not see
    assert "added" not in second.observations and second.observations.loc[0, "value"] != -1.0
    themes = tmp_path / "themes.csv"
    themes.write_text(themes.read_text(encoding="utf-8") + "zz_new,新,New,\n", encoding="utf-8")
    assert "zz_new" in set(ds.load(tmp_path).themes["theme_code"])  # a changed file is read again


def test_what_is_derived_from_the_tables_is_computed_once_per_read_and_each_caller_gets_its_own(tmp_path):
    import shutil
    from dataclasses import replace

    from analysis.config import PROCESSED_DIR

    for path in PROCESSED_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    calls = []

    def count(data):
        calls.append(1)
        return comparisons._labelled(data)

    first = ds.derived(ds.load(tmp_path), "test.count", count)
    assert ds.derived(ds.load(tmp_path), "test.count", count) is first and len(calls) == 1
    handed = comparisons.labelled(ds.load(tmp_path))
    handed.loc[handed.index[0], "region_name_zh"] = "changed"  # what one caller does to its copy …
    handed["added"] = 1
    again = comparisons.labelled(ds.load(tmp_path))  # … the next does not see
    assert "added" not in again and again["region_name_zh"].iloc[0] != "changed"
    pd.testing.assert_frame_equal(again, comparisons._labelled(ds.load(tmp_path)))  # the same as computed afresh
    axes = comparisons.axes(ds.load(tmp_path))
    axes[0].rows.loc[0, "value"] = -1.0
    assert comparisons.axes(ds.load(tmp_path))[0].rows.loc[0, "value"] != -1.0
    themes = tmp_path / "themes.csv"
    themes.write_text(themes.read_text(encoding="utf-8") + "zz_new,新,New,\n", encoding="utf-8")
    ds.derived(ds.load(tmp_path), "test.count", count)  # a changed file: computed again
    assert len(calls) == 2
    made = replace(ds.load(tmp_path), read_key=None)  # a dataset not read by load: every call computes
    ds.derived(made, "test.count", count), ds.derived(made, "test.count", count)
    assert len(calls) == 4


@pytest.mark.parametrize("caption_y", [0.0, -4.0])  # below the figure: within the room drawn, or beyond
def test_a_png_drawn_once_is_the_tight_png_and_its_box(caption_y):
    import io

    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure
    from PIL import Image

    from analysis.questions.plots import png_and_tight_box, png_size, seaborn_theme

    seaborn_theme()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh([0, 1], [3, 5])
    ax.set_yticks([0, 1], ["湖北省 a long label on the left", "湖南省"])
    ax.set_title("标题 a title", loc="left")
    fig.text(0.01, caption_y, "a caption below the axes 说明", va="top")
    png, box = png_and_tight_box(fig, 200)
    tight = print_figure(fig, "retina", bbox_inches="tight")  # matplotlib's own tight box, at 200 dpi
    assert png_size(png) == png_size(tight) == (int(box.width * 200), int(box.height * 200))
    ours, theirs = (np.asarray(Image.open(io.BytesIO(b)).convert("L"), dtype=float) for b in (png, tight))
    assert np.abs(ours - theirs).mean() < 1.5  # the same picture, up to where a pixel's edge falls
    assert png == png_and_tight_box(fig, 200)[0]  # and the same bytes every time
    plt.close(fig)


def test_titles_stay_put_and_no_offset_text_can_meet_one():
    """Titles are not moved out of the way at each draw (axes.titley), which is safe because the
    only text matplotlib puts above an axes, a y-axis offset ("1e8"), is refused wherever it is."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.questions.plots import png_and_tight_box, seaborn_theme

    seaborn_theme()
    assert matplotlib.rcParams["axes.titley"] == 1.0
    for side in ("left", "right"):  # meeting the offset text at the left, or away from it
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1], [1.2e8, 1.3e8])  # ticks of 1e8: an offset text above the y axis
        ax.set_title("金额 money", loc=side)
        with pytest.raises(ValueError, match=r"the y axis of '金额 money' writes numbers as \['1e8'"):
            png_and_tight_box(fig, 2 * fig.dpi)
        plt.close(fig)


def test_the_svg_is_cropped_to_the_pngs_box_and_carries_no_date():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    from analysis.questions.plots import SVG_EXTRA_PAD, png_and_tight_box, seaborn_theme

    seaborn_theme()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh([0, 1], [3, 5])
    ax.set_yticks([0, 1], ["湖北省 a long label on the left", "湖南省"])
    fig.text(0.01, 0.0, "a caption below the axes 说明", va="top")  # outside the figure: the box takes it in
    box = png_and_tight_box(fig, 2 * fig.dpi)[1].padded(SVG_EXTRA_PAD)
    svg = print_figure(fig, "svg", bbox_inches=box, metadata={"Date": None})
    width, height = (float(x) for x in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert (width, height) == pytest.approx((box.width * 72, box.height * 72))  # the box, in points
    assert "<dc:date>" not in svg and svg == print_figure(fig, "svg", bbox_inches=box, metadata={"Date": None})
    plt.close(fig)


def _figure_with_text(title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.barh([0, 1], [3, 5])
    ax.set_yticks([0, 1], ["湖北省 Hubei", "湖南省 Hunan"])
    ax.set_title(title, loc="left")
    fig.text(0.01, 0.0, "说明 a caption: 平安建设", va="top")
    return fig


def test_text_measures_shared_across_figures_give_matplotlibs_own_figures(monkeypatch):
    """A text is measured once per process for the PNG and once for the SVG, whatever the number
    of figures; the PNG and SVG are the bytes matplotlib makes measuring every text itself, and a
    setting that changes a measure (hinting, resolution) is measured afresh."""
    import matplotlib
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    from analysis.questions import plots

    plots.seaborn_theme()  # shares the measures
    shared_agg = RendererAgg.get_text_width_height_descent
    shared_path = TextToPath.get_text_width_height_descent
    assert getattr(shared_agg, "shared_measures", False) and getattr(shared_path, "shared_measures", False)
    monkeypatch.setattr(plots, "_TEXT_MEASURES", {})

    def outputs(title):
        fig = _figure_with_text(title)
        png, box = plots.png_and_tight_box(fig, 200)
        svg = print_figure(fig, "svg", bbox_inches=box, metadata={"Date": None})
        plt.close(fig)
        return png, svg

    first = outputs("标题 one title")
    entries = len(plots._TEXT_MEASURES)
    assert {key[0] for key in plots._TEXT_MEASURES} == {"agg", "path"}
    assert outputs("标题 one title") == first  # drawn again from the shared measures: same bytes
    assert len(plots._TEXT_MEASURES) == entries  # nothing measured twice
    outputs("标题 another title")
    assert len(plots._TEXT_MEASURES) == entries + 2  # the new title only, for the PNG and the SVG
    # matplotlib measuring every text itself gives the same bytes
    monkeypatch.setattr(RendererAgg, "get_text_width_height_descent", shared_agg.matplotlib_measure)
    monkeypatch.setattr(TextToPath, "get_text_width_height_descent", shared_path.matplotlib_measure)
    assert outputs("标题 one title") == first
    monkeypatch.undo()
    # a setting or resolution that changes a measure is another key, measured by matplotlib
    prop = matplotlib.font_manager.FontProperties(size=10)
    text = "平安建设 Ping'an"
    seen = {}
    for hinting in ("no_hinting", "force_autohint"):
        for dpi in (100, 200):
            renderer = RendererAgg(100, 100, dpi)
            with matplotlib.rc_context({"text.hinting": hinting}):
                seen[hinting, dpi] = renderer.get_text_width_height_descent(text, prop, False)
                assert seen[hinting, dpi] == shared_agg.matplotlib_measure(renderer, text, prop, False)
    assert len(set(seen.values())) == 4


def test_labels_are_placed_on_the_screen_as_the_figure_will_be_drawn():
    """Label placement reads where data fall on the screen before the figure is drawn: the view
    and aspect fixed without drawing are those drawing fixes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from analysis.questions import plots

    def axes():
        fig = plt.figure(figsize=(6, 3))
        ax = fig.add_axes((0.1, 0.1, 0.5, 0.8))
        ax.fill([112.0, 114.5, 113.2], [29.0, 30.5, 31.9])  # a shape, autoscaled
        ax.set_aspect(1.15)  # as geopandas sets a map's
        return ax

    fixed, drawn = axes(), axes()
    plots._fix_view(fixed)
    drawn.figure.canvas.draw()
    points = np.array([[112.5, 29.5], [114.0, 31.0]])
    np.testing.assert_array_equal(fixed.transData.transform(points), drawn.transData.transform(points))
    plt.close("all")


@pytest.mark.parametrize("scale, values, written", [
    ("linear", [120_000_000, 310_000_000], "300,000,000"),  # matplotlib: "3" under a "1e8" offset
    ("log", [0.0004, 0.02, 1.5], "0.001"),  # matplotlib: 10^{-3}
])
def test_numbers_on_an_axis_are_written_plainly_or_the_figure_is_refused(scale, values, written):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.questions.plots import png_and_tight_box, readable_ticks, seaborn_theme

    seaborn_theme()
    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.scatter(values, [0] * len(values))
    ax.set_xscale(scale)
    ax.set_yticks([0], ["re-offending 1e 再犯"])  # a category's name is the chart's own text
    ax.set_title("资产 assets", loc="left")
    with pytest.raises(ValueError, match=r"the x axis of '资产 assets' writes numbers as .*readable_ticks"):
        png_and_tight_box(fig, 100)
    readable_ticks(ax.xaxis, values)
    png_and_tight_box(fig, 100)
    assert written in [t.get_text() for t in ax.xaxis.get_ticklabels()]
    plt.close(fig)
