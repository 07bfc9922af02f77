"""perfeval — 预算绩效自评表工具 / budget-performance self-evaluation forms.

  perfeval check FILE [-o OUT] [--json] [--profile ID] [--password PW] [--include-hidden]
  perfeval batch PATH... -o 汇总.xlsx [--annotated DIR] [--jobs N] [--json] [--profile ID] [--password PW]
                 [--include-hidden]
  perfeval template PROFILE [-o FILE] [--year YYYY] [--month N]
  perfeval profiles [validate FILE]
  perfeval report check REPORT WORKBOOK... [--json] [-o COPY.docx]
  perfeval report draft WORKBOOK... -o 自评报告.docx [--outline ID]
  perfeval demo [-o DIR]

Exit codes: 0 no error found, 1 error findings, 2 usage error, 3 input refused.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from .errors import ProfileError, Refused, UsageError
from .messages import ARGPARSE, SHEET_STATES, cli_text
from .present import console_lines, form_header
from .severity import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
LISTED = 20  # files with errors listed by name after a batch (the summary lists them all)


argparse._ = lambda text: ARGPARSE.get(text, text)  # argparse's own words, Chinese first (it looks `_` up per call)


class _Parser(argparse.ArgumentParser):
    """argparse with the exit codes under every command's help, and its errors said Chinese first (exit 2)."""

    def __init__(self, *args, **kw):
        kw.setdefault("epilog", cli_text("exit_codes"))
        super().__init__(*args, **kw)

    def error(self, message):
        self.print_usage(sys.stderr)
        print(cli_text("usage_error", why=message), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _year(text: str) -> int:
    """--year: a four-digit year (argparse says the error)."""
    if not re.fullmatch(r"(19|20)\d\d", text.strip()):
        raise argparse.ArgumentTypeError(cli_text("year_digits"))
    return int(text)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="perfeval", description=cli_text("description"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help=cli_text("help.check"))
    c.add_argument("file", help=cli_text("help.file"))
    c.add_argument("-o", "--output", help=cli_text("help.output_copy"))
    c.add_argument("--json", action="store_true", help=cli_text("help.json"))
    c.add_argument("--profile", help=cli_text("help.profile"))
    c.add_argument("--password", metavar="PW", help=cli_text("help.password"))
    c.add_argument("--include-hidden", action="store_true", help=cli_text("help.include_hidden"))
    b = sub.add_parser("batch", help=cli_text("help.batch"), description=cli_text("help.batch_description"))
    b.add_argument("paths", nargs="+", metavar="PATH", help=cli_text("help.paths"))
    b.add_argument("-o", "--output", help=cli_text("help.summary"))
    b.add_argument("--annotated", metavar="DIR", help=cli_text("help.annotated"))
    b.add_argument("--title", metavar="TEXT", help=cli_text("help.title"))
    b.add_argument("--jobs", type=int, metavar="N", help=cli_text("help.jobs"))
    b.add_argument("--json", action="store_true", help=cli_text("help.json"))
    b.add_argument("--profile", help=cli_text("help.profile"))
    b.add_argument("--password", metavar="PW", help=cli_text("help.batch_password"))
    b.add_argument("--include-hidden", action="store_true", help=cli_text("help.include_hidden"))
    t = sub.add_parser("template", help=cli_text("help.template"), description=cli_text("help.template_description"))
    t.add_argument("profile", nargs="?", help=cli_text("help.template_profile"))
    t.add_argument("-o", "--output", help=cli_text("help.template_output"))
    t.add_argument("--year", type=_year, help=cli_text("help.year"))
    t.add_argument("--month", type=int, help=cli_text("help.month"))
    t.add_argument("--verify", action="store_true", help=cli_text("help.verify"))
    t.add_argument("--fills", type=int, help=cli_text("help.fills"))
    t.add_argument("--seed", type=int, help=cli_text("help.seed"))
    t.add_argument("--json", action="store_true", help=cli_text("help.json_array"))
    pr = sub.add_parser("profiles", help=cli_text("help.profiles"))
    pr.add_argument("action", nargs="?", choices=["list", "validate"], default="list",
                    help=cli_text("help.profiles_action"))
    pr.add_argument("file", nargs="?", help=cli_text("help.profiles_file"))
    rp = sub.add_parser("report", help=cli_text("help.report"))
    rsub = rp.add_subparsers(dest="report_command", required=True, parser_class=_Parser)
    rc = rsub.add_parser("check", help=cli_text("help.report_check"))
    rc.add_argument("report", help=cli_text("help.report_file"))
    rc.add_argument("workbooks", nargs="+", metavar="WORKBOOK", help=cli_text("help.report_workbooks"))
    rc.add_argument("-o", "--output", help=cli_text("help.report_copy"))
    rc.add_argument("--json", action="store_true", help=cli_text("help.json"))
    rd = rsub.add_parser("draft", help=cli_text("help.report_draft"))
    rd.add_argument("workbooks", nargs="+", metavar="WORKBOOK", help=cli_text("help.report_workbooks"))
    rd.add_argument("-o", "--output", required=True, help=cli_text("help.draft_output"))
    rd.add_argument("--outline", help=cli_text("help.outline"))
    d = sub.add_parser("demo", help=cli_text("help.demo"))
    d.add_argument("-o", "--output", default="perfeval_demo", help=cli_text("help.demo_output"))
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        command = {"check": cmd_check, "batch": cmd_batch, "template": cmd_template, "profiles": cmd_profiles,
                   "demo": cmd_demo, "report": cmd_report}[args.command]
        return command(args)
    except UsageError as e:
        print(cli_text("usage_error", why=e), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `perfeval profiles | head -1`: the reader went away; end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _profile_arg(name):
    from .profile import get_profile

    if not name:
        return None
    try:
        return get_profile(name)
    except ProfileError as e:
        raise UsageError(str(e)) from None


def cmd_check(args) -> int:
    from .api import annotated_path, can_annotate, check_file, debug_trace, write_annotated

    profile = _profile_arg(args.profile)
    src = Path(args.file)
    if src.is_dir():
        raise UsageError(cli_text("check_folder", path=src))
    given = Path(args.output) if args.output else None
    if given is not None and src.exists() and given.resolve() == src.resolve():
        raise UsageError(cli_text("copy_over_input"))
    report = check_file(src, profile, password=args.password, include_hidden=args.include_hidden)
    written = None
    want_copy = given is not None or not args.json
    if report.refusal is None and want_copy:
        if not can_annotate(report):
            print(cli_text("cannot_annotate_format"), file=sys.stderr)
        else:
            out = given or annotated_path(src, report)
            if out.exists() and src.exists() and out.resolve() == src.resolve():
                raise UsageError(cli_text("copy_over_input"))
            try:
                written = write_annotated(report, out, password=args.password)
            except (ValueError, OSError, Refused) as e:  # the check stands; only the copy could not be made
                print(cli_text("copy_failed", why=e), file=sys.stderr)
            except Exception as e:  # noqa: BLE001 — a bug in the writer: said, not a traceback; the check stands
                debug_trace()
                print(cli_text("copy_crashed", why=f"{type(e).__name__}: {e}"), file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=None))
    else:
        _print_report(report, written)
    return report.exit_code


def _print_report(report, written) -> None:
    if report.refusal is not None:
        r = report.refusal
        print(cli_text("refused", code=r.code, zh=r.zh, en=r.en), file=sys.stderr)
        return
    print(cli_text("file", path=report.path))
    for res in report.results:
        v = res.values
        state = report.hidden.get(res.form.sheet)
        shown = f"{res.form.sheet}（{SHEET_STATES[state]}）" if state else res.form.sheet
        print(f"\n[{shown}] {v.get('project') or res.profile.name}  ({res.profile.id})")
        notes = [n for n in report.notes if n.sheet == res.form.sheet]
        header = form_header(res.profile.kind, v, [*notes, *res.findings])
        if header:
            print(header)
        for line in console_lines(res.findings):
            print(line)
    for line in console_lines(report.notes):
        print(line)
    print(cli_text("report_totals", forms=len(report.results), errors=report.errors, warnings=report.warnings))
    if written:
        print(cli_text("annotated_copy", path=written))


def _percent(x) -> str:
    return "" if x is None else f"{x * 100:.2f}%"


def cmd_batch(args) -> int:
    from .batch import exit_code, run_batch

    if not args.output and not args.json:
        raise UsageError(cli_text("summary_needed"))
    if args.output and Path(args.output).suffix.lower() != ".xlsx":
        raise UsageError(cli_text("summary_xlsx"))
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(cli_text("jobs_at_least_1"))
    if args.output and any(Path(p).exists() and Path(p).resolve() == Path(args.output).resolve() for p in args.paths):
        raise UsageError(cli_text("summary_over_input"))
    profile = _profile_arg(args.profile)
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:  # a mistyped folder: say so, write nothing
        print(cli_text("batch_missing", paths="、".join(missing)), file=sys.stderr)
        return EXIT_REFUSED
    doc = run_batch(args.paths, args.output, annotated_dir=args.annotated, jobs=args.jobs or os.cpu_count() or 1,
                    profile=args.profile if profile else None, progress=True, password=args.password,
                    include_hidden=args.include_hidden, title=args.title)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        with_errors = [(r["file"], n) for r in doc["reports"]
                       if (n := sum(Severity(f["severity"]) is Severity.ERROR
                                    for form in r["forms"] for f in form["findings"]))]
        for file, n in with_errors[:LISTED]:
            print(cli_text("batch_file_errors", file=file, errors=n))
        if len(with_errors) > LISTED:
            print(cli_text("batch_more_errors", n=len(with_errors) - LISTED))
        print(cli_text("batch_totals", files=doc["files"], forms=doc["forms"], refused=doc["refused"],
                       errors=doc["errors"], warnings=doc["warnings"], mismatches=len(doc["mismatches"])))
        dropped = sum(len(x["dropped"]) for x in doc["resubmitted"])
        if dropped:
            print(cli_text("batch_resubmitted", n=dropped))
        if doc["skipped"]:
            print(cli_text("batch_skipped", n=len(doc["skipped"])))
        failed = sum(1 for r in doc["reports"] if r.get("annotate_error"))
        if failed:
            print(cli_text("batch_copy_failed", n=failed))
        if args.output:
            print(cli_text("batch_summary", path=args.output))
        if args.annotated:
            print(cli_text("batch_copies", path=args.annotated))
    if doc["files"] == 0:
        print(cli_text("no_workbook_found"), file=sys.stderr)
    return exit_code(doc)


def cmd_template(args) -> int:
    if args.verify:
        return _template_verify(args)
    for flag, given in (("--fills", args.fills is not None), ("--seed", args.seed is not None), ("--json", args.json)):
        if given:
            raise UsageError(cli_text("verify_only", flag=flag))
    if not args.profile:
        raise UsageError(cli_text("profile_needed"))
    from .write.templates import write_template_for

    profile = _profile_arg(args.profile)
    if not profile.has_template:
        raise UsageError(cli_text("no_tree", id=profile.id))
    out = Path(args.output or f"{profile.id}.xlsx")
    fill = None
    if args.month is not None:
        if profile.kind != "monitoring" or not 1 <= args.month <= 12:
            raise UsageError(cli_text("month_monitoring_only"))
        fill = {"month": args.month}
    write_template_for(profile, out, year=args.year, fill=fill)
    print(cli_text("template_written", path=out))
    return EXIT_OK


def _template_verify(args) -> int:
    """perfeval template --verify: exit 0 when every engine agreed on every cell, 1 otherwise (or when an engine
    could not run)."""
    from .verify import summary_lines, verify

    if args.output or args.year is not None or args.month is not None:
        raise UsageError(cli_text("verify_no_output"))
    fills = 100 if args.fills is None else args.fills
    if fills < 1:
        raise UsageError(cli_text("fills_at_least_1"))
    profiles = None
    if args.profile:
        profile = _profile_arg(args.profile)
        if not profile.has_template:
            raise UsageError(cli_text("no_tree_to_verify", id=profile.id))
        profiles = [profile]

    def progress(entry):
        print(f"  {entry['profile']} {entry['engine']}: {entry['mismatches']} / {entry['cells_compared']} "
              f"({entry['seconds']} s)", file=sys.stderr, flush=True)

    entries = verify(profiles, fills=fills, seed=args.seed or 0, progress=None if args.json else progress)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False))
    else:
        print("\n".join(summary_lines(entries)))
    bad = [e for e in entries if e["mismatches"] or e["error"]]
    if not args.json:
        print(cli_text("verify_all_agree") if not bad else
              cli_text("verify_bad", n=len(bad), entries="entry" if len(bad) == 1 else "entries"))
    return EXIT_FINDINGS if bad else EXIT_OK


