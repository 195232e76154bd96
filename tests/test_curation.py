"""Adding a report end to end (an invented one), the refusals of add-source, and diff."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analysis.questions import dataset
from analysis.build.processed import build
from analysis.build.curation import AddSourceError, add_source, diff, suggest_indicator
from analysis.publish.runs import required_runs
from analysis.build.validate import load_raw
from conftest import read_rows, write_rows

EXAMPLE = Path(__file__).parent / "fixtures" / "example_report.txt"
METADATA = dict(source_id="example_2024", headline="示例县平安建设工作综述", publisher="示例县融媒体中心",
                region_code="420299", period_start="2024", period_end="2024",
                date_published="2025-01-10", date_precision="day",
                body_start="2024年,示例县", body_end="(示例县融媒体中心)")


def add_example_region(raw: Path) -> None:
    header, rows = read_rows(raw / "regions.csv")
    rows.append({"region_code": "420299", "name_zh": "示例县", "name_en": "Example County (fictional)",
                 "level": "county", "parent_code": "420200", "is_province_administered": "false",
                 "population_2020": "", "population_source": "", "population_source_kind": "",
                 "population_note": "A fictional county for the tests."})
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
            "value", "unit", "qualifier", "base_period_start", "base_period_end", "quote", "curator_note")
    accepted = [{k: candidates[m][k] for k in keep} for m in ("1200余", "12")]
    change = {k: candidates["5.5%"][k] for k in keep}
    change.update(indicator_code="disputes_total_change_pct", value="-5.5", unit="percent",
                  base_period_start="2023", base_period_end="2023")
    zero = {k: candidates["零"][k] for k in keep}
    zero.update(indicator_code="homicide_cases_zero", value="0", unit="cases",
                period_start="2022", curator_note="连续三年: 2022-2024.")
    three = {k: candidates["三"][k] for k in keep}
    three.update(indicator_code="homicide_free_streak_duration", value="3", unit="years",
                 quote="连续三年实现“零命案”", period_start="2022")
    zero["quote"] = "连续三年实现“零命案”"
    append(raw_copy / "observations.csv", accepted + [change, zero, three])
    append(raw_copy / "exclusions.csv", [{"source_id": "example_2024", "mention": "2024",
                                          "context": "2024年,示例县", "reason": "date", "note": ""}])
    append(raw_copy / "expected_counts.csv", [{"source_id": "example_2024", "observations": "5",
                                               "mentions": "6", "excluded": "1"}])

    data = load_raw(raw_copy)
    assert len([r for r in data.tables["observations"] if r["source_id"] == "example_2024"]) == 5
    build(raw_copy, tmp_path / "processed")
    new = dataset.load(tmp_path / "processed")
    assert "02_region_profile--420299" in {run.run_id for run in required_runs(new)}


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
    with pytest.raises(AddSourceError, match="unknown region '420299': add it to regions.csv first"):
        add_source(EXAMPLE, raw_dir=raw_copy, candidates_dir=tmp_path, **METADATA)
    assert (raw_copy / "sources.csv").read_bytes() == before
    assert not (raw_copy / "reports" / EXAMPLE.name).exists()


def test_suggestions_come_from_the_codebook():
    indicators = [{"indicator_code": "mediation_organisations", "name_zh": "调解组织数"},
                  {"indicator_code": "people_mediators", "name_zh": "人民调解员人数"}]
    assert suggest_indicator("全市1273个调解组织", indicators) == "mediation_organisations"
    assert suggest_indicator("天气很好", indicators) == ""


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
