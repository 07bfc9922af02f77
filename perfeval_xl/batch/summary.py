"""The batch's results as one JSON document and one summary workbook (xlsxwriter), every sheet fit to print: 汇总 (one
row per form, totals per form kind), 问题明细 (every finding, linked to its annotated copy), 无法读取, 跨表不一致 (the
same project with different figures in several files), 按部门 (totals per department and kind), 监控汇总 and
申报汇总 when monitoring or declaration forms are among them, 分布 (score and execution-rate charts), 未核查文件
(files found but not checked, and why) and 副本未写出 (checked files whose annotated copy could not be written, and
why) when there are any. A project submitted more than once is marked 重复提交 and counted once (the latest
submission) in every total and chart. Written to a temporary file beside the output and moved into place only when
complete.
"""

from __future__ import annotations

import math
import os
import secrets
from datetime import date
from numbers import Real
from pathlib import Path

from ..excelmath import dec
from ..messages import SHEET_STATES, SKIP_REASONS, SUMMARY_TEXT
from ..present import FONT_RGB, WHOLE_SHEET, check_title, hex_colour
from ..profile import kind_label, shipped_profiles
from ..severity import Severity
from .collect import Item
from .grouping import MAIL, MODIFIED, ORDER, Submitted, org_name, project_key, resubmissions
from .sheets import (FIRST_ROW, HEADER_ROW, LINE_PT, TITLE_ROW, Banner, Column, SheetWriter, Shown, axis_step,
                     lines_needed)
from .totals import RATE_BANDS, SCORE_BANDS, Figures, bands, grouped

SUMMARY_COLUMNS = ("单位", "主管部门", "项目", "表种", "预算数", "执行数", "执行率", "自评得分", "复核得分", "等次",
                   "错误数", "警告数", "重复提交", "文件", "工作表", "发件人", "日期", "配置", "隐藏")
FINDING_COLUMNS = ("文件", "工作表", "单元格", "检查项", "检查内容", "严重程度", "填报值", "复核值", "说明", "单位",
                   "主管部门", "项目")
REFUSED_COLUMNS = ("文件", "代码", "原因", "Reason", "发件人", "日期")
MISMATCH_COLUMNS = ("项目编码", "项目", "不一致项", "值", "文件", "工作表", "单位", "计入合计")
SKIPPED_COLUMNS = ("文件", "原因", "Reason", "发件人", "日期")
COPY_FAILED_COLUMNS = ("文件", "原因")
DEPARTMENT_COLUMNS = ("部门", "表种", "项目数", "预算数合计", "执行数合计", "执行率", "结余超10%项目数", "平均复核得分",
                      "错误数", "警告数")
MONITORING_SHEET = "监控汇总"
MONITORING_COLUMNS = ("单位", "主管部门", "项目", "监控月份", "预算数", "1-N月执行数", "执行进度", "时间进度", "进度差",
                      "执行进度滞后", "全年预计执行数", "预计执行率", "错误数", "警告数", "文件", "工作表", "重复提交")
T, A, R, S, I, V = "text", "amount", "rate", "score", "int", "value"  # noqa: E741 - the column kinds by initial


