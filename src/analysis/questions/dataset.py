"""The processed data as pandas tables, and the questions the notebooks ask of them.

Everything here reads ``data/processed`` (never the raw data) and returns plain DataFrames, so
that a notebook cell is one call and one display.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import PROCESSED_DIR

NUMERIC = {"start", "end", "value", "value_low", "value_high", "value_per_10k", "population_2020", "quote_start",
           "quote_end", "body_start_offset", "body_end_offset", "body_characters",
           "observation_count"}
DATES = {"period_start", "period_end", "base_period_start", "base_period_end"}
COUNT_MEASURES = ("stock_count", "flow_count")


def restore_text(cell: str) -> str:
    """Undo the leading apostrophe the build adds to cells a spreadsheet would evaluate."""
    if cell[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r"):
        return cell[1:]
    return cell


def read_table(path: Path, dates: bool = False) -> pd.DataFrame:
    """A processed CSV with numbers as numbers and, when ``dates``, period columns as dates."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for column in frame.columns:
        if column in NUMERIC:
            frame[column] = pd.to_numeric(frame[column].replace("", None))
        elif dates and column in DATES:
            frame[column] = pd.to_datetime(frame[column].replace("", None))
        elif column.startswith("is_") or column in ("per_capita", "per_capita_eligible"):
            frame[column] = frame[column] == "true"
        else:
            frame[column] = frame[column].map(restore_text)
    return frame


@dataclass
class Dataset:
    observations: pd.DataFrame
    sources: pd.DataFrame
    regions: pd.DataFrame
    indicators: pd.DataFrame
    themes: pd.DataFrame
    measures: pd.DataFrame
    units: pd.DataFrame
    qualifiers: pd.DataFrame
    lexicon: pd.DataFrame
    mentions: pd.DataFrame
    exclusions: pd.DataFrame
    root: Path

    def text(self, source_id: str) -> str:
        row = self.sources.set_index("source_id").loc[source_id]
        return (self.root / row["text_path"]).read_text(encoding="utf-8")

    def body(self, source_id: str) -> str:
        row = self.sources.set_index("source_id").loc[source_id]
        return self.text(source_id)[int(row["body_start_offset"]) : int(row["body_end_offset"])]


def load(processed_dir: Path | str | None = None) -> Dataset:
    """All processed tables; ``processed_dir`` defaults to the project's data/processed."""
    root = Path(processed_dir) if processed_dir else PROCESSED_DIR
    tables = {name: read_table(root / f"{name}.csv", dates=name == "observations") for name in
              ("observations", "sources", "regions", "indicators", "themes", "measures", "units",
               "qualifiers", "lexicon", "mentions", "exclusions")}
    return Dataset(root=root, **tables)


# --- labels -------------------------------------------------------------------------------------

def bilingual(zh: str, en: str) -> str:
    return f"{zh} {en}"


def theme_label(data: Dataset, theme_code: str) -> str:
    row = data.themes.set_index("theme_code").loc[theme_code]
    return bilingual(row["name_zh"], row["name_en"])


def region_label(data: Dataset, region_code: str) -> str:
    row = data.regions.set_index("region_code").loc[region_code]
    return bilingual(row["name_zh"], row["name_en"])


def escape(text: str) -> str:
    """HTML-escape text that came from a report (the reports contain HTML)."""
    return html.escape(str(text), quote=True)


# --- questions ----------------------------------------------------------------------------------

