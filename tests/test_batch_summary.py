"""The batch summary as a reviewer prints and hands it up: every sheet set up for landscape A4 with its title row,
repeated header and page numbers; totals rows (money summed exactly, rates recomputed from the sums); a project sent
twice flagged and counted once (the latest submission); departments grouped by their normalised name; charts that
count every counted form with the figure, on whole pages, with whole-number axes; 单位 and 项目 of framework forms."""

import email.message
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from framework_layouts import CASES, _edits, insert
from monitoring_books import monitoring_book
from perfeval_xl.api import check_file
from perfeval_xl.batch import run_batch, workers
from perfeval_xl.batch.grouping import MAIL, MODIFIED, ORDER, Submitted, org_name, project_key, resubmissions
from perfeval_xl.batch.sheets import LINE_PT, axis_step, lines_needed, text_width
from perfeval_xl.batch.totals import RATE_BANDS, SCORE_BANDS, Figures, Totals, bands
from perfeval_xl.profile import get_profile
from perfeval_xl.write.template import write_template
from sample_data import build
from sample_data.seed004 import FORMS

BY_SLUG = {f["slug"]: f for f in FORMS}
T0 = 1_700_000_000  # the older copy's modification time
TITLE = "2023年度项目自评复核"
CODE_04, CODE_05, CODE_10 = "51140022T000000289349", "51140022T000000289351", "51140023T000007858825"
MEISHAN = "眉山市政务服务管理局"


# -- names, keys, who counts: pure ----------------------------------------------------------------------------------
def test_department_names_are_grouped_without_suffix_spacing_width_or_code():
    for typed in ("眉山市政务服务管理局(部门)", "眉山市政务服务管理局（部门）", "眉山市政务服务管理局(本级)",
                  "眉山市政务服务管理局（本级）", "眉山市 政务服务管理局", " 眉山市政务服务管理局本级",
                  "眉山市政务服务管理局"):
        assert org_name(typed) == MEISHAN, typed
    assert org_name("[105]教育部") == "教育部"
    assert org_name("北京大学（医学部）") == "北京大学(医学部)"  # a name's own brackets stay
    assert org_name("（部门）") == "(部门)"  # nothing but a suffix: kept, not emptied
    assert org_name("  ") is None and org_name(None) is None


def test_a_project_is_known_by_its_code_else_by_unit_and_name():
    assert project_key("51140022T000000289349-“一窗进出”改革", "甲单位") == (CODE_04, "")
    assert project_key("“一窗进出”改革", "眉山市政务服务管理局（本级）") == ("", f"{MEISHAN}|“一窗进出”改革")
    assert project_key("“一窗进出” 改革", "眉山市 政务服务管理局") == ("", f"{MEISHAN}|“一窗进出”改革")
    assert project_key(None, MEISHAN) is None


def _at(text):
    return datetime.fromisoformat(text)


def test_the_latest_submission_counts_by_mail_date_else_modification_time_else_order():
    mailed = [Submitted(_at("2024-06-02 10:00+08:00"), MAIL), Submitted(_at("2024-06-01 09:00+08:00"), MAIL)]
    saved = [Submitted(_at("2024-06-01 08:00+08:00"), MODIFIED), Submitted(_at("2024-06-01 07:00+08:00"), MODIFIED)]
    same, unknown = Submitted(_at("2024-06-01 08:00+08:00"), MODIFIED), Submitted(None, ORDER)
    forms = [("project_selfeval", ("A", ""), mailed[0]), ("project_selfeval", ("A", ""), mailed[1]),  # 0 wins
             ("project_selfeval", ("B", ""), saved[0]), ("project_selfeval", ("B", ""), saved[1]),  # 2 wins
             ("project_selfeval", ("C", ""), same), ("project_selfeval", ("C", ""), same),  # a tie: 5
             ("project_selfeval", ("D", ""), saved[0]), ("project_selfeval", ("D", ""), unknown),  # unknown: 7
             ("monitoring", ("A", ""), mailed[1]),  # another kind: never a resubmission of a self-evaluation
             ("project_selfeval", None, unknown), ("project_selfeval", None, unknown)]  # no project: no key
    got = [(g.key, g.kept, g.dropped, g.basis) for g in resubmissions(forms)]
    assert got == [(("project_selfeval", ("A", "")), 0, [1], MAIL), (("project_selfeval", ("B", "")), 2, [3], MODIFIED),
                   (("project_selfeval", ("C", "")), 5, [4], ORDER), (("project_selfeval", ("D", "")), 7, [6], ORDER)]