def cmd_profiles(args) -> int:
    from .profile import load_profile_file, shipped_profiles

    if args.action == "validate":
        if not args.file:
            raise UsageError(cli_text("validate_needs_file"))
        try:
            p = load_profile_file(args.file)
        except ProfileError as e:
            print(str(e), file=sys.stderr)
            return EXIT_REFUSED
        print(cli_text("profile_valid", id=p.id, name=p.name))
        return EXIT_OK
    for p in shipped_profiles().values():
        print(f"{p.id:32} {p.kind:17} {p.name}")
    return EXIT_OK


def cmd_demo(args) -> int:
    """Write a blank template, check a bundled sample and write its annotated copy into one folder."""
    import shutil

    from .api import check_file, write_annotated
    from .profile import get_profile
    from .write.template import write_template

    here = Path(__file__).resolve().parent.parent / "sample_data"
    sample = here / "meishan_2023_all.xlsx"
    if not sample.is_file():
        raise UsageError(cli_text("sample_missing", path=sample))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    template = out / "sichuan.project_selfeval.xlsx"
    write_template(get_profile("sichuan.project_selfeval"), template)
    copy = out / sample.name
    shutil.copyfile(sample, copy)
    report = check_file(copy)
    annotated = write_annotated(report, out / f"{sample.stem}_核查.xlsx")
    _print_report(report, annotated)
    print(cli_text("blank_template", path=template))
    (out / "report.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report.exit_code


def cmd_report(args) -> int:
    """perfeval report check | draft."""
    from .report.cli import report_check, report_draft

    return report_check(args) if args.report_command == "check" else report_draft(args)


if __name__ == "__main__":
    sys.exit(main())
