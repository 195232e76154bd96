"""What a reader sees instead of machine names: Chinese and English labels for the columns of the
tables and for the codes in their cells (``more_than`` → 余 more than).

The labels are data (``labels.csv`` beside this module: kind, code, zh, en, shown). ``kind`` is
``column`` for a column name, otherwise the kind of code (qualifier, period_basis, scope, status,
evidence_kind, level, survey, reason_code, boolean). ``shown`` marks the columns a wide table keeps
in view; the others fold into a row that expands (see ``views.table_html``). The English names of
qualifiers, period bases and scopes are those of data/processed (qualifiers.csv, period_bases.csv,
scopes.csv); the Chinese ones, which those tables do not have, are added here. The CSV beside a
table keeps the machine names: it is for reuse.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

LABELS_FILE = Path(__file__).with_name("labels.csv")

# Which code table each column's cells come from.
CODE_COLUMNS = {
    "qualifier": "qualifier", "qualifier_code": "qualifier",
    "period_basis": "period_basis", "period_basis_code": "period_basis",
    "scope": "scope", "scope_code": "scope",
    "status": "status",
    "evidence_kind": "evidence_kind",
    "level": "level", "region_level": "level",
    "survey": "survey",
    "reason_code": "reason_code",
}
# A raw identifier as the processed tables name their columns and codes: lower case, digits and _.
IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], dict[str, str]]:
    with LABELS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = {}
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ValueError(f"{LABELS_FILE}: row {number}: needs exactly kind, code, zh, en, shown "
                             "(quote a label that holds a comma)")
        key = (row["kind"], row["code"])
        if key in table:
            raise ValueError(f"{LABELS_FILE}: row {number}: {row['kind']} {row['code']!r} is labelled twice")
        if not row["zh"] or not row["en"]:
            raise ValueError(f"{LABELS_FILE}: row {number}: {row['kind']} {row['code']!r} needs zh and en")
        table[key] = row
    return table


def has_label(kind: str, code: str) -> bool:
    return (kind, str(code)) in _table()


def label(kind: str, code: str) -> str:
    """'余 more than' for ("qualifier", "more_than"); the code itself when it has no label, and
    for a column without one its words ('per_10k_x' → 'per 10k x'), never the raw identifier."""
    row = _table().get((kind, str(code)))
    if row is None:
        return str(code).replace("_", " ") if kind == "column" else str(code)
    return row["zh"] if row["zh"] == row["en"] else f"{row['zh']} {row['en']}"


def column_label(column) -> str:
    """The header a reader sees for a column: '每万人(期内) per 10,000 in the period'."""
    return label("column", column)


def is_shown(column) -> bool:
    """Whether a wide table keeps this column in view (``shown`` in labels.csv)."""
    row = _table().get(("column", str(column)))
    return bool(row and row["shown"])


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the codes of its code columns and its True/False cells written as labels;
    other cells, and the column names, as they are."""
    out = frame.copy()
    for column in out.columns:
        kind = CODE_COLUMNS.get(str(column))
        values = out[column]
        if kind is not None:
            out[column] = values.map(lambda v, k=kind: label(k, v) if isinstance(v, str) and v else v)
        elif values.dtype == bool:
            out[column] = values.map(lambda v: label("boolean", v))
    return out
