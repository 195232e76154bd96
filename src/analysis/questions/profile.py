"""One region's figures (notebook ``02_region_profile``): what it reports, where its figures share
an axis with other regions' (the valid groups of ``comparison_groups.csv``), how each of its
figures stands against the others on its axis, and the sentence that says so.

Nothing here decides what may be compared (``analysis.dataset.compare`` did): the axes are
``comparisons.axes``; a figure is above or below another only when their intervals do not overlap
(``findings.differ``).
"""

from __future__ import annotations

import pandas as pd

from . import comparisons
from .dataset import Dataset
from .findings import differ
from .plots import format_readable

# Panels of the region page, in the order drawn: one per kind of axis (KIND_COLUMNS), money apart
# from counts (another scale). Rates per resident come first: they compare regions of any level.
PANEL_ORDER = ["annual_per_10k", "annual_per_10k--money", "per_10k_at_date", "per_10k_at_date--money",
               "change_year_on_year", "change", "percent", "years_without_event",
               "annual_count", "annual_count--money", "count_at_date", "count_at_date--money"]
PANEL_TITLES = {
    "annual_per_10k": ("每万人每年", "per 10,000 residents per year"),
    "per_10k_at_date": ("每万人(时点)", "per 10,000 residents, at a date"),
    "change_year_on_year": ("同比变化", "change against the year before"),
    "change": ("相对基期变化", "change against a base period"),
    "percent": ("百分比", "rates and shares in percent"),
    "years_without_event": ("未发生年数", "years without the event"),
    "annual_count": ("每年(同级地区)", "per year, regions of the same level"),
    "count_at_date": ("时点数(同级地区)", "at a date, regions of the same level"),
}
# Kinds that compare absolute numbers, only within a level: drawn only for a figure that has no
# per-resident axis (the per-resident one says more), always kept in the table.
ABSOLUTE_KINDS = {"annual_count", "count_at_date"}
PER_RESIDENT_KINDS = {"annual_per_10k", "per_10k_at_date"}

FIGURE_COLUMNS = ["panel", "group_id", "kind", "axis_zh", "axis_en", "unit_en", "item_id", "obs_ids",
                  "region_code", "region_name_zh", "region_name_en", "region_level", "province_code",
                  "period_label", "period", "value", "qualifier", "shown_value", "shown_low", "shown_high",
                  "evidence_kind", "own", "drawn"]


def _axis_subject(data: Dataset, group, first_indicator: str) -> tuple[str, str]:
    """(zh, en) of what a group compares, as ``comparisons.axes`` titles it: its indicator when it
    has one, else its concept, else (a key that names no concept) the indicator of its figures."""
    concepts = data.concepts.set_index("concept_code")
    if not group.indicator_code and group.comparison_key in concepts.index:
        row = concepts.loc[group.comparison_key]
    else:
        row = data.indicators.set_index("indicator_code").loc[group.indicator_code or first_indicator]
    return row["name_zh"], row["name_en"]


def comparable_figures(data: Dataset, region_code: str) -> pd.DataFrame:
    """Every figure on every valid axis that holds a figure of ``region_code``: one row a figure
    and axis (a figure on two axes, e.g. per year and per 10,000 residents, has two rows), with the
    axis's subject in Chinese and English, its panel (the kind of axis, money apart), the value
    drawn with its interval (the kind's columns, ``comparisons.KIND_COLUMNS``), whether it is the
    region's own (``own``) and whether the page draws it (``drawn``: an absolute-count axis only
    when one of the region's figures on it has no per-resident axis). Empty (with the columns) when
    the region shares no axis."""
    groups = data.comparison_groups.set_index("group_id")
    quantity = data.units.set_index("unit_code")["quantity"]
    units_en = data.units.set_index("unit_code")["name_en"]
    frames = []
    for axis in comparisons.axes(data, region_codes=[region_code]):
        rows = axis.rows
        zh, en = _axis_subject(data, groups.loc[axis.group_id], rows["indicator_code"].iloc[0])
        money = quantity.get(rows["unit"].iloc[0]) == "money"
        lows, highs = comparisons.intervals_on_axis(rows, axis.kind)
        frames.append(pd.DataFrame({
            "panel": axis.kind + ("--money" if money else ""), "group_id": axis.group_id,
            "kind": axis.kind, "axis_zh": zh, "axis_en": en, "unit_en": rows["unit"].map(units_en),
            "item_id": rows["item_id"], "obs_ids": rows["obs_ids"], "region_code": rows["region_code"],
            "region_name_zh": rows["region_name_zh"], "region_name_en": rows["region_name_en"],
            "region_level": rows["region_level"], "province_code": rows["province_code"],
            "period_label": rows["period_label"],
            "period": [short_period(a, b) for a, b in zip(rows["period_start"], rows["period_end"])],
            "value": rows["value"], "qualifier": rows["qualifier"],
            "shown_value": rows[axis.value_column],
            # a count's exact Poisson interval where it has one, else the qualifier's
            "shown_low": lows, "shown_high": highs,
            "evidence_kind": rows["evidence_kind"],
            "own": rows["region_code"] == region_code}))
    if not frames:
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    figures = pd.concat(frames, ignore_index=True)
    per_resident = set(figures.loc[figures["own"] & figures["kind"].isin(PER_RESIDENT_KINDS), "item_id"])
    needed = {g for g, rows in figures[figures["own"]].groupby("group_id")
              if not set(rows["item_id"]) <= per_resident}
    figures["drawn"] = ~figures["kind"].isin(ABSOLUTE_KINDS) | figures["group_id"].isin(needed)
    figures["order"] = figures["panel"].map({p: i for i, p in enumerate(PANEL_ORDER)})
    figures = figures.sort_values(["order", "axis_zh", "group_id", "shown_value", "item_id"], kind="stable")
    return figures[FIGURE_COLUMNS].reset_index(drop=True)


