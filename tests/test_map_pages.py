"""Maps only where they say something (issue 15): the five-unit rule, place names on maps, and
every map shown within one screen at the book's column width."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display: the tests read the figures' texts and sizes

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.questions import dataset as ds, maps, plots
from analysis.questions.geo import SOURCE_NOTE, boundaries, short_name

DATA = ds.load()


@pytest.fixture(autouse=True)
def cjk_font():
    plots.use_cjk_font()
    yield
    plt.close("all")


@pytest.mark.parametrize("units, kind", [(0, None), (1, None), (2, "ranked"), (4, "ranked"),
                                         (5, "choropleth"), (31, "choropleth")])
def test_a_choropleth_only_from_five_units(units, kind):
    assert maps.chart_kind(units) == kind


def test_map_pages_are_those_the_data_call_for():
    chosen = maps.maps_worth_drawing(DATA)
    # before: six pages, one colouring a single prefecture (0.1367, a one-value legend)
    # with the stock rules (issue 14) mediation committees have no per-10k value: county pages come
    # from the anti-gang figures
    assert chosen == [("anti_gang", "prefecture"), ("anti_gang", "county")]
    for theme, level in chosen:
        units = len(maps.map_values(DATA, maps.best_key(DATA, theme, level), level))
        assert units >= (maps.MIN_MAP_UNITS if level == "prefecture" else maps.MIN_RANKED_UNITS)


def test_mapped_values_are_one_comparison_group_of_the_level():
    values = maps.map_values(DATA, "gang_crime_assets_seized", "prefecture")
    assert sorted(values["region_code"]) == ["420600", "421100", "430100", "430400", "431100"]
    assert set(values["kind"]) == {"annual_per_10k"} and set(values["unit"]) == {"yuan"}
    members = DATA.comparison_members.merge(DATA.comparison_groups, on="group_id")
    per_10k = members[members["kind"].isin(maps.PER_10K_KINDS)]
    groups = set(per_10k.loc[per_10k["item_id"].isin(values["item_id"]), "group_id"])
    assert groups == {"gang_crime_assets_seized--annual_per_10k--all_levels"}
    # an item that the comparison layer left alone (only_one) is never coloured
    assert maps.map_values(DATA, "legacy_problems_resolved", "prefecture").empty
    assert maps.map_values(DATA, "no_such_key", "county").empty


@pytest.mark.parametrize("name, level, short", [
    ("武汉市", "prefecture", "武汉"), ("长沙市", "prefecture", "长沙"),
    ("恩施土家族苗族自治州", "prefecture", "恩施"), ("湘西土家族苗族自治州", "prefecture", "湘西"),
    ("神农架林区", "prefecture", "神农架"), ("天门市", "prefecture", "天门"),
    ("张家界市", "prefecture", "张家界"), ("湖北省", "province", "湖北"),
    ("房县", "county", "房县"), ("澧县", "county", "澧县"), ("武昌区", "county", "武昌区"),
])
def test_places_are_named_short(name, level, short):
    assert short_name(name, level) == short


def test_every_prefecture_has_a_short_name_of_two_or_three_characters():
    names = [short_name(n, "prefecture") for n in boundaries("prefecture")["name"]]
    assert len(names) == 31 and all(2 <= len(n) <= 3 for n in names)


def test_an_empty_name_is_refused():
    with pytest.raises(ValueError, match="no name to shorten"):
        short_name("", "prefecture")


@pytest.mark.parametrize("values, written", [
    ([51873.18, 760318.8093], ["51,873", "760,319"]),
    ([0.13672, 0.0432], ["0.137", "0.0432"]),
    ([12.3012, 12.3093, 15.5], ["12.3", "12.31", "15.5"]),
    ([1_000_000, 1_000_004], ["1,000,000", "1,000,004"]),
])
def test_map_values_are_written_with_significant_digits(values, written):
    assert plots.format_readable(values) == written


def prefecture_map(key="gang_crime_assets_seized"):
    frame = maps.map_frame(DATA, key, "prefecture")
    values = maps.map_values(DATA, key, "prefecture")
    return plots.choropleth(frame, "map_value", maps.map_title(DATA, values, key), maps.unit_label(values),
                            label_column="label", note=SOURCE_NOTE, hatch_column="cited",
                            outline=boundaries("province"),
                            caption=maps.map_caption(DATA, values, key, "prefecture"))


def test_the_prefecture_map_names_every_unit_and_says_what_it_shows():
    ax = prefecture_map()
    texts = [t.get_text() for t in ax.texts]
    named = {t.split("\n")[0] for t in texts}
    assert {short_name(n, "prefecture") for n in boundaries("prefecture")["name"]} <= named  # all 31
    assert "襄阳\n760,319" in texts and "永州\n51,873" in texts
    assert not any("_20" in t for t in texts)  # no source or observation ids as labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:5] == ["51,873", "467,780", "665,424", "706,711", "760,319"]
    assert legend[5:] == ["引用 cited: number as printed", "无数据 no data", "省界 provincial border"]
    caption = next(t for t in texts if t.startswith("涉黑涉恶资产查扣")).replace("\n", " ")
    assert "5 of 31" in caption and "2018–2019" in caption and "per 10,000 residents per year" in caption


def test_the_provincial_border_is_heavier_than_the_units():
    ax = prefecture_map()
    widths = [collection.get_linewidth()[0] for collection in ax.collections if len(collection.get_linewidth())]
    assert max(widths) == plots.PROVINCE_LINE["linewidth"] > 2 * sorted(widths)[0]


def test_maps_fit_one_screen_at_the_column_width():
    assert plots.shown_height_px(prefecture_map().figure) <= plots.MAX_MAP_HEIGHT_PX
    shapes = maps.evidence_frame(DATA, "county")
    ax = plots.choropleth(shapes, "observations", "t", "observations", label_column="label",
                          note=SOURCE_NOTE, outline=boundaries("province"),
                          caption=maps.evidence_caption(shapes, "county"))
    assert plots.shown_height_px(ax.figure) <= plots.MAX_MAP_HEIGHT_PX


def test_shown_height_is_the_saved_aspect_at_the_column_width():
    figure = plt.figure(figsize=(10, 5))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.plot([0, 1], [0, 1])
    ax.set_axis_off()  # no tick labels beyond the figure's edge, whatever the style
    expected = plots.COLUMN_WIDTH_PX * (5 + 0.2) / (10 + 0.2)  # tight box: the whole figure, padded
    assert plots.shown_height_px(figure) == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("region_code", ["420000", "420100", "420325", "421202101", "429006"])
def test_locator_maps_are_small_and_name_the_surroundings(region_code):
    ax = maps.locator_map(DATA, region_code)
    assert plots.shown_height_px(ax.figure) <= plots.MAX_LOCATOR_HEIGHT_PX
    zoom = ax.figure.axes[1]
    assert len([t for t in zoom.texts if t.get_text() != SOURCE_NOTE]) >= 2


def test_evidence_maps_are_labelled_with_place_names_not_source_ids():
    shapes = maps.evidence_frame(DATA, "prefecture")
    labels = set(shapes["label"])
    assert {"武汉", "随州", "长沙"} <= labels and not any("_" in label for label in labels)
    assert "29 of 31" in maps.evidence_caption(shapes, "prefecture")


def test_the_takeaway_is_composed_from_the_mapped_values():
    values = maps.map_values(DATA, "gang_crime_assets_seized", "prefecture")
    sentence = maps.map_takeaway(DATA, values, "gang_crime_assets_seized", "prefecture")
    assert "5 of 31" in sentence and "襄阳 760,319" in sentence and "永州 51,873" in sentence
    # 永州's figure is a lower bound (余): it could exceed 襄阳's, so the ends are not a difference
    assert "not a difference" in sentence
    ranked = maps.map_values(DATA, "gang_crime_assets_seized", "county")
    sentence = maps.map_takeaway(DATA, ranked, "gang_crime_assets_seized", "county")
    # 黄梅 and 桃源: two counties, ranked; 黄梅's figure is a lower bound (余), so no difference
    assert "ranked" in sentence and "黄梅县 877,276" in sentence and "not a difference" in sentence
    empty = maps.map_values(DATA, "no_such_key", "county")
    assert "nothing to map" in maps.map_takeaway(DATA, empty, "no_such_key", "county")
