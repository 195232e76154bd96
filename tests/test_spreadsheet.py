"""Cells and CSV files for spreadsheets (analysis.spreadsheet): line breaks, the formula guard,
quoting that keeps every cell one cell, and the byte-order mark of downloads."""

from __future__ import annotations

import csv
import io
import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.spreadsheet import (FORMULA_TRIGGERS, LINE_BREAKS, csv_record, csv_text, csv_text_of_columns,
                                  download_bytes, inert, inert_column, line_break, may_need_guard,
                                  restore)

# Line breaks of every kind, and the formula triggers after them.
BREAKS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85"]


def test_line_breaks_are_exactly_what_splitlines_breaks_at():
    breaking = {chr(c) for c in range(sys.maxunicode + 1) if len(f"a{chr(c)}b".splitlines()) == 2}
    assert breaking == set(LINE_BREAKS)
    assert all(line_break(f"a{b}b") == b[0] for b in BREAKS)
    assert line_break("平安 建设\t98%") is None


@pytest.mark.parametrize("cell, guarded", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-a", "'-a"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r'=1"),
    ("note\r=1+1", "note\r'=1+1"), ("note\n=1+1", "note\n'=1+1"), ("note\r\n=1+1", "note\r\n'=1+1"),
    ("note\u2028=1+1", "note\u2028'=1+1"), ("note\u2029+1", "note\u2029'+1"),
    ("a\n-b\n@c", "a\n'-b\n'@c"), ("a\n\tb", "a\n'\tb"), ("a\v=b", "a\v'=b"),
    # An apostrophe before a trigger gets one more, so that restoring gives it back.
    ("'=x", "''=x"), ("a\n''+x", "a\n'''+x"),
    # Nothing to guard: a trigger inside a line, an apostrophe before ordinary text.
    ("a=b", "a=b"), ("98%以上", "98%以上"), ("'quoted'", "'quoted'"), ("", ""), ("a\nb", "a\nb"),
])
def test_the_guard_covers_the_start_of_every_line_and_is_undone_exactly(cell, guarded):
    assert inert(cell) == guarded
    assert restore(guarded) == cell


@given(st.text(alphabet=FORMULA_TRIGGERS + LINE_BREAKS + "'a,\"", max_size=12))
def test_no_line_of_a_guarded_cell_starts_a_formula_and_restore_inverts_it(cell):
    guarded = inert(cell)
    assert restore(guarded) == cell
    assert guarded.replace("'", "") == cell.replace("'", "")  # apostrophes added, nothing else
    assert not guarded.startswith(tuple(FORMULA_TRIGGERS))
    lines = re.split("\r\n|[" + re.escape(LINE_BREAKS) + "]", guarded)
    assert not any(line.startswith(tuple(FORMULA_TRIGGERS)) for line in lines)


@pytest.mark.parametrize("cell", [f"note{b}=1+1" for b in BREAKS]
                         + ["甲,乙", 'say "x"', "a\n", "\r", "", "plain"])
def test_every_cell_reads_back_as_one_cell(cell):
    text = csv_text(["id", "note", "n"], [["x-001", cell, "1"], ["x-002", "next", "2"]])
    for reader_input in (io.StringIO(text, newline=""), io.StringIO(text)):
        rows = list(csv.reader(reader_input))
        assert rows == [["id", "note", "n"], ["x-001", cell, "1"], ["x-002", "next", "2"]]
    # A line break is always inside quotes: no line of the file starts a record but the three.
    assert sum(line.startswith(("id,", "x-")) for line in text.split("\n")) == 3


def test_a_record_with_one_empty_cell_is_not_a_blank_line():
    assert csv_record([""]) == '""\n'
    assert list(csv.reader(io.StringIO(csv_text(["a"], [[""], ["b"]])))) == [["a"], [""], ["b"]]


def test_a_download_is_utf8_with_a_byte_order_mark_and_reads_back_clean():
    content = download_bytes(csv_text(["地区", "quote"], [["湖北省", "平安湖北\n建设"]]))
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "地区" and not rows[0][0].startswith("\ufeff")
    assert rows[1] == ["湖北省", "平安湖北\n建设"]


@given(st.lists(st.lists(st.text(alphabet='ab,"\n中=+ \t\r\u2028', max_size=5), min_size=3, max_size=3),
                max_size=4))
def test_the_fast_writer_writes_what_the_record_writer_writes(rows):
    """csv_text takes the C writer where no cell holds a break other than LF: the same text."""
    header = ["h", "i", "j"]
    assert csv_text(header, rows) == csv_record(header) + "".join(csv_record(r) for r in rows)


@given(st.lists(st.text(alphabet=FORMULA_TRIGGERS + LINE_BREAKS + "'a\x00=", max_size=5), max_size=6))
def test_a_column_is_guarded_exactly_as_its_cells_one_by_one(cells):
    """inert_column skips a column no cell of which needs the guard (its quick look: first
    characters, line breaks); a NUL in a cell may make it look at every cell, never skip one that
    needs it."""
    assert inert_column(cells) == [inert(c) for c in cells]
    if any(inert(c) != c for c in cells):
        assert may_need_guard(cells)


@given(st.integers(min_value=1, max_value=3).flatmap(lambda width: st.lists(
    st.lists(st.text(alphabet='ab,"\n中=+ \t\r\u2028\x00', max_size=4), min_size=width, max_size=width),
    max_size=5).map(lambda rows: (width, rows))))
def test_a_table_written_by_columns_is_the_table_written_by_rows(shape):
    """csv_text_of_columns quotes a column cell by cell only where some cell needs it: the same
    text as csv_text of its rows, one-column tables with empty cells included."""
    width, rows = shape
    header = ["h", "i", "j"][:width]
    columns = [[row[k] for row in rows] for k in range(width)]
    assert csv_text_of_columns(header, columns) == csv_text(header, rows)
