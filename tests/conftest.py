"""Shared fixtures: a private copy of the raw data that a test may break."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from analysis.dataset.processed import build
from analysis.dataset.validate import ValidationFailed

from analysis.config import PROCESSED_DIR, RAW_DIR

# No timing deadlines (a loaded 2-core CI machine is slow, not wrong); in CI the examples are
# derandomized so that a run can be repeated exactly.
settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of data/raw that the test may modify."""
    target = tmp_path / "raw"
    shutil.copytree(RAW_DIR, target)
    return target


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_row(path: Path, key_field: str, key: str, **changes: str) -> int:
    """Change fields of the row whose ``key_field`` is ``key``; return its CSV line number."""
    header, rows = read_rows(path)
    for index, row in enumerate(rows):
        if row[key_field] == key:
            row.update(changes)
            write_rows(path, header, rows)
            return index + 2
    raise KeyError(key)


@pytest.fixture(scope="session")
def processed_dir() -> Path:
    return PROCESSED_DIR


def snapshot(directory: Path) -> dict[str, str]:
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def out_dir(tmp_path: Path, processed_dir: Path) -> Path:
    """A copy of the last good build, which a refused build must leave exactly as it was."""
    target = tmp_path / "processed"
    shutil.copytree(processed_dir, target)
    return target


def refused(raw: Path, out: Path) -> list[str]:
    """Build, expect a refusal, check nothing changed in ``out``; return the problem lines."""
    before = snapshot(out)
    with pytest.raises(ValidationFailed) as info:
        build(raw, out)
    assert snapshot(out) == before, "a refused build changed the processed data"
    assert not list(out.parent.glob(".processed-*")), "a refused build left a staging directory"
    return [str(p) for p in info.value.problems]
