"""Curator's tools: add a report (archive it, describe it, pre-fill candidates) and see what a
change did to the dataset (``diff``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import schema
from .suggest import Suggester, read_counters
from ..config import PROJ_ROOT
from ..spreadsheet import line_break
from .periods import PeriodError, parse_period
from .text import (TextDecodingError, decode_marker, decode_utf8, detect_script, encode_marker,
                   normalize, normalize_fragment)

CANDIDATES_DIR = PROJ_ROOT / "build" / "candidates"
# Columns of a candidate sheet after those of observations.csv (deleted when a row is accepted).
SHEET_EXTRA_COLUMNS = ["mention", "kind", "counter", "suggested_exclusion", "quote_occurrences"]


class AddSourceError(ValueError):
    pass


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _append_row(path: Path, header: list[str], row: dict[str, str]) -> None:
    text = path.read_text(encoding="utf-8-sig")
    buffer = io.StringIO()
    csv.DictWriter(buffer, header, lineterminator="\n").writerow(row)
    path.write_text(text + ("" if text.endswith("\n") else "\n") + buffer.getvalue(), encoding="utf-8")


# Clause and sentence boundaries in normalized text (NFKC has made ，；！？ half-width).
_CLAUSE_END = re.compile(r"[,。;!?\n,;]")
_SENTENCE_END = re.compile(r"[。!?\n]")


def _unique_clause(body: str, start: int, end: int,
                   repeated: Sequence[tuple[int, int]] = ()) -> tuple[str, int]:
    """The quote for the mention at [start, end) of ``body``, and how often it occurs in the body.

    The clause around the mention (between punctuation marks), widened a whole clause at a time
    (never mid-word) until it occurs once in the body, never beyond its sentence (and the full
    stop that ends it), and not at all
    inside ``repeated`` spans of the body (a paragraph and its repeat: widening there would only
    reach the words that happen to differ, often a whole paragraph away). When no such quote is
    unique, the clause itself is returned with its count (more than 1): the curator must choose
    the words that tell the occurrences apart, or start the body after the repeat.
    """
    lo = max((m.end() for m in _CLAUSE_END.finditer(body, 0, start)), default=0)
    hi_match = _CLAUSE_END.search(body, end)
    hi = hi_match.start() if hi_match else len(body)
    clause = body[lo:hi]
    if any(a <= lo and hi <= b for a, b in repeated):
        return clause, body.count(clause)
    sentence_lo = max((m.end() for m in _SENTENCE_END.finditer(body, 0, start)), default=0)
    sentence_end = _SENTENCE_END.search(body, end)
    sentence_hi = sentence_end.start() if sentence_end else len(body)
    # Last of all, the full stop that ends the sentence: 全县化解纠纷12起,成效明显。 is unique
    # where 全县化解纠纷12起,成效明显,群众满意 follows.
    full_stop = sentence_hi + 1 if sentence_hi < len(body) and body[sentence_hi] in "。!?" else sentence_hi
    while body.count(body[lo:hi]) > 1 and (lo > sentence_lo or hi < full_stop):
        if hi < sentence_hi:  # the next clause first: it usually says what was counted
            following = _CLAUSE_END.search(body, hi + 1, sentence_hi)
            hi = following.start() if following else sentence_hi
        elif lo > sentence_lo:
            lo = max((m.end() for m in _CLAUSE_END.finditer(body, sentence_lo, lo - 1)),
                     default=sentence_lo)
        else:
            hi = full_stop
    if body.count(body[lo:hi]) > 1:
        return clause, body.count(clause)
    return body[lo:hi], 1


# A paragraph shorter than this repeated at the head of a later one is a heading, not a summary.
MIN_REPEATED_PARAGRAPH = 20
# A summary often ends in an ellipsis, or carries a label: 【摘要】, 摘要:, 导读:.
_SUMMARY_LABEL = re.compile(r"^(?:【[^】]{1,6}】|[\u4e00-\u9fff]{1,4}:)")
_ELLIPSIS = re.compile(r"(?:…|\.{3,})+$")


class Repeat(NamedTuple):
    """A paragraph repeated by a later one: 1-based line numbers in the normalized text, whether
    the later line is the same text (or only begins with it), and the offsets of the repeated
    text in each line."""

    earlier: int
    later: int
    whole: bool
    earlier_span: tuple[int, int]
    later_span: tuple[int, int]

    def describe(self) -> str:
        return (f"line {self.later} repeats line {self.earlier}" + ("" if self.whole else " as its beginning")
                + " (a summary repeating the lead paragraph?)")


def repeated_paragraphs(normalized: str) -> list[Repeat]:
    """Paragraphs (lines of the normalized text) whose text, without a summary label or a trailing
    ellipsis and at least ``MIN_REPEATED_PARAGRAPH`` characters long, equals a later line or
    begins it: what a page whose summary repeats its lead paragraph looks like. Each earlier line
    is paired with the first later line that repeats it."""
    lines = normalized.splitlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found = []
    for i, line in enumerate(lines):
        label = _SUMMARY_LABEL.match(line)
        core = _ELLIPSIS.sub("", line[label.end() if label else 0 :])
        if len(core) < MIN_REPEATED_PARAGRAPH:
            continue
        for j in range(i + 1, len(lines)):
            if lines[j].startswith(core):
                core_start = starts[i] + (label.end() if label else 0)
                found.append(Repeat(i + 1, j + 1, lines[j] == core, (core_start, core_start + len(core)),
                                    (starts[j], starts[j] + len(core))))
                break
    return found


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _marker_at(normalized: str, line: int) -> str:
    """The shortest words (at least 8 characters) that begin ``line`` (1-based) and occur once in
    the text; when the whole line occurs twice, words reaching back over the line break before it."""
    lines = normalized.splitlines()
    pos = sum(len(x) + 1 for x in lines[: line - 1])
    for length in range(8, len(lines[line - 1]) + 1):
        if normalized.count(normalized[pos : pos + length]) == 1:
            return normalized[pos : pos + length]
    for back in range(2, pos + 1):  # from the previous line's last character: a marker that
        # began with the line break would lose it to normalization
        if normalized.count(normalized[pos - back : pos + 8]) == 1:
            return normalized[pos - back : pos + 8]
    return ""


@dataclass(frozen=True)
class AddedSource:
    """What add-source did: the candidate sheet, the script used and how it was decided, the
    regions added to regions.csv from the census, and notices for the curator."""

    sheet: Path
    script: str
    script_note: str
    regions_added: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def regions_from_census(region_code: str, regions: list[dict[str, str]], raw: Path,
                        source_id: str) -> list[dict[str, str]]:
    """The regions.csv rows to add so that ``region_code`` is known: the region and any ancestor
    regions.csv lacks, ancestors first, from census_2020.csv's denominator row (name_zh, level,
    parent_code). Empty when regions.csv lists the region already.

    ``name_en`` is left empty for the curator (a romanization is a judgement: 随县 is "Sui County",
    not "Suixian"); the build refuses the row until it is written. ``is_province_administered``
    is true for a county whose parent is a province (天门, 仙桃), as the schema defines it.
    Raises AddSourceError for a code neither file lists, or one the census gives at a level
    regions.csv does not have (a functional zone such as 龙感湖管理区).
    """
    known = {r["region_code"] for r in regions}
    _, census_rows = _read_csv(raw / schema.CENSUS.path)
    census = {r["region_code"]: r for r in census_rows if r["is_denominator"] == "true"}
    levels = next(f for f in schema.REGIONS.fields if f["name"] == "level")["constraints"]["enum"]
    added: list[dict[str, str]] = []
    code = region_code
    while code and code not in known:
        row = census.get(code)
        if row is None:
            raise AddSourceError(f"unknown region {code!r}: neither regions.csv nor {schema.CENSUS.path} "
                                 "lists it; add it to regions.csv first")
        if row["level"] not in levels:
            raise AddSourceError(f"region {code!r} ({row['name_zh']}) is a {row['level']} in "
                                 f"{schema.CENSUS.path}, a level regions.csv does not have "
                                 f"({', '.join(levels)}): add it to regions.csv by hand")
        parent = row["parent_code"]
        added.insert(0, {
            "region_code": code, "name_zh": row["name_zh"], "name_en": "", "level": row["level"],
            "parent_code": parent,
            "is_province_administered": str(row["level"] == "county" and parent.endswith("0000")).lower(),
            "note": f"Added by add-source for {source_id} from {schema.CENSUS.path} (name, level, "
                    "parent); name_en to be written by the curator.",
        })
        code = parent
    return added


def add_source(file: Path, *, source_id: str, headline: str, publisher: str, region_code: str,
               period_start: str, period_end: str, date_published: str = "",
               date_precision: str = "none", original_url: str = "", byline: str = "",
               script: str | None = None, body_start: str = "", body_end: str = "",
               raw_dir: Path | None = None, candidates_dir: Path = CANDIDATES_DIR) -> AddedSource:
    """Archive ``file`` under raw/reports, add its sources row, write a candidate sheet.

    ``script`` ("Simplified" or "Traditional") overrides the script detected from the text
    (:func:`analysis.dataset.text.detect_script`); either way the decision and its counts are
    recorded in the sources row's notes. A region that regions.csv lacks but census_2020.csv has
    is added to regions.csv (see :func:`regions_from_census`).

    Refuses (AddSourceError), writing nothing: a file that is not UTF-8 text, one already
    archived (same checksum), a region neither regions.csv nor the census knows, a source_id
    already used, a period that is not a date, a script neither given nor detectable (mixed, or
    too few telling characters), and a body marker that is not found exactly once after the same
    normalization as the text (markers are normalized too: a full-width comma typed as printed
    finds the half-width one; a marker found twice because a paragraph is repeated names the
    lines and the words that begin the later one), and a line break in any value (headline,
    publisher...). Returns what was done (:class:`AddedSource`),
    with a notice for a repeated paragraph left inside the body.
    """
    raw = Path(raw_dir) if raw_dir else PROJ_ROOT / "data" / "raw"
    file = Path(file)
    if not file.is_file():
        raise AddSourceError(f"{file}: no such file")
    data = file.read_bytes()
    try:
        text = decode_utf8(data, file.name)
    except TextDecodingError as exc:
        raise AddSourceError(f"{file}: not a text file ({exc})") from None
    if "\x00" in text:
        raise AddSourceError(f"{file}: not a text file (it contains NUL bytes)")
    digest = hashlib.sha256(data).hexdigest()
    header, sources = _read_csv(raw / schema.SOURCES.path)
    for row in sources:
        if row["sha256"] == digest:
            raise AddSourceError(f"{file}: already archived as {row['source_id']} ({row['file']})")
        if row["source_id"] == source_id:
            raise AddSourceError(f"source_id {source_id!r} is already used by {row['file']}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", source_id):
        raise AddSourceError(f"source_id {source_id!r}: use lower-case letters, digits and _")
    region_header, regions = _read_csv(raw / schema.REGIONS.path)
    new_regions = regions_from_census(region_code, regions, raw, source_id)
    for name, value in (("period-start", period_start), ("period-end", period_end)):
        try:
            parse_period(value)
        except PeriodError as exc:
            raise AddSourceError(f"--{name}: {exc}") from None
    evidence = detect_script(text)
    if script is None:
        if not evidence.script:
            raise AddSourceError(f"{file}: script {evidence.describe()}: give --script Simplified "
                                 "or --script Traditional")
        script, script_note = evidence.script, f"Script detected: {evidence.describe()}."
    elif script not in ("Simplified", "Traditional"):
        raise AddSourceError(f"--script {script!r}: expected Simplified or Traditional")
    else:
        script_note = f"Script given with --script: {script} (detected: {evidence.describe()})."
    target = raw / "reports" / file.name
    if target.exists():
        raise AddSourceError(f"{target} exists with other content: rename the file")

    normalized = normalize(text, script)
    lines = normalized.splitlines() or [""]
    body_start = _marker(normalized, "body-start", body_start, lines[0][:20], file, script)
    body_end = _marker(normalized, "body-end", body_end, lines[-1][-20:], file, script)
    if normalized.find(body_end) + len(body_end) <= normalized.find(body_start):
        raise AddSourceError(f"--body-end {body_end!r} comes before --body-start {body_start!r} in {file.name}")
    row = {
        "source_id": source_id, "file": file.name, "sha256": digest, "headline": headline,
        "publisher": publisher, "byline": byline, "date_published": date_published,
        "date_precision": date_precision, "original_url": original_url, "region_code": region_code,
        "period_start": period_start, "period_end": period_end, "script": script,
        "body_start": encode_marker(body_start), "body_end": encode_marker(body_end),
        "notes": f"Added with add-source; check body_start and body_end. {script_note}",
    }
    for name, value in row.items():
        found = line_break(value)
        if found:  # validation refuses it in a raw cell: refuse before writing anything
            raise AddSourceError(f"--{name.replace('_', '-')}: line break {found!r} "
                                 f"(U+{ord(found):04X}): a raw cell is one line")
    for region in new_regions:
        _append_row(raw / schema.REGIONS.path, region_header, region)
    shutil.copyfile(file, target)
    _append_row(raw / schema.SOURCES.path, header, row)
    sheet = write_candidates(source_id, normalized, body_start, body_end, region_code,
                             period_start, period_end, raw, candidates_dir)
    first = _line_of(normalized, normalized.find(body_start))
    last = _line_of(normalized, normalized.find(body_end))
    notices = [f"{repeat.describe()}, both inside the body: each figure there is a candidate "
               f"twice and its quote is not unique; to start the body at line {repeat.later}, give "
               f"--body-start '{encode_marker(_marker_at(normalized, repeat.later))}'"
               for repeat in repeated_paragraphs(normalized)
               if first <= repeat.earlier and repeat.later <= last]
    return AddedSource(sheet, script, script_note, new_regions, notices)


def _marker(normalized: str, option: str, given: str, default: str, file: Path, script: str) -> str:
    """The marker as it stands in the normalized text, found exactly once, or a refusal; a marker
    found in a paragraph and in its repeat says which lines repeat and, for the body start,
    the words that begin the later line (where the body starts)."""
    marker = normalize_fragment(decode_marker(given), script) if given else default
    count = normalized.count(marker) if marker else 0
    if count != 1:
        if given:
            shown = repr(given) + (f" (normalized: {marker!r})" if marker != given else "")
        else:
            shown = f"(not given; the default {marker!r} is the start or end of the file)"
        why = ""
        if count > 1:
            found_on = {_line_of(normalized, m.start()) for m in re.finditer(re.escape(marker), normalized)}
            repeats = [r for r in repeated_paragraphs(normalized)
                       if r.earlier in found_on and r.later in found_on]
            if repeats:
                why = f" ({repeats[0].describe()}"
                if option == "body-start":
                    why += (f"; the body starts at line {repeats[0].later}: --body-start "
                            f"'{encode_marker(_marker_at(normalized, repeats[0].later))}' occurs once")
                why += ")"
        raise AddSourceError(f"--{option} {shown} occurs {count} times in the normalized text of "
                             f"{file.name}; give words that occur exactly once{why}")
    return marker


def write_candidates(source_id: str, normalized: str, body_start: str, body_end: str,
                     region_code: str, period_start: str, period_end: str, raw: Path,
                     candidates_dir: Path) -> Path:
    """One row per number mention in the body, and per zero claim written in words (未发生命案): a
    pre-filled observation to complete, accept or move to exclusions.csv.

    The value is signed for a change (下降12.5% → -12.5); ``indicator_code`` is suggested from the
    codebook, the measure words of counters.csv and the observations already curated, or
    ``suggested_exclusion`` gives a likely reason, or both are empty when the words do not say
    enough (see :mod:`analysis.dataset.suggest`). ``counter`` is the measure word after the number.
    ``quote_occurrences`` is how often the quote occurs in the body (more than 1: not yet a
    valid quote). Returns the path of ``<candidates_dir>/<source_id>.csv``.
    """
    _, indicators = _read_csv(raw / schema.INDICATORS.path)
    _, observations = _read_csv(raw / schema.OBSERVATIONS.path)
    suggester = Suggester(indicators, read_counters(raw / schema.COUNTERS.path), observations)
    units = {r["indicator_code"]: r["unit"] for r in indicators}
    lo = normalized.find(body_start)
    hi = normalized.find(body_end) + len(body_end)
    body = normalized[lo:hi]
    repeated = [(max(a, lo) - lo, min(b, hi) - lo) for repeat in repeated_paragraphs(normalized)
                for a, b in (repeat.earlier_span, repeat.later_span) if a < hi and b > lo]
    rows = []
    for n, m in enumerate(suggester.rows(normalized, lo, hi), start=1):
        clause, occurrences = _unique_clause(body, m.start - lo, m.end - lo, repeated)
        rows.append({
            "obs_id": f"{source_id}-{n:03d}", "source_id": source_id, "region_code": region_code,
            "indicator_code": m.indicator_code, "period_start": period_start, "period_end": period_end,
            # The review period, until the curator finds the figure's own period in the text.
            "period_basis": "review_period_assumed",
            "value": m.value, "value_high": m.value_high, "unit": units.get(m.indicator_code, ""),
            "qualifier": m.qualifier,
            "scope": "region_total", "base_period_start": "", "base_period_end": "", "quote": clause,
            "label_numbers": "", "curator_note": "", "mention": m.text, "kind": m.kind,
            "counter": m.counter, "suggested_exclusion": m.suggested_exclusion,
            "quote_occurrences": occurrences,
        })
    candidates_dir.mkdir(parents=True, exist_ok=True)
    path = candidates_dir / f"{source_id}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, schema.OBSERVATIONS.field_names + SHEET_EXTRA_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- diff ---------------------------------------------------------------------------------------

def _table_at(rev: str, path: str, repo: Path) -> list[dict[str, str]]:
    shown = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True)
    if shown.returncode != 0:
        message = shown.stderr.decode("utf-8", "replace").strip()
        if "exists on disk, but not in" in message or "does not exist in" in message:
            return []
        raise ValueError(f"git show {rev}:{path}: {message.splitlines()[0] if message else 'failed'}")
    return list(csv.DictReader(io.StringIO(shown.stdout.decode("utf-8-sig"))))


def diff(rev: str, raw_dir: Path | None = None, repo: Path = PROJ_ROOT) -> list[str]:
    """Observations added, removed and changed (field by field) between ``rev`` and the tree,
    and changes of the expected counts and exclusions. ``raw_dir`` lies inside ``repo``."""
    raw = Path(raw_dir) if raw_dir else Path(repo) / "data" / "raw"
    known = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=repo,
                           capture_output=True)
    if known.returncode != 0:
        raise ValueError(f"{rev!r} is not a revision of {repo} (give a commit, a branch, HEAD or HEAD~1)")
    out = []
    for table, key in ((schema.OBSERVATIONS, "obs_id"), (schema.EXPECTED_COUNTS, "source_id"),
                       (schema.EXCLUSIONS, None)):
        rel = (raw / table.path).resolve().relative_to(Path(repo).resolve()).as_posix()
        before = _table_at(rev, rel, repo)
        _, after = _read_csv(raw / table.path) if (raw / table.path).exists() else ([], [])
        if key is None:  # exclusions: keyed by source and context
            ident = lambda r: f"{r['source_id']} {r['context']}"  # noqa: E731
        else:
            ident = lambda r, k=key: r[k]  # noqa: E731
        old, new = {ident(r): r for r in before}, {ident(r): r for r in after}
        for k in sorted(set(new) - set(old)):
            out.append(f"+ {table.name} {k}: " + _short(new[k]))
        for k in sorted(set(old) - set(new)):
            out.append(f"- {table.name} {k}: " + _short(old[k]))
        for k in sorted(set(old) & set(new)):
            changes = [f"{f}: {old[k].get(f, '')!r} → {new[k].get(f, '')!r}"
                       for f in table.field_names if old[k].get(f, "") != new[k].get(f, "")]
            if changes:
                out.append(f"~ {table.name} {k}: " + "; ".join(changes))
    return out


def _short(row: dict[str, str]) -> str:
    keys = ("indicator_code", "value", "qualifier", "quote", "observations", "mentions", "reason",
            "mention")
    return ", ".join(f"{k}={row[k]}" for k in keys if k in row and row[k])


# --- cited sources: no file, the page's address and the numbers as printed ------------------------

def _refusals_for(raw: Path, table: schema.Table, row: dict[str, str], key: str) -> list[str]:
    """The build's problems with ``row`` once appended to ``table`` (checked on a copy of
    ``raw``, which is left untouched): those that name the row's file and key."""
    import tempfile
    from .validate import ValidationFailed, load_raw

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "raw"
        shutil.copytree(raw, copy)
        header, _ = _read_csv(copy / table.path)
        _append_row(copy / table.path, header, row)
        try:
            load_raw(copy)
        except ValidationFailed as failed:
            return [str(p) for p in failed.problems if p.file == table.path and p.key == key]
    return []