def provenance(observations: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Observation → quote → report: the table a reader checks a number with."""
    merged = observations.merge(sources[["source_id", "headline", "publisher", "file", "sha256"]],
                                on="source_id", how="left")
    return merged[["obs_id", "region_name_zh", "indicator_name_zh", "period_label", "value",
                   "qualifier", "unit", "quote", "quote_start", "source_id", "headline", "file"]]


def comparable_indicators(observations: pd.DataFrame) -> pd.Series:
    """Indicators observed for more than one region or period: the ones a comparison can show.

    Observations are comparable only if they share the indicator (and so measure and unit).
    """
    keys = observations.assign(where_when=observations["region_code"] + "|" + observations["period_label"])
    counts = keys.groupby("indicator_code")["where_when"].nunique()
    return counts[counts > 1].sort_index()


def themes_with_comparable_data(data: Dataset) -> list[str]:
    comparable = comparable_indicators(data.observations)
    themes = data.observations[data.observations["indicator_code"].isin(comparable.index)]["theme_code"]
    return sorted(themes.unique())


def regions_with_observations(data: Dataset) -> list[str]:
    return sorted(data.observations["region_code"].unique())


def split_comparable(data: Dataset, theme_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A theme's observations: those that can be compared, and the others with the reason."""
    obs = data.observations[data.observations["theme_code"] == theme_code].copy()
    comparable = comparable_indicators(data.observations)
    in_group = obs["indicator_code"].isin(comparable.index)
    alone = obs[~in_group].copy()
    alone["reason"] = alone["measure"].map(_why_alone)
    return obs[in_group].copy(), alone


def _why_alone(measure: str) -> str:
    if measure == "change_unspecified":
        return "a change of a rate given as N% without saying points or percent: comparable with nothing"
    return ("the only region and period with this indicator (other observations in the theme differ "
            "in indicator, measure or unit)")


def region_context(data: Dataset, region_code: str) -> pd.DataFrame:
    """For each indicator observed in the region: its value beside the province's and its peers'."""
    regions = data.regions.set_index("region_code")
    level = regions.loc[region_code, "level"]
    obs = data.observations
    own = obs[obs["region_code"] == region_code]
    rows = []
    for _, o in own.iterrows():
        same = obs[(obs["indicator_code"] == o["indicator_code"]) & (obs["obs_id"] != o["obs_id"])]
        for _, other in same.iterrows():
            relation = ("province" if other["region_code"] == o["province_code"] else
                        "peer" if other["region_level"] == level else "other level")
            rows.append({"obs_id": o["obs_id"], "indicator_code": o["indicator_code"],
                         "value": o["value"], "period_label": o["period_label"],
                         "compared_obs_id": other["obs_id"], "compared_region": other["region_name_zh"],
                         "relation": relation, "compared_value": other["value"],
                         "compared_period": other["period_label"]})
    return pd.DataFrame(rows, columns=["obs_id", "indicator_code", "value", "period_label",
                                       "compared_obs_id", "compared_region", "relation",
                                       "compared_value", "compared_period"])


def region_theme_matrix(data: Dataset) -> pd.DataFrame:
    """Observations per region (labelled with the report that speaks of it) and theme."""
    obs = data.observations
    rows = obs["region_name_zh"] + " " + obs["region_code"] + " · " + obs["source_id"]
    matrix = pd.crosstab(rows, obs["theme_code"])
    matrix.index.name = "region · report"
    return matrix.reindex(columns=sorted(data.themes["theme_code"]), fill_value=0)


CHANGE_MEASURES = ("relative_change_pct", "change_pp", "change_unspecified")


@dataclass
class ComparisonGroup:
    """Observations that may share one axis: same indicator, and for changes the same base."""

    title: str
    indicator_code: str
    unit_label: str
    value_column: str
    rows: pd.DataFrame


def comparison_groups(data: Dataset, theme_code: str, per_capita: bool
                      ) -> tuple[list[ComparisonGroup], pd.DataFrame]:
    """The theme's comparable observations in groups, and those left out with the reason."""
    comparable, alone = split_comparable(data, theme_code)
    units = data.units.set_index("unit_code")
    indicators = data.indicators.set_index("indicator_code")
    value_column = "value_per_10k" if per_capita else "value"
    if per_capita:
        no_rate = comparable["value_per_10k"].isna()
        extra = comparable[no_rate].copy()
        extra["reason"] = extra["indicator_code"].map(
            lambda code: "not a regional total: no per-capita value" if not indicators.loc[code, "per_capita"]
            else "the region's 2020 population is not known")
        alone = pd.concat([alone, extra], ignore_index=True)
        comparable = comparable[~no_rate]
    groups = []
    for code, rows in comparable.groupby("indicator_code", sort=True):
        bases = [("", rows)]
        if rows["measure"].iloc[0] in CHANGE_MEASURES:
            # Changes against different bases are never drawn on one axis as if alike.
            bases = [(f" · base {b.strftime('%Y')}" if pd.notna(b) else " · base not stated", r)
                     for b, r in rows.groupby(rows["base_period_start"], dropna=False, sort=True)]
        for suffix, group in bases:
            if len(group) < 2 and len(bases) > 1:
                continue
            unit = units.loc[indicators.loc[code, "unit"], "name_en"]
            unit_label = f"{unit} per 10,000 residents 每万人" if per_capita else unit
            title = f"{indicators.loc[code, 'name_zh']} {indicators.loc[code, 'name_en']}{suffix}"
            group = group.sort_values(["region_code", "period_start", "obs_id"]).copy()
            group["label"] = (group["region_name_zh"] + " " + group["period_label"] + " · "
                              + group["obs_id"])
            groups.append(ComparisonGroup(title, code, unit_label, value_column, group))
    columns = ["obs_id", "region_name_zh", "indicator_name_zh", "measure", "unit", "period_label",
               "value", "qualifier", "quote", "reason"]
    return groups, alone.reindex(columns=columns).sort_values("obs_id").reset_index(drop=True)


def audit_coverage(data: Dataset) -> pd.DataFrame:
    """Per report: number mentions found, curated by role (value, period, base period, label),
    and excluded by reason."""
    mentions = data.mentions
    table = pd.crosstab(mentions["source_id"], mentions["status"] + ": " + mentions["role"])
    table.insert(0, "mentions", mentions.groupby("source_id").size())
    table.columns.name = None
    return table
