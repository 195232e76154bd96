"""What the evidence says about Hubei and Hunan, as statements composed from the data: the tables
behind the key-findings page (``00_key_findings``) and the sentences that read them.

Every statement obeys the comparison layer (``analysis.dataset.compare``): only the groups that
comparison_groups.csv marks valid are set side by side, and two values are called different only
when their intervals do not overlap (``differ``: the value_low/value_high columns, or the
per_10k_low/per_10k_high ones, whatever interval the build gives them, so a wider interval is
respected as soon as the build writes it). Every table keeps the obs_ids behind each figure.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from . import comparisons, discourse
from .dataset import Dataset
from .plots import format_value

PROVINCES = {"420000": ("湖北", "Hubei"), "430000": ("湖南", "Hunan")}
# Exact (Garwood) Poisson interval for a count: the usual 95 per cent.
CONFIDENCE = 0.95


def province_name(code: str) -> str:
    """'湖北 Hubei' for a code of Hubei or any region inside it (the first two digits)."""
    zh, en = PROVINCES[str(code)[:2] + "0000"]
    return f"{zh} {en}"


# Whether two intervals do not overlap: the comparison layer's one rule (comparisons.intervals_apart).
differ = comparisons.intervals_apart


def poisson_interval(count: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson mean from an observed count, as floats: the
    comparison layer's ``analysis.dataset.compare.poisson_interval`` (one implementation for the
    dataset and the pages); (0, 3.6889) for 0 at 95 per cent. Raises ValueError on a negative count."""
    from ..dataset.compare import poisson_interval as exact

    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    low, high = exact(Decimal(int(count)), confidence)
    return float(low), float(high)


def valid_items(data: Dataset, kind: str) -> pd.DataFrame:
    """Every item of every valid comparison group of one kind (change_year_on_year,
    annual_per_10k, ...), labelled (comparisons.labelled), with the group, the year the period
    starts in, the province, and the value drawn with its interval (``comparisons.interval_on_axis``:
    a count's exact Poisson interval, else the qualifier's)."""
    groups = data.comparison_groups
    groups = groups[groups["is_valid"] & (groups["kind"] == kind)]
    members = data.comparison_members.merge(groups[["group_id", "kind"]], on="group_id")
    items = members.merge(comparisons.labelled(data), on="item_id")
    value = comparisons.KIND_COLUMNS[kind][0]
    # a count's exact Poisson interval where it has one, else the interval its qualifier states
    lows, highs = comparisons.intervals_on_axis(items, kind)
    items = items.assign(
        year=pd.to_datetime(items["period_start"]).dt.year,
        province=items["province_code"].map(province_name),
        shown_value=items[value], shown_low=lows, shown_high=highs)
    return items.sort_values(["group_id", "year", "region_code"]).reset_index(drop=True)


def year_on_year(data: Dataset) -> pd.DataFrame:
    """The calendar-year changes against the year before (同比) that may share an axis: one row a
    region and year, with its direction (fall 下降 / rise 上升 / none 持平) read from its interval
    (a change whose interval spans zero has no direction)."""
    items = valid_items(data, "change_year_on_year")

    def direction(row):
        if row.shown_high < 0:
            return "下降 fall"
        if row.shown_low > 0:
            return "上升 rise"
        return "不定 unclear"

    items["direction"] = [direction(r) for r in items.itertuples()]
    return items[["indicator_name", "region_name_zh", "region_name_en", "province", "province_code", "year",
                  "period_start", "shown_value", "shown_low", "shown_high", "qualifier", "direction",
                  "obs_ids", "evidence_kind", "group_id"]]


