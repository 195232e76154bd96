"""The candidate sheet of add-source: signed values, suggestions that agree with the mention's kind,
non-quantities flagged, zero claims in words; and its precision on the archived reports, leave one
report out (benchmarks/suggestion_precision.py prints the same measurement)."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from analysis.config import PROCESSED_DIR, RAW_DIR
from analysis.dataset.audit import extract_mentions
from analysis.dataset.curation import write_candidates
from analysis.dataset.numbers import find_mentions
from analysis.dataset.text import normalize

START, END = "开头。", "(完)"


def sheet(text: str, tmp_path) -> list[dict[str, str]]:
    """The candidate sheet add-source writes for a report whose body is ``text``."""
    normalized = normalize(START + text + END, "Simplified")
    path = write_candidates("t", normalized, START, END, "420000", "2024", "2024", RAW_DIR, tmp_path)
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def row(rows: list[dict[str, str]], mention: str, nth: int = 0) -> dict[str, str]:
    found = [r for r in rows if r["mention"] == mention]
    assert len(found) > nth, f"no row {nth} for {mention!r} in {[r['mention'] for r in rows]}"
    return found[nth]


def measure_of(code: str) -> tuple[str, str]:
    with (RAW_DIR / "indicators.csv").open(encoding="utf-8") as f:
        rows = {r["indicator_code"]: r for r in csv.DictReader(f)}
    return rows[code]["measure"], rows[code]["unit"]


# --- signs -------------------------------------------------------------------------------------

SIGNS = [
    ("盗窃案件同比下降12.5%。", "12.5%", "-12.5"),
    ("诈骗案件减少8%。", "8%", "-8"),
    ("抢劫案件同比降低3.5%。", "3.5%", "-3.5"),
    ("命案回落20%。", "20%", "-20"),
    ("刑事警情、治安警情分别同比下降10.2%、8.3%。", "8.3%", "-8.3"),  # the second of a list
    ("矛盾纠纷化解群众满意率同比2022年提高14.48%。", "14.48%", "14.48"),
    ("刑事警情同比增长1.5%。", "1.5%", "1.5"),
    ("电诈发案上升三成。", "三成", "30"),
    ("发案率下降至2%。", "2%", "2"),  # 下降至: a level, not a change
    ("共有3起案件减少,办结率98%。", "98%", "98"),  # the direction word is in another clause
]


def test_a_change_carries_the_sign_of_its_direction_word(tmp_path):
    wrong = [(text, row(sheet(text, tmp_path / str(n)), mention)["value"], value)
             for n, (text, mention, value) in enumerate(SIGNS)
             if row(sheet(text, tmp_path / str(n)), mention)["value"] != value]
    assert not wrong


def test_every_decline_in_the_archive_is_signed_in_its_sheet(tmp_path):
    """Each curated negative value appears negative in its report's sheet (leave one out)."""
    from analysis.dataset.suggest import Suggester, _read, read_counters, report_body

    observations = _read(RAW_DIR / "observations.csv")
    mentions = _read(PROCESSED_DIR / "mentions.csv")
    negative = {o["obs_id"]: o["value"] for o in observations if o["value"].startswith("-")}
    assert negative
    for source in _read(RAW_DIR / "sources.csv"):
        text, lo, hi = report_body(PROCESSED_DIR, source)
        suggester = Suggester(_read(RAW_DIR / "indicators.csv"), read_counters(RAW_DIR / "counters.csv"))
        values = {(r.start, r.end): r.value for r in suggester.rows(text, lo, hi)}
        for m in mentions:
            if m["source_id"] == source["source_id"]:
                for obs_id in m["decided_by"].split():
                    if obs_id in negative and m["role"] == "value":
                        assert values[(int(m["start"]), int(m["end"]))] == negative.pop(obs_id)
    assert not negative


# --- suggestions agree with the mention's kind ---------------------------------------------------

def test_each_number_of_a_clause_gets_its_own_suggestion(tmp_path):
    rows = sheet("全市建成4个警务站、9个检查站、30个卡点,28个快反点。", tmp_path)
    assert row(rows, "4")["indicator_code"] == "police_service_stations"
    assert row(rows, "28")["indicator_code"] == "rapid_response_points"
    # each number its own: 检查站 has an indicator of its own since the cited sources
    # (police_checkpoints); 卡点 is in no indicator's name, so 30 gets nothing, not the 警务站 of 4
    assert row(rows, "9")["indicator_code"] == "police_checkpoints"
    assert row(rows, "30")["indicator_code"] == ""


@pytest.mark.parametrize("text, mention", [
    ("破获盗抢骗案件160余起。", "160余"),
    ("全年调解纠纷300件。", "300"),
    ("抓获命案犯罪嫌疑人15名。", "15"),
    ("涉及吸毒人员12人。", "12"),
    ("行政村2268个。", "2268"),
    ("12.45万个视频点位。", "12.45万"),
])
def test_a_count_gets_a_count_indicator_of_its_counters_unit(tmp_path, text, mention):
    r = row(sheet(text, tmp_path), mention)
    counts = {"起": "cases", "件": "cases items", "名": "persons", "人": "persons", "个": ""}
    if r["indicator_code"]:
        measure, unit = measure_of(r["indicator_code"])
        assert measure in ("stock_count", "flow_count", "document_attribute"), r
        counter = r["counter"]
        assert counter and (not counts[counter] or unit in counts[counter].split()), r
    assert r["counter"] in counts


