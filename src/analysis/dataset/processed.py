"""From checked raw data to ``data/processed``: labelled, derived, described, written atomically.

Everything written here is a pure function of ``data/raw``: rows are sorted by their primary key,
numbers are written from :class:`~decimal.Decimal` without float rounding, and no time stamp or
absolute path is recorded, so two builds give identical bytes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
import json
import os
import shutil
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from ..spreadsheet import csv_text_of_columns, inert_column
from . import schema
from .compare import Comparisons, interval
from .numbers import plain_number
from .periods import parse_period, period_label
from .validate import COMPARISON_TABLES, RawData, Row, census_denominators, cyclic_gc_paused, load_raw

TEXT_DIR = "text"
PER_10K_DECIMALS = Decimal("0.0001")

PACKAGE_METADATA = {
    "name": "pingan-hubei-hunan",
    "title": "Ping'an (平安建设) governance indicators from five reports on Hubei and Hunan, 2012-2024",
    "description": (
        "Hand-curated observations of public-safety and social-governance indicators. Every value "
        "cites the exact words of its report (quote, quote_start, quote_end in the normalized text "
        "under text/), from which the build re-derives it. A text cell, or a line within one, that "
        "begins with =, +, -, @, a tab or a carriage return (or with apostrophes followed by one "
        "of them) is written with one more leading apostrophe, so that spreadsheets show it as "
        "text; remove that one apostrophe to read the words as written."
    ),
    "licenses": [
        {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
         "title": "Creative Commons Attribution 4.0 (the curated tables; not the reports)"}
    ],
}


def per_10k(value: Decimal, population: str) -> Decimal | None:
    if not population:
        return None
    return (value * 10000 / Decimal(population)).quantize(PER_10K_DECIMALS, ROUND_HALF_EVEN)


def _obs_sort_key(row: Row) -> tuple[str, int]:
    source, _, number = row["obs_id"].rpartition("-")
    return source, int(number)


def _province_of(code: str, regions: dict[str, Row]) -> str:
    seen = set()
    while regions[code]["level"] != "province":
        if code in seen:
            raise ValueError(f"regions.csv: parent cycle at {code}")
        seen.add(code)
        code = regions[code]["parent_code"]
    return code


TOWNSHIP_POPULATION_NOTE = ("The 2020 census does not publish township populations; none is "
                            "estimated here, so township figures have no per-capita value.")


def _population(region: Row, census: dict[str, Row], sources: dict[str, Row]) -> dict[str, str]:
    """A region's denominator, from census_2020.csv (validated: every non-township has one)."""
    row = census.get(region["region_code"])
    if row is None:
        return {"population_2020": "", "population_basis": "", "population_source": "",
                "population_source_kind": "", "population_note": TOWNSHIP_POPULATION_NOTE}
    source = sources[row["census_source_code"]]
    return {"population_2020": row["population"], "population_basis": row["basis"],
            "population_source": source["citation"], "population_source_kind": source["kind"],
            "population_note": row["note"]}


def _regions(t: dict[str, list[Row]]) -> dict[str, dict[str, str]]:
    """region_code → its regions.csv row with its census denominator (_population)."""
    census = census_denominators(t["census_2020"])
    census_sources = {r["census_source_code"]: r for r in t["census_sources"]}
    return {r["region_code"]: {**r, **_population(r, census, census_sources)} for r in t["regions"]}


@lru_cache(maxsize=65536)  # asked per observation; observations share few periods
def _first_day(period: str) -> str:
    """The first day of a partial ISO date, in full (2023 → 2023-01-01)."""
    return parse_period(period)[0].isoformat()


@lru_cache(maxsize=65536)
def _last_day(period: str) -> str:
    """The last day of a partial ISO date, in full (2023-02 → 2023-02-28)."""
    return parse_period(period)[1].isoformat()


