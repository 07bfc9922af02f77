"""The batch's results as one JSON document and one summary workbook (pandas + xlsxwriter): 汇总 (one row per
form), 问题明细 (every finding, linked to its annotated copy), 无法读取, 跨表不一致 (the same project with different
figures in several files), 按部门 and 分布 (charts), 监控汇总 and 申报汇总 when monitoring or declaration forms are
among them, 未核查文件 (every file found but not checked, and why) and 副本未写出 (checked files whose annotated copy
could not be written, and why). Written to a temporary file beside the output and moved into place only when complete.
"""

from __future__ import annotations

import os
import re
import secrets
from numbers import Real
from pathlib import Path

from ..excelmath import fits_a_cell
from ..messages import SHEET_STATES, SKIP_REASONS
from ..present import FILL_RGB, FONT_RGB, HEADER_FILL_RGB, WHOLE_SHEET, check_title, display_width, hex_colour
from ..profile import kind_label
from ..severity import Severity
from ..values import norm_label
from .collect import Item

UNSPENT_LIMIT = 0.10  # 结余率 above this counts on 按部门
_CODE = re.compile(r"^\s*([0-9A-Za-z]{12,})(?=[\s\-—－_:：、.]|$)")  # 51140022T000000289349-项目名

SUMMARY_COLUMNS = ("单位", "主管部门", "项目", "表种", "预算数", "执行数", "执行率", "自评得分", "复核得分", "等次",
                   "错误数", "警告数", "文件", "工作表", "发件人", "日期", "配置", "隐藏")
FINDING_COLUMNS = ("文件", "工作表", "单元格", "检查项", "检查内容", "严重程度", "填报值", "复核值", "说明", "单位",
                   "项目")
REFUSED_COLUMNS = ("文件", "代码", "原因", "Reason", "发件人", "日期")
MISMATCH_COLUMNS = ("项目编码", "项目", "不一致项", "值", "文件", "工作表", "单位")
SKIPPED_COLUMNS = ("文件", "原因", "Reason", "发件人", "日期")
COPY_FAILED_COLUMNS = ("文件", "原因")
MONITORING_SHEET = "监控汇总"
MONITORING_COLUMNS = ("单位", "主管部门", "项目", "监控月份", "预算数", "1-N月执行数", "执行进度", "时间进度", "进度差",
                      "执行进度滞后", "全年预计执行数", "预计执行率", "错误数", "警告数", "文件", "工作表")


def assemble(items: list[Item], results: list[dict], skipped: list[Item] = ()) -> tuple[dict, dict]:
    """The JSON document and the summary's rows, in input order; `skipped`: the files found but not checked."""
    reports, rows, findings, refused, copy_failed, monitoring = [], [], [], [], [], []
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
        for form, facts in zip(res["report"]["forms"], res["facts"]):
            v, fs = form["values"], form["findings"]
            rows.append({"单位": facts["unit"], "主管部门": facts["department"], "项目": v.get("project"),
                         "表种": kind_label(form["kind"]),
                         "预算数": v.get("budget_adjusted"), "执行数": v.get("budget_executed"),
                         "执行率": v.get("execution_rate"), "自评得分": facts["stated_total"],
                         "复核得分": v.get("total_score"),
                         "等次": v.get("grade"), "错误数": _count(fs, Severity.ERROR),
                         "警告数": _count(fs, Severity.WARNING), "文件": item.display,
                         "工作表": form["sheet"], "发件人": item.sender, "日期": item.date, "配置": form["profile"],
                         "隐藏": _hidden_word(form.get("hidden")), "_stated_rate": facts["stated_rate"]})
            if form["kind"] == "monitoring":
                monitoring.append(monitoring_row(rows[-1], v, fs))
            for f in fs:
                link = (annotated, f["sheet"], (f["cell"] or "A1").split(":")[0]) if annotated else None
                findings.append(((item.display, f["sheet"], f["cell"] or WHOLE_SHEET, f["check"],
                                  check_title(f["check"]), Severity(f["severity"]).label,
                                  f["stated"], f["computed"], f["message"], facts["unit"], v.get("project")), link))
    mismatches = reconcile(rows)
    declarations = declaration_rows(rows, [f for res in results for f in res["report"]["forms"]])
    passed_over = [{"file": i.display, "code": i.skip, "message": " / ".join(SKIP_REASONS[i.skip]),
                    "sender": i.sender, "date": i.date} for i in skipped]
    doc = {"files": len(items), "forms": len(rows), "refused": len(refused),
           "errors": sum(r["错误数"] for r in rows), "warnings": sum(r["警告数"] for r in rows),
           "reports": reports, "mismatches": mismatches, "skipped": passed_over}
    return doc, {"rows": rows, "findings": findings, "refused": refused, "mismatches": mismatches,
                 "declarations": declarations, "monitoring": monitoring,
                 "skipped": [(i.display, *SKIP_REASONS[i.skip], i.sender, i.date) for i in skipped],
                 "copy_failed": copy_failed}