def test_a_submission_time_is_the_mail_date_else_the_file_time_to_the_second():
    assert Submitted.of("2024-05-31 09:30+08:00", T0) == Submitted(_at("2024-05-31 09:30+08:00"), MAIL)
    assert Submitted.of("Friday morning", T0 + 0.7) == Submitted(datetime.fromtimestamp(T0).astimezone(), MODIFIED)
    assert Submitted.of(None, None) == Submitted(None, ORDER)
    assert Submitted(_at("2024-05-31 09:30:05+08:00"), MAIL).shown() == "2024-05-31 09:30:05"


def test_totals_add_money_exactly_and_recompute_the_rate_from_the_sums():
    t = Totals()
    t.add(Figures.of(0.1, 0.05, None, 0.5, 80, 1, 2))
    t.add(Figures.of(0.2, 0.2, None, 1, 90.25, 0, 1))
    t.add(Figures.of(None, None, None, None, None, 2, 0))  # a form without figures: counted, adds nothing
    assert t.plain() == {"forms": 3, "budget": 0.3, "executed": 0.25, "rate": 0.8333, "unspent": 1,
                         "average_score": 85.13, "errors": 3, "warnings": 3}  # not (0.5 + 1) / 2 = 0.75
    arrived = Totals()  # a framework measuring execution against 实际到位数
    arrived.add(Figures.of(500, 405, 450, 0.9, 95, 0, 0))
    arrived.add(Figures.of(100, 50, None, 0.5, None, 0, 0))
    assert (arrived.budget, arrived.executed, arrived.rate) == (Decimal(600), Decimal(455), Decimal("0.8273"))
    assert Totals().plain()["rate"] is None and Totals().average_score is None


def test_bands_keep_exactly_100_percent_below_the_top_band():
    rates = [Decimal(x) for x in ("0", "0.4999", "0.5", "0.8999", "0.9", "1", "1.0001", "-0.2")]
    assert bands(rates, *RATE_BANDS) == [("<50%", 3), ("50%–70%", 1), ("70%–80%", 0), ("80%–90%", 1),
                                         ("90%–100%", 2), (">100%", 1)]
    assert bands([Decimal(x) for x in ("59.99", "60", "90", "100")], *SCORE_BANDS) == [
        ("<60", 1), ("60–70", 1), ("70–80", 0), ("80–90", 0), ("≥90", 2)]


def test_count_axes_step_by_whole_numbers():
    assert [axis_step(n) for n in (1, 3, 10, 11, 20, 21, 50, 51, 150, 1000)] == [1, 1, 1, 2, 2, 5, 5, 10, 20, 100]


def test_wrapped_text_takes_as_many_lines_as_its_width_needs():
    assert text_width("abc") == pytest.approx(3.3) and text_width("眉山") == pytest.approx(3.6)
    assert lines_needed("短", 10) == 1
    assert lines_needed("“完成12345政务热线服务平台运营维护”的指标性质未填写。", 36) == 2
    assert lines_needed("第一行\n第二行", 36) == 2