def observation_rows(t: dict[str, list[Row]], quote_starts: dict[str, int]) -> list[dict[str, str]]:
    """The rows of the processed observations (archived and cited), sorted by obs_id, from the
    checked raw tables ``t`` and where each archived quote stands in its normalized text."""
    regions = _regions(t)
    indicators = {r["indicator_code"]: r for r in t["indicators"]}
    observations = []
    provinces: dict[str, str] = {}  # region_code → its province, looked up once per region
    # (row, is cited): the raw rows themselves, not a copy of each with its evidence kind
    tagged = [(r, False) for r in t["observations"]] + [(r, True) for r in t["cited_observations"]]
    for row, cited in sorted(tagged, key=lambda pair: _obs_sort_key(pair[0])):
        region = regions[row["region_code"]]
        indicator = indicators[row["indicator_code"]]
        value = Decimal(row["value"])
        low, high = interval(value, row["qualifier"], Decimal(row["value_high"]) if row.get("value_high") else None)
        quote_start = None if cited else quote_starts[row["obs_id"]]
        base = ("", "")
        if row["base_period_start"]:
            base = (_first_day(row["base_period_start"]), _last_day(row["base_period_end"]))
        code = row["region_code"]
        if code not in provinces:
            provinces[code] = _province_of(code, regions)
        observations.append({
            "obs_id": row["obs_id"],
            "source_id": row["source_id"],
            "evidence_kind": "cited" if cited else "archived_quote",
            "region_code": row["region_code"],
            "region_name_zh": region["name_zh"],
            "region_name_en": region["name_en"],
            "region_level": region["level"],
            "province_code": provinces[code],
            "indicator_code": row["indicator_code"],
            "indicator_name_zh": indicator["name_zh"],
            "indicator_name_en": indicator["name_en"],
            "theme_code": indicator["theme_code"],
            "measure": indicator["measure"],
            "unit": row["unit"],
            "period_start": _first_day(row["period_start"]),
            "period_end": _last_day(row["period_end"]),
            "period_label": period_label(row["period_start"], row["period_end"]),
            "period_basis": row["period_basis"],
            "base_period_start": base[0],
            "base_period_end": base[1],
            "value": plain_number(value),
            "value_low": plain_number(low),
            "value_high": plain_number(high),
            "qualifier": row["qualifier"],
            "scope": row["scope"],
            "value_per_10k_in_period": plain_number(per_10k(value, region["population_2020"]))
            if indicator["per_capita"] == "true" and row["scope"] == "region_total" else "",
            "quote": "" if cited else row["quote"],
            "label_numbers": "" if cited else row["label_numbers"],
            "quote_start": "" if cited else str(quote_start),
            "quote_end": "" if cited else str(quote_start + len(row["quote"])),
            **{k: row.get(k, "") for k in ("number_as_printed", "direction_as_printed", "survey",
                                            "locator")},
            "curator_note": row["curator_note"],
        })
    return observations


def processed_tables(data: RawData) -> dict[str, list[dict[str, str]]]:
    """The rows of every processed table, as text cells, sorted by primary key."""
    t = data.tables
    regions = _regions(t)
    counts = Counter(r["source_id"] for name in ("observations", "cited_observations") for r in t[name])
    out: dict[str, list[dict[str, str]]] = {}
    # A table a worker process wrote already (see validate.load_raw) is not made again.
    if schema.PROCESSED_OBSERVATIONS.path not in data.prebuilt_files:
        out["observations"] = observation_rows(t, data.quote_starts)

    sources = []
    for row in t["cited_sources"]:
        sources.append({
            **{k: "" for k in schema.PROCESSED_SOURCES.field_names},
            **{k: row[k] for k in ("source_id", "headline", "publisher", "date_published",
                                   "date_precision", "region_code", "period_start", "period_end",
                                   "script", "notes", "other_urls", "original_outlet", "source_kind",
                                   "what_was_read", "lead_id")},
            "evidence_kind": "cited", "read_at_url": row["url"],
            "observation_count": str(counts.get(row["source_id"], 0)),
        })
    for row in t["sources"]:
        report = data.reports[row["source_id"]]
        sources.append({
            **{k: "" for k in schema.PROCESSED_SOURCES.field_names},
            **{k: row[k] for k in schema.SOURCES.field_names},
            "evidence_kind": "archived_quote",
            "text_path": f"{TEXT_DIR}/{row['source_id']}.txt",
            "text_sha256": hashlib.sha256(report.text.encode("utf-8")).hexdigest(),
            "body_start_offset": str(report.body_start),
            "body_end_offset": str(report.body_end),
            "body_characters": str(report.body_end - report.body_start),
            "observation_count": str(counts.get(row["source_id"], 0)),
        })

    mentions = []
    for sid in sorted(data.decisions):
        for d in data.decisions[sid]:
            m = d.mention
            mentions.append({"source_id": sid, "start": str(m.start), "end": str(m.end),
                             "text": m.text, "kind": m.kind, "value": m.value,
                             "qualifier": m.qualifier, "status": d.status, "role": d.role,
                             "decided_by": d.by,
                             "context": m.context})

    compared = Counter(obs_id.rpartition("-")[0] for obs_id in data.compared_observations)
    for row in sources:
        row["observations_compared"] = str(compared.get(row["source_id"], 0))
        total = int(row["observation_count"])
        row["compared_share_pct"] = (str((Decimal(100) * compared.get(row["source_id"], 0) / total)
                                         .quantize(Decimal("0.1"), ROUND_HALF_EVEN)) if total else "")
    sources.sort(key=lambda r: r["source_id"])
    out.update({"sources": sources, "mentions": mentions,
                "regions": [{k: r[k] for k in schema.PROCESSED_REGIONS.field_names}
                            for _, r in sorted(regions.items())]})
    if not any(t.path in data.prebuilt_files for t in COMPARISON_TABLES):
        out.update(comparison_tables(data.comparisons))
    for table in (schema.THEMES, schema.UNITS, schema.MEASURES, schema.QUALIFIERS, schema.SCOPES,
                  schema.PERIOD_BASES, schema.INDICATORS, schema.CONCEPTS, schema.INDICATOR_CONCEPTS,
                  schema.INDICATOR_SUMS, schema.CENSUS_SOURCES, schema.CENSUS,
                  schema.CENSUS_EXCEPTIONS, schema.LEXICON, schema.EXCLUSIONS,
                  schema.CITED_SET_ASIDE, schema.LEADS, schema.LEAD_DECISIONS, schema.REFERENCE_RATES):
        out[table.name] = [{k: r[k] for k in table.field_names}
                           for r in sorted(t[table.name],
                                           key=lambda r: tuple(r[k] for k in table.primary_key))]
    return out