def _hidden_word(state: str | None) -> str | None:
    """'隐藏' / '深度隐藏' for a form on a hidden sheet (checked with --include-hidden); None for a visible one."""
    return SHEET_STATES[state].split("（")[0] if state else None


def monitoring_row(row: dict, v: dict, findings: list[dict]) -> tuple:
    """One line of 监控汇总 (MONITORING_COLUMNS) for a monitoring form: its 汇总 row and its recomputed values."""
    behind = "是" if any(f["check"] == "M03" for f in findings) else None
    return (row["单位"], row["主管部门"], row["项目"], v.get("month"), v.get("budget"), v.get("executed_to_month"),
            v.get("rate_to_month"), v.get("time_progress"), v.get("progress_gap"), behind, v.get("forecast"),
            v.get("forecast_rate"), row["错误数"], row["警告数"], row["文件"], row["工作表"])


def _count(findings: list[dict], severity: Severity) -> int:
    return sum(Severity(f["severity"]) is severity for f in findings)


def project_key(project: str | None, unit: str | None) -> tuple[str, str] | None:
    """(项目编码, '') when the name starts with a code, else ('', unit + normalised name); None without a name."""
    if not project:
        return None
    m = _CODE.match(project)
    if m and sum(ch.isdigit() for ch in m.group(1)) >= 8:
        return m.group(1).upper(), ""
    return "", f"{norm_label(unit)}|{norm_label(project)}"


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
                            "occurrences": [{"file": r["文件"], "sheet": r["工作表"], "unit": r["单位"], "value": x}
                                            for r, x in seen]})
    return out


MAX_ROWS = 1_048_575  # data rows per sheet; more spill onto 问题明细(2), …
MAX_LINKS = 65_530  # Excel's hyperlinks per worksheet
LOW_MEMORY_ROWS = 100_000  # findings above which the summary is streamed to disk


