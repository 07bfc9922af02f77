"""`perfeval report check` and `perfeval report draft`: the command line's side of the report package (what is
printed, which copy is written where). Exit codes as `perfeval check`: 0 no error, 1 errors, 2 usage, 3 refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import ProfileError, Refused, UsageError
from ..messages import cli_text
from . import ReportCheck, check_report


def report_check(args) -> int:
    from ..api import debug_trace
    from .comments import commented_path, write_commented

    src = Path(args.report)
    given = Path(args.output) if args.output else None
    if given is not None and src.exists() and given.resolve() == src.resolve():
        raise UsageError(cli_text("report_copy_over_input"))
    result = check_report(src, args.workbooks)
    written = None
    want_copy = given is not None or not args.json
    if result.refusal is None and want_copy:
        if result.document.kind != "docx":
            print(cli_text("report_copy_not_docx"), file=sys.stderr)
        else:
            out = given or commented_path(src)
            if out.exists() and out.resolve() == src.resolve():
                raise UsageError(cli_text("report_copy_over_input"))
            try:
                written = write_commented(result.document.data, result.findings, out, source_name=src.name)
            except (ValueError, OSError, Refused) as e:
                print(cli_text("copy_failed", why=e), file=sys.stderr)
            except Exception as e:  # noqa: BLE001 — a bug in the writer: said, not a traceback; the check stands
                debug_trace()
                print(cli_text("copy_crashed", why=f"{type(e).__name__}: {e}"), file=sys.stderr)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        _print(result, written)
    return result.exit_code


def _print(result: ReportCheck, written: Path | None) -> None:
    if result.refusal is not None:
        r = result.refusal
        print(cli_text("refused", code=r.code, zh=r.zh, en=r.en), file=sys.stderr)
        return
    print(cli_text("report_file", path=result.path))
    for w in result.workbooks:
        if w.refusal is not None:
            print(cli_text("report_workbook_refused", code=w.refusal.code, path=w.path, zh=w.refusal.zh),
                  file=sys.stderr)
    for f in result.findings:
        quote = " ".join(f.quote.split())
        print(cli_text("report_finding", paragraph=f.paragraph, check=f.check, severity=f.severity.label,
                       message=f.message, quote=quote if len(quote) <= 80 else quote[:79] + "…"))
    print(cli_text("report_check_totals", linked=result.linked, unlinked=result.unlinked, errors=result.errors,
                   warnings=result.warnings))
    if written:
        print(cli_text("report_copy", path=written))


def report_draft(args) -> int:
    from ..api import check_file
    from .draft import draft_report
    from .outline import get_outline

    out = Path(args.output)
    if out.suffix.lower() != ".docx":
        raise UsageError(cli_text("report_draft_docx"))
    if any(Path(w).exists() and Path(w).resolve() == out.resolve() for w in args.workbooks):
        raise UsageError(cli_text("report_copy_over_input"))
    try:
        outline = get_outline(args.outline)
    except ProfileError as e:
        raise UsageError(str(e)) from None
    reports = [check_file(w) for w in args.workbooks]
    for w in reports:
        if w.refusal is not None:
            print(cli_text("report_workbook_refused", code=w.refusal.code, path=w.path, zh=w.refusal.zh),
                  file=sys.stderr)
    try:
        draft_report(reports, out, outline)
    except Refused as r:
        print(cli_text("refused", code=r.code, zh=r.zh, en=r.en), file=sys.stderr)
        return 3
    print(cli_text("report_draft_written", path=out))
    return 0