def assemble(items: list[Item], results: list[dict], skipped: list[Item] = (),
             profile: str | None = None) -> tuple[dict, dict]:
    """The JSON document and the summary's rows, in input order; `skipped`: the files found but not checked;
    `profile`: the profile the batch was run with, if one was named (its Chinese name goes in 配置)."""
    names = profile_names(profile)
    reports, rows, findings, refused, copy_failed, monitoring, forms = [], [], [], [], [], [], []
    for item, res in zip(items, results):
        annotated = Path(res["annotated"]) if res.get("annotated") else None
        reports.append({**res["report"], "file": item.display, "sender": item.sender, "date": item.date,
                        "annotated": str(annotated) if annotated else None,
                        "annotate_error": res.get("annotate_error")})
        if res.get("annotate_error"):
            copy_failed.append((item.display, res["annotate_error"]))
        if res["refusal"]:
            r = res["refusal"]
            refused.append((item.display, r["code"], r["zh"], r["en"], item.sender, item.date))
        submitted = Submitted.of(item.date, item.modified)
        for form, facts in zip(res["report"]["forms"], res["facts"]):
            v, fs = form["values"], form["findings"]
            project = v.get("project") or facts.get("project")
            row = {"单位": org_name(facts["unit"]), "主管部门": org_name(facts["department"]), "项目": project,
                   "表种": kind_label(form["kind"]),
                   "预算数": v.get("budget_adjusted"), "执行数": v.get("budget_executed"),
                   "执行率": v.get("execution_rate"), "自评得分": facts["stated_total"],
                   "复核得分": v.get("total_score"),
                   "等次": v.get("grade"), "错误数": _count(fs, Severity.ERROR),
                   "警告数": _count(fs, Severity.WARNING), "重复提交": None, "文件": item.display,
                   "工作表": form["sheet"], "发件人": item.sender, "日期": item.date,
                   "配置": names.get(form["profile"], form["profile"]), "隐藏": _hidden_word(form.get("hidden")),
                   "_kind": form["kind"], "_blank": bool(v.get("blank")), "_stated_rate": facts["stated_rate"],
                   "_arrived": v.get("budget_arrived"), "_submitted": submitted, "_counted": True}
            rows.append(row)
            forms.append(form)
            for f in fs:
                link = (annotated, f["sheet"], (f["cell"] or "A1").split(":")[0]) if annotated else None
                findings.append(((item.display, f["sheet"], f["cell"] or WHOLE_SHEET, f["check"],
                                  check_title(f["check"]), Severity(f["severity"]).label,
                                  f["stated"], f["computed"], f["message"], facts["unit"], facts["department"],
                                  project), link))
    resubmitted = mark_resubmissions(rows)
    monitoring = [(monitoring_row(row, form["values"], form["findings"]), row["_counted"])
                  for row, form in zip(rows, forms) if form["kind"] == "monitoring"]
    mismatches = reconcile(rows)
    declarations = declaration_rows(rows, forms)
    passed_over = [{"file": i.display, "code": i.skip, "message": " / ".join(SKIP_REASONS[i.skip]),
                    "sender": i.sender, "date": i.date} for i in skipped]
    doc = {"files": len(items), "forms": len(rows), "refused": len(refused),
           "errors": sum(r["错误数"] for r in rows), "warnings": sum(r["警告数"] for r in rows),
           "reports": reports, "mismatches": mismatches, "resubmitted": resubmitted, "skipped": passed_over}
    counts = {"files": doc["files"], "forms": doc["forms"], "refused": doc["refused"], "errors": doc["errors"],
              "warnings": doc["warnings"], "dropped": sum(len(x["dropped"]) for x in resubmitted)}
    return doc, {"rows": rows, "findings": findings, "refused": refused, "mismatches": mismatches,
                 "declarations": declarations, "monitoring": monitoring,
                 "skipped": [(i.display, *SKIP_REASONS[i.skip], i.sender, i.date) for i in skipped],
                 "copy_failed": copy_failed, "counts": counts}


def profile_names(profile: str | None = None) -> dict[str, str]:
    """Profile id -> its Chinese name: the shipped profiles, and the one the batch was run with."""
    names = {p.id: p.name for p in shipped_profiles().values()}
    if profile:
        from .workers import load_profile

        p = load_profile(profile)
        names[p.id] = p.name
    return names


def _hidden_word(state: str | None) -> str | None:
    """'隐藏' / '深度隐藏' for a form on a hidden sheet (checked with --include-hidden); None for a visible one."""
    return SHEET_STATES[state].split("（")[0] if state else None


def _count(findings: list[dict], severity: Severity) -> int:
    return sum(Severity(f["severity"]) is severity for f in findings)


def _file_name(display: str) -> str:
    """A display path without its folders: 'inbox/a/b.xlsx' -> 'b.xlsx', 'inbox/1.eml!/b.xlsx' -> '1.eml!/b.xlsx'."""
    outer, sep, inner = display.replace("\\", "/").partition("!/")
    return outer.rsplit("/", 1)[-1] + sep + inner


