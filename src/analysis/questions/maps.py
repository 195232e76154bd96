"""Map data: which value each region gets, and where the evidence comes from."""

from __future__ import annotations

import pandas as pd

from . import comparisons
from .dataset import Dataset
from .geo import boundaries, region_geometries, short_name
from .plots import format_readable

# A choropleth only where it compares: at least this many units of one level coloured on one
# scale (issue 15, "Maps only where they say something"); with fewer, a ranked chart says more.
MIN_MAP_UNITS = 5
# Below this, nothing is compared at all: one unit is not a ranking.
MIN_RANKED_UNITS = 2
# Comparison groups whose axis is a value per 10,000 residents (comparisons.KIND_COLUMNS).
PER_10K_KINDS = ("annual_per_10k", "per_10k_at_date")


def _per_10k_members(data: Dataset) -> pd.DataFrame:
    """Every item of a valid per-10,000 comparison group (comparison_groups.csv: is_valid, kind
    annual_per_10k or per_10k_at_date), labelled, with its group_id and kind: the values the
    comparison layer put on one per-capita axis."""
    groups = data.comparison_groups
    groups = groups[groups["is_valid"] & groups["kind"].isin(PER_10K_KINDS)][["group_id", "kind"]]
    members = data.comparison_members.merge(groups, on="group_id")
    items = comparisons.labelled(data)
    return items.merge(members, on="item_id").sort_values(["group_id", "item_id"], kind="stable")


def _mapped_group(members: pd.DataFrame, key: str, level: str) -> str | None:
    """Of the key's per-10,000 groups, the one with values for the most units of ``level`` (ties:
    by group id), or None: a map shows one group's values, never a mix of indicators or kinds."""
    at_level = members[(members["comparison_key"] == key) & (members["region_level"] == level)]
    if at_level.empty:
        return None
    spread = at_level.groupby("group_id")["region_code"].nunique()
    return sorted(spread.index, key=lambda group: (-spread[group], group))[0]


def map_values(data: Dataset, key: str, level: str, members: pd.DataFrame | None = None) -> pd.DataFrame:
    """One value per unit of ``level`` for a concept (or indicator) ``key``: its value per 10,000
    residents (per year, for flows), the latest where a unit has several.

    Only the items of one valid per-10,000 comparison group are mapped (comparison_groups.csv and
    comparison_members.csv; the group with the most units of the level): what the comparison
    layer set on one axis, in one unit, so that units of different size share one scale. A unit
    without a value is drawn as no data, never as zero. ``members``: ``_per_10k_members(data)``,
    passed to avoid recomputing it. An unknown key gives an empty frame.
    """
    members = _per_10k_members(data) if members is None else members
    group = _mapped_group(members, key, level)
    items = members[(members["group_id"] == group) & (members["region_level"] == level)]
    latest = items.sort_values(["region_code", "period_end", "item_id"]).groupby("region_code").tail(1)
    return latest[["region_code", "region_name_zh", "item_id", "source_id", "evidence_kind",
                   "indicator_code", "unit", "kind", "period_start", "period_end", "period_label",
                   "per_10k", "per_10k_low", "per_10k_high", "formula", "quote"]] \
        .rename(columns={"per_10k": "map_value"}).reset_index(drop=True)


def map_frame(data: Dataset, key: str, level: str):
    """The units of ``level`` (all of them, for the map) with their mapped value where they have
    one, and a label: the short place name, and the value under it."""
    shapes = region_geometries(data.regions, level)
    values = map_values(data, key, level)
    merged = shapes.merge(values.drop(columns=["region_name_zh"]), on="region_code", how="left")
    merged["place"] = [short_name(name, level) for name in merged["name"]]
    merged["cited"] = merged["evidence_kind"] == "cited"
    written = dict(zip(values["region_code"], format_readable(values["map_value"])))
    # Every prefecture is named; of 225 counties, only those with a value (the rest would be noise).
    merged["label"] = [f"{place}\n{written[code]}" if code in written else place if level == "prefecture" else ""
                       for code, place in zip(merged["region_code"], merged["place"])]
    return merged


def map_title(data: Dataset, values: pd.DataFrame, key: str) -> str:
    """What the map shows: the concept itself, or the one narrower indicator drawn for it."""
    indicators = data.indicators.set_index("indicator_code")
    concepts = data.concepts.set_index("concept_code")
    codes = set(values["indicator_code"])
    if key in concepts.index and codes and codes != {key} and len(codes) == 1:
        (code,) = codes
        if data.indicator_concepts.set_index("indicator_code").loc[code, "relation"] != "same":
            return f"{indicators.loc[code, 'name_zh']} {indicators.loc[code, 'name_en']}"
    if key in concepts.index:
        return f"{concepts.loc[key, 'name_zh']} {concepts.loc[key, 'name_en']}"
    return f"{indicators.loc[key, 'name_zh']} {indicators.loc[key, 'name_en']}"


