"""Command line: ``python -m analysis validate|build|check-processed [--raw DIR] [--out DIR]``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .config import PROCESSED_DIR, RAW_DIR


def _compare(expected: dict[str, bytes], out_dir: Path) -> list[str]:
    """Differences between a fresh build and the files on disk."""
    on_disk = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    differences = [f"missing from {out_dir}: {rel}" for rel in sorted(set(expected) - on_disk)]
    differences += [f"not made by the build: {out_dir / rel}" for rel in sorted(on_disk - set(expected))]
    differences += [f"differs from a fresh build: {out_dir / rel}" for rel in sorted(set(expected) & on_disk)
                    if (out_dir / rel).read_bytes() != expected[rel]]
    return differences


def _positive(text: str) -> int:
    """A whole number of at least 1, for argparse."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


class CommandError(Exception):
    """Bad input to a command, answered in one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors in one line (the usage itself is in --help)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m analysis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in (("validate", "check the raw data; print every problem"),
                       ("audit", "check the raw data and print, per report, how every number was decided"),
                       ("build", "check the raw data, then rebuild the processed data atomically"),
                       ("check-processed", "fail if the processed data differ from a fresh build")):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--raw", type=Path, default=RAW_DIR, help="raw data directory (default: %(default)s)")
        sub.add_argument("--jobs", type=_positive, default=None,
                         help="processes that may check at once (default: the number of cores; "
                              "a second is used from 20,000 observations on)")
        if name not in ("validate", "audit"):
            sub.add_argument("--out", type=Path, default=PROCESSED_DIR,
                             help="processed data directory (default: %(default)s)")
    runs_cmd = commands.add_parser("runs", help="check, update or export notebooks/runs.yaml")
    runs_cmd.add_argument("--check", action="store_true", help="fail if a run the data call for is missing")
    runs_cmd.add_argument("--update", action="store_true", help="add the runs the data call for")
    runs_cmd.add_argument("--makefile", type=Path, help="write Make rules for every run to this file")
    execute_cmd = commands.add_parser("execute", help="execute runs with papermill, several in one kernel")
    execute_cmd.add_argument("run_ids", nargs="+", metavar="run_id")
    execute_cmd.add_argument("--stale-against", nargs="*", type=Path, default=None, metavar="FILE",
                             help="execute only the runs whose output is missing or older than one "
                                  "of these files (a notebook of notebooks/ counts for its own runs "
                                  "only; Make passes the notebook rule's prerequisites); the other "
                                  "outputs are marked current (their modification time)")
    execute_cmd.add_argument("--jobs", type=int, default=1,
                             help="kernels executing runs at once (default 1)")
    commands.add_parser("kernel", help="register the project's Jupyter kernel in this environment")
    tag_cmd = commands.add_parser("tag-notebooks", help="tag every code cell with what a site reader "
                                  "sees of it (remove-cell for set-up cells, hide-input otherwise)")
    tag_cmd.add_argument("notebooks", type=Path, nargs="*", help="default: notebooks/*.ipynb")
    site_cmd = commands.add_parser("site", help="render the executed runs as a book (Jupyter Book; "
                                   "nothing is re-executed)")
    site_cmd.add_argument("--out", type=Path, default=None, help="site directory (default: build/site)")
    add = commands.add_parser("add-source", help="archive a report, add its sources row, pre-fill candidates")
    add.add_argument("file", type=Path)
    for option in ("source-id", "headline", "publisher", "region", "period-start", "period-end"):
        add.add_argument(f"--{option}", required=True)
    for option in ("date-published", "original-url", "byline", "body-start", "body-end"):
        add.add_argument(f"--{option}", default="")
    add.add_argument("--date-precision", default="none",
                     choices=["second", "minute", "day", "month", "year", "none"])
    add.add_argument("--script", default=None, choices=["Simplified", "Traditional"],
                     help="the report's script (default: detected from its characters)")
    add.add_argument("--raw", type=Path, default=RAW_DIR)
    cited = commands.add_parser("add-cited", help="add a cited source (a page whose words are not "
                                "archived: no file) or one of its numbers, checked like any row")
    kinds = cited.add_subparsers(dest="kind", required=True)
    source = kinds.add_parser("source", help="describe the page: its address and what was read")
    for option in ("source-id", "url", "publisher", "region", "period-start", "period-end",
                   "what-was-read"):
        source.add_argument(f"--{option}", required=True)
    source.add_argument("--source-kind", required=True,
                        choices=["government_site", "news_outlet", "reprint_unrelated_site", "forum_post"])
    for option in ("original-outlet", "headline", "date-published", "other-urls", "lead-id", "notes"):
        source.add_argument(f"--{option}", default="")
    source.add_argument("--date-precision", default="none", choices=["day", "month", "year", "none"])
    source.add_argument("--script", default="Simplified", choices=["Simplified", "Traditional", "English"])
    number = kinds.add_parser("observation", help="one number of a cited page, as printed, and where")
    for option in ("source-id", "indicator", "region", "period-start", "period-end", "period-basis",
                   "value", "unit", "qualifier", "number-as-printed", "locator"):
        number.add_argument(f"--{option}", required=True)
    for option in ("value-high", "base-period-start", "base-period-end", "direction-as-printed",
                   "survey", "note"):
        number.add_argument(f"--{option}", default="")
    number.add_argument("--scope", default="region_total")
    for sub in (source, number):
        sub.add_argument("--raw", type=Path, default=RAW_DIR)
    diff_cmd = commands.add_parser("diff", help="what changed in the dataset since a git revision")
    diff_cmd.add_argument("rev")
    diff_cmd.add_argument("--raw", type=Path, default=RAW_DIR)
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except CommandError as exc:
        print(f"python -m analysis {args.command}: {exc}", file=sys.stderr)
        return 1


def _existing_directory(path: Path, option: str) -> None:
    if not path.is_dir():
        raise CommandError(f"{option} {path}: no such directory")


def _dispatch(args) -> int:
    if args.command == "add-source":
        from .dataset.curation import AddSourceError, add_source

        try:
            added = add_source(args.file, source_id=args.source_id, headline=args.headline,
                               publisher=args.publisher, region_code=args.region,
                               period_start=args.period_start, period_end=args.period_end,
                               date_published=args.date_published, date_precision=args.date_precision,
                               original_url=args.original_url, byline=args.byline, script=args.script,
                               body_start=args.body_start, body_end=args.body_end, raw_dir=args.raw)
        except AddSourceError as exc:
            raise CommandError(str(exc)) from None
        for region in added.regions_added:
            print(f"added region {region['region_code']} {region['name_zh']} ({region['level']}, parent "
                  f"{region['parent_code']}) to regions.csv from census_2020.csv: write its English "
                  "name (name_en) there; the build requires it")
        print(added.script_note)
        for notice in added.notices:
            print(f"notice: {notice}")
        print(f"archived {args.file.name} as {args.source_id}; candidates to curate: {added.sheet}")
        return 0
    if args.command == "add-cited":
        from .dataset.curation import AddSourceError, add_cited_observation, add_cited_source

        _existing_directory(args.raw, "--raw")
        try:
            if args.kind == "source":
                row = add_cited_source(
                    source_id=args.source_id, url=args.url, publisher=args.publisher,
                    region_code=args.region, period_start=args.period_start, period_end=args.period_end,
                    source_kind=args.source_kind, what_was_read=args.what_was_read,
                    original_outlet=args.original_outlet, headline=args.headline,
                    date_published=args.date_published, date_precision=args.date_precision,
                    script=args.script, other_urls=args.other_urls, lead_id=args.lead_id,
                    notes=args.notes, raw_dir=args.raw)
                print(f"added cited source {row['source_id']} ({row['url']}) to cited_sources.csv; "
                      "add its numbers with `add-cited observation`, and its counts to expected_counts.csv")
            else:
                row = add_cited_observation(
                    source_id=args.source_id, indicator_code=args.indicator, region_code=args.region,
                    period_start=args.period_start, period_end=args.period_end,
                    period_basis=args.period_basis, value=args.value, value_high=args.value_high,
                    unit=args.unit, qualifier=args.qualifier, scope=args.scope,
                    base_period_start=args.base_period_start, base_period_end=args.base_period_end,
                    number_as_printed=args.number_as_printed,
                    direction_as_printed=args.direction_as_printed, survey=args.survey,
                    locator=args.locator, curator_note=args.note, raw_dir=args.raw)
                print(f"added {row['obs_id']} to cited_observations.csv")
        except AddSourceError as exc:
            raise CommandError(str(exc)) from None
        return 0
    if args.command == "diff":
        from .dataset.curation import diff

        try:
            changes = diff(args.rev, args.raw)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        print("\n".join(changes) if changes else f"no change in the dataset since {args.rev}")
        return 0
    if args.command in ("runs", "execute", "kernel", "site", "tag-notebooks"):
        return _notebook_command(args)
    # Imported here, not at the top: executing a notebook run needs none of it (cn2an alone
    # takes 0.3 s to import, once per run).
    from .dataset.processed import build, processed_files
    from .dataset.validate import ValidationFailed, load_raw

    _existing_directory(args.raw, "--raw")
    if args.command == "check-processed":
        _existing_directory(args.out, "--out")
    try:
        if args.command == "validate":
            data = load_raw(args.raw, args.jobs)
            n = len(data.tables["observations"])
            cited = len(data.tables["cited_observations"])
            print(f"{args.raw}: valid ({n} observations from {len(data.reports)} archived reports, "
                  f"{cited} from {len(data.tables['cited_sources'])} cited sources)")
        elif args.command == "audit":
            from collections import Counter

            data = load_raw(args.raw, args.jobs)
            print(f"{'report':<22}{'mentions':>9}{'curated':>9}  {'as value/period/base/label':<28}"
                  "excluded by reason")
            for sid, decisions in sorted(data.decisions.items()):
                curated = [d for d in decisions if d.status == "curated"]
                roles = Counter(role for d in curated for role in d.role.split("+"))
                reasons = Counter(d.role for d in decisions if d.status == "excluded")
                by_role = "/".join(str(roles[r]) for r in ("value", "period", "base_period", "label"))
                print(f"{sid:<22}{len(decisions):>9}{len(curated):>9}  {by_role:<28}"
                      + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())))
            print("every number mention is curated (with a role in an observation quoting it) or excluded")
        elif args.command == "build":
            files = build(args.raw, args.out, args.jobs)
            print(f"{args.out}: built {len(files)} files from {args.raw}")
        else:
            differences = _compare(processed_files(load_raw(args.raw, args.jobs)), args.out)
            if differences:
                print("\n".join(differences), file=sys.stderr)
                print("Run `make data` and commit data/processed.", file=sys.stderr)
                return 1
            print(f"{args.out}: identical to a fresh build of {args.raw}")
    except ValidationFailed as failure:
        # Not bad input but bad data: every problem, one per line, then the count.
        print(failure.report(), file=sys.stderr)
        print(f"{len(failure.problems)} problem(s) in {args.raw}; nothing was written.", file=sys.stderr)
        return 1
    except OSError as exc:
        raise CommandError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
    return 0


def _load_runs():
    """notebooks/runs.yaml, or a CommandError in one line."""
    from .publish.runs import load_runs

    try:
        return load_runs()
    except ValueError as exc:  # its message names the file, the run's line and the parameter
        raise CommandError(str(exc)) from None
    except (KeyError, OSError) as exc:
        raise CommandError(f"notebooks/runs.yaml: {exc}") from None


def _notebook_command(args) -> int:
    if args.command == "kernel":
        from .publish.execute import install_kernel

        print(f"kernel registered in {install_kernel()}")
    elif args.command == "execute":
        from .publish.execute import BUILD_NOTEBOOKS, execute_runs, stale_runs

        ids = [run.run_id for run in _load_runs().runs]
        unknown = [run_id for run_id in args.run_ids if run_id not in ids]
        if unknown:
            raise CommandError(f"no run {unknown[0]!r}: the runs are listed in notebooks/runs.yaml")
        if args.jobs < 1:
            raise CommandError(f"--jobs {args.jobs}: at least 1")
        wanted = list(dict.fromkeys(args.run_ids))
        if args.stale_against is not None:
            missing = [str(p) for p in args.stale_against if not p.exists()]
            if missing:
                raise CommandError(f"--stale-against: no file {missing[0]}")
            stale = stale_runs(wanted, args.stale_against)
            # Make's grouped target is out of date as a whole: the outputs found current are
            # marked so, or Make would call this again for them on every build.
            for run_id in wanted:
                if run_id not in stale:
                    os.utime(BUILD_NOTEBOOKS / f"{run_id}.ipynb")
            wanted = stale
        failures = execute_runs(
            wanted, args.jobs,
            progress=lambda run_id, _: print(f"run {ids.index(run_id) + 1}/{len(ids)} {run_id}", flush=True))
        if failures:
            raise CommandError("\n".join(failures))
    elif args.command == "tag-notebooks":
        from .publish.runs import NOTEBOOK_DIR
        from .publish.tags import tag_notebook_files

        paths = args.notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
        for path, count in tag_notebook_files(paths).items():
            print(f"{path}: tagged {count} cell(s)")
    elif args.command == "site":
        from .publish.site import SITE_DIR, build_site

        build_site(args.out or SITE_DIR)
    else:
        from .questions import dataset
        from .publish.runs import RunList, makefile_fragment, missing_runs, stale_runs, write_runs

        listed = _load_runs()
        if args.update or args.check:
            data = dataset.load()
            missing, stale = missing_runs(listed, data), stale_runs(listed, data)
            if args.update and (missing or stale):
                kept = [run for run in listed.runs if run not in stale]
                write_runs(RunList(listed.notebooks, kept + missing))
                print(f"added {len(missing)} run(s) to notebooks/runs.yaml, dropped {len(stale)} region "
                      "pair(s) that no longer share an axis")
            elif args.check and (missing or stale):
                print("notebooks/runs.yaml lacks runs the data call for, or lists region pairs that "
                      "share no axis (run `python -m analysis runs --update`):\n" +
                      "\n".join([f"  missing {run.run_id}" for run in missing]
                                + [f"  no shared axis {run.run_id}" for run in stale]), file=sys.stderr)
                return 1
        if args.makefile:
            args.makefile.parent.mkdir(parents=True, exist_ok=True)
            args.makefile.write_text(makefile_fragment(_load_runs()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