def year_on_year_statement(changes: pd.DataFrame) -> str:
    """One sentence, Chinese then English, on the year-on-year changes: how many, which way, over
    how many regions and years, and how many from each province."""
    if changes.empty:
        return "没有可比的同比变化。 No year-on-year change can be compared."
    falls = int((changes["direction"] == "下降 fall").sum())
    rises = int((changes["direction"] == "上升 rise").sum())
    n, regions, kinds = len(changes), changes["region_name_zh"].nunique(), changes["group_id"].nunique()
    first, last = int(changes["year"].min()), int(changes["year"].max())
    by_province = changes.groupby("province").size()
    hubei, hunan = (int(by_province.get(province_name(c), 0)) for c in PROVINCES)
    return (f"{kinds}类指标的{n}个可比同比变化中,{falls}个下降、{rises}个上升,涉及{regions}个地区、"
            f"{first}–{last}年;湖北{hubei}个,湖南{hunan}个。 "
            f"Of {n} comparable year-on-year changes in {kinds} indicators, {falls} are falls and "
            f"{rises} rises, across {regions} regions and the years {first}–{last}; "
            f"{hubei} from Hubei, {hunan} from Hunan.")


def per_10k_rates(data: Dataset, theme: str) -> pd.DataFrame:
    """The theme's rates per 10,000 residents per year in valid groups, one row an item."""
    items = valid_items(data, "annual_per_10k")
    items = items[items["theme_code"] == theme]
    return items[["key_name", "region_name_zh", "region_name_en", "province", "province_code",
                  "region_level", "period_label", "shown_value", "shown_low", "shown_high",
                  "obs_ids", "evidence_kind", "group_id"]].reset_index(drop=True)


def province_contrasts(rates: pd.DataFrame) -> pd.DataFrame:
    """For each group with figures from both provinces: the highest of each, and whether they
    differ (intervals apart). One row a group."""
    rows = []
    for key, group in rates.groupby("key_name", sort=True):
        tops = {}
        for code in PROVINCES:
            own = group[group["province_code"] == code]
            if own.empty:
                break
            tops[code] = own.loc[own["shown_value"].idxmax()]
        if len(tops) < len(PROVINCES):
            continue
        a, b = tops["420000"], tops["430000"]
        rows.append({"key_name": key, "hubei_region": a["region_name_zh"], "hubei_value": a["shown_value"],
                     "hunan_region": b["region_name_zh"], "hunan_value": b["shown_value"],
                     "differ": differ(a["shown_low"], a["shown_high"], b["shown_low"], b["shown_high"]),
                     "obs_ids": f"{a['obs_ids']} {b['obs_ids']}"})
    return pd.DataFrame(rows, columns=["key_name", "hubei_region", "hubei_value", "hunan_region",
                                       "hunan_value", "differ", "obs_ids"])


def rates_statement(rates: pd.DataFrame, contrasts: pd.DataFrame, theme_zh: str, theme_en: str) -> str:
    """One sentence on a theme's per-10k rates: how many figures, kinds and regions, and, of the
    kinds both provinces report, in how many the highest figures differ (intervals apart) and
    which province is higher there."""
    if rates.empty:
        return f"{theme_zh}没有可比的每万人比率。 No {theme_en} rate per 10,000 residents can be compared."
    kinds, n, regions = rates["key_name"].nunique(), len(rates), rates["region_name_zh"].nunique()
    apart = contrasts[contrasts["differ"]]
    hubei = int((apart["hubei_value"] > apart["hunan_value"]).sum())
    hunan = len(apart) - hubei
    return (f"{kinds}类{theme_zh}结果可按每万人每年比较({n}个数字,{regions}个地区);两省都有数字的"
            f"{len(contrasts)}类中,两省最高值区间不重叠的有{len(apart)}类:湖北较高{hubei}类,湖南较高{hunan}类。 "
            f"{kinds} kinds of {theme_en} result can be compared per 10,000 residents per year ({n} figures, "
            f"{regions} regions); of the {len(contrasts)} kinds both provinces report, the two provinces' "
            f"highest figures differ (intervals apart) in {len(apart)}: Hubei higher in {hubei}, Hunan "
            f"higher in {hunan}.")


