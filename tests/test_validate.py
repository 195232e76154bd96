"""Every refusal of the build: the message names file, line and field, and nothing is written."""

from __future__ import annotations

import csv

import pytest

from analysis.dataset.validate import load_raw
from conftest import edit_row, read_rows, refused, write_rows

OBS = "observations.csv"


def test_the_committed_raw_data_is_valid(raw_copy):
    data = load_raw(raw_copy)
    assert len(data.tables["observations"]) > 100
    assert set(data.reports) == {r["source_id"] for r in data.tables["sources"]}


def test_not_utf8_is_refused(raw_copy, out_dir):
    path = raw_copy / OBS
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert any(p.startswith("observations.csv: not UTF-8") for p in refused(raw_copy, out_dir))


def test_utf8_with_bom_is_accepted(raw_copy):
    path = raw_copy / OBS
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_raw(raw_copy).tables["observations"]) > 100


def test_missing_and_unknown_columns(raw_copy, out_dir):
    header, rows = read_rows(raw_copy / OBS)
    header = [("notes" if h == "curator_note" else h) for h in header]
    for row in rows:
        row["notes"] = row.pop("curator_note")
    write_rows(raw_copy / OBS, header, rows)
    problems = refused(raw_copy, out_dir)
    assert "observations.csv, line 1, field 'curator_note': column is missing" in problems
    assert any(p.startswith("observations.csv, line 1, field 'notes': unknown column") for p in problems)