def _checked_append(raw: Path, table: schema.Table, row: dict[str, str], key: str) -> None:
    for name, value in row.items():
        found = line_break(value)
        if found:
            raise AddSourceError(f"--{name.replace('_', '-')}: line break {found!r} (U+{ord(found):04X}): "
                                 "a raw cell is one line")
    header, _ = _read_csv(raw / table.path)
    unknown = set(row) - set(header)
    if unknown:
        raise AddSourceError(f"{table.path} has no column {sorted(unknown)[0]!r}")
    problems = _refusals_for(raw, table, row, key)
    if problems:
        raise AddSourceError("; ".join(problems))
    _append_row(raw / table.path, header, row)


def add_cited_source(*, source_id: str, url: str, publisher: str, region_code: str,
                     period_start: str, period_end: str, source_kind: str, what_was_read: str,
                     original_outlet: str = "", headline: str = "", date_published: str = "",
                     date_precision: str = "none", script: str = "Simplified", other_urls: str = "",
                     lead_id: str = "", notes: str = "", raw_dir: Path | None = None) -> dict[str, str]:
    """Add a cited source (a page whose words cannot be archived) to cited_sources.csv.

    Nothing of the page is stored but what describes it. The row is checked by the build on a copy
    of the raw data first; refuses (AddSourceError, one problem per line, nothing written) a
    source_id already used by an archived or cited source, the same article as one already
    archived or cited (same outlet, headline and date), an unknown region, a period that is not a
    date or ends after the page's date, an unknown lead or source kind, and a line break in any
    value. Returns the row written.
    """
    raw = Path(raw_dir) if raw_dir else PROJ_ROOT / "data" / "raw"
    row = {"source_id": source_id, "lead_id": lead_id, "url": url, "other_urls": other_urls,
           "original_outlet": original_outlet, "publisher": publisher, "headline": headline,
           "date_published": date_published, "date_precision": date_precision,
           "region_code": region_code, "period_start": period_start, "period_end": period_end,
           "script": script, "source_kind": source_kind, "what_was_read": what_was_read, "notes": notes}
    _checked_append(raw, schema.CITED_SOURCES, row, source_id)
    return row


