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
from difflib import SequenceMatcher
from pathlib import Path

from . import schema
from .audit import extract_mentions
from ..config import PROJ_ROOT
from ..spreadsheet import line_break
from .periods import PeriodError, parse_period
from .text import TextDecodingError, decode_utf8, normalize, normalize_fragment

CANDIDATES_DIR = PROJ_ROOT / "build" / "candidates"
_CLAUSE = re.compile(r"[^,。;!?\n,;]+")
# Words that end most indicator names without naming the concept (数 = "number of").
_NUMERAL_CHARS = frozenset("0123456789零〇一二两三四五六七八九十百千万亿")
_NAME_TAIL = re.compile(r"(变化率|变化|数|率|人数|次数|期限|年数|零发生)$")


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


def suggest_indicator(clause: str, indicators: list[dict[str, str]]) -> str:
    """The indicator whose Chinese name shares the longest run of characters with the clause
    (at least three), or "" when none does."""
    best, best_len = "", 2
    for row in indicators:
        name = _NAME_TAIL.sub("", row["name_zh"])
        match = SequenceMatcher(None, clause, name, autojunk=False).find_longest_match(
            0, len(clause), 0, len(name))
        if match.size > best_len:
            best, best_len = row["indicator_code"], match.size
    return best


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
    checksum), an unknown region, a source_id already used, a period that is not a date, a
    body marker that is not found exactly once after the same normalization as the text (markers
    are normalized too: a full-width comma typed as printed finds the half-width one), and a
    line break in any value (headline, publisher...). Returns the path of the candidate sheet.
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
    row = {
        "source_id": source_id, "file": file.name, "sha256": digest, "headline": headline,
        "publisher": publisher, "byline": byline, "date_published": date_published,
        "date_precision": date_precision, "original_url": original_url, "region_code": region_code,
        "period_start": period_start, "period_end": period_end, "script": script,
        "body_start": body_start, "body_end": body_end,
        "notes": "Added with add-source; check body_start and body_end.",
    }
    for name, value in row.items():
        found = line_break(value)
        if found:  # validation refuses it in a raw cell: refuse before writing anything
            raise AddSourceError(f"--{name.replace('_', '-')}: line break {found!r} "
                                 f"(U+{ord(found):04X}): a raw cell is one line")
    shutil.copyfile(file, target)
    _append_row(raw / schema.SOURCES.path, header, row)
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


def _suggested_exclusion(mention, normalized: str) -> str:
    """A reason a curator will often choose for a mention of this shape ("" when it looks like
    data): dates; ordinals (第一时间, 第一方阵); phone numbers; programme names (清风2025, a number in
    quotation marks such as “1234”工程)."""
    if mention.kind in ("date", "phone"):
        return {"date": "date", "phone": "other"}[mention.kind]
    if mention.kind == "ordinal":
        return "rhetorical"
    start, end = mention.start, mention.end
    while start > 0 and normalized[start - 1] in _NUMERAL_CHARS:
        start -= 1  # 十四五 is read as 十四 + 五: look at the whole run
    while end < len(normalized) and normalized[end] in _NUMERAL_CHARS:
        end += 1
    before, after = normalized[start - 1 : start], normalized[end : end + 1]
    if re.fullmatch(r"(19|20)\d\d", mention.text) and re.match(r"[\u4e00-\u9fff]", before) and after != "年":
        return "programme_name"  # a year glued to a name: 雷火2023, 清风2025
    if before and after and before in "“\"「『" and after in "”\"」』":
        return "programme_name"  # “1234”工程, “135”机制
    return ""


def write_candidates(source_id: str, normalized: str, body_start: str, body_end: str,
                     region_code: str, period_start: str, period_end: str, raw: Path,
                     candidates_dir: Path) -> Path:
    """One row per number mention in the body: a pre-filled observation to complete, accept or
    move to exclusions.csv."""
    _, indicators = _read_csv(raw / schema.INDICATORS.path)
    units = {r["indicator_code"]: r["unit"] for r in indicators}
    lo = normalized.find(body_start)
    hi = normalized.find(body_end) + len(body_end)
    body = normalized[lo:hi]
    rows = []
    for n, m in enumerate(extract_mentions(normalized, lo, hi), start=1):
        clause = _unique_clause(body, m.start - lo, m.end - lo)
        exclusion = _suggested_exclusion(m, normalized)
        suggestion = "" if exclusion else suggest_indicator(clause, indicators)
        rows.append({
            "obs_id": f"{source_id}-{n:03d}", "source_id": source_id, "region_code": region_code,
            "indicator_code": suggestion, "period_start": period_start, "period_end": period_end,
            # The review period, until the curator finds the figure's own period in the text.
            "period_basis": "review_period_assumed",
            "value": m.value, "unit": units.get(suggestion, ""), "qualifier": m.qualifier,
            "scope": "region_total", "base_period_start": "", "base_period_end": "", "quote": clause,
            "label_numbers": "", "curator_note": "", "mention": m.text, "kind": m.kind,
            "suggested_exclusion": exclusion,
        })
    candidates_dir.mkdir(parents=True, exist_ok=True)
    path = candidates_dir / f"{source_id}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, schema.OBSERVATIONS.field_names + ["mention", "kind", "suggested_exclusion"],
                                lineterminator="\n")
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