NAMED = [
    ("全市8类刑事案件同比下降9.1%。", "9.1%", "major_criminal_cases_eight_types_change_pct"),
    ("全省八类主要刑事案件下降31.7%。", "31.7%", "major_criminal_cases_eight_types_change_pct"),
    ("全省刑事警情同比下降5%。", "5%", "criminal_police_incidents_change_pct"),
    ("全省律师调解机构632个。", "632", "lawyer_mediation_organisations"),
    ("全市1273个调解组织。", "1273", "mediation_organisations"),
    ("全县未发生命案。", "未发生", "homicide_cases_zero"),
    ("全市没有发生吸毒人员肇事肇祸案事件。", "没有", "drug_user_incidents_zero"),
    ("全县实现“零命案”。", "零", "homicide_cases_zero"),
]


def test_the_indicator_named_by_the_words_near_the_number(tmp_path):
    got = [(text, row(sheet(text, tmp_path / str(n)), mention)["indicator_code"])
           for n, (text, mention, _) in enumerate(NAMED)]
    assert got == [(text, code) for text, _, code in NAMED]


@pytest.mark.parametrize("text, mention", [
    ("推进“三大攻坚”。", "三"),
    ("推进三大攻坚。", "三"),
    ("群众满意度连续四年居全市前列。", "四"),
    ("群众满意度连续3年居全省前列。", "3"),
    ("全市8类刑事案件同比下降9.1%。", "8"),
    ("排查十个方面矛盾风险。", "十"),
    ("织密四级防控圈。", "四"),
    ("落实四项制度。", "四"),
    ("考核位居全省前三。", "三"),
    ("综合排名前10名。", "10"),
    ("经过2年发展。", "2"),
    ("5年来,全省平安建设。", "5"),
])
def test_durations_ranks_and_labels_get_an_exclusion_not_an_indicator(tmp_path, text, mention):
    r = row(sheet(text, tmp_path), mention)
    assert r["indicator_code"] == "" and r["suggested_exclusion"], r


def test_a_percent_indicator_only_for_a_percentage_a_change_only_after_a_direction(tmp_path):
    rows = sheet("全市发案同比下降5%,群众满意度98%,破案率同比上升6%,发案率下降8%。", tmp_path)
    for mention, measures in (("5%", {"relative_change_pct"}), ("98%", {"rate", "share"}),
                              ("6%", {"relative_change_pct", "change_unspecified", "change_pp"})):
        code = row(rows, mention)["indicator_code"]
        assert not code or measure_of(code)[0] in measures, (mention, code)
    # a rate's change is not a count's change: 发案率 is not 发案数
    assert row(rows, "8%")["indicator_code"] != "crime_cases_occurred_change_pct"


# --- non-quantities flagged ----------------------------------------------------------------------

NOT_QUANTITIES = [
    ("3月15日,全市召开会议。", "3", "date"),
    ("3月15日,全市召开会议。", "15", "date"),
    ("12月底,全市召开会议。", "12", "date"),
    ("记者9日获悉。", "9", "date"),
    ("记者昨日从市公安局获悉,20日起开展行动。", "20", "date"),
    ("纪念成立70周年。", "70", "date"),
    ("严打“两卡”犯罪。", "两", "programme_name"),
    ("严打两卡犯罪。", "两", "idiom"),
    ("与四川接壤。", "四", "idiom"),
    ("群众拨打110报警。", "110", "programme_name"),
    ("拨打120急救电话。", "120", "programme_name"),
    ("拨打119。", "119", "programme_name"),
    ("对接12345政务热线。", "12345", "programme_name"),
    ("开通12368诉讼服务热线。", "12368", "programme_name"),
    ("开展“剑锋-2024”专项行动。", "2024", "programme_name"),
    ("开展剑锋-2024专项行动。", "2024", "programme_name"),
    ("开展雷火2023专项行动。", "2023", "programme_name"),
]


def test_a_numeral_inside_a_word_gives_no_row(tmp_path):
    """唯一一个 is 唯一 + 一个: the parser reads no number there (it gave 一一 = 11 before)."""
    assert sheet("全省唯一一个获此殊荣的县。", tmp_path) == []


def test_what_is_not_a_quantity_is_flagged(tmp_path):
    got = []
    for n, (text, mention, _) in enumerate(NOT_QUANTITIES):
        r = row(sheet(text, tmp_path / str(n)), mention)
        got.append((text, mention, r["suggested_exclusion"], r["indicator_code"]))
    assert got == [(text, mention, reason, "") for text, mention, reason in NOT_QUANTITIES]


LOOK_ALIKES = [
    ("查获窝点2015个。", "2015", "2015"),
    ("移送起诉1998人。", "1998", "1998"),
    ("破获案件2021起。", "2021", "2021"),
    ("10日内办结。", "10", "10"),
    ("受理110起。", "110", "110"),
]


