"""How good the candidate sheet's suggestions are, leave one report out.

For each of the archived reports, its sheet is suggested from the codebook and the curated
observations of the *other* reports only, and each suggestion is compared with the report's own
curation (data/processed/mentions.csv, data/raw/observations.csv, data/raw/exclusions.csv): an
indicator is plausible when it is the curated one of the observation whose value the mention is,
an exclusion when the mention is excluded. Prints per report: sheet rows, suggestions made,
plausible, precision, recall (share of the report's observations whose value got their indicator)
and the share of non-quantities (dates, names, labels…) that the sheet flags.

    python benchmarks/suggestion_precision.py        (make suggestion-precision)
"""

from __future__ import annotations

from analysis.config import PROCESSED_DIR, RAW_DIR
from analysis.dataset.suggest import leave_one_report_out


def main() -> None:
    scores = leave_one_report_out(RAW_DIR, PROCESSED_DIR)
    print(f"{'report':<20} {'rows':>5} {'suggested':>9} {'plausible':>9} {'precision':>9} "
          f"{'recall':>7} {'flagged non-quantities':>23}")
    for s in scores:
        print(f"{s.source_id:<20} {s.rows:>5} {s.suggested:>9} {s.plausible:>9} {s.precision:>9.0%} "
              f"{s.found:>3}/{s.observations:<3} {s.flagged:>3}/{s.not_quantities:<3}")
    total = lambda field: sum(getattr(s, field) for s in scores)  # noqa: E731
    print(f"{'all':<20} {total('rows'):>5} {total('suggested'):>9} {total('plausible'):>9} "
          f"{total('plausible') / total('suggested'):>9.0%} {total('found'):>3}/{total('observations'):<3} "
          f"{total('flagged'):>3}/{total('not_quantities'):<3}")


if __name__ == "__main__":
    main()
