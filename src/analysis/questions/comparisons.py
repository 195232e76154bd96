"""The comparisons the build derived (``comparisons.csv`` and its groups), as notebooks ask for them.

Nothing here decides what may be compared: ``analysis.dataset.compare`` did, under rules that are
tested. This module labels, filters and arranges: the axes of a theme or a region, what was left
out and why, changes from their base to their period, zero claims as streaks, two regions side by
side. Every row keeps its item and obs_ids, and the quote it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .dataset import Dataset, bilingual, derived
from .parameters import ParameterError
from .plots import format_value

# What is drawn for each kind of group: the value, its interval's ends, the axis label.
KIND_COLUMNS = {
    "annual_count": ("annual_value", "annual_low", "annual_high"),
    "annual_per_10k": ("per_10k", "per_10k_low", "per_10k_high"),
    "count_at_date": ("value", "value_low", "value_high"),
    "per_10k_at_date": ("per_10k", "per_10k_low", "per_10k_high"),
    "percent": ("value", "value_low", "value_high"),
    "change": ("value", "value_low", "value_high"),
    "change_year_on_year": ("value", "value_low", "value_high"),
    "years_without_event": ("years_without_event", "years_without_event", "years_without_event"),
    "per_jurisdiction_at_date": ("per_jurisdiction", "per_jurisdiction_low", "per_jurisdiction_high"),
}
# The Poisson 95% interval of a count on each kind's scale (comparisons.csv); kinds that are not
# counts are compared on their stated interval (KIND_COLUMNS).
KIND_CI_COLUMNS = {
    "annual_count": ("annual_ci_low", "annual_ci_high"),
    "annual_per_10k": ("per_10k_ci_low", "per_10k_ci_high"),
    "count_at_date": ("count_ci_low", "count_ci_high"),
    "per_10k_at_date": ("per_10k_ci_low", "per_10k_ci_high"),
    "per_jurisdiction_at_date": ("per_jurisdiction_ci_low", "per_jurisdiction_ci_high"),
}
KIND_LABELS = {
    "annual_count": "{unit} per year 每年",
    "annual_per_10k": "{unit} per 10,000 residents per year 每万人每年",
    "count_at_date": "{unit} at the date 时点数",
    "per_10k_at_date": "{unit} per 10,000 residents 每万人",
    "percent": "percent 百分比",
    "change": "change in percent of the base 相对基期变化(%)",
    "change_year_on_year": "year-on-year change in percent 同比变化(%)",
    "years_without_event": "years without the event 未发生年数",
    "per_jurisdiction_at_date": "{unit} per jurisdiction of their tier 每个同级行政单位",
}
REASON_LABELS = {
    "only_one": "the only figure of its kind in the sources",
    "narrower": "a narrower figure (one organ, kind or programme) that no other source gives",
    "proxy": "a proxy, compared with nothing else",
    "broader": "a broader figure that no other source gives",
    "other_level": "other figures of its kind are of another level",
    "other_base": "other changes of its kind use another base period",
    "assumed_period": "no stated period in a multi-year review: an annual rate would be a guess",
    "scope_single_instance": "one case, document or example",
    "scope_part_of_region": "a part of its region only",
    "scope_typical_unit": "typical of localities, not an aggregate",
    "measure_change_unspecified": "a change of a rate, points or percent not stated",
    "measure_standard": "a standard, not a result",
    "measure_document_attribute": "a count about one document",
    "measure_duration": "the duration of one procedure",
    "measure_target": "a target",
    "no_base": "a change whose base period the text does not give",
    "sub_year_window": "a flow over less than a year: never annualized, compared only with the same kind of window",
    "survey_unknown": "a survey result whose survey is not recorded",
    "earlier_snapshot": "an earlier snapshot of a cumulative total a later one carries on: one series, not a flow of its own",
    "measure_rank": "a place in one ranking",
    "measure_score": "a survey score, comparable only within its own survey",
    "tier_unstated": "a stock of institutions whose tier the text does not state",
}


def interval_on_axis(row, kind: str) -> tuple[float | None, float | None]:
    """(low, high) of an item on the axis of ``kind``: a count's exact Poisson 95% interval where
    comparisons.csv gives one, otherwise the interval its qualifier states (an exact figure: a
    point); None is an open end. ``row``: a row of comparisons.csv (a mapping or a pandas row)."""
    columns = KIND_CI_COLUMNS.get(kind)
    if columns and (_number(row[columns[0]]) is not None or _number(row[columns[1]]) is not None):
        return _number(row[columns[0]]), _number(row[columns[1]])
    _, low, high = KIND_COLUMNS[kind]
    return _number(row[low]), _number(row[high])


def intervals_on_axis(rows: pd.DataFrame, kind: str) -> tuple[list[float], list[float]]:
    """(lows, highs) of ``interval_on_axis`` for every row, an open end as NaN (as charts draw it)."""
    ends = [interval_on_axis(row, kind) for _, row in rows.iterrows()]
    nan = float("nan")
    return ([nan if low is None else low for low, _ in ends], [nan if high is None else high for _, high in ends])


def _number(cell) -> float | None:
    return None if cell is None or pd.isna(cell) or cell == "" else float(cell)


def differs(a, b, kind: str) -> int:
    """+1 when ``a`` is higher than ``b`` on the axis of ``kind``, −1 when lower, 0 when their
    intervals overlap (or an open end leaves it unknown): a difference whose intervals overlap is
    not called a difference (docs/curation_guide.md, "Small counts carry their uncertainty")."""
    a_low, a_high = interval_on_axis(a, kind)
    b_low, b_high = interval_on_axis(b, kind)
    if not intervals_apart(a_low, a_high, b_low, b_high):
        return 0
    return 1 if a_low is not None and b_high is not None and a_low > b_high else -1


def intervals_apart(low_a, high_a, low_b, high_b) -> bool:
    """Whether two intervals do not overlap (a difference the evidence supports). A missing end
    (None or NaN) is open, no bound on that side: an interval open towards the other is never
    apart from it. The one rule behind every "higher" or "lower" the pages say."""
    import math

    def end(x, default):
        return default if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    low_a, high_a = end(low_a, -math.inf), end(high_a, math.inf)
    low_b, high_b = end(low_b, -math.inf), end(high_b, math.inf)
    return high_a < low_b or high_b < low_a


def check_parameter(name: str, value, choices, where: str) -> None:
    """Stop a notebook in its first cell, in one line, when a parameter names nothing in the data
    (its type was checked by ``views.start``; see ``analysis.questions.parameters``)."""
    choices = [str(c) for c in choices]
    if str(value) not in choices:
        shown = ", ".join(choices[:8]) + (", …" if len(choices) > 8 else "")
        raise ParameterError(f"parameter {name}={value!r} is not in the data; the valid values are "
                             f"listed in {where} ({shown})")


def labelled(data: Dataset) -> pd.DataFrame:
    """comparisons.csv with the names a reader needs, the report and the words behind each item
    (computed once per loaded dataset: ``dataset.derived``; each call gets its own copy)."""
    return derived(data, "comparisons.labelled", _labelled).copy(deep=False)


def _labelled(data: Dataset) -> pd.DataFrame:
    items = data.comparisons.copy()
    regions = data.regions.set_index("region_code")
    indicators = data.indicators.set_index("indicator_code")
    concepts = data.concepts.set_index("concept_code")
    quotes = data.observations.set_index("obs_id")["quote"]
    items["region_name_zh"] = items["region_code"].map(regions["name_zh"])
    items["region_name_en"] = items["region_code"].map(regions["name_en"])
    # KeyError for an indicator the codebook lacks, as .loc would (the build checks the key)
    indicator_names = pd.Series([bilingual(zh, en) for zh, en in zip(indicators["name_zh"], indicators["name_en"])],
                                index=indicators.index)
    items["indicator_name"] = [indicator_names[c] for c in items["indicator_code"]]
    items["theme_code"] = items["indicator_code"].map(indicators["theme_code"])
    concept_names = {k: bilingual(zh, en) for k, zh, en in zip(concepts.index, concepts["name_zh"], concepts["name_en"])}
    items["key_name"] = [concept_names.get(k, name) for k, name in zip(items["comparison_key"], items["indicator_name"])]
    items["source_id"] = items["obs_ids"].str.split().str[0].str.rsplit("-", n=1).str[0]
    quote_of, evidence = quotes.to_dict(), data.observations.set_index("obs_id")["evidence_kind"].to_dict()
    items["quote"] = [" | ".join(quote_of[i] for i in ids.split()) for ids in items["obs_ids"]]
    # a derived total of quoted and cited parts is as strong as its weakest part: cited
    items["evidence_kind"] = ["cited" if any(evidence[i] == "cited" for i in ids.split()) else "archived_quote"
                              for ids in items["obs_ids"]]
    items["province_code"] = items["region_code"].str[:2] + "0000"
    items["ids"] = items["obs_ids"].map(short_ids)
    items["label"] = (items["region_name_zh"] + " (" + items["region_level"] + ") "
                      + items["period_label"] + "\n" + items["ids"]
                      + items["is_derived_total"].map({True: " (sum 合计)", False: ""}))
    return items


def short_ids(obs_ids: str) -> str:
    """'a_2021-004 a_2021-005 b-001' → 'a_2021-004+005, b-001': every id, written once per report."""
    by_source: dict[str, list[str]] = {}
    for obs_id in obs_ids.split():
        source, _, number = obs_id.rpartition("-")
        by_source.setdefault(source, []).append(number)
    return ", ".join(f"{source}-{'+'.join(numbers)}" for source, numbers in by_source.items())


@dataclass
class Axis:
    """One valid group: the items that share an axis, the rule that lets them, what is drawn."""

    group_id: str
    title: str
    rule: str
    kind: str
    unit_label: str
    value_column: str
    low_column: str
    high_column: str
    rows: pd.DataFrame


def axes(data: Dataset, theme: str | None = None, region_codes=None, keys=None) -> list[Axis]:
    """The valid groups of a theme, of comparison keys, or holding any of some regions (every
    valid group computed once per loaded dataset: ``dataset.derived``; each call gets copies)."""
    out = []
    for axis, theme_code, key in derived(data, "comparisons.axes", _every_axis):
        if theme is not None and theme_code != theme:
            continue  # (an indicator shares its concept's theme: checked by the build)
        if keys is not None and key not in keys:
            continue
        if region_codes is not None and not axis.rows["region_code"].isin(region_codes).any():
            continue
        out.append(replace(axis, rows=axis.rows.copy(deep=False)))
    return out


def _every_axis(data: Dataset) -> list[tuple[Axis, str, str]]:
    """Every valid group as an Axis, with its theme and comparison key, in comparison_groups.csv's
    order."""
    items = labelled(data)
    items.index = items["item_id"].rename(None)
    units = data.units.set_index("unit_code")["name_en"]
    groups = data.comparison_groups[data.comparison_groups["is_valid"]]
    members = data.comparison_members.groupby("group_id", sort=False)["item_id"]
    out = []
    for group in groups.itertuples():
        rows = items.loc[members.get_group(group.group_id)]
        value, low, high = KIND_COLUMNS[group.kind]
        first = rows.iloc[0]
        subject = first["indicator_name"] if group.indicator_code else first["key_name"]
        level = ("" if group.level == "all levels" else " · 同比 year on year"
                 if group.kind == "change_year_on_year" else f" · {group.level}")
        axis = Axis(group.group_id, f"{subject}{level}", group.rule, group.kind,
                    KIND_LABELS[group.kind].format(unit=units[first["unit"]]), value, low, high,
                    rows.sort_values([value, "item_id"], ascending=[False, True]).reset_index(drop=True))
        out.append((axis, first["theme_code"], group.comparison_key))
    return out


def axis_table(axis: Axis) -> pd.DataFrame:
    """The rows behind an axis: each bar's item, obs_ids, value as stated, derived value, formula."""
    columns = ["item_id", "obs_ids", "region_name_zh", "region_level", "period_label", "period_basis",
               "value", "qualifier", axis.value_column, axis.low_column, axis.high_column,
               *(("n", *KIND_CI_COLUMNS[axis.kind]) if axis.kind in KIND_CI_COLUMNS else ()),
               "formula", "quote"]
    return axis.rows[list(dict.fromkeys(columns))]