# -- a realistic inbox ----------------------------------------------------------------------------------------------
def _form(path, slug, n=1, overrides=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    return build.build_workbook(path, [BY_SLUG[slug]] * n, overrides=overrides)


def _mail(path, attachment, when):
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Date"], msg["Subject"] = "王五 <wangwu@example.cn>", "jxk@example.cn", when, "自评表"
    msg.set_content("附件为自评表。")
    msg.add_attachment(attachment.read_bytes(), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="05自评表.xlsx")
    path.write_bytes(bytes(msg))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """04 twice (the newer file first in order, a different 执行数 in the older), 10 twice in one workbook, 05 mailed
    twice (the later mail first in order), 11 and 12 under spellings of 眉山's department, two frameworks (五华 with
    its header lines, 寻甸 without funds) and a blank template."""
    root = tmp_path_factory.mktemp("summary")
    box = root / "inbox"
    _form(box / "a" / "04.xlsx", "04_window_outsourcing")
    _form(box / "z" / "04_again.xlsx", "04_window_outsourcing",
          overrides={("budget", 0, "executed"): "150.00", ("budget", 1, "executed"): "150.00"})
    os.utime(box / "a" / "04.xlsx", (T0 + 3600, T0 + 3600))
    os.utime(box / "z" / "04_again.xlsx", (T0, T0))
    _form(box / "b" / "11.xlsx", "11_circuit_services", overrides={("department",): "眉山市政务服务管理局（本级）"})
    _form(box / "b" / "12.xlsx", "12_office_repair", overrides={("department",): "眉山市 政务服务管理局"})
    _form(box / "c" / "10_twice.xlsx", "10_procurement_review_fees", n=2)
    five = _form(root / "src" / "05.xlsx", "05_one_window_network")
    (box / "d").mkdir()
    _mail(box / "d" / "1.eml", five, "Sun, 02 Jun 2024 10:00:00 +0800")
    _mail(box / "d" / "2.eml", five, "Sat, 01 Jun 2024 09:00:00 +0800")
    (box / "e").mkdir()
    CASES["funds_wuhua"].build(box / "e" / "wuhua.xlsx")
    CASES["seed_xundian"].build(box / "e" / "xundian.xlsx")
    write_template(get_profile("sichuan.project_selfeval"), box / "e" / "blank.xlsx")
    out = root / "out" / "汇总.xlsx"
    doc = run_batch([str(box)], out, jobs=1, title=TITLE)
    return doc, out, box


def _rows(ws, width=None):
    """The table under the title and header rows, totals rows apart: (header, rows, totals)."""
    header = [c.value for c in ws[2]][:width]
    rows, totals = [], []
    for row in ws.iter_rows(min_row=3, max_col=width or ws.max_column, values_only=True):
        (totals if row[0] == "合计" else rows).append(dict(zip(header, row)))
    return header, rows, totals


@pytest.mark.slow
def test_every_sheet_prints_landscape_a4_with_its_title_repeated_header_and_page_numbers(inbox):
    _, out, _ = inbox
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "问题明细", "无法读取", "跨表不一致", "按部门", "分布"]
    for ws in wb:
        ps, m = ws.page_setup, ws.page_margins
        assert (ps.orientation, int(ps.paperSize)) == ("landscape", 9), ws.title
        assert (m.left, m.right, m.top, m.bottom, m.header, m.footer) == (0.6, 0.6, 0.75, 0.75, 0.3, 0.3)
        assert (ws.oddHeader.left.text, ws.oddHeader.right.text) == (TITLE, "&A")  # the batch, the sheet
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.print_options.horizontalCentered
        assert ws["A1"].value.startswith(f"{TITLE}　{ws.title}　　生成日期 {date.today().isoformat()}　")
        assert ws["A1"].font.b
        if ws.title == "分布":  # charts: printed at 100 %, a page per chart (manual breaks; Fit To ignores them)
            assert not ws.sheet_properties.pageSetUpPr.fitToPage and ps.scale in (None, 100)
            assert [b.id for b in ws.row_breaks.brk] == [21] and ws.print_title_rows == "$1:$1"
        else:  # tables: as many pages tall as needed, one wide; the header row on every page
            assert ws.sheet_properties.pageSetUpPr.fitToPage and (ps.fitToWidth or 1) == 1 and ps.fitToHeight == 0
            assert ws.print_title_rows == "$2:$2" and ws.freeze_panes == "A3"
            assert ws.auto_filter.ref.startswith("A2:") if ws.max_row > 3 else ws.auto_filter.ref is None
    assert wb["无法读取"]["A3"].value == "本批次没有无法读取的文件。"  # an empty table says so when printed
    assert "A3:F3" in {str(r) for r in wb["无法读取"].merged_cells.ranges}