class _Writer:
    """Tables onto xlsxwriter sheets: typed cells, text never a formula, header, filter, frozen row, widths."""

    def __init__(self, book, base: Path):
        self.book, self.base = book, base  # base: the summary's folder, for relative links
        f = book.add_format
        self.fmt = {"text": None, "amount": f({"num_format": "#,##0.00"}), "rate": f({"num_format": "0.00%"}),
                    "score": f({"num_format": "0.00"}), "int": f({"num_format": "0"}),
                    "link": f({"font_color": "blue", "underline": 1})}
        self.header = f({"bold": True, "bg_color": hex_colour(HEADER_FILL_RGB), "border": 1, "text_wrap": True,
                         "valign": "vcenter"})
        self.quoted = f({"quote_prefix": True})  # a leading = + - @ stays text even when the cell is edited
        self.red = f({"bg_color": hex_colour(FILL_RGB[Severity.ERROR]),
                      "font_color": hex_colour(FONT_RGB[Severity.ERROR])})
        self.amber = f({"bg_color": hex_colour(FILL_RGB[Severity.WARNING]),
                        "font_color": hex_colour(FONT_RGB[Severity.WARNING])})

    def put(self, ws, r: int, c: int, v, fmt) -> None:
        t = type(v)
        if t is str:
            s = v[:32_000]
            ws.write_string(r, c, s, self.quoted if s[:1] in "=+-@" else fmt)
        elif v is None or t is float and v != v:
            return
        elif t is bool:
            ws.write_boolean(r, c, v, fmt)
        elif isinstance(v, Real) and fits_a_cell(v):
            ws.write_number(r, c, v, fmt)
        else:
            self.put(ws, r, c, str(v), fmt)

    def table(self, name: str, columns: list[tuple[str, float, str]], rows, links=None, alert: dict | None = None):
        """Write rows (tuples) under `columns` [(header, width, kind)]; `links` gives, per row, (file, sheet, cell)
        for the column headed 单元格 or None. Returns the (last) worksheet."""
        rows = list(rows)
        per_sheet = MAX_LINKS if links else MAX_ROWS
        chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
        link_col = next((i for i, (h, _, _) in enumerate(columns) if h == "单元格"), None)
        for k, chunk in enumerate(chunks):
            ws = self.book.add_worksheet(name if k == 0 else f"{name}({k + 1})")
            for c, (_, width, _) in enumerate(columns):
                ws.set_column(c, c, width)
            ws.write_row(0, 0, [h for h, _, _ in columns], self.header)
            ws.freeze_panes(1, 0)
            kinds = [self.fmt[kind] for _, _, kind in columns]
            for r, row in enumerate(chunk, start=1):
                target = links[k * per_sheet + r - 1] if links else None
                for c, v in enumerate(row):
                    if c == link_col and target is not None and self._link(ws, r, c, target, v):
                        continue
                    self.put(ws, r, c, v, kinds[c])
            ws.autofilter(0, 0, max(len(chunk), 1), len(columns) - 1)
            for col, fmt in (alert or {}).items():
                ws.conditional_format(1, col, max(len(chunk), 1), col,
                                      {"type": "cell", "criteria": ">", "value": 0, "format": fmt})
        return ws

    def _link(self, ws, r, c, target, text) -> bool:
        path, sheet, cell = target
        try:
            rel = os.path.relpath(path, self.base)
        except ValueError:  # another drive
            rel = str(path)
        anchor = "'" + sheet.replace("'", "''") + "'!" + cell
        return ws.write_url(r, c, f"external:{rel}#{anchor}", self.fmt["link"], string=str(text),
                            tip="打开核查副本中的单元格 / open the cell in the annotated copy") == 0


def _bands(values, edges, labels):
    import pandas as pd

    counts = pd.cut(pd.Series(values, dtype="float64").dropna(), edges, labels=labels, right=False).value_counts()
    return [(label, int(counts.get(label, 0))) for label in labels]


SCORE_BANDS = ([float("-inf"), 60, 70, 80, 90, float("inf")], ["<60", "60–70", "70–80", "80–90", "≥90"])
RATE_BANDS = ([float("-inf"), 0.5, 0.7, 0.8, 0.9, 1.0000001, float("inf")],
              ["<50%", "50%–70%", "70%–80%", "80%–90%", "90%–100%", ">100%"])


def write_summary(output: Path, tables: dict) -> Path:
    """The summary workbook, atomically: a temporary file in the output folder, then os.replace. Large batches
    are written row by row to disk (xlsxwriter's constant_memory), small ones in memory (faster)."""
    import pandas as pd

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".~{output.stem}.{secrets.token_hex(4)}.tmp.xlsx")
    try:
        writer = pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True, "constant_memory": len(tables["findings"]) > LOW_MEMORY_ROWS}})
        try:
            _fill(writer.book, tables, output.parent.resolve())
        finally:
            writer.close()
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return output