def mark_resubmissions(rows: list[dict]) -> list[dict]:
    """Fill 重复提交 and `_counted` on the forms of a project (one kind) present more than once: the latest counts
    (by e-mail date, else file modification time, else the last in summary order). Returns the JSON entries."""
    out = []
    names = [_file_name(r["文件"]) for r in rows]
    files: dict[str, set] = {}
    for r, n in zip(rows, names):
        files.setdefault(n, set()).add(r["文件"])
    shared = {n for n, displays in files.items() if len(displays) > 1}  # named by their whole path
    for group in resubmissions([(r["_kind"], project_key(r["项目"], r["单位"] or r["主管部门"]), r["_submitted"])
                                for r in rows]):
        kept = rows[group.kept]
        n = 1 + len(group.dropped)
        if group.basis in (MAIL, MODIFIED):
            kept["重复提交"] = SUMMARY_TEXT["kept_latest"].format(
                n=n, basis=SUMMARY_TEXT[f"basis.{group.basis}"], at=kept["_submitted"].shown())
        else:
            known = all(rows[i]["_submitted"].at for i in (group.kept, *group.dropped))
            why = SUMMARY_TEXT["kept_last.tie" if known else "kept_last.unknown"]
            kept["重复提交"] = SUMMARY_TEXT["kept_last"].format(n=n, why=why)
        for i in group.dropped:
            row, when = rows[i], rows[i]["_submitted"]
            row["_counted"] = False
            name = names[group.kept]
            where = {"file": kept["文件"] if name in shared else name, "sheet": kept["工作表"]}
            if group.basis is not ORDER and when.at is not None:
                row["重复提交"] = SUMMARY_TEXT["dropped_earlier"].format(
                    basis=SUMMARY_TEXT[f"basis.{when.basis}"], at=when.shown(), **where)
            else:
                row["重复提交"] = SUMMARY_TEXT["dropped_before"].format(**where)

        def entry(row: dict) -> dict:
            s = row["_submitted"]
            return {"file": row["文件"], "sheet": row["工作表"], "submitted": s.at.isoformat() if s.at else None,
                    "submitted_by": s.basis}

        code, _ = group.key[1]
        out.append({"kind": group.key[0], "code": code or None, "project": kept["项目"], "unit": kept["单位"],
                    "kept": entry(kept), "dropped": [entry(rows[i]) for i in group.dropped], "by": group.basis})
    return out


def monitoring_row(row: dict, v: dict, findings: list[dict]) -> tuple:
    """One line of 监控汇总 (MONITORING_COLUMNS) for a monitoring form: its 汇总 row and its recomputed values."""
    behind = "是" if any(f["check"] == "M03" for f in findings) else None
    return (row["单位"], row["主管部门"], row["项目"], v.get("month"), v.get("budget"), v.get("executed_to_month"),
            v.get("rate_to_month"), v.get("time_progress"), v.get("progress_gap"), behind, v.get("forecast"),
            v.get("forecast_rate"), row["错误数"], row["警告数"], row["文件"], row["工作表"], row["重复提交"])


COMPARED = (("预算数", "预算数", 2), ("执行数", "执行数", 2), ("执行率", "_stated_rate", 4),
            ("自评得分", "自评得分", 2))