@pytest.mark.slow
def test_the_title_row_gives_the_batch_date_files_forms_errors_and_warnings(inbox):
    doc, out, _ = inbox
    assert (doc["files"], doc["forms"], doc["refused"], doc["errors"], doc["warnings"]) == (10, 11, 0, 12, 56)
    ws = openpyxl.load_workbook(out)["汇总"]
    assert ws["A1"].value == (f"{TITLE}　汇总　　生成日期 {date.today().isoformat()}　文件 10 个，"
                              f"表 11 张（重复提交 3 张未计入合计），无法读取 0 个，错误 12 项，警告 56 项")
    assert "A1:S1" in {str(r) for r in ws.merged_cells.ranges}
    assert run_batch([str(inbox[2] / "b")], out.with_name("b.xlsx"), jobs=1) and openpyxl.load_workbook(
        out.with_name("b.xlsx"))["汇总"]["A1"].value.startswith("b　汇总　　")  # no title: the summary's file name


@pytest.mark.slow
def test_totals_rows_sum_the_counted_forms_per_kind_and_department(inbox):
    _, out, _ = inbox
    wb = openpyxl.load_workbook(out)
    _, rows, totals = _rows(wb["汇总"])
    assert len(rows) == 11
    pick = ("单位", "项目", "表种", "预算数", "执行数", "执行率", "自评得分", "复核得分", "错误数", "警告数")
    assert [tuple(t[k] for k in pick) for t in totals] == [
        # 04 + 11 + 12 + 10 + 05 (+ the blank template): 200.16 + 8.16 + 285 + 15 + 230; 230.17 ÷ 738.32
        ("合计", "6 张表（重复提交另有 3 张未计入）", "项目支出绩效自评表", 738.32, 230.17, 0.3117, None, None, 0, 35),
        ("合计", "2 张表", "绩效评价指标体系", 397.8, 293.08, 0.7368, None, None, 10, 0)]
    header, depts, dept_totals = _rows(wb["按部门"])
    assert header == ["部门", "表种", "项目数", "预算数合计", "执行数合计", "执行率", "结余超10%项目数", "平均复核得分",
                      "错误数", "警告数"]
    assert [tuple(d.values()) for d in depts] == [
        ("昆明市五华区财政局", "绩效评价指标体系", 1, 397.8, 293.08, 0.7368, 1, 91, 0, 0),
        (MEISHAN, "项目支出绩效自评表", 5, 738.32, 230.17, 0.3117, 3, 95.82, 0, 35),  # 04, 11, 12, 10, 05 once each
        ("（未填写）", "绩效评价指标体系", 1, None, None, None, 0, 99, 10, 0),
        ("（未填写）", "项目支出绩效自评表", 1, None, None, None, 0, None, 0, 0)]
    assert [tuple(d.values()) for d in dept_totals] == [
        ("合计", "项目支出绩效自评表", 6, 738.32, 230.17, 0.3117, 3, 95.82, 0, 35),
        ("合计", "绩效评价指标体系", 2, 397.8, 293.08, 0.7368, 1, 95, 10, 0)]
    ws = wb["汇总"]
    last = ws.max_row
    assert ws.auto_filter.ref == f"A2:S{last - 2}"  # the totals rows stay out of sorting and filtering
    assert ws.cell(last, 5).number_format == "#,##0.00" and ws.cell(last, 5).font.b


