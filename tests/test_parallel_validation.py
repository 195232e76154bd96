"""Validation with a worker process (load_raw's jobs): the same problems and the same bytes as alone."""

from __future__ import annotations

import hashlib

import pytest

from analysis.dataset import validate
from analysis.dataset.processed import processed_files
from analysis.dataset.validate import ValidationFailed, load_raw
from conftest import edit_row, read_rows, snapshot

OBS = "observations.csv"


@pytest.fixture
def worker_for_any_size(monkeypatch):
    """A worker process even for the few hundred observations of the real data (below the size
    from which load_raw starts one by default)."""
    monkeypatch.setattr(validate, "PARALLEL_MIN_OBSERVATIONS", 0)


def problems_of(raw, jobs: int) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load_raw(raw, jobs=jobs)
    return [str(p) for p in info.value.problems]


def test_a_worker_gives_the_bytes_of_one_process(raw_copy, worker_for_any_size):
    alone = load_raw(raw_copy, jobs=1)
    assert alone.prebuilt_files == {}
    together = load_raw(raw_copy, jobs=2)
    # the worker wrote the comparisons' files and the observations'
    assert set(together.prebuilt_files) == {"comparisons.csv", "comparison_groups.csv",
                                            "comparison_members.csv", "observations.csv"}
    assert processed_files(together) == processed_files(alone)
    assert together.compared_observations == alone.compared_observations
    # read here, the comparisons are made again, and the worker's files of them give way to them
    assert together.comparisons == alone.comparisons
    assert set(together.prebuilt_files) == {"observations.csv"}
    assert processed_files(together) == processed_files(alone)


def test_a_worker_gives_the_problems_of_one_process(raw_copy, worker_for_any_size):
    # a report changed after it was archived (found here), a qualifier outside its vocabulary
    # (a key check, made by the worker) and a value its quote does not give (found here)
    header, sources = read_rows(raw_copy / "sources.csv")
    report = raw_copy / "reports" / sources[0]["file"]
    report.write_bytes(report.read_bytes() + "另有7起。".encode("utf-8"))
    _, observations = read_rows(raw_copy / OBS)
    first = observations[0]["obs_id"]
    second = next(o["obs_id"] for o in observations if o["source_id"] != sources[0]["source_id"])
    qualifier_line = edit_row(raw_copy / OBS, "obs_id", first, qualifier="roughly")
    value_line = edit_row(raw_copy / OBS, "obs_id", second, value="123456")
    alone = problems_of(raw_copy, jobs=1)
    together = problems_of(raw_copy, jobs=2)
    assert together == alone
    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    assert (f"sources.csv, line 2 ({sources[0]['source_id']}), field 'sha256': reports/{sources[0]['file']} "
            f"has checksum {digest}, not the recorded {sources[0]['sha256']}: the archived report changed"
            in together)
    assert (f"observations.csv, line {qualifier_line} ({first}), field 'qualifier': unknown qualifier "
            "'roughly' (not in qualifiers.csv)" in together)
    assert any(p.startswith(f"observations.csv, line {value_line} ({second}), field 'value': 123456 ")
               for p in together)


def test_the_real_data_is_validated_in_one_process(raw_copy):
    """Its few hundred observations take less time than a worker's start."""
    assert load_raw(raw_copy).prebuilt_files == {}


def test_jobs_below_one_are_refused(raw_copy):
    with pytest.raises(ValueError, match="jobs must be at least 1, not 0"):
        load_raw(raw_copy, jobs=0)


def test_the_build_command_takes_jobs(raw_copy, tmp_path, worker_for_any_size, capsys):
    from analysis.__main__ import main

    for jobs in ("1", "2"):
        assert main(["build", "--raw", str(raw_copy), "--out", str(tmp_path / jobs), "--jobs", jobs]) == 0
    assert snapshot(tmp_path / "1") == snapshot(tmp_path / "2")


def test_a_worker_that_sends_nothing_leaves_its_work_to_this_process(raw_copy, worker_for_any_size, monkeypatch):
    """A worker that dies (or sends nothing) costs time, never a check or a byte: this process
    then parses and checks the tables and makes the comparisons itself."""
    alone = processed_files(load_raw(raw_copy, jobs=1))
    monkeypatch.setattr(validate._Worker, "receive", lambda self: None)
    fallen_back = load_raw(raw_copy, jobs=2)
    assert fallen_back.prebuilt_files == {}
    assert processed_files(fallen_back) == alone
    _, observations = read_rows(raw_copy / OBS)
    line = edit_row(raw_copy / OBS, "obs_id", observations[0]["obs_id"], qualifier="roughly")
    assert (f"observations.csv, line {line} ({observations[0]['obs_id']}), field 'qualifier': unknown "
            "qualifier 'roughly' (not in qualifiers.csv)") in problems_of(raw_copy, jobs=2)
