"""Every command of `python -m analysis` answers bad input in one line, with a non-zero exit and
no traceback."""

from __future__ import annotations

import pytest

from analysis.__main__ import main

ADD = ["add-source", "--source-id", "x_2024", "--headline", "h", "--publisher", "p",
       "--period-start", "2024", "--period-end", "2024"]


def run(argv: list[str], capsys) -> tuple[int, list[str]]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize("argv, says", [
    (["validate", "--raw", "/nowhere"], "validate: --raw /nowhere: no such directory"),
    (["audit", "--raw", "/nowhere"], "audit: --raw /nowhere: no such directory"),
    (["build", "--raw", "/nowhere"], "build: --raw /nowhere: no such directory"),
    (["check-processed", "--out", "/nowhere"], "check-processed: --out /nowhere: no such directory"),
    (["diff", "nosuchrev"], "diff: 'nosuchrev' is not a revision of"),
    (["execute", "nosuchrun"], "execute: no run 'nosuchrun'"),
    ([*ADD, "/nowhere.txt", "--region", "420000"], "add-source: /nowhere.txt: no such file"),
    (["add-cited", "source", "--source-id", "hubei_2023", "--url", "https://example.org/a", "--publisher",
      "p", "--region", "420000", "--period-start", "2024", "--period-end", "2024", "--what-was-read",
      "the opening", "--source-kind", "news_outlet"],
     "add-cited: cited_sources.csv, line"),
    (["add-cited", "observation", "--source-id", "hb_enshi_2025", "--indicator", "no_such_indicator",
      "--region", "422800", "--period-start", "2025", "--period-end", "2025", "--period-basis", "stated",
      "--value", "1", "--unit", "cases", "--qualifier", "exact", "--number-as-printed", "1",
      "--locator", "p1", "--raw", "/nowhere"], "add-cited: --raw /nowhere: no such directory"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
    (["diff"], "the following arguments are required: rev"),
    (["build", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["build", "--jobs", "0"], "argument --jobs: expected a whole number of at least 1, not '0'"),
    (["validate", "--jobs", "two"], "argument --jobs: expected a whole number of at least 1, not 'two'"),
    (["add-source", "report.txt"], "the following arguments are required"),
    (["site", "--out"], "expected one argument"),
])
def test_bad_input_gets_one_line_and_a_non_zero_exit(argv, says, capsys):
    code, lines = run(argv, capsys)
    assert code != 0
    assert len(lines) == 1, lines
    assert says in lines[0] and "Traceback" not in lines[0]


def test_add_source_refusals_are_one_line(raw_copy, tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_text("2025年,全县。\n", encoding="utf-8")
    code, lines = run([*ADD, str(report), "--region", "999999", "--raw", str(raw_copy)], capsys)
    assert code == 1 and lines == ["python -m analysis add-source: unknown region '999999': neither "
                                   "regions.csv nor census_2020.csv lists it; add it to regions.csv first"]


def test_add_source_says_what_it_detected_and_added(raw_copy, tmp_path, capsys):
    from pathlib import Path

    example = Path(__file__).parent / "fixtures" / "example_report.txt"
    code = main([*ADD, str(example), "--region", "421123", "--raw", str(raw_copy),
                 "--body-start", "2024年,示例县", "--body-end", "(示例县融媒体中心)"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == ("added region 421123 罗田县 (county, parent 421100) to regions.csv from "
                      "census_2020.csv: write its English name (name_en) there; the build requires it")
    assert out[1] == ("Script detected: Simplified (0 Traditional and 37 Simplified forms "
                      "among 101 Han characters).")
    assert out[2].startswith("archived example_report.txt as x_2024; candidates to curate: ")
