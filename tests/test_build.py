"""The processed data: deterministic, exactly what the build makes, keyed, and inert."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.dataset import schema
from analysis.__main__ import main
from analysis.dataset.compare import interval
from analysis.dataset.processed import build, csv_bytes, processed_files
from analysis.spreadsheet import FORMULA_TRIGGERS, LINE_BREAKS, inert
from analysis.config import PROCESSED_DIR, RAW_DIR
from analysis.dataset.validate import load_raw
from conftest import edit_row


def read_table(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def fresh_files() -> dict[str, bytes]:
    return processed_files(load_raw(RAW_DIR))


def test_two_builds_give_identical_bytes(tmp_path, fresh_files):
    first, second = tmp_path / "a", tmp_path / "b"
    build(RAW_DIR, first)
    build(RAW_DIR, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert {f.as_posix() for f in files} == set(fresh_files)


def test_committed_processed_data_is_exactly_a_fresh_build(capsys):
    # Same check as `make check-processed`; on failure run `make data` and commit.
    assert main(["check-processed", "--raw", str(RAW_DIR), "--out", str(PROCESSED_DIR)]) == 0, \
        capsys.readouterr().err


def test_check_processed_reports_a_stale_file(tmp_path, capsys):
    build(RAW_DIR, tmp_path / "out")
    (tmp_path / "out" / "regions.csv").write_text("stale\n", encoding="utf-8")
    assert main(["check-processed", "--raw", str(RAW_DIR), "--out", str(tmp_path / "out")]) == 1
    assert f"differs from a fresh build: {tmp_path / 'out' / 'regions.csv'}" in capsys.readouterr().err


def test_the_build_never_writes_into_raw(tmp_path, raw_copy):
    before = {p: p.read_bytes() for p in raw_copy.rglob("*") if p.is_file()}
    build(raw_copy, tmp_path / "out")
    assert {p: p.read_bytes() for p in raw_copy.rglob("*") if p.is_file()} == before


def test_foreign_keys_of_the_processed_tables_resolve():
    for table in schema.PROCESSED_TABLES:
        rows = read_table(PROCESSED_DIR, table.path)
        keys = [tuple(r[k] for k in table.primary_key) for r in rows]
        assert len(keys) == len(set(keys)), f"{table.path}: duplicate primary key"
        for ref in table.foreign_keys:
            (local,), (remote,) = ref["fields"], ref["reference"]["fields"]
            target = next(t for t in schema.PROCESSED_TABLES if t.name == ref["reference"]["resource"])
            known = {r[remote] for r in read_table(PROCESSED_DIR, target.path)}
            dangling = {r[local] for r in rows if r[local] and r[local] not in known}
            assert not dangling, f"{table.path}.{local}: {dangling}"


@pytest.mark.slow
def test_frictionless_validates_the_data_package():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(PROCESSED_DIR / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_quotes_point_at_their_words_in_the_normalized_text():
    sources = {r["source_id"]: r for r in read_table(PROCESSED_DIR, "sources.csv")}
    texts = {sid: (PROCESSED_DIR / r["text_path"]).read_text(encoding="utf-8")
             for sid, r in sources.items() if r["evidence_kind"] == "archived_quote"}
    for obs in read_table(PROCESSED_DIR, "observations.csv"):
        source = sources[obs["source_id"]]
        if obs["evidence_kind"] == "cited":  # no words: the number as printed and where it stands
            assert obs["number_as_printed"] or obs["measure"] == "zero_claim", obs["obs_id"]
            assert obs["locator"] and source["read_at_url"].startswith("http"), obs["obs_id"]
            assert not obs["quote"] and not source["text_path"], obs["obs_id"]
            continue
        start, end = int(obs["quote_start"]), int(obs["quote_end"])
        assert texts[obs["source_id"]][start:end] == obs["quote"], obs["obs_id"]
        assert int(source["body_start_offset"]) <= start < end <= int(source["body_end_offset"])


def test_observation_counts_per_source_add_up():
    observations = read_table(PROCESSED_DIR, "observations.csv")
    for source in read_table(PROCESSED_DIR, "sources.csv"):
        assert int(source["observation_count"]) == sum(o["source_id"] == source["source_id"]
                                                       for o in observations)


def test_real_values_from_the_reports():
    rows = {r["obs_id"]: r for r in read_table(PROCESSED_DIR, "observations.csv")}
    disputes = rows["hubei_2023-017"]  # 排查化解各类矛盾纠纷60万余起
    assert (disputes["value"], disputes["qualifier"], disputes["value_low"], disputes["value_high"]) == \
        ("600000", "more_than", "600000", "")
    fall = rows["hubei_2023-001"]  # 刑事警情…同比下降10.2%
    assert (fall["value"], fall["measure"], fall["base_period_start"], fall["base_period_end"]) == \
        ("-10.2", "relative_change_pct", "2022-01-01", "2022-12-31")
    cash = rows["hubei_2023-011"]  # 35.58万元, a single case: no per-capita value
    assert (cash["value"], cash["unit"], cash["value_per_10k_in_period"], cash["period_label"]) == \
        ("355800", "yuan", "", "2023-07")


def test_per_capita_values_are_derived_from_the_regions_table():
    regions = {r["region_code"]: r for r in read_table(PROCESSED_DIR, "regions.csv")}
    indicators = {r["indicator_code"]: r for r in read_table(PROCESSED_DIR, "indicators.csv")}
    computed = 0
    for obs in read_table(PROCESSED_DIR, "observations.csv"):
        population = regions[obs["region_code"]]["population_2020"]
        if (indicators[obs["indicator_code"]]["per_capita"] == "true" and population
                and obs["scope"] == "region_total"):
            expected = Decimal(obs["value"]) * 10000 / Decimal(population)
            assert abs(Decimal(obs["value_per_10k_in_period"]) - expected) <= Decimal("0.00005"), obs["obs_id"]
            computed += 1
        else:
            assert obs["value_per_10k_in_period"] == "", obs["obs_id"]
    assert computed > 0


@pytest.mark.parametrize("value, qualifier, expected", [
    ("5", "exact", ("5", "5")), ("5", "more_than", ("5", None)), ("5", "at_least", ("5", None)),
    ("5", "nearly", (None, "5")), ("5", "about", (None, None)),
    ("-40", "more_than", (None, "-40")),  # 下降40%以上: at most -40
    ("-40", "nearly", ("-40", None)),
])
def test_qualifiers_become_intervals(value, qualifier, expected):
    low, high = interval(Decimal(value), qualifier)
    assert (None if low is None else str(low), None if high is None else str(high)) == expected


def test_text_that_a_spreadsheet_would_run_comes_out_inert(raw_copy, tmp_path):
    note = '=HYPERLINK("http://x","click") <script>alert(1)</script>'
    edit_row(raw_copy / "observations.csv", "obs_id", "hubei_2023-001", curator_note=note)
    edit_row(raw_copy / "observations.csv", "obs_id", "hubei_2023-002", curator_note="@SUM(A1)")
    build(raw_copy, tmp_path / "out")
    rows = {r["obs_id"]: r for r in read_table(tmp_path / "out", "observations.csv")}
    assert rows["hubei_2023-001"]["curator_note"] == "'" + note  # the HTML is kept as text
    assert rows["hubei_2023-002"]["curator_note"] == "'@SUM(A1)"
    assert rows["hubei_2023-001"]["value"] == "-10.2"  # numbers are never touched
    assert [inert(x) for x in ("+1", "-a", "a=b", "")] == ["'+1", "'-a", "a=b", ""]
    assert [inert(x) for x in ("\t=1", "\r=1", "a\r=1", "a\u2028@b", "'=x")] == \
        ["'\t=1", "'\r'=1", "a\r'=1", "a\u2028'@b", "''=x"]


def test_csv_bytes_quote_commas_and_newlines():
    table = schema.THEMES
    rows = [{"theme_code": "x", "name_zh": "甲,乙", "name_en": "a\nb", "description": '"q"'}]
    parsed = list(csv.DictReader(io.StringIO(csv_bytes(table, rows).decode("utf-8"))))
    assert parsed == rows


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n", "\u2028", "\u2029", "\v", "\f", "\x85"])
@pytest.mark.parametrize("after, guarded", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"),
                                            ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                            ("words", "words")])
def test_a_cell_with_a_line_break_reads_back_as_one_cell_guarded_on_every_line(brk, after, guarded):
    # Raw cells cannot hold line breaks (validation refuses them); the writer keeps any cell whole
    # all the same. Before: a lone CR went out unquoted and "=1+1" read back as a row of its own.
    rows = [{"theme_code": "x", "name_zh": "甲", "name_en": "a", "description": f"note{brk}{after}"},
            {"theme_code": "y", "name_zh": "乙", "name_en": "b", "description": "next"}]
    text = csv_bytes(schema.THEMES, rows).decode("utf-8")
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["theme_code"] for r in parsed] == ["x", "y"]
    assert parsed[0]["description"] == f"note{brk}{guarded}"
    assert not any(line.startswith(("=", "+", "-", "@")) for line in re.split(r"\r\n|\r|\n", text))


def test_the_build_runs_without_the_cyclic_collector_and_restores_it(monkeypatch):
    """The build's hundreds of thousands of acyclic rows are not walked by the cyclic garbage
    collector (as in validation); the collector is on again afterwards, even when the build fails."""
    import gc

    from analysis.dataset import processed

    data = load_raw(RAW_DIR)
    seen = []
    real_tables = processed.processed_tables

    def recording_tables(raw):
        seen.append(gc.isenabled())
        return real_tables(raw)

    monkeypatch.setattr(processed, "processed_tables", recording_tables)
    assert gc.isenabled()
    processed_files(data)
    assert seen == [False] and gc.isenabled()

    def failing_tables(raw):
        raise RuntimeError("a failing build")

    monkeypatch.setattr(processed, "processed_tables", failing_tables)
    with pytest.raises(RuntimeError):
        processed_files(data)
    assert gc.isenabled()


@given(st.lists(st.text(alphabet=FORMULA_TRIGGERS + LINE_BREAKS + "'a\x00中", max_size=5), max_size=6))
def test_csv_bytes_guard_every_column_a_cell_of_which_inert_would_change(cells):
    # csv_bytes guards a string column with inert_column (tests/test_spreadsheet.py)
    rows = [{"theme_code": "x", "name_zh": c, "name_en": "a", "description": ""} for c in cells]
    parsed = list(csv.DictReader(io.StringIO(csv_bytes(schema.THEMES, rows).decode("utf-8"), newline="")))
    assert [r["name_zh"] for r in parsed] == [inert(c) for c in cells]


@pytest.mark.parametrize("rows", [[], [{"theme_code": "a", "name_zh": "甲", "name_en": "A", "description": ""}],
                                  [{"theme_code": c, "name_zh": "", "name_en": c, "description": c * 2}
                                   for c in "abc"]])
def test_csv_bytes_of_no_row_one_row_and_several(rows):
    # the cells are taken row by row and transposed into columns: as many as the header, however few rows
    text = csv_bytes(schema.THEMES, rows).decode("utf-8")
    assert text.splitlines()[0] == ",".join(schema.THEMES.field_names)
    assert list(csv.DictReader(io.StringIO(text, newline=""))) == rows
