"""Choropleth classes and legends: never a crash on values close together, fewer classes said in a
note under the map, and legend labels that differ wherever their bounds do."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display: the tests read the figure's texts

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.questions.plots import (choropleth, format_distinct, format_value, legend_labels,
                                      map_classes, use_cjk_font)

# Fisher-Jenks (mapclassify 2.10) returns unsorted bounds for these: five classes crashed the map.
CLOSE_TOGETHER = [12.3012, 12.3034, 12.3056, 12.3071, 12.3093, 15.5]
ALIKE_IN_LEGEND = [1.001, 1.002, 1.003, 1.004, 1.005, 1.006, 1.007, 9]


def assert_usable(values, classes, k):
    """Increasing bounds, every value in the first class whose bound it does not exceed, a value
    in every class, at most k classes, and a note exactly when fewer than k are drawn."""
    bins = classes.bins
    assert 1 <= len(bins) <= k and all(a < b for a, b in zip(bins, bins[1:]))
    assert bins[-1] == max(values)
    for value, c in zip(values, classes.of_value):
        assert value <= bins[c] and (c == 0 or value > bins[c - 1])
    assert sorted(set(classes.of_value)) == list(range(len(bins)))
    assert bool(classes.note) == (len(bins) < k)
    if classes.note:
        assert classes.note.startswith(f"{k} classes asked, {len(bins)} drawn: ")


def test_values_close_together_get_fewer_classes_and_a_note():
    classes = map_classes(CLOSE_TOGETHER, 5)
    assert_usable(CLOSE_TOGETHER, classes, 5)
    assert classes.bins == [12.3012, 12.3093, 15.5]
    assert classes.note == ("5 classes asked, 3 drawn: for more than 3 classes, Fisher-Jenks (mapclassify) "
                            "gave unsorted or repeated class bounds, or a class without a value, for "
                            "values this close together")


@pytest.mark.parametrize("values, k, drawn, says", [
    (CLOSE_TOGETHER, 4, 3, "unsorted or repeated"),
    ([12345.6, 12345.7, 12345.8, 20000], 5, 3, "unsorted or repeated"),  # 4 values, 4 classes fail
    ([0.10001, 0.10002, 0.10003, 0.10004, 0.10005, 0.9], 5, None, ""),
    ([5, 5, 5], 5, 1, "5 classes asked, 1 drawn: every region has the same value"),
    ([7.25], 5, 1, "every region has the same value"),
    ([1, 2], 5, 2, "5 classes asked, 2 drawn: there are only 2 different values"),
    ([3, 3, 8, 8, 8], 5, 2, "there are only 2 different values"),
    ([-3.2, -3.1, -1, 0, 2, 7, 7.5], 5, 5, ""),
    ([-12.3093, -12.3071, -12.3056, -12.3034, -12.3012, -15.5], 5, None, ""),
    ([1_000_000, 1_000_001, 1_000_002, 1_000_003, 1_000_004, 5_000_000], 5, None, ""),
    (ALIKE_IN_LEGEND, 5, 5, ""),
])
def test_classes_are_usable_for_any_values(values, k, drawn, says):
    classes = map_classes(values, k)
    assert_usable(values, classes, k)
    if drawn is not None:
        assert len(classes.bins) == drawn
    assert says in classes.note


def test_no_values_or_a_missing_one_is_refused():
    with pytest.raises(ValueError, match="no values, or a missing one"):
        map_classes([], 5)
    with pytest.raises(ValueError, match="no values, or a missing one"):
        map_classes([1.0, float("nan")], 5)


# --- legend labels ---------------------------------------------------------------------------------

def test_legend_labels_carry_the_digits_that_tell_classes_apart():
    classes = map_classes(ALIKE_IN_LEGEND, 5)
    assert legend_labels(ALIKE_IN_LEGEND, classes) == [
        "1.001 – 1.002", "1.002 – 1.004", "1.004 – 1.006", "1.007", "9"]


@pytest.mark.parametrize("values, written", [
    ([1.001, 1.002, 9], ["1.001", "1.002", "9"]),
    ([98.76, 12.3, 600000, 0.2156], ["98.76", "12.3", "600,000", "0.2156"]),  # as format_value
    ([12345.6, 12345.7], ["12,345.6", "12,345.7"]),
    ([12345.601, 12345.602, 12345.602], ["12,345.601", "12,345.602", "12,345.602"]),
    ([-1.0001, -1.0002, 0], ["-1.0001", "-1.0002", "0"]),
    ([0.100001, 0.100002], ["0.100001", "0.100002"]),
    ([2.0, 2.0000001], ["2", "2.0000001"]),
    ([0.00001234], ["0.00001"]),  # one significant digit at least (format_value: "0")
    ([5, 5], ["5", "5"]),
])
def test_different_values_are_written_differently(values, written):
    assert format_distinct(values) == written


finite = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_subnormal=False)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@given(st.lists(finite, min_size=1, max_size=12))
def test_format_distinct_tells_every_two_values_apart_never_with_fewer_digits(values):
    texts = format_distinct(values)
    assert len(set(texts)) == len(set(values))
    assert all(_decimals(t) >= _decimals(format_value(v)) for v, t in zip(values, texts))


# Clusters of values a hair apart, the case that breaks the classifier.
clustered = st.lists(st.tuples(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
                               st.integers(min_value=0, max_value=50)), min_size=1, max_size=14) \
    .map(lambda pairs: [round(base, 2) + step * 1e-4 for base, step in pairs])


@given(clustered, st.integers(min_value=2, max_value=6))
def test_any_values_give_usable_classes_and_labels_that_differ(values, k):
    classes = map_classes(values, k)
    assert_usable(values, classes, k)
    labels = legend_labels(values, classes)
    assert len(labels) == len(set(labels)) == len(classes.bins)


# --- the map ---------------------------------------------------------------------------------------

def squares(values):
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"value": values},
                            geometry=[box(i, 0, i + 1, 1) for i in range(len(values))])


def figure_texts(ax) -> tuple[list[str], list[str]]:
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    return legend, [t.get_text() for t in ax.texts]


def test_a_map_of_values_close_together_is_drawn_with_its_note_under_it():
    import matplotlib.pyplot as plt

    use_cjk_font()
    ax = choropleth(squares(CLOSE_TOGETHER + [None]), "value", "t", "per 10,000", note="Boundaries: test")
    legend, notes = figure_texts(ax)
    assert legend == ["12.3", "12.3 – 12.31", "15.5", "无数据 no data"]  # 12.3012; 12.3034 … 12.3093
    assert notes[0].replace("\n", " ").startswith("5 classes asked, 3 drawn: for more than 3 classes")
    assert notes[1] == "Boundaries: test"
    assert ax.texts[1].xyann[1] < 0  # under the note on classes, not over it
    plt.close("all")


@pytest.mark.parametrize("values, legend, note", [
    (ALIKE_IN_LEGEND, ["1.001 – 1.002", "1.002 – 1.004", "1.004 – 1.006", "1.007", "9"], None),
    ([4.5, 4.5, 4.5], ["4.5"], "5 classes asked, 1 drawn: every region has the same value"),
    ([12345.6, 12345.7], ["12,345.6", "12,345.7"], "5 classes asked, 2 drawn: there are only 2 different values"),
    ([-2.5, -1.25, 0.0, 3.0, 10.0, 11.0], None, None),
])
def test_legends_and_notes_of_other_maps(values, legend, note):
    import matplotlib.pyplot as plt

    ax = choropleth(squares(values), "value", "t", "unit", k=5)
    drawn, notes = figure_texts(ax)
    assert len(drawn) == len(set(drawn))
    if legend is not None:
        assert drawn == legend
    assert notes == ([note] if note else [])
    plt.close("all")