def _fill(book, tables: dict, base: Path) -> None:
    import pandas as pd

    w = _Writer(book, base)
    T, A, R, S, I = "text", "amount", "rate", "score", "int"  # noqa: E741 - the kinds by initial
    summary = pd.DataFrame(tables["rows"], columns=[*SUMMARY_COLUMNS, "_stated_rate"])
    widths = (24, 24, 40, 16, 12, 12, 9, 9, 9, 6, 7, 7, 40, 18, 24, 17, 26, 9)
    kinds = (T, T, T, T, A, A, R, S, S, T, I, I, T, T, T, T, T, T)
    errors_col = SUMMARY_COLUMNS.index("错误数")
    w.table("汇总", list(zip(SUMMARY_COLUMNS, widths, kinds)),
            summary[list(SUMMARY_COLUMNS)].itertuples(index=False, name=None),
            alert={errors_col: w.red, errors_col + 1: w.amber})

    findings = tables["findings"]
    links = [link for _, link in findings] if any(link for _, link in findings) else None
    w.table("问题明细", list(zip(FINDING_COLUMNS, (40, 18, 9, 7, 14, 8, 12, 12, 70, 24, 40), (T,) * 11)),
            (row for row, _ in findings), links)

    w.table("无法读取", list(zip(REFUSED_COLUMNS, (50, 16, 60, 50, 24, 17), (T,) * 6)), tables["refused"])

    mism = [(m["code"], m["project"], m["field"], o["value"], o["file"], o["sheet"], o["unit"])
            for m in tables["mismatches"] for o in m["occurrences"]]
    w.table("跨表不一致", list(zip(MISMATCH_COLUMNS, (24, 40, 10, 12, 40, 18, 24), (T, T, T, S, T, T, T))), mism)

    w.table("未核查文件", list(zip(SKIPPED_COLUMNS, (50, 40, 40, 24, 17), (T,) * 5)), tables.get("skipped", []))
    w.table("副本未写出", list(zip(COPY_FAILED_COLUMNS, (50, 90), (T, T))), tables.get("copy_failed", []))

    for col in ("预算数", "执行数", "执行率", "复核得分"):
        summary[col] = pd.to_numeric(summary[col], errors="coerce")
    summary["部门"] = summary["主管部门"].fillna(summary["单位"]).fillna("（未填写）")
    summary["_unspent"] = (summary["预算数"] > 0) & ((1 - summary["执行率"]).round(6) > UNSPENT_LIMIT)
    g = summary.groupby(["部门", "表种"], sort=True)  # forms of different kinds never add up together
    dept = pd.DataFrame({"项目数": g.size(), "预算数合计": g["预算数"].sum(min_count=1),
                         "执行数合计": g["执行数"].sum(min_count=1), "结余超10%项目数": g["_unspent"].sum(),
                         "平均复核得分": g["复核得分"].mean(), "错误数": g["错误数"].sum()}).reset_index()
    dept.insert(5, "执行率", dept["执行数合计"] / dept["预算数合计"].where(dept["预算数合计"] > 0))
    dept["平均复核得分"] = dept["平均复核得分"].round(2)
    w.table("按部门", list(zip(dept.columns, (30, 16, 7, 14, 14, 9, 10, 10, 7), (T, T, I, A, A, R, I, S, I))),
            dept.itertuples(index=False, name=None), alert={8: w.red})

    if tables.get("monitoring"):
        _monitoring_sheet(w, tables["monitoring"])

    scores = _bands(summary["复核得分"], *SCORE_BANDS)
    rates = _bands(summary["执行率"], *RATE_BANDS)
    ws = w.table("分布", [("复核得分 / 执行率", 16, T), ("表数", 8, I)],
                 [*scores, ("", None), ("执行率", None), *rates])
    charts = (("复核得分分布", 1, len(scores), "D2"), ("执行率分布", len(scores) + 3, len(rates), "D20"))
    for title, first, n, cell in charts:
        chart = book.add_chart({"type": "column"})
        chart.add_series({"name": title, "categories": [ws.name, first, 0, first + n - 1, 0],
                          "values": [ws.name, first, 1, first + n - 1, 1], "data_labels": {"value": True}})
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "表数"})
        ws.insert_chart(cell, chart)

    if tables.get("declarations"):
        _declaration_sheet(w, tables["declarations"])