LEVEL_LABELS = {"prefecture": "地级 prefecture-level", "county": "县级 county-level"}


def unit_label(values: pd.DataFrame) -> str:
    """The axis label of the mapped values ("yuan per 10,000 residents per year 每万人每年")."""
    if values.empty:
        return ""
    return comparisons.KIND_LABELS[values["kind"].iloc[0]].format(unit=values["unit"].iloc[0])


def map_caption(data: Dataset, values: pd.DataFrame, key: str, level: str) -> str:
    """What a per-capita map (or its ranked chart) shows, in one sentence from its data: the
    indicator, the unit, the periods, how many units of the level have a value (by province), and
    how many of the values come from cited reports."""
    if values.empty:
        return ""
    total = len(boundaries(level))
    provinces = values["region_code"].str[:2].value_counts()
    by_province = ", ".join(f"{name} {provinces.get(code, 0)}" for code, name in (("42", "湖北 Hubei"),
                                                                                 ("43", "湖南 Hunan")))
    first, last = str(pd.Timestamp(values["period_start"].min()).year), str(pd.Timestamp(values["period_end"].max()).year)
    period = first if first == last else f"{first}–{last}"
    cited = int((values["evidence_kind"] == "cited").sum())
    return (f"{map_title(data, values, key)}, {unit_label(values)}; periods 时期 {period} "
            f"(each unit's latest); {len(values)} of {total} {LEVEL_LABELS[level]} units have a value "
            f"有数据 ({by_province}); {cited} of {len(values)} from cited reports 引用.")


def best_key(data: Dataset, theme: str, level: str, members: pd.DataFrame | None = None) -> str | None:
    """The theme's concept or indicator whose per-10,000 comparison group has values for the most
    units of ``level`` (ties: by key), or None when it has none."""
    members = _per_10k_members(data) if members is None else members
    keys = sorted(set(members.loc[(members["theme_code"] == theme) & (members["region_level"] == level),
                                  "comparison_key"]))
    spread = {key: len(map_values(data, key, level, members)) for key in keys}
    if not spread:
        return None
    return sorted(spread, key=lambda key: (-spread[key], key))[0]


def chart_kind(units: int) -> str | None:
    """How a per-capita comparison of ``units`` units of one level is drawn: "choropleth" from
    MIN_MAP_UNITS units, "ranked" (a sorted bar chart with place names) from MIN_RANKED_UNITS,
    otherwise None (one unit compares with nothing)."""
    if units >= MIN_MAP_UNITS:
        return "choropleth"
    if units >= MIN_RANKED_UNITS:
        return "ranked"
    return None


def maps_worth_drawing(data: Dataset) -> list[tuple[str, str]]:
    """(theme, level) pairs that get a map page (04_map runs): each theme whose best key has
    values for at least MIN_MAP_UNITS units of the level (a choropleth). A level where no theme
    reaches it gets one page, for the theme with the most units there (at least
    MIN_RANKED_UNITS): its values as a ranked chart, beside the level's map of where the
    evidence comes from. Levels: prefecture, county."""
    members = _per_10k_members(data)
    chosen = []
    for level in ("prefecture", "county"):
        spread = {}
        for theme in sorted(set(members["theme_code"])):
            key = best_key(data, theme, level, members)
            if key is not None:
                spread[theme] = len(map_values(data, key, level, members))
        mapped = [theme for theme, units in spread.items() if chart_kind(units) == "choropleth"]
        if not mapped:
            ranked = [theme for theme, units in spread.items() if chart_kind(units) == "ranked"]
            mapped = sorted(ranked, key=lambda t: (-spread[t], t))[:1]
        chosen += [(theme, level) for theme in mapped]
    return chosen


def ranked_frame(values: pd.DataFrame, level: str) -> pd.DataFrame:
    """The mapped values as rows of a ranked chart: largest first (ties: by region code), each
    labelled with its short place name and period."""
    frame = values.assign(place=[f"{short_name(name, level)} · {period}" for name, period
                                 in zip(values["region_name_zh"], values["period_label"])])
    return frame.sort_values(["map_value", "region_code"], ascending=[False, True]).reset_index(drop=True)