@pytest.mark.slow
def test_a_project_sent_twice_is_flagged_and_counted_once_the_latest_winning(inbox):
    doc, out, box = inbox
    ws = openpyxl.load_workbook(out)["汇总"]
    _, rows, _ = _rows(ws)
    flagged = [(Path(r["文件"]).relative_to(box).as_posix() if "!/" not in r["文件"] else r["文件"].split("inbox/")[1],
                r["工作表"], r["重复提交"]) for r in rows if r["重复提交"]]
    newer = datetime.fromtimestamp(T0 + 3600).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    older = datetime.fromtimestamp(T0).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert flagged == [
        ("a/04.xlsx", "项目支出绩效自评表", f"计入：共 2 份，此份文件修改时间最晚（{newer}）"),
        ("c/10_twice.xlsx", "自评表1", "未计入：以排在后面的 10_twice.xlsx（自评表2）为准"),
        ("c/10_twice.xlsx", "自评表2", "计入：共 2 份，提交时间相同，取排在最后的一份"),
        ("d/1.eml!/05自评表.xlsx", "项目支出绩效自评表", "计入：共 2 份，此份邮件日期最晚（2024-06-02 10:00:00）"),
        ("d/2.eml!/05自评表.xlsx", "项目支出绩效自评表",
         "未计入：此份邮件日期为 2024-06-01 09:00:00，以较晚的 1.eml!/05自评表.xlsx（项目支出绩效自评表）为准"),
        ("z/04_again.xlsx", "项目支出绩效自评表",
         f"未计入：此份文件修改时间为 {older}，以较晚的 04.xlsx（项目支出绩效自评表）为准")]
    assert [(g["code"], Path(g["kept"]["file"]).name, g["kept"]["sheet"], [Path(d["file"]).name for d in g["dropped"]],
             g["by"]) for g in doc["resubmitted"]] == [
        (CODE_04, "04.xlsx", "项目支出绩效自评表", ["04_again.xlsx"], "modified"),
        (CODE_10, "10_twice.xlsx", "自评表2", ["10_twice.xlsx"], "order"),
        (CODE_05, "05自评表.xlsx", "项目支出绩效自评表", ["05自评表.xlsx"], "mail")]
    assert doc["resubmitted"][2]["kept"]["submitted"] == "2024-06-02T10:00:00+08:00"
    # the two copies of 04 disagree on 执行数: still listed, with which one counts
    _, mism, _ = _rows(openpyxl.load_workbook(out)["跨表不一致"])
    assert [(m["项目编码"], m["不一致项"], m["值"], Path(m["文件"]).name, m["计入合计"]) for m in mism] == [
        (CODE_04, "执行数", 142.88, "04.xlsx", "是"), (CODE_04, "执行数", 150, "04_again.xlsx", "否（重复提交）")]


@pytest.mark.slow
def test_departments_are_grouped_by_normalised_name_and_findings_keep_what_was_typed(inbox):
    _, out, _ = inbox
    wb = openpyxl.load_workbook(out)
    _, rows, _ = _rows(wb["汇总"])
    assert {r["主管部门"] for r in rows if r["表种"] == "项目支出绩效自评表"} == {MEISHAN, None}
    _, findings, _ = _rows(wb["问题明细"])
    typed = {Path(f["文件"]).name: f["主管部门"] for f in findings}
    assert (typed["04.xlsx"], typed["11.xlsx"], typed["12.xlsx"]) == (  # as written on the forms
        "眉山市政务服务管理局(部门)", "眉山市政务服务管理局（本级）", "眉山市 政务服务管理局")


