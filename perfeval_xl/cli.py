"""perfeval — 预算绩效自评表工具 / budget-performance self-evaluation forms.

  perfeval check FILE [-o OUT] [--json] [--profile ID] [--password PW]
  perfeval batch PATH... -o 汇总.xlsx [--annotated DIR] [--jobs N] [--json] [--profile ID] [--password PW]
  perfeval template PROFILE [-o FILE] [--year YYYY]
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
from .present import console_line

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit(2), with a Chinese sentence first
        self.print_usage(sys.stderr)
        print(f"用法错误 / usage error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="perfeval", description="预算绩效自评表：生成模板、核查、标注 / self-evaluation forms: templates, checks, annotated copies")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="核查工作簿 / check a workbook")
    c.add_argument("file")
    c.add_argument("-o", "--output", help="核查副本路径 / annotated copy (default: <name>_核查.xlsx beside the input)")
    c.add_argument("--json", action="store_true", help="输出 JSON / print one JSON object")
    c.add_argument("--profile", help="指定配置 / force a profile (id or .yaml file)")
    c.add_argument("--password", metavar="PW", help="工作簿的打开密码（只在内存中解密；核查副本用同一密码加密）/ the workbook's "
                                                    "open password (decrypted in memory only; the annotated copy is "
                                                    "encrypted with it again)")
    b = sub.add_parser("batch", help="批量核查并生成汇总表 / check many workbooks and write a summary workbook",
                       description="文件、文件夹（递归）、.zip 压缩包、.eml 邮件 / files, folders (recursive), .zip archives, "
                                   ".eml e-mails. Exit codes: 0 no error found, 1 error findings, 2 usage error, "
                                   "3 no input could be read")
    b.add_argument("paths", nargs="+", metavar="PATH")
    b.add_argument("-o", "--output", help="汇总工作簿 / summary workbook (.xlsx); optional with --json")
    b.add_argument("--annotated", metavar="DIR", help="在此文件夹写出各文件的核查副本 / write annotated copies into DIR")
    b.add_argument("--jobs", type=int, metavar="N", help="并行进程数，默认为 CPU 核数 / worker processes (default: CPU count)")
    b.add_argument("--json", action="store_true", help="输出 JSON / print one JSON object")
    b.add_argument("--profile", help="指定配置 / force a profile (id or .yaml file)")
    b.add_argument("--password", metavar="PW", help="加密工作簿的打开密码（对所有加密的文件使用）/ open password for the "
                                                    "encrypted workbooks (tried on every encrypted file)")
    t = sub.add_parser("template", help="生成空白模板，或验证模板公式 / write a blank template, or verify the templates' formulas",
                       description="perfeval template PROFILE [-o FILE] [--year YYYY]  |  "
                                   "perfeval template --verify [PROFILE] [--fills N] [--seed N] [--json]")
    t.add_argument("profile", nargs="?")
    t.add_argument("-o", "--output")
    t.add_argument("--year", type=int)
    t.add_argument("--verify", action="store_true",
                   help="随机填写模板，用 LibreOffice 和 formulas 重算，逐格与规则比对（不写模板）/ fill the template at random, "
                        "recalculate it in LibreOffice and in formulas and compare every computed cell with the rules "
                        "(every profile when none is given)")
    t.add_argument("--fills", type=int, help="每个配置随机填写的份数，默认 100 / random fills per profile (default 100)")
    t.add_argument("--seed", type=int, help="随机种子，默认 0 / random seed (default 0)")
    t.add_argument("--json", action="store_true", help="输出一个 JSON 数组 / print one JSON array")
    pr = sub.add_parser("profiles", help="列出或校验配置 / list or validate profiles")
    pr.add_argument("action", nargs="?", choices=["list", "validate"], default="list")
    pr.add_argument("file", nargs="?")
    d = sub.add_parser("demo", help="用样例演示 / run on a bundled sample")
    d.add_argument("-o", "--output", default="perfeval_demo")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"check": cmd_check, "batch": cmd_batch, "template": cmd_template, "profiles": cmd_profiles, "demo": cmd_demo}[args.command](args)
    except UsageError as e:
        print(f"用法错误 / usage error: {e}", file=sys.stderr)
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
        raise UsageError("核查副本不能覆盖原文件 / the annotated copy must not overwrite the input")
    report = check_file(src, profile, password=args.password)
    written = None
    want_copy = given is not None or not args.json
    if report.refusal is None and want_copy:
        if not can_annotate(report):
            print("提示：.xls/.ods 文件不能直接标注，请另存为 .xlsx 后再核查 / note: .xls/.ods files cannot be annotated; "
                  "save as .xlsx to get an annotated copy", file=sys.stderr)
        else:
            out = given or annotated_path(src, report)
            if out.exists() and src.exists() and out.resolve() == src.resolve():
                raise UsageError("核查副本不能覆盖原文件 / the annotated copy must not overwrite the input")
            try:
                written = write_annotated(report, out, password=args.password)
            except (ValueError, OSError, Refused) as e:  # the check stands; only the copy could not be made
                print(f"无法写出核查副本 / could not write the annotated copy: {e}", file=sys.stderr)
            except Exception as e:  # noqa: BLE001 — a bug in the writer: said, not a traceback; the check stands
                debug_trace()
                print(f"无法写出核查副本（程序错误）/ could not write the annotated copy (internal error): "
                      f"{type(e).__name__}: {e}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=None))
    else:
        _print_report(report, written)
    return report.exit_code


def _print_report(report, written) -> None:
    if report.refusal is not None:
        r = report.refusal
        print(f"无法核查 / refused [{r.code}]: {r.zh}\n  {r.en}", file=sys.stderr)
        return
    print(f"文件 / file: {report.path}")
    for res in report.results:
        v = res.values
        print(f"\n[{res.form.sheet}] {v.get('project') or res.profile.name}  ({res.profile.id})")
        if res.profile.kind == "framework":
            print(f"  分值合计 {v.get('weight_total')}  扣分 {v.get('deductions')}  总分 {v.get('total_score')}  等次 {v.get('grade')}")
        else:
            rate = v.get("execution_rate")
            print(
                f"  执行率 {'' if rate is None else f'{rate * 100:.2f}%'}  执行率得分 {v.get('execution_score')}  "
                f"指标得分 {v.get('indicator_score_total')}  总分 {v.get('total_score')}  等次 {v.get('grade')}"
            )
        for f in res.findings:
            print(console_line(f))
    n = len(report.results)
    print(
        f"\n共 {n} 张表，错误 {report.errors} 项，警告 {report.warnings} 项 / "
        f"{n} form(s), {report.errors} error(s), {report.warnings} warning(s)"
    )
    if written:
        print(f"核查副本 / annotated copy: {written}")


def cmd_batch(args) -> int:
    import os

    from .batch import exit_code, run_batch

    if not args.output and not args.json:
        raise UsageError("请用 -o 指定汇总工作簿，例如 -o 汇总.xlsx / give the summary workbook with -o")
    if args.output and Path(args.output).suffix.lower() != ".xlsx":
        raise UsageError("汇总工作簿须为 .xlsx / the summary workbook must be an .xlsx file")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs 至少为 1 / --jobs must be at least 1")
    if args.output and any(Path(p).exists() and Path(p).resolve() == Path(args.output).resolve() for p in args.paths):
        raise UsageError("汇总工作簿不能覆盖输入文件 / the summary must not overwrite an input")
    profile = _profile_arg(args.profile)
    doc = run_batch(args.paths, args.output, annotated_dir=args.annotated, jobs=args.jobs or os.cpu_count() or 1,
                    profile=args.profile if profile else None, progress=True, password=args.password)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(f"文件 {doc['files']} 个，表 {doc['forms']} 张，无法读取 {doc['refused']} 个，错误 {doc['errors']} 项，"
              f"警告 {doc['warnings']} 项，跨表不一致 {len(doc['mismatches'])} 项 / {doc['files']} file(s), "
              f"{doc['forms']} form(s), {doc['refused']} refused, {doc['errors']} error(s), {doc['warnings']} warning(s), "
              f"{len(doc['mismatches'])} cross-workbook mismatch(es)")
        if args.output:
            print(f"汇总 / summary: {args.output}")
    if doc["files"] == 0:
        print("没有找到可核查的文件 / no workbook found in the given paths", file=sys.stderr)
    return exit_code(doc)


def cmd_template(args) -> int:
    if args.verify:
        return _template_verify(args)
    for flag, given in (("--fills", args.fills is not None), ("--seed", args.seed is not None), ("--json", args.json)):
        if given:
            raise UsageError(f"{flag} 只能与 --verify 一起使用 / {flag} goes with --verify")
    if not args.profile:
        raise UsageError("请给出配置，可用 perfeval profiles 列出 / give a profile (perfeval profiles lists them)")
    from .write.templates import write_template_for

    profile = _profile_arg(args.profile)
    if not profile.has_template:
        raise UsageError(f"“{profile.id}” 没有配置指标树 (tree)，只能用于核查 / no weight tree in this profile (check only)")
    out = Path(args.output or f"{profile.id}.xlsx")
    write_template_for(profile, out, year=args.year)
    print(f"已生成模板 / template written: {out}")
    return EXIT_OK


def _template_verify(args) -> int:
    """perfeval template --verify: exit 0 when every engine agreed on every cell, 1 otherwise (or when an engine
    could not run)."""
    from .verify import summary_lines, verify

    if args.output or args.year is not None:
        raise UsageError("--verify 不写模板，不能与 -o / --year 同用 / --verify writes no template: drop -o and --year")
    fills = 100 if args.fills is None else args.fills
    if fills < 1:
        raise UsageError("--fills 至少为 1 / --fills must be at least 1")
    profiles = None
    if args.profile:
        profile = _profile_arg(args.profile)
        if not profile.has_template:
            raise UsageError(f"“{profile.id}” 没有配置指标树 (tree)，没有模板可验证 / no weight tree, so no template to verify")
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
        print("全部一致 / no mismatch" if not bad else
              f"发现不一致或无法验证：{len(bad)} 项 / {len(bad)} entr{'y' if len(bad) == 1 else 'ies'} with mismatches or errors")
    return EXIT_FINDINGS if bad else EXIT_OK


def cmd_profiles(args) -> int:
    from .profile import load_profile_file, shipped_profiles

    if args.action == "validate":
        if not args.file:
            raise UsageError("请给出要校验的配置文件 / give the profile file to validate")
        try:
            p = load_profile_file(args.file)
        except ProfileError as e:
            print(str(e), file=sys.stderr)
            return EXIT_REFUSED
        print(f"配置有效 / profile is valid: {p.id} ({p.name})")
        return EXIT_OK
    for p in shipped_profiles().values():
        print(f"{p.id:32} {p.name}")
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
        raise UsageError(f"找不到样例 {sample}（请在源码目录中运行）/ bundled sample not found")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    template = out / "sichuan.project_selfeval.xlsx"
    write_template(get_profile("sichuan.project_selfeval"), template)
    copy = out / sample.name
    shutil.copyfile(sample, copy)
    report = check_file(copy)
    annotated = write_annotated(report, out / f"{sample.stem}_核查.xlsx")
    _print_report(report, annotated)
    print(f"空白模板 / blank template: {template}")
    (out / "report.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
