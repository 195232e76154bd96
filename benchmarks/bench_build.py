"""Benchmark: validate + build on a synthetic corpus (default 1,000 reports, 100,000 observations).

Targets: validate + build under 20 s on a 2-core machine, growing linearly (issue 2); the audit
of the 1,000 reports under 10 s (issue 4). Run with `make benchmark`;
prints the time of each size, the ratio between 10,000 and 100,000 observations, and peak memory.
The corpus uses the real vocabularies, regions and codebook from data/raw, and quotes in every
number form the parser reads (万, 余, 近, %, 下降, Chinese numerals).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from analysis.dataset import schema
from analysis.dataset.processed import processed_files, replace_directory
from analysis.config import RAW_DIR
from analysis.dataset.validate import _check_audit, cyclic_gc_paused, load_raw

VOCABULARIES = ("themes.csv", "units.csv", "measures.csv", "qualifiers.csv", "scopes.csv",
                "period_bases.csv", "indicators.csv", "concepts.csv", "indicator_concepts.csv",
                "indicator_sums.csv", "census_sources.csv", "census_2020.csv",
                "census_2020_exceptions.csv", "regions.csv", "lexicon.csv", "counters.csv",
                "reference_rates.csv")
# The corpus is of archived reports: the tables of cited sources and leads are written empty.
EMPTY_TABLES = (schema.CITED_SOURCES, schema.CITED_OBSERVATIONS, schema.CITED_SET_ASIDE,
                schema.LEADS, schema.LEAD_DECISIONS)
# (sentence template, indicator, unit, value, qualifier, is_change)
FORMS = [
    ("第{i}项工作共化解矛盾纠纷{n}起", "disputes_screened_resolved", "cases", "{n}", "exact", False),
    ("第{i}批次排查化解纠纷{n}万余起", "disputes_screened_resolved", "cases", "{n}0000", "more_than", False),
    ("第{i}个片区刑事警情同比下降{n}.5%", "criminal_police_incidents_change_pct", "percent", "-{n}.5",
     "exact", True),
    ("第{i}组建成调解组织近{n}个", "mediation_organisations", "organisations", "{n}", "nearly", False),
]


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def make_corpus(root: Path, reports: int, observations: int) -> None:
    for name in VOCABULARIES:
        shutil.copy(RAW_DIR / name, root / name)
    # the tiers of stocks by indicator; the overrides name observations of the real reports
    with (RAW_DIR / "stock_tiers.csv").open(encoding="utf-8", newline="") as f:
        tiers = list(csv.DictReader(f))
    write_csv(root / "stock_tiers.csv", list(tiers[0]), [t for t in tiers if not t["obs_id"]])
    for table in EMPTY_TABLES:
        write_csv(root / table.path, table.field_names, [])
    (root / "reports").mkdir()
    per_report = observations // reports
    with (RAW_DIR / "regions.csv").open(encoding="utf-8") as f:
        # levels with many units: an absolute count of the one province or township reported is
        # alone at its level (other_level), and the corpus is meant to be compared throughout
        regions = [row["region_code"] for row in csv.DictReader(f) if row["level"] in ("prefecture", "county")]
    sources, obs = [], []
    for r in range(reports):
        sid = f"synthetic_{r:04d}"
        region, year = regions[r % len(regions)], str(2014 + r % 10)
        sentences = []
        for i in range(per_report):
            template, indicator, unit, value, qualifier, is_change = FORMS[i % len(FORMS)]
            n = 3 + (r * 7 + i * 13) % 900
            sentence = template.format(i=i + 1, n=n)
            sentences.append(sentence + "。")
            obs.append({
                "obs_id": f"{sid}-{i + 1:03d}", "source_id": sid, "region_code": region,
                "indicator_code": indicator, "period_start": year, "period_end": year,
                "period_basis": "stated", "value": value.format(n=n), "value_high": "", "unit": unit,
                "qualifier": qualifier, "scope": "region_total",
                "base_period_start": "2013" if is_change else "", "base_period_end": "2013" if is_change else "",
                # the ordinal (第i项) is part of what the sentence counts: declared, so curated
                "quote": sentence, "label_numbers": f"第{i + 1}", "curator_note": "",
            })
        # page furniture around the body, as in the real reports
        text = ("网站首页 > 新闻\n联系电话:010-12345678\n正文开始。\n" + "\n".join(
            "".join(sentences[k:k + 5]) for k in range(0, len(sentences), 5)) + "\n正文结束。\n版权所有\n")
        data = text.encode("utf-8")
        name = f"{sid}.txt"
        (root / "reports" / name).write_bytes(data)
        sources.append({
            "source_id": sid, "file": name, "sha256": hashlib.sha256(data).hexdigest(),
            "headline": f"合成报告{r}", "publisher": "benchmark", "byline": "",
            "date_published": f"{int(year) + 1}-01-15", "date_precision": "day", "original_url": "",
            "region_code": region, "period_start": year, "period_end": year, "script": "Simplified",
            "body_start": "正文开始。",
            "body_end": "正文结束。", "notes": "",
        })
    write_csv(root / "sources.csv", list(sources[0]), sources)
    write_csv(root / "observations.csv", list(obs[0]), obs)
    # every sentence holds an ordinal (第i项, a label) and a number (the value), both curated
    write_csv(root / "exclusions.csv", ["source_id", "mention", "context", "reason", "note"], [])
    # reports of every region and ten years share indicators, so every observation is compared
    write_csv(root / "expected_counts.csv", ["source_id", "observations", "mentions", "excluded", "compared"],
              [{"source_id": s["source_id"], "observations": per_report, "mentions": 2 * per_report,
                "excluded": 0, "compared": per_report} for s in sources])


def run(reports: int, observations: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "processed"
        raw.mkdir()
        make_corpus(raw, reports, observations)
        start, cpu_start, worker_start = time.perf_counter(), time.process_time(), _children_cpu()
        data = load_raw(raw)
        validated = time.perf_counter()
        replace_directory(out, processed_files(data))
        built, cpu = time.perf_counter(), time.process_time() - cpu_start
        worker_cpu = _children_cpu() - worker_start
        assert sum(1 for _ in (out / "observations.csv").open(encoding="utf-8")) == observations + 1
        # the audit alone (it is part of validate above): extract and decide every mention again
        problems: list = []
        audit_start = time.perf_counter()
        with cyclic_gc_paused():  # as validate runs it (with the collector on, it walks the heap)
            _check_audit(data, problems)
        audit = time.perf_counter() - audit_start
        assert not problems, problems[:3]
        mentions = sum(len(d) for d in data.decisions.values())
    print(f"{reports:>6,} reports {observations:>8,} observations: validate {validated - start:6.2f} s"
          f"  build {built - validated:6.2f} s  total {built - start:6.2f} s (CPU {cpu:6.2f} s"
          + (f" + worker {worker_cpu:5.2f} s" if worker_cpu else "") + ")"
          f"  (of which audit of {mentions:,} mentions: {audit:5.2f} s)")
    return built - start


def _children_cpu() -> float:
    """CPU seconds of the ended child processes (load_raw's worker) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=100_000)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Python {sys.version.split()[0]}; timings are wall-clock, one run each (CPU: this "
          f"process's, and its worker's where validation uses one); load average {load} on "
          f"{os.cpu_count()} cores")
    small = run(args.reports // 10, args.observations // 10)
    large = run(args.reports, args.observations)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"ratio large/small: {large / small:.2f} (linear growth: 10.0)")
    print(f"peak memory (RSS): {peak:.0f} MiB" + (f", the worker's {worker_peak:.0f} MiB (both at once at "
                                                   f"most {peak + worker_peak:.0f} MiB)" if worker_peak else ""))
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    target = 20.0
    print(f"target: {args.observations:,} observations under {target:.0f} s: "
          f"{'met' if large < target else 'NOT met'}")
    return 0 if large < target else 1


if __name__ == "__main__":
    sys.exit(main())
