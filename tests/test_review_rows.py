"""The rows the independent review flagged (issue 14), each decided by a rule of the curation guide,
and the checks that keep the comparison layer honest about them: a status agrees with its groups,
cumulative snapshots of one campaign are a series, not independent flows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from analysis.config import RAW_DIR
from analysis.dataset.periods import parse_period
from analysis.dataset.validate import load_raw
from conftest import read_rows


@pytest.fixture(scope="module")
def raw():
    return load_raw(RAW_DIR)


@pytest.fixture(scope="module")
def items(raw):
    return {row["item_id"]: row for row in raw.comparisons.items}


def observation(raw_rows, obs_id):
    return next(r for r in raw_rows if r["obs_id"] == obs_id)


# --- a status says what the groups say ----------------------------------------------------------

def status_errors(items: dict[str, dict], groups: list[dict], members: list[dict]) -> list[str]:
    """Items whose status or reason contradicts the groups they are in: compared without a valid
    group, alone or excluded while in one, a reason on a compared item, or an 'alone' reason
    ("no other region or period reports …") on an item that shares a valid group."""
    valid = {g["group_id"] for g in groups if g["is_valid"] == "true"}
    in_valid = defaultdict(set)
    for m in members:
        if m["group_id"] in valid:
            in_valid[m["item_id"]].add(m["group_id"])
    errors = []
    for item_id, row in items.items():
        compared = bool(row["compared_in"])
        if row["status"] == "compared" and not (compared and in_valid[item_id] | set(row["compared_in"].split())):
            errors.append(f"{item_id}: compared, but in no valid group")
        if row["status"] != "compared" and compared:
            errors.append(f"{item_id}: {row['status']} ({row['reason_code']}), yet compared in {row['compared_in']}")
        if row["status"] == "compared" and (row["reason"] or row["reason_code"]):
            errors.append(f"{item_id}: compared, yet carries the reason {row['reason_code']}")
        if row["status"] != "compared" and not row["reason"]:
            errors.append(f"{item_id}: {row['status']} without a reason")
    return errors


def test_every_status_agrees_with_the_groups(raw):
    comparisons = raw.comparisons
    items = {row["item_id"]: row for row in comparisons.items}
    assert status_errors(items, comparisons.groups, comparisons.members) == []


def test_an_item_alone_yet_in_a_valid_group_is_caught(items, raw):
    # what comparisons.csv said before: 黄梅's 7 evil-force groups 'alone' (narrower) while a
    # total derived from them shares two valid axes
    wrong = {k: dict(v) for k, v in items.items()}
    wrong["huangmei_2017_2021-005"].update(status="alone", reason_code="narrower",
                                          reason="no other region or period reports it")
    errors = status_errors(wrong, raw.comparisons.groups, raw.comparisons.members)
    assert errors == ["huangmei_2017_2021-005: alone (narrower), yet compared in "
                      + items["huangmei_2017_2021-005"]["compared_in"]]


# --- cumulative snapshots of one campaign ---------------------------------------------------------

def overlapping_flows_compared(items: dict[str, dict]) -> list[tuple[str, str]]:
    """Pairs of compared region-wide flows of one indicator and region that start together (within
    a month) and end apart: snapshots of one cumulative total, both compared."""
    by_key = defaultdict(list)
    for row in items.values():
        if row["measure"] == "flow_count" and row["status"] == "compared" and row["scope"] == "region_total":
            start, end = parse_period(row["period_start"])[0], parse_period(row["period_end"])[1]
            by_key[(row["indicator_code"], row["region_code"])].append((start, end, row["item_id"]))
    pairs = []
    for rows in by_key.values():
        for start, end, a in rows:
            pairs += [(a, b) for s, e, b in rows if e > end and abs((s - start).days) <= 31]
    return pairs


def test_snapshots_start_together_and_end_apart():
    from decimal import Decimal

    from analysis.dataset.compare import Item, earlier_snapshots

    def flow(item_id, start, end):
        return Item(item_id=item_id, obs_ids=(item_id,), indicator_code="gangs", measure="flow_count",
                    unit="organisations", region_code="421100", region_level="prefecture",
                    period_start=start, period_end=end, period_basis="stated", scope="region_total",
                    value=Decimal(1), low=Decimal(1), high=Decimal(1), qualifier="exact")

    april = flow("april", "2018-01-23", "2019-04-30")
    may = flow("may", "2018-01", "2019-05-30")  # the campaign's start dated three weeks apart
    assert earlier_snapshots([april, may]) == {"april": "may"}
    # two reports of one year's figure: not snapshots of each other, both compared
    assert earlier_snapshots([flow("a", "2019", "2019"), flow("b", "2019", "2019")]) == {}
    # a year inside a five-year total starts apart from it: not a snapshot
    assert earlier_snapshots([flow("year", "2019", "2019"), flow("five", "2017", "2021")]) == {}
    # three snapshots: both earlier ones point to the latest
    june = flow("june", "2018-01-01", "2019-06-30")
    assert earlier_snapshots([april, may, june]) == {"april": "june", "may": "june"}


def test_cumulative_snapshots_are_one_series_not_independent_flows(items):
    # 黄冈's anti-gang totals "since January 2018" as of April and as of May 2019
    april, may = items["hb_huanggang_2019_04_gang-001"], items["hb_huanggang_2019_05_gang-001"]
    assert (april["indicator_code"], april["region_code"]) == (may["indicator_code"], may["region_code"])
    assert may["status"] == "compared"
    assert april["status"] == "excluded" and april["reason_code"] == "earlier_snapshot"
    assert "hb_huanggang_2019_05_gang-001" in april["reason"] and april["annual_value"] == ""
    assert overlapping_flows_compared(items) == []


def test_a_derived_total_never_sums_snapshots_of_different_dates(items):
    for row in items.values():
        if row["is_derived_total"] == "true":
            ids = row["obs_ids"].split()
            periods = {(items[i]["period_start"], items[i]["period_end"]) for i in ids if i in items}
            assert len(periods) == 1, row["item_id"]


# --- the rows decided -----------------------------------------------------------------------------

def test_streaks_count_back_from_publication(raw):
    # 连续5年 in an article of 2022-07-22, like 近五年来 and 3年来: one dating rule for every streak
    rows = read_rows(RAW_DIR / "observations.csv")[1]
    for suffix in ("004", "005", "006"):
        row = observation(rows, f"hunan_2017_2022-{suffix}")
        assert (row["period_start"], row["period_end"]) == ("2017-07", "2022-07-22"), suffix
    huangmei = observation(rows, "huangmei_2017_2021-001")  # 近五年来, published 2021-11-04
    assert (huangmei["period_start"], huangmei["period_end"]) == ("2016-11", "2021-11-04")


def test_a_named_list_or_a_doubtful_whole_is_not_a_regional_total(items):
    for obs_id in ("hubei_2023-028", "suizhou_2024-020"):
        assert items[obs_id]["scope"] == "part_of_region" and items[obs_id]["per_10k"] == "", obs_id


def test_a_tier_of_institutions_is_recorded_as_the_county_tier(items):
    # 天门's 市级层面 committees and 澧县's 下设 organisations: one county-level unit's own, one axis
    for obs_id in ("tianmen_2012_2022-001", "hunan_2017_2022-034"):
        assert items[obs_id]["indicator_code"] == "professional_mediation_organisations"
        assert "county" in items[obs_id]["compared_in"], obs_id


def test_labels_and_settlements_are_not_counts(raw):
    rows = read_rows(RAW_DIR / "observations.csv")[1]
    ids = {r["obs_id"] for r in rows}
    assert "huangmei_2017_2021-010" not in ids  # 九大: a scheme's parts
    assert "hunan_2017_2022-023" not in ids  # 湾村33216个: the size of the place
    exclusions = {(r["source_id"], r["mention"], r["reason"]) for r in read_rows(RAW_DIR / "exclusions.csv")[1]}
    assert {("huangmei_2017_2021", "九", "structural_label"), ("hunan_2017_2022", "33216", "background")} <= exclusions


def test_same_over_a_window_that_is_not_a_year_has_no_base(items):
    assert items["hunan_2017_2022-016"]["reason_code"] == "no_base"


# --- region pairs: only where the data give a shared axis -------------------------------------------

def test_a_listed_pair_that_shares_no_axis_is_refused_and_dropped():
    from analysis.publish.runs import Run, RunList, load_runs, missing_runs, stale_runs
    from analysis.questions import dataset as ds

    data = ds.load()
    listed = load_runs()
    assert stale_runs(listed, data) == [] and missing_runs(listed, data) == []
    # 黄梅 and 澧县 shared only 黄梅's 九大 mediation 'organisations', a scheme's parts: no axis left
    lost = Run("07_region_pair", {"region_a": "421127", "region_b": "430723"})
    assert stale_runs(RunList(listed.notebooks, listed.runs + [lost]), data) == [lost]


def test_no_pair_page_comes_out_empty():
    from analysis.questions import comparisons, dataset as ds

    data = ds.load()
    for a, b in comparisons.natural_pairs(data):
        axes = [x for x in comparisons.axes(data, region_codes=[a, b]) if {a, b} <= set(x.rows["region_code"])]
        assert axes, (a, b)


def _snapshot_flow(item_id, start, end):
    from decimal import Decimal

    from analysis.dataset.compare import Item

    return Item(item_id=item_id, obs_ids=(item_id,), indicator_code="gangs", measure="flow_count",
                unit="organisations", region_code="421100", region_level="prefecture",
                period_start=start, period_end=end, period_basis="stated", scope="region_total",
                value=Decimal(1), low=Decimal(1), high=Decimal(1), qualifier="exact")


def _snapshots_by_definition(flows) -> dict[str, str]:
    """The rule as the curation guide states it, walked pair by pair: each flow (latest end first,
    then start, then id) is superseded by the first kept flow that ends later and starts within
    SNAPSHOT_START_TOLERANCE_DAYS."""
    from analysis.dataset.compare import SNAPSHOT_START_TOLERANCE_DAYS

    kept, superseded = [], {}
    for item in sorted(flows, key=lambda i: (-i.period[1].toordinal(), i.period[0], i.item_id)):
        later = next((k for k in kept if k.period[1] > item.period[1] and
                      abs((k.period[0] - item.period[0]).days) <= SNAPSHOT_START_TOLERANCE_DAYS), None)
        if later is None:
            kept.append(item)
        else:
            superseded[item.item_id] = later.item_id
    return superseded


def test_the_snapshot_that_supersedes_is_the_latest_then_the_earliest_start():
    from analysis.dataset.compare import earlier_snapshots

    flows = [_snapshot_flow("a-ends-may", "2018-01-10", "2019-05-31"),
             _snapshot_flow("b-ends-june", "2018-02-05", "2019-06-30"),  # 26 days after a's start
             _snapshot_flow("c-ends-june", "2018-01-01", "2019-06-30"),
             _snapshot_flow("d-ends-april", "2018-01-20", "2019-04-30")]
    # both June snapshots are in reach of a and d: the earlier start (c) supersedes them; b and c
    # end together, so neither supersedes the other
    assert earlier_snapshots(flows) == {"a-ends-may": "c-ends-june", "d-ends-april": "c-ends-june"
                                        } == _snapshots_by_definition(flows)
    # the tolerance is inclusive: 31 days apart supersedes, 32 days apart does not
    assert earlier_snapshots([_snapshot_flow("x", "2018-02-01", "2019-04-30"),
                              _snapshot_flow("y", "2018-01-01", "2019-05-31")]) == {"x": "y"}
    assert earlier_snapshots([_snapshot_flow("x", "2018-02-02", "2019-04-30"),
                              _snapshot_flow("y", "2018-01-01", "2019-05-31")]) == {}
    # a superseded flow supersedes nothing: only kept flows carry the series
    chain = [_snapshot_flow("early", "2018-01-01", "2019-03-31"),
             _snapshot_flow("mid", "2018-01-30", "2019-04-30"),
             _snapshot_flow("late", "2018-02-28", "2019-05-31")]
    assert earlier_snapshots(chain) == {"mid": "late"} == _snapshots_by_definition(chain)


def test_snapshots_of_random_campaigns_follow_the_rule_pair_by_pair():
    import random

    from analysis.dataset.compare import earlier_snapshots

    rng = random.Random(2018)
    for _ in range(200):
        flows = []
        for n in range(rng.randint(1, 30)):
            start = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 120))
            end = dt.date(2019, rng.randint(1, 4), 28)
            flows.append(_snapshot_flow(f"f{n:02d}", start.isoformat(), end.isoformat()))
        assert earlier_snapshots(flows) == _snapshots_by_definition(flows)


def test_snapshots_are_found_without_walking_every_pair():
    """A region's flows of one period (the benchmark's thousands of reports of one year) are
    matched by bisection: 20,000 of them took minutes pair by pair."""
    import time

    from analysis.dataset.compare import earlier_snapshots

    flows = [_snapshot_flow(f"f{n:05d}", "2019", "2019") for n in range(20_000)]
    flows += [_snapshot_flow(f"g{n:05d}", "2019-01-15", "2019-06-30") for n in range(20_000)]
    start = time.perf_counter()
    superseded = earlier_snapshots(flows)
    assert time.perf_counter() - start < 5  # pair by pair: over 100 s on the same machine
    assert len(superseded) == 20_000 and set(superseded.values()) == {"f00000"}