def reconcile(rows: list[dict]) -> list[dict]:
    """The same project in several files or sheets with different figures: one entry per project and figure."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        key = project_key(row["项目"], row["单位"] or row["主管部门"])
        if key is not None:
            groups.setdefault(key, []).append(row)
    out = []
    for key, group in groups.items():
        if len(group) < 2:
            continue
        for label, column, digits in COMPARED:
            seen = [(r, r[column]) for r in group if isinstance(r[column], Real)]
            if len({round(x, digits) for _, x in seen}) > 1:
                out.append({"code": key[0] or None, "project": group[0]["项目"], "field": label,
                            "occurrences": [{"file": r["文件"], "sheet": r["工作表"], "unit": r["单位"], "value": x,
                                             "counted": r["_counted"]} for r, x in seen]})
    return out


LOW_MEMORY_ROWS = 100_000  # findings above which the summary is streamed to disk


def write_summary(output: Path, tables: dict, title: str | None = None) -> Path:
    """The summary workbook, atomically: a temporary file in the output folder, then os.replace. Large batches
    are written row by row to disk (xlsxwriter's constant_memory), small ones in memory (faster). `title`: the
    batch's name on every sheet and printed page (default: the output's file name)."""
    import xlsxwriter

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".~{output.stem}.{secrets.token_hex(4)}.tmp.xlsx")
    banner = Banner(title or output.stem, _banner_counts(tables["counts"]))
    try:
        book = xlsxwriter.Workbook(str(tmp), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True, "constant_memory": len(tables["findings"]) > LOW_MEMORY_ROWS})
        try:
            _fill(book, tables, output.parent.resolve(), banner)
        finally:
            book.close()
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return output


def _banner_counts(counts: dict) -> dict:
    dropped = counts["dropped"]
    return {"date": date.today().isoformat(), "files": counts["files"], "forms": counts["forms"],
            "resubmitted": SUMMARY_TEXT["title_resubmitted"].format(n=dropped) if dropped else "",
            "refused": counts["refused"], "errors": counts["errors"], "warnings": counts["warnings"]}


def _fill(book, tables: dict, base: Path, banner: Banner) -> None:
    w = SheetWriter(book, base, banner)
    rows = tables["rows"]
    _summary_sheet(w, rows)

    findings = tables["findings"]
    links = [link for _, link in findings] if any(link for _, link in findings) else None
    widths = (24, 10, 6, 5, 10, 5, 9, 9, 36, 11, 11, 16)
    kinds = (T, T, T, T, T, T, V, V, T, T, T, T)
    short = {"检查项", "严重程度"}  # C08; 错误 (单元格 may say （整表）)
    w.table("问题明细", [Column(h, wd, k, short=h in short) for h, wd, k in zip(FINDING_COLUMNS, widths, kinds)],
            (row for row, _ in findings), links, empty=SUMMARY_TEXT["none.findings"])

    w.table("无法读取", [Column(h, wd, T, opt) for h, wd, opt in
                     zip(REFUSED_COLUMNS, (34, 12, 48, 40, 16, 12), (False,) * 4 + (True,) * 2)], tables["refused"],
            empty=SUMMARY_TEXT["none.refused"])

    mism = [(m["code"], m["project"], m["field"], Shown(o["value"], R if m["field"] == "执行率" else S), o["file"],
             o["sheet"], o["unit"], SUMMARY_TEXT["counted" if o["counted"] else "not_counted"])
            for m in tables["mismatches"] for o in m["occurrences"]]
    w.table("跨表不一致", [Column(h, wd, k) for h, wd, k in
                      zip(MISMATCH_COLUMNS, (22, 26, 8, 10, 30, 10, 16, 13), (T, T, T, S, T, T, T, T))], mism,
            empty=SUMMARY_TEXT["none.mismatches"])

    _department_sheet(w, rows)
    if tables.get("monitoring"):
        _monitoring_sheet(w, tables["monitoring"])
    _distribution_sheet(w, rows)
    if tables.get("declarations"):
        _declaration_sheet(w, tables["declarations"])
    if tables.get("skipped"):
        w.table("未核查文件", [Column(h, wd, T, opt) for h, wd, opt in
                          zip(SKIPPED_COLUMNS, (40, 44, 36, 16, 12), (False,) * 3 + (True,) * 2)], tables["skipped"])
    if tables.get("copy_failed"):
        w.table("副本未写出", [Column(h, wd) for h, wd in zip(COPY_FAILED_COLUMNS, (50, 90))], tables["copy_failed"])


def _figures(row: dict) -> Figures:
    return Figures.of(row["预算数"], row["执行数"], row["_arrived"], row["执行率"], row["复核得分"], row["错误数"],
                      row["警告数"])


# -- 汇总 ----------------------------------------------------------------------------------------------------------
def _summary_sheet(w: SheetWriter, rows: list[dict]) -> None:
    """One row per form; under them a totals row per form kind over the counted forms."""
    widths = (12, 12, 22, 9, 10, 10, 7.5, 6, 6, 4.5, 5, 5, 16, 20, 9, 14, 11, 12, 5)
    kinds = (T, T, T, T, A, A, R, S, S, T, I, I, T, T, T, T, T, T, T)
    optional, short = {"重复提交", "发件人", "日期", "隐藏"}, {"等次", "隐藏"}
    columns = [Column(h, wd, k, h in optional, h in short) for h, wd, k in zip(SUMMARY_COLUMNS, widths, kinds)]
    by_kind = grouped((r["表种"], _figures(r)) for r in rows if r["_counted"])
    dropped = {}
    for r in rows:
        if not r["_counted"]:
            dropped[r["表种"]] = dropped.get(r["表种"], 0) + 1
    totals = []
    for kind, t in by_kind.items():
        x = t.plain()
        forms = (SUMMARY_TEXT["total_forms_resubmitted"].format(n=x["forms"], dropped=dropped[kind])
                 if kind in dropped else SUMMARY_TEXT["total_forms"].format(n=x["forms"]))
        totals.append((SUMMARY_TEXT["total"], None, forms, kind, x["budget"], x["executed"], x["rate"], None, None,
                       None, x["errors"], x["warnings"], *(None,) * 7))
    errors = SUMMARY_COLUMNS.index("错误数")
    w.table("汇总", columns, ([r[c] for c in SUMMARY_COLUMNS] for r in rows),
            alert={errors: w.red, errors + 1: w.amber}, totals=totals)


# -- 按部门 ---------------------------------------------------------------------------------------------------------
def department_of(row: dict) -> str:
    """The name a form is grouped under: its 主管部门, else its 单位 (both normalised), else （未填写）."""
    return row["主管部门"] or row["单位"] or SUMMARY_TEXT["unnamed_department"]


def _department_sheet(w: SheetWriter, rows: list[dict]) -> None:
    """Totals per department and kind over the counted forms (kinds never add up together), then per kind."""
    counted = [r for r in rows if r["_counted"]]
    by_dept = grouped(sorted((((department_of(r), r["表种"]), _figures(r)) for r in counted), key=lambda x: x[0]))
    by_kind = grouped((r["表种"], _figures(r)) for r in counted)

    def line(first, kind, t):
        x = t.plain()
        return (first, kind, x["forms"], x["budget"], x["executed"], x["rate"], x["unspent"], x["average_score"],
                x["errors"], x["warnings"])

    widths = (24, 12, 6, 11, 11, 8, 9, 8, 6, 6)
    kinds = (T, T, I, A, A, R, I, S, I, I)
    w.table("按部门", [Column(h, wd, k) for h, wd, k in zip(DEPARTMENT_COLUMNS, widths, kinds)],
            [line(d, k, t) for (d, k), t in by_dept.items()], alert={8: w.red},
            totals=[line(SUMMARY_TEXT["total"], k, t) for k, t in by_kind.items()])


# -- 分布 ----------------------------------------------------------------------------------------------------------
DISTRIBUTION_SHEET = "分布"
CHART_PX = (500, 330)
BLOCK_ROWS = 20  # each band table and its chart: one printed page


def _left_out(rows: list[dict], key: str, note: str) -> str | None:
    """The sentence saying how many counted forms have no `key` figure, by kind (blank forms apart)."""
    missing = [r for r in rows if not _is_number(r[key])]
    if not missing:
        return None
    by_kind: dict[str, int] = {}
    blank = 0
    for r in missing:
        if r["_blank"]:
            blank += 1
        else:
            by_kind[r["表种"]] = by_kind.get(r["表种"], 0) + 1
    parts = [SUMMARY_TEXT["kind_count"].format(kind=k, n=n) for k, n in by_kind.items()]
    if blank:
        parts.append(SUMMARY_TEXT["blank_forms"].format(n=blank))
    return SUMMARY_TEXT[note].format(n=len(missing), kinds="、".join(parts))


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and not (isinstance(v, float) and v != v)


def _distribution_sheet(w: SheetWriter, rows: list[dict]) -> None:
    """复核得分 and 执行率 of the counted forms in bands, each table with its chart on one printed page: every
    counted form with the figure is in its chart (a project submitted twice once); the forms without it are named
    under the table."""
    counted = [r for r in rows if r["_counted"]]
    scores = [dec(r["复核得分"]) for r in counted if _is_number(r["复核得分"])]
    rates = [dec(r["执行率"]) for r in counted if _is_number(r["执行率"])]
    blocks = (("复核得分", bands(scores, *SCORE_BANDS), SUMMARY_TEXT["scores_chart"].format(n=len(scores)),
               _left_out(counted, "复核得分", "scores_left_out")),
              ("执行率", bands(rates, *RATE_BANDS), SUMMARY_TEXT["rates_chart"].format(n=len(rates)),
               _left_out(counted, "执行率", "rates_left_out")))
    widths = [14, 8, 2] + [8.43] * 8
    ws = w.sheet(DISTRIBUTION_SHEET, widths, repeat=TITLE_ROW, scale=100)
    for c, wd in enumerate(widths):
        ws.set_column(c, c, wd)
    breaks = []
    for b, (label, counts, title, note) in enumerate(blocks):
        top = HEADER_ROW + b * BLOCK_ROWS
        if b:
            breaks.append(top)
        ws.write_row(top, 0, [label, SUMMARY_TEXT["forms_axis"]], w.header)
        for i, (band, n) in enumerate(counts, start=top + 1):
            w.put(ws, i, 0, band, w.fmt["text"])
            w.put(ws, i, 1, n, w.fmt["int"])
        end = top + len(counts)
        w.put(ws, end + 1, 0, SUMMARY_TEXT["total"], w.bold["text"], bold=True)
        w.put(ws, end + 1, 1, sum(n for _, n in counts), w.bold["int"], bold=True)
        if note:
            ws.set_row(top + BLOCK_ROWS - 2, lines_needed(note, sum(widths)) * LINE_PT + 3)
            ws.merge_range(top + BLOCK_ROWS - 2, 0, top + BLOCK_ROWS - 2, len(widths) - 1, note, w.note)
        chart = w.book.add_chart({"type": "column"})
        chart.add_series({"name": title, "categories": [ws.name, top + 1, 0, end, 0],
                          "values": [ws.name, top + 1, 1, end, 1], "data_labels": {"value": True},
                          "fill": {"color": "#4472C4"}, "gap": 60})
        chart.set_title({"name": title, "name_font": {"size": 12}})
        chart.set_legend({"none": True})
        most = max((n for _, n in counts), default=0)
        step = axis_step(max(most, 1))
        chart.set_y_axis({"name": SUMMARY_TEXT["forms_axis"], "min": 0, "max": step * max(1, math.ceil(most / step)),
                          "major_unit": step, "num_format": "0", "major_gridlines": {"visible": True}})
        chart.set_x_axis({"name": label})
        chart.set_size({"width": CHART_PX[0], "height": CHART_PX[1]})
        ws.insert_chart(top, 3, chart, {"object_position": 3, "y_offset": 6})
    ws.set_h_pagebreaks(breaks)


# -- 监控汇总 and 监控图表 ------------------------------------------------------------------------------------------
MONITORING_CHARTS = "监控图表"
MONITORING_PER_CHART = 25  # projects per bar chart: one printed page each
BAR_PX = 20


def _monitoring_sheet(w: SheetWriter, lines: list[tuple[tuple, bool]]) -> None:
    """监控汇总: one row per monitoring form (budget, 1-N月执行数, 执行进度 against 时间进度, 全年预计), the forms a
    later submission replaced last; 监控图表: bar charts of each counted project's 进度差 (behind in red), 25
    projects a printed page. Monitoring forms only: never added to a self-evaluation's. `lines`: (row, counted)."""
    counted = [r for r, c in lines if c]
    rows = counted + [r for r, c in lines if not c]
    kinds = (T, T, T, I, A, A, R, R, R, T, A, R, I, I, T, T, T)
    widths = (12, 12, 20, 5, 10, 10, 7.5, 7.5, 7.5, 6, 10, 7.5, 5, 5, 18, 9, 14)
    errors = MONITORING_COLUMNS.index("错误数")
    columns = [Column(h, wd, k, h == "重复提交") for h, wd, k in zip(MONITORING_COLUMNS, widths, kinds)]
    ws = w.table(MONITORING_SHEET, columns, rows, alert={errors: w.red, errors + 1: w.amber})
    behind = MONITORING_COLUMNS.index("执行进度滞后")
    ws.conditional_format(FIRST_ROW, behind, FIRST_ROW + max(len(rows), 1) - 1, behind,
                          {"type": "cell", "criteria": "==", "value": '"是"', "format": w.amber})
    _monitoring_charts(w, ws.name, len(counted))