def standing(figures: pd.DataFrame) -> pd.DataFrame:
    """How each of the region's own figures stands on its axis against the other regions' figures:
    ``others`` (how many), ``above`` and ``below`` (how many it exceeds, or falls short of, with
    intervals apart: ``findings.differ``). One row an own figure and axis, in ``figures``' order."""
    rows = []
    for _, axis in figures.groupby("group_id", sort=False):
        others = axis.loc[~axis["own"], ["shown_value", "shown_low", "shown_high"]].to_numpy(dtype=float)
        regions = axis.loc[~axis["own"], "region_code"].nunique()
        for own in axis[axis["own"]].itertuples():
            apart = [differ(own.shown_low, own.shown_high, low, high) for _, low, high in others]
            above = sum(a and own.shown_value > value for a, (value, _, _) in zip(apart, others))
            below = sum(a and own.shown_value < value for a, (value, _, _) in zip(apart, others))
            rows.append({"group_id": own.group_id, "item_id": own.item_id, "others": len(others),
                         "other_regions": regions, "above": int(above), "below": int(below)})
    columns = ["group_id", "item_id", "others", "other_regions", "above", "below"]
    return pd.DataFrame(rows, columns=columns)


def most_telling(figures: pd.DataFrame) -> pd.Series | None:
    """The region's figure whose standing on its axis is the most one-sided: the largest gap
    between the other regions' figures it is above and those it is below (intervals apart); ties
    go to the one apart from more figures, then to the axis with more figures, then to the earlier
    panel and axis. None when no own figure is apart from any other region's."""
    ranks = standing(figures)
    if ranks.empty:
        return None
    ranks = ranks.assign(gap=(ranks["above"] - ranks["below"]).abs(), apart=ranks["above"] + ranks["below"],
                         position=range(len(ranks)))
    ranks = ranks[ranks["apart"] > 0]
    if ranks.empty:
        return None
    best = ranks.sort_values(["gap", "apart", "others", "position"], ascending=[False, False, False, True]).iloc[0]
    figure = figures[(figures["group_id"] == best["group_id"]) & (figures["item_id"] == best["item_id"])].iloc[0]
    return pd.concat([figure, best[["others", "other_regions", "above", "below"]]])


