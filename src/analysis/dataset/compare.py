"""Comparable values: what the build derives so that observations can share an axis, and which may.

Every observation becomes a comparison *item*; so does every total the build derives from its
disjoint parts (``indicator_sums.csv``: 黄梅 gives mafia-type organisations, evil-force groups and
evil-force gangs apart, Hunan gives the groups and gangs together). An item carries the quantity it
is compared as and the values derived for it, each with the formula that made it, and keeps the
obs_ids it comes from. *Groups* are the sets of items that may share an axis, each under one rule.
The rules, one function each:

- a flow is annualized (value ÷ period in years) before it shares an axis; a flow whose period is
  a multi-year review period assumed for want of a stated one is not, since its annual rate would
  be a guess (``eligibility``);
- absolute counts share an axis only between regions of the same level; values per 10,000
  residents (per year, for flows) may cross levels, and name their 2020 census denominator
  (``group_keys``);
- changes share an axis only with the same base period and measure; ``change_unspecified``
  with nothing; zero claims are years without the event, between regions of the same level;
- two indicators share an axis only as ``same`` links of one concept; a narrower, broader or proxy
  indicator only with itself (``subgroup``);
- a figure that is not a regional total (``scope``), a count about one document, a standard, a
  target or a duration enters no comparison;
- a stock of institutions (``stock_tiers.csv``) shares an axis only with stocks of the same tier of
  what is counted, scaled per jurisdiction of that tier where jurisdictions are what it scales with,
  per resident where people are; every stock shares an axis only with stocks dated within
  ``STOCK_WINDOW_MONTHS`` of the window's first (``stock_windows``);
- a count carries its exact (Garwood) Poisson 95% interval, through the annual and per-10k rates
  (``poisson_interval``); two figures differ only where their intervals do not overlap
  (``analysis.questions.comparisons.differs``).

Qualifier intervals go through every transformation: a ``more_than`` stays a lower bound.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from itertools import groupby

from scipy.special import gammaincinv

from .numbers import plain_number
from .periods import parse_period, period_label

FOUR_PLACES = Decimal("0.0001")
PER = Decimal(10000)
# What each measure is compared as.
QUANTITY = {"flow_count": "annual_count", "stock_count": "count_at_date", "rate": "percent",
            "share": "percent", "relative_change_pct": "change", "change_pp": "change",
            "zero_claim": "years_without_event"}
NOT_COMPARED = {
    "change_unspecified": "a change of a rate given as N% without saying whether points or percent: "
                          "comparable with nothing",
    "document_attribute": "a count stated about one document, not a regional figure",
    "standard": "a standard for how work must be done, not a result",
    "target": "a target, not a result",
    "duration": "the duration of one procedure or streak, not a regional figure",
    "rank": "a place in one ranking: comparable only within that ranking, which the rules do not "
            "yet group",
    "score": "a survey score: comparable only within its own survey and scale, which the rules do "
             "not yet group",
}
# A flow over less than a year is never annualized (a holiday week x 52 is not a year); it would
# compare only with the same kind of window (docs/curation_guide.md, "Periods shorter than a year").
MIN_ANNUALIZED_DAYS = 365
# Survey results (安全感, 满意度) compare only within one survey: the province's own round, or the
# national one (docs/curation_guide.md, "Survey results").
SURVEY_THEME = "public_sentiment"
# Stocks compare only when dated at most this many months after the earliest stock of their window:
# one annual reporting cycle. Institutions are built in campaigns (the 2024-2025 standardisation of
# 综治中心 changed county and township counts within a year), so two stocks further apart measure the
# campaign's progress as much as the places (docs/curation_guide.md, "Stocks of institutions").
STOCK_WINDOW_MONTHS = 12
# The coverage of the exact Poisson interval on a count (Garwood 1936), the conventional 95%.
CONFIDENCE = 0.95
# Units that count events or things (units.csv quantity "count"): only their counts are Poisson.
COUNT_QUANTITY = "count"
# What a stock of institutions may be scaled by (stock_tiers.csv scales_with).
TIER_LABELS = {"province": "province-tier", "prefecture": "prefecture-tier", "county": "county-tier",
               "township": "township-tier", "village": "village-tier", "all_tiers": "every tier",
               "untiered": "untiered"}
SCOPE_REASONS = {
    "single_instance": "one case, document or example, not a regional figure",
    "part_of_region": "a part of the region only (not its total, and not divisible by its population)",
    "typical_unit": "typical of the localities inside the region, not one aggregate",
}
RULES = {
    "annual_count": "Flows annualized (value ÷ years), so that periods of different length share "
                    "the axis; absolute counts between regions of the same level ({level}) only.",
    "annual_per_10k": "Per 10,000 residents per year (value ÷ years × 10,000 ÷ 2020 census "
                      "population): rates, so regions of different levels may share the axis.",
    "count_at_date": "Counts at their date (stocks are not annualized); absolute counts between "
                     "regions of the same level ({level}) only.",
    "per_10k_at_date": "Per 10,000 residents at their date (2020 census population): rates, so "
                       "regions of different levels may share the axis.",
    "percent": "Rates and shares in percent: regions of any level may share the axis.",
    "change": "Changes against the same base period ({level}) and of the same measure only.",
    "change_year_on_year": "Year-on-year changes (同比: a calendar year against the year before) of "
                           "the same measure ({level}), across regions and years: drawn with the year "
                           "on the x axis, one series per region.",
    "years_without_event": "Zero claims as the years without the event; between regions of the "
                           "same level ({level}) only, since a small place goes years without a "
                           "rare event by chance.",
    "per_jurisdiction_at_date": "Institutions per jurisdiction of the tier they are counted at "
                                "({level}; jurisdictions counted in the 2020 census tabulation): "
                                "regions of different levels may share the axis.",
}
# Appended to a stock's rule: the tier of what is counted and the window of its dates.
STOCK_RULE = (" Stocks of {tier} institutions only, dated {first} to {last} (at most "
              f"{STOCK_WINDOW_MONTHS} months apart).")
STOCK_WINDOW_RULE = f" Stocks dated {{first}} to {{last}} (at most {STOCK_WINDOW_MONTHS} months apart)."

VALUE_COLUMN = {"annual_count": "annual_value", "annual_per_10k": "per_10k",
                "count_at_date": "value", "per_10k_at_date": "per_10k", "percent": "value",
                "change": "value", "change_year_on_year": "value",
                "years_without_event": "years_without_event",
                "per_jurisdiction_at_date": "per_jurisdiction"}
_BASIS_ORDER = ("stated", "inferred", "publication_date", "review_period_assumed")


@lru_cache(maxsize=65536)  # the grouping rules ask an item's period many times; few are distinct
def _span(start: str, end: str) -> tuple[dt.date, dt.date]:
    return parse_period(start)[0], parse_period(end)[1]


@dataclass(frozen=True)
class Item:
    item_id: str
    obs_ids: tuple[str, ...]
    indicator_code: str
    measure: str
    unit: str
    region_code: str
    region_level: str
    period_start: str  # as written (partial ISO dates)
    period_end: str
    period_basis: str
    scope: str
    value: Decimal
    low: Decimal | None
    high: Decimal | None
    qualifier: str
    base_start: str = ""
    base_end: str = ""
    is_derived_total: bool = False
    formula_total: str = ""
    survey: str = ""  # survey results: "national", "provincial <province code>", or "unknown"
    tier: str = ""  # stocks of institutions: the tier of what is counted (stock_tiers.csv)
    scales_with: str = ""  # stocks of institutions: "jurisdictions" or "residents"

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return _span(self.period_start, self.period_end)

    @property
    def period_label(self) -> str:
        return period_label(self.period_start, self.period_end)

    @property
    def base_label(self) -> str:
        return period_label(self.base_start, self.base_end) if self.base_start else ""


def interval(value: Decimal, qualifier: str, value_high: Decimal | None = None
             ) -> tuple[Decimal | None, Decimal | None]:
    """The interval (low, high) a qualified value gives; None is an open end.

    Qualifiers speak of magnitude: "下降超30%" (value -30, more_than) is at most -30. A stated
    range (两三百: qualifier range, value 200, value_high 300) is [value, value_high].
    """
    if qualifier == "range":
        if value_high is None:
            raise ValueError("a stated range needs its upper end (value_high)")
        return value, value_high
    if qualifier == "exact":
        return value, value
    if qualifier == "about":
        return None, None
    if qualifier in ("more_than", "at_least"):
        return (value, None) if value >= 0 else (None, value)
    if qualifier == "nearly":
        return (None, value) if value >= 0 else (value, None)
    raise ValueError(f"unknown qualifier {qualifier!r}")


def poisson_interval(count: Decimal, confidence: float = CONFIDENCE) -> tuple[Decimal, Decimal]:
    """The exact (Garwood) two-sided interval for the mean of a Poisson count: the events a
    period's rate would give, of which ``count`` were seen. Lower end χ²(α/2; 2k)/2 (0 for k = 0),
    upper end χ²(1 − α/2; 2k + 2)/2 (Garwood, Biometrika 28, 1936; the interval tabulated by
    Ulm, Am J Epidemiol 131, 1990). ``count`` in events (a whole number ≥ 0); returns Decimals
    rounded to four places. Raises ValueError for a negative or fractional count.
    """
    if count < 0 or count != count.to_integral_value():
        raise ValueError(f"a Poisson interval needs a whole number of events, not {count}")
    return _garwood(int(count), confidence)


@lru_cache(maxsize=None)  # one pair of χ² quantiles per distinct count, not per item that states it
def _garwood(k: int, confidence: float) -> tuple[Decimal, Decimal]:
    alpha = 1 - confidence
    # χ²(p; 2k)/2 is the p-quantile of Gamma(k, 1): scipy.special.gammaincinv(k, p), which is what
    # scipy.stats.chi2.ppf computes (2 × gammaincinv(df/2, p)), without its fifty-fold overhead
    # of argument checks (the same floats for every count).
    low = 0.0 if k == 0 else gammaincinv(k, alpha / 2)
    high = gammaincinv(k + 1, 1 - alpha / 2)
    return (Decimal(repr(float(low))).quantize(FOUR_PLACES, ROUND_HALF_EVEN),
            Decimal(repr(float(high))).quantize(FOUR_PLACES, ROUND_HALF_EVEN))


def count_interval(item: "Item") -> tuple[Decimal | None, Decimal | None]:
    """The Poisson 95% interval of a count's qualified interval: the lower end's lower bound and
    the upper end's upper bound (an open end stays open: 6000余 has no upper bound). (None, None)
    where the stated ends are not whole numbers."""
    return _count_interval(item.low, item.high)


# Once per distinct pair of ends, not per item (a tenth of the comparisons' time at 100,000 items).
# The interval depends on the numbers only, so equal Decimals (5, 5.0) may share an entry.
@lru_cache(maxsize=65536)
def _count_interval(stated_low: Decimal | None, stated_high: Decimal | None
                    ) -> tuple[Decimal | None, Decimal | None]:
    ends = [e for e in (stated_low, stated_high) if e is not None]
    if any(e != e.to_integral_value() or e < 0 for e in ends):
        return None, None
    low = None if stated_low is None else poisson_interval(stated_low)[0]
    high = None if stated_high is None else poisson_interval(stated_high)[1]
    return low, high


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def stock_windows(members: list["Item"], months: int = STOCK_WINDOW_MONTHS) -> list[list["Item"]]:
    """Stocks split into windows by their date (a stock's date is its period's end): each window
    opens at its earliest stock and holds every later one dated at most ``months`` after it; the
    next stock opens the next window. Deterministic: members are taken in date order, then id."""
    windows: list[list[Item]] = []
    for item in sorted(members, key=lambda i: (i.period[1], i.item_id)):
        if windows and item.period[1] <= add_months(windows[-1][0].period[1], months):
            windows[-1].append(item)
        else:
            windows.append([item])
    return windows


def jurisdiction_counts(census: list[dict]) -> dict[tuple[str, str], int]:
    """(region_code, tier) → how many units of that tier the region holds, counted in the 2020
    census tabulation (census_2020.csv: every GB/T 2260 prefecture- and county-level unit of Hubei
    and Hunan, functional zones apart); a unit of the tier counts 1 for itself. Townships and
    villages are not tabulated: no count is given for them."""
    parent = {r["region_code"]: r["parent_code"] for r in census}
    level = {r["region_code"]: r["level"] for r in census}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for code in sorted(level):
        if level[code] not in ("province", "prefecture", "county"):
            continue
        counts[(code, level[code])] += 1
        up = parent[code]
        while up:
            counts[(up, level[code])] += 1
            up = parent.get(up, "")
    return dict(counts)


def qualifier_of(low: Decimal | None, high: Decimal | None) -> str:
    """The qualifier an interval of counts stands for (for sums of qualified parts)."""
    if low is not None and high is not None:
        return "exact" if low == high else "about"
    if low is not None:
        return "more_than"
    return "nearly" if high is not None else "about"


@lru_cache(maxsize=65536)  # asked once per item; items share few periods
def period_years(start: dt.date, end: dt.date) -> Decimal:
    """Whole months count as twelfths of a year (2023 = 1, 2021-01/2022-05 = 17/12); any other
    span as days ÷ 365.25."""
    after = end + dt.timedelta(days=1)
    if start.day == 1 and after.day == 1:
        months = (after.year - start.year) * 12 + after.month - start.month
        return Decimal(months) / 12
    return Decimal((after - start).days) / Decimal("365.25")


def _q(value: Decimal | None) -> str:
    """``value`` rounded half-even to four places, written as :func:`plain_number` writes it
    ("12.5", "3", "0"); "" for None. A value quantized to four places prints without an exponent
    (its exponent is -4), so its trailing zeros are stripped from the text, which costs a third
    less than normalizing the Decimal: the comparisons write some twenty of these per item."""
    if value is None:
        return ""
    text = str(value.quantize(FOUR_PLACES, ROUND_HALF_EVEN)).rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _years_text(years: Decimal) -> str:
    return f"{_q(years)} year" + ("" if years == 1 else "s")


# --- items ---------------------------------------------------------------------------------------

def observation_items(observations, indicators, regions: dict[str, dict] | None = None,
                      tiers: dict[tuple[str, str], dict] | None = None) -> list[Item]:
    """An item per observation row. With ``regions`` (region_code → regions.csv row), an item
    carries its region's level and a provincial survey its province; with ``tiers``
    (stock_tiers.csv rows by (indicator_code, obs_id)), a stock the tier of what it counts. Each
    item is made once with every field (dataclasses.replace per item cost a fifth of the build of
    the comparisons)."""
    items = []
    provinces: dict[str, str] = {}
    for row in observations:
        indicator = indicators[row["indicator_code"]]
        value = Decimal(row["value"])
        low, high = interval(value, row["qualifier"], Decimal(row["value_high"]) if row.get("value_high") else None)
        code = row["region_code"]
        survey = (row.get("survey") or "unknown") if indicator["theme_code"] == SURVEY_THEME else ""
        if survey == "provincial" and regions is not None:
            if code not in provinces:
                provinces[code] = _province(code, regions)
            survey = f"provincial {provinces[code]}"
        tier = {} if tiers is None else _tier_of(row["indicator_code"], row["obs_id"], tiers)
        items.append(Item(row["obs_id"], (row["obs_id"],), row["indicator_code"], indicator["measure"],
                          row["unit"], code, "" if regions is None else regions[code]["level"],
                          row["period_start"], row["period_end"],
                          row["period_basis"], row["scope"], value, low, high, row["qualifier"],
                          row["base_period_start"], row["base_period_end"], survey=survey, **tier))
    return items


def derived_totals(items: list[Item], sums: dict[str, list[str]]) -> list[Item]:
    """Totals derived where a region and period have every part of a declared sum and no stated
    total: the sum of the parts, with the interval of their intervals (parts of parts first)."""
    derived: list[Item] = []
    done: set[str] = set()

    def derive(total: str) -> None:
        if total in done:
            return
        for part in sums[total]:
            if part in sums:
                derive(part)
        done.add(total)
        pool = [i for i in items + derived if i.scope == "region_total"]
        stated = {(i.region_code, i.period_start, i.period_end) for i in pool if i.indicator_code == total}
        by_place: dict[tuple, dict[str, list[Item]]] = defaultdict(lambda: defaultdict(list))
        for i in pool:
            if i.indicator_code in sums[total]:
                by_place[(i.region_code, i.period_start, i.period_end)][i.indicator_code].append(i)
        for place, parts in sorted(by_place.items()):
            if place in stated or set(parts) != set(sums[total]) or any(len(v) != 1 for v in parts.values()):
                continue
            chosen = [parts[p][0] for p in sorted(parts)]
            lows, highs = [p.low for p in chosen], [p.high for p in chosen]
            low = None if None in lows else sum(lows, Decimal(0))
            high = None if None in highs else sum(highs, Decimal(0))
            value = sum((p.value for p in chosen), Decimal(0))
            obs_ids = tuple(sorted({o for p in chosen for o in p.obs_ids}))
            basis = max((p.period_basis for p in chosen), key=_BASIS_ORDER.index)
            formula = (" + ".join(f"{plain_number(p.value)} ({p.item_id})" for p in chosen)
                       + f" = {plain_number(value)}")
            derived.append(replace(chosen[0], item_id=f"{total}:{'+'.join(obs_ids)}", obs_ids=obs_ids,
                                   indicator_code=total, value=value, low=low, high=high,
                                   qualifier=qualifier_of(low, high), period_basis=basis,
                                   is_derived_total=True, formula_total=formula))

    for total in sorted(sums):
        derive(total)
    return derived


# --- which comparisons an item may enter ----------------------------------------------------------

# Two snapshots of one campaign total start when the campaign began, which reports date a few
# weeks apart (黄冈: "since 23 January 2018" and "since January 2018"): starts within a month.
SNAPSHOT_START_TOLERANCE_DAYS = 31


def earlier_snapshots(items: list[Item]) -> dict[str, str]:
    """Cumulative snapshots of one campaign ("since January 2018, as of April 2019" and "… as of
    May 2019") are one series, not independent flows (docs/curation_guide.md, "Cumulative
    snapshots"): of the region-wide flows of one indicator in one region that start together
    (within SNAPSHOT_START_TOLERANCE_DAYS) and end on different dates, only the one that ends last
    (then the longest, then the first id) is compared. Flows over the same period are not
    snapshots of each other (two reports of one figure: both kept), nor is a year inside a
    multi-year total (they start apart). Returns each earlier snapshot's item_id → the item_id of
    the snapshot that supersedes it."""
    by_key: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if item.measure == "flow_count" and item.scope == "region_total":
            by_key[(item.indicator_code, item.region_code)].append(item)
    superseded: dict[str, str] = {}
    tolerance = dt.timedelta(days=SNAPSHOT_START_TOLERANCE_DAYS)
    for flows in by_key.values():
        # Taken latest end first; an item is superseded by the first kept flow, in that order, that
        # ends later and starts within the tolerance. The kept flows are indexed by their end
        # (latest first), each end's flows by (start, id): the first of an end within the tolerance
        # is found by bisection, not by walking every kept flow (quadratic in a region's flows).
        latest_first = sorted(flows, key=lambda i: (-i.period[1].toordinal(), i.period[0], i.item_id))
        ends: list[tuple[list[dt.date], list[Item]]] = []  # kept flows of each later end
        for _, same_end in groupby(latest_first, key=lambda i: i.period[1]):
            starts: list[dt.date] = []
            kept: list[Item] = []
            for item in same_end:
                later = None
                for end_starts, end_items in ends:
                    at = bisect_left(end_starts, item.period[0] - tolerance)
                    if at < len(end_starts) and end_starts[at] <= item.period[0] + tolerance:
                        later = end_items[at]
                        break
                if later is None:
                    starts.append(item.period[0])  # in (start, id) order, as sorted above
                    kept.append(item)
                else:
                    superseded[item.item_id] = later.item_id
            ends.append((starts, kept))
    return superseded


def eligibility(item: Item, review_years: Decimal) -> tuple[str, str, str]:
    """(quantity, "", "") for an item that may be compared, or ("", reason code, reason)."""
    if item.scope != "region_total":
        return "", f"scope_{item.scope}", SCOPE_REASONS[item.scope]
    if item.measure in NOT_COMPARED:
        return "", f"measure_{item.measure}", NOT_COMPARED[item.measure]
    quantity = QUANTITY[item.measure]
    if quantity == "change" and not item.base_start:
        return "", "no_base", "the text gives no base period, and changes compare only against the same base"
    if (item.measure == "flow_count" and item.period_basis == "review_period_assumed"
            and review_years > Decimal("1.1")):
        return "", "assumed_period", (f"no period is stated: the report's whole {_q(review_years)}-year "
                                      "review period is assumed, so an annual rate would be a guess")
    days = (item.period[1] - item.period[0]).days + 1
    if item.measure == "flow_count" and days < MIN_ANNUALIZED_DAYS:
        return "", "sub_year_window", (f"a flow over {days} days: never annualized (a holiday week × 52 "
                                       "is not a year), and compared only with the same kind of window")
    if item.measure == "zero_claim" and days < MIN_ANNUALIZED_DAYS:
        # none in a holiday week is a flow of zero over the week: as years without the event it
        # would rank a three-day holiday below a seven-day one
        return "", "sub_year_window", (f"none over {days} days: a window of less than a year says "
                                       "nothing of years without the event, and compares only with the "
                                       "same kind of window")
    if item.tier == "unstated":
        return "", "tier_unstated", ("a stock of institutions whose tier the text does not state: "
                                     "stocks compare only at one tier of what is counted")
    if item.survey == "unknown":
        return "", "survey_unknown", ("a survey result whose survey is not recorded: survey results "
                                      "compare only within one survey (the province's own round, or "
                                      "the national one)")
    return quantity, "", ""


def subgroup(item: Item, links: dict[str, dict]) -> tuple[str, str]:
    """(comparison key, subgroup): indicators of one concept share an axis only as `same` links."""
    link = links.get(item.indicator_code)
    if link is None:
        return item.indicator_code, "same"
    return link["concept_code"], "same" if link["relation"] == "same" else item.indicator_code


def is_year_on_year(item: Item) -> bool:
    """Whether a change is a calendar year's against the year before (同比 over a whole year): the
    changes that may share an axis across years. A window shorter than a year against the same
    window a year before (a holiday week, January-April) compares only with the same window, and a
    change against another span (与2017年相比) only with the same span."""
    if not item.base_start:
        return False
    start, end = item.period
    base = parse_period(item.base_start)[0], parse_period(item.base_end)[1]
    return (start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31)
            and base == (dt.date(start.year - 1, 1, 1), dt.date(start.year - 1, 12, 31)))


def group_keys(quantity: str, item: Item, has_per_10k: bool, has_per_jurisdiction: bool = False
               ) -> list[tuple[str, str]]:
    """(group kind, level or base) for every axis the item may share. A stock of institutions
    names its tier in the level: it shares an axis only with stocks of that tier."""
    if quantity == "annual_count":
        return [("annual_count", item.region_level)] + ([("annual_per_10k", "all levels")] if has_per_10k else [])
    if quantity == "count_at_date":
        tier = f", {TIER_LABELS[item.tier]}" if item.tier else ""
        return ([("count_at_date", item.region_level + tier)]
                + ([("per_10k_at_date", "all levels" + tier)] if has_per_10k else [])
                + ([("per_jurisdiction_at_date", f"per {item.tier}")] if has_per_jurisdiction else []))
    if quantity == "percent":
        if item.survey.startswith("provincial"):
            return [("percent", f"the provincial survey of {item.survey.split()[1]}")]
        return [("percent", "the national survey" if item.survey == "national" else "all levels")]
    if quantity == "change":
        if is_year_on_year(item):
            return [("change_year_on_year", item.measure)]
        return [("change", f"{item.measure} against {item.base_label}")]
    if quantity == "years_without_event":
        return [("years_without_event", item.region_level)]
    raise ValueError(quantity)


@dataclass
class Comparisons:
    items: list[dict[str, str]] = field(default_factory=list)
    groups: list[dict[str, str]] = field(default_factory=list)
    members: list[dict[str, str]] = field(default_factory=list)
    compared_observations: set[str] = field(default_factory=set)


def _tier_of(indicator_code: str, obs_id: str, tiers: dict[tuple[str, str], dict]) -> dict[str, str]:
    """The tier of what a stock of institutions counts and what it scales with: the row of
    stock_tiers.csv for the observation, else the indicator's row (empty obs_id), else none."""
    row = tiers.get((indicator_code, obs_id)) or tiers.get((indicator_code, ""))
    return {"tier": row["counted_tier"], "scales_with": row["scales_with"]} if row else {}


def _province(code: str, regions: dict[str, dict]) -> str:
    while regions[code]["level"] != "province":
        code = regions[code]["parent_code"]
    return code


def build_comparisons(tables: dict, populations: dict[str, dict[str, str]]) -> Comparisons:
    """Items, groups and members from the checked raw tables; ``populations`` maps a region to its
    census denominator row (population, basis)."""
    indicators = {r["indicator_code"]: r for r in tables["indicators"]}
    per_capita = {code for code, r in indicators.items() if r["per_capita"] == "true"}
    regions = {r["region_code"]: r for r in tables["regions"]}
    links = {r["indicator_code"]: r for r in tables["indicator_concepts"]}
    sums: dict[str, list[str]] = defaultdict(list)
    for row in tables["indicator_sums"]:
        sums[row["total_indicator_code"]].append(row["part_indicator_code"])
    references: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for row in tables["reference_rates"]:
        references[row["indicator_code"]][int(row["year"])] = Decimal(row["per_100k"])
    review_years = {}
    for row in tables["sources"]:
        start, end = parse_period(row["period_start"])[0], parse_period(row["period_end"])[1]
        review_years[row["source_id"]] = period_years(start, end)

    for row in tables["cited_sources"]:
        start, end = parse_period(row["period_start"])[0], parse_period(row["period_end"])[1]
        review_years[row["source_id"]] = period_years(start, end)
    tiers = {(r["indicator_code"], r["obs_id"]): r for r in tables["stock_tiers"]}
    items = observation_items(tables["observations"] + tables["cited_observations"], indicators,
                              regions, tiers)
    items += derived_totals(items, dict(sums))
    counted = {r["unit_code"] for r in tables["units"] if r["quantity"] == COUNT_QUANTITY}
    jurisdictions = jurisdiction_counts(tables["census_2020"])
    out = Comparisons()
    grouped: dict[tuple, list[Item]] = defaultdict(list)
    superseded = earlier_snapshots(items)
    for item in items:
        source_id = item.obs_ids[0].rpartition("-")[0]
        quantity, reason_code, reason = eligibility(item, review_years[source_id])
        if quantity and item.item_id in superseded:
            quantity, reason_code = "", "earlier_snapshot"
            reason = (f"an earlier snapshot of a cumulative total that {superseded[item.item_id]} (over a "
                      "period overlapping this one, ending later) carries on: one series, not an "
                      "independent flow")
        row = _item_row(item, quantity, reason, links, populations, per_capita, references,
                        counted, jurisdictions)
        row["reason_code"] = reason_code
        out.items.append(row)
        if not quantity:
            continue
        key, sub = subgroup(item, links)
        for kind, level in group_keys(quantity, item, bool(row["per_10k"]), bool(row["per_jurisdiction"])):
            grouped[(key, sub, kind, level)].append(item)
    windowed: dict[tuple, list[Item]] = {}
    for (key, sub, kind, level), members in grouped.items():
        if not kind.endswith("_at_date"):
            windowed[(key, sub, kind, level)] = members
            continue
        for window in stock_windows(members):
            first, last = window[0].period[1].isoformat(), window[-1].period[1].isoformat()
            windowed[(key, sub, kind, f"{level}, {first} to {last}")] = window
    compared_in: dict[str, list[str]] = defaultdict(list)  # item_id → valid groups it is in
    for (key, sub, kind, level), members in sorted(windowed.items()):
        places = {(i.region_code, i.period_label) for i in members}
        if "per_" in kind and len({i.region_code for i in members}) < 2:
            continue  # one region's series: its absolute group shows it already
        if kind == "per_jurisdiction_at_date" and all(jurisdictions[(i.region_code, i.tier)] == 1
                                                      for i in members):
            continue  # every member is one jurisdiction of the tier: its count is the same axis
        group_id = "--".join(x for x in (key, "" if sub == "same" else sub, kind,
                                         level.replace(" ", "_").replace(",", "")) if x)
        valid = len(places) >= 2
        rule = RULES[kind].format(level=level.rsplit(", ", 1)[0] if kind.endswith("_at_date") else level)
        if kind.endswith("_at_date"):
            first, last = level.rsplit(", ", 1)[1].split(" to ")
            tier = members[0].tier
            rule += (STOCK_RULE.format(tier=TIER_LABELS[tier], first=first, last=last) if tier
                     else STOCK_WINDOW_RULE.format(first=first, last=last))
        out.groups.append({
            "group_id": group_id, "comparison_key": key, "indicator_code": "" if sub == "same" else sub,
            "kind": kind, "level": level, "value_column": VALUE_COLUMN[kind],
            "rule": rule, "members": str(len(members)),
            "places": str(len(places)), "is_valid": "true" if valid else "false"})
        for item in sorted(members, key=lambda m: (m.region_code, m.period_start, m.item_id)):
            out.members.append({"group_id": group_id, "item_id": item.item_id})
            if valid:
                compared_in[item.item_id].append(group_id)
    # An observation is compared when it, or a total derived from it, is in a valid group.
    by_obs: dict[str, list[str]] = defaultdict(list)
    for row in out.items:
        for obs_id in row["obs_ids"].split():
            by_obs[obs_id].extend(compared_in.get(row["item_id"], []))
    for row in out.items:
        own = compared_in.get(row["item_id"], [])
        groups = own if row["is_derived_total"] == "true" else by_obs[row["item_id"]]
        row["compared_in"] = " ".join(sorted(set(groups)))
        if compared_in.get(row["item_id"]):
            row["status"] = "compared"
    out.compared_observations = {obs_id for obs_id, groups in by_obs.items() if groups}
    concepts = {r["concept_code"]: r for r in tables["concepts"]}
    by_key: dict[str, list[dict]] = defaultdict(list)
    for row in out.items:
        by_key[row["comparison_key"]].append(row)
    for row in out.items:
        if row["status"] == "":
            row["status"] = "alone"
            row["reason_code"], row["reason"] = _why_alone(row, by_key[row["comparison_key"]], links,
                                                           indicators, concepts)
    return out


# A zero claim is implausible as written when chance gives "none at all" less often than this,
# unlikely below PLAUSIBLE (conventional levels; docs/curation_guide.md, "Claims checked against
# expectation").
IMPLAUSIBLE = Decimal("0.001")
PLAUSIBLE = Decimal("0.05")


def _significant(value: Decimal | None, digits: int = 2) -> str:
    """A probability with two significant digits, in plain or E notation (5.6E-9)."""
    if value is None:
        return ""
    if value == 0:
        return "0"
    rounded = round(value, digits - 1 - value.adjusted())
    return format(rounded.normalize(), "E" if value.adjusted() < -4 else "f")


def _rate_for(year: int, rates: dict[int, Decimal]) -> tuple[Decimal, str]:
    """The rate of ``year``, or the lowest of the nearest sourced years around it (the benefit of
    the doubt: fewer expected events); with where it comes from."""
    if year in rates:
        return rates[year], str(year)
    before = max((y for y in rates if y < year), default=None)
    after = min((y for y in rates if y > year), default=None)
    near = [y for y in (before, after) if y is not None]
    low = min(near, key=lambda y: (rates[y], y))
    return rates[low], f"{year}: none published, the lower of {'/'.join(map(str, near))}"


def expectation_of(item: Item, population: dict | None, rates: dict[int, Decimal]
                   ) -> tuple[Decimal | None, Decimal | None, str]:
    """(expected events, P(none), what it means) for a zero claim: the region's 2020 census
    population × each year's share of the period × the national rate per 100,000 for that year
    (reference_rates.csv); P(none) = exp(−expected) under a Poisson model. Raises nothing: a claim
    with no reference rate, population or whole-region scope says why none is computed."""
    if item.measure != "zero_claim":
        return None, None, ""
    if not rates:
        return None, None, "no official national rate for this kind of event: not checked"
    if item.scope != "region_total" or not population:
        return None, None, "not checked: no census population for the region as a whole"
    start, end = item.period
    people = Decimal(population["population"])
    expected, parts = Decimal(0), []
    for year in range(start.year, end.year + 1):
        first, last = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
        share = Decimal((last - first).days + 1) / Decimal((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
        rate, basis = _rate_for(year, rates)
        expected += people * share * rate / 100000
        parts.append(f"{_q(share)} × {rate} ({basis})")
    p_zero = (-expected).exp()
    verdict = ("implausible as written (it likely means something narrower, such as no unsolved "
               "case)" if p_zero < IMPLAUSIBLE else "unlikely" if p_zero < PLAUSIBLE else "plausible")
    return expected, p_zero, (f"{verdict}: {int(people):,} people × [{' + '.join(parts)}] per "
                              f"100,000 = {_q(expected)} expected, P(none) = {_significant(p_zero)}")


def _scaled(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else value * factor


def _item_row(item: Item, quantity: str, reason: str, links, populations, per_capita,
              references, counted: set[str], jurisdictions: dict[tuple[str, str], int]
              ) -> dict[str, str]:
    link = links.get(item.indicator_code, {})
    value_text = plain_number(item.value)  # written up to five times below
    period = item.period
    years = period_years(*period)
    annual = annual_low = annual_high = None
    formula = [item.formula_total] if item.formula_total else []
    if item.measure == "flow_count" and quantity:  # an item left out publishes no derived value
        annual = item.value / years
        annual_low = None if item.low is None else item.low / years
        annual_high = None if item.high is None else item.high / years
        formula.append(f"per year: {value_text} ÷ {_years_text(years)} = {_q(annual)}")
    population = populations.get(item.region_code)
    per = per_low = per_high = None
    # A count of events or things (not money) in a comparison carries its Poisson interval.
    ci_low = ci_high = None
    if quantity and item.measure in ("flow_count", "stock_count") and item.unit in counted:
        ci_low, ci_high = count_interval(item)
    ci_text = ("" if ci_low is None and ci_high is None else
               f"exact Poisson 95% interval of the count (n = {value_text}): "
               f"{_q(ci_low) or 'open'} to {_q(ci_high) or 'open'}")
    has_ci = ci_low is not None or ci_high is not None
    per_year = None if annual is None else 1 / years
    # Institutions counted per jurisdiction scale with jurisdictions, not with residents.
    if (quantity and population and item.indicator_code in per_capita and item.scope == "region_total"
            and item.measure in ("flow_count", "stock_count") and item.scales_with != "jurisdictions"):
        count, low, high = (annual, annual_low, annual_high) if annual is not None else (item.value, item.low, item.high)
        people = Decimal(population["population"])
        per = count * PER / people
        per_low = None if low is None else low * PER / people
        per_high = None if high is None else high * PER / people
        formula.append(f"per 10,000 residents{' per year' if annual is not None else ''}: "
                       f"{_q(count)} × 10,000 ÷ {int(people):,} (2020 census, "
                       f"{population['basis'].replace('_', ' ')}) = {_q(per)}")
    if ci_text:
        formula.append(ci_text)
    units = jurisdictions.get((item.region_code, item.tier)) if item.scales_with == "jurisdictions" else None
    per_unit = per_unit_low = per_unit_high = None
    if quantity and units and item.measure == "stock_count":
        per_unit, per_unit_low, per_unit_high = (_scaled(v, Decimal(1) / units)
                                                 for v in (item.value, item.low, item.high))
        formula.append(f"per {item.tier}: {value_text} ÷ {units} {item.tier}-level "
                       f"unit{'s' if units != 1 else ''} (2020 census tabulation) = {_q(per_unit)}")
    without = years if item.measure == "zero_claim" and quantity else None
    if without is not None:
        formula.append(f"years without the event: the period {item.period_label} = {_years_text(years)}")
    expected, p_zero, expectation = expectation_of(item, populations.get(item.region_code),
                                                   references.get(item.indicator_code, {}))
    if expected is not None:
        formula.append(f"expected events: {expectation.split(': ', 1)[1]}")
    return {
        "item_id": item.item_id, "obs_ids": " ".join(item.obs_ids),
        "is_derived_total": "true" if item.is_derived_total else "false",
        "indicator_code": item.indicator_code, "concept_code": link.get("concept_code", ""),
        "relation": link.get("relation", ""),
        "comparison_key": link.get("concept_code", item.indicator_code), "measure": item.measure, "unit": item.unit,
        "region_code": item.region_code, "region_level": item.region_level,
        "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
        "period_label": item.period_label, "period_basis": item.period_basis,
        "period_years": _q(years), "scope": item.scope, "survey": item.survey,
        "value": value_text, "value_low": plain_number(item.low),
        "value_high": plain_number(item.high), "qualifier": item.qualifier,
        "base_period": item.base_label, "quantity": quantity,
        "annual_value": _q(annual), "annual_low": _q(annual_low), "annual_high": _q(annual_high),
        "population_2020": population["population"] if per is not None else "",
        "population_basis": population["basis"] if per is not None else "",
        "per_10k": _q(per), "per_10k_low": _q(per_low), "per_10k_high": _q(per_high),
        "counted_tier": item.tier, "scales_with": item.scales_with,
        "jurisdictions": str(units) if per_unit is not None else "",
        "per_jurisdiction": _q(per_unit), "per_jurisdiction_low": _q(per_unit_low),
        "per_jurisdiction_high": _q(per_unit_high),
        "n": value_text if has_ci else "",
        "count_ci_low": _q(ci_low), "count_ci_high": _q(ci_high),
        "annual_ci_low": _q(_scaled(ci_low, per_year)) if has_ci and per_year else "",
        "annual_ci_high": _q(_scaled(ci_high, per_year)) if has_ci and per_year else "",
        "per_10k_ci_low": _q(_scaled(ci_low, (per_year or 1) * PER / people)) if has_ci and per is not None else "",
        "per_10k_ci_high": _q(_scaled(ci_high, (per_year or 1) * PER / people)) if has_ci and per is not None else "",
        "per_jurisdiction_ci_low": _q(_scaled(ci_low, Decimal(1) / units)) if has_ci and per_unit is not None else "",
        "per_jurisdiction_ci_high": _q(_scaled(ci_high, Decimal(1) / units)) if has_ci and per_unit is not None else "",
        "years_without_event": _q(without), "expected_events": _q(expected),
        "p_zero": _significant(p_zero), "expectation": expectation, "formula": "; ".join(formula),
        "status": "" if quantity else "excluded", "reason": reason, "compared_in": "",
    }


def _why_alone(row: dict, same_key: list[dict], links, indicators, concepts) -> tuple[str, str]:
    """(reason code, a specific reason) an eligible item shares no axis: what is missing, and what
    there is (``same_key``: the items of its concept, or of its indicator where it has none)."""
    mine = set(row["obs_ids"].split())
    kin = [r for r in same_key if not mine & set(r["obs_ids"].split())]
    label = (concepts[row["concept_code"]]["name_en"] if row["relation"] == "same"
             else indicators[row["indicator_code"]]["name_en"])
    if row["relation"] in ("narrower", "broader", "proxy"):
        note = links[row["indicator_code"]]["note"].rstrip(".")
        concept = concepts[row["concept_code"]]["name_en"]
        others = sorted(r["item_id"] for r in kin)
        relation = {"proxy": "a proxy for"}.get(row["relation"], f"{row['relation']} than")
        return row["relation"], (f"{relation} '{concept}' ({note}): it shares an axis only with the "
                                 "same indicator, which no other region or period reports"
                                 + (f"; the concept's other figures ({', '.join(others)}) count "
                                    "something else" if others else ""))
    if row["quantity"] == "change":
        bases = sorted(f"{r['item_id']} against {r['base_period'] or 'no stated base'}" for r in kin
                       if r["base_period"] != row["base_period"])
        return ("other_base" if bases else "only_one",
                f"no other region or period gives a change of '{label}' against {row['base_period']}"
                + (f"; the other changes use other bases: {', '.join(bases)}" if bases else ""))
    like = [r for r in kin if r["quantity"] == row["quantity"] and
            (r["indicator_code"] == row["indicator_code"] or r["relation"] == row["relation"] == "same")]
    if not like:
        return "only_one", f"no other region or period reports '{label}'"
    levels = ", ".join(sorted({r["region_level"] for r in like}))
    reason = (f"the other figures of '{label}' ({', '.join(sorted(r['item_id'] for r in like))}) are of "
              f"another level ({levels}), and absolute counts compare only within a level")
    if row["quantity"] == "years_without_event":
        return "other_level", reason
    if not row["per_10k"]:
        why = ("a township has no census population" if row["region_level"] == "township" else
               f"'{label}' is not a regional total that a per-capita value would mean something for"
               if indicators[row["indicator_code"]]["per_capita"] != "true" else
               "the region has no census population")
        return "other_level", f"{reason}; across levels only per-capita values compare, and {why}"
    return "other_level", f"{reason}; across levels only per-capita values compare, and the others have none"


def rule_breaches(comparisons: Comparisons) -> list[str]:
    """Every way a group of ``comparisons`` breaks a written rule (docs/curation_guide.md,
    "Concepts and comparisons"), checked again from the published rows rather than from the code
    that grouped them: one line per breach, "<group_id>: <what>"; an empty list when none does."""
    rows = {r["item_id"]: r for r in comparisons.items}
    members: dict[str, list[dict]] = defaultdict(list)
    for m in comparisons.members:
        members[m["group_id"]].append(rows[m["item_id"]])
    breaches = []
    for group in comparisons.groups:
        items, gid, kind = members[group["group_id"]], group["group_id"], group["kind"]

        def breach(what: str) -> None:
            breaches.append(f"{gid}: {what}")

        if group["is_valid"] == "true" and any(r["status"] == "excluded" for r in items):
            breach("holds an excluded item")
        if len({(r["measure"], r["unit"]) for r in items}) > 1:
            breach("mixes measures or units")
        if kind in ("annual_count", "count_at_date", "years_without_event"):
            levels = {r["region_level"] for r in items}
            if len(levels) > 1:
                breach(f"absolute counts of several levels ({', '.join(sorted(levels))})")
        if kind.endswith("_at_date"):
            tiers = {r["counted_tier"] for r in items}
            if len(tiers) > 1:
                breach(f"stocks of several tiers ({', '.join(sorted(tiers))})")
            dates = sorted(dt.date.fromisoformat(r["period_end"]) for r in items)
            if dates[-1] > add_months(dates[0], STOCK_WINDOW_MONTHS):
                breach(f"stocks dated {dates[0]} to {dates[-1]}, more than {STOCK_WINDOW_MONTHS} months apart")
        if "per_10k" in kind and any(not r["per_10k"] or r["scales_with"] == "jurisdictions" for r in items):
            breach("a per-resident axis holds an item with no per-resident value, or one that scales "
                   "with jurisdictions")
        if kind == "per_jurisdiction_at_date" and any(not r["jurisdictions"] for r in items):
            breach("a per-jurisdiction axis holds an item with no count of jurisdictions")
        if kind.startswith("annual") or kind == "years_without_event":
            for r in items:
                days = (dt.date.fromisoformat(r["period_end"]) - dt.date.fromisoformat(r["period_start"])).days + 1
                if days < MIN_ANNUALIZED_DAYS:
                    breach(f"{r['item_id']} {'annualizes' if kind.startswith('annual') else 'counts years without the event over'} "
                           f"a window of {days} days")
        if kind == "change" and len({r["base_period"] for r in items}) > 1:
            breach("changes against several bases")
        surveys = {r["survey"] for r in items}
        if len(surveys) > 1:
            breach(f"results of several surveys ({', '.join(sorted(s or 'none' for s in surveys))})")
        if group["is_valid"] == "true":
            if "unknown" in surveys:
                breach("a survey result whose survey is not recorded")
            for measure in sorted({r["measure"] for r in items} & set(NOT_COMPARED)):
                breach(f"compares a {measure} ({NOT_COMPARED[measure].split(':')[0]})")
    return breaches