def theme_figures(data: Dataset, theme: str) -> pd.DataFrame:
    """Every figure of a theme: its observations, and the totals derived from them that are
    compared, each with region, date, status and reason (the dot strip of the theme page)."""
    items = labelled(data)
    items = items[(items["theme_code"] == theme) & (~items["is_derived_total"] | (items["compared_in"] != ""))]
    return items.sort_values(["province_code", "region_code", "period_end", "item_id"]).reset_index(drop=True)


def place_labels(rows: pd.DataFrame) -> pd.Series:
    """'黄梅县 Huangmei County, 2018/2020' for each row: place names and periods, not ids (the ids
    are in the chart's data); a derived total says so."""
    return (rows["region_name_zh"] + " " + rows["region_name_en"] + ", " + rows["period_label"]
            + rows["is_derived_total"].map({True: " (sum 合计)", False: ""}))


def axis_caption(axis: Axis) -> str:
    """What an axis shows, in one sentence from its rows: how many figures of which regions and
    years, and which is highest where that is a difference (intervals apart, ``differs``), else
    that the figures cannot be told apart."""
    rows = axis.rows
    years = sorted({str(p)[:4] for p in rows["period_end"]})
    span = years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"
    text = (f"{axis.title}: {len(rows)} figures of {rows['region_code'].nunique()} regions, {span}, "
            f"in {axis.unit_label}.")
    if axis.kind == "change_year_on_year" or len(rows) < 2:
        return text
    top = rows.iloc[0]  # rows are sorted by value, highest first
    above = [differs(top, other, axis.kind) for _, other in rows.iloc[1:].iterrows()]
    name = f"{top['region_name_zh']} {top['region_name_en']} ({top['period_label']})"
    if all(d == 1 for d in above):
        return text + f" {name} is higher than every other, beyond their 95% intervals."
    if any(d == 1 for d in above):
        return text + (f" {name} is highest; it is higher than {sum(d == 1 for d in above)} of the "
                       f"{len(above)} others beyond their intervals, and not distinguishable from the rest.")
    return text + " Their intervals overlap: no figure is called higher than another."


