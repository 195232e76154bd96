"""The number-mention extractor and the audit: every number curated or excluded."""

import pytest

from analysis.dataset.audit import extract_mentions
from analysis.dataset.processed import build
from analysis.dataset.validate import ValidationFailed, load_raw
from conftest import edit_row, read_rows, write_rows


def found(text):
    return [(m.text, m.kind, m.value, m.qualifier) for m in extract_mentions(text)]


@pytest.mark.parametrize("text, expected", [
    ("共报送线索1885件1909人", [("1885", "number", "1885", "exact"), ("1909", "number", "1909", "exact")]),
    ("排查化解矛盾纠纷60万余起", [("60万余", "number", "600000", "more_than")]),
    ("查扣资产2亿多元", [("2亿多", "number", "200000000", "more_than")]),
    ("挽回损失数万元", [("数万", "number", "10000", "more_than")]),
    ("近五年来实现零命案", [("五", "number", "5", "exact"), ("零", "zero", "0", "exact")]),
    ("每个湾村一般住十几户人", [("十几", "number", "10", "more_than")]),
    ("分两批推进", [("两", "number", "2", "exact")]),
    ("每天多达上百件", [("上百", "number", "100", "about")]),
    ("三年攻坚", [("三", "number", "3", "exact")]),
    ("下降百分之五", [("百分之五", "percent", "5", "exact")]),
    ("提高3.5个百分点", [("3.5个百分点", "percent", "3.5", "exact")]),
    ("保持98%以上", [("98%以上", "percent", "98", "more_than")]),
    ("约300人", [("约300", "number", "300", "about")]),
    ("300人左右", [("300人左右", "number", "300", "about")]),
    ("超20个", [("超20", "number", "20", "more_than")]),
    ("逾500起", [("逾500", "number", "500", "more_than")]),
    ("共1,234人", [("1,234", "number", "1234", "exact")]),
    ("坚持第一议题", [("第一", "ordinal", "1", "exact")]),
    ("第3批", [("第3", "ordinal", "3", "exact")]),
    ("排名第十二位", [("第十二", "ordinal", "12", "exact")]),
    ("2024年1月26日", [("2024", "date", "2024", "exact"), ("1", "date", "1", "exact"),
                      ("26", "date", "26", "exact")]),
    ("判处13年至11个月", [("13", "range", "13", "exact"), ("11", "range", "11", "exact")]),
    ("3-5年", [("3", "range", "3", "exact"), ("5", "range", "5", "exact")]),
    ("一头耕牛,一步一个脚印", []),
    # 成 is tenths of the whole: a percent
    ("群众参与率近三成", [("近三成", "percent", "30", "nearly")]),
    ("占两成左右", [("两成左右", "percent", "20", "about")]),
    ("九成以上", [("九成以上", "percent", "90", "more_than")]),
    ("三成员,一成不变,成立", [("三", "number", "3", "exact")]),
    ("实现零命案", [("零", "zero", "0", "exact")]),
    ("开展清风2025专项行动", [("2025", "number", "2025", "exact")]),
    # one token each, not a range of two numbers
    ("发布时间:2026-01-15", [("2026-01-15", "date", "", "exact")]),
    ("电话:0719-1234567", [("0719-1234567", "phone", "", "exact")]),
    ("手机13912345678", [("13912345678", "phone", "", "exact")]),
    # a run of numerals that is not one numeral is read as consecutive numerals
    ("“十四五”规划", [("十四", "number", "14", "exact"), ("五", "number", "5", "exact")]),
])
def test_extractor_forms(text, expected):
    assert found(text) == expected


def test_offsets_are_in_the_whole_text_and_context_stays_in_the_body():
    text = "页眉 12\n正文:共化解纠纷300余起。\n页脚 99"
    body_start, body_end = text.index("正文"), text.index("\n页脚")
    (mention,) = extract_mentions(text, body_start, body_end)
    assert text[mention.start:mention.end] == "300余" and mention.context == "正文:共化解纠纷300余起。"


def test_the_committed_data_pass_the_audit():
    from analysis.config import RAW_DIR

    data = load_raw(RAW_DIR)
    statuses = {d.status for decisions in data.decisions.values() for d in decisions}
    assert statuses == {"curated", "excluded"}


