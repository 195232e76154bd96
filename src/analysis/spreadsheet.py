"""Text cells and CSV files as spreadsheets and CSV readers take them: line breaks, the formula
guard, quoting and the byte-order mark.

Shared by the three layers (the build writes ``data/processed``, the notebooks carry the data behind
their tables, the site offers downloads), so that each cell is guarded and quoted one way. Standard
library only: notebooks import it without loading the build.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from itertools import chain

# What str.splitlines() breaks a line at (Python's "universal newlines" plus VT, FF, the file,
# group and record separators, NEL, and the Unicode line and paragraph separators; \r\n is one
# break). Any of them in a cell makes some reader start a new line or record.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"[{re.escape(LINE_BREAKS)}]")

# The first characters of a cell a spreadsheet would run as a formula (OWASP, "CSV Injection":
# =, +, -, @, tab, carriage return).
FORMULA_TRIGGERS = "=+-@\t\r"
_TRIGGER = f"[{re.escape(FORMULA_TRIGGERS)}]"
# A line start: the start of the cell or the end of a line break (\r\n counted once).
_LINE_START = f"(?:\\A|\\r\\n|{_LINE_BREAK.pattern})"
# Guarded: a line that begins with a trigger, or with apostrophes then a trigger (one more
# apostrophe keeps the guard reversible: '=x is written ''=x and read back as '=x).
_UNGUARDED = re.compile(f"{_LINE_START}(?='*{_TRIGGER})")
_GUARDED = re.compile(f"({_LINE_START})'(?='*{_TRIGGER})")
_FIRST_CHARACTERS = frozenset(FORMULA_TRIGGERS + "'")

# A cell is quoted when it holds the delimiter, the quote character or any line break (RFC 4180
# asks it for CR and LF; csv.writer quotes only the characters of its own line terminator, so with
# "\n" it let a lone "\r" out bare, and a reader split the record there).
_NEEDS_QUOTES = re.compile(f'[,"{re.escape(LINE_BREAKS)}]')
_QUOTE_OR_BREAK = re.compile(f'["{re.escape(LINE_BREAKS)}]')
_OTHER_BREAK = re.compile(f"[{re.escape(LINE_BREAKS.replace(chr(10), ''))}]")

# Excel reads a CSV file without a byte-order mark in the machine's legacy code page (GBK under
# Chinese settings), so UTF-8 Chinese opens garbled; with the mark, Excel and LibreOffice read UTF-8.
SPREADSHEET_ENCODING = "utf-8-sig"


def line_break(cell: str) -> str | None:
    """The first line-break character in ``cell`` (one of ``LINE_BREAKS``), or None."""
    found = _LINE_BREAK.search(cell)
    return found.group(0) if found else None


def inert(cell: str) -> str:
    """``cell`` with an apostrophe added at the start of each of its lines that a spreadsheet would
    run as a formula: a line beginning with = + - @ tab or carriage return (OWASP CSV injection),
    or with apostrophes followed by one of them. :func:`restore` undoes it exactly."""
    if not cell or (cell[0] not in _FIRST_CHARACTERS and not _LINE_BREAK.search(cell)):
        return cell  # one line that no trigger begins: most cells, at the cost of one search
    return _UNGUARDED.sub(lambda m: m.group(0) + "'", cell)


def inert_column(cells: Sequence[str]) -> list[str]:
    """:func:`inert` of each of ``cells``. A quick look over the whole column (the set of its first
    characters, one substring search per line break) finds whether any cell may need the guard:
    most columns none, and a clean column costs no call per cell (a third of the time of one
    regular-expression search over the column)."""
    if not may_need_guard(cells):
        return list(cells)
    return [inert(cell) for cell in cells]


def may_need_guard(cells: Sequence[str]) -> bool:
    """Whether :func:`inert` might change a cell of ``cells``: one begins with a formula trigger or
    an apostrophe, or one holds a line break."""
    joined = "\x00".join(cells)
    return (any(mark in joined for mark in LINE_BREAKS)
            or not _FIRST_CHARACTERS.isdisjoint({cell[0] for cell in cells if cell}))


def restore(cell: str) -> str:
    """The text :func:`inert` was given: the apostrophe it added at a line start is removed."""
    return _GUARDED.sub(r"\1", cell)


def csv_record(cells: Sequence[str]) -> str:
    """One CSV record ending in LF: comma-delimited, a cell quoted (its quotes doubled) when it
    holds a comma, a quote or a line break, so that every cell reads back as one cell."""
    if len(cells) == 1 and cells[0] == "":
        return '""\n'  # an empty single-cell record would read back as a blank line: no record
    joined = ",".join(cells)
    if joined.count(",") == len(cells) - 1 and not _QUOTE_OR_BREAK.search(joined):
        return joined + "\n"  # no cell holds a comma, a quote or a line break: nothing to quote
    return ",".join('"' + c.replace('"', '""') + '"' if _NEEDS_QUOTES.search(c) else c
                    for c in cells) + "\n"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV file of text cells (written as given: guard them with :func:`inert` first).

    Where no cell holds a line break other than LF, the standard library's writer (C) writes it:
    it quotes exactly what :func:`csv_record` quotes then (a comma, a quote, LF) and gives the same
    text; otherwise every record goes through :func:`csv_record`. Both are decided by one search
    over every cell, not one per row."""
    rows = list(rows)
    records = (header, *rows)
    if _OTHER_BREAK.search("\x00".join(chain.from_iterable(records))) or (
            1 in map(len, records) and any(len(row) == 1 and row[0] == "" for row in records)):
        return csv_record(header) + "".join(csv_record(row) for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def csv_text_of_columns(header: Sequence[str], columns: Sequence[Sequence[str]]) -> str:
    """The text :func:`csv_text` gives for the rows ``zip(*columns)`` (every column as long), made
    column by column: a column is looked at cell by cell only where one search over it finds a
    cell to quote (a comma, a quote or a line break; :func:`csv_record` quotes exactly those)."""
    if len(columns) != len(header):
        raise ValueError(f"{len(columns)} columns for a header of {len(header)}")
    quoted = []
    for column in columns:
        if _NEEDS_QUOTES.search("\x00".join(column)):
            column = ['"' + c.replace('"', '""') + '"' if _NEEDS_QUOTES.search(c) else c for c in column]
        if len(columns) == 1:
            column = ['""' if c == "" else c for c in column]  # not a blank line (csv_record)
        quoted.append(column)
    lines = list(map(",".join, zip(*quoted)))
    return csv_record(header) + "\n".join(lines) + ("\n" if lines else "")


def download_bytes(text: str) -> bytes:
    """CSV text as a file for spreadsheets: UTF-8 preceded by the byte-order mark (EF BB BF)."""
    return text.encode(SPREADSHEET_ENCODING)