def counts(data: Dataset, region_code: str) -> dict:
    """What a region reports: figures, quoted and cited; sources, archived and cited; the first
    year a period starts in and the last it ends in; figures that enter a valid comparison
    (comparisons.csv status ``compared``, by themselves or through a derived total)."""
    obs = data.observations[data.observations["region_code"] == region_code]
    kinds = data.sources.set_index("source_id")["evidence_kind"]
    sources = pd.Series(obs["source_id"].unique()).map(kinds)
    compared = data.comparisons.loc[data.comparisons["status"] == "compared", "obs_ids"].str.split().explode()
    return {"figures": len(obs), "quoted": int((obs["evidence_kind"] == "archived_quote").sum()),
            "cited": int((obs["evidence_kind"] == "cited").sum()),
            "sources": len(sources), "archived_sources": int((sources == "archived_quote").sum()),
            "cited_sources": int((sources == "cited").sum()),
            "first_year": int(obs["period_start"].dt.year.min()), "last_year": int(obs["period_end"].dt.year.max()),
            "compared": int(obs["obs_id"].isin(set(compared)).sum())}


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _many(n: int, word: str) -> str:
    """'1 source', '2 sources'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def _kinds(parts_zh: list[tuple[int, str]], parts_en: list[tuple[int, str]]) -> tuple[str, str]:
    """'23个原文引用、98个引用', '23 quoted, 98 cited': the parts that are not zero."""
    return ("、".join(f"{n}{w}" for n, w in parts_zh if n), ", ".join(f"{n} {w}" for n, w in parts_en if n))


# Kinds whose values carry their own unit (percent, years): no count unit is named after them.
_UNITLESS_KINDS = {"percent", "change", "change_year_on_year", "years_without_event"}


def takeaway(data: Dataset, region_code: str, figures: pd.DataFrame) -> str:
    """The region page's sentence, Chinese then English: its figures and sources (quoted and
    cited), the years they cover, how many enter a valid comparison and on how many axes, and its
    most telling comparable figure (``most_telling``) when there is one, with how many of the
    other regions' figures on its axis it is above and below. Raises KeyError for a region not in
    regions.csv."""
    region = data.regions.set_index("region_code").loc[region_code]
    n = counts(data, region_code)
    years = _years(n["first_year"], n["last_year"])
    axes = figures["group_id"].nunique()
    figures_zh, figures_en = _kinds([(n["quoted"], "个原文引用"), (n["cited"], "个引用")],
                                    [(n["quoted"], "quoted"), (n["cited"], "cited")])
    sources_zh, sources_en = _kinds([(n["archived_sources"], "份存档报告"), (n["cited_sources"], "个引用来源")],
                                    [(n["archived_sources"], "archived" if n["cited_sources"] else "archived report"),
                                     (n["cited_sources"], "cited")])
    zh = (f"{region['name_zh']}有{n['figures']}个数字({figures_zh}),来自{n['sources']}个来源({sources_zh}),"
          f"{years}年;其中{n['compared']}个进入有效比较")
    en = (f"{region['name_en']} has {_many(n['figures'], 'figure')} ({figures_en}) from "
          f"{_many(n['sources'], 'source')} ({sources_en}), {years}; {n['compared']} of them "
          f"{'enters' if n['compared'] == 1 else 'enter'} a valid comparison")
    if axes:
        zh += f",共{axes}个比较轴"
        en += f", on {_many(axes, 'axis').replace('axiss', 'axes')}"
    best = most_telling(figures)
    if best is not None:
        value = format_readable([best["shown_value"]])[0]
        zh_title, en_title = PANEL_TITLES[best["kind"]]
        unit = "" if best["kind"] in _UNITLESS_KINDS else f" {best['unit_en']}"
        above, below, others = int(best["above"]), int(best["below"]), int(best["others"])
        if others > 1 and others in (above, below):  # apart from every other region's figure
            zh_where = f"{'高于' if above else '低于'}同轴其他地区的全部{others}个数字"
            en_where = f"{'above' if above else 'below'} all {others} of the other regions' figures on that axis"
        else:
            zh_where = f"同轴其他地区的{others}个数字中," + "、".join(
                part for count, part in ((above, f"高于其中{above}个"), (below, f"低于其中{below}个")) if count)
            en_where = " and ".join(part for count, part in ((above, f"above {above}"), (below, f"below {below}"))
                                    if count) + f" of the other regions' {_many(others, 'figure')} on that axis"
        zh += f";最突出的是{best['axis_zh']}({best['period']}):{zh_title}{value},{zh_where}(区间不重叠)"
        en += (f"; the most telling is {best['axis_en']} ({best['period']}): {value}{unit} {en_title}, "
               f"{en_where} (intervals apart)")
    elif axes:
        zh += ";其可比数字都不与其他地区的数字区间分离"
        en += "; none of its comparable figures stands apart from the other regions' intervals"
    return f"{zh}。 {en}."


# A panel's x axis is logarithmic when its values span at least this factor (two orders of
# magnitude): on a linear axis the smaller ones would sit on top of each other at zero.
LOG_SPAN = 100


def _standing_text(axis: pd.DataFrame, ranks: pd.DataFrame) -> str:
    """Where the region's figure on an axis stands among the other regions' (intervals apart),
    written right of its row: 'above 2 · below 1 of 4 others'."""
    own = ranks[ranks["group_id"] == axis["group_id"].iloc[0]]
    others = int((~axis["own"]).sum())
    if others == 0:
        return "仅本地区各期\nthis region only"
    if len(own) == 1:
        mine = own.iloc[0]
        return f"高于{mine['above']} 低于{mine['below']} 共{others}\nabove {mine['above']} · below {mine['below']} of {others}"
    return f"本地区{len(own)} 他地区{others}\n{len(own)} own · {others} others"


def short_period(start, end) -> str:
    """'2023' for a period within one year, '2021–23' across years (the label of a dot)."""
    first, last = pd.Timestamp(start).year, pd.Timestamp(end).year
    return str(first) if first == last else f"{first}–{str(last)[-2:]}"


def panels(figures: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The drawn figures by panel, in PANEL_ORDER: (panel, figures with ``row``, the label of their
    axis: its subject in Chinese, in English with the unit; and ``standing``: ``_standing_text``)."""
    if figures.empty:  # a region that shares no axis (an empty object column is no mask)
        return []
    ranks = standing(figures)
    drawn = figures[figures["drawn"].astype(bool)]
    out = []
    for panel in PANEL_ORDER:
        own = drawn[drawn["panel"] == panel]
        if own.empty:
            continue
        first = own.drop_duplicates("group_id").set_index("group_id")
        unit = first["unit_en"].where(~first["kind"].isin(_UNITLESS_KINDS), "")
        labels = first["axis_zh"] + "\n" + first["axis_en"] + unit.map(lambda u: f" ({u})" if u else "")
        texts = {g: _standing_text(axis, ranks) for g, axis in own.groupby("group_id", sort=False)}
        out.append((panel, own.assign(row=own["group_id"].map(labels), standing=own["group_id"].map(texts))))
    return out