def left_out(data: Dataset, theme: str | None = None) -> pd.DataFrame:
    """The theme's observations that enter no comparison, with the specific reason."""
    items = labelled(data)
    items = items[(~items["is_derived_total"]) & (items["compared_in"] == "")]
    if theme is not None:
        items = items[items["theme_code"] == theme]
    return items[["item_id", "region_name_zh", "region_level", "indicator_name", "period_label",
                  "value", "status", "reason", "quote"]].rename(columns={"item_id": "obs_id"}) \
        .sort_values("obs_id").reset_index(drop=True)


def coverage(data: Dataset) -> pd.DataFrame:
    """Per report: observations, those in at least one valid comparison, and the share."""
    items = data.comparisons[~data.comparisons["is_derived_total"]].copy()
    items["source_id"] = items["item_id"].str.rsplit("-", n=1).str[0]
    table = items.groupby("source_id").agg(observations=("item_id", "size"),
                                           compared=("compared_in", lambda c: int((c != "").sum())))
    table.loc["all reports 全部"] = table.sum()
    table["share_pct"] = (100 * table["compared"] / table["observations"]).round(1)
    return table.reset_index()


def share_compared(data: Dataset, by: str) -> pd.DataFrame:
    """Observations, those in at least one valid comparison and the share in percent, grouped
    ``by`` "province", "evidence_kind" or "source_id", with a total row; from sources.csv
    (observation_count, observations_compared: the build's figures, not recounted here)."""
    sources = data.sources.copy()
    sources["province"] = sources["region_code"].str[:2].map(
        {"42": "湖北 Hubei", "43": "湖南 Hunan"})
    table = sources.groupby(by).agg(observations=("observation_count", "sum"),
                                    compared=("observations_compared", "sum"))
    table = table[table["observations"] > 0]
    table.loc["all 全部"] = table.sum()
    table["share_pct"] = (100 * table["compared"] / table["observations"]).round(1)
    return table.reset_index()