@pytest.mark.slow
def test_the_charts_count_every_counted_form_with_the_figure_on_whole_number_axes(inbox):
    _, out, _ = inbox
    ws = openpyxl.load_workbook(out)["分布"]
    cells = lambda a, b: [r for r in ws.iter_rows(min_row=a, max_row=b, max_col=2, values_only=True)]  # noqa: E731
    assert cells(2, 8) == [("复核得分", "表数"), ("<60", 0), ("60–70", 0), ("70–80", 0), ("80–90", 0), ("≥90", 7),
                           ("合计", 7)]  # 04 10 05 11 12 五华 寻甸; not the copies, not the blank form
    assert cells(22, 29) == [("执行率", "表数"), ("<50%", 2), ("50%–70%", 0), ("70%–80%", 2), ("80%–90%", 0),
                             ("90%–100%", 2), (">100%", 0), ("合计", 6)]  # 12 05 | 04 五华 | 10 11
    assert ws["A20"].value == "另有 1 张表没有复核得分，未计入：空白表 1 张"
    assert ws["A40"].value == ("另有 2 张表没有执行率（表上未列预算数和执行数，或预算数为 0），未计入："
                               "绩效评价指标体系 1 张、空白表 1 张")
    scores, rates = ws._charts
    for chart, first, last, top, title in ((scores, 3, 7, 7, "复核得分分布（7 张表）"),
                                           (rates, 23, 28, 2, "执行率分布（6 张表，复核值）")):
        [series] = chart.series
        assert series.cat.strRef.f == f"分布!$A${first}:$A${last}"
        assert series.val.numRef.f == f"分布!$B${first}:$B${last}"
        y = chart.y_axis
        assert (y.scaling.min, y.scaling.max, y.majorUnit, y.numFmt.formatCode) == (0, top, 1, "0")
        assert chart.title.tx.rich.p[0].r[0].t == title


def test_a_framework_form_is_named_by_the_lines_above_its_table(tmp_path):
    def facts(build_it, name):
        path = tmp_path / f"{name}.xlsx"
        build_it(path)
        [result] = check_file(path).results
        f = workers._facts(result)
        return f["unit"], f["department"], f["project"]

    assert facts(CASES["funds_wuhua"].build, "wuhua") == ("昆明市五华区政务服务管理局", "昆明市五华区财政局",
                                                          "政务服务专项工作经费")  # 项目实施单位 | 主管部门 | 项目名称
    assert facts(CASES["funds_yongzhou"].build, "yongzhou") == ("永州市行政审批服务局", None, None)  # a title line
    labelled = _edits("xundian_2024_dept", insert(1, ["单位名称：寻甸县政务服务管理局"], ["项目名称", "部门整体支出"]))
    assert facts(labelled, "labelled") == ("寻甸县政务服务管理局", None, "部门整体支出")
    # near misses: the unit of the amounts, and who evaluated, are not the unit evaluated
    not_units = _edits("xundian_2024_dept", insert(1, ["单位：万元"], ["评价单位", "某会计师事务所"]))
    assert facts(not_units, "not_units") == (None, None, None)


@pytest.mark.slow
def test_problem_rows_wrap_their_text_left_aligned_in_rows_as_tall_as_it_needs(inbox):
    _, out, _ = inbox
    ws = openpyxl.load_workbook(out)["问题明细"]
    widths = dict(zip([c.value for c in ws[2]], (24, 10, 6, 5, 10, 5, 9, 9, 36, 11, 11, 16)))
    tall = values = 0
    for r in range(3, ws.max_row + 1):
        row = {h: ws.cell(r, i).value for i, h in enumerate(widths, start=1)}
        for name in ("填报值", "复核值", "说明", "文件"):
            cell = ws.cell(r, list(widths).index(name) + 1)
            a = cell.alignment
            assert cell.value is None or (a.horizontal, a.wrap_text, a.vertical) == ("left", True, "top"), (r, name)
            values += name in ("填报值", "复核值") and isinstance(cell.value, (int, float))
        need = max(lines_needed(str(v), widths[h]) for h, v in row.items() if v is not None)
        height = ws.row_dimensions[r].height  # in whole pixels: 0.75 pt
        assert height == (pytest.approx(need * LINE_PT + 3, abs=0.75) if need > 1 else None), (r, row["说明"])
        tall += need > 2
    assert tall > 10 and values > 5  # long sentences: rows of three lines and more; numbers left-aligned too
    assert ws.conditional_formatting  # the blank cells' borders: one rule over the table
    assert ws.column_dimensions["I"].width == pytest.approx(36.71, abs=0.01)  # 说明
    number = openpyxl.load_workbook(out)["汇总"]["E3"]
    assert number.alignment.horizontal is None and number.number_format == "#,##0.00"  # numbers: right, as Excel does


