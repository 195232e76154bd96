"""Tables for people: labels instead of column names and codes, a few columns in view, the rest
behind a row that expands, the CSV with the machine names."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from analysis.config import PROCESSED_DIR
from analysis.dataset.schema import PROCESSED_TABLES as SCHEMA_TABLES
from analysis.questions import dataset as ds
from analysis.questions import labels, views

DATA = ds.load()
PROCESSED_TABLES = sorted(PROCESSED_DIR.glob("*.csv"))


class _Visible(HTMLParser):
    """The text of every header a reader sees: column headers, folded-row labels and the
    said-once notes above a table."""

    def __init__(self):
        super().__init__()
        self.headers: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "") or ""
        if tag in ("th", "dt") or (tag == "p" and "pingan-constant" in classes):
            self._in, self._text = tag, ""

    def handle_endtag(self, tag):
        if tag == self._in:
            self.headers.append(self._text.strip())
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def visible_headers(page_html: str) -> list[str]:
    parser = _Visible()
    parser.feed(page_html)
    return parser.headers


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("path", PROCESSED_TABLES, ids=lambda p: p.name)
def test_no_column_name_of_a_processed_table_is_a_visible_header(path):
    frame = _read(path).head(8)
    shown = visible_headers(views.table_bundle(frame, "t")["text/html"])
    raw = set(frame.columns)
    for text in shown:
        words = text.split(" (every row")[0]
        assert words not in raw, f"{path.name}: raw column name {words!r} shown as a header"
        assert not any(labels.IDENTIFIER.match(w) for w in words.split()), \
            f"{path.name}: snake_case identifier in the header {text!r}"
    # and each of them has a label written for it, not a fallback
    unlabelled = [c for c in frame.columns if not labels.has_label("column", c)]
    assert not unlabelled, f"{path.name}: add labels to labels.csv for {unlabelled}"


def test_the_csv_beside_a_table_keeps_the_machine_names_and_codes():
    frame = pd.DataFrame({"obs_id": ["a-001"], "qualifier": ["more_than"], "value_per_10k_in_period": [1.5]})
    bundle = views.table_bundle(frame, "t")
    header, row = bundle[views.DATA_MIME]["csv"].splitlines()
    assert header.split(",")[-2:] == ["qualifier", "value_per_10k_in_period"]
    assert row.startswith("a-001,") and row.endswith(",more_than,1.5")
    page = bundle["text/html"]
    assert "more_than" not in page and "<td>余 more than</td>" in page
    assert "每万人(期内) per 10,000 in the period" in visible_headers(page)
    assert 'title="CSV: value_per_10k_in_period"' in page  # the CSV name, as a tooltip only


@pytest.mark.parametrize("kind, table, code_column", [
    ("qualifier", "qualifiers.csv", "qualifier_code"),
    ("period_basis", "period_bases.csv", "period_basis_code"),
    ("scope", "scopes.csv", "scope_code"),
])
def test_every_code_of_the_processed_code_tables_has_a_label_in_both_languages(kind, table, code_column):
    codes = _read(PROCESSED_DIR / table)
    for row in codes.itertuples():
        code = getattr(row, code_column)
        assert labels.has_label(kind, code), f"{table}: {code} has no label in labels.csv"
        # the English name is the processed table's own
        assert labels.label(kind, code).endswith(" " + row.name_en)


def test_every_reason_status_level_and_evidence_code_in_the_data_has_a_label():
    items = DATA.comparisons
    for kind, values in (("reason_code", items["reason_code"]), ("status", items["status"]),
                         ("level", DATA.regions["level"]), ("evidence_kind", DATA.observations["evidence_kind"]),
                         ("survey", DATA.observations["survey"])):
        missing = sorted({v for v in values.dropna() if v and not labels.has_label(kind, v)})
        assert not missing, f"{kind}: no label for {missing}"
    comparisons_table = next(t for t in SCHEMA_TABLES if t.name == "comparisons")
    reason_field = next(f for f in comparisons_table.fields if f["name"] == "reason_code")
    allowed = reason_field.get("constraints", {}).get("enum", [])
    assert allowed, "the schema lists the reason codes"
    assert [c for c in allowed if c and not labels.has_label("reason_code", c)] == []


def test_reasons_are_given_in_both_languages():
    assert labels.label("reason_code", "sub_year_window").startswith("不足一年 a flow over less than a year")
    page = views.table_html(pd.DataFrame({"obs_id": ["a-001", "b-001"], "reason_code": ["only_one", "narrower"]}))
    assert "<td>仅此一项 the only figure of its kind in the sources</td>" in page
    assert "only_one" not in page.replace('title="CSV: reason_code"', "")


def test_a_wide_table_keeps_a_few_columns_in_view_and_folds_the_rest_into_a_row_that_expands():
    observations = views.observations_table(DATA.observations.head(3))
    page = views.table_html(observations)
    head = page.split("</thead>")[0]
    in_view = visible_headers(head)
    assert len(in_view) <= views.MAX_COLUMNS_IN_VIEW + 1 and in_view[-1] == "更多 More"
    assert "数值 value" in in_view and "观测编号 observation" in in_view
    # the quote is behind the row that expands, with its label, for every row
    assert page.count("<details>") == 3 and page.count("<dt>原文 quote</dt>") == 3
    narrow = views.table_html(observations[["obs_id", "value"]])
    assert "<details>" not in narrow


def test_an_unlabelled_column_still_shows_words_not_an_identifier():
    page = views.table_html(pd.DataFrame({"some_new_column": [1]}))
    assert visible_headers(page) == ["some new column"]
