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
from pathlib import Path

from . import schema
from .suggest import Suggester, read_counters
from ..config import PROJ_ROOT
from .periods import PeriodError, parse_period
from .text import TextDecodingError, decode_utf8, normalize, normalize_fragment

CANDIDATES_DIR = PROJ_ROOT / "build" / "candidates"
# Columns of a candidate sheet after those of observations.csv (deleted when a row is accepted).
SHEET_EXTRA_COLUMNS = ["mention", "kind", "counter", "suggested_exclusion"]


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


def _unique_clause(body: str, start: int, end: int) -> str:
    """The clause (between punctuation marks) around [start, end), widened until unique."""
    lo = max((m.end() for m in re.finditer(r"[,。;!?\n,;]", body[:start])), default=0)
    hi_match = re.search(r"[,。;!?\n,;]", body[end:])
    hi = end + hi_match.start() if hi_match else len(body)
    while body.count(body[lo:hi]) > 1 and (lo > 0 or hi < len(body)):
        lo, hi = max(0, lo - 1), min(len(body), hi + 1)
    return body[lo:hi]


def add_source(file: Path, *, source_id: str, headline: str, publisher: str, region_code: str,
               period_start: str, period_end: str, date_published: str = "",
               date_precision: str = "none", original_url: str = "", byline: str = "",
               script: str = "Simplified", body_start: str = "", body_end: str = "",
               raw_dir: Path | None = None, candidates_dir: Path = CANDIDATES_DIR) -> Path:
    """Archive ``file`` under raw/reports, add its sources row, write a candidate sheet.

    Refuses, writing nothing: a file that is not UTF-8 text, one already archived (same
    checksum), an unknown region, a source_id already used, a period that is not a date, and a
    body marker that is not found exactly once after the same normalization as the text (markers
    are normalized too: a full-width comma typed as printed finds the half-width one). Returns
    the path of the candidate sheet.
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
    _, regions = _read_csv(raw / schema.REGIONS.path)
    if region_code not in {r["region_code"] for r in regions}:
        raise AddSourceError(f"unknown region {region_code!r}: add it to regions.csv first")
    for name, value in (("period-start", period_start), ("period-end", period_end)):
        try:
            parse_period(value)
        except PeriodError as exc:
            raise AddSourceError(f"--{name}: {exc}") from None
    target = raw / "reports" / file.name
    if target.exists():
        raise AddSourceError(f"{target} exists with other content: rename the file")

    normalized = normalize(text, script)
    lines = normalized.splitlines() or [""]
    body_start = _marker(normalized, "body-start", body_start, lines[0][:20], file, script)
    body_end = _marker(normalized, "body-end", body_end, lines[-1][-20:], file, script)
    if normalized.find(body_end) + len(body_end) <= normalized.find(body_start):
        raise AddSourceError(f"--body-end {body_end!r} comes before --body-start {body_start!r} in {file.name}")
    shutil.copyfile(file, target)
    _append_row(raw / schema.SOURCES.path, header, {
        "source_id": source_id, "file": file.name, "sha256": digest, "headline": headline,
        "publisher": publisher, "byline": byline, "date_published": date_published,
        "date_precision": date_precision, "original_url": original_url, "region_code": region_code,
        "period_start": period_start, "period_end": period_end, "script": script,
        "body_start": body_start, "body_end": body_end,
        "notes": "Added with add-source; check body_start and body_end.",
    })
    return write_candidates(source_id, normalized, body_start, body_end, region_code,
                            period_start, period_end, raw, candidates_dir)


def _marker(normalized: str, option: str, given: str, default: str, file: Path, script: str) -> str:
    """The marker as it stands in the normalized text, found exactly once, or a refusal."""
    marker = normalize_fragment(given, script) if given else default
    count = normalized.count(marker) if marker else 0
    if count != 1:
        if given:
            shown = repr(given) + (f" (normalized: {marker!r})" if marker != given else "")
        else:
            shown = f"(not given; the default {marker!r} is the start or end of the file)"
        raise AddSourceError(f"--{option} {shown} occurs {count} times in the normalized text of "
                             f"{file.name}; give words that occur exactly once")
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
    Returns the path of ``<candidates_dir>/<source_id>.csv``.
    """
    _, indicators = _read_csv(raw / schema.INDICATORS.path)
    _, observations = _read_csv(raw / schema.OBSERVATIONS.path)
    suggester = Suggester(indicators, read_counters(raw / schema.COUNTERS.path), observations)
    units = {r["indicator_code"]: r["unit"] for r in indicators}
    lo = normalized.find(body_start)
    hi = normalized.find(body_end) + len(body_end)
    body = normalized[lo:hi]
    rows = []
    for n, m in enumerate(suggester.rows(normalized, lo, hi), start=1):
        clause = _unique_clause(body, m.start - lo, m.end - lo)
        rows.append({
            "obs_id": f"{source_id}-{n:03d}", "source_id": source_id, "region_code": region_code,
            "indicator_code": m.indicator_code, "period_start": period_start, "period_end": period_end,
            # The review period, until the curator finds the figure's own period in the text.
            "period_basis": "review_period_assumed",
            "value": m.value, "unit": units.get(m.indicator_code, ""), "qualifier": m.qualifier,
            "scope": "region_total", "base_period_start": "", "base_period_end": "", "quote": clause,
            "label_numbers": "", "curator_note": "", "mention": m.text, "kind": m.kind,
            "counter": m.counter, "suggested_exclusion": m.suggested_exclusion,
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