def _monitoring_charts(w: SheetWriter, data: str, n: int) -> None:
    """The 进度差 of the first `n` rows of 监控汇总 as bar charts, each on a printed page of its own."""
    widths = [8.43] * 11
    ws = w.sheet(MONITORING_CHARTS, widths, repeat=TITLE_ROW, scale=100)
    project, gap = MONITORING_COLUMNS.index("项目"), MONITORING_COLUMNS.index("进度差")
    block = math.ceil((90 + BAR_PX * MONITORING_PER_CHART) / 20) + 2
    breaks = []
    for k, first in enumerate(range(0, n, MONITORING_PER_CHART)):
        last = min(first + MONITORING_PER_CHART, n)
        chart = w.book.add_chart({"type": "bar"})
        chart.add_series({"name": SUMMARY_TEXT["monitoring_gap"],
                          "categories": [data, FIRST_ROW + first, project, FIRST_ROW + last - 1, project],
                          "values": [data, FIRST_ROW + first, gap, FIRST_ROW + last - 1, gap],
                          "data_labels": {"value": True, "num_format": "0.0%"}, "fill": {"color": "#4472C4"},
                          "invert_if_negative": True,
                          "invert_if_negative_color": hex_colour(FONT_RGB[Severity.ERROR])})
        name = (SUMMARY_TEXT["monitoring_chart"] if n <= MONITORING_PER_CHART else
                SUMMARY_TEXT["monitoring_chart_part"].format(first=first + 1, last=last))
        chart.set_title({"name": name, "name_font": {"size": 12}})
        chart.set_legend({"none": True})
        chart.set_x_axis({"name": SUMMARY_TEXT["monitoring_gap"], "num_format": "0%"})
        chart.set_y_axis({"reverse": True, "label_position": "low", "interval_unit": 1})
        chart.set_size({"width": 680, "height": 90 + BAR_PX * (last - first)})
        top = 1 + k * block
        if k:
            breaks.append(top)
        ws.insert_chart(top, 0, chart, {"object_position": 3, "y_offset": 6})
    ws.set_h_pagebreaks(breaks)


