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
                region_code="421122", period_start="2024", period_end="2024",
                date_published="2025-01-10", date_precision="day",
                body_start="2024年,示例县", body_end="(示例县融媒体中心)")


def add_example_region(raw: Path) -> None:
    """The invented report speaks of a real county that no report has named yet: 红安县. Its
    population comes from census_2020.csv, which holds every county."""
    header, rows = read_rows(raw / "regions.csv")
    rows.append({"region_code": "421122", "name_zh": "红安县", "name_en": "Hong'an County",
                 "level": "county", "parent_code": "421100", "is_province_administered": "false",
                 "note": "Used by the tests with an invented report (tests/fixtures/example_report.txt)."})
    write_rows(raw / "regions.csv", header, rows)


def append(path: Path, rows: list[dict[str, str]]) -> None:
    header, existing = read_rows(path)
    write_rows(path, header, existing + rows)


def test_add_curate_validate_build_and_the_region_gets_its_notebook(raw_copy, tmp_path):
    add_example_region(raw_copy)
    sheet = add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path / "candidates", **METADATA)
    assert (raw_copy / "reports" / EXAMPLE.name).read_bytes() == EXAMPLE.read_bytes()
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
    edit_row(raw_copy / "expected_counts.csv", "source_id", "huangmei_2017_2021", compared="5")

    data = load_raw(raw_copy)
    assert len([r for r in data.tables["observations"] if r["source_id"] == "example_2024"]) == 4
    compared = data.comparisons.compared_observations
    # zero homicides in two counties; professional mediation organisations in four
    assert {"huangmei_2017_2021-001", zero["obs_id"], candidates["12"]["obs_id"]} <= compared
    roles = {d.mention.text: d.role for d in data.decisions["example_2024"]}
    assert roles == {"2024": "date", "1200余": "value", "5.5%": "value", "12": "value",
                     "三": "period", "零": "value"}
    build(raw_copy, tmp_path / "processed")
    new = dataset.load(tmp_path / "processed")
    assert "02_region_profile--421122" in {run.run_id for run in required_runs(new)}
    regions = new.regions.set_index("region_code")
    assert regions.loc["421122", "population_2020"] == 510189  # from census_2020.csv


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


def test_add_source_refuses_an_unknown_region(raw_copy, tmp_path):
    before = (raw_copy / "sources.csv").read_bytes()
    with pytest.raises(AddSourceError, match="unknown region '421122': add it to regions.csv first"):
        add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path, **METADATA)
    assert (raw_copy / "sources.csv").read_bytes() == before
    assert not (raw_copy / "reports" / EXAMPLE.name).exists()


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
                          "body_end": "(全县记者)"})
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


def test_candidates_for_the_forms_a_new_user_meets(raw_copy, tmp_path):
    text = ("2025年,全县政法系统开展“清风2025”和清风2025专项行动,群众参与近三成,纠纷两成左右,"
            "实现零命案,排名全省第一,发布时间2026-01-15,电话0719-1234567,实现“十四五”目标。\n(完)\n")
    report = tmp_path / "r.txt"
    report.write_text(text, encoding="utf-8")
    sheet = add_source(report, raw_dir=raw_copy, candidates_dir=tmp_path / "c",
                       **{**METADATA, "region_code": "420000", "body_start": "2025年,全县",
                          "body_end": "(完)"})
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
