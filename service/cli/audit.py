"""``tariff-stack audit``: a file of entry lines as filed, paid vs owed vs refundable, by route."""
from __future__ import annotations

import sys

from tqdm import tqdm

from service.cli.common import freshness
from service.render.audit_file import audit_path


def audit_args(sub):
    p = sub.add_parser("audit", help="audit a file of entry lines as filed: paid vs owed vs refundable, by route",
                       description="Audit a CSV/TSV or .xlsx file with one row per entry line and heading (the "
                                   "shape of ACE's ES-003 report): each line is re-priced on its entry date and "
                                   "compared with what was paid, heading by heading. The audit is written beside "
                                   "the input (NAME.audit.csv, or .xlsx) or to -o; the input is never altered. "
                                   "Not legal advice: the figures depend on the facts given.")
    p.add_argument("file", help="one row per line and heading: entry_number, line_number, heading, paid, origin, "
                                "entry_date, value (+ hts, liquidation_date, liquidated or liquidation_status, "
                                "deposit_date, facts), or "
                                "ES-003's column names")
    p.add_argument("-o", "--output", help="output file: .csv, .tsv or .xlsx (default: beside the input)")
    p.add_argument("--sheet", help="the sheet of an .xlsx workbook (default: the active sheet)")
    p.add_argument("--audit-date", help="judge the refund windows on this date (default: the tables' as-of date)")
    p.add_argument("--interest-to", help="compute interest to this date (default: the audit date)")
    p.add_argument("--importer-type", choices=("corporate", "non_corporate"),
                   help="overpayment interest rate of a corporation or not (default: corporate)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def audit_command(tables, args) -> int:
    def progress(total):
        return tqdm(total=total, unit="line", disable=args.no_progress or None, file=sys.stderr)

    settings = {k: v for k, v in (("audit_date", args.audit_date), ("interest_to", args.interest_to),
                                  ("importer_type", args.importer_type)) if v}
    summary = audit_path(tables, args.file, args.output, settings, progress, sheet=args.sheet,
                         fresh=freshness(tables))
    for line in summary.lines_text():
        print(line, file=sys.stderr)
    return 1 if summary.failed else 0


__all__ = ["audit_args", "audit_command"]