# -- 申报汇总: the 绩效目标申报表 forms, one row per project --------------------------------------------------------
DECLARATION_KIND = "declaration"
DECLARATION_HEAD = ("单位", "主管部门", "项目", "年度", "中期资金总额", "年度资金总额")
DECLARATION_TAIL = ("年度三级指标合计", "中期三级指标合计", "指标值未填写", "指标值未量化", "错误数", "警告数", "文件",
                    "工作表", "重复提交")


def declaration_rows(rows: list[dict], forms: list[dict]) -> list[dict]:
    """One row per 申报表 (`rows` and `forms` in the same order, one per form): its amounts, its 年度 三级 indicators
    counted per 一级 category (in the order the profiles list them), the indicators without a 指标值 or a measure."""
    out = []
    for row, form in zip(rows, forms):
        if form["kind"] != DECLARATION_KIND or form["values"].get("blank"):
            continue
        v = form["values"]
        counts = v.get("indicator_counts") or {}
        out.append({"单位": row["单位"], "主管部门": row["主管部门"], "项目": row["项目"], "年度": v.get("year"),
                    "中期资金总额": v.get("medium_total"), "年度资金总额": v.get("annual_total"),
                    **{f"年度{k}": n for k, n in (counts.get("annual") or {}).items()},
                    "年度三级指标合计": sum((counts.get("annual") or {}).values()),
                    "中期三级指标合计": sum(counts["medium"].values()) if "medium" in counts else None,
                    "指标值未填写": v.get("missing_targets"), "指标值未量化": v.get("unquantified"),
                    "错误数": row["错误数"], "警告数": row["警告数"], "文件": row["文件"], "工作表": row["工作表"],
                    "重复提交": row["重复提交"]})
    return out


def _declaration_sheet(w: SheetWriter, declarations: list[dict]) -> None:
    """申报汇总: never added to another kind's totals (its amounts are targets, not spending)."""
    categories = list(dict.fromkeys(k for d in declarations for k in d
                                    if k not in DECLARATION_HEAD and k not in DECLARATION_TAIL))
    columns = [*DECLARATION_HEAD, *categories, *DECLARATION_TAIL]
    kinds = {"中期资金总额": A, "年度资金总额": A, "年度": I}
    widths = {"单位": 12, "主管部门": 12, "项目": 20, "文件": 18, "工作表": 9, "重复提交": 14, "中期资金总额": 10,
              "年度资金总额": 10}
    spec = [Column(c, widths.get(c, 6.5), kinds.get(c, T if c in widths else I), c == "重复提交") for c in columns]
    missing = columns.index("指标值未填写")
    w.table("申报汇总", spec, ([d.get(c) for c in columns] for d in declarations),
            alert={missing: w.amber, missing + 1: w.amber, missing + 2: w.red, missing + 3: w.amber})

