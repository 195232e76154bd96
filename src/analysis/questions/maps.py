"""Map data: which value each region gets, and where the evidence comes from."""

from __future__ import annotations

import pandas as pd

from .dataset import Dataset
from .geo import region_geometries

def indicator_values(data: Dataset, indicator_code: str, level: str, per_capita: bool = False) -> pd.DataFrame:
    """One value per region at ``level``: the observation with the latest period end.

    Observations of other levels are left out (a province total is not a prefecture's value), and
    with ``per_capita`` so are those without a per-capita value.
    """
    obs = data.observations
    obs = obs[(obs["indicator_code"] == indicator_code) & (obs["region_level"] == level)]
    column = "value_per_10k" if per_capita else "value"
    obs = obs[obs[column].notna()]
    latest = (obs.sort_values(["region_code", "period_end", "obs_id"])
                 .groupby("region_code", as_index=False).tail(1))
    return latest[["region_code", "region_name_zh", "region_name_en", "obs_id", "period_label",
                   column, "qualifier", "quote"]].rename(columns={column: "map_value"})


def indicator_map_frame(data: Dataset, indicator_code: str, level: str, per_capita: bool = False):
    shapes = region_geometries(data.regions, level)
    values = indicator_values(data, indicator_code, level, per_capita)
    merged = shapes.merge(values.drop(columns=["region_name_zh", "region_name_en"]),
                          on="region_code", how="left")
    merged["label"] = merged.apply(
        lambda r: f"{r['name']}\n{r['obs_id']}" if pd.notna(r["obs_id"]) else "", axis=1)
    return merged


def best_indicator(data: Dataset, theme_code: str, level: str) -> str | None:
    """The theme's indicator observed in the most regions at ``level`` (ties: by code)."""
    obs = data.observations
    obs = obs[(obs["theme_code"] == theme_code) & (obs["region_level"] == level)]
    if obs.empty:
        return None
    spread = obs.groupby("indicator_code")["region_code"].nunique().reset_index()
    spread = spread.sort_values(["region_code", "indicator_code"], ascending=[False, True])
    return spread.iloc[0]["indicator_code"]


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
        _, ax = plt.subplots(figsize=(5.5, 4.5))
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
