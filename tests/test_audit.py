"""The number-mention extractor and the audit: every number curated or excluded."""

import pytest

from analysis.build.audit import extract_mentions
from analysis.build.processed import build
from analysis.build.validate import ValidationFailed, load_raw
from conftest import edit_row, read_rows, write_rows


def found(text):
    return [(m.text, m.kind, m.value, m.qualifier) for m in extract_mentions(text)]


@pytest.mark.parametrize("text, expected", [
    ("共报送线索1885件1909人", [("1885", "number", "1885", "exact"), ("1909", "number", "1909", "exact")]),
    ("排查化解矛盾纠纷60万余起", [("60万余", "number", "600000", "more_than")]),
    ("查扣资产2亿多元", [("2亿多", "number", "200000000", "more_than")]),
    ("挽回损失数万元", [("数万", "number", "10000", "more_than")]),
    ("近五年来实现零命案", [("五", "number", "5", "exact"), ("零", "zero", "", "exact")]),
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
    ("坚持第一议题", [("第一", "ordinal", "", "exact")]),
    ("第3批", [("第3", "ordinal", "", "exact")]),
    ("2024年1月26日", [("2024", "date", "2024", "exact"), ("1", "date", "1", "exact"),
                      ("26", "date", "26", "exact")]),
    ("判处13年至11个月", [("13", "range", "13", "exact"), ("11", "range", "11", "exact")]),
    ("3-5年", [("3", "range", "3", "exact"), ("5", "range", "5", "exact")]),
    ("一头耕牛,一步一个脚印", []),
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
    assert any("expected_counts.csv, line" in p and "(hubei_2023), field 'observations': expected 34, found 33"
               in p for p in problems(raw_copy))
    with pytest.raises(ValidationFailed):
        build(raw_copy, tmp_path / "out")
    assert not (tmp_path / "out").exists()