def problems(raw):
    with pytest.raises(ValidationFailed) as info:
        load_raw(raw)
    return [str(p) for p in info.value.problems]


def test_an_undecided_number_fails_with_source_position_and_context(raw_copy):
    header, rows = read_rows(raw_copy / "exclusions.csv")
    dropped = next(r for r in rows if r["source_id"] == "hubei_2023" and r["mention"] == "37")
    write_rows(raw_copy / "exclusions.csv", header, [r for r in rows if r is not dropped])
    found_ = problems(raw_copy)
    assert any(p.startswith("reports/000_136922e6d031a17b.txt (hubei_2023): number '37' at offset ")
               and "37度的高温" in p for p in found_)


def test_an_exclusion_that_matches_nothing_fails(raw_copy):
    header, rows = read_rows(raw_copy / "exclusions.csv")
    rows.append({"source_id": "hubei_2023", "mention": "春运", "context": "随着春运正式启动",
                 "reason": "date", "note": ""})
    write_rows(raw_copy / "exclusions.csv", header, rows)
    assert any("'春运' contains no number mention: the exclusion matches nothing" in p
               for p in problems(raw_copy))


def test_an_exclusion_whose_context_is_not_unique_fails(raw_copy):
    header, rows = read_rows(raw_copy / "exclusions.csv")
    rows.append({"source_id": "hubei_2023", "mention": "2023", "context": "2023", "reason": "date", "note": ""})
    write_rows(raw_copy / "exclusions.csv", header, rows)
    assert any("field 'context': context occurs" in p for p in problems(raw_copy))


def test_other_needs_a_note(raw_copy):
    header, rows = read_rows(raw_copy / "exclusions.csv")
    row = next(r for r in rows if r["reason"] == "other")
    row["note"] = ""
    write_rows(raw_copy / "exclusions.csv", header, rows)
    assert any("field 'note': an exclusion for 'other' needs a note" in p for p in problems(raw_copy))