def zero_claims(data: Dataset) -> pd.DataFrame:
    """Zero claims checked against what chance would give (expected_events, p_zero: computed by
    the build from reference_rates.csv), one row a claim with a computed expectation; the verdict
    is the expectation's first words (plausible, unlikely, implausible)."""
    items = comparisons.labelled(data)
    expected = pd.to_numeric(items["expected_events"], errors="coerce")
    checked = items[expected.notna() & items["expectation"].fillna("").str.match(r"(plausible|unlikely|implausible)")]
    checked = checked.assign(expected_events=pd.to_numeric(checked["expected_events"]),
                             p_zero=pd.to_numeric(checked["p_zero"], errors="coerce"),
                             verdict=checked["expectation"].str.split(":").str[0])
    return checked[["indicator_name", "region_name_zh", "region_name_en", "province_code", "period_label",
                    "years_without_event", "expected_events", "p_zero", "verdict", "obs_ids",
                    "evidence_kind"]].reset_index(drop=True)


def unchecked_zero_claims(data: Dataset) -> pd.Series:
    """How many zero claims could not be checked, by why (the expectation column's first words)."""
    items = data.comparisons
    text = items["expectation"].fillna("")
    unchecked = text[(text != "") & ~text.str.match(r"(plausible|unlikely|implausible)")]
    return unchecked.str.split(":").str[0].value_counts()


def zero_claims_statement(checked: pd.DataFrame, unchecked: pd.Series) -> str:
    """One sentence on the zero claims: each checked claim with its expected count and verdict,
    and how many could not be checked."""
    parts_zh, parts_en = [], []
    for row in checked.itertuples():
        parts_zh.append(f"{row.region_name_zh}在{row.period_label}的“{row.indicator_name.split(' ')[0]}”"
                        f"按全国比率应有约{format_value(round(row.expected_events, 1))}起(P(零)={row.p_zero:.1g})")
        parts_en.append(f"{row.region_name_en}'s zero over {row.period_label} would expect about "
                        f"{format_value(round(row.expected_events, 1))} events at the national rate "
                        f"(P(none) = {row.p_zero:.1g}: {row.verdict.split(' (')[0]})")
    rest = int(unchecked.sum())
    return ("、".join(parts_zh) + f";另有{rest}项零发生声明没有官方参考比率,无法检验。 "
            + "; ".join(parts_en) + f". {rest} other zero claims have no official reference rate and "
            "cannot be checked.")


