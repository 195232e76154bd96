"""The key-findings statements, checked against the real data of data/processed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.questions import dataset as ds
from analysis.questions import findings

DATA = ds.load()


def test_two_values_differ_only_when_their_intervals_do_not_overlap():
    assert findings.differ(1, 2, 3, 4) and findings.differ(3, 4, 1, 2)
    assert not findings.differ(1, 3, 2, 4)          # overlapping
    assert not findings.differ(1, 2, 2, 3)          # touching: not apart
    assert not findings.differ(1, math.nan, 5, 6)   # open towards the other: never a difference
    assert findings.differ(5, 5, 4.9, 4.9)          # point values as the build gives them today


def test_a_wider_interval_turns_a_difference_into_none():
    rates = pd.DataFrame({"key_name": ["k", "k"], "province_code": ["420000", "430000"],
                          "region_name_zh": ["甲", "乙"], "shown_value": [2.0, 1.0],
                          "shown_low": [2.0, 1.0], "shown_high": [2.0, 1.0], "obs_ids": ["a-1", "b-1"]})
    assert findings.province_contrasts(rates)["differ"].tolist() == [True]
    wide = rates.assign(shown_low=[0.5, 0.2], shown_high=[4.0, 3.0])  # Poisson intervals, say
    assert findings.province_contrasts(wide)["differ"].tolist() == [False]


def test_poisson_interval_is_the_exact_garwood_interval():
    low, high = findings.poisson_interval(0)
    assert low == 0 and high == pytest.approx(3.689, abs=1e-3)
    low, high = findings.poisson_interval(1)
    assert (low, high) == (pytest.approx(0.0253, abs=1e-4), pytest.approx(5.572, abs=1e-3))
    with pytest.raises(ValueError, match="negative"):
        findings.poisson_interval(-1)


def test_year_on_year_changes_come_only_from_valid_groups_and_say_their_direction():
    changes = findings.year_on_year(DATA)
    valid = set(DATA.comparison_groups.query("is_valid and kind == 'change_year_on_year'")["group_id"])
    assert set(changes["group_id"]) == valid
    # 湖北 2023: police incidents −10.2% (hubei_2023-001), a fall, quoted from the archived report
    row = changes[changes["obs_ids"] == "hubei_2023-001"].iloc[0]
    assert (row["year"], row["shown_value"], row["direction"], row["province"]) == (2023, -10.2, "下降 fall", "湖北 Hubei")
    # a change alone (湖北's repeat petitions −12.5%) is not among them
    text = findings.year_on_year_statement(changes)
    falls = (changes["direction"] == "下降 fall").sum()
    assert f"{len(changes)} comparable year-on-year changes" in text and f"{falls} are falls" in text


def test_anti_gang_rates_compare_the_provinces_only_where_both_report():
    rates = findings.per_10k_rates(DATA, "anti_gang")
    contrasts = findings.province_contrasts(rates)
    assert set(rates["province_code"]) == {"420000", "430000"}
    both = rates.groupby("key_name")["province_code"].nunique()
    assert set(contrasts["key_name"]) == set(both[both == 2].index)
    # 黄梅's and 桃源's assets seized: Huangmei's figure has an open upper end (more than), no difference
    assets = contrasts[contrasts["key_name"].str.contains("资产")].iloc[0]
    assert (assets["hubei_region"], assets["hunan_region"], assets["differ"]) == ("黄梅县", "桃源县", False)


def test_huangmei_zero_homicides_is_implausible_against_the_national_rate():
    checked = findings.zero_claims(DATA)
    row = checked[checked["obs_ids"] == "huangmei_2017_2021-001"].iloc[0]
    assert row["expected_events"] == pytest.approx(19.19, abs=0.01) and row["p_zero"] < 1e-6
    assert row["verdict"].startswith("implausible")
    text = findings.zero_claims_statement(checked, findings.unchecked_zero_claims(DATA))
    assert "19.2" in text and "黄梅县" in text


def test_discourse_grid_differs_and_anti_gang_gap_is_not_established():
    contrasts = findings.discourse_contrasts(DATA)
    grid = contrasts[contrasts["term_code"] == "grid"].set_index("province_code")
    assert round(grid.loc["430000", "per_10k_characters"]) == 43 and round(grid.loc["420000", "per_10k_characters"]) == 9
    assert grid["differ"].all()
    gang = contrasts[contrasts["term_code"] == "anti_gang"].set_index("province_code")
    assert round(gang.loc["430000", "per_10k_characters"]) == 24 and not gang["differ"].any()
    text = findings.discourse_statement(contrasts)
    assert "网格(湖北9、湖南43)的差异超出" in text and "扫黑除恶(湖北8、湖南24)" in text.split("差距不能确定")[0]


def test_sense_of_security_readings_are_never_compared_across_surveys():
    readings = findings.survey_readings(DATA)
    assert "hb_xianning_2017h1-001" in set(readings["obs_id"])
    assert (readings["status"] != "compared").all()  # no two results of one survey yet
    assert "0 of them" in findings.survey_statement(readings)


def test_coverage_and_limits_count_the_data():
    table = findings.coverage(DATA).set_index("province")
    obs = DATA.observations
    assert table["quoted"].sum() == (obs["evidence_kind"] == "archived_quote").sum()
    assert table["cited"].sum() == (obs["evidence_kind"] == "cited").sum()
    limits = findings.limits(DATA)
    assert limits["members"].sum() == (DATA.comparisons["status"] != "compared").sum()
    assert limits.iloc[0]["reason"].startswith("仅此一项 ")


def test_the_discourse_takeaway_says_which_contrasts_hold_and_how_many_do_not():
    contrasts = findings.discourse_contrasts(DATA)
    text = findings.discourse_takeaway(contrasts)
    assert "网格在湖南报告中的每万字提及多于湖北(区间不重叠);其余10个词的差异不能由计数确定" in text
    assert "网格 (grid management) is named more often in Hunan's" in text
    assert "4 Hubei and 1 Hunan archived report(s)" in text
    none_apart = contrasts.assign(differ=False)
    assert "no practice's mention rate differs beyond the uncertainty" in findings.discourse_takeaway(none_apart)
    # a contrast the other way is said of the other province
    flipped = contrasts.assign(per_10k_characters=-contrasts["per_10k_characters"])
    assert "网格在湖北报告中的每万字提及多于湖南" in findings.discourse_takeaway(flipped)


def test_the_discourse_chart_draws_the_findings_intervals_and_its_caption_says_what_holds():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.questions import plots

    plots.use_cjk_font()
    contrasts = findings.discourse_contrasts(DATA)
    figure, drawn = findings.discourse_chart(contrasts)
    assert drawn["low"].tolist() == contrasts.set_index(["term_code", "province"]).loc[
        list(zip(drawn["term_code"], drawn["province"]))]["low"].tolist()  # the same intervals, reused
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "★ 网格 grid management" and sum(t.startswith("★") for t in labels) == 1
    caption = " ".join(t.get_text() for t in figure.texts).replace("\n", " ")
    assert "a contrast that holds (网格)" in caption and "湖北 Hubei: 4 report(s)" in caption
    colours = {matplotlib.colors.to_hex(p.get_facecolor()[:3]) for p in ax.patches}
    assert colours == set(plots.PROVINCE_COLOURS.values())
    assert all(t.get_fontsize() >= 9 for t in figure.findobj(matplotlib.text.Text) if t.get_text().strip())
    plt.close(figure)