@pytest.mark.slow
def test_a_monitoring_form_sent_twice_is_charted_once(tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    monitoring_book(box / "a.xlsx")
    monitoring_book(box / "b.xlsx")
    os.utime(box / "a.xlsx", (T0 + 60, T0 + 60))  # the later submission, though first in order
    os.utime(box / "b.xlsx", (T0, T0))
    doc = run_batch([str(box)], tmp_path / "s.xlsx", jobs=1)
    assert [(Path(g["kept"]["file"]).name, g["by"]) for g in doc["resubmitted"]] == [("a.xlsx", "modified")]
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    _, rows, _ = _rows(wb["监控汇总"])
    assert [(Path(r["文件"]).name, r["重复提交"][:3]) for r in rows] == [("a.xlsx", "计入："), ("b.xlsx", "未计入")]
    [chart] = wb["监控图表"]._charts
    assert chart.series[0].val.numRef.f == "监控汇总!$I$3"  # the counted form only
    _, depts, _ = _rows(wb["按部门"])
    assert [(d["部门"], d["项目数"]) for d in depts] == [("某部", 1)]


@pytest.mark.slow
def test_a_large_summary_is_streamed_and_spills_over_with_the_same_layout(inbox, tmp_path, monkeypatch):
    from perfeval_xl.batch import sheets, summary

    _, out, box = inbox
    monkeypatch.setattr(summary, "LOW_MEMORY_ROWS", 0)  # written row by row to disk
    monkeypatch.setattr(sheets, "MAX_ROWS", 40)  # 问题明细 holds 68 findings: two sheets
    run_batch([str(box)], tmp_path / "streamed.xlsx", jobs=1, title=TITLE)
    streamed, whole = openpyxl.load_workbook(tmp_path / "streamed.xlsx"), openpyxl.load_workbook(out)
    assert streamed.sheetnames == ["汇总", "问题明细", "问题明细(2)", "无法读取", "跨表不一致", "按部门", "分布"]
    for name in ("汇总", "按部门", "分布", "跨表不一致"):
        assert [list(r) for r in streamed[name].iter_rows(values_only=True)] == \
            [list(r) for r in whole[name].iter_rows(values_only=True)], name
    first, second = streamed["问题明细"], streamed["问题明细(2)"]
    rows = [r for ws in (first, second) for r in ws.iter_rows(min_row=3, values_only=True)]
    assert rows == list(whole["问题明细"].iter_rows(min_row=3, values_only=True)) and first.max_row == 42
    assert second["A1"].value.startswith(f"{TITLE}　问题明细(2)　") and second.print_title_rows == "$2:$2"
    assert [c.value for c in second[2]] == [c.value for c in first[2]]


@pytest.mark.libreoffice
def test_each_chart_prints_whole_on_a_page_of_its_own(tmp_path):
    """Nine forms: the execution-rate chart once printed across two pages, the second showing 1 + 5 + 0 = 6 bars'
    worth of forms (“the chart counts 6 of 9”); now each chart and its table are one page."""
    import shutil
    import subprocess

    from perfeval_xl.lo import convert

    from conftest import SAMPLES

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    box = tmp_path / "九张"
    box.mkdir()
    for f in sorted((SAMPLES / "meishan_2023").glob("0[1-9]_*.xlsx")):
        shutil.copyfile(f, box / f.name)
    run_batch([str(box)], tmp_path / "九张.xlsx", jobs=1)
    [pdf] = convert([tmp_path / "九张.xlsx"], tmp_path / "pdf", to="pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p.split("\n") for p in text.split("\f")]
    pages = ["".join(p).replace(" ", "") for p in pages if p[2:3] == ["分布"]]  # the page header names the sheet
    assert len(pages) == 2
    scores, rates = pages
    assert "复核得分分布（9张表）" in scores and all(b in scores for b in ("<60", "80–90", "≥90"))
    assert "执行率分布（9张表，复核值）" in rates and all(b in rates for b in ("<50%", "80%–90%", ">100%"))
    assert "0.5" not in rates  # whole forms on the axis
