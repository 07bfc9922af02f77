"""perfeval — 预算绩效自评表工具 / budget-performance self-evaluation forms.

  perfeval check FILE [-o OUT] [--json] [--profile ID] [--password PW]
  perfeval batch PATH... -o 汇总.xlsx [--annotated DIR] [--jobs N] [--json] [--profile ID] [--password PW]
  perfeval template PROFILE [-o FILE] [--year YYYY] [--month N]
  perfeval profiles [validate FILE]
  perfeval demo [-o DIR]

Exit codes: 0 no error found, 1 error findings, 2 usage error, 3 input refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import ProfileError, Refused, UsageError
from .messages import cli_text
from .present import console_line

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit(2), with a Chinese sentence first
        self.print_usage(sys.stderr)
        print(cli_text("usage_error", why=message), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="perfeval", description=cli_text("description"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help=cli_text("help.check"))
    c.add_argument("file")
    c.add_argument("-o", "--output", help=cli_text("help.output_copy"))
    c.add_argument("--json", action="store_true", help=cli_text("help.json"))
    c.add_argument("--profile", help=cli_text("help.profile"))
    c.add_argument("--password", metavar="PW", help=cli_text("help.password"))
    b = sub.add_parser("batch", help=cli_text("help.batch"), description=cli_text("help.batch_description"))
    b.add_argument("paths", nargs="+", metavar="PATH")
    b.add_argument("-o", "--output", help=cli_text("help.summary"))
    b.add_argument("--annotated", metavar="DIR", help=cli_text("help.annotated"))
    b.add_argument("--jobs", type=int, metavar="N", help=cli_text("help.jobs"))
    b.add_argument("--json", action="store_true", help=cli_text("help.json"))
    b.add_argument("--profile", help=cli_text("help.profile"))
    b.add_argument("--password", metavar="PW", help=cli_text("help.batch_password"))
    t = sub.add_parser("template", help=cli_text("help.template"), description=cli_text("help.template_description"))
    t.add_argument("profile", nargs="?")
    t.add_argument("-o", "--output")
    t.add_argument("--year", type=int)
    t.add_argument("--month", type=int, help=cli_text("help.month"))
    t.add_argument("--verify", action="store_true", help=cli_text("help.verify"))
    t.add_argument("--fills", type=int, help=cli_text("help.fills"))
    t.add_argument("--seed", type=int, help=cli_text("help.seed"))
    t.add_argument("--json", action="store_true", help=cli_text("help.json_array"))
    pr = sub.add_parser("profiles", help=cli_text("help.profiles"))
    pr.add_argument("action", nargs="?", choices=["list", "validate"], default="list")
    pr.add_argument("file", nargs="?")
    d = sub.add_parser("demo", help=cli_text("help.demo"))
    d.add_argument("-o", "--output", default="perfeval_demo")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        command = {"check": cmd_check, "batch": cmd_batch, "template": cmd_template, "profiles": cmd_profiles,
                   "demo": cmd_demo}[args.command]
        return command(args)
    except UsageError as e:
        print(cli_text("usage_error", why=e), file=sys.stderr)
        return EXIT_USAGE


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
    given = Path(args.output) if args.output else None
    if given is not None and src.exists() and given.resolve() == src.resolve():
        raise UsageError(cli_text("copy_over_input"))
    report = check_file(src, profile, password=args.password)
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
        print(f"\n[{res.form.sheet}] {v.get('project') or res.profile.name}  ({res.profile.id})")
        if res.profile.kind == "framework":
            print(cli_text("form_framework", weight=v.get("weight_total"), deductions=v.get("deductions"),
                           total=v.get("total_score"), grade=v.get("grade")))
        elif res.profile.kind == "monitoring":
            print(cli_text("form_monitoring", month=v.get("month") or "N", budget=v.get("budget"),
                           executed=v.get("executed_to_month"), rate=_percent(v.get("rate_to_month")),
                           time=_percent(v.get("time_progress")), forecast=v.get("forecast")))
        else:
            rate = v.get("execution_rate")
            print(cli_text("form_project", rate="" if rate is None else f"{rate * 100:.2f}%",
                           execution=v.get("execution_score"), indicators=v.get("indicator_score_total"),
                           total=v.get("total_score"), grade=v.get("grade")))
        for f in res.findings:
            print(console_line(f))
    print(cli_text("report_totals", forms=len(report.results), errors=report.errors, warnings=report.warnings))
    if written:
        print(cli_text("annotated_copy", path=written))


def _percent(x) -> str:
    return "" if x is None else f"{x * 100:.2f}%"


def cmd_batch(args) -> int:
    import os

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
    doc = run_batch(args.paths, args.output, annotated_dir=args.annotated, jobs=args.jobs or os.cpu_count() or 1,
                    profile=args.profile if profile else None, progress=True, password=args.password)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(cli_text("batch_totals", files=doc["files"], forms=doc["forms"], refused=doc["refused"],
                       errors=doc["errors"], warnings=doc["warnings"], mismatches=len(doc["mismatches"])))
        if args.output:
            print(cli_text("batch_summary", path=args.output))
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


if __name__ == "__main__":
    sys.exit(main())