def obstacles(data: Dataset) -> pd.DataFrame:
    """Why the observations left out are left out, counted by kind of reason."""
    items = data.comparisons[(~data.comparisons["is_derived_total"]) & (data.comparisons["compared_in"] == "")]
    table = items.groupby(["status", "reason_code"]).size().rename("observations").reset_index()
    table["what stands in the way"] = table["reason_code"].map(REASON_LABELS)
    return table.sort_values(["observations", "reason_code"], ascending=[False, True]).reset_index(drop=True)


def changes(data: Dataset) -> pd.DataFrame:
    """Every relative change and change in points, with its base period, grouped by concept."""
    items = labelled(data)
    items = items[items["measure"].isin(["relative_change_pct", "change_pp", "change_unspecified"])
                  & ~items["is_derived_total"]]
    bases = data.observations.set_index("obs_id")[["base_period_start", "base_period_end"]]
    items = items.join(bases, on="item_id")
    return items.sort_values(["key_name", "item_id"]).reset_index(drop=True)


def series(data: Dataset) -> pd.DataFrame:
    """Within-region series: the same indicator in one region at several periods."""
    items = labelled(data)
    items = items[~items["is_derived_total"]]
    counts = items.groupby(["indicator_code", "region_code"])["period_label"].transform("nunique")
    return items[counts > 1].sort_values(["indicator_code", "region_code", "period_start"]).reset_index(drop=True)