def map_takeaway(data: Dataset, values: pd.DataFrame, key: str, level: str) -> str:
    """The 04 page's one-sentence takeaway, from the mapped values: how many units of the level
    have one, the highest and the lowest with their values (or, with one or none, that nothing is
    compared)."""
    total = len(boundaries(level))
    units = LEVEL_LABELS[level]
    if values.empty:
        return f"No {units} figure of this theme has a per-capita value 无每万人数值: nothing to map."
    title = map_title(data, values, key)
    ranked = ranked_frame(values, level)
    written = dict(zip(ranked["region_code"], format_readable(ranked["map_value"])))
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    name = lambda row: short_name(row["region_name_zh"], level)  # noqa: E731
    if len(ranked) < MIN_RANKED_UNITS:
        return (f"{title}: only {name(top)} has a per-capita value ({written[top['region_code']]} "
                f"{unit_label(values)}), of {total} {units} units: nothing to compare.")
    drawn = "mapped 地图" if chart_kind(len(ranked)) == "choropleth" else "too few for a map, ranked 排序"
    # "highest" and "lowest" only where the two differ beyond their intervals (comparisons.differs)
    items = data.comparisons.set_index("item_id")
    apart = comparisons.differs(items.loc[top["item_id"]], items.loc[bottom["item_id"]], top["kind"]) != 0
    verdict = ("" if apart else "; their intervals overlap or an end is open, so this is not a "
               "difference 区间重叠或一端开放,差异不成立")
    return (f"{title}: {len(ranked)} of {total} {units} units have a comparable value ({drawn}); "
            f"highest 最高 {name(top)} {written[top['region_code']]}, lowest 最低 {name(bottom)} "
            f"{written[bottom['region_code']]} {unit_label(values)}{verdict}.")


def evidence_frame(data: Dataset, level: str):
    """Every unit of ``level`` with its count of observations (about it or a place inside it) and
    its label: the short name of every prefecture-level unit, of county-level units those with
    observations."""
    evidence = evidence_counts(data, level)
    shapes = region_geometries(data.regions, level).merge(evidence, on="region_code", how="left")
    shapes["label"] = [short_name(name, level) if level == "prefecture" or pd.notna(count) else ""
                       for name, count in zip(shapes["name"], shapes["observations"])]
    return shapes


def evidence_caption(shapes, level: str) -> str:
    """What the evidence map shows: units with observations out of all, and the unit with most."""
    counted = shapes[shapes["observations"].notna()].sort_values(["observations", "region_code"],
                                                                 ascending=[False, True])
    if counted.empty:
        return f"No observation is about a {LEVEL_LABELS[level]} unit."
    top = counted.iloc[0]
    return (f"Observations 观测数 about each unit or a place inside it (province-wide figures not "
            f"counted): {len(counted)} of {len(shapes)} {LEVEL_LABELS[level]} units have at least one; "
            f"most 最多: {short_name(top['name'], level)} ({int(top['observations'])}). Red outlines: the "
            f"areas the reports cover.")


def population_frame(data: Dataset, level: str):
    """Every unit of ``level`` with its 2020 census population (the denominator of every
    per-capita value) and where the figure comes from."""
    shapes = boundaries(level)
    census = data.census_2020[data.census_2020["is_denominator"]]
    sources = data.census_sources.set_index("census_source_code")["kind"]
    census = census.assign(source_kind=census["census_source_code"].map(sources))
    return shapes.merge(census[["region_code", "population", "basis", "source_kind"]],
                        on="region_code", how="left")


def unit_at_level(data: Dataset, region_code: str, level: str, regions=None) -> str | None:
    """The region at ``level`` that contains ``region_code`` (itself when it is at that level).

    A county administered by the province (天门) is its own unit on prefecture maps, as it is in
    the boundary file's city layer. None when the region is above ``level``.
    """
    regions = data.regions.set_index("region_code") if regions is None else regions
    rank = {"province": 0, "prefecture": 1, "county": 2, "township": 3}
    code = region_code
    while code:
        region_level = regions.loc[code, "level"]
        if region_level == level:
            return code
        if level == "prefecture" and regions.loc[code, "is_province_administered"]:
            return code
        if rank[region_level] < rank[level]:
            return None
        code = regions.loc[code, "parent_code"]
    return None


def evidence_counts(data: Dataset, level: str) -> pd.DataFrame:
    """Observations per region at ``level``, counting those about the region or any unit inside it."""
    rows = []
    regions = data.regions.set_index("region_code")
    for obs in data.observations.itertuples():
        unit = unit_at_level(data, obs.region_code, level, regions)
        if unit:
            rows.append({"region_code": unit, "obs_id": obs.obs_id, "source_id": obs.source_id})
    frame = pd.DataFrame(rows, columns=["region_code", "obs_id", "source_id"])
    return (frame.groupby("region_code").agg(observations=("obs_id", "size"),
                                             reports=("source_id", lambda s: ", ".join(sorted(set(s)))))
                 .reset_index())


