"""The tables of the dataset, described once as Frictionless Table Schemas.

The raw tables (hand-made, in ``data/raw/``) are checked against ``RAW_TABLES`` by
:mod:`analysis.validate`; the processed tables (written by :mod:`analysis.dataset`) are described by
``PROCESSED_TABLES`` in ``data/processed/datapackage.json``. Field descriptions here are the data
dictionary: keep them short and exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field

from .audit import MENTION_KINDS

# Why a number mention is not an observation (exclusions.csv); docs/curation_guide.md says when each
# applies.
EXCLUSION_REASONS = ("date", "review_period", "programme_name", "proper_name", "structural_label",
                     "campaign_attribute", "idiom", "rhetorical", "background", "anecdote_detail",
                     "duplicate", "rank", "outside_region", "other")
# How a number in the dataset is evidenced: a verbatim quote the build finds in an archived text,
# or the number as printed on a page whose words cannot be archived (a cited source).
EVIDENCE_KINDS = ("archived_quote", "cited")
# Why a lead (a public report found, data/raw/leads.csv) was not curated.
LEAD_SET_ASIDE_REASONS = ("reprint", "single_case", "year_unknowable", "outside_region",
                          "no_governance_figure", "not_found", "duplicate_lead")
SOURCE_KINDS = ("government_site", "news_outlet", "reprint_unrelated_site", "forum_post")
# Whose survey a rate, score or rank of public sentiment comes from (issue: compare only within one).
SURVEYS = ("provincial", "national", "unknown")
PARTIAL_DATE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
REGION_CODE = r"^\d{6}(\d{3})?$"
SLUG = r"^[a-z][a-z0-9_]*$"


def field(name: str, type_: str, description: str, *, required: bool = False, **constraints) -> dict:
    """A Table Schema field; ``constraints`` go under "constraints" (enum, pattern, minimum...)."""
    out: dict = {"name": name, "type": type_, "description": description}
    if required or constraints:
        out["constraints"] = {**({"required": True} if required else {}), **constraints}
    return out


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    title: str
    fields: list[dict]
    primary_key: list[str]
    foreign_keys: list[dict] = dc_field(default_factory=list)

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f["name"] for f in self.fields if f.get("constraints", {}).get("required")]

    def schema(self) -> dict:
        out = {"fields": self.fields, "primaryKey": self.primary_key}
        if self.foreign_keys:
            out["foreignKeys"] = self.foreign_keys
        return out


def fk(fields: str, resource: str, ref: str) -> dict:
    return {"fields": [fields], "reference": {"resource": resource, "fields": [ref]}}


# --- vocabularies -------------------------------------------------------------------------------

THEMES = Table(
    "themes", "themes.csv", "Themes of governance indicators",
    [
        field("theme_code", "string", "Theme identifier.", required=True, pattern=SLUG),
        field("name_zh", "string", "Chinese name.", required=True),
        field("name_en", "string", "English name.", required=True),
        field("description", "string", "What the theme covers.", required=True),
    ],
    ["theme_code"],
)

UNITS = Table(
    "units", "units.csv", "Units of measurement",
    [
        field("unit_code", "string", "Unit identifier.", required=True, pattern=SLUG),
        field("name_zh", "string", "Chinese measure word(s) as written in the reports.", required=True),
        field("name_en", "string", "English name.", required=True),
        field("quantity", "string", "Kind of quantity.", required=True,
              enum=["count", "money", "ratio", "ratio_change", "duration", "mass", "score", "rank"]),
    ],
    ["unit_code"],
)

MEASURES = Table(
    "measures", "measures.csv", "Kinds of measure",
    [
        field("measure_code", "string", "Measure identifier.", required=True, pattern=SLUG),
        field("name_en", "string", "English name.", required=True),
        field("is_count", "boolean", "A count: never negative.", required=True),
        field("per_capita_eligible", "boolean",
              "A regional total that a value per 10,000 residents can be computed for.", required=True),
        field("description", "string", "Definition.", required=True),
    ],
    ["measure_code"],
)

SCOPES = Table(
    "scopes", "scopes.csv", "What part of its region a number covers",
    [
        field("scope_code", "string", "Scope identifier.", required=True, pattern=SLUG),
        field("name_en", "string", "English name.", required=True),
        field("description", "string", "When it applies, and what follows for comparisons.",
              required=True),
    ],
    ["scope_code"],
)

PERIOD_BASES = Table(
    "period_bases", "period_bases.csv", "Where an observation's period comes from",
    [
        field("period_basis_code", "string", "Identifier.", required=True, pattern=SLUG),
        field("name_en", "string", "English name.", required=True),
        field("description", "string", "When it applies, and what the build checks.", required=True),
    ],
    ["period_basis_code"],
)

QUALIFIERS = Table(
    "qualifiers", "qualifiers.csv", "Qualifiers of a stated number",
    [
        field("qualifier_code", "string", "Qualifier identifier.", required=True, pattern=SLUG),
        field("markers_zh", "string", "Chinese words that express it."),
        field("name_en", "string", "English name.", required=True),
        field("interval", "string", "The interval it gives (value_low, value_high).", required=True),
    ],
    ["qualifier_code"],
)

INDICATORS = Table(
    "indicators", "indicators.csv", "Indicator codebook",
    [
        field("indicator_code", "string", "Indicator identifier.", required=True, pattern=SLUG),
        field("name_zh", "string", "Chinese name.", required=True),
        field("name_en", "string", "English name.", required=True),
        field("theme_code", "string", "Theme (themes.csv).", required=True),
        field("measure", "string", "Kind of measure (measures.csv).", required=True),
        field("unit", "string", "Unit (units.csv).", required=True),
        field("better_direction", "string",
              "Which direction is better: higher, lower, or empty where not meaningful.",
              enum=["higher", "lower"]),
        field("per_capita", "boolean",
              "A count that is a total for its region, so that a value per 10,000 residents means "
              "something (false for one case, one village, categories of a rule).", required=True),
        field("definition", "string", "One-line definition.", required=True),
    ],
    ["indicator_code"],
    [fk("theme_code", "themes", "theme_code"), fk("measure", "measures", "measure_code"),
     fk("unit", "units", "unit_code")],
)

CONCEPTS = Table(
    "concepts", "concepts.csv", "Comparable concepts: one phenomenon, compared in one measure and unit",
    [
        field("concept_code", "string", "Concept identifier.", required=True, pattern=SLUG),
        field("name_zh", "string", "Chinese name.", required=True),
        field("name_en", "string", "English name.", required=True),
        field("theme_code", "string", "Theme (themes.csv).", required=True),
        field("measure", "string", "The measure its comparisons use (measures.csv); every linked "
              "indicator has it.", required=True),
        field("unit", "string", "The unit its comparisons use (units.csv); every linked indicator "
              "but a proxy has it.", required=True),
        field("definition", "string", "What the concept's own (same) measure counts.", required=True),
    ],
    ["concept_code"],
    [fk("theme_code", "themes", "theme_code"), fk("measure", "measures", "measure_code"),
     fk("unit", "units", "unit_code")],
)

INDICATOR_CONCEPTS = Table(
    "indicator_concepts", "indicator_concepts.csv",
    "The crosswalk: each indicator's concept (at most one) and how it relates to it",
    [
        field("indicator_code", "string", "Indicator (indicators.csv); at most once.", required=True),
        field("concept_code", "string", "Concept (concepts.csv).", required=True),
        field("relation", "string",
              "same: measures the concept itself; narrower: a part of it (one organ, kind or "
              "programme); broader: more than it; proxy: a related quantity. Only same links of "
              "different indicators share an axis.", required=True,
              enum=["same", "narrower", "broader", "proxy"]),
        field("note", "string", "The judgement, in one line.", required=True),
    ],
    ["indicator_code"],
    [fk("indicator_code", "indicators", "indicator_code"), fk("concept_code", "concepts", "concept_code")],
)

INDICATOR_SUMS = Table(
    "indicator_sums", "indicator_sums.csv",
    "Totals that are by definition the sum of disjoint parts: the build derives a total where a "
    "report gives only the parts",
    [
        field("total_indicator_code", "string", "The total (indicators.csv).", required=True),
        field("part_indicator_code", "string", "One of its disjoint parts (indicators.csv).",
              required=True),
    ],
    ["total_indicator_code", "part_indicator_code"],
    [fk("total_indicator_code", "indicators", "indicator_code"),
     fk("part_indicator_code", "indicators", "indicator_code")],
)

CENSUS_LEVELS = ["province", "prefecture", "county", "functional_zone"]

CENSUS_SOURCES = Table(
    "census_sources", "census_sources.csv", "Where the census figures were read",
    [
        field("census_source_code", "string", "Source identifier.", required=True, pattern=SLUG),
        field("citation", "string", "The document (issuer, title, date) and where it was read.",
              required=True),
        field("kind", "string",
              "official: the bureau's own page or table; official_repost: the bureau's text read on "
              "another site; transcription: a public transcription of the NBS county tabulation; "
              "derived_sum: the sum of a unit's rows in that tabulation; secondary: an encyclopedia "
              "or aggregator citing the census.", required=True,
              enum=["official", "official_repost", "transcription", "derived_sum", "secondary"]),
    ],
    ["census_source_code"],
)

CENSUS = Table(
    "census_2020", "census_2020.csv",
    "Seventh National Population Census (2020-11-01): resident population of every province, "
    "prefecture-level and county-level unit of Hubei and Hunan",
    [
        field("region_code", "string", "GB/T 2260 code; functional zones: their NBS statistical code.",
              required=True, pattern=r"^\d{6}$"),
        field("name_zh", "string", "Chinese name (current).", required=True),
        field("level", "string", "Level; functional zones (开发区, 管理区) are counted apart.",
              required=True, enum=CENSUS_LEVELS),
        field("parent_code", "string", "The unit one level up (the province for province-administered "
              "county-level units; empty for a province).", pattern=r"^\d{6}$"),
        field("population", "integer", "Resident (常住) population at 2020-11-01.", required=True,
              minimum=1),
        field("basis", "string",
              "statistical_division: the NBS county tabulation (zones with a code apart, other zone "
              "areas inside their district); management_area: a communiqué (zones counted apart or "
              "folded in as the city chose).", required=True,
              enum=["statistical_division", "management_area"]),
        field("is_denominator", "boolean",
              "The figure per-capita values divide by: exactly one per region_code.", required=True),
        field("census_source_code", "string", "Where the figure was read (census_sources.csv).",
              required=True),
        field("note", "string", "What a reader should know about the figure."),
    ],
    ["region_code", "basis"],
    [fk("census_source_code", "census_sources", "census_source_code")],
)

CENSUS_EXCEPTIONS = Table(
    "census_2020_exceptions", "census_2020_exceptions.csv",
    "Where a unit's children do not add up exactly to it, by how much and why",
    [
        field("parent_code", "string", "The unit whose children's figures are summed.", required=True,
              pattern=r"^\d{6}$"),
        field("difference", "integer", "Sum of the children's denominators minus the parent's.",
              required=True),
        field("reason", "string", "Why, with the figures that explain it.", required=True),
    ],
    ["parent_code"],
)

REGIONS = Table(
    "regions", "regions.csv", "Regions the reports speak of",
    [
        field("region_code", "string",
              "GB/T 2260 code (6 digits); townships: 9-digit NBS statistical division code.",
              required=True, pattern=REGION_CODE),
        field("name_zh", "string", "Chinese name.", required=True),
        field("name_en", "string", "English name.", required=True),
        field("level", "string", "Administrative level.", required=True,
              enum=["province", "prefecture", "county", "township"]),
        field("parent_code", "string", "The region one level up (empty for a province).",
              pattern=REGION_CODE),
        field("is_province_administered", "boolean",
              "County-level unit administered directly by the province (天门, 仙桃, 潜江, 神农架).",
              required=True),
        field("note", "string", "Where the code comes from and what a reader should know."),
    ],
    ["region_code"],
    [fk("parent_code", "regions", "region_code")],
)

SOURCES = Table(
    "sources", "sources.csv", "The archived reports",
    [
        field("source_id", "string", "Report identifier.", required=True, pattern=SLUG),
        field("file", "string", "File name under reports/.", required=True, pattern=r"^[^/\\]+$"),
        field("sha256", "string", "SHA-256 of the archived file.", required=True,
              pattern=r"^[0-9a-f]{64}$"),
        field("headline", "string", "Headline as printed.", required=True),
        field("publisher", "string", "Publisher (and reprinting sites) as printed.", required=True),
        field("byline", "string", "Authors or correspondents as printed."),
        field("date_published", "string", "Publication date as printed (ISO 8601).",
              pattern=r"^\d{4}(-\d{2}(-\d{2}( \d{2}:\d{2}(:\d{2})?)?)?)?$"),
        field("date_precision", "string", "Precision of date_published.", required=True,
              enum=["second", "minute", "day", "month", "year", "none"]),
        field("original_url", "string", "Original link where the page prints one."),
        field("region_code", "string", "Region the report covers (regions.csv).", required=True),
        field("period_start", "string", "Start of the period the report covers.", required=True,
              pattern=PARTIAL_DATE),
        field("period_end", "string", "End of the period the report covers.", required=True,
              pattern=PARTIAL_DATE),
        field("script", "string", "Script of the archived text.", required=True,
              enum=["Simplified", "Traditional"]),
        field("body_start", "string",
              "First words of the article body in the normalized text (found exactly once).",
              required=True),
        field("body_end", "string",
              "Last words of the article body in the normalized text (found exactly once).",
              required=True),
        field("notes", "string", "What is known of the report and judgements made about it."),
    ],
    ["source_id"],
    [fk("region_code", "regions", "region_code")],
)

OBSERVATIONS = Table(
    "observations", "observations.csv", "Curated observations: one row per number",
    [
        field("obs_id", "string", "Observation identifier: <source_id>-<nnn>.", required=True,
              pattern=r"^[a-z][a-z0-9_]*-\d{3,}$"),
        field("source_id", "string", "Report (sources.csv).", required=True),
        field("region_code", "string", "Region the number describes (regions.csv).", required=True),
        field("indicator_code", "string", "Indicator (indicators.csv).", required=True),
        field("period_start", "string", "Start of the period, at the text's precision.",
              required=True, pattern=PARTIAL_DATE),
        field("period_end", "string", "End of the period, at the text's precision.",
              required=True, pattern=PARTIAL_DATE),
        field("period_basis", "string",
              "Where the period comes from (period_bases.csv): stated, inferred, "
              "review_period_assumed, publication_date.", required=True),
        field("value", "number", "The number in base units; changes are signed. For a stated range "
              "(qualifier range), its lower end.", required=True),
        field("value_high", "number", "The upper end of a stated range (两三百: value 200, "
              "value_high 300); empty for any other qualifier."),
        field("unit", "string", "Unit; must be the indicator's (units.csv).", required=True),
        field("qualifier", "string", "How the text qualifies the number (qualifiers.csv).",
              required=True),
        field("scope", "string",
              "What part of the region the number covers (scopes.csv): region_total, "
              "part_of_region, typical_unit, single_instance.", required=True),
        field("base_period_start", "string", "For changes: start of the period compared with.",
              pattern=PARTIAL_DATE),
        field("base_period_end", "string", "For changes: end of the period compared with.",
              pattern=PARTIAL_DATE),
        field("quote", "string",
              "Shortest span of the normalized article body containing the number and what it counts.",
              required=True),
        field("label_numbers", "string",
              "Numbers inside the quote that are part of what is counted, as the audit extracts them, "
              "separated by ';' (八 in 八类主要刑事案件, 两 in 两抢)."),
        field("curator_note", "string", "Every judgement made in curating the row."),
    ],
    ["obs_id"],
    [fk("source_id", "sources", "source_id"), fk("region_code", "regions", "region_code"),
     fk("indicator_code", "indicators", "indicator_code"), fk("unit", "units", "unit_code"),
     fk("qualifier", "qualifiers", "qualifier_code"), fk("scope", "scopes", "scope_code"),
     fk("period_basis", "period_bases", "period_basis_code")],
)

CITED_SOURCES = Table(
    "cited_sources", "cited_sources.csv",
    "Cited sources: public reports whose words cannot be archived, described as read",
    [
        field("source_id", "string", "Source identifier (unique across sources.csv and this table).",
              required=True, pattern=SLUG),
        field("lead_id", "string", "The lead it was found as (leads.csv)."),
        field("url", "string", "Where the page was read.", required=True, pattern=r"^https?://\S+$"),
        field("other_urls", "string", "Other addresses of the same article, separated by ' '."),
        field("original_outlet", "string", "The outlet that first published it, as printed; empty "
              "when the page does not say (the publisher is then the only outlet known)."),
        field("publisher", "string", "Who printed it where it was read, as printed.", required=True),
        field("headline", "string", "Headline as printed (a citation); empty when what was read "
              "shows none (what_was_read says so)."),
        field("date_published", "string", "Publication date as printed (ISO 8601), or empty.",
              pattern=PARTIAL_DATE),
        field("date_precision", "string", "Precision of date_published.", required=True,
              enum=["day", "month", "year", "none"]),
        field("region_code", "string", "Region the report covers (regions.csv).", required=True),
        field("period_start", "string", "Start of the period the report reviews.", required=True,
              pattern=PARTIAL_DATE),
        field("period_end", "string", "End of the period the report reviews.", required=True,
              pattern=PARTIAL_DATE),
        field("script", "string", "Script of the page.", required=True,
              enum=["Simplified", "Traditional", "English"]),
        field("source_kind", "string", "What kind of site it was read on.", required=True,
              enum=list(SOURCE_KINDS)),
        field("what_was_read", "string",
              "What of the page was read (the opening as stored, up to which section).", required=True),
        field("notes", "string", "What is known of the source and judgements made about it."),
    ],
    ["source_id"],
    [fk("region_code", "regions", "region_code")],
)

CITED_OBSERVATIONS = Table(
    "cited_observations", "cited_observations.csv",
    "Observations of cited sources: the number as printed and where it stands, never the words",
    [
        *[f for f in OBSERVATIONS.fields if f["name"] not in ("quote", "label_numbers", "curator_note")],
        field("number_as_printed", "string",
              "The number as printed, with only its qualifier and multiplier characters (5.2万余, "
              "22.37%, 近三成, 两三百); empty only for a zero claim written in words. The build "
              "re-derives value and qualifier from it."),
        field("direction_as_printed", "string",
              "For a change: the direction word printed before the number (下降, 增长, 增长到), "
              "which gives its sign."),
        field("survey", "string", "For survey results: whose survey (provincial, national, unknown).",
              enum=list(SURVEYS)),
        field("locator", "string",
              "Where the number stands on the page, in the curator's own words.", required=True),
        OBSERVATIONS.fields[-1],  # curator_note
    ],
    ["obs_id"],
    [fk("source_id", "cited_sources", "source_id"), fk("region_code", "regions", "region_code"),
     fk("indicator_code", "indicators", "indicator_code"), fk("unit", "units", "unit_code"),
     fk("qualifier", "qualifiers", "qualifier_code"), fk("scope", "scopes", "scope_code"),
     fk("period_basis", "period_bases", "period_basis_code")],
)

CITED_SET_ASIDE = Table(
    "cited_set_aside", "cited_set_aside.csv",
    "Every other number in what was read of a cited source, set aside with the reason",
    [
        field("source_id", "string", "Cited source (cited_sources.csv).", required=True),
        field("number_as_printed", "string", "The number as printed (no words).", required=True),
        field("locator", "string", "Where it stands, in the curator's own words.", required=True),
        field("reason", "string", "Why it is not an observation.", required=True,
              enum=list(EXCLUSION_REASONS)),
        field("note", "string", "What the number is; required when the reason is other."),
    ],
    ["source_id", "locator", "number_as_printed"],
    [fk("source_id", "cited_sources", "source_id")],
)

LEADS = Table(
    "leads", "leads.csv", "Public reports of the genre found in stored web pages (the leads)",
    [
        field("lead_id", "string", "Working name of the lead.", required=True),
        field("province", "string", "Hubei or Hunan.", required=True, enum=["Hubei", "Hunan"]),
        field("region_zh", "string", "Region the figures describe, as seen.", required=True),
        field("level", "string", "province, prefecture or county.", required=True),
        field("period_as_seen", "string", "The period the figures cover, as far as seen."),
        field("published_as_seen", "string", "The date printed, or where it was inferred from."),
        field("publisher_as_seen", "string", "The outlet and reprinting site, as printed."),
        field("genre", "string", "Kind of report."),
        field("url", "string", "Where the page was read."),
        field("other_urls", "string", "The same article elsewhere."),
        field("same_article_as", "string", "The archived report it reprints, if any."),
    ],
    ["lead_id"],
)

LEAD_DECISIONS = Table(
    "lead_decisions", "lead_decisions.csv", "What became of each lead: curated or set aside",
    [
        field("lead_id", "string", "The lead (leads.csv).", required=True),
        field("decision", "string", "curated or set_aside.", required=True,
              enum=["curated", "set_aside"]),
        field("reason", "string", "Why a lead was set aside.", enum=list(LEAD_SET_ASIDE_REASONS)),
        field("source_id", "string", "The cited source made of a curated lead (cited_sources.csv)."),
        field("note", "string", "What was found, in the curator's own words."),
    ],
    ["lead_id"],
    [fk("lead_id", "leads", "lead_id")],
)

REFERENCE_RATES = Table(
    "reference_rates", "reference_rates.csv",
    "Official national rates a zero claim is checked against: what chance would give",
    [
        field("indicator_code", "string", "The zero claim's indicator the rate applies to.", required=True),
        field("year", "integer", "The year of the rate.", required=True, minimum=1949),
        field("value", "number", "The figure as printed.", required=True, minimum=0),
        field("unit_as_printed", "string", "Its unit as printed (per 100,000 or per 1,000,000 people).",
              required=True, enum=["cases per 100000 people", "cases per 1000000 people"]),
        field("per_100k", "number", "The figure per 100,000 residents a year (checked against value "
              "and unit).", required=True, minimum=0),
        field("source_name", "string", "Who gave the figure, where and when.", required=True),
        field("source_kind", "string", "official, official_repost (a news outlet reporting an "
              "official figure with attribution), international_official.", required=True,
              enum=["official", "official_repost", "international_official"]),
        field("url", "string", "Where it was read.", required=True, pattern=r"^https?://\S+$"),
        field("locator", "string", "Where on the page, in our words.", required=True),
        field("note", "string", "What the figure counts."),
    ],
    ["indicator_code", "year"],
    [fk("indicator_code", "indicators", "indicator_code")],
)

STOCK_TIERS = Table(
    "stock_tiers", "stock_tiers.csv",
    "Stocks of institutions: the tier of what is counted, and what the stock scales with",
    [
        field("indicator_code", "string", "A stock_count indicator (indicators.csv).", required=True),
        field("obs_id", "string", "One observation whose tier differs from its indicator's (empty: "
              "every observation of the indicator)."),
        field("counted_tier", "string", "The tier of the institutions counted: province, "
              "prefecture, county, township or village; all_tiers (every tier together); untiered "
              "(an institution that belongs to no tier of the administrative ladder); unstated "
              "(the text does not say: compared with nothing).", required=True,
              enum=["province", "prefecture", "county", "township", "village", "all_tiers",
                    "untiered", "unstated"]),
        field("scales_with", "string", "jurisdictions (one or a few per unit of its tier: compared "
              "per jurisdiction, never per resident) or residents (compared per 10,000 residents).",
              required=True, enum=["jurisdictions", "residents"]),
        field("note", "string", "Why, in one line (for an observation: what the text says).",
              required=True),
    ],
    ["indicator_code", "obs_id"],
    [fk("indicator_code", "indicators", "indicator_code")],
)

EXCLUSIONS = Table(
    "exclusions", "exclusions.csv", "Number mentions deliberately not curated, with the reason",
    [
        field("source_id", "string", "Report (sources.csv).", required=True),
        field("mention", "string", "The number as it appears (may span several: 2024年1月26日).",
              required=True),
        field("context", "string",
              "The mention with enough characters around it to occur exactly once in the body.",
              required=True),
        field("reason", "string", "Why it is not an observation.", required=True,
              enum=list(EXCLUSION_REASONS)),
        field("note", "string", "What the number is; required when the reason is other."),
    ],
    ["source_id", "context"],
    [fk("source_id", "sources", "source_id")],
)

EXPECTED_COUNTS = Table(
    "expected_counts", "expected_counts.csv",
    "Reviewed counts per source: a change in them is a change someone meant",
    [
        field("source_id", "string", "Archived report (sources.csv) or cited source "
              "(cited_sources.csv).", required=True),
        field("observations", "integer", "Observations curated from the source.", required=True,
              minimum=0),
        field("mentions", "integer", "Number mentions the extractor finds in the article body; for "
              "a cited source, the numbers read (observations + set aside).", required=True, minimum=0),
        field("excluded", "integer", "Mentions set aside in exclusions.csv (cited: cited_set_aside.csv).",
              required=True, minimum=0),
        field("compared", "integer",
              "Observations that enter at least one valid comparison (comparisons.csv).",
              required=True, minimum=0),
    ],
    ["source_id"],
)

MENTIONS = Table(
    "mentions", "mentions.csv", "The audit: every number mention in every article body and its fate",
    [
        field("source_id", "string", "Report.", required=True),
        field("start", "integer", "Offset of the mention in the normalized text.", required=True,
              minimum=0),
        field("end", "integer", "Offset just past its end.", required=True, minimum=0),
        field("text", "string", "The mention as written.", required=True),
        field("kind", "string", "number, percent, date, ordinal, range, zero or phone.",
              required=True, enum=list(MENTION_KINDS)),
        field("value", "number", "The value it states (empty for ISO dates and phone numbers)."),
        field("qualifier", "string", "The qualifier written around it.", required=True),
        field("status", "string",
              "curated (it plays a role in an observation quoting it) or excluded.",
              required=True, enum=["curated", "excluded"]),
        field("role", "string",
              "curated: value, period, base_period or label (joined by + when several); "
              "excluded: the reason.", required=True),
        field("decided_by", "string",
              "curated: the obs_ids it plays its role in; excluded: the exclusion's context.",
              required=True),
        field("context", "string", "Characters around the mention.", required=True),
    ],
    ["source_id", "start"],
    [fk("source_id", "sources", "source_id")],
)

LEXICON = Table(
    "lexicon", "lexicon.csv", "Governance practices counted in the discourse analysis",
    [
        field("term_code", "string", "Term identifier.", required=True, pattern=SLUG),
        field("term_zh", "string", "The practice as named in Chinese.", required=True),
        field("pattern", "string",
              "Regular expression of the forms counted; alternatives are tried left to right (write "
              "the longest first) and matches do not overlap.", required=True),
        field("gloss_en", "string", "English gloss.", required=True),
        field("note", "string", "What the pattern counts and leaves out."),
    ],
    ["term_code"],
)

COUNTERS = Table(
    "counters", "counters.csv", "Measure words after a number, and the units they count",
    [
        field("counter", "string", "Measure word as written after the number (个, 起, 人次).", required=True),
        field("unit_code", "string",
              "A unit it counts (units.csv); one row per unit; empty for a word that names the parts "
              "of a scheme (五级, 三大), never a quantity."),
        field("label_with_chinese_numeral", "boolean",
              "After a Chinese numeral (四项制度, 三种犯罪) it names a scheme's parts, not a count.",
              required=True),
        field("note", "string", "Examples from the reports."),
    ],
    ["counter", "unit_code"],
    [fk("unit_code", "units", "unit_code")],
)

# In dependency order: a table's foreign keys point only at tables before it (or itself).
RAW_TABLES: list[Table] = [THEMES, UNITS, MEASURES, QUALIFIERS, SCOPES, PERIOD_BASES, INDICATORS,
                           CONCEPTS, INDICATOR_CONCEPTS, INDICATOR_SUMS, CENSUS_SOURCES, CENSUS,
                           CENSUS_EXCEPTIONS, REGIONS, SOURCES, OBSERVATIONS, CITED_SOURCES,
                           CITED_OBSERVATIONS, CITED_SET_ASIDE, LEADS, LEAD_DECISIONS, REFERENCE_RATES,
                           STOCK_TIERS, EXCLUSIONS, EXPECTED_COUNTS, LEXICON, COUNTERS]
RAW_BY_NAME = {t.name: t for t in RAW_TABLES}


# --- processed tables: the raw tables plus what the build derives ---------------------------------

def _extend(table: Table, extra: list[dict], insert_after: str | None = None,
            foreign_keys: list[dict] | None = None) -> Table:
    fields = list(table.fields)
    if insert_after is None:
        fields += extra
    else:
        at = table.field_names.index(insert_after) + 1
        fields[at:at] = extra
    return Table(table.name, table.path, table.title, fields, table.primary_key,
                 table.foreign_keys if foreign_keys is None else foreign_keys)


PROCESSED_REGIONS = _extend(REGIONS, [
    field("population_2020", "integer",
          "Resident population at the 2020 census (the denominator row of census_2020.csv); empty "
          "for townships, which the census does not publish.", minimum=1),
    field("population_basis", "string", "statistical_division or management_area (census_2020.csv)."),
    field("population_source", "string", "Where the figure was read (census_sources.csv citation)."),
    field("population_source_kind", "string", "official, official_repost, transcription, "
          "derived_sum or secondary."),
    field("population_note", "string", "What a reader should know about the figure."),
], insert_after="is_province_administered")

def _optional(f: dict, description: str | None = None) -> dict:
    """The field without its required constraint (a column one kind of source leaves empty)."""
    constraints = {k: v for k, v in f.get("constraints", {}).items() if k != "required"}
    out = {**f, "description": description or f["description"]}
    out.pop("constraints", None)
    return {**out, **({"constraints": constraints} if constraints else {})}


_ARCHIVED_ONLY = ("file", "sha256", "body_start", "body_end")
_EVIDENCE_KIND = field("evidence_kind", "string",
                       "archived_quote: an archived report whose words the build finds again; "
                       "cited: a page whose words cannot be archived (the number as printed, "
                       "its address and a locator).", required=True, enum=list(EVIDENCE_KINDS))

_DERIVED_SOURCES = "Derived by the build (analysis.dataset.compare): "

PROCESSED_SOURCES = Table(
    "sources", "sources.csv", "The sources: archived reports and cited pages",
    [
        SOURCES.fields[0], _EVIDENCE_KIND,
        *[_optional(f, f["description"] + " Archived reports only.") if f["name"] in _ARCHIVED_ONLY
          else _optional(f, "Headline as printed (empty where a cited page's opening shows none).")
          if f["name"] == "headline"
          else {**f, "constraints": {k: v for k, v in f.get("constraints", {}).items() if k != "enum"}}
          if f["name"] == "script" else f
          for f in SOURCES.fields[1:]],
        field("read_at_url", "string", "Cited sources: where the page was read."),
        field("other_urls", "string", "Cited sources: other addresses of the same article."),
        field("original_outlet", "string", "Cited sources: the outlet that first published it."),
        field("source_kind", "string", "Cited sources: what kind of site it was read on.",
              enum=list(SOURCE_KINDS)),
        field("what_was_read", "string", "Cited sources: what of the page was read."),
        field("lead_id", "string", "Cited sources: the lead it was found as (leads.csv)."),
        field("text_path", "string", "Archived reports: normalized text, relative to the package."),
        field("text_sha256", "string", "Archived reports: SHA-256 of the normalized text."),
        field("body_start_offset", "integer", "Archived reports: offset (characters) of the body in "
              "the normalized text.", minimum=0),
        field("body_end_offset", "integer", "Archived reports: offset just past the end of the body.",
              minimum=0),
        field("body_characters", "integer", "Archived reports: length of the body in characters.",
              minimum=0),
        field("observation_count", "integer", "Observations curated from the source.", required=True,
              minimum=0),
        field("observations_compared", "integer", _DERIVED_SOURCES + "its observations in at least one "
              "valid comparison (comparisons.csv compared_in, directly or through a derived total).",
              required=True, minimum=0),
        field("compared_share_pct", "number", _DERIVED_SOURCES + "observations_compared ÷ "
              "observation_count × 100, one decimal (empty: no observations)."),
    ],
    ["source_id"],
    [fk("region_code", "regions", "region_code")],
)

PROCESSED_OBSERVATIONS = Table(
    "observations", "observations.csv", "Curated observations with labels and derived values",
    [
        *[f for f in OBSERVATIONS.fields if f["name"] in ("obs_id", "source_id")],
        _EVIDENCE_KIND,
        OBSERVATIONS.fields[2],  # region_code
        field("region_name_zh", "string", "Region, Chinese name.", required=True),
        field("region_name_en", "string", "Region, English name.", required=True),
        field("region_level", "string", "Region level.", required=True),
        field("province_code", "string", "Province the region belongs to.", required=True),
        OBSERVATIONS.fields[3],  # indicator_code
        field("indicator_name_zh", "string", "Indicator, Chinese name.", required=True),
        field("indicator_name_en", "string", "Indicator, English name.", required=True),
        field("theme_code", "string", "Theme of the indicator.", required=True),
        field("measure", "string", "Kind of measure of the indicator.", required=True),
        field("unit", "string", "Unit.", required=True),
        field("period_start", "date", "First day of the period.", required=True),
        field("period_end", "date", "Last day of the period.", required=True),
        field("period_label", "string", "The period as the text gives it (2023, 2017/2021).",
              required=True),
        field("period_basis", "string", "Where the period comes from (period_bases.csv).",
              required=True),
        field("base_period_start", "date", "For changes: first day of the base period."),
        field("base_period_end", "date", "For changes: last day of the base period."),
        field("value", "number", "The number in base units; changes are signed.", required=True),
        field("value_low", "number", "Lower end of the interval the qualifier gives (empty: open)."),
        field("value_high", "number", "Upper end of the interval the qualifier gives (empty: open)."),
        field("qualifier", "string", "How the text qualifies the number.", required=True),
        field("scope", "string", "What part of the region the number covers (scopes.csv).",
              required=True),
        field("value_per_10k_in_period", "number",
              "The value per 10,000 residents (2020 census) over the observation's own period, not per "
              "year (comparisons.csv per_10k is per year for flows), where the indicator is a "
              "regional total (per_capita), the number covers the whole region (scope region_total) "
              "and the region's population is known."),
        field("quote", "string", "Archived reports: the words of the report the number is read from."),
        field("label_numbers", "string", "Numbers in the quote that are part of what is counted."),
        field("quote_start", "integer", "Archived reports: offset (characters) of the quote in the "
              "normalized text.", minimum=0),
        field("quote_end", "integer", "Archived reports: offset just past the end of the quote.",
              minimum=0),
        *[f for f in CITED_OBSERVATIONS.fields
          if f["name"] in ("number_as_printed", "direction_as_printed", "survey", "locator")
          for f in [_optional(f, "Cited sources: " + f["description"][0].lower() + f["description"][1:])]],
        OBSERVATIONS.fields[-1],  # curator_note
    ],
    ["obs_id"],
    [fk("source_id", "sources", "source_id"), fk("region_code", "regions", "region_code"),
     fk("province_code", "regions", "region_code"),
     fk("indicator_code", "indicators", "indicator_code"), fk("theme_code", "themes", "theme_code"),
     fk("measure", "measures", "measure_code"), fk("unit", "units", "unit_code"),
     fk("qualifier", "qualifiers", "qualifier_code"), fk("scope", "scopes", "scope_code"),
     fk("period_basis", "period_bases", "period_basis_code")],
)

_DERIVED = "Derived by the build (analysis.dataset.compare); "

COMPARISONS = Table(
    "comparisons", "comparisons.csv",
    "Comparison items: every observation, and every total derived from its parts, with the values "
    "derived for comparison (each marked derived, with its formula) and whether it is compared",
    [
        field("item_id", "string", "The obs_id; for a derived total, <indicator>:<obs_id>+<obs_id>…",
              required=True),
        field("obs_ids", "string", "The observations it comes from (space separated).", required=True),
        field("is_derived_total", "boolean", "A total the build derived as the sum of its parts.",
              required=True),
        field("indicator_code", "string", "Indicator.", required=True),
        field("concept_code", "string", "Concept (empty: none)."),
        field("relation", "string", "Relation of the indicator to the concept."),
        field("comparison_key", "string", "The concept, or the indicator where it has none.",
              required=True),
        field("measure", "string", "Measure.", required=True),
        field("unit", "string", "Unit.", required=True),
        field("region_code", "string", "Region.", required=True),
        field("region_level", "string", "Region level.", required=True),
        field("period_start", "date", "First day of the period.", required=True),
        field("period_end", "date", "Last day of the period (a stock's date).", required=True),
        field("period_label", "string", "The period as written.", required=True),
        field("period_basis", "string", "Where the period comes from.", required=True),
        field("period_years", "number", _DERIVED + "whole months as twelfths, otherwise days ÷ 365.25.",
              required=True),
        field("scope", "string", "What part of the region it covers.", required=True),
        field("survey", "string", "Survey results (public_sentiment): whose survey they come from, "
              "national or provincial <province code>; unknown where the text does not say (not "
              "compared); empty for other figures."),
        field("value", "number", "As stated (a derived total: the sum of its parts).", required=True),
        field("value_low", "number", "Lower end of its interval (empty: open)."),
        field("value_high", "number", "Upper end of its interval (empty: open)."),
        field("qualifier", "string", "Qualifier (a derived total: that of the sum's interval).",
              required=True),
        field("base_period", "string", "For changes: the base period as written."),
        field("quantity", "string", "What it is compared as: annual_count, count_at_date, percent, "
              "change, years_without_event; empty: not compared."),
        field("annual_value", "number", _DERIVED + "flows: value ÷ period_years."),
        field("annual_low", "number", _DERIVED + "value_low ÷ period_years."),
        field("annual_high", "number", _DERIVED + "value_high ÷ period_years."),
        field("population_2020", "integer", "The 2020 census denominator of per_10k."),
        field("population_basis", "string", "statistical_division or management_area."),
        field("per_10k", "number", _DERIVED + "per 10,000 residents (per year, for flows)."),
        field("per_10k_low", "number", _DERIVED + "lower end, per 10,000 residents."),
        field("per_10k_high", "number", _DERIVED + "upper end, per 10,000 residents."),
        field("counted_tier", "string", "Stocks of institutions: the tier of what is counted "
              "(stock_tiers.csv)."),
        field("scales_with", "string", "Stocks of institutions: jurisdictions or residents."),
        field("jurisdictions", "integer", "Units of counted_tier in the region, from the 2020 census "
              "tabulation (census_2020.csv): the denominator of per_jurisdiction."),
        field("per_jurisdiction", "number", _DERIVED + "a stock of institutions ÷ jurisdictions."),
        field("per_jurisdiction_low", "number", _DERIVED + "value_low ÷ jurisdictions."),
        field("per_jurisdiction_high", "number", _DERIVED + "value_high ÷ jurisdictions."),
        field("n", "number", "Counts of events or things in a comparison: the count the interval "
              "rests on (the value as stated)."),
        field("count_ci_low", "number", _DERIVED + "exact (Garwood) Poisson 95% interval of the "
              "count, lower end: χ²(0.025; 2k)/2 of value_low (empty: open or not a count)."),
        field("count_ci_high", "number", _DERIVED + "upper end: χ²(0.975; 2k+2)/2 of value_high."),
        field("annual_ci_low", "number", _DERIVED + "count_ci_low ÷ period_years (flows)."),
        field("annual_ci_high", "number", _DERIVED + "count_ci_high ÷ period_years (flows)."),
        field("per_10k_ci_low", "number", _DERIVED + "count_ci_low on the scale of per_10k (÷ "
              "period_years for flows, × 10,000 ÷ population_2020)."),
        field("per_10k_ci_high", "number", _DERIVED + "count_ci_high on the scale of per_10k."),
        field("per_jurisdiction_ci_low", "number", _DERIVED + "count_ci_low ÷ jurisdictions."),
        field("per_jurisdiction_ci_high", "number", _DERIVED + "count_ci_high ÷ jurisdictions."),
        field("years_without_event", "number", _DERIVED + "zero claims: period_years."),
        field("expected_events", "number", _DERIVED + "zero claims with an official reference rate "
              "(reference_rates.csv): the events chance would give, Σ over the period's years of "
              "population_2020 × years in that year × rate per 100,000 ÷ 100,000; for a year with no "
              "rate, the lowest rate of the nearest sourced years (the benefit of the doubt)."),
        field("p_zero", "number", _DERIVED + "the probability of no event at all under a Poisson "
              "model with that expectation: exp(−expected_events)."),
        field("expectation", "string", "What the zero claim means against the expectation: "
              "plausible (p_zero ≥ 0.05), unlikely (≥ 0.001), implausible (below: the claim likely "
              "means something narrower, such as no unsolved case), or why none is computed."),
        field("formula", "string", "How each derived value was computed, with its numbers."),
        field("status", "string", "compared (in a valid group), alone (may be compared, has no "
              "partner) or excluded (may not be compared).", required=True,
              enum=["compared", "alone", "excluded"]),
        field("reason_code", "string",
              "The kind of reason: scope_single_instance, scope_part_of_region, scope_typical_unit, "
              "measure_<measure>, no_base, assumed_period, sub_year_window, survey_unknown, "
              "tier_unstated, earlier_snapshot "
              "(excluded); only_one, other_base, other_level, narrower, broader, proxy (alone).",
              enum=["", "scope_single_instance", "scope_part_of_region", "scope_typical_unit",
                    "measure_change_unspecified", "measure_document_attribute", "measure_standard",
                    "measure_target", "measure_duration", "measure_rank", "measure_score", "no_base",
                    "assumed_period", "sub_year_window", "survey_unknown", "tier_unstated", "earlier_snapshot", "only_one",
                    "other_base", "other_level", "narrower", "broader", "proxy"]),
        field("reason", "string", "Why it is alone or excluded, specifically."),
        field("compared_in", "string", "The valid groups it enters, itself or through a total "
              "derived from it (space separated; empty: none)."),
    ],
    ["item_id"],
)

COMPARISON_GROUPS = Table(
    "comparison_groups", "comparison_groups.csv",
    "Sets of items that may share an axis, each under one rule; valid when it has two places",
    [
        field("group_id", "string", "Group identifier.", required=True),
        field("comparison_key", "string", "Concept or indicator.", required=True),
        field("indicator_code", "string", "For a narrower, broader or proxy indicator: the one "
              "indicator the group holds (empty: the concept's same links)."),
        field("kind", "string", "annual_count, annual_per_10k, count_at_date, per_10k_at_date, "
              "per_jurisdiction_at_date, percent, change, change_year_on_year, years_without_event.",
              required=True),
        field("level", "string", "The region level (absolute counts, zero claims), the base (changes) "
              "or 'all levels'; for stocks also the tier counted and the window of their dates.",
              required=True),
        field("value_column", "string", "The comparisons.csv column drawn on the axis.", required=True),
        field("rule", "string", "The rule under which the members share the axis.", required=True),
        field("members", "integer", "Items in the group.", required=True),
        field("places", "integer", "Distinct region and period pairs among them.", required=True),
        field("is_valid", "boolean", "At least two places: a comparison.", required=True),
    ],
    ["group_id"],
)

COMPARISON_MEMBERS = Table(
    "comparison_members", "comparison_members.csv", "Which items each group holds",
    [
        field("group_id", "string", "Group.", required=True),
        field("item_id", "string", "Item.", required=True),
    ],
    ["group_id", "item_id"],
    [fk("group_id", "comparison_groups", "group_id"), fk("item_id", "comparisons", "item_id")],
)

# In data/processed, cited sources are rows of sources.csv (evidence_kind cited).
PROCESSED_CITED_SET_ASIDE = _extend(CITED_SET_ASIDE, [], foreign_keys=[fk("source_id", "sources", "source_id")])

PROCESSED_TABLES: list[Table] = [THEMES, UNITS, MEASURES, QUALIFIERS, SCOPES, PERIOD_BASES,
                                 INDICATORS, CONCEPTS, INDICATOR_CONCEPTS, INDICATOR_SUMS,
                                 CENSUS_SOURCES, CENSUS, CENSUS_EXCEPTIONS,
                                 PROCESSED_REGIONS, PROCESSED_SOURCES, PROCESSED_OBSERVATIONS,
                                 PROCESSED_CITED_SET_ASIDE, LEADS, LEAD_DECISIONS, REFERENCE_RATES,
                                 EXCLUSIONS, MENTIONS, COMPARISONS, COMPARISON_GROUPS,
                                 COMPARISON_MEMBERS, LEXICON]