def add_cited_observation(*, source_id: str, indicator_code: str, region_code: str,
                          period_start: str, period_end: str, period_basis: str, value: str,
                          unit: str, qualifier: str, number_as_printed: str, locator: str,
                          scope: str = "region_total", value_high: str = "",
                          base_period_start: str = "", base_period_end: str = "",
                          direction_as_printed: str = "", survey: str = "", curator_note: str = "",
                          raw_dir: Path | None = None) -> dict[str, str]:
    """Add an observation of a cited source to cited_observations.csv, numbered after the
    source's last one (``<source_id>-NNN``).

    Checked by the build on a copy of the raw data first, with the same one-line refusals as any
    row (AddSourceError, nothing written): the number as printed holding more than the number and
    its qualifier, a value, sign, qualifier or range that the number as printed and the direction
    word do not give, an unknown source, indicator, unit or region, a unit not the indicator's, a
    period past the page's date, a change without its base or direction word. Returns the row.
    """
    raw = Path(raw_dir) if raw_dir else PROJ_ROOT / "data" / "raw"
    _, existing = _read_csv(raw / schema.CITED_OBSERVATIONS.path)
    numbers = [int(r["obs_id"].rpartition("-")[2]) for r in existing if r["source_id"] == source_id]
    obs_id = f"{source_id}-{max(numbers, default=0) + 1:03d}"
    row = {"obs_id": obs_id, "source_id": source_id, "region_code": region_code,
           "indicator_code": indicator_code, "period_start": period_start, "period_end": period_end,
           "period_basis": period_basis, "value": value, "value_high": value_high, "unit": unit,
           "qualifier": qualifier, "scope": scope, "base_period_start": base_period_start,
           "base_period_end": base_period_end, "number_as_printed": number_as_printed,
           "direction_as_printed": direction_as_printed, "survey": survey, "locator": locator,
           "curator_note": curator_note}
    _checked_append(raw, schema.CITED_OBSERVATIONS, row, obs_id)
    return row
