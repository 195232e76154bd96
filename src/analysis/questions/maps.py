"""Map data: which value each region gets, and where the evidence comes from."""

from __future__ import annotations

import pandas as pd

from . import comparisons
from .dataset import Dataset
from .geo import boundaries, region_geometries
from .plots import format_value

def map_values(data: Dataset, key: str, level: str) -> pd.DataFrame:
    """One value per region of ``level`` for a concept (or indicator): its value per 10,000
    residents (per year, for flows) from comparisons.csv, the latest where a region has several.

    Only per-capita values are mapped, so that regions of different size share one scale; a region
    without one is drawn as no data, never as zero.
    """
    items = comparisons.labelled(data)
    items = items[(items["comparison_key"] == key) & (items["region_level"] == level)
                  & items["per_10k"].notna() & (items["status"] != "excluded")]
    # The concept itself where regions give it; otherwise one of its narrower indicators, never a
    # mix of parts on one scale.
    own = items[items["relation"].isin(["same", ""])]
    items = own if not own.empty else items[items["indicator_code"] == _mapped_indicator(items)]
    latest = items.sort_values(["region_code", "period_end", "item_id"]).groupby("region_code").tail(1)
    return latest[["region_code", "region_name_zh", "item_id", "source_id", "indicator_code",
                   "period_label", "per_10k", "per_10k_low", "per_10k_high", "formula", "quote"]] \
        .rename(columns={"per_10k": "map_value"}).reset_index(drop=True)


def _mapped_indicator(items: pd.DataFrame) -> str:
    """Of a concept's narrower indicators, the one with the most regions (ties: by code): a map
    shows one indicator, never a mix of parts."""
    if items.empty:
        return ""
    spread = items.groupby("indicator_code")["region_code"].nunique()
    return sorted(spread.index, key=lambda code: (-spread[code], code))[0]


def map_frame(data: Dataset, key: str, level: str):
    shapes = region_geometries(data.regions, level)
    values = map_values(data, key, level)
    merged = shapes.merge(values.drop(columns=["region_name_zh"]), on="region_code", how="left")
    merged["label"] = merged.apply(
        lambda r: f"{r['name']} {format_value(r['map_value'])}\n{r['item_id']}"
        if pd.notna(r["item_id"]) else "", axis=1)
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


def best_key(data: Dataset, theme: str, level: str) -> str | None:
    """The theme's concept or indicator with per-capita values in the most regions of ``level``
    (ties: by code), or None."""
    items = comparisons.labelled(data)
    items = items[(items["theme_code"] == theme) & (items["region_level"] == level) & items["per_10k"].notna()]
    if items.empty:
        return None
    spread = items.groupby("comparison_key")["region_code"].nunique()
    return sorted(spread.index, key=lambda key: (-spread[key], key))[0]


def maps_worth_drawing(data: Dataset) -> list[tuple[str, str]]:
    """(theme, level) pairs whose best concept has per-capita values in at least two regions of the
    level; where a level has none, the theme with values in the most regions there, so that each
    level has a map."""
    chosen = []
    for level in ("prefecture", "county"):
        spread = {}
        for theme in sorted(data.observations["theme_code"].unique()):
            key = best_key(data, theme, level)
            if key is not None:
                spread[theme] = len(map_values(data, key, level))
        several = [theme for theme, regions in spread.items() if regions >= 2]
        if not several and spread:
            several = [sorted(spread, key=lambda t: (-spread[t], t))[0]]
        chosen += [(theme, level) for theme in several]
    return chosen


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


def locator_map(data: Dataset, region_code: str, ax=None):
    """Hubei and Hunan with prefecture lines, the region (or, for a township, its county) filled."""
    import matplotlib.pyplot as plt

    from .geo import SOURCE_NOTE, boundaries

    regions = data.regions.set_index("region_code")
    level = regions.loc[region_code, "level"]
    draw_code, draw_level = region_code, level
    if level == "township":
        draw_code, draw_level = regions.loc[region_code, "parent_code"], "county"
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7.5))
    boundaries("prefecture").boundary.plot(ax=ax, color="#aaaaaa", linewidth=0.4)
    boundaries("province").boundary.plot(ax=ax, color="#333333", linewidth=0.9)
    shapes = boundaries("county" if draw_level == "county" else draw_level)
    target = shapes[shapes["region_code"] == draw_code]
    if level == "province":
        target = boundaries("province")
        target = target[target["region_code"] == region_code]
    target.plot(ax=ax, color="#c0392b", alpha=0.75)
    name = f"{regions.loc[region_code, 'name_zh']} {regions.loc[region_code, 'name_en']}"
    note = "" if draw_code == region_code else f" (shown: {regions.loc[draw_code, 'name_zh']}, its county)"
    ax.set_title(f"{name}{note}", loc="left", fontsize=11)
    ax.annotate(SOURCE_NOTE, (0, 0), xycoords="axes fraction", fontsize=6, va="top")
    ax.set_axis_off()
    return ax