def report_scopes(data: Dataset, level: str):
    """Each report's region outline at ``level`` (a province report: the province outline)."""
    scopes = []
    for source in data.sources.itertuples():
        region_level = data.regions.set_index("region_code").loc[source.region_code, "level"]
        shape_level = "province" if region_level == "province" else (
            "prefecture" if region_level == "prefecture" else "county")
        shapes = region_geometries(data.regions, shape_level)
        match = shapes[shapes["region_code"] == source.region_code]
        if not match.empty:
            scopes.append(match.assign(source_id=source.source_id))
    return pd.concat(scopes, ignore_index=True) if scopes else None


# A locator: the two provinces on the left, the region's surroundings named on the right; wide
# and low, so that it is shown within plots.MAX_LOCATOR_HEIGHT_PX at the column's width.
LOCATOR_FIGSIZE_IN = (10.0, 3.1)
LOCATOR_COLOUR = "#c0392b"


def locator_map(data: Dataset, region_code: str, ax=None):
    """Where a region is: left, Hubei and Hunan with prefecture lines and the provincial border
    heavier, the region (for a township: its county) filled; right, its surroundings with their
    short names: a province's prefectures, or the counties of the prefecture that holds the region.
    ``ax``: the left axes of a figure to draw into (then the right panel is left out). Returns the
    left axes. Raises KeyError for a region not in regions.csv."""
    import matplotlib.pyplot as plt

    from .geo import SOURCE_NOTE
    from .plots import PROVINCE_LINE, layers_without_drawing, place_labels

    regions = data.regions.set_index("region_code")
    level = regions.loc[region_code, "level"]
    draw_code, draw_level = region_code, level
    if level == "township":
        draw_code, draw_level = regions.loc[region_code, "parent_code"], "county"
    zoom = None
    if ax is None:
        figure = plt.figure(figsize=LOCATOR_FIGSIZE_IN)
        ax = figure.add_axes((0.0, 0.08, 0.28, 0.84))
        zoom = figure.add_axes((0.30, 0.08, 0.40, 0.84))
    province_shapes = boundaries("province")
    target = (province_shapes if draw_level == "province" else boundaries(draw_level))
    target = target[target["region_code"] == draw_code]
    with layers_without_drawing(ax.figure):
        boundaries("prefecture").boundary.plot(ax=ax, color="#aaaaaa", linewidth=0.4)
        target.plot(ax=ax, color=LOCATOR_COLOUR, alpha=0.8)
        province_shapes.boundary.plot(ax=ax, **{**PROVINCE_LINE, "linewidth": 1.0})
    name = f"{regions.loc[region_code, 'name_zh']} {regions.loc[region_code, 'name_en']}"
    note = "" if draw_code == region_code else f" (shown: {regions.loc[draw_code, 'name_zh']}, its county)"
    ax.set_title(f"{name}{note}", loc="left", fontsize=10)
    ax.set_axis_off()
    if zoom is None:
        return ax
    # The surroundings: a province's prefectures, else the prefecture-level unit holding the region.
    if draw_level == "province":
        around, around_level = boundaries("prefecture"), "prefecture"
        around = around[around["region_code"].str[:2] == draw_code[:2]]
    else:
        holder = unit_at_level(data, draw_code, "prefecture", regions) or draw_code
        around, around_level = boundaries("county"), "county"
        around = around[around["region_code"].str[:4] == holder[:4]]
        if around.empty or holder == draw_code and level != "prefecture":
            # A county the province administers (天门) has no prefecture: its neighbours instead.
            prefectures = boundaries("prefecture")
            near = prefectures.intersects(target.geometry.union_all().buffer(0.01))
            around, around_level = prefectures[near], "prefecture"
    with layers_without_drawing(zoom.figure):
        around.plot(ax=zoom, color="#f2f2f2", edgecolor="#888888", linewidth=0.5)
        target.plot(ax=zoom, color=LOCATOR_COLOUR, alpha=0.8)
        if draw_level == "province":
            province_shapes[province_shapes["region_code"] == draw_code].boundary.plot(ax=zoom, **PROVINCE_LINE)
    points = [shape.representative_point() for shape in around.geometry]
    place_labels(zoom, [(p.x, p.y) for p in points],
                 [short_name(n, around_level) for n in around["name"]], fontsize=7)
    zoom.set_axis_off()
    zoom.annotate(SOURCE_NOTE, (0, 0), xycoords="axes fraction", xytext=(0, -4), textcoords="offset points",
                  fontsize=7, va="top", color="#444444")
    return ax