def test_a_change_in_counts_must_be_reviewed(raw_copy, tmp_path):
    edit_row(raw_copy / "expected_counts.csv", "source_id", "hubei_2023", observations="34")
    assert any("expected_counts.csv, line" in p and "(hubei_2023), field 'observations': expected 34, found 31"
               in p for p in problems(raw_copy))
    with pytest.raises(ValidationFailed):
        build(raw_copy, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- a number inside a quote is curated only if it plays a role in the quoting observation --------

def without_exclusion(raw, source_id, context):
    header, rows = read_rows(raw / "exclusions.csv")
    kept = [r for r in rows if (r["source_id"], r["context"]) != (source_id, context)]
    assert len(kept) == len(rows) - 1
    write_rows(raw / "exclusions.csv", header, kept)


def test_a_number_in_a_quote_that_is_not_its_value_is_undecided(raw_copy):
    # 10天,一起判刑6个月、罚金2000元…: 6 lies in hubei-034's quote but is not its value (10).
    without_exclusion(raw_copy, "hubei_2023", "一起判刑6个月")
    assert any(p.startswith("reports/000_136922e6d031a17b.txt (hubei_2023): number '6' at offset ")
               and "lies in the quote of hubei_2023-034 but is not its value, period or base period, "
                   "nor one of its label_numbers" in p for p in problems(raw_copy))


def test_an_observation_states_its_value_once(raw_copy):
    # 9个乡镇…江西九江: 九 equals the value 9, but the value is the first 9; 九江 needs its exclusion.
    without_exclusion(raw_copy, "huangmei_2017_2021", "江西九江及")
    assert any("number '九' at offset" in p and "lies in the quote of huangmei_2017_2021-011" in p
               for p in problems(raw_copy))


def test_a_number_that_is_part_of_what_is_counted_is_declared(raw_copy):
    edit_row(raw_copy / "observations.csv", "obs_id", "hunan_2017_2022-013", label_numbers="")
    assert any("number '八' at offset" in p and "lies in the quote of hunan_2017_2022-013 "
               "hunan_2017_2022-014" in p for p in problems(raw_copy))


def test_a_declared_label_must_be_a_number_in_the_quote(raw_copy):
    line = edit_row(raw_copy / "observations.csv", "obs_id", "hunan_2017_2022-013", label_numbers="八;九")
    assert (f"observations.csv, line {line} (hunan_2017_2022-013), field 'label_numbers': '九' is not "
            "a number mention inside the quote (mentions there: 31.7%, 33%, 八)" in problems(raw_copy))


def test_an_exclusion_of_a_curated_number_is_refused(raw_copy):
    header, rows = read_rows(raw_copy / "exclusions.csv")
    rows.append({"source_id": "hubei_2023", "mention": "1245", "context": "性调解组织1245个",
                 "reason": "other", "note": "a test"})
    write_rows(raw_copy / "exclusions.csv", header, rows)
    assert any("(hubei_2023, 性调解组织1245个), field 'mention': every number it covers is curated "
               "(by hubei_2023-029): remove the exclusion" in p for p in problems(raw_copy))


def test_a_review_period_exclusion_states_the_review_period(raw_copy):
    # 5年来 must be the five years sources.csv gives the Hunan report.
    edit_row(raw_copy / "sources.csv", "source_id", "hunan_2017_2022", period_start="2019-07")
    assert any("(hunan_2017_2022, 5年来,湖南深), field 'reason': review_period: '5' (5 years) is not "
               "the length of the review period 2019-07/2022-07-22 in sources.csv (3.06 years)" in p
               for p in problems(raw_copy))


def quoted(quote, value, period, base=None, measure="zero_claim", labels=()):
    from datetime import date
    from decimal import Decimal

    from analysis.dataset.audit import QuotedObservation

    def span(years):
        return (date(years[0], 1, 1), date(years[1], 12, 31)) if years else None

    return QuotedObservation("x-001", 0, quote, measure, Decimal(value), "exact", span(period),
                             span(base), frozenset(labels))


@pytest.mark.parametrize("quote, obs, roles", [
    ("连续5年无命案", quoted("连续5年无命案", 0, (2017, 2021)), ["period"]),  # 无: a word, not a numeral
    ("连续5年无命案", quoted("连续5年无命案", 0, (2018, 2021)), [None]),  # a 4-year period
    ("同比2022年提高14.48%", quoted("同比2022年提高14.48%", "14.48", (2023, 2023), (2022, 2022),
                                 measure="change_unspecified"), ["base_period", "value"]),
    ("2021年以来共化解300余起", quoted("2021年以来共化解300余起", 300, (2021, 2023), measure="flow_count"),
     ["period", None]),  # 300余 is more_than, the row says exact
    ("八类案件下降31.7%", quoted("八类案件下降31.7%", "-31.7", (2021, 2021), (2017, 2017),
                            measure="relative_change_pct", labels={"八"}), ["label", "value"]),
    ("八类案件下降31.7%", quoted("八类案件下降31.7%", "31.7", (2021, 2021), (2017, 2017),
                            measure="relative_change_pct"), [None, None]),  # the sign is wrong
])
def test_roles_of_numbers_in_a_quote(quote, obs, roles):
    from analysis.dataset.audit import role_in

    assert [role_in(m, obs) for m in extract_mentions(quote)] == roles


def test_mentions_table_says_which_role_each_number_plays():
    from analysis.config import PROCESSED_DIR
    from conftest import read_rows as read

    _, mentions = read(PROCESSED_DIR / "mentions.csv")
    by = {(m["source_id"], m["text"], m["decided_by"]): m["role"] for m in mentions}
    assert by[("hubei_2023", "2022", "hubei_2023-016")] == "base_period"  # 同比2022年
    assert by[("hunan_2017_2022", "5", "hunan_2017_2022-004")] == "period"  # 连续5年
    assert by[("hunan_2017_2022", "八", "hunan_2017_2022-013")] == "label"  # 八类主要刑事案件
    assert by[("hunan_2017_2022", "零", " ".join(f"hunan_2017_2022-0{n}" for n in range(17, 21)))] == "value"
    assert by[("hubei_2023", "6", "一起判刑6个月")] == "anecdote_detail"