# A panel of at most this many axes is drawn with the other small ones in one figure of small
# multiples (each keeps its own x axis); a larger one has a figure of its own.
SMALL_PANEL_ROWS = 3


def _panel_axis(data: Dataset, panel: str, frame: pd.DataFrame) -> tuple:
    """(frame, title, x label, log) of one panel for ``plots.region_dots``, and its rules."""
    kind = frame["kind"].iloc[0]
    zh, en = PANEL_TITLES[kind]
    money = panel.endswith("--money")
    units = sorted(frame["unit_en"].dropna().unique())
    unit = units[0] if len(units) == 1 else "number (unit in each row's label)"
    values = frame["shown_value"].astype(float)
    log = bool((values > 0).all() and values.max() / values.min() >= LOG_SPAN)
    title = f"{zh}{'(金额)' if money else ''} {en}{' (money)' if money else ''}"
    xlabel = comparisons.KIND_LABELS[kind].format(unit=unit) + (" (log scale 对数)" if log else "")
    rules = data.comparison_groups.set_index("group_id").loc[frame["group_id"].unique(), "rule"]
    # What the rule says of how the kind is drawn elsewhere (one series per region, by year) is
    # not how this page draws it: only what lets the figures share the axis is kept.
    rules = [r.rstrip(".") + "." for r in rules.str.split(": drawn ").str[0].unique()]
    return (frame, title, xlabel, log), rules


def charts(data: Dataset, region_code: str, figures: pd.DataFrame) -> list[tuple[str, object, pd.DataFrame]]:
    """The region page's charts (``plots.region_dots``): each panel of more than SMALL_PANEL_ROWS
    axes in a figure of its own, the smaller ones together as small multiples, in PANEL_ORDER.
    Each caption says what a row, a dot and a diamond are and the rules that let the figures share
    each axis (comparison_groups.csv). Returns (name, figure, the data drawn) per chart; none when
    the region shares no axis."""
    from .plots import region_dots

    region = data.regions.set_index("region_code").loc[region_code]
    every = panels(figures)
    big = [(p, f) for p, f in every if f["group_id"].nunique() > SMALL_PANEL_ROWS]
    small = [(p, f) for p, f in every if f["group_id"].nunique() <= SMALL_PANEL_ROWS]
    out = []
    for name, group in [(p.replace("--", "_"), [(p, f)]) for p, f in big] + ([("other_axes", small)] if small else []):
        drawn = [_panel_axis(data, p, f) for p, f in group]
        logs = [axis[3] for axis, _ in drawn]
        rules = list(dict.fromkeys(r for _, rs in drawn for r in rs))
        text = (f"{region['name_en']} ({region['name_zh']}) beside other regions. Each row: one axis on which "
                f"{region['name_en']} has a figure and the comparison layer lets figures of other regions share it "
                "(a valid comparison group); each dot: one figure, its line the interval the number as printed "
                "allows (an arrow: 'more than', open upwards). Diamond: the region's own, labelled with its "
                "period and value; the other regions' lowest and highest are named. Blue: Hubei; red: Hunan; "
                "hollow: a cited figure. Right of each row: how many of the other regions' figures this one is "
                "above or below with intervals apart (the rest overlap)."
                + (" Logarithmic axis." if all(logs) else " Logarithmic axes where marked." if any(logs) else "")
                + " Rule" + ("s" if len(rules) > 1 else "") + ": " + " ".join(rules))
        kinds = " · ".join(dict.fromkeys(PANEL_TITLES[f["kind"].iloc[0]][0] for _, f in group))
        figure = region_dots([axis for axis, _ in drawn],
                             f"{region['name_zh']}与其他地区:{kinds} {region['name_en']} beside other regions", text)
        frame = pd.concat([f for _, f in group], ignore_index=True).drop(columns=["row", "standing"])
        out.append((name, figure, frame))
    return out