def discourse_contrasts(data: Dataset, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mentions of each practice per 10,000 characters of report body, pooled by province, with an
    exact Poisson interval on the count (mentions treated as independent events: a rough model
    that gives the least uncertainty such counts can have), and whether the two provinces differ.
    One row a term and province; ``reports`` says how many texts stand behind each."""
    frequencies = discourse.term_frequencies(data)
    province = data.reports.set_index("source_id")["region_code"].str[:2] + "0000"
    frequencies["province_code"] = frequencies["source_id"].map(province)
    characters = frequencies.drop_duplicates("source_id").groupby("province_code")["body_characters"].sum()
    reports = frequencies.groupby("province_code")["source_id"].nunique()
    pooled = (frequencies.groupby(["term_code", "term_zh", "gloss_en", "province_code"], as_index=False)
              ["mentions"].sum())
    scale = discourse.PER_CHARACTERS / pooled["province_code"].map(characters)
    bounds = [poisson_interval(int(n), confidence) for n in pooled["mentions"]]
    pooled["per_10k_characters"] = pooled["mentions"] * scale
    pooled["low"] = [lo for lo, _ in bounds] * scale
    pooled["high"] = [hi for _, hi in bounds] * scale
    pooled["reports"] = pooled["province_code"].map(reports)
    pooled["body_characters"] = pooled["province_code"].map(characters)
    pooled["province"] = pooled["province_code"].map(province_name)
    wide = pooled.pivot(index="term_code", columns="province_code", values=["low", "high"])
    apart = {term: differ(wide.loc[term, ("low", "420000")], wide.loc[term, ("high", "420000")],
                          wide.loc[term, ("low", "430000")], wide.loc[term, ("high", "430000")])
             for term in wide.index}
    pooled["differ"] = pooled["term_code"].map(apart)
    return pooled.sort_values(["term_code", "province_code"]).reset_index(drop=True)


def short_gloss(gloss: str) -> str:
    """A lexicon gloss up to its first explanation: 'grid management: small units …' → 'grid management'."""
    return gloss.split(":")[0].split(" (")[0].strip()


def discourse_statement(contrasts: pd.DataFrame) -> str:
    """One sentence on the practices whose mention rates differ between the provinces' reports
    (intervals apart), largest gap first, and those whose gap the counts cannot establish."""
    wide = contrasts.pivot(index="term_code", columns="province_code", values="per_10k_characters")
    terms = contrasts.drop_duplicates("term_code").set_index("term_code")
    gap = (wide["430000"] - wide["420000"]).abs().sort_values(ascending=False)
    apart = [t for t in gap.index if terms.loc[t, "differ"]]
    not_apart = [t for t in gap.index if not terms.loc[t, "differ"] and gap[t] > 0]
    reports = contrasts.drop_duplicates("province_code").set_index("province_code")["reports"]

    def says(t, lang):
        hb, hn = format_value(round(wide.loc[t, "420000"])), format_value(round(wide.loc[t, "430000"]))
        return (f"{terms.loc[t, 'term_zh']}(湖北{hb}、湖南{hn})" if lang == "zh"
                else f"{terms.loc[t, 'term_zh']} ({short_gloss(terms.loc[t, 'gloss_en'])}: Hubei {hb}, Hunan {hn})")

    zh = (f"每万字提及次数,湖北{reports['420000']}份报告、湖南{reports['430000']}份报告:"
          + ("、".join(says(t, "zh") for t in apart) + "的差异超出计数的不确定性" if apart else "没有差异超出计数的不确定性")
          + (f";{'、'.join(says(t, 'zh') for t in not_apart[:2])}的差距不能确定" if not_apart else "") + "。")
    en = (f"Mentions per 10,000 characters, {reports['420000']} Hubei reports against "
          f"{reports['430000']} from Hunan: "
          + ("; ".join(says(t, "en") for t in apart) + " differ beyond the uncertainty of the counts"
             if apart else "no difference goes beyond the uncertainty of the counts")
          + (f"; the gap in {'; '.join(says(t, 'en') for t in not_apart[:2])} is not established"
             if not_apart else "") + ".")
    return f"{zh} {en}"


SENSE_OF_SECURITY = "public_sense_of_security"


def survey_readings(data: Dataset, prefix: str = SENSE_OF_SECURITY) -> pd.DataFrame:
    """The survey results of one kind of question (安全感 by default: indicator codes starting
    with ``prefix``, rates and scores, not their changes or ranks), with the survey they come
    from and how the comparison layer treated each (status, reason)."""
    obs = data.observations
    wanted = obs[obs["indicator_code"].str.startswith(prefix) & obs["measure"].isin(["rate", "score"])]
    items = data.comparisons.set_index("item_id")
    wanted = wanted.assign(year=pd.to_datetime(wanted["period_start"]).dt.year,
                           province=wanted["region_code"].map(province_name),
                           province_code=wanted["region_code"].str[:2] + "0000",
                           status=wanted["obs_id"].map(items["status"]),
                           reason_code=wanted["obs_id"].map(items["reason_code"]))
    return wanted[["obs_id", "region_name_zh", "region_name_en", "province", "province_code", "year",
                   "indicator_name_zh", "measure", "value", "qualifier", "survey", "status",
                   "reason_code", "evidence_kind"]].sort_values(["survey", "year", "obs_id"]).reset_index(drop=True)


def survey_statement(readings: pd.DataFrame) -> str:
    """One sentence on survey readings: how many, from how many kinds of survey, over which years,
    and how many the comparison layer lets share an axis."""
    if readings.empty:
        return "没有安全感调查结果。 No sense-of-security survey result."
    compared = int((readings["status"] == "compared").sum())
    surveys = readings["survey"].fillna("unknown").nunique()
    first, last = int(readings["year"].min()), int(readings["year"].max())
    return (f"{len(readings)}个安全感调查结果({first}–{last}年,{readings['region_name_zh'].nunique()}个地区,"
            f"{surveys}种调查来源),其中{compared}个可与其他结果比较:调查只能在同一调查内比较。 "
            f"{len(readings)} sense-of-security survey results ({first}–{last}, "
            f"{readings['region_name_zh'].nunique()} regions, {surveys} kinds of survey), {compared} of them "
            "comparable with another: a survey result compares only within its own survey.")


def coverage(data: Dataset) -> pd.DataFrame:
    """What the evidence covers, by province: regions of each level with figures, years the
    figures' periods start in, reports, figures quoted from an archived text and figures cited."""
    obs = data.observations.assign(province_code=data.observations["region_code"].str[:2] + "0000",
                                   year=pd.to_datetime(data.observations["period_start"]).dt.year)
    rows = []
    for code, own in obs.groupby("province_code", sort=True):
        levels = own.drop_duplicates("region_code")["region_level"].value_counts()
        rows.append({"province": province_name(code),
                     "prefectures": int(levels.get("prefecture", 0)), "counties": int(levels.get("county", 0)),
                     "townships": int(levels.get("township", 0)),
                     "first_year": int(own["year"].min()), "last_year": int(own["year"].max()),
                     "years": int(own["year"].nunique()), "reports": int(own["source_id"].nunique()),
                     "quoted": int((own["evidence_kind"] == "archived_quote").sum()),
                     "cited": int((own["evidence_kind"] == "cited").sum())})
    return pd.DataFrame(rows)


def coverage_statement(table: pd.DataFrame, share_compared: float) -> str:
    """One sentence on coverage: per province, prefectures, counties, years, figures quoted and
    cited; and the share of figures in a valid comparison."""
    zh = ";".join(f"{r.province.split()[0]}:{r.prefectures}个地级、{r.counties}个县级地区,"
                  f"{r.first_year}–{r.last_year}年,{r.quoted}个原文引用、{r.cited}个引用数字"
                  for r in table.itertuples())
    en = "; ".join(f"{r.province.split()[1]}: {r.prefectures} prefectures and {r.counties} counties, "
                   f"{r.first_year}–{r.last_year}, {r.quoted} figures quoted from archived text and "
                   f"{r.cited} cited" for r in table.itertuples())
    percent = format_value(round(100 * share_compared))
    return (f"{zh}。可比较的观测占{percent}%。 {en}. {percent}% of the observations enter a valid "
            "comparison.")


def share_compared(data: Dataset) -> float:
    """The share of observations that enter at least one valid comparison (status compared, by
    themselves or through a total derived from them)."""
    compared = data.comparisons[data.comparisons["status"] == "compared"]["obs_ids"].str.split().explode()
    return compared.nunique() / len(data.observations)


def limits(data: Dataset) -> pd.DataFrame:
    """What the evidence cannot say: the items not compared, by reason, most frequent first, with
    the reason in both languages and examples of the obs_ids behind it."""
    from . import labels

    items = data.comparisons[data.comparisons["status"] != "compared"]
    table = (items.groupby(["status", "reason_code"])
             .agg(items_count=("item_id", "size"), obs_ids=("obs_ids", lambda s: " ".join(sorted(s)[:3])))
             .reset_index().sort_values(["items_count", "reason_code"], ascending=[False, True]))
    table["reason"] = table["reason_code"].map(lambda c: labels.label("reason_code", c))
    return table.rename(columns={"items_count": "members"}).reset_index(drop=True)


def discourse_takeaway(contrasts: pd.DataFrame) -> str:
    """One sentence, Chinese then English, for the discourse page: how many archived reports stand
    behind each province, the practices whose mention rates differ (intervals apart), grouped by
    the province that names them more often, and how many do not differ."""
    terms = contrasts.drop_duplicates("term_code").set_index("term_code")
    wide = contrasts.pivot(index="term_code", columns="province_code", values="per_10k_characters")
    reports = contrasts.drop_duplicates("province_code").set_index("province_code")["reports"]
    apart = terms[terms["differ"]].index
    codes = list(PROVINCES)
    higher = {code: [t for t in apart if wide.loc[t, code] == wide.loc[t, codes].max()] for code in codes}
    rest = len(terms) - len(apart)
    zh_parts, en_parts = [], []
    for code, (zh, en) in PROVINCES.items():
        if higher[code]:
            other_zh = next(z for c, (z, _) in PROVINCES.items() if c != code)
            zh_parts.append(f"{'、'.join(terms.loc[t, 'term_zh'] for t in higher[code])}在{zh}报告中的每万字提及多于{other_zh}")
            en_parts.append(", ".join(f"{terms.loc[t, 'term_zh']} ({short_gloss(terms.loc[t, 'gloss_en'])})"
                                      for t in higher[code])
                            + f" {'is' if len(higher[code]) == 1 else 'are'} named more often in {en}'s")
    zh = ("、".join(f"{zh}{reports.get(code, 0)}份" for code, (zh, _) in PROVINCES.items()) + "存档报告中,"
          + (";".join(zh_parts) + "(区间不重叠)" if zh_parts else "没有一个词的提及率差异超出计数的不确定性")
          + (f";其余{rest}个词的差异不能由计数确定" if zh_parts and rest else "") + "。")
    en = ("In " + " and ".join(f"{reports.get(code, 0)} {en}" for code, (_, en) in PROVINCES.items())
          + " archived report(s), "
          + ("; ".join(en_parts) + " (mentions per 10,000 characters, intervals apart)" if en_parts
             else "no practice's mention rate differs beyond the uncertainty of the counts")
          + (f"; for the other {rest} practices the counts cannot establish a difference" if en_parts and rest else "")
          + ".")
    return f"{zh} {en}"


def discourse_chart(contrasts: pd.DataFrame):
    """The discourse contrasts drawn (``plots.paired_bars``): one pair of bars per practice, Hubei
    and Hunan, mentions per 10,000 characters of report body with the exact Poisson intervals of
    ``discourse_contrasts``; practices that differ first (★), then by rate. The caption says what
    the bars and whiskers are, how many reports stand behind each province and which contrasts
    hold. Returns (figure, the data drawn)."""
    from .plots import paired_bars

    shown = contrasts.assign(term=contrasts["term_zh"] + " " + contrasts["gloss_en"].map(short_gloss),
                             shown_value=contrasts["per_10k_characters"], shown_low=contrasts["low"],
                             shown_high=contrasts["high"])
    shown = shown.sort_values(["differ", "per_10k_characters"], ascending=[False, False], kind="stable")
    behind = shown.drop_duplicates("province_code").sort_values("province_code")
    held = shown[shown["differ"]].drop_duplicates("term_code")
    caption = ("Bars: mentions of each practice per 10,000 characters of report body, the province's archived "
               "reports pooled (" + ", ".join(f"{r.province}: {r.reports} report(s), "
                                              f"{format_value(r.body_characters)} characters"
                                              for r in behind.itertuples()) + "); whiskers: exact 95% Poisson "
               "intervals on the counts. ★: intervals apart, a contrast that holds ("
               + (", ".join(held["term_zh"]) if len(held) else "none") + "); every other pair of intervals "
               "overlaps, so its gap may be chance. The reports are few and chosen by their publishers: a "
               "contrast of these reports, not of the provinces.")
    figure = paired_bars(shown, "每万字提及:湖北与湖南的报告 Mentions per 10,000 characters, Hubei and Hunan reports",
                         "每万字提及次数 mentions per 10,000 characters of report body", caption)
    return figure, shown[["term_code", "term_zh", "gloss_en", "province", "mentions", "body_characters", "reports",
                          "per_10k_characters", "low", "high", "differ"]]