def comparison_tables(comparisons: Comparisons) -> dict[str, list[dict[str, str]]]:
    """The rows of the processed tables of comparisons (items, groups, members), sorted by
    primary key."""
    return {"comparisons": sorted(comparisons.items, key=lambda r: r["item_id"]),
            "comparison_groups": sorted(comparisons.groups, key=lambda r: r["group_id"]),
            "comparison_members": sorted(comparisons.members, key=lambda r: (r["group_id"], r["item_id"]))}


def comparison_files(comparisons: Comparisons) -> dict[str, bytes]:
    """The files of the tables of :func:`comparison_tables`, by relative path (as
    :func:`processed_files` writes them)."""
    tables = comparison_tables(comparisons)
    return {t.path: csv_bytes(t, tables[t.name]) for t in COMPARISON_TABLES}


def csv_bytes(table: schema.Table, rows: list[dict[str, str]]) -> bytes:
    """A processed table as UTF-8 CSV without a byte-order mark (LF line ends): string cells
    guarded against spreadsheet formulas (:func:`analysis.spreadsheet.inert`), any cell holding a
    comma, quote or line break quoted (:func:`analysis.spreadsheet.csv_record`). Made column by
    column: a column is guarded, or quoted, cell by cell only where one search over it finds a
    cell that may need it."""
    names = table.field_names  # a list built on each access: once per table, not per row
    string_fields = {f["name"] for f in table.fields if f["type"] == "string"}
    columns = []
    for name, column in zip(names, _columns(rows, names)):
        columns.append(inert_column(column) if name in string_fields else column)
    return csv_text_of_columns(names, columns).encode("utf-8")


def _columns(rows: list[dict[str, str]], names: list[str]) -> list[Sequence[str]]:
    """The cells of each of ``names`` in ``rows``: a row's cells taken at once, the rows then
    transposed (half the time of a pass over the rows per column)."""
    if len(names) < 2 or not rows:
        return [list(map(itemgetter(name), rows)) for name in names]
    return list(zip(*map(itemgetter(*names), rows)))


def datapackage_bytes() -> bytes:
    resources = [
        {
            "name": table.name,
            "title": table.title,
            "path": table.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": table.schema(),
        }
        for table in schema.PROCESSED_TABLES
    ]
    package = {**PACKAGE_METADATA, "profile": "tabular-data-package", "resources": resources}
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def processed_files(data: RawData) -> dict[str, bytes]:
    """Every file of ``data/processed``, by relative path."""
    with cyclic_gc_paused():
        return _processed_files(data)


def _processed_files(data: RawData) -> dict[str, bytes]:
    tables = processed_tables(data)
    made = data.prebuilt_files
    files = {t.path: made[t.path] if t.path in made else csv_bytes(t, tables[t.name])
             for t in schema.PROCESSED_TABLES}
    files["datapackage.json"] = datapackage_bytes()
    for sid, report in sorted(data.reports.items()):
        files[f"{TEXT_DIR}/{sid}.txt"] = report.text.encode("utf-8")
    return files


def replace_directory(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a fresh directory beside ``out_dir``, then swap it in.

    Until the final rename the old outputs are untouched, so a failure at any point before it
    leaves the last good build in place.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        os.chmod(staging, 0o755)
        retired = None
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
            os.rename(out_dir, retired / out_dir.name)
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def unchanged(out_dir: Path, files: dict[str, bytes]) -> bool:
    """Whether ``out_dir`` already holds exactly ``files`` (and nothing else)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return False
    on_disk = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    return on_disk == set(files) and all((out_dir / rel).read_bytes() == content
                                         for rel, content in files.items())


def build(raw_dir: Path | str, out_dir: Path | str, jobs: int | None = None) -> dict[str, bytes]:
    """Validate ``raw_dir`` and, only if it is clean, replace ``out_dir`` with the new build
    (``jobs``: as :func:`~analysis.dataset.validate.load_raw` takes it).

    When the build is byte-identical to what is there, nothing is touched, so that file times
    stay put and Make does not re-execute the notebooks that read the data.
    """
    files = processed_files(load_raw(raw_dir, jobs))
    if not unchanged(Path(out_dir), files):
        replace_directory(Path(out_dir), files)
    return files
