"""Reading and checking the raw data: every problem at once, each naming file, row and field.

``load_raw(raw_dir)`` returns the checked tables and the normalized texts, or raises
:class:`ValidationFailed` listing every problem found. Nothing here writes a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
from bisect import bisect_left
from collections import Counter
from contextlib import contextmanager
import io
import multiprocessing
import os
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..spreadsheet import line_break
from . import schema
from .compare import Comparisons, build_comparisons
from .audit import (Decision, QuotedObservation, decide, exclusion_spans, extract_mentions,
                    period_length_years)
from .numbers import (CHANGE_MEASURES, Mention, NumberParseError, derivable_values, derive_printed,
                      find_mentions, mentions_within, plain_number)
from .periods import PeriodError, parse_period, publication_day
from .text import TextDecodingError, decode_marker, decode_utf8, normalize

REPORTS_DIR = "reports"
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
_BOOLEAN = {"true", "false"}


@dataclass(frozen=True, order=True)
class Problem:
    """One reason the raw data cannot be built. ``line`` is the CSV line (header = 1)."""

    file: str
    line: int = 0
    key: str = ""
    field: str = ""
    message: str = ""

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        if self.key:
            where += f" ({self.key})"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class ValidationFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s) in the raw data")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class Row(dict):
    """A CSV record (field → text) that remembers the line it starts on."""

    def __init__(self, *args, line: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line


@dataclass
class Report:
    source_id: str
    text: str  # the normalized text
    body_start: int
    body_end: int

    _numbers: tuple[tuple[str, int, int], list[Mention], list[int]] | None = field(
        default=None, repr=False, compare=False)
    _body: tuple[tuple[str, int, int], str] | None = field(default=None, repr=False, compare=False)

    @property
    def body(self) -> str:
        """The article body: cut once per text and bounds (every observation's quote is looked
        up in it), not copied on each use."""
        key = (self.text, self.body_start, self.body_end)
        if self._body is None or self._body[0] != key:
            self._body = (key, self.text[self.body_start : self.body_end])
        return self._body[1]

    def numbers(self) -> list[Mention]:
        """``find_mentions(self.body)``: read once per body (the audit and the quotes of every
        observation use it), and again whenever the text or the body's bounds differ from those
        it was read from (the same text object is recognized without comparing its characters)."""
        return self._read_numbers()[1]

    def number_starts(self) -> list[int]:
        """The start of each of :meth:`numbers` (in the body), in order."""
        return self._read_numbers()[2]

    def _read_numbers(self) -> tuple[tuple[str, int, int], list[Mention], list[int]]:
        key = (self.text, self.body_start, self.body_end)
        if self._numbers is None or self._numbers[0] != key:
            found = find_mentions(self.body)
            self._numbers = (key, found, [m.start for m in found])
        return self._numbers


@dataclass
class RawData:
    root: Path
    tables: dict[str, list[Row]]
    reports: dict[str, Report] = field(default_factory=dict)
    decisions: dict[str, list[Decision]] = field(default_factory=dict)  # the audit, per report
    quote_starts: dict[str, int] = field(default_factory=dict)  # obs_id → offset in the text
    quoted: dict[str, QuotedObservation] = field(default_factory=dict)  # obs_id → what the audit needs
    # The comparisons (made once the rest is valid). Where a worker process made them, it sent
    # only what the build needs: the observations they compare and their processed files.
    _comparisons: Comparisons | None = field(default=None, repr=False)
    _compared_observations: set[str] | None = field(default=None, repr=False)
    _prebuilt_files: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def comparisons(self) -> Comparisons | None:
        """The comparisons of the observations (None until the data are valid). Where a worker
        process made them (see :func:`load_raw`), they are made again here when first read, from
        :attr:`tables` (sending them would cost the worker and this process two seconds per
        100,000 items, which the build does not need); from then on the worker's files of them
        no longer stand for them, since the reader may change them."""
        if self._comparisons is None and self._compared_observations is not None:
            self.comparisons = _make_comparisons(self.tables)
        return self._comparisons

    @comparisons.setter
    def comparisons(self, value: Comparisons | None) -> None:
        self._comparisons, self._compared_observations = value, None
        for table in COMPARISON_TABLES:
            self._prebuilt_files.pop(table.path, None)

    @property
    def compared_observations(self) -> set[str]:
        """The obs_ids in a valid comparison group (``comparisons.compared_observations``)."""
        if self._compared_observations is not None:
            return self._compared_observations
        return set() if self._comparisons is None else self._comparisons.compared_observations

    @property
    def prebuilt_files(self) -> dict[str, bytes]:
        """Processed files (path → bytes) that the worker process of :func:`load_raw` wrote from
        the data as loaded (the comparisons' tables and the observations), for the build to take
        as they are; empty where the build makes every file."""
        return self._prebuilt_files


COMPARISON_TABLES = (schema.COMPARISONS, schema.COMPARISON_GROUPS, schema.COMPARISON_MEMBERS)


# --- reading ------------------------------------------------------------------------------------

def _parse_table(table: schema.Table, content: bytes | None, problems: list[Problem]) -> list[Row]:
    """The rows of ``table`` from its file's bytes (None: the file is missing)."""
    if content is None:
        problems.append(Problem(table.path, message="file is missing"))
        return []
    try:
        text = decode_utf8(content, table.path)
    except TextDecodingError as exc:
        problems.append(Problem(table.path, message=str(exc).split(": ", 1)[1]))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(table.path, message="file is empty: expected a header row"))
        return []
    except csv.Error as exc:
        problems.append(Problem(table.path, 1, message=f"not valid CSV: {exc}"))
        return []
    header = [h.strip() for h in header]
    expected = table.field_names
    for name in expected:
        if name not in header:
            problems.append(Problem(table.path, 1, field=name, message="column is missing"))
    for name in header:
        if name not in expected:
            problems.append(Problem(table.path, 1, field=name,
                                    message=f"unknown column (expected: {', '.join(expected)})"))
    seen = set()
    for name in header:
        if name in seen:
            problems.append(Problem(table.path, 1, field=name, message="column appears twice"))
        seen.add(name)

    # Where the header holds exactly the expected columns, a row is its cells by name (the usual
    # case, one dict built in C); otherwise unknown columns are dropped and missing ones empty.
    exact_header = sorted(set(header)) == sorted(expected) and len(header) == len(expected)
    rows: list[Row] = []
    line = 1
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(table.path, start, message=f"not valid CSV: {exc}"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(header):
            problems.append(Problem(table.path, start,
                                    message=f"{len(record)} cells where the header has {len(header)}"))
        if exact_header and len(record) == len(header):
            row = Row(zip(header, record), line=start)
        else:
            row = Row(line=start)
            row.update({name: value for name, value in zip(header, record) if name in expected})
            for name in expected:
                row.setdefault(name, "")
        rows.append(row)
    return rows


def _key(table: schema.Table, row: Row) -> str:
    return ", ".join(row.get(k, "") for k in table.primary_key)


def _check_fields(table: schema.Table, rows: list[Row], problems: list[Problem]) -> None:
    """Required cells, types and constraints, as the Table Schema declares them; and no cell
    holding a line break (any of :data:`analysis.spreadsheet.LINE_BREAKS`)."""
    # What each field asks, read from the schema once per table rather than once per cell.
    specs = []
    for f in table.fields:
        cons = f.get("constraints", {})
        pattern = re.compile(cons["pattern"]) if "pattern" in cons else None
        minimum = cons["minimum"] if "minimum" in cons and f["type"] in ("integer", "number") else None
        specs.append((f["name"], f["type"], bool(cons.get("required")), cons.get("enum"), pattern,
                      cons.get("pattern"), minimum))
    for row in rows:
        key = None  # written into a problem only: joined where one is found

        def problem(name: str, message: str) -> None:
            nonlocal key
            if key is None:
                key = _key(table, row)
            problems.append(Problem(table.path, row.line, key, name, message))

        # one search per row: only a row holding a line break is looked at cell by cell
        has_break = line_break("\x00".join(row.values())) is not None
        for name, kind, required, enum, pattern, pattern_text, minimum in specs:
            value = row.get(name, "")
            found = line_break(value) if has_break else None
            if found:
                # Refused, not joined: the build never rewrites raw data, and a cell that reads
                # back as two lines or records in some tool is not what the curator saw.
                problem(name, f"line break {found!r} (U+{ord(found):04X}) inside the cell: "
                              "a raw cell is one line (join its lines with a space)")
                continue
            if value != value.strip():
                problem(name, "leading or trailing white space")
                value = value.strip()
            if value == "":
                if required:
                    problem(name, "required value is empty")
                continue
            if kind == "number" and not _NUMBER.match(value):
                problem(name, f"{value!r} is not a plain decimal number (e.g. 600000, -10.2)")
                continue
            if kind == "integer" and not _INTEGER.match(value):
                problem(name, f"{value!r} is not a whole number")
                continue
            if kind == "boolean" and value not in _BOOLEAN:
                problem(name, f"{value!r} is not true or false")
                continue
            if enum is not None and value not in enum:
                problem(name, f"{value!r} is not one of: {', '.join(enum)}")
            if pattern is not None and not pattern.match(value):
                problem(name, f"{value!r} does not match the pattern {pattern_text}")
            if minimum is not None and Decimal(value) < minimum:
                problem(name, f"{value} is below the minimum {minimum}")


def _check_primary_key(table: schema.Table, rows: list[Row], problems: list[Problem]) -> None:
    first_line: dict[str, int] = {}
    for row in rows:
        key = _key(table, row)
        if not key:
            continue
        if key in first_line:
            problems.append(Problem(table.path, row.line, key, table.primary_key[0],
                                    f"duplicate id {key!r} (first on line {first_line[key]})"))
        else:
            first_line[key] = row.line


def _check_foreign_keys(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    for table in schema.RAW_TABLES:
        for ref in table.foreign_keys:
            (local,) = ref["fields"]
            target = schema.RAW_BY_NAME[ref["reference"]["resource"]]
            (remote,) = ref["reference"]["fields"]
            known = {r.get(remote, "") for r in tables.get(target.name, [])}
            for row in tables.get(table.name, []):
                value = row.get(local, "")
                if value and value not in known:
                    problems.append(Problem(table.path, row.line, _key(table, row), local,
                                            f"unknown {remote.removesuffix('_code').removesuffix('_id')} "
                                            f"{value!r} (not in {target.path})"))


# --- domain checks ------------------------------------------------------------------------------

_LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2, "township": 3}


def _check_regions(rows: list[Row], problems: list[Problem]) -> None:
    by_code = {r["region_code"]: r for r in rows}
    path = schema.REGIONS.path
    for row in rows:
        code, level, parent = row["region_code"], row["level"], row["parent_code"]
        if level not in _LEVEL_RANK:
            continue
        if level == "province":
            if parent:
                problems.append(Problem(path, row.line, code, "parent_code",
                                        "a province has no parent"))
        elif not parent:
            problems.append(Problem(path, row.line, code, "parent_code",
                                    f"a {level} needs its parent region"))
        elif parent in by_code:
            parent_level = by_code[parent]["level"]
            if _LEVEL_RANK.get(parent_level, 99) >= _LEVEL_RANK[level]:
                problems.append(Problem(path, row.line, code, "parent_code",
                                        f"parent {parent} is a {parent_level}, not above a {level}"))
        if level == "township" and len(code) != 9:
            problems.append(Problem(path, row.line, code, "region_code",
                                    "a township has a 9-digit statistical division code"))
        if level != "township" and len(code) != 6:
            problems.append(Problem(path, row.line, code, "region_code",
                                    f"a {level} has a 6-digit GB/T 2260 code"))
        if row["is_province_administered"] == "true" and (level != "county" or
                                                          parent[-4:] != "0000"):
            problems.append(Problem(path, row.line, code, "is_province_administered",
                                    "only a county-level unit whose parent is the province"))


_CENSUS_RANK = {"province": 0, "prefecture": 1, "county": 2, "functional_zone": 2}


def census_denominators(rows: list[Row]) -> dict[str, Row]:
    """region_code → the census row per-capita values divide by."""
    return {r["region_code"]: r for r in rows if r["is_denominator"] == "true"}


def _check_census(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """One denominator per unit, parents above their children, and every unit's children adding up
    to it, exactly or by a difference census_2020_exceptions.csv documents."""
    path, rows = schema.CENSUS.path, tables["census_2020"]
    first: dict[str, Row] = {}
    denominators: dict[str, Row] = {}
    for row in rows:
        code = row["region_code"]
        first.setdefault(code, row)
        if row["is_denominator"] != "true":
            continue
        if code in denominators:
            problems.append(Problem(path, row.line, _key(schema.CENSUS, row), "is_denominator",
                                    f"a second denominator for {code} (the first is on line "
                                    f"{denominators[code].line}): mark exactly one"))
        else:
            denominators[code] = row
    for code, row in first.items():
        if code not in denominators:
            problems.append(Problem(path, row.line, _key(schema.CENSUS, row), "is_denominator",
                                    f"no row of {code} is the denominator: mark exactly one"))
    for row in rows:
        parent, level = row["parent_code"], row["level"]
        if level == "province" or level not in _CENSUS_RANK:
            if parent:
                problems.append(Problem(path, row.line, _key(schema.CENSUS, row), "parent_code",
                                        "a province has no parent"))
            continue
        if not parent:
            problems.append(Problem(path, row.line, _key(schema.CENSUS, row), "parent_code",
                                    f"a {level} needs its parent"))
        elif parent not in first:
            problems.append(Problem(path, row.line, _key(schema.CENSUS, row), "parent_code",
                                    f"unknown parent {parent!r} (not in {path})"))
        elif _CENSUS_RANK.get(first[parent]["level"], 9) >= _CENSUS_RANK[level]:
            problems.append(Problem(path, row.line, _key(schema.CENSUS, row), "parent_code",
                                    f"parent {parent} is a {first[parent]['level']}, not above a {level}"))
    sums: dict[str, int] = {}
    for row in denominators.values():
        if row["parent_code"] and _INTEGER.match(row["population"]):
            sums[row["parent_code"]] = sums.get(row["parent_code"], 0) + int(row["population"])
    exceptions = {r["parent_code"]: r for r in tables["census_2020_exceptions"]}
    exceptions_path = schema.CENSUS_EXCEPTIONS.path
    for parent, total in sorted(sums.items()):
        own = denominators.get(parent)
        if own is None or not _INTEGER.match(own["population"]):
            continue
        difference = total - int(own["population"])
        exception = exceptions.get(parent)
        documented = int(exception["difference"]) if exception and _INTEGER.match(exception["difference"]) else 0
        if difference == documented:
            continue
        if exception is not None:
            problems.append(Problem(exceptions_path, exception.line, parent, "difference",
                                    f"documents {documented:+,}, but the children of {parent} now add "
                                    f"up to {total:,} against {int(own['population']):,} "
                                    f"({difference:+,})"))
        else:
            problems.append(Problem(path, own.line, _key(schema.CENSUS, own), "population",
                                    f"the children of {own['name_zh']} add up to {total:,}, not "
                                    f"{int(own['population']):,} ({difference:+,}): correct a figure, "
                                    f"or document the difference in {exceptions_path}"))
    for parent, exception in exceptions.items():
        if parent not in sums:
            problems.append(Problem(exceptions_path, exception.line, parent, "parent_code",
                                    f"{parent} has no children in {path}: the exception explains nothing"))
        elif exception["difference"] == "0":
            problems.append(Problem(exceptions_path, exception.line, parent, "difference",
                                    "a difference of 0 needs no exception"))
    _check_regions_in_census(tables["regions"], first, denominators, problems)


def _check_regions_in_census(regions: list[Row], census: dict[str, Row], denominators: dict[str, Row],
                             problems: list[Problem]) -> None:
    """regions.csv takes its populations from the census: every province, prefecture and county is
    there under the same name and parent; townships, which the census does not publish, are not."""
    path = schema.REGIONS.path
    for row in regions:
        code = row["region_code"]
        if row["level"] == "township":
            if code in census:
                problems.append(Problem(path, row.line, code, "level",
                                        "the census publishes no township figures, but "
                                        f"{schema.CENSUS.path} has {code}"))
            continue
        own = denominators.get(code)
        if own is None:
            problems.append(Problem(path, row.line, code, "region_code",
                                    f"{row['name_zh']} has no denominator row in {schema.CENSUS.path}: "
                                    "every province, prefecture and county needs its 2020 figure"))
            continue
        for field_, census_field in (("name_zh", "name_zh"), ("parent_code", "parent_code")):
            if row[field_] != own[census_field]:
                problems.append(Problem(path, row.line, code, field_,
                                        f"{row[field_]!r}, but {schema.CENSUS.path} (line {own.line}) "
                                        f"gives {own[census_field]!r}"))


def _check_periods(table: schema.Table, row: Row, start: str, end: str,
                   problems: list[Problem]) -> None:
    if not row.get(start) and not row.get(end):
        return
    if bool(row.get(start)) != bool(row.get(end)):
        missing = start if not row.get(start) else end
        problems.append(Problem(table.path, row.line, _key(table, row), missing,
                                f"{start} and {end} go together"))
        return
    try:
        first, _ = parse_period(row[start])
        _, last = parse_period(row[end])
    except PeriodError as exc:
        problems.append(Problem(table.path, row.line, _key(table, row), start, str(exc)))
        return
    if last < first:
        problems.append(Problem(table.path, row.line, _key(table, row), end,
                                f"end {row[end]} is before start {row[start]}"))


def _load_reports(root: Path, rows: list[Row], problems: list[Problem]) -> dict[str, Report]:
    path = schema.SOURCES.path
    reports: dict[str, Report] = {}
    for row in rows:
        sid, name = row["source_id"], row["file"]
        report_path = root / REPORTS_DIR / name
        rel = f"{REPORTS_DIR}/{name}"
        if not name:
            continue
        if not report_path.is_file():
            problems.append(Problem(path, row.line, sid, "file", f"{rel} does not exist"))
            continue
        data = report_path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if row["sha256"] and digest != row["sha256"]:
            problems.append(Problem(path, row.line, sid, "sha256",
                                    f"{rel} has checksum {digest}, not the recorded {row['sha256']}: "
                                    "the archived report changed"))
            continue
        try:
            raw_text = decode_utf8(data, rel)
        except TextDecodingError as exc:
            problems.append(Problem(path, row.line, sid, "file", str(exc)))
            continue
        if row["script"] not in ("Simplified", "Traditional"):
            continue
        text = normalize(raw_text, row["script"])
        bounds = []
        markers = (decode_marker(row["body_start"]), decode_marker(row["body_end"]))
        for name_, marker in zip(("body_start", "body_end"), markers):
            count = text.count(marker) if marker else 0
            if marker and count != 1:
                problems.append(Problem(path, row.line, sid, name_,
                                        f"{marker!r} occurs {count} times in the normalized text "
                                        "(must occur exactly once)"))
            bounds.append(text.find(marker) if count == 1 else -1)
        if -1 in bounds or not all((row["body_start"], row["body_end"])):
            continue
        start, end = bounds[0], bounds[1] + len(markers[1])
        if end <= start:
            problems.append(Problem(path, row.line, sid, "body_end",
                                    "the body ends before it begins"))
            continue
        reports[sid] = Report(sid, text, start, end)
    return reports


def _describe(values: set[tuple[Decimal, str, Decimal | None]]) -> str:
    if not values:
        return "it states no number"
    shown = sorted(values, key=lambda t: (t[0], t[1], t[2] or 0))[:6]
    return "it states " + ", ".join(
        f"{plain_number(v)}" + (f"–{plain_number(h)}" if h is not None else "") + f" ({q})"
        for v, q, h in shown)


def _check_indicators(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    eligible = {r["measure_code"] for r in tables["measures"] if r["per_capita_eligible"] == "true"}
    for row in tables["indicators"]:
        if row["per_capita"] == "true" and row["measure"] not in eligible:
            problems.append(Problem(schema.INDICATORS.path, row.line, row["indicator_code"],
                                    "per_capita", f"only regional totals ({', '.join(sorted(eligible))}) "
                                                  f"have per-capita values, not a {row['measure']}"))


def _check_concepts(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """A concept is compared in one measure and unit: an indicator linked to it in another would put
    unlike numbers on one axis."""
    indicators = {r["indicator_code"]: r for r in tables["indicators"]}
    concepts = {r["concept_code"]: r for r in tables["concepts"]}
    for row in tables["indicator_concepts"]:
        indicator, concept = indicators.get(row["indicator_code"]), concepts.get(row["concept_code"])
        if indicator is None or concept is None:
            continue  # reported as unknown keys
        where = (schema.INDICATOR_CONCEPTS.path, row.line, row["indicator_code"], "concept_code")
        if indicator["measure"] != concept["measure"]:
            problems.append(Problem(*where, f"{row['indicator_code']} is a {indicator['measure']}, but "
                                            f"{row['concept_code']} is compared as {concept['measure']}: "
                                            "one comparison would mix measures"))
        elif indicator["theme_code"] != concept["theme_code"]:
            problems.append(Problem(*where, f"{row['indicator_code']} is in the theme "
                                            f"{indicator['theme_code']}, {row['concept_code']} in "
                                            f"{concept['theme_code']}: a concept's figures are compared "
                                            "on one theme's page"))
        elif indicator["unit"] != concept["unit"] and row["relation"] != "proxy":
            problems.append(Problem(*where, f"{row['indicator_code']} is counted in {indicator['unit']}, "
                                            f"{row['concept_code']} in {concept['unit']}: one comparison "
                                            "would mix units (only a proxy may differ)"))
    parts: dict[str, list[str]] = {}
    for row in tables["indicator_sums"]:
        total, part = indicators.get(row["total_indicator_code"]), indicators.get(row["part_indicator_code"])
        if total is None or part is None:
            continue
        where = (schema.INDICATOR_SUMS.path, row.line,
                 f"{row['total_indicator_code']}, {row['part_indicator_code']}", "part_indicator_code")
        if total["measure"] not in ("flow_count", "stock_count"):
            problems.append(Problem(*where, f"only counts add up, not a {total['measure']}"))
        elif (part["measure"], part["unit"]) != (total["measure"], total["unit"]):
            problems.append(Problem(*where, f"a part must have its total's measure and unit "
                                            f"({total['measure']}, {total['unit']}), not "
                                            f"({part['measure']}, {part['unit']})"))
        parts.setdefault(row["total_indicator_code"], []).append(row["part_indicator_code"])
    for total in parts:  # a total cannot contain itself, however deep
        seen, stack = set(), list(parts[total])
        while stack:
            code = stack.pop()
            if code == total:
                line = next(r.line for r in tables["indicator_sums"] if r["total_indicator_code"] == total)
                problems.append(Problem(schema.INDICATOR_SUMS.path, line, total, "total_indicator_code",
                                        f"{total} is among its own parts"))
                break
            if code not in seen:
                seen.add(code)
                stack.extend(parts.get(code, []))


def _check_lexicon(rows: list[Row], problems: list[Problem]) -> None:
    for row in rows:
        try:
            compiled = re.compile(row["pattern"])
        except re.error as exc:
            problems.append(Problem(schema.LEXICON.path, row.line, row["term_code"], "pattern",
                                    f"not a regular expression: {exc}"))
            continue
        if compiled.match(""):
            problems.append(Problem(schema.LEXICON.path, row.line, row["term_code"], "pattern",
                                    "matches the empty string"))


# The units a duration indicator may use, with their length in days.
_DURATION_DAYS = {"years": 365.25, "months": 365.25 / 12, "days": 1}


def period_limit(source: Row) -> tuple[dt.date | None, str]:
    """The last day an observation's period may reach: the publication date (a number cannot
    report on days after the words that print it) or, where no date is printed, the end of the
    review period."""
    day = publication_day(source["date_published"])
    if day is not None:
        return day, f"the report was published on {source['date_published'][:10]}"
    try:
        return parse_period(source["period_end"])[1], (f"the report prints no date and reviews a "
                                                      f"period ending {source['period_end']}")
    except PeriodError:
        return None, ""


def _check_observations(data: RawData, problems: list[Problem]) -> None:
    """Archived and cited observations alike: keys, codebook, units, periods and their basis,
    scope and values. An archived row's value is re-derived from its quote, found once in the
    article body; a cited row's from the number as printed (and the direction word before it)."""
    indicators = {r["indicator_code"]: r for r in data.tables.get("indicators", [])}
    measures = {r["measure_code"]: r for r in data.tables.get("measures", [])}
    for table, sources_table in ((schema.OBSERVATIONS, "sources"),
                                 (schema.CITED_OBSERVATIONS, "cited_sources")):
        sources = {r["source_id"]: r for r in data.tables.get(sources_table, [])}
        for row in data.tables.get(table.name, []):
            _check_observation(data, table, row, sources, indicators, measures, problems)


def _check_observation(data: RawData, table: schema.Table, row: Row, sources: dict[str, Row],
                       indicators: dict[str, Row], measures: dict[str, Row],
                       problems: list[Problem]) -> None:
    cited = table is schema.CITED_OBSERVATIONS
    key = row["obs_id"]

    def problem(field_: str, message: str) -> None:
        problems.append(Problem(table.path, row.line, key, field_, message))

    if key and row["source_id"] and not key.startswith(row["source_id"] + "-"):
        problem("obs_id", f"must start with its source_id {row['source_id']!r} and a hyphen")
    _check_periods(table, row, "period_start", "period_end", problems)
    _check_periods(table, row, "base_period_start", "base_period_end", problems)
    period = _period_of(row, "period_start", "period_end")
    base = _period_of(row, "base_period_start", "base_period_end")
    source = sources.get(row["source_id"])
    indicator = indicators.get(row["indicator_code"])
    measure = indicator["measure"] if indicator else ""
    if period and source:
        _check_period_basis(row, period, source, measure, problem)

    # Where the quote stands, found once here and used by the audit and the build.
    report = None if cited else data.reports.get(row["source_id"])
    quote = "" if cited else row["quote"]
    body = "" if report is None else report.body
    found_at = None  # where this row's quote stands in the body (a duplicate id's may not)
    if report is not None and quote:
        occurrences = body.count(quote)
        if occurrences == 0:
            where = ("it is outside the article body (page furniture)"
                     if quote in report.text else "it is not in the normalized text")
            problem("quote", f"quote not found in the article body of {row['source_id']}: {where}")
        elif occurrences > 1:
            problem("quote", f"quote occurs {occurrences} times in the article body of "
                             f"{row['source_id']}: lengthen it until it is unique")
        else:
            found_at = body.find(quote)
            data.quote_starts[key] = report.body_start + found_at

    if indicator is None:
        return  # reported as an unknown indicator
    if row["unit"] and row["unit"] != indicator["unit"]:
        problem("unit", f"{row['unit']!r} disagrees with the codebook: indicator "
                        f"{row['indicator_code']} is measured in {indicator['unit']!r}")
    has_base = bool(row["base_period_start"] or row["base_period_end"])
    if measure in CHANGE_MEASURES and not has_base and not row["curator_note"]:
        # The text does not always say what a change is measured against; then say so.
        problem("base_period_start", f"a change ({measure}) needs the base period it compares "
                                     "with, or a curator_note saying the text gives none")
    if measure not in CHANGE_MEASURES and has_base:
        problem("base_period_start", f"only changes have a base period, not a {measure}")
    if not _NUMBER.match(row["value"]):
        return
    value = Decimal(row["value"])
    high = _stated_high(row, value, problem)
    if measure in ("rate", "share") and not 0 <= value <= 100:
        problem("value", f"a {measure} in percent must lie between 0 and 100, not {row['value']}")
    if measures.get(measure, {}).get("is_count") == "true" and value < 0:
        problem("value", f"a count cannot be negative ({row['value']})")
    if measure == "zero_claim" and value != 0:
        problem("value", f"a zero claim has the value 0, not {row['value']}")
    if measure == "change_unspecified" and abs(value) > 100:
        problem("indicator_code", f"a rate cannot move by {row['value']} percentage points, so "
                                  "this change can only be relative: use a relative_change_pct "
                                  "indicator, not change_unspecified")
    if measure == "duration" and period and indicator["unit"] in _DURATION_DAYS:
        length = ((period[1] - period[0]).days + 1) / _DURATION_DAYS[indicator["unit"]]
        if float(value) > length * 1.01:
            problem("value", f"a duration of {row['value']} {indicator['unit']} does not fit in "
                             f"its period {row['period_start']}/{row['period_end']} ({length:.2f} "
                             f"{indicator['unit']}): the term of a campaign is a "
                             "campaign_attribute exclusion, not an observation")

    if cited:
        _check_printed(row, measure, value, high, problem)
        return
    if key not in data.quote_starts:
        return  # the quote is not in the body: reported above
    if row["qualifier"] and (high is not None or row["qualifier"] != "range"):
        # the quote's numbers, from its report's where the quote reads alone as it does there
        known = None if found_at is None else mentions_within(body, report.numbers(), found_at,
                                                              found_at + len(quote), report.number_starts())
        derivable = derivable_values(quote, measure, known)
        if (value, row["qualifier"], high) not in derivable:
            stated = row["value"] + (f"–{row['value_high']}" if high is not None else "")
            problem("value", f"{stated} ({row['qualifier']}) cannot be re-derived from "
                             f"the quote {quote!r}: {_describe(derivable)}")
    if period:
        labels = frozenset(x.strip() for x in row["label_numbers"].split(";") if x.strip())
        data.quoted[key] = QuotedObservation(key, data.quote_starts[key], quote, measure, value,
                                             row["qualifier"], period, base, labels, high)


def _check_printed(row: Row, measure: str, value: Decimal, high: Decimal | None, problem) -> None:
    """A cited row's value, qualifier and range are what its number as printed says, with the
    sign of the direction word printed before it; the cell holds nothing but the number."""
    number, direction = row["number_as_printed"], row["direction_as_printed"]
    try:
        derived = derive_printed(number, direction, measure)
    except NumberParseError as exc:
        field_ = "direction_as_printed" if str(exc).startswith("not a direction") else "number_as_printed"
        problem(field_, f"{exc}: number_as_printed holds only the number with its qualifier and "
                        "multiplier characters (5.2万余, 22.37%, 近三成, 两三百); a direction word goes "
                        "in direction_as_printed; no other words of the page")
        return
    if measure in CHANGE_MEASURES and value != 0 and not direction:
        problem("direction_as_printed", "a change needs the direction word printed before its number "
                                        "(下降, 上升, 增长 …), which gives its sign")
        return
    if row["qualifier"] and derived != (value, row["qualifier"], high):
        stated = row["value"] + (f"–{row['value_high']}" if high is not None else "")
        problem("value", f"{stated} ({row['qualifier']}) is not what {direction + number!r} says: "
                         f"{_describe({derived})}")


def _stated_high(row: Row, value: Decimal, problem) -> Decimal | None:
    """The upper end of a stated range: required with the qualifier range, refused without it."""
    if row["qualifier"] != "range":
        if row["value_high"]:
            problem("value_high", f"only a stated range (qualifier range) has a value_high, not "
                                  f"a {row['qualifier']} value")
        return None
    if not _NUMBER.match(row["value_high"]):
        problem("value_high", "a stated range (qualifier range) needs its upper end in value_high"
                if not row["value_high"] else f"{row['value_high']!r} is not a number")
        return None
    high = Decimal(row["value_high"])
    if high <= value:
        problem("value_high", f"the upper end {row['value_high']} of a range must exceed its lower "
                              f"end {row['value']}")
    return high


def _period_of(row: Row, start: str, end: str) -> tuple[dt.date, dt.date] | None:
    if not row[start] or not row[end]:
        return None  # not given (most base periods): parse_period's error for "" is not cached
    try:
        return parse_period(row[start])[0], parse_period(row[end])[1]
    except PeriodError:
        return None  # reported by _check_periods, or no period given


def _check_period_basis(row: Row, period: tuple[dt.date, dt.date], source: Row, measure: str,
                        problem) -> None:
    """A period never runs past the report, and its basis says truthfully where it comes from."""
    limit, why = period_limit(source)
    if limit is not None and period[1] > limit and measure != "target":
        problem("period_end", f"the period ends {period[1]}, but {why}: cap it there (only a target "
                              "may look beyond its report)")
    basis = row["period_basis"]
    review = (source["period_start"], source["period_end"])
    if basis == "review_period_assumed" and (row["period_start"], row["period_end"]) != review:
        problem("period_basis", f"review_period_assumed means the report's review period "
                                f"{review[0]}/{review[1]}, not {row['period_start']}/{row['period_end']}")
    if basis == "publication_date":
        day = publication_day(source["date_published"]) if source["date_precision"] in (
            "day", "minute", "second") else None
        if day is None:
            problem("period_basis", "publication_date, but the report prints no publication day: "
                                    "date the figure to the end of the review period "
                                    "(review_period_assumed)")
        elif not row["period_start"] == row["period_end"] == day.isoformat():
            problem("period_basis", f"publication_date means the day {day}, not "
                                    f"{row['period_start']}/{row['period_end']}")


# A number set aside from a cited page is a number, not words: short, and without the punctuation
# that ends or divides a clause.
_SET_ASIDE_MAX_CHARS = 20
_CLAUSE_PUNCTUATION = re.compile(r"[,，。;；!！?？、“”\"]")


def _check_cited_sources(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """One id per source across both tables; no article twice (same outlet, headline and date as
    an archived report or another cited source); set-aside cells hold numbers, not words."""
    archived = {r["source_id"]: r for r in tables["sources"]}
    seen: dict[tuple[str, str, str], str] = {}
    for row in tables["sources"]:
        seen.setdefault((row["publisher"], row["headline"], row["date_published"][:10]), row["source_id"])
    for row in tables["cited_sources"]:
        where = (schema.CITED_SOURCES.path, row.line, row["source_id"])
        if row["source_id"] in archived:
            problems.append(Problem(*where, "source_id", f"{row['source_id']!r} is already an archived "
                                                         "report's id (sources.csv)"))
        headline, date = row["headline"], row["date_published"][:10]
        if not headline:
            continue  # nothing to tell one article from another by
        for outlet in sorted({row["original_outlet"], row["publisher"]}):
            other = seen.get((outlet, headline, date))
            if other and other != row["source_id"]:
                problems.append(Problem(*where, "headline", f"the same article as {other} (same outlet "
                                                            f"{outlet!r}, headline and date): cite it once, "
                                                            "and list this address in other_urls"))
                break
        for outlet in sorted({row["original_outlet"], row["publisher"]}):
            seen.setdefault((outlet, headline, date), row["source_id"])
        for archived_row in tables["sources"]:
            if archived_row["headline"] == headline and archived_row["date_published"][:10] == date:
                problems.append(Problem(*where, "headline", f"the same article as the archived report "
                                                            f"{archived_row['source_id']}: quote it there"))
    for row in tables["cited_set_aside"]:
        where = (schema.CITED_SET_ASIDE.path, row.line, f"{row['source_id']}, {row['locator']}")
        cell = row["number_as_printed"]
        if len(cell) > _SET_ASIDE_MAX_CHARS or _CLAUSE_PUNCTUATION.search(cell):
            problems.append(Problem(*where, "number_as_printed",
                                    f"{cell[:24]!r}: holds words, not a number as printed (at most "
                                    f"{_SET_ASIDE_MAX_CHARS} characters, no clause punctuation)"))
        if row["reason"] == "other" and not row["note"]:
            problems.append(Problem(*where, "note", "a number set aside for 'other' needs a note"))


def _check_reference_rates(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """A reference rate is given as printed and converted once: per_100k must follow from value
    and unit; it applies to a zero claim."""
    indicators = {r["indicator_code"]: r for r in tables["indicators"]}
    per = {"cases per 100000 people": Decimal(1), "cases per 1000000 people": Decimal("0.1")}
    for row in tables["reference_rates"]:
        where = (schema.REFERENCE_RATES.path, row.line, f"{row['indicator_code']}, {row['year']}")
        if not (_NUMBER.match(row["value"]) and _NUMBER.match(row["per_100k"])) or row["unit_as_printed"] not in per:
            continue  # reported by the field checks
        if Decimal(row["value"]) * per[row["unit_as_printed"]] != Decimal(row["per_100k"]):
            problems.append(Problem(*where, "per_100k", f"{row['value']} {row['unit_as_printed']} is "
                                    f"{plain_number(Decimal(row['value']) * per[row['unit_as_printed']])} "
                                    f"per 100,000, not {row['per_100k']}"))
        indicator = indicators.get(row["indicator_code"])
        if indicator and indicator["measure"] != "zero_claim":
            problems.append(Problem(*where, "indicator_code", f"a reference rate checks a zero claim; "
                                    f"{row['indicator_code']} is a {indicator['measure']}"))


# Units whose stocks are institutions: each such stock_count indicator must state its tier.
INSTITUTION_UNITS = ("organisations", "platforms")


def _check_stock_tiers(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """A tier is recorded for stocks only: every stock_count indicator counting organisations or
    platforms has a row (empty obs_id); an observation's own row names an observation of its
    indicator."""
    indicators = {r["indicator_code"]: r for r in tables["indicators"]}
    observations = {r["obs_id"]: r for r in tables["observations"] + tables["cited_observations"]}
    stated = set()
    for row in tables["stock_tiers"]:
        where = (schema.STOCK_TIERS.path, row.line, f"{row['indicator_code']} {row['obs_id']}".strip())
        indicator = indicators.get(row["indicator_code"])
        if indicator and indicator["measure"] != "stock_count":
            problems.append(Problem(*where, "indicator_code", f"a tier is recorded for stocks only; "
                                    f"{row['indicator_code']} is a {indicator['measure']}"))
        if not row["obs_id"]:
            stated.add(row["indicator_code"])
        elif row["obs_id"] not in observations:
            problems.append(Problem(*where, "obs_id", f"no observation {row['obs_id']}"))
        elif observations[row["obs_id"]]["indicator_code"] != row["indicator_code"]:
            problems.append(Problem(*where, "obs_id", f"{row['obs_id']} is an observation of "
                                    f"{observations[row['obs_id']]['indicator_code']}"))
    for row in tables["indicators"]:
        if (row["measure"] == "stock_count" and row["unit"] in INSTITUTION_UNITS
                and row["indicator_code"] not in stated):
            problems.append(Problem(schema.INDICATORS.path, row.line, row["indicator_code"], "measure",
                                    "a stock of institutions with no tier in stock_tiers.csv (the "
                                    "tier of what is counted, and what it scales with)"))


def _check_leads(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """Every lead is decided: curated into the cited source that names it, or set aside with a
    reason; a reprint of an archived report is set aside as one."""
    decisions = {r["lead_id"]: r for r in tables["lead_decisions"]}
    cited = {r["source_id"]: r for r in tables["cited_sources"]}
    for lead in tables["leads"]:
        if lead["lead_id"] not in decisions:
            problems.append(Problem(schema.LEADS.path, lead.line, lead["lead_id"], "lead_id",
                                    "no decision in lead_decisions.csv (curated or set_aside)"))
    leads = {r["lead_id"]: r for r in tables["leads"]}
    for row in tables["lead_decisions"]:
        where = (schema.LEAD_DECISIONS.path, row.line, row["lead_id"])
        if row["decision"] == "curated":
            source = cited.get(row["source_id"])
            if source is None:
                problems.append(Problem(*where, "source_id", f"a curated lead names its cited source; "
                                                             f"{row['source_id']!r} is not one"))
            elif source["lead_id"] != row["lead_id"]:
                problems.append(Problem(*where, "source_id", f"{row['source_id']} names the lead "
                                                             f"{source['lead_id']!r}, not this one"))
            if row["reason"]:
                problems.append(Problem(*where, "reason", "a curated lead has no set-aside reason"))
        elif row["decision"] == "set_aside":
            if not row["reason"]:
                problems.append(Problem(*where, "reason", "a lead set aside needs a reason"))
            if row["source_id"]:
                problems.append(Problem(*where, "source_id", "a lead set aside has no source"))
        lead = leads.get(row["lead_id"])
        if lead and lead["same_article_as"] and row["reason"] != "reprint":
            problems.append(Problem(*where, "reason", f"the lead reprints an archived report "
                                                      f"({lead['same_article_as']}): set it aside as a reprint"))
    for source in tables["cited_sources"]:
        if source["lead_id"] and source["lead_id"] not in leads:
            problems.append(Problem(schema.CITED_SOURCES.path, source.line, source["source_id"],
                                    "lead_id", f"unknown lead {source['lead_id']!r} (leads.csv)"))


def _check_audit(data: RawData, problems: list[Problem]) -> None:
    """Every number mention in every body is curated or excluded; every exclusion matters."""
    path = schema.EXCLUSIONS.path
    sources = {r["source_id"]: r for r in data.tables["sources"]}
    by_source: dict[str, list[tuple[int, int, str, str]]] = {}
    placed: list[tuple[Row, str, list[tuple[int, int]]]] = []
    for row in data.tables.get("exclusions", []):
        key = f"{row['source_id']}, {row['context']}"
        if row["reason"] == "other" and not row["note"]:
            problems.append(Problem(path, row.line, key, "note", "an exclusion for 'other' needs a note"))
        report = data.reports.get(row["source_id"])
        if report is None or not row["context"] or not row["mention"]:
            continue
        spans = exclusion_spans(report.body, report.body_start, row["mention"], row["context"])
        if isinstance(spans, str):
            problems.append(Problem(path, row.line, key, "context", spans))
            continue
        by_source.setdefault(row["source_id"], []).extend(
            (a, b, row["reason"], row["context"]) for a, b in spans)
        placed.append((row, row["source_id"], spans))
    quoted: dict[str, list[QuotedObservation]] = {}
    lines = {r["obs_id"]: r.line for r in data.tables.get("observations", [])}
    for obs_id, obs in data.quoted.items():
        quoted.setdefault(obs_id.rpartition("-")[0], []).append(obs)
    mentions_by_source = {}
    for sid, report in data.reports.items():
        mentions = extract_mentions(report.text, report.body_start, report.body_end, report.numbers())
        mentions_by_source[sid] = mentions
        decisions = decide(mentions, quoted.get(sid, []), by_source.get(sid, []))
        data.decisions[sid] = decisions
        where = f"{REPORTS_DIR}/{sources[sid]['file']}"
        for d in decisions:
            if d.status != "undecided":
                continue
            if d.inside:
                problems.append(Problem(
                    where, 0, sid, "",
                    f"number {d.mention.text!r} at offset {d.mention.start} lies in the quote of "
                    f"{d.inside} but is not its value, period or base period, nor one of its "
                    f"label_numbers: …{d.mention.context}… (give it an observation of its own, "
                    "declare it in label_numbers if it is part of what is counted, or add a row to "
                    "exclusions.csv)"))
            else:
                problems.append(Problem(
                    where, 0, sid, "",
                    f"number {d.mention.text!r} at offset {d.mention.start} is neither curated nor "
                    f"excluded: …{d.mention.context}… (add an observation whose quote contains it, "
                    f"or a row to exclusions.csv)"))
        starts = [m.start for m in mentions]  # sorted: extract_mentions returns them in order
        for obs in quoted.get(sid, []):
            inside = {m.text for m in mentions[bisect_left(starts, obs.start):bisect_left(starts, obs.end)]
                      if m.end <= obs.end}
            for label in sorted(obs.label_numbers - inside):
                problems.append(Problem(schema.OBSERVATIONS.path, lines[obs.obs_id], obs.obs_id,
                                        "label_numbers",
                                        f"{label!r} is not a number mention inside the quote "
                                        f"(mentions there: {', '.join(sorted(inside)) or 'none'})"))
    # the decisions of the reports an exclusion is placed in (not of every report)
    decided = {(sid, d.mention.start): d for sid in {sid for _, sid, _ in placed}
               for d in data.decisions.get(sid, [])}
    for row, sid, spans in placed:
        key = f"{sid}, {row['context']}"
        inside = [decided[(sid, m.start)] for m in mentions_by_source.get(sid, [])
                  for start, end in spans if start <= m.start and m.end <= end]
        if not inside:
            problems.append(Problem(path, row.line, key, "mention",
                                    f"{row['mention']!r} contains no number mention: the exclusion "
                                    "matches nothing (remove it, or fix mention and context)"))
        elif all(d.status == "curated" for d in inside):
            problems.append(Problem(path, row.line, key, "mention",
                                    f"every number it covers is curated (by "
                                    f"{', '.join(sorted({d.by for d in inside}))}): remove the exclusion"))
        elif row["reason"] == "review_period":
            _check_review_period(row, key, sources[sid], [d.mention for d in inside], problems)


def _check_review_period(row: Row, key: str, source: Row, mentions, problems: list[Problem]) -> None:
    """A review_period exclusion states the length of the period sources.csv gives the report."""
    try:
        review = parse_period(source["period_start"])[0], parse_period(source["period_end"])[1]
    except PeriodError:
        return
    years = period_length_years(review)
    for m in mentions:
        if m.value and abs(float(m.value) - years) > 0.1:
            problems.append(Problem(schema.EXCLUSIONS.path, row.line, key, "reason",
                                    f"review_period: {m.text!r} ({m.value} years) is not the length of "
                                    f"the review period {source['period_start']}/"
                                    f"{source['period_end']} in sources.csv ({years:.2f} years)"))


_OBS_ID = re.compile(r"\b[a-z][a-z0-9_]*-\d{3,}\b")
_SHORT_OBS_REFERENCE = re.compile(r"\bobs\.? ?-?\d{2,}")


def _check_note_references(data: RawData, problems: list[Problem]) -> None:
    """Notes name observations by their full obs_id, and only ones that exist: a note pointing at
    a removed row misleads whoever reads it next."""
    known = {r["obs_id"] for name in ("observations", "cited_observations")
             for r in data.tables.get(name, [])}
    for table, column in ((schema.OBSERVATIONS, "curator_note"), (schema.CITED_OBSERVATIONS, "curator_note"),
                          (schema.EXCLUSIONS, "note")):
        for row in data.tables.get(table.name, []):
            note = row[column]
            for ref in _OBS_ID.findall(note):
                if ref not in known:
                    problems.append(Problem(table.path, row.line, _key(table, row), column,
                                            f"names {ref}, which is not an observation"))
            if _SHORT_OBS_REFERENCE.search(note):
                problems.append(Problem(table.path, row.line, _key(table, row), column,
                                        f"write the full obs_id, not "
                                        f"{_SHORT_OBS_REFERENCE.search(note).group(0)!r}"))


def _check_expected_counts(data: RawData, problems: list[Problem]) -> None:
    """The reviewed counts of every source: observations, number mentions (for a cited source,
    the numbers read: curated or set aside), those set aside, and those in a valid comparison."""
    path = schema.EXPECTED_COUNTS.path
    expected = {r["source_id"]: r for r in data.tables.get("expected_counts", [])}
    observations = Counter(r["source_id"] for name in ("observations", "cited_observations")
                           for r in data.tables[name])
    compared = Counter(obs_id.rpartition("-")[0] for obs_id in data.compared_observations)
    actual_by_source = {}
    for sid, decisions in data.decisions.items():
        actual_by_source[sid] = {"observations": observations[sid], "mentions": len(decisions),
                                 "excluded": sum(d.status == "excluded" for d in decisions),
                                 "compared": compared[sid]}
    set_aside = Counter(r["source_id"] for r in data.tables["cited_set_aside"])
    for row in data.tables["cited_sources"]:
        sid = row["source_id"]
        actual_by_source[sid] = {"observations": observations[sid],
                                 "mentions": observations[sid] + set_aside[sid],
                                 "excluded": set_aside[sid], "compared": compared[sid]}
    for sid, row in expected.items():
        if sid not in actual_by_source:
            problems.append(Problem(path, row.line, sid, "source_id",
                                    f"unknown source {sid!r} (neither sources.csv nor cited_sources.csv)"))
    for sid, actual in sorted(actual_by_source.items()):
        row = expected.get(sid)
        if row is None:
            problems.append(Problem(path, 0, sid, "source_id",
                                    f"no expected counts for {sid}: add the row "
                                    + ",".join(str(v) for v in (sid, *actual.values()))))
            continue
        for name, value in actual.items():
            if row[name].isdigit() and int(row[name]) != value:
                problems.append(Problem(path, row.line, sid, name,
                                        f"expected {row[name]}, found {value}: if the change is "
                                        "intended, update expected_counts.csv in the same commit"))


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector for the block (reference counting still frees
    memory), then restore it as it was. Validation and the build make hundreds of thousands of
    small objects, none cyclic: the collector would walk them all again and again (validating the
    100,000-row benchmark: 13.3 s with it on, 11.9 s off; building its files: 17.6 s on, 12.3 s off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# From how many observation rows load_raw works in two processes. Below it, the worker's start (a
# fresh interpreter importing this package and scipy: about a second) costs about what it takes off
# this process: at 10,000 rows (benchmarks/bench_build.py, 100 reports) validate + build took
# 2.6-4.2 s wall in two processes against 2.9-3.2 s in one, on a loaded 2-core machine; the real
# data's few hundred rows would only wait for the worker.
PARALLEL_MIN_OBSERVATIONS = 20_000


def load_raw(raw_dir: Path | str, jobs: int | None = None) -> RawData:
    """Read and check every raw table and report; raise :class:`ValidationFailed` on any problem.

    ``jobs``: how many processes may work at once (default ``os.cpu_count()``). With two or more
    and at least :data:`PARALLEL_MIN_OBSERVATIONS` observation rows, a worker process (spawned: a
    fresh interpreter, nothing inherited) parses the tables from the bytes read here, checks their
    fields and keys, makes the comparisons and writes their processed files and the processed
    observations (:attr:`RawData.prebuilt_files`), while this process checks the reports, the
    quotes and the audit. The problems and the files are the same as with ``jobs=1`` (problems
    are reported sorted, whichever process found them); should the worker fail, this process does
    its work. The prebuilt files stand for the data as loaded: build from data changed after
    loading with ``jobs=1``. Raises ValueError for ``jobs`` < 1."""
    if jobs is None:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    with cyclic_gc_paused():
        return _load_raw(raw_dir, jobs)


def _check_tables(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """Each table's fields and primary key, and the foreign keys between tables."""
    for table in schema.RAW_TABLES:
        _check_fields(table, tables[table.name], problems)
        _check_primary_key(table, tables[table.name], problems)
    _check_foreign_keys(tables, problems)


def _make_comparisons(tables: dict[str, list[Row]]) -> Comparisons:
    populations = {code: {"population": r["population"], "basis": r["basis"]}
                   for code, r in census_denominators(tables["census_2020"]).items()}
    return build_comparisons(tables, populations)


def _worker(conn, quote_starts_conn, contents: dict[str, bytes | None]) -> None:
    """The worker process of :func:`load_raw`: parses the tables from ``contents`` (table name →
    the bytes this process read) and sends the problems of :func:`_check_tables`; then, once it
    has made the comparisons and their processed files, and, given where each quote stands
    (received on ``quote_starts_conn``), the processed observations file, sends them together as
    (compared obs_ids, files by path), or None where the (then invalid) tables cannot be compared.
    What it makes is sent at the end, in one message: a send waits until this process reads it,
    and this process reads only once it has checked the reports."""
    from .processed import comparison_files, csv_bytes, observation_rows  # processed imports this module

    with cyclic_gc_paused():
        tables = {t.name: _parse_table(t, contents[t.name], []) for t in schema.RAW_TABLES}
        del contents
        problems: list[Problem] = []
        _check_tables(tables, problems)
        conn.send(problems)
        try:
            comparisons = _make_comparisons(tables)
            files = comparison_files(comparisons)
        except Exception:  # invalid data: validation reports why (valid data is compared again there)
            conn.send(None)
            return
        compared = comparisons.compared_observations
        del comparisons  # written: its rows are freed before the observations' are made
        quote_starts = quote_starts_conn.recv()
        try:
            rows = observation_rows(tables, quote_starts)
        except Exception:  # invalid data, as above
            pass
        else:
            files[schema.PROCESSED_OBSERVATIONS.path] = csv_bytes(schema.PROCESSED_OBSERVATIONS, rows)
        conn.send((compared, files))
    conn.close()


class _Worker:
    """The worker process of :func:`load_raw`, and what it sends; None for anything it could not
    send (it died, or raised), which this process then does itself."""

    def __init__(self, contents: dict[str, bytes | None]):
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe(duplex=False)
        child_in, self._quote_starts_conn = context.Pipe(duplex=False)
        self._process = context.Process(target=_worker, args=(child, child_in, contents), daemon=True)
        self._process.start()
        child.close()
        child_in.close()
        self._sender: threading.Thread | None = None

    def send_quote_starts(self, quote_starts: dict[str, int]) -> None:
        """Send without waiting: the worker reads them once it has made the comparisons."""
        def send() -> None:
            try:
                self._quote_starts_conn.send(quote_starts)
            except OSError:
                pass  # the worker ended (stopped, or died): what it would have sent is made here
        self._sender = threading.Thread(target=send, daemon=True)
        self._sender.start()

    def receive(self):
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            return None

    def stop(self) -> None:
        self._process.terminate()  # a no-op once it has finished
        self._process.join()
        if self._sender is not None:
            self._sender.join()
        self._conn.close()
        self._quote_starts_conn.close()


def _load_raw(raw_dir: Path | str, jobs: int) -> RawData:
    root = Path(raw_dir)
    problems: list[Problem] = []
    if not root.is_dir():
        raise ValidationFailed([Problem(str(root), message="raw data directory does not exist")])
    contents = {t.name: (root / t.path).read_bytes() if (root / t.path).is_file() else None
                for t in schema.RAW_TABLES}
    observations = contents[schema.OBSERVATIONS.name]
    worker = (_Worker(contents) if jobs > 1 and observations is not None
              and observations.count(b"\n") >= PARALLEL_MIN_OBSERVATIONS else None)
    try:
        return _load_checked(root, contents, worker, problems)
    finally:
        if worker is not None:
            worker.stop()


def _load_checked(root: Path, contents: dict[str, bytes | None], worker: _Worker | None,
                  problems: list[Problem]) -> RawData:
    tables = {t.name: _parse_table(t, contents[t.name], problems) for t in schema.RAW_TABLES}
    del contents
    if worker is None:
        _check_tables(tables, problems)
    _check_regions(tables["regions"], problems)
    _check_census(tables, problems)
    _check_concepts(tables, problems)
    _check_indicators(tables, problems)
    _check_lexicon(tables["lexicon"], problems)
    for table in (schema.SOURCES, schema.CITED_SOURCES):
        for row in tables[table.name]:
            _check_periods(table, row, "period_start", "period_end", problems)
            review_end = _period_of(row, "period_start", "period_end")
            day = publication_day(row["date_published"]) if row["date_published"] else None
            if review_end and day and review_end[1] > day:
                problems.append(Problem(table.path, row.line, row["source_id"], "period_end",
                                        f"the review period ends {review_end[1]}, after the report was "
                                        f"published ({row['date_published'][:10]})"))
    _check_cited_sources(tables, problems)
    _check_leads(tables, problems)
    _check_reference_rates(tables, problems)
    _check_stock_tiers(tables, problems)
    data = RawData(root, tables)
    data.reports = _load_reports(root, tables["sources"], problems)
    _check_observations(data, problems)
    if worker is not None:
        worker.send_quote_starts(data.quote_starts)
    _check_audit(data, problems)
    _check_note_references(data, problems)
    if worker is not None:
        found = worker.receive()
        if found is None:
            worker = None
            _check_tables(tables, problems)
        else:
            problems.extend(found)
    if problems:
        raise ValidationFailed(problems)
    # Comparisons are derived from valid data only; their count per report is a reviewed figure.
    made = None if worker is None else worker.receive()
    if made is None:
        data.comparisons = _make_comparisons(tables)
    else:
        data._compared_observations, files = made
        data._prebuilt_files.update(files)
    _check_expected_counts(data, problems)
    if problems:
        raise ValidationFailed(problems)
    return data


__all__ = ["Problem", "RawData", "Report", "Row", "ValidationFailed", "cyclic_gc_paused", "load_raw"]