def zero_claims(data: Dataset) -> pd.DataFrame:
    """Zero claims as streaks: region, kind of event, first and last day, years without it."""
    items = labelled(data)
    items = items[items["measure"] == "zero_claim"]
    return items.sort_values(["region_level", "region_code", "period_start", "indicator_code"]).reset_index(drop=True)


# How a qualifier reads beside its number (data/raw/qualifiers.csv), in Chinese and English.
QUALIFIER_WORDS = {"more_than": "以上 / more than", "nearly": "近 / nearly", "about": "约 / about",
                   "at_least": "至少 / at least"}


def stated(value, qualifier: str, value_high=None, unit: str = "") -> str:
    """A value as the report states it, its qualifier in words: 98 with more_than → '98 以上 / more
    than'; a range → '200–300'; exact → '98.76'. ``unit`` is appended ('%' for percents)."""
    if qualifier == "range" and value_high is not None and not pd.isna(value_high):
        text = f"{format_value(value)}–{format_value(value_high)}{unit}"
    else:
        text = f"{format_value(value)}{unit}"
        if qualifier in QUALIFIER_WORDS:
            text += f" {QUALIFIER_WORDS[qualifier]}"
    return text


def _as_stated(item) -> str:
    """The value as stated and what it is: a period total, a count at a date, a rate."""
    percent = "%" if item.unit == "percent" else ""
    text = stated(item.value, item.qualifier, item.value_high if item.qualifier == "range" else None, percent)
    if item.measure == "flow_count":
        return f"{text} (期间合计 total over {item.period_label})"
    if item.measure == "stock_count":
        return f"{text} (时点 at {item.period_label})"
    return f"{text} ({item.period_label})"


def _per_year(item) -> str:
    """The annual rate the build derived from a period total, said to be one ('' for others)."""
    if item.measure != "flow_count" or pd.isna(item.annual_value) or item.annual_value == "":
        return ""
    qualifier = qualifier_of_interval(item.annual_low, item.annual_high)
    # a derived rate to three significant digits: its further digits are the division's, not the report's
    return f"{stated(float(f'{float(item.annual_value):.3g}'), qualifier)} 每年 per year"


