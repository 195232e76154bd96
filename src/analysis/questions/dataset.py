"""The processed data as pandas tables, and the questions the notebooks ask of them.

Everything here reads ``data/processed`` (never the raw data) and returns plain DataFrames, so
that a notebook cell is one call and one display.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from ..config import PROCESSED_DIR
from ..spreadsheet import restore

NUMERIC = {"start", "end", "value", "value_low", "value_high", "value_per_10k_in_period", "population_2020", "quote_start",
           "quote_end", "body_start_offset", "body_end_offset", "body_characters",
           "observation_count", "population", "difference", "period_years", "annual_value",
           "annual_low", "annual_high", "per_10k", "per_10k_low", "per_10k_high",
           "years_without_event", "members", "places",
           # comparisons.csv: per jurisdiction, and the Poisson intervals of counts
           "jurisdictions", "per_jurisdiction", "per_jurisdiction_low", "per_jurisdiction_high", "n",
           "count_ci_low", "count_ci_high", "annual_ci_low", "annual_ci_high", "per_10k_ci_low",
           "per_10k_ci_high", "per_jurisdiction_ci_low", "per_jurisdiction_ci_high",
           "observations_compared", "compared_share_pct"}
DATES = {"period_start", "period_end", "base_period_start", "base_period_end"}
# Tables whose period columns are read as dates.
DATED_TABLES = ("observations", "comparisons")


def restore_text(cell: str) -> str:
    """Undo the apostrophe the build adds where a spreadsheet would see a formula (at the start of
    the cell or of a line in it: :func:`analysis.spreadsheet.inert`)."""
    return restore(cell)


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


T = TypeVar("T")


@dataclass
class Dataset:
    """The processed tables. Read-only by convention: a question derives new frames and never
    changes a table in place, so that what is derived from a loaded dataset (``derived``) stays
    true of it."""

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
    concepts: pd.DataFrame
    indicator_concepts: pd.DataFrame
    census_2020: pd.DataFrame
    census_sources: pd.DataFrame
    comparisons: pd.DataFrame
    comparison_groups: pd.DataFrame
    comparison_members: pd.DataFrame
    root: Path
    # What ``load`` read (directory, each file's modification time and size); None for a dataset
    # made otherwise, whose derived tables are then computed on every call.
    read_key: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def reports(self) -> pd.DataFrame:
        """The archived reports (evidence_kind archived_quote): the sources whose words the
        project keeps and whose texts can be read and counted."""
        return self.sources[self.sources["evidence_kind"] == "archived_quote"]

    @property
    def cited_sources(self) -> pd.DataFrame:
        """The cited sources: pages whose words cannot be archived (their numbers as printed,
        addresses and locators are in observations and sources)."""
        return self.sources[self.sources["evidence_kind"] == "cited"]

    def text(self, source_id: str) -> str:
        row = self.sources.set_index("source_id").loc[source_id]
        return (self.root / row["text_path"]).read_text(encoding="utf-8")

    def body(self, source_id: str) -> str:
        row = self.sources.set_index("source_id").loc[source_id]
        return self.text(source_id)[int(row["body_start_offset"]) : int(row["body_end_offset"])]


TABLES = ("observations", "sources", "regions", "indicators", "themes", "measures", "units",
          "qualifiers", "lexicon", "mentions", "exclusions", "concepts", "indicator_concepts",
          "census_2020", "census_sources", "comparisons", "comparison_groups", "comparison_members")
# The tables last read, by directory and each file's modification time and size: runs that share
# a kernel (publish/execute.py) read the CSVs once. Every load returns copies, so what one run
# changes in its tables never reaches the next.
_READ: dict[tuple, dict[str, pd.DataFrame]] = {}
# Tables derived from the tables last read (``derived``), by what was read and the table's name.
_DERIVED: dict[tuple[tuple, str], object] = {}


def load(processed_dir: Path | str | None = None) -> Dataset:
    """All processed tables; ``processed_dir`` defaults to the project's data/processed.

    Raises FileNotFoundError naming a missing table. The tables are read again whenever a file's
    modification time or size changed since the last load; otherwise copies of them are returned.
    """
    root = Path(processed_dir) if processed_dir else PROCESSED_DIR
    paths = {name: root / f"{name}.csv" for name in TABLES}
    key = (str(root.resolve()),) + tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths.values())
    if key not in _READ:
        _READ.clear()
        _DERIVED.clear()
        _READ[key] = {name: read_table(path, dates=name in DATED_TABLES) for name, path in paths.items()}
    # pandas' copy-on-write (the default from pandas 3): a shallow copy is a table of its own, which
    # a run may change without the change reaching the cache or the next run
    return Dataset(root=root, read_key=key, **{name: frame.copy(deep=False) for name, frame in _READ[key].items()})


def derived(data: Dataset, name: str, compute: Callable[[Dataset], T]) -> T:
    """``compute(data)``, computed once per loaded dataset: the runs that share a kernel
    (publish/execute.py) and the calls within a run reuse it while data/processed is unchanged.
    ``name`` identifies ``compute``. The result is shared: the caller returns copies of what it
    hands on (DataFrames are copy-on-write, so a shallow copy suffices). A dataset not made by
    ``load`` (``read_key`` None) gets a fresh ``compute(data)`` on every call."""
    if data.read_key is None:
        return compute(data)
    key = (data.read_key, name)
    if key not in _DERIVED:
        _DERIVED[key] = compute(data)
    return _DERIVED[key]  # type: ignore[return-value]


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
    """Observation → its evidence → source: the table a reader checks a number with. An archived
    number gives its quote and where it stands in the report's text; a cited number gives the
    number as printed, where it stands on the page (locator) and the page's address."""
    merged = observations.merge(sources[["source_id", "headline", "publisher", "file", "sha256",
                                         "read_at_url"]], on="source_id", how="left")
    return merged[["obs_id", "evidence_kind", "region_name_zh", "indicator_name_zh", "period_label",
                   "value", "qualifier", "unit", "quote", "quote_start", "number_as_printed",
                   "direction_as_printed", "locator", "source_id", "headline", "file", "read_at_url"]]


def regions_with_observations(data: Dataset) -> list[str]:
    return sorted(data.observations["region_code"].unique())


def region_theme_matrix(data: Dataset) -> pd.DataFrame:
    """Observations per region (labelled with the report that speaks of it) and theme."""
    obs = data.observations
    rows = obs["region_name_zh"] + " " + obs["region_code"] + " · " + obs["source_id"]
    matrix = pd.crosstab(rows, obs["theme_code"])
    matrix.index.name = "region · report"
    return matrix.reindex(columns=sorted(data.themes["theme_code"]), fill_value=0)


def audit_coverage(data: Dataset) -> pd.DataFrame:
    """Per report: number mentions found, curated by role (value, period, base period, label),
    and excluded by reason."""
    mentions = data.mentions
    table = pd.crosstab(mentions["source_id"], mentions["status"] + ": " + mentions["role"])
    table.insert(0, "mentions", mentions.groupby("source_id").size())
    table.columns.name = None
    return table
