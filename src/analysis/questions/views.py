"""What the notebooks display: one call per cell, so that notebooks stay thin.

Tables are plain DataFrames (pandas escapes HTML when it renders them, and the reports contain
HTML); every table that shows a number carries its ``obs_id`` and quote.
"""

from __future__ import annotations

import pandas as pd

from . import dataset as ds
from .plots import seaborn_theme

OBSERVATION_COLUMNS = ["obs_id", "region_name_zh", "region_name_en", "indicator_name_zh",
                       "indicator_name_en", "period_label", "value", "qualifier", "unit",
                       "value_per_10k", "quote"]


def start(processed_dir: str = "") -> ds.Dataset:
    """Fonts, display options, and the dataset (from ``processed_dir`` if given)."""
    seaborn_theme()  # also registers the CJK font
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.width", 200)
    return ds.load(processed_dir or None)


def observations_table(observations: pd.DataFrame, with_region: bool = True) -> pd.DataFrame:
    """The observations with the words they were read from (without the region columns when
    every row is about one region, to leave room for the quote)."""
    columns = [c for c in OBSERVATION_COLUMNS if with_region or not c.startswith("region_")]
    return observations[columns].reset_index(drop=True)


def sources_behind(data: ds.Dataset, source_ids) -> pd.DataFrame:
    """The reports behind what a notebook showed, with what a reader needs to find them."""
    wanted = sorted(set(source_ids))
    table = data.sources[data.sources["source_id"].isin(wanted)]
    return table[["source_id", "headline", "publisher", "byline", "date_published", "original_url",
                  "file", "sha256"]].reset_index(drop=True)


def counts(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Observation counts by one column, largest first, ties by name (deterministic)."""
    table = frame.groupby(column).size().rename("observations").reset_index()
    return table.sort_values(["observations", column], ascending=[False, True]).reset_index(drop=True)


def summary(text: str) -> None:
    """The one-line summary the site's index shows for this run (the cell is tagged "summary")."""
    print(text)


def region_header(data: ds.Dataset, region_code: str) -> pd.DataFrame:
    regions = data.regions.set_index("region_code")
    row = regions.loc[region_code]
    chain, code = [], region_code
    while code:
        chain.append(f"{regions.loc[code, 'name_zh']} ({code})")
        code = regions.loc[code, "parent_code"]
    population = row["population_2020"]
    items = {
        "name 名称": ds.bilingual(row["name_zh"], row["name_en"]),
        "level 层级": row["level"] + (" (administered by the province 省直管)"
                                      if row["is_province_administered"] else ""),
        "within 隶属": " ⊂ ".join(chain),
        "population 2020 常住人口": "unknown 未知" if pd.isna(population) else f"{int(population):,}",
        "population source 人口来源": row["population_source"] or row["population_note"],
        "source kind": row["population_source_kind"],
    }
    return pd.DataFrame({"field": list(items), "value": list(items.values())})
