"""One synthetic 项目支出绩效自评表 in the NATIONAL layout (财预〔2020〕10号 附件1; DOMAIN.md §1.1).

Figures are those of the Sichuan 外包 form (seed004 form 4): 35.16 / 200.16 / 142.88 万元, rate 71.38%,
execution score 10 × 0.713829 = 7.14 (the national profile rounds to 2 decimals), indicators 90/90,
total 97.14. The direction symbol sits inside the 年度指标值 text ("≥11人"), as in the national form,
which has no 指标性质 column.

Layout (rows from 1, columns A..J):
    1  A1:J1 项目支出绩效自评表            2  A2:J2 （2023年度）
    3  A3:B3 项目名称 | C3:J3              4  A4:B4 主管部门 | C4:F4 | G4:H4 实施单位 | I4:J4
    5  A5:B9 项目资金（万元） | C5:D5 (empty) | E 年初预算数 F 全年预算数 G 全年执行数 H 分值 I 执行率 J 得分
    6-9  C:D 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金 (分值, 得分 on row 6 only)
    10-11  A10:A11 年度总体目标 | B10:F10 预期目标 | G10:J10 实际完成情况; texts in B11:F11, G11:J11
    12  A12:A<last indicator> 绩效指标 | B 一级指标 C 二级指标 D 三级指标 E 年度指标值 F 实际完成值
        G 分值 H 得分 I:J 偏差原因分析及改进措施
    13.. indicator rows (一级 merged over its group, labels carry the subtotal: 产出指标(50分))
    last  A:F 总分 | G 100 | H total | I:J empty

Run `python -m sample_data.national_sample` from the repo root.
"""

from pathlib import Path

from openpyxl.styles import Alignment, Font

from sample_data.build import BORDER, FONT, fit_to_page_width, new_workbook, save_deterministic

NATIONAL_FORM = {
    "year": "2023",
    "project": "“一窗进出”改革前台岗位外包服务经费",
    "department": "眉山市政务服务管理局",
    "unit": "眉山市政务服务管理局",
    # rows: label, 年初预算数, 全年预算数, 全年执行数, 分值, 执行率 (fraction), 得分
    "budget": [
        ("年度资金总额", 35.16, 200.16, 142.88, 10, 0.7138, 7.14),
        ("其中：当年财政拨款", 35.16, 200.16, 142.88, None, 0.7138, None),
        ("上年结转资金", 0, 0, 0, None, None, None),
        ("其他资金", 0, 0, 0, None, None, None),
    ],
    "goal": "按照相关政策要求进一步优化政务服务流程,推动更多政务服务事项的申请、受理、审查、决定、制证、公开、"
            "收费、咨询等环节全流程“一窗进出、一网通办”。",
    "goal_done": "把分散在政务服务大厅各楼层的行政许可窗口统一整合到“综合窗口”,设置综合受理服务专席9个,"
                 "配置专业服务人员11名;剩余未支付资金为下半年项目尾款,待第二年项目验收合格支付。",
    # rows: 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施
    "indicators": [
        ("产出指标(50分)", "数量指标", "配置咨询导办、综合接出件员、技术支撑工程师等专业服务人员", "≥11人", "11人", 20, 20, None),
        ("产出指标(50分)", "质量指标", "系统可用时长与总时长占比", "≥90%", "90%", 20, 20, None),
        ("产出指标(50分)", "成本指标", "2023年新招标成本", "≤165万元", "162.71万元", 10, 10, None),
        ("效益指标(30分)", "社会效益指标", "群众满意度持续提升", "≥95%", "95%", 30, 30, None),
        ("满意度指标(10分)", "服务对象满意度指标", "办件满意度", "≥95%", "95%", 10, 10, None),
    ],
    "total_weight": 100,
    "total_score": 97.14,
}


def write_national(ws, form):
    """Write `form` in the national layout onto `ws`. Returns the 总分 row number."""
    indicators = form["indicators"]
    last_indicator = 12 + len(indicators)
    total_row = last_indicator + 1
    merges = []

    def put(row, col, value, to_row=None, to_col=None, fmt=None, left=False):
        cell = ws.cell(row, col, value)
        if fmt:
            cell.number_format = fmt
        cell.alignment = Alignment(horizontal="left" if left else "center", vertical="center", wrap_text=True)
        if (to_row or row, to_col or col) != (row, col):
            merges.append((row, col, to_row or row, to_col or col))

    put(1, 1, "项目支出绩效自评表", to_col=10)
    put(2, 1, f"（{form['year']}年度）", to_col=10)
    put(3, 1, "项目名称", to_col=2)
    put(3, 3, form["project"], to_col=10, left=True)
    put(4, 1, "主管部门", to_col=2)
    put(4, 3, form["department"], to_col=6, left=True)
    put(4, 7, "实施单位", to_col=8)
    put(4, 9, form["unit"], to_col=10, left=True)

    put(5, 1, "项目资金（万元）", to_row=9, to_col=2)
    put(5, 3, None, to_col=4)
    for col, header in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=5):
        put(5, col, header)
    for row, (label, initial, budget, executed, weight, rate, score) in enumerate(form["budget"], start=6):
        put(row, 3, label, to_col=4)
        for col, value in ((5, initial), (6, budget), (7, executed)):
            put(row, col, value, fmt="0.00")
        put(row, 8, weight)
        put(row, 9, rate, fmt="0.00%")
        put(row, 10, score, fmt="0.00")

    put(10, 1, "年度总体目标", to_row=11)
    put(10, 2, "预期目标", to_col=6)
    put(10, 7, "实际完成情况", to_col=10)
    put(11, 2, form["goal"], to_col=6, left=True)
    put(11, 7, form["goal_done"], to_col=10, left=True)

    put(12, 1, "绩效指标", to_row=last_indicator)
    for col, header in enumerate(("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"),
                                 start=2):
        put(12, col, header)
    put(12, 9, "偏差原因分析及改进措施", to_col=10)
    start = 0
    for i, (level1, level2, level3, target, actual, weight, score, reason) in enumerate(indicators):
        row = 13 + i
        put(row, 3, level2)
        put(row, 4, level3, left=True)
        put(row, 5, target)
        put(row, 6, actual)
        put(row, 7, weight)
        put(row, 8, score)
        put(row, 9, reason, to_col=10, left=True)
        if i + 1 == len(indicators) or indicators[i + 1][0] != level1:
            put(13 + start, 2, level1, to_row=row)
            start = i + 1

    put(total_row, 1, "总分", to_col=6)
    put(total_row, 7, form["total_weight"])
    put(total_row, 8, form["total_score"], fmt="0.00")
    put(total_row, 9, None, to_col=10)

    for row in ws.iter_rows(min_row=1, max_row=total_row, max_col=10):
        for cell in row:
            cell.font = Font(name=FONT, size=16 if cell.row == 1 else 11, bold=cell.row == 1)
            if cell.row > 2:
                cell.border = BORDER
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for col, width in zip("ABCDEFGHIJ", (8, 14, 14, 30, 12, 12, 10, 10, 12, 14)):
        ws.column_dimensions[col].width = width
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[11].height = 80
    for row in range(13, last_indicator + 1):
        ws.row_dimensions[row].height = 30
    fit_to_page_width(ws)
    return total_row


def main():
    path = Path(__file__).resolve().parent / "national" / "outsourcing_national.xlsx"
    wb = new_workbook()
    write_national(wb.create_sheet("项目支出绩效自评表"), NATIONAL_FORM)
    save_deterministic(wb, path)
    print(path)


if __name__ == "__main__":
    main()