def test_empty_required_cell(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-003", quote="")
    assert (f"observations.csv, line {line} (hubei_2023-003), field 'quote': required value is empty"
            in refused(raw_copy, out_dir))


def test_duplicate_id(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-002", obs_id="hubei_2023-001")
    assert (f"observations.csv, line {line} (hubei_2023-001), field 'obs_id': duplicate id "
            f"'hubei_2023-001' (first on line 2)" in refused(raw_copy, out_dir))


@pytest.mark.parametrize("field, value, table", [
    ("source_id", "nowhere_2099", "source"), ("region_code", "999999", "region"),
    ("indicator_code", "no_such_indicator", "indicator")])
def test_unknown_foreign_keys(raw_copy, out_dir, field, value, table):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-005", **{field: value})
    assert any(p.startswith(f"observations.csv, line {line} (hubei_2023-005), field '{field}': "
                            f"unknown {table} '{value}'") for p in refused(raw_copy, out_dir))


def test_quote_not_in_the_text(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-009", quote="全省4928个社区")
    assert (f"observations.csv, line {line} (hubei_2023-009), field 'quote': quote not found in the "
            "article body of hubei_2023: it is not in the normalized text" in refused(raw_copy, out_dir))


def test_quote_in_page_furniture(raw_copy, out_dir):
    # The site's phone number is in the text, but outside the article body.
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-009", quote="联系电话:010-53382908")
    assert any(p.startswith(f"observations.csv, line {line} (hubei_2023-009), field 'quote'")
               and "outside the article body (page furniture)" in p for p in refused(raw_copy, out_dir))


def test_quote_that_is_not_unique(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-009", quote="全省")
    assert any(p.startswith(f"observations.csv, line {line} (hubei_2023-009), field 'quote': quote "
                            "occurs") for p in refused(raw_copy, out_dir))


@pytest.mark.parametrize("value, qualifier, says", [
    ("60000", "more_than", "it states 600000 (more_than)"),   # a lost zero
    ("600000", "exact", "it states 600000 (more_than)"),       # a lost qualifier
])
def test_value_not_rederivable(raw_copy, out_dir, value, qualifier, says):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-017", value=value, qualifier=qualifier)
    assert (f"observations.csv, line {line} (hubei_2023-017), field 'value': {value} ({qualifier}) "
            f"cannot be re-derived from the quote '排查化解各类矛盾纠纷60万余起': {says}"
            in refused(raw_copy, out_dir))


def test_sign_of_a_change_is_rederived(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-001", value="10.2")
    assert any(p.startswith(f"observations.csv, line {line} (hubei_2023-001), field 'value': 10.2 "
                            "(exact) cannot be re-derived") for p in refused(raw_copy, out_dir))


def test_end_before_start(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-001", period_start="2023-06", period_end="2023-05")
    assert (f"observations.csv, line {line} (hubei_2023-001), field 'period_end': end 2023-05 is "
            "before start 2023-06" in refused(raw_copy, out_dir))


def test_rate_above_100(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-005", value="101")
    assert (f"observations.csv, line {line} (hubei_2023-005), field 'value': a rate in percent must "
            "lie between 0 and 100, not 101" in refused(raw_copy, out_dir))


def test_negative_count(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-006", value="-1885")
    assert (f"observations.csv, line {line} (hubei_2023-006), field 'value': a count cannot be "
            "negative (-1885)" in refused(raw_copy, out_dir))


def test_unit_disagrees_with_codebook(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-006", unit="persons")
    assert (f"observations.csv, line {line} (hubei_2023-006), field 'unit': 'persons' disagrees with "
            "the codebook: indicator minor_abuse_mandatory_report_leads is measured in 'cases'"
            in refused(raw_copy, out_dir))


def test_checksum_mismatch(raw_copy, out_dir):
    report = raw_copy / "reports" / "001_f755d35081d5be18.txt"
    report.write_bytes(report.read_bytes() + b"\n")
    assert any(p.startswith("sources.csv, line 3 (suizhou_2024), field 'sha256': "
                            "reports/001_f755d35081d5be18.txt has checksum")
               for p in refused(raw_copy, out_dir))


def test_every_problem_is_reported_at_once(raw_copy, out_dir):
    edit_row(raw_copy / OBS, "obs_id", "hubei_2023-005", value="101")
    edit_row(raw_copy / OBS, "obs_id", "hubei_2023-006", unit="persons")
    edit_row(raw_copy / "regions.csv", "region_code", "421300", level="city")
    problems = refused(raw_copy, out_dir)
    assert len(problems) >= 3
    # the wrong value also leaves the number in its quote undecided (reports/…)
    assert {"observations.csv", "regions.csv"} <= {p.split(",")[0] for p in problems}


def test_a_missing_raw_directory(tmp_path, out_dir):
    assert refused(tmp_path / "nowhere", out_dir) == [f"{tmp_path / 'nowhere'}: raw data directory does not exist"]


def test_command_line_exit_code_and_message(raw_copy, capsys):
    from analysis.__main__ import main

    edit_row(raw_copy / OBS, "obs_id", "hubei_2023-005", value="101")
    assert main(["validate", "--raw", str(raw_copy)]) == 1
    err = capsys.readouterr().err
    assert "field 'value': a rate in percent must lie between 0 and 100, not 101" in err
    # also: not re-derivable, and 98%以上 in the quote is then no longer the row's value
    assert err.rstrip().endswith(f"3 problem(s) in {raw_copy}; nothing was written.")


# --- rules of the second curation pass (issue 7) -------------------------------------------------

def test_a_period_cannot_end_after_the_report_was_published(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-029", period_start="2024-03-01",
                    period_end="2024-03-01", period_basis="stated")
    assert (f"observations.csv, line {line} (hubei_2023-029), field 'period_end': the period ends "
            "2024-03-01, but the report was published on 2024-02-06: cap it there (only a target may "
            "look beyond its report)" in refused(raw_copy, out_dir))


def test_without_a_printed_date_the_review_period_is_the_limit(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "suizhou_2024-022", period_start="2025-01",
                    period_end="2025-01", period_basis="stated")
    assert any(p.startswith(f"observations.csv, line {line} (suizhou_2024-022), field 'period_end': "
                            "the period ends 2025-01-31, but the report prints no date and reviews a "
                            "period ending 2024") for p in refused(raw_copy, out_dir))


def test_an_assumed_review_period_must_be_the_review_period(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "huangmei_2017_2021-012", period_start="2017",
                    period_end="2021")
    assert (f"observations.csv, line {line} (huangmei_2017_2021-012), field 'period_basis': "
            "review_period_assumed means the report's review period 2016-11/2021-11-04, not 2017/2021"
            in refused(raw_copy, out_dir))


@pytest.mark.parametrize("obs_id, period, says", [
    ("hubei_2023-029", "2024-02-05", "publication_date means the day 2024-02-06, not 2024-02-05/2024-02-05"),
    ("suizhou_2024-022", "2024", "publication_date, but the report prints no publication day"),
])
def test_a_figure_dated_to_publication_is_dated_to_its_day(raw_copy, out_dir, obs_id, period, says):
    line = edit_row(raw_copy / OBS, "obs_id", obs_id, period_start=period, period_end=period,
                    period_basis="publication_date")
    assert any(p.startswith(f"observations.csv, line {line} ({obs_id}), field 'period_basis': {says}")
               for p in refused(raw_copy, out_dir))


def test_a_rate_change_above_100_cannot_be_unspecified(raw_copy, out_dir):
    line = edit_row(raw_copy / OBS, "obs_id", "suizhou_2024-011",
                    indicator_code="criminal_case_clearance_rate_change_unspecified")
    assert (f"observations.csv, line {line} (suizhou_2024-011), field 'indicator_code': a rate cannot "
            "move by 125 percentage points, so this change can only be relative: use a "
            "relative_change_pct indicator, not change_unspecified" in refused(raw_copy, out_dir))


def test_a_duration_must_fit_in_its_period(raw_copy, out_dir):
    # the rule that refuses what hubei-020 was: a campaign's three-year term on the year 2023
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-034", period_start="2023-07-01",
                    period_end="2023-07-05", period_basis="stated")
    assert any(p.startswith(f"observations.csv, line {line} (hubei_2023-034), field 'value': a duration "
                            "of 10 days does not fit in its period 2023-07-01/2023-07-05 (5.00 days)")
               for p in refused(raw_copy, out_dir))


def test_the_review_period_of_a_report_ends_by_its_publication(raw_copy, out_dir):
    line = edit_row(raw_copy / "sources.csv", "source_id", "hunan_2017_2022", period_end="2022-08")
    assert any(p.startswith(f"sources.csv, line {line} (hunan_2017_2022), field 'period_end': the "
                            "review period ends 2022-08-31, after the report was published (2022-07-22)")
               for p in refused(raw_copy, out_dir))


@pytest.mark.parametrize("field, value, table", [("scope", "whole", "scope"),
                                                 ("period_basis", "guessed", "period_basis")])
def test_scope_and_period_basis_come_from_their_vocabularies(raw_copy, out_dir, field, value, table):
    line = edit_row(raw_copy / OBS, "obs_id", "hubei_2023-005", **{field: value})
    assert any(p.startswith(f"observations.csv, line {line} (hubei_2023-005), field '{field}': "
                            f"unknown {table}") for p in refused(raw_copy, out_dir))


@pytest.mark.parametrize("note, says", [
    ("see hubei_2023-027", "names hubei_2023-027, which is not an observation"),  # a removed row
    ("see obs 027", "write the full obs_id, not 'obs 027'"),
])
def test_notes_name_observations_that_exist(raw_copy, out_dir, note, says):
    line = edit_row(raw_copy / "exclusions.csv", "context", "效果。2021年以来", note=note)
    assert (f"exclusions.csv, line {line} (hubei_2023, 效果。2021年以来), field 'note': {says}"
            in refused(raw_copy, out_dir))


# --- a stated range (两三百): qualifier range with value_high --------------------------------------

RANGE_REPORT = ("网站首页\n范例县平安建设综述\n2024年,范例县排查化解矛盾纠纷两三百起,"
                "刑事发案同比下降两三成。\n(范例县融媒体中心)\n")


def _range_source(raw, tmp_path):
    """An invented county report (罗田县, 421123) whose figures are stated as ranges."""
    from analysis.dataset.curation import add_source
    from conftest import read_rows, write_rows
    header, rows = read_rows(raw / "regions.csv")
    rows.append({"region_code": "421123", "name_zh": "罗田县", "name_en": "Luotian County",
                 "level": "county", "parent_code": "421100", "is_province_administered": "false",
                 "note": "Used by a test with an invented report."})
    write_rows(raw / "regions.csv", header, rows)
    report = tmp_path / "range_report.txt"
    report.write_text(RANGE_REPORT, encoding="utf-8")
    add_source(report, source_id="range_2024", headline="范例县平安建设综述", publisher="范例县融媒体中心",
               region_code="421123", period_start="2024", period_end="2024", script="Simplified",
               body_start="2024年,范例县", body_end="(范例县融媒体中心)", raw_dir=raw,
               candidates_dir=tmp_path / "candidates")
    header, rows = read_rows(raw / OBS)
    base = {k: "" for k in header}
    base.update(source_id="range_2024", region_code="421123", period_start="2024", period_end="2024",
                period_basis="review_period_assumed", scope="region_total")
    rows.append({**base, "obs_id": "range_2024-001", "indicator_code": "disputes_screened_resolved",
                 "value": "200", "value_high": "300", "unit": "cases", "qualifier": "range",
                 "quote": "排查化解矛盾纠纷两三百起"})
    rows.append({**base, "obs_id": "range_2024-002", "indicator_code": "crime_cases_occurred_change_pct",
                 "value": "-30", "value_high": "-20", "unit": "percent", "qualifier": "range",
                 "base_period_start": "2023", "base_period_end": "2023", "quote": "刑事发案同比下降两三成"})
    write_rows(raw / OBS, header, rows)
    header, rows = read_rows(raw / "exclusions.csv")
    rows.append({"source_id": "range_2024", "mention": "2024", "context": "2024年,范例县", "reason": "date",
                 "note": ""})
    write_rows(raw / "exclusions.csv", header, rows)
    header, rows = read_rows(raw / "expected_counts.csv")
    rows.append({"source_id": "range_2024", "observations": "2", "mentions": "3", "excluded": "1",
                 "compared": "1"})  # its disputes share an axis with cited county figures
    write_rows(raw / "expected_counts.csv", header, rows)


def test_a_stated_range_is_kept_as_an_interval(raw_copy, tmp_path):
    from analysis.dataset.processed import build
    _range_source(raw_copy, tmp_path)
    build(raw_copy, tmp_path / "processed")
    _, rows = read_rows(tmp_path / "processed" / OBS)
    got = {r["obs_id"]: (r["value"], r["value_low"], r["value_high"], r["qualifier"]) for r in rows}
    assert got["range_2024-001"] == ("200", "200", "300", "range")
    assert got["range_2024-002"] == ("-30", "-30", "-20", "range")  # a fall of 20-30 %


@pytest.mark.parametrize("changes, says", [
    ({"value_high": ""}, "field 'value_high': a stated range (qualifier range) needs its upper end"),
    ({"value_high": "250"}, "field 'value': 200–250 (range) cannot be re-derived from the quote"),
    ({"value": "2", "value_high": "3"}, "field 'value': 2–3 (range) cannot be re-derived"),  # the old 23
    ({"value_high": "150"}, "field 'value_high': the upper end 150 of a range must exceed"),
    ({"qualifier": "exact", "value_high": ""}, "field 'value': 200 (exact) cannot be re-derived"),
    ({"qualifier": "exact"}, "field 'value_high': only a stated range (qualifier range) has a value_high"),
])
def test_a_stated_range_is_refused_when_it_is_not_what_the_quote_says(raw_copy, tmp_path, out_dir, changes, says):
    _range_source(raw_copy, tmp_path)
    line = edit_row(raw_copy / OBS, "obs_id", "range_2024-001", **changes)
    problems = refused(raw_copy, out_dir)
    assert any(p.startswith(f"observations.csv, line {line} (range_2024-001), {says}") for p in problems), problems

def set_cell(path, key_field: str, key: str, field: str, value: str) -> int:
    """Like edit_row, but written as a spreadsheet or editor would: CR LF line ends, so that a CR
    or LF inside a cell is quoted and stays inside it. Returns the row's line."""
    header, rows = read_rows(path)
    index = next(i for i, row in enumerate(rows) if row[key_field] == key)
    rows[index][field] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return index + 2


LINE_BREAKS = [("\r", "'\\r' (U+000D)"), ("\n", "'\\n' (U+000A)"), ("\r\n", "'\\r' (U+000D)"),
               ("\u2028", "'\\u2028' (U+2028)"), ("\u2029", "'\\u2029' (U+2029)"),
               ("\v", "'\\x0b' (U+000B)"), ("\f", "'\\x0c' (U+000C)"), ("\x85", "'\\x85' (U+0085)")]


@pytest.mark.parametrize("brk, shown", LINE_BREAKS)
@pytest.mark.parametrize("after", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain words"])
def test_a_line_break_in_a_raw_cell_is_refused(raw_copy, out_dir, brk, shown, after):
    line = set_cell(raw_copy / OBS, "obs_id", "hubei_2023-001", "curator_note", f"note{brk}{after}")
    assert refused(raw_copy, out_dir) == [
        f"observations.csv, line {line} (hubei_2023-001), field 'curator_note': line break {shown} "
        "inside the cell: a raw cell is one line (join its lines with a space)"]


@pytest.mark.parametrize("table, key_field, key, field, shown_key", [
    ("exclusions.csv", "context", "效果。2021年以来", "note", "hubei_2023, 效果。2021年以来"),
    ("sources.csv", "source_id", "hubei_2023", "headline", "hubei_2023"),
    ("regions.csv", "region_code", "420000", "name_en", "420000"),
    ("observations.csv", "obs_id", "hubei_2023-002", "quote", "hubei_2023-002"),
])
@pytest.mark.parametrize("brk", ["\r", "\n", "\u2028"])
def test_a_line_break_is_refused_in_every_raw_table(raw_copy, out_dir, table, key_field, key,
                                                    field, shown_key, brk):
    header, rows = read_rows(raw_copy / table)
    value = next(r[field] for r in rows if r[key_field] == key)
    line = set_cell(raw_copy / table, key_field, key, field, value[:2] + brk + "=1+1" + value[2:])
    assert any(p.startswith(f"{table}, line {line} ({shown_key}), field '{field}': line break ")
               for p in refused(raw_copy, out_dir))