def test_a_count_that_looks_like_a_year_a_day_or_a_hotline_is_a_count(tmp_path):
    got = [(text, row(sheet(text, tmp_path / str(n)), mention)["suggested_exclusion"])
           for n, (text, mention, _) in enumerate(LOOK_ALIKES)]
    assert got == [(text, "") for text, _, _ in LOOK_ALIKES]


# --- zero claims written in words ----------------------------------------------------------------

@pytest.mark.parametrize("text, mention", [
    ("全县未发生命案。", "未发生"),
    ("全市没有重大以上交通事故。", "没有"),
    ("韶山乡实现连续5年无命案。", "无"),
    ("全县杜绝了个人极端案件。", "杜绝"),
    ("全县未出现群体性事件。", "未出现"),
])
def test_a_zero_claim_in_words_is_a_row_with_a_zero_claim_suggestion(tmp_path, text, mention):
    r = row(sheet(text, tmp_path), mention)
    assert (r["value"], r["kind"]) == ("0", "zero")
    assert r["indicator_code"] and measure_of(r["indicator_code"])[0] == "zero_claim"


def test_figures_in_words_stand_in_the_sheet_as_the_parser_reads_them(tmp_path):
    """Zero claims in words, and 过万/上万/数万 (the parser's to read): every one it finds is a row."""
    text = "投入警力过万人次,化解纠纷数万起,全县未发生命案,上万群众参与。"
    found = [m.text for m in find_mentions(text)]
    assert "未发生" in found
    assert [r["mention"] for r in sheet(text, tmp_path)] == found


# --- the archived reports ----------------------------------------------------------------------

def _sources() -> list[dict[str, str]]:
    with (RAW_DIR / "sources.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("source", _sources(), ids=lambda s: s["source_id"])
def test_each_archived_report_gets_a_sheet(tmp_path, source):
    text = (PROCESSED_DIR / "text" / f"{source['source_id']}.txt").read_text(encoding="utf-8")
    path = write_candidates(source["source_id"], text, source["body_start"], source["body_end"],
                            source["region_code"], source["period_start"], source["period_end"],
                            RAW_DIR, tmp_path)
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lo = text.find(source["body_start"])
    hi = text.find(source["body_end"]) + len(source["body_end"])
    words_only = [m for m in find_mentions(text[lo:hi]) if m.is_zero_claim and m.text != "零"]
    assert len(rows) == len(extract_mentions(text, lo, hi)) + len(words_only)
    for r in rows:
        assert r["quote"] and r["mention"] in r["quote"]
        assert not (r["indicator_code"] and r["suggested_exclusion"])
        Decimal(r["value"]) if r["value"] else None  # a number, or empty for a date or a phone
    assert path.read_bytes() == write_candidates(
        source["source_id"], text, source["body_start"], source["body_end"], source["region_code"],
        source["period_start"], source["period_end"], RAW_DIR, tmp_path / "again").read_bytes()


def test_suggestions_are_plausible_leave_one_report_out():
    """At least 80% of the suggestions made for a report, learnt from the other reports only, are
    its curated indicator or an exclusion of an excluded mention; and most observations are found."""
    from analysis.dataset.suggest import leave_one_report_out

    scores = leave_one_report_out(RAW_DIR, PROCESSED_DIR)
    assert len(scores) == len(_sources())
    suggested = sum(s.suggested for s in scores)
    plausible = sum(s.plausible for s in scores)
    assert plausible / suggested >= 0.80, [(s.source_id, s.precision) for s in scores]
    for s in scores:
        assert s.precision >= 0.80, s
    # recall: the sheet is not made precise by suggesting nearly nothing
    assert sum(s.found for s in scores) / sum(s.observations for s in scores) >= 0.6
    # non-quantities (dates, names, labels…) are flagged
    assert sum(s.flagged for s in scores) / sum(s.not_quantities for s in scores) >= 0.8


def test_a_counter_of_an_unknown_unit_is_refused_with_file_row_and_field(raw_copy):
    from analysis.dataset.validate import ValidationFailed, load_raw

    path = raw_copy / "counters.csv"
    lines = len(path.read_text(encoding="utf-8").splitlines())
    path.write_text(path.read_text(encoding="utf-8") + "艘,ships,false,\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_raw(raw_copy)
    assert any(p.file == "counters.csv" and p.line == lines + 1 and p.field == "unit_code"
               for p in info.value.problems), info.value.problems


def test_ranges_and_multiples_in_the_sheet(tmp_path):
    rows = sheet("排查化解矛盾纠纷两三百起,刑事发案同比下降两三成,电诈破案数同比增长2倍。", tmp_path)
    got = {r["mention"]: (r["value"], r["value_high"], r["qualifier"], r["kind"]) for r in rows}
    assert got["两三百"] == ("200", "300", "range", "range")
    assert got["两三成"] == ("-30", "-20", "range", "range")
    assert got["2倍"] == ("200", "", "exact", "multiple")
