"""Command line: ``python -m analysis validate|build|check-processed [--raw DIR] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import build, processed_files
from .config import PROCESSED_DIR, RAW_DIR
from .validate import ValidationFailed, load_raw


def _compare(expected: dict[str, bytes], out_dir: Path) -> list[str]:
    """Differences between a fresh build and the files on disk."""
    on_disk = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    differences = [f"missing from {out_dir}: {rel}" for rel in sorted(set(expected) - on_disk)]
    differences += [f"not made by the build: {out_dir / rel}" for rel in sorted(on_disk - set(expected))]
    differences += [f"differs from a fresh build: {out_dir / rel}" for rel in sorted(set(expected) & on_disk)
                    if (out_dir / rel).read_bytes() != expected[rel]]
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("validate", "check the raw data; print every problem"),
                       ("build", "check the raw data, then rebuild the processed data atomically"),
                       ("check-processed", "fail if the processed data differ from a fresh build")):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--raw", type=Path, default=RAW_DIR, help="raw data directory (default: %(default)s)")
        if name != "validate":
            sub.add_argument("--out", type=Path, default=PROCESSED_DIR,
                             help="processed data directory (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            data = load_raw(args.raw)
            n = len(data.tables["observations"])
            print(f"{args.raw}: valid ({n} observations from {len(data.reports)} reports)")
        elif args.command == "build":
            files = build(args.raw, args.out)
            print(f"{args.out}: built {len(files)} files from {args.raw}")
        else:
            differences = _compare(processed_files(load_raw(args.raw)), args.out)
            if differences:
                print("\n".join(differences), file=sys.stderr)
                print("Run `make data` and commit data/processed.", file=sys.stderr)
                return 1
            print(f"{args.out}: identical to a fresh build of {args.raw}")
    except ValidationFailed as failure:
        print(failure.report(), file=sys.stderr)
        print(f"{len(failure.problems)} problem(s) in {args.raw}; nothing was written.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
