"""Adding a report end to end (an invented one), the refusals of add-source, and diff."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analysis.questions import dataset
from analysis.dataset.processed import build
from analysis.dataset.curation import AddSourceError, add_source, diff
from analysis.publish.runs import required_runs
from analysis.dataset.validate import load_raw
from conftest import edit_row, read_rows, write_rows

EXAMPLE = Path(__file__).parent / "fixtures" / "example_report.txt"
METADATA = dict(source_id="example_2024", headline="示例县平安建设工作综述", publisher="示例县融媒体中心",
                region_code="421123", period_start="2024", period_end="2024",
                date_published="2025-01-10", date_precision="day",
                body_start="2024年,示例县", body_end="(示例县融媒体中心)")


def append(path: Path, rows: list[dict[str, str]]) -> None:
    header, existing = read_rows(path)
    write_rows(path, header, existing + rows)


def test_add_curate_validate_build_and_the_region_gets_its_notebook(raw_copy, tmp_path):
    # The invented report speaks of a real county that no report has named yet: 罗田县. add-source
    # takes its row from census_2020.csv, which holds every county; the curator writes its
    # English name.
    sheet = add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path / "candidates", **METADATA).sheet
    assert (raw_copy / "reports" / EXAMPLE.name).read_bytes() == EXAMPLE.read_bytes()
    edit_row(raw_copy / "regions.csv", "region_code", "421123", name_en="Luotian County")
    with sheet.open(encoding="utf-8") as f:
        candidates = {row["mention"]: row for row in csv.DictReader(f)}
    # the phone number and the publication date are page furniture: not candidates
    assert set(candidates) == {"2024", "1200余", "5.5%", "12", "三", "零"}
    assert candidates["1200余"]["indicator_code"] == "disputes_screened_resolved"
    assert (candidates["1200余"]["value"], candidates["1200余"]["qualifier"]) == ("1200", "more_than")
    assert candidates["12"]["indicator_code"] == "professional_mediation_organisations"
    assert candidates["2024"]["suggested_exclusion"] == "date"

    # The curator accepts, completes and sets aside, as the README walkthrough says.
    keep = ("obs_id", "source_id", "region_code", "indicator_code", "period_start", "period_end",
            "period_basis", "value", "unit", "qualifier", "scope", "base_period_start",
            "base_period_end", "quote", "label_numbers", "curator_note")
    accepted = [{k: candidates[m][k] for k in keep} for m in ("1200余", "12")]
    change = {k: candidates["5.5%"][k] for k in keep}
    change.update(indicator_code="disputes_total_change_pct", value="-5.5", unit="percent",
                  base_period_start="2023", base_period_end="2023")
    assert candidates["零"]["value"] == "0" and candidates["零"]["period_basis"] == "review_period_assumed"
    zero = {k: candidates["零"][k] for k in keep}
    # 连续三年 is the period of the zero claim: its 三 is curated as the period, not as a row.
    zero.update(indicator_code="homicide_cases_zero", unit="cases", period_start="2022",
                period_basis="stated", quote="连续三年实现“零命案”", curator_note="连续三年: 2022-2024.")
    append(raw_copy / "observations.csv", accepted + [change, zero])
    append(raw_copy / "exclusions.csv", [{"source_id": "example_2024", "mention": "2024",
                                          "context": "2024年,示例县", "reason": "date", "note": ""}])
    append(raw_copy / "expected_counts.csv", [{"source_id": "example_2024", "observations": "4",
                                               "mentions": "6", "excluded": "1", "compared": "2"}])
    # A second county with a zero-homicide claim makes 黄梅's comparable too: a reviewed change.
    edit_row(raw_copy / "expected_counts.csv", "source_id", "huangmei_2017_2021", compared="6")

    data = load_raw(raw_copy)
    assert len([r for r in data.tables["observations"] if r["source_id"] == "example_2024"]) == 4
    compared = data.comparisons.compared_observations
    # zero homicides in two counties; the county's 12 mediation organisations (2024) are more than
    # 12 months from every other county-tier count (2022): a stock compares only within a window
    assert {"huangmei_2017_2021-001", zero["obs_id"]} <= compared
    assert candidates["12"]["obs_id"] not in compared
    roles = {d.mention.text: d.role for d in data.decisions["example_2024"]}
    assert roles == {"2024": "date", "1200余": "value", "5.5%": "value", "12": "value",
                     "三": "period", "零": "value"}
    build(raw_copy, tmp_path / "processed")
    new = dataset.load(tmp_path / "processed")
    assert "02_region_profile--421123" in {run.run_id for run in required_runs(new)}
    regions = new.regions.set_index("region_code")
    assert regions.loc["421123", "population_2020"] == 473195  # from census_2020.csv


def test_add_source_refuses_an_archived_file(raw_copy, tmp_path):
    archived = raw_copy / "reports" / "000_136922e6d031a17b.txt"
    copy = tmp_path / "again.txt"
    shutil.copyfile(archived, copy)
    with pytest.raises(AddSourceError, match="already archived as hubei_2023"):
        add_source(copy, raw_dir=raw_copy, candidates_dir=tmp_path, **{**METADATA, "region_code": "420000"})


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00", "平安".encode("gbk") + b"\xff"])
def test_add_source_refuses_what_is_not_text(raw_copy, tmp_path, content):
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    with pytest.raises(AddSourceError, match="not a text file"):
        add_source(path, raw_dir=raw_copy, candidates_dir=tmp_path, **{**METADATA, "region_code": "420000"})
    assert not (raw_copy / "reports" / "report.txt").exists()


def refused_add_source(raw, tmp_path, content: str, **options) -> str:
    """Run add-source on ``content``; expect a refusal that writes nothing; return its message."""
    report = tmp_path / "new_report.txt"
    report.write_text(content, encoding="utf-8")
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    with pytest.raises(AddSourceError) as info:
        add_source(report, raw_dir=raw, candidates_dir=tmp_path / "candidates",
                   **{**METADATA, "region_code": "420000", **options})
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "candidates").exists()
    assert "\n" not in str(info.value)
    return str(info.value)


NEW_REPORT = "首页\n2025年，全县政法系统化解矛盾纠纷近三成。\n全县政法系统表彰先进。\n(全县记者)\n"


def test_a_marker_copied_as_printed_is_normalized_and_found(raw_copy, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    sheet = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": "2025年，全县政法系统",
                          "body_end": "(全县记者)"}).sheet
    with sheet.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["mention"], r["value"], r["qualifier"]) for r in rows] == [
        ("2025", "2025", "exact"), ("近三成", "30", "nearly")]
    _, sources = read_rows(raw_copy / "sources.csv")
    assert sources[-1]["body_start"] == "2025年,全县政法系统"  # as it stands in the normalized text


@pytest.mark.parametrize("options, says", [
    ({"body_start": "2026年,全县"}, "--body-start '2026年,全县' occurs 0 times"),
    ({"body_start": "全县政法系统"}, "--body-start '全县政法系统' occurs 2 times"),
    ({"body_start": "2025年，全县", "body_end": "不存在的结尾"}, "--body-end '不存在的结尾' occurs 0 times"),
    ({"body_start": "(全县记者)", "body_end": "2025年，全县"}, "comes before --body-start"),
    ({"body_start": "2025年，全县", "period_start": "2025-13"}, "--period-start: '2025-13' is not a date"),
])
def test_add_source_refuses_a_marker_not_found_once(raw_copy, tmp_path, options, says):
    message = refused_add_source(raw_copy, tmp_path, NEW_REPORT, **{"body_end": "(全县记者)", **options})
    assert says in message, message


@pytest.mark.parametrize("option, value, says", [
    ("headline", "平安湖北\r=1+1", "--headline: line break '\\r' (U+000D)"),
    ("headline", "平安湖北\n建设", "--headline: line break '\\n' (U+000A)"),
    ("publisher", "法治资讯网\r\n+1", "--publisher: line break '\\r' (U+000D)"),
    ("byline", "通讯员\u2028@x", "--byline: line break '\\u2028' (U+2028)"),
    ("original_url", "http://x\u2029", "--original-url: line break '\\u2029' (U+2029)"),
])
def test_add_source_refuses_a_line_break_in_a_value(raw_copy, tmp_path, option, value, says):
    # Written, it would split sources.csv's new row (a lone CR went out unquoted) or fail validation.
    message = refused_add_source(raw_copy, tmp_path, NEW_REPORT, body_start="2025年，全县",
                                 body_end="(全县记者)", **{option: value})
    assert message.startswith(says), message


def test_candidates_for_the_forms_a_new_user_meets(raw_copy, tmp_path):
    text = ("2025年,全县政法系统开展“清风2025”和清风2025专项行动,群众参与近三成,纠纷两成左右,"
            "实现零命案,排名全省第一,发布时间2026-01-15,电话0719-1234567,实现“十四五”目标。\n(完)\n")
    report = tmp_path / "r.txt"
    report.write_text(text, encoding="utf-8")
    sheet = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": "2025年,全县",
                          "body_end": "(完)"}).sheet
    with sheet.open(encoding="utf-8") as f:
        rows = [(r["mention"], r["kind"], r["value"], r["qualifier"], r["suggested_exclusion"])
                for r in csv.DictReader(f)]
    assert rows == [
        ("2025", "date", "2025", "exact", "date"),
        ("2025", "number", "2025", "exact", "programme_name"),  # in quotation marks
        ("2025", "number", "2025", "exact", "programme_name"),  # glued to a name
        ("近三成", "percent", "30", "nearly", ""),
        ("两成左右", "percent", "20", "about", ""),
        ("零", "zero", "0", "exact", ""),
        ("第一", "ordinal", "1", "exact", "rhetorical"),
        ("2026-01-15", "date", "", "exact", "date"),
        ("0719-1234567", "phone", "", "exact", "other"),
        ("十四", "number", "14", "exact", "programme_name"),  # “十四五”, read as 十四 + 五
        ("五", "number", "5", "exact", "programme_name"),
    ]


def test_diff_lists_added_removed_and_changed_rows(tmp_path):
    import subprocess

    from analysis.config import RAW_DIR

    repo = tmp_path / "repo"
    raw = repo / "data" / "raw"
    raw.mkdir(parents=True)
    for name in ("observations.csv", "expected_counts.csv", "exclusions.csv"):
        shutil.copyfile(RAW_DIR / name, raw / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "data"], cwd=repo, check=True)
    header, rows = read_rows(raw / "observations.csv")
    rows[0]["value"] = "-11"
    removed = rows.pop(1)
    rows.append({**removed, "obs_id": "hubei_2023-999"})
    write_rows(raw / "observations.csv", header, rows)
    changes = diff("HEAD", raw, repo=repo)
    assert changes == [
        f"+ observations hubei_2023-999: indicator_code={removed['indicator_code']}, "
        f"value={removed['value']}, qualifier={removed['qualifier']}, quote={removed['quote']}",
        f"- observations {removed['obs_id']}: indicator_code={removed['indicator_code']}, "
        f"value={removed['value']}, qualifier={removed['qualifier']}, quote={removed['quote']}",
        f"~ observations {rows[0]['obs_id']}: value: '-10.2' → '-11'",
    ]
    subprocess.run(git + ["stash", "-q"], cwd=repo, check=True)
    assert diff("HEAD", raw, repo=repo) == []


# --- reports as they arrive: script, repeated paragraphs, regions from the census ---------------

def sheet_rows(sheet: Path) -> list[dict[str, str]]:
    with sheet.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def source_row(raw: Path, source_id: str) -> dict[str, str]:
    return next(r for r in read_rows(raw / "sources.csv")[1] if r["source_id"] == source_id)


def test_a_traditional_report_is_detected_converted_and_said_so(raw_copy, tmp_path):
    # The Tianmen page as it arrives (a converted site: Traditional with pinyin glosses), one byte
    # longer than the archived copy so that it is not refused as already archived.
    tianmen = source_row(raw_copy, "tianmen_2012_2022")
    report = tmp_path / "tianmen_again.txt"
    report.write_bytes((raw_copy / "reports" / tianmen["file"]).read_bytes() + b"\n")
    added = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "source_id": "tianmen_again", "region_code": "429006",
                          "body_start": tianmen["body_start"], "body_end": tianmen["body_end"]})
    assert added.script == "Traditional"
    row = source_row(raw_copy, "tianmen_again")
    assert row["script"] == "Traditional"
    assert "Script detected: Traditional (851 Traditional and 49 Simplified forms" in row["notes"]
    rows = sheet_rows(added.sheet)
    amounts = [r for r in rows if r["mention"] == "数万"]
    assert [(r["value"], r["qualifier"]) for r in amounts] == [("10000", "more_than")]
    assert "人民币数万元" in amounts[0]["quote"]
    # the quotes are Simplified: no character that t2s would still change
    from analysis.dataset.text import to_simplified
    assert all(to_simplified(r["quote"]) == r["quote"] for r in rows)


TRADITIONAL_REPORT = ("網站首頁\n2024年,示例縣公安機關偵破電信網絡詐騙案件120起,挽回損失3.5萬元,"
                      "化解矛盾糾紛1200餘起。\n(示例縣融媒體中心)\n")


def test_a_short_traditional_report_reads_wan_as_a_multiplier(raw_copy, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(TRADITIONAL_REPORT, encoding="utf-8")
    added = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": "2024年,示例縣",
                          "body_end": "(示例縣融媒體中心)"})
    rows = {r["mention"]: r for r in sheet_rows(added.sheet)}
    assert (rows["3.5万"]["value"], rows["3.5万"]["quote"]) == ("35000", "挽回损失3.5万元")
    assert rows["1200余"]["quote"] == "化解矛盾纠纷1200余起"
    assert source_row(raw_copy, "example_2024")["body_start"] == "2024年,示例县"


def test_script_given_overrides_detection_and_both_are_recorded(raw_copy, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(TRADITIONAL_REPORT, encoding="utf-8")
    added = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "script": "Simplified",
                          "body_start": "2024年,示例縣", "body_end": "(示例縣融媒體中心)"})
    assert added.script == "Simplified"
    notes = source_row(raw_copy, "example_2024")["notes"]
    assert "Script given with --script: Simplified (detected: Traditional (" in notes
    # the text keeps 萬 as asked; the parser still reads it as the multiplier it is
    rows = {r["mention"]: r for r in sheet_rows(added.sheet)}
    assert rows["3.5萬"]["value"] == "35000"


@pytest.mark.parametrize("content, says", [
    # the same words in both scripts: no guess
    ("2024年,示例縣平安建設工作綜述,發布時間。同年,示例县平安建设工作综述,发布时间。\n(完)\n",
     "mixed scripts (6 Traditional and 6 Simplified forms among 34 Han characters, a Traditional "
     "share of 0.50"),
    # almost no Han characters
    ("Annual report 2024: 120 cases (PDF), 平安.\n(完)\n", "too few characters tell the scripts apart"),
])
def test_a_script_that_cannot_be_told_is_refused_unless_given(raw_copy, tmp_path, content, says):
    message = refused_add_source(raw_copy, tmp_path, content, body_start="2024", body_end="(完)")
    assert says in message and "give --script Simplified or --script Traditional" in message, message
    report = tmp_path / "r.txt"
    report.write_text(content, encoding="utf-8")
    added = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "script": "Traditional",
                          "body_start": "2024", "body_end": "(完)"})
    assert added.script == "Traditional"


LEAD = "2024年,示例县深入推进平安建设,全县共排查化解矛盾纠纷1200余起,矛盾纠纷总量同比下降5.5%。"
SUMMARY_PAGE = f"网站首页\n摘要:{LEAD}\n{LEAD}全县建成调解组织12个。\n(示例县融媒体中心)\n"
SUMMARY_IS_LEAD = f"网站首页\n{LEAD}\n责任编辑:李明\n{LEAD}\n全县建成调解组织12个。\n(示例县融媒体中心)\n"


def test_a_marker_in_a_repeated_lead_paragraph_says_which_lines_repeat(raw_copy, tmp_path):
    message = refused_add_source(raw_copy, tmp_path, SUMMARY_PAGE, body_start="2024年,示例县",
                                 body_end="(示例县融媒体中心)")
    assert ("occurs 2 times" in message and "line 3 repeats line 2 as its beginning (a summary "
            "repeating the lead paragraph?); the body starts at line 3: --body-start ") in message
    suggested = message.split("--body-start ")[-1].split(" occurs once")[0].strip("'")
    added = add_source(tmp_path / "new_report.txt", raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": suggested,
                          "body_end": "(示例县融媒体中心)"})
    rows = sheet_rows(added.sheet)
    assert [r["mention"] for r in rows] == ["2024", "1200余", "5.5%", "12"]  # each figure once
    assert added.notices == []


def test_a_lead_paragraph_repeated_whole_gets_a_marker_across_the_line_break(raw_copy, tmp_path):
    message = refused_add_source(raw_copy, tmp_path, SUMMARY_IS_LEAD, body_start="2024年,示例县",
                                 body_end="(示例县融媒体中心)")
    assert "line 4 repeats line 2 (a summary" in message, message
    assert r"--body-start '明\n2024年,示例' occurs once" in message, message
    added = add_source(tmp_path / "new_report.txt", raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": "明\n2024年,示例",
                          "body_end": "(示例县融媒体中心)"})
    assert [r["mention"] for r in sheet_rows(added.sheet)] == ["2024", "1200余", "5.5%", "12"]
    # sources.csv holds one line per cell: the line break inside the marker is written \n
    assert source_row(raw_copy, "example_2024")["body_start"] == r"明\n2024年,示例"


def test_a_repeated_paragraph_inside_the_body_keeps_quotes_to_the_clause(raw_copy, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SUMMARY_PAGE, encoding="utf-8")
    added = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": "摘要:2024年",
                          "body_end": "(示例县融媒体中心)"})
    assert len(added.notices) == 1 and added.notices[0].startswith(
        "line 3 repeats line 2 as its beginning (a summary repeating the lead paragraph?), both "
        "inside the body"), added.notices
    rows = sheet_rows(added.sheet)
    quotes = {(r["mention"], r["quote"], r["quote_occurrences"]) for r in rows}
    assert quotes == {("2024", "摘要:2024年", "1"), ("2024", "2024年", "2"),
                      ("1200余", "全县共排查化解矛盾纠纷1200余起", "2"),
                      ("5.5%", "矛盾纠纷总量同比下降5.5%", "2"),
                      ("12", "全县建成调解组织12个", "1")}


@pytest.mark.parametrize("body, expected_first", [
    ("示例县平安建设取得成效,全县化解纠纷12起。全县平安建设取得成效,全县化解纠纷12起,调解成功率98%。",
     "示例县平安建设取得成效,全县化解纠纷12起"),
    ("全县化解纠纷12起,成效明显。全县化解纠纷12起,成效明显,群众满意。", "全县化解纠纷12起,成效明显。"),
])
def test_candidate_quotes_are_whole_clauses(raw_copy, tmp_path, body, expected_first):
    # A clause that occurs twice is widened a clause at a time, never into part of a word.
    report = tmp_path / "r.txt"
    report.write_text(f"首页\n{body}\n(完)\n", encoding="utf-8")
    added = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "script": "Simplified",
                          "body_start": "首页", "body_end": "(完)"})
    for row in sheet_rows(added.sheet):
        start = body.find(row["quote"])
        assert start >= 0
        assert start == 0 or body[start - 1] in ",。", row["quote"]
        end = start + len(row["quote"])
        assert end == len(body) or body[end] in ",。" or body[end - 1] == "。", row["quote"]
        assert body.count(row["quote"]) == 1 and row["quote_occurrences"] == "1", row["quote"]
    assert sheet_rows(added.sheet)[0]["quote"] == expected_first


def test_a_county_the_census_knows_is_added_to_regions(raw_copy, tmp_path):
    header, before = read_rows(raw_copy / "regions.csv")
    added = add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path / "c", **METADATA)
    _, after = read_rows(raw_copy / "regions.csv")
    assert after[:-1] == before
    assert after[-1] == {"region_code": "421123", "name_zh": "罗田县", "name_en": "", "level": "county",
                         "parent_code": "421100", "is_province_administered": "false",
                         "note": "Added by add-source for example_2024 from census_2020.csv (name, "
                                 "level, parent); name_en to be written by the curator."}
    assert added.regions_added == [after[-1]]
    # until the curator writes the English name, the build says what is missing
    problems = [str(p) for p in load_raw_problems(raw_copy)]
    assert any("regions.csv" in p and "421123" in p and "name_en" in p for p in problems), problems


def load_raw_problems(raw: Path) -> list:
    from analysis.dataset.validate import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        load_raw(raw)
    return info.value.problems


def test_a_missing_parent_is_added_before_its_county(raw_copy, tmp_path):
    header, rows = read_rows(raw_copy / "regions.csv")
    write_rows(raw_copy / "regions.csv", header, [r for r in rows if r["region_code"] != "421100"])
    added = add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path / "c", **METADATA)
    assert [(r["region_code"], r["name_zh"], r["level"], r["parent_code"])
            for r in added.regions_added] == [("421100", "黄冈市", "prefecture", "420000"),
                                              ("421123", "罗田县", "county", "421100")]


def test_a_city_under_the_province_is_province_administered(raw_copy, tmp_path):
    header, rows = read_rows(raw_copy / "regions.csv")
    write_rows(raw_copy / "regions.csv", header, [r for r in rows if r["region_code"] != "429005"])
    added = add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "429005"})
    assert [(r["name_zh"], r["parent_code"], r["is_province_administered"])
            for r in added.regions_added] == [("潜江市", "420000", "true")]


@pytest.mark.parametrize("code, says", [
    ("421199", "unknown region '421199': neither regions.csv nor census_2020.csv lists it"),
    ("421123999", "unknown region '421123999': neither regions.csv nor census_2020.csv lists it"),
    ("421171", "region '421171' (龙感湖管理区) is a functional_zone in census_2020.csv, a level "
               "regions.csv does not have"),
])
def test_a_region_neither_file_can_place_is_refused(raw_copy, tmp_path, code, says):
    message = refused_add_source(raw_copy, tmp_path, NEW_REPORT, region_code=code,
                                 body_start="2025年,全县", body_end="(全县记者)")
    assert says in message, message


def test_a_refusal_adds_no_region(raw_copy, tmp_path):
    message = refused_add_source(raw_copy, tmp_path, NEW_REPORT, region_code="421123",
                                 body_start="不存在", body_end="(全县记者)")
    assert "occurs 0 times" in message


# --- cited sources: add-cited ------------------------------------------------------------------------

CITED = dict(source_id="hb_example_2024_cited", url="https://example.org/p/1.html", publisher="示例网",
             original_outlet="示例日报", headline="示例市平安建设综述", date_published="2025-01-10",
             date_precision="day", region_code="421300", period_start="2024", period_end="2024",
             source_kind="news_outlet", what_was_read="the opening of the page as stored")


def test_a_cited_source_and_its_numbers_are_added_and_checked(raw_copy):
    from analysis.dataset.curation import add_cited_observation, add_cited_source

    add_cited_source(raw_dir=raw_copy, **CITED)
    number = dict(source_id=CITED["source_id"], indicator_code="criminal_police_incidents_change_pct",
                  region_code="421300", period_start="2024", period_end="2024", period_basis="stated",
                  value="-12.5", unit="percent", qualifier="exact", base_period_start="2023",
                  base_period_end="2023", number_as_printed="12.5%", direction_as_printed="下降",
                  locator="paragraph 2, 1st figure", raw_dir=raw_copy)
    row = add_cited_observation(**number)
    assert row["obs_id"] == "hb_example_2024_cited-001"
    assert add_cited_observation(**{**number, "value": "52000", "indicator_code": "disputes_screened_resolved",
                                    "unit": "cases", "qualifier": "more_than", "base_period_start": "",
                                    "base_period_end": "", "number_as_printed": "5.2万余",
                                    "direction_as_printed": ""})["obs_id"] == "hb_example_2024_cited-002"
    _, rows = read_rows(raw_copy / "cited_observations.csv")
    assert [r["obs_id"] for r in rows if r["source_id"] == CITED["source_id"]] == [
        "hb_example_2024_cited-001", "hb_example_2024_cited-002"]


@pytest.mark.parametrize("changes, says", [
    ({"number_as_printed": "同比下降12.5%"}, "field 'number_as_printed': not a number expression"),
    ({"value": "12.5"}, "field 'value': 12.5 (exact) is not what '下降12.5%' says: it states -12.5 (exact)"),
    ({"direction_as_printed": ""}, "field 'direction_as_printed': a change needs the direction word"),
    ({"direction_as_printed": "很多"}, "field 'direction_as_printed': not a direction word"),
    ({"period_end": "2025-06"}, "field 'period_end': the period ends 2025-06-30, but the report was published"),
    ({"unit": "cases"}, "field 'unit': 'cases' disagrees with the codebook"),
    ({"locator": "第二段"}, ""),  # a locator in other words is fine: only its presence is checked
])
def test_a_cited_number_is_refused_in_one_line_and_nothing_is_written(raw_copy, changes, says):
    from analysis.dataset.curation import add_cited_observation, add_cited_source

    add_cited_source(raw_dir=raw_copy, **CITED)
    before = (raw_copy / "cited_observations.csv").read_bytes()
    number = dict(source_id=CITED["source_id"], indicator_code="criminal_police_incidents_change_pct",
                  region_code="421300", period_start="2024", period_end="2024", period_basis="stated",
                  value="-12.5", unit="percent", qualifier="exact", base_period_start="2023",
                  base_period_end="2023", number_as_printed="12.5%", direction_as_printed="下降",
                  locator="paragraph 2, 1st figure", raw_dir=raw_copy)
    if not says:
        add_cited_observation(**{**number, **changes})
        return
    with pytest.raises(AddSourceError) as info:
        add_cited_observation(**{**number, **changes})
    assert f"cited_observations.csv, line" in str(info.value) and says in str(info.value), str(info.value)
    assert (raw_copy / "cited_observations.csv").read_bytes() == before


@pytest.mark.parametrize("changes, says", [
    ({"source_id": "hubei_2023"}, "is already an archived report's id"),
    ({"source_id": "hb_enshi_2025"}, "duplicate id"),
    ({"region_code": "999999"}, "unknown region"),
    ({"period_end": "2025-12"}, "the review period ends 2025-12-31, after the report was published"),
    ({"headline": "示例市平安建设综述\n第二行"}, "line break"),
])
def test_a_cited_source_is_refused_in_one_line(raw_copy, changes, says):
    from analysis.dataset.curation import add_cited_source

    before = (raw_copy / "cited_sources.csv").read_bytes()
    with pytest.raises(AddSourceError) as info:
        add_cited_source(raw_dir=raw_copy, **{**CITED, **changes})
    assert says in str(info.value), str(info.value)
    assert (raw_copy / "cited_sources.csv").read_bytes() == before


def test_the_same_article_is_cited_once(raw_copy):
    from analysis.dataset.curation import add_cited_source

    add_cited_source(raw_dir=raw_copy, **CITED)
    with pytest.raises(AddSourceError) as info:
        add_cited_source(raw_dir=raw_copy, **{**CITED, "source_id": "hb_example_reprint",
                                               "url": "https://elsewhere.example.org/a.html"})
    assert "the same article as hb_example_2024_cited (same outlet" in str(info.value)