# -- 申报汇总: the 绩效目标申报表 forms, one row per project --------------------------------------------------------
DECLARATION_KIND = "declaration"
DECLARATION_HEAD = ("单位", "主管部门", "项目", "年度", "中期资金总额", "年度资金总额")
DECLARATION_TAIL = ("年度三级指标合计", "中期三级指标合计", "指标值未填写", "指标值未量化", "错误数", "警告数", "文件",
                    "工作表")


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
                    "错误数": row["错误数"], "警告数": row["警告数"], "文件": row["文件"], "工作表": row["工作表"]})
    return out


def _declaration_sheet(w: _Writer, declarations: list[dict]) -> None:
    """申报汇总: never added to another kind's totals (its amounts are targets, not spending)."""
    categories = list(dict.fromkeys(k for d in declarations for k in d
                                    if k not in DECLARATION_HEAD and k not in DECLARATION_TAIL))
    columns = [*DECLARATION_HEAD, *categories, *DECLARATION_TAIL]
    kinds = {"中期资金总额": "amount", "年度资金总额": "amount", "年度": "int"}
    widths = {"单位": 24, "主管部门": 24, "项目": 40, "文件": 40, "工作表": 18}
    spec = [(c, widths.get(c, max(8, display_width(c) + 2)), kinds.get(c, "int" if c not in widths else "text"))
            for c in columns]
    missing = columns.index("指标值未填写")
    w.table("申报汇总", spec, ([d.get(c) for c in columns] for d in declarations),
            alert={missing: w.amber, missing + 1: w.amber, missing + 2: w.red, missing + 3: w.amber})


def _monitoring_sheet(w: _Writer, rows: list[tuple]) -> None:
    """监控汇总: one row per monitoring form (budget, 1-N月执行数, 执行进度 against 时间进度, 全年预计) and a
    bar chart of each project's 进度差 (behind in red). Monitoring forms only: never added to a self-evaluation's."""
    T, A, R, I = "text", "amount", "rate", "int"  # noqa: E741
    kinds = (T, T, T, I, A, A, R, R, R, T, A, R, I, I, T, T)
    widths = (24, 24, 40, 8, 12, 12, 9, 9, 9, 8, 12, 9, 7, 7, 40, 18)
    errors = MONITORING_COLUMNS.index("错误数")
    ws = w.table(MONITORING_SHEET, list(zip(MONITORING_COLUMNS, widths, kinds)), rows,
                 alert={errors: w.red, errors + 1: w.amber})
    behind = MONITORING_COLUMNS.index("执行进度滞后")
    ws.conditional_format(1, behind, len(rows), behind,
                          {"type": "cell", "criteria": "==", "value": '"是"', "format": w.amber})
    project, gap = MONITORING_COLUMNS.index("项目"), MONITORING_COLUMNS.index("进度差")
    chart = w.book.add_chart({"type": "bar"})
    chart.add_series({"name": "进度差（执行进度−时间进度）", "categories": [ws.name, 1, project, len(rows), project],
                      "values": [ws.name, 1, gap, len(rows), gap], "data_labels": {"value": True, "num_format": "0.0%"},
                      "fill": {"color": "#4472C4"}, "invert_if_negative": True,
                      "invert_if_negative_color": hex_colour(FONT_RGB[Severity.ERROR])})
    chart.set_title({"name": "各项目执行进度与时间进度之差"})
    chart.set_legend({"none": True})
    chart.set_x_axis({"name": "进度差", "num_format": "0%"})
    chart.set_y_axis({"reverse": True, "label_position": "low", "interval_unit": 1})
    chart.set_size({"width": 720, "height": max(300, min(80 + 26 * len(rows), 6000))})
    ws.insert_chart(1, len(MONITORING_COLUMNS) + 1, chart)