def qualifier_of_interval(low, high) -> str:
    """exact (equal ends), more_than (no upper end), nearly (no lower end), about (neither)."""
    low_missing, high_missing = pd.isna(low) or low == "", pd.isna(high) or high == ""
    if low_missing and high_missing:
        return "about"
    if high_missing:
        return "more_than"
    if low_missing:
        return "nearly"
    return "exact" if float(low) == float(high) else "range"


def region_pair(data: Dataset, region_a: str, region_b: str) -> pd.DataFrame:
    """Every concept (or indicator) both regions report on, their items side by side, and whether
    they share an axis (the group) or why not. ``stated_a``/``stated_b`` give each value as the
    report states it, qualifier in words (98 以上 / more than) and whether it is a total over its
    period, a count at a date or a rate; ``per_year_a``/``per_year_b`` the annual rate derived from
    a period total, labelled as one."""
    items = labelled(data)
    items = items[~items["is_derived_total"] | (items["compared_in"] != "")]
    a, b = items[items["region_code"] == region_a], items[items["region_code"] == region_b]
    shared = sorted(set(a["comparison_key"]) & set(b["comparison_key"]))
    members = data.comparison_members.merge(
        data.comparison_groups[data.comparison_groups["is_valid"]][["group_id"]], on="group_id")
    groups_of = members.groupby("item_id")["group_id"].apply(set)
    rows = []
    for key in shared:
        for left in a[a["comparison_key"] == key].itertuples():
            for right in b[b["comparison_key"] == key].itertuples():
                together = sorted(groups_of.get(left.item_id, set()) & groups_of.get(right.item_id, set()))
                rows.append({
                    "concept": left.key_name, "item_a": left.item_id, "value_a": left.value,
                    "stated_a": _as_stated(left), "per_year_a": _per_year(left),
                    "period_a": left.period_label, "per_10k_a": left.per_10k,
                    "item_b": right.item_id, "value_b": right.value, "stated_b": _as_stated(right),
                    "per_year_b": _per_year(right), "period_b": right.period_label,
                    "per_10k_b": right.per_10k,
                    "compared_in": " ".join(together),
                    "caveat": "" if together else _pair_caveat(left, right),
                })
    return pd.DataFrame(rows, columns=["concept", "item_a", "value_a", "stated_a", "per_year_a", "period_a",
                                       "per_10k_a", "item_b", "value_b", "stated_b", "per_year_b", "period_b",
                                       "per_10k_b", "compared_in", "caveat"])


def _pair_caveat(left, right) -> str:
    """Why two regions' figures of one concept do not share an axis."""
    for side in (left, right):
        if side.status == "excluded":
            return f"{side.item_id}: {side.reason}"
    if left.indicator_code != right.indicator_code and not left.relation == right.relation == "same":
        return (f"different indicators ({left.indicator_code}, {right.indicator_code}), not both the "
                "concept itself: they count different things")
    if left.quantity == "change" and left.base_period != right.base_period:
        return f"changes against different bases ({left.base_period}, {right.base_period})"
    if left.region_level != right.region_level:
        return (f"a {left.region_level} and a {right.region_level}: absolute counts compare only within "
                "a level, and one of them has no per-capita value")
    return "not on one axis"


def natural_pairs(data: Dataset) -> list[tuple[str, str]]:
    """Pairs of regions of one level (province, prefecture or county), one in each province, that
    share at least one valid comparison axis (a group of comparison_groups.csv that is valid holds
    an item of each): the region-pair notebook runs for each, and its page is never empty."""
    valid = set(data.comparison_groups.loc[data.comparison_groups["is_valid"], "group_id"])
    members = data.comparison_members[data.comparison_members["group_id"].isin(valid)]
    region_of = data.comparisons.set_index("item_id")["region_code"]
    level = data.regions.set_index("region_code")["level"]
    pairs = set()
    for _, group in members.groupby("group_id"):
        codes = sorted(set(group["item_id"].map(region_of)))
        for i, a in enumerate(codes):
            for b in codes[i + 1:]:
                if a[:2] != b[:2] and level[a] == level[b]:
                    pairs.add((a, b))
    order = {"province": 0, "prefecture": 1, "county": 2}
    return sorted(pairs, key=lambda p: (order[level[p[0]]], p))
