"""Framework workbooks in the layouts that break readers, each built from a seed transcription in sample_data/frameworks
and checked against what a reviewer expects: the recomputed total and grade, the execution rate where the table has
a funds block, and exactly the error findings the printed table supports (cells as in the built workbook).

    CASES: name -> Case(build, expect)      build(path) writes the workbook; expect says what reading it right gives

The families (DOMAIN.md §1.3–1.5; issue 12):
    seed_*      the transcriptions, as they are or with one planted error
    joint_*     a weight cell merged over several groups (or rows) of the next level, which it covers together
    lower_*     a group's weight printed lower down its rows, not on its first row
    funds_*     a 项目资金 block above the table (预算数 | 实际到位数 | [到位率 |] 执行数 | 执行率)
    stated_*    a total or grade stated in labelled cells under or beside the table
    missing_*   weights missing from a table that prints some of them

Error findings are written "C07@B24" on the table's sheet, "C20@问卷调查!E34" on another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from perfeval_xl.severity import Severity

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data" / "frameworks"

XUNDIAN, ANNING, YONGZHOU = "xundian_2024_dept", "anning_2023_dept", "yongzhou_2019_special"
WUHUA, MEISHAN_DEPT = "wuhua_2023_project_eval", "meishan_2023_dept_system"
MEISHAN_SPECIAL = "meishan_2023_special_system"


@dataclass(frozen=True)
class Expect:
    profile: str
    total: float
    grade: str
    errors: frozenset[str]
    rate: float | None = None  # the execution rate (a fraction) where the table has a funds block
    values: dict = field(default_factory=dict)  # further recomputed values ('arrival_rate': 0.8)


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], None]
    expect: Expect


# --- editing a transcription ----------------------------------------------------------------------------------------
def _load(name: str):
    wb = openpyxl.load_workbook(SAMPLES / f"{name}.xlsx")
    return wb, wb.worksheets[0]


def _merge(ws, ref: str, value=None) -> None:
    """Merge `ref` (first unmerging every merge it overlaps), the first cell holding `value` when given."""
    c1, r1, c2, r2 = range_boundaries(ref)
    for m in list(ws.merged_cells.ranges):
        if not (m.max_row < r1 or m.min_row > r2 or m.max_col < c1 or m.min_col > c2):
            ws.unmerge_cells(str(m))
    if value is not None:
        ws.cell(r1, c1).value = value
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                ws.cell(r, c).value = None
    ws.merge_cells(ref)


def _unmerge(ws, ref: str) -> None:
    ws.unmerge_cells(ref)


def _insert_rows(ws, before: int, rows: list[list]) -> None:
    """Insert `rows` (values from column A) above row `before`, moving the merges below with the cells."""
    merges = [range_boundaries(str(m)) for m in ws.merged_cells.ranges]
    for m in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(m))
    n = len(rows)
    ws.insert_rows(before, n)
    for c1, r1, c2, r2 in merges:
        if r1 >= before:
            r1, r2 = r1 + n, r2 + n
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for i, values in enumerate(rows):
        for j, v in enumerate(values):
            if v is not None:
                ws.cell(before + i, j + 1).value = v


def _edits(name: str, *steps) -> Callable[[Path], None]:
    """A builder: the transcription `name` with `steps` applied (each a function of the sheet), saved."""

    def build(path: Path) -> None:
        wb, ws = _load(name)
        for step in steps:
            step(ws)
        wb.save(path)

    return build


def put(**cells) -> Callable:
    return lambda ws: [ws.__setitem__(ref, v) for ref, v in cells.items()]


def merge(ref: str, value=None) -> Callable:
    return lambda ws: _merge(ws, ref, value)


def unmerge(ref: str) -> Callable:
    return lambda ws: _unmerge(ws, ref)


def insert(before: int, *rows: list) -> Callable:
    return lambda ws: _insert_rows(ws, before, list(rows))


def drop_weight(ref: str) -> Callable:
    """The '(N分)' taken out of a label."""
    return lambda ws: ws.__setitem__(ref, re.sub(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]", "", ws[ref].value))


def errors(*items: str) -> frozenset[str]:
    return frozenset(items)


def moved(items: frozenset[str], rows: int) -> frozenset[str]:
    """The findings on the table's sheet `rows` rows further down (a block inserted above the table)."""

    def move(item: str) -> str:
        if "!" in item:
            return item
        check, ref = item.split("@")
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        return f"{check}@{m.group(1)}{int(m.group(2)) + rows}"

    return frozenset(move(x) for x in items)


# --- what the transcriptions really carry ---------------------------------------------------------------------------
# 寻甸: the questionnaire tally (问卷总分 1000, but only question 1 carries counts)
XUNDIAN_Q = errors(*(f"C20@问卷调查!B{r}" for r in range(7, 32, 3)), "C20@问卷调查!E34")
# 五华: 合计 row of 项目资金 left blank although 区级财政 carries 397.80 / 397.80 / 293.08
WUHUA_FUNDS = errors("C01@D14", "C01@E14", "C01@F14")
# 安宁: the weights that are not printed (the table prints some: 服务对象满意度(2分), 部门职能职责(10分), …)
ANNING_C10 = errors(*(f"C10@A{r}" for r in (3, 16, 28, 32)), *(f"C10@B{r}" for r in (3, 11, 22, 26)),
                    *(f"C10@C{r}" for r in (7, 8, 9, 10, 11, 12, 28, 29, 30, 31, 32, 33, 34, 35)))
YONGZHOU_REAL = errors("C10@C49", "C09@A66", "C15@A66")  # 实际完成率 unscored; '综合评分为92分…良' vs 85
MEISHAN_SPECIAL_REAL = errors("C07@A30", "C08@T31", "C09@T34")  # the 8% typed as a weight; 合计得分 98 ≠ 92.08

K, Y, W, MD, MS, A = ("yunnan.kunming.dept_common", "hunan.yongzhou.special_fund", "yunnan.wuhua.project_eval",
                      "sichuan.meishan.dept_system", "sichuan.meishan.special_system", "yunnan.anning.dept")

# 五华 with the 一级 分值 40 merged down the rows of both 决策 and 过程 (children 20 + 20), as the seed prints it
WUHUA_JOINT = (unmerge("B24:B29"), unmerge("B30:B34"), merge("B24:B34", 40))
WUHUA_TOTALS = (put(D14=397.8, E14=397.8, F14=293.08, G14=0.7368),)  # 项目资金 合计 filled in
# 五华 with a 效益 一级 label of its own (A61:A68), the 60 merged over 产出 and 效益 (42 + 18)
WUHUA_BENEFIT = (unmerge("A35:A68"), merge("A35:A60", "产出"), merge("A61:A68", "效益"))
# 五华 二级 产出时效 (4) and 产出成本 (2) under one merged 6
WUHUA_JOINT2 = (unmerge("D58:D59"), merge("D58:D60", 6))

# a 项目资金 block above 永州's table (rows 4-7; the table moves down 4 rows): 执行率 = 执行数 ÷ 实际到位数
YONGZHOU_FUNDS = insert(4, ["项目资金（万元）", "预算数", "实际到位数", "执行数", "执行率"],
                        ["合计", 120, 100, 80, "80.00%"], ["其中：财政拨款", 120, 100, 80, "80.00%"],
                        ["其他资金", None, None, None, None])
# 眉山 专项 with a block that prints 到位率 too (rows 3-5; the table moves down 3 rows)
MEISHAN_FUNDS = insert(3, ["项目资金（万元）", "预算数", "实际到位数", "到位率", "执行数", "执行率"],
                       ["合计", 500, 450, "90.00%", 405, "90.00%"],
                       ["其中：财政拨款", 500, 450, "90.00%", 405, "90.00%"])


def funds_block(before: int, total, executed, rate) -> Callable:
    """预算数 | 实际到位数 | 执行数 | 执行率 with 合计 and one 其中 line, inserted above row `before` (3 rows)."""
    head = ["项目资金（万元）", "预算数", "实际到位数", "执行数", "执行率"]
    return insert(before, head, ["合计", total, total, executed, rate],
                  ["其中：财政拨款", total, total, executed, rate])


# 寻甸 部门整体 with a 部门预算 block that has no 到位数: 执行率 = 全年执行数 ÷ 全年预算数 (rows 2-4, table down 3)
XUNDIAN_FUNDS = insert(2, ["部门预算资金（万元）", "年初预算数", "全年预算数", "全年执行数", "执行率"],
                       ["合计", 435.1, 435.1, 424.23, "97.50%"], ["其中：财政拨款", 435.1, 435.1, 424.23, "97.50%"])

CASES: dict[str, Case] = {
    # --- the transcriptions -------------------------------------------------------------------------------------------
    "seed_xundian": Case(_edits(XUNDIAN), Expect(K, 99, "优", XUNDIAN_Q)),
    "seed_xundian_score_above_weight": Case(_edits(XUNDIAN, put(D3=3)),
                                            Expect(K, 99, "优", XUNDIAN_Q | errors("C08@D3"))),
    "seed_yongzhou": Case(_edits(YONGZHOU), Expect(Y, 85, "良", YONGZHOU_REAL)),
    "seed_yongzhou_wrong_level_weight": Case(_edits(YONGZHOU, put(B6="项目立项\n（13分）")),
                                             Expect(Y, 85, "良", YONGZHOU_REAL | errors("C07@B6", "C07@A6"))),
    # 五华 as transcribed: 40 merged over 决策 alone (its children give 20), 过程 without a weight
    "seed_wuhua": Case(_edits(WUHUA), Expect(W, 91, "优", WUHUA_FUNDS | errors("C07@B24", "C10@A30"), rate=0.7368)),
    "seed_meishan_special": Case(_edits(MEISHAN_SPECIAL),
                                 Expect(MS, 92.08, "优", errors("C07@A30", "C08@T31", "C09@T34"))),
    "seed_meishan_dept_wrong_total": Case(_edits(MEISHAN_DEPT, put(S32=96.78)),
                                          Expect(MD, 95.78, "优", errors("C09@S32"))),
    # --- a weight merged over several groups --------------------------------------------------------------------------
    "joint_wuhua_level1": Case(_edits(WUHUA, *WUHUA_JOINT), Expect(W, 91, "优", WUHUA_FUNDS, rate=0.7368)),
    "joint_wuhua_level1_wrong": Case(_edits(WUHUA, *WUHUA_JOINT, put(B24=45)),
                                     Expect(W, 91, "优", WUHUA_FUNDS | errors("C07@B24", "C07@B69"), rate=0.7368)),
    "joint_wuhua_benefit": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS, *WUHUA_BENEFIT),
                                Expect(W, 91, "优", errors(), rate=0.7368)),
    "joint_wuhua_benefit_score_above": Case(
        _edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS, *WUHUA_BENEFIT, put(G68=12)),
        Expect(W, 91, "优", errors("C08@G68"), rate=0.7368)),
    "joint_wuhua_level2": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_JOINT2), Expect(W, 91, "优", WUHUA_FUNDS,
                                                                                  rate=0.7368)),
    "joint_wuhua_level2_wrong": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_JOINT2, put(D58=7)),
                                     Expect(W, 91, "优", WUHUA_FUNDS | errors("C07@D58", "C07@B35"), rate=0.7368)),
    # 五华's 二级 产出质量 9 printed on the 3rd row of its group (the seed's text), the D cells not merged
    "lower_wuhua_weight": Case(_edits(WUHUA, *WUHUA_JOINT, unmerge("D52:D57"), put(D52=None, D54=9)),
                                          Expect(W, 91, "优", WUHUA_FUNDS, rate=0.7368)),
    "lower_wuhua_weight_wrong": Case(
        _edits(WUHUA, *WUHUA_JOINT, unmerge("D52:D57"), put(D52=None, D54=8)),
        Expect(W, 91, "优", WUHUA_FUNDS | errors("C07@D54", "C07@B35"), rate=0.7368)),
    # 眉山 部门整体: one 指标分值 7 merged over 预算年终结余 and 严控一般性支出, each scored on its own row
    "joint_meishan_rows": Case(_edits(MEISHAN_DEPT, merge("D11:D12", 7)), Expect(MD, 95.78, "优", errors())),
    "joint_meishan_rows_above": Case(_edits(MEISHAN_DEPT, merge("D11:D12", 7), put(S12=6, S32=96.78)),
                                     Expect(MD, 96.78, "优", errors("C08@S12"))),
    "joint_meishan_special_rows": Case(_edits(MEISHAN_SPECIAL, merge("E8:E9", 12)),
                                       Expect(MS, 92.08, "优", MEISHAN_SPECIAL_REAL)),
    "joint_meishan_special_rows_above": Case(_edits(MEISHAN_SPECIAL, merge("E8:E9", 12), put(T9=11)),
                                             Expect(MS, 92.08, "优", MEISHAN_SPECIAL_REAL | errors("C08@T9"))),
    # --- a funds block ------------------------------------------------------------------------------------------------
    "funds_wuhua": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS),
                        Expect(W, 91, "优", errors(), rate=0.7368, values={"arrival_rate": 1})),
    "funds_wuhua_wrong_rate": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS, put(G14=0.7568)),
                                   Expect(W, 91, "优", errors("C02@G14"), rate=0.7368)),
    "funds_wuhua_wrong_detail_rate": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS, put(G9=0.7768)),
                                          Expect(W, 91, "优", errors("C02@G9"), rate=0.7368)),
    "funds_yongzhou": Case(_edits(YONGZHOU, YONGZHOU_FUNDS),
                           Expect(Y, 85, "良", errors("C10@C53", "C09@A70", "C15@A70"), rate=0.8,
                                  values={"arrival_rate": 0.8333})),
    "funds_yongzhou_wrong_rate": Case(_edits(YONGZHOU, YONGZHOU_FUNDS, put(E5="85.00%")),
                                      Expect(Y, 85, "良", errors("C10@C53", "C09@A70", "C15@A70", "C02@E5"), rate=0.8)),
    "funds_meishan": Case(_edits(MEISHAN_SPECIAL, MEISHAN_FUNDS),
                          Expect(MS, 92.08, "优", errors("C07@A33", "C08@T34", "C09@T37"), rate=0.9,
                                 values={"arrival_rate": 0.9})),
    "funds_meishan_wrong_arrival": Case(_edits(MEISHAN_SPECIAL, MEISHAN_FUNDS, put(D4="95.00%")),
                                        Expect(MS, 92.08, "优", errors("C07@A33", "C08@T34", "C09@T37", "C02@D4"),
                                               rate=0.9)),
    "funds_xundian": Case(_edits(XUNDIAN, XUNDIAN_FUNDS), Expect(K, 99, "优", XUNDIAN_Q, rate=0.975)),
    "funds_xundian_wrong_rate": Case(_edits(XUNDIAN, XUNDIAN_FUNDS, put(E3="95.70%")),
                                     Expect(K, 99, "优", XUNDIAN_Q | errors("C02@E3"), rate=0.975)),
    "funds_anning": Case(_edits(ANNING, funds_block(2, 60, 57, "95.00%")),
                         Expect(A, 95.5, "优", moved(ANNING_C10, 3), rate=0.95)),
    "funds_anning_wrong_rate": Case(_edits(ANNING, funds_block(2, 60, 57, "59.00%")),
                                    Expect(A, 95.5, "优", moved(ANNING_C10, 3) | errors("C02@E3", "C02@E4"),
                                           rate=0.95)),
    "funds_meishan_dept": Case(_edits(MEISHAN_DEPT, funds_block(3, 1200, 1150.5, "95.88%")),
                               Expect(MD, 95.78, "优", errors(), rate=0.9588)),
    "funds_meishan_dept_wrong_rate": Case(_edits(MEISHAN_DEPT, funds_block(3, 1200, 1150.5, "98.88%")),
                                          Expect(MD, 95.78, "优", errors("C02@E4", "C02@E5"), rate=0.9588)),
    # spending beyond the budget is a warning (C04), not an error
    "funds_meishan_dept_over": Case(_edits(MEISHAN_DEPT, funds_block(3, 1200, 1250, "104.17%")),
                                    Expect(MD, 95.78, "优", errors(), rate=1.0417)),
    # --- totals and grades in labelled cells --------------------------------------------------------------------------
    "stated_xundian_row": Case(_edits(XUNDIAN, put(A40="综合评分", B40=99, C40="评价等级", D40="优")),
                               Expect(K, 99, "优", XUNDIAN_Q)),
    "stated_xundian_row_wrong_total": Case(_edits(XUNDIAN, put(A40="综合评分", B40=98, C40="评价等级", D40="优")),
                                           Expect(K, 99, "优", XUNDIAN_Q | errors("C09@B40"))),
    "stated_xundian_row_wrong_grade": Case(_edits(XUNDIAN, put(A40="综合评分", B40="99分", C40="评价等级", D40="良")),
                                           Expect(K, 99, "优", XUNDIAN_Q | errors("C15@D40"))),
    # the full marks stated beside the score: '总分 | 100 | 自评得分 | 99', and '总分 | 100 | 98' (满分, then the score)
    "stated_xundian_full_marks": Case(_edits(XUNDIAN, put(A40="总分", B40=100, C40="自评得分", D40=99)),
                                      Expect(K, 99, "优", XUNDIAN_Q)),
    "stated_xundian_full_marks_wrong": Case(_edits(XUNDIAN, put(A40="总分", B40=100, C40=98)),
                                            Expect(K, 99, "优", XUNDIAN_Q | errors("C09@C40"))),
    # beside the header row, past a blank column; and beside the body under a title merged wider than the table
    "stated_xundian_beside_header": Case(_edits(XUNDIAN, put(I2="总分", J2=99)), Expect(K, 99, "优", XUNDIAN_Q)),
    "stated_xundian_beside_wide_title_wrong": Case(
        _edits(XUNDIAN, merge("A1:K1", "部门整体支出绩效评价共性指标"), put(I3="自评得分", J3=98)),
        Expect(K, 99, "优", XUNDIAN_Q | errors("C09@J3"))),
    "stated_meishan_one_cell": Case(_edits(MEISHAN_DEPT, put(A34="自评得分：95.78分")),
                                    Expect(MD, 95.78, "优", errors())),
    "stated_meishan_one_cell_wrong": Case(_edits(MEISHAN_DEPT, put(A34="自评得分：96.78分")),
                                          Expect(MD, 95.78, "优", errors("C09@A34"))),
    # beside the table: 总分 | 85 on row 6, 评价等级 over 良 in rows 7-8; the report's sentence (92) still disagrees
    "stated_yongzhou_beside": Case(_edits(YONGZHOU, put(H6="总分", I6=85, H7="评价等级", H8="良")),
                                   Expect(Y, 85, "良", YONGZHOU_REAL)),
    "stated_yongzhou_beside_wrong": Case(_edits(YONGZHOU, put(H6="总分", I6=92, H7="评价等级", H8="良")),
                                         Expect(Y, 85, "良", errors("C10@C49", "C09@I6"))),
    # the report's sentence replaced by a labelled row right under the body (no 合计 row in between)
    "stated_yongzhou_row": Case(_edits(YONGZHOU, unmerge("A66:F66"),
                                       put(A66="综合评分", B66=85, C66="评价等级", D66="良", E66=None)),
                                Expect(Y, 85, "良", errors("C10@C49"))),
    "stated_yongzhou_row_wrong": Case(_edits(YONGZHOU, unmerge("A66:F66"),
                                             put(A66="综合评分", B66="92分", C66="评价等级", D66="良", E66=None)),
                                      Expect(Y, 85, "良", errors("C10@C49", "C09@B66"))),
    "stated_anning_below": Case(_edits(ANNING, put(A39="评价等级", A40="优")), Expect(A, 95.5, "优", ANNING_C10)),
    "stated_anning_below_wrong": Case(_edits(ANNING, put(A39="评价等级", A40="良")),
                                      Expect(A, 95.5, "优", ANNING_C10 | errors("C15@A40"))),
    "stated_wuhua_row": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS,
                                    put(A83="综合评分", B83="91分", D83="评价等级", E83="优")),
                             Expect(W, 91, "优", errors(), rate=0.7368)),
    "stated_wuhua_row_wrong": Case(_edits(WUHUA, *WUHUA_JOINT, *WUHUA_TOTALS,
                                          put(A83="综合评分", B83="90分", D83="评价等级", E83="优")),
                                   Expect(W, 91, "优", errors("C09@B83"), rate=0.7368)),
    "stated_meishan_special_beside": Case(_edits(MEISHAN_SPECIAL, put(V6="综合评分", W6=92.08)),
                                          Expect(MS, 92.08, "优", MEISHAN_SPECIAL_REAL)),
    "stated_meishan_special_beside_wrong": Case(_edits(MEISHAN_SPECIAL, put(V6="综合评分", W6=98)),
                                                Expect(MS, 92.08, "优", MEISHAN_SPECIAL_REAL | errors("C09@W6"))),
    # --- missing weights ----------------------------------------------------------------------------------------------
    "missing_anning": Case(_edits(ANNING), Expect(A, 95.5, "优", ANNING_C10)),
    "missing_anning_score_above": Case(_edits(ANNING, put(D3=3)),
                                       Expect(A, 95.5, "优", ANNING_C10 | errors("C08@D3"))),
    "missing_yongzhou": Case(_edits(YONGZHOU, drop_weight("C10")),
                             Expect(Y, 85, "良", YONGZHOU_REAL | errors("C10@C10"))),
    "missing_yongzhou_wrong_level": Case(_edits(YONGZHOU, drop_weight("C10"), put(B20="资金落实\n（9分）")),
                                         Expect(Y, 85, "良", YONGZHOU_REAL | errors("C10@C10", "C07@A6", "C07@B20"))),
    "missing_meishan_dept": Case(_edits(MEISHAN_DEPT, put(D13=None)), Expect(MD, 95.78, "优", errors("C10@C13"))),
    "missing_meishan_dept_score_above": Case(_edits(MEISHAN_DEPT, put(D13=None, S14=3)),
                                             Expect(MD, 95.78, "优", errors("C10@C13", "C08@S14"))),
    "missing_meishan_special": Case(_edits(MEISHAN_SPECIAL, put(E12=None)),
                                    Expect(MS, 92.08, "优", MEISHAN_SPECIAL_REAL | errors("C10@D12"))),
    "missing_meishan_special_wrong_level": Case(
        _edits(MEISHAN_SPECIAL, put(E12=None, B5="项目决策\n(19分)")),
        Expect(MS, 92.08, "优", MEISHAN_SPECIAL_REAL | errors("C10@D12", "C07@B5", "C07@A5"))),
    # 五华 as transcribed (过程 without a weight), and 预算执行率 scored 4 of 3 with the 总分 following it (92)
    "missing_wuhua_score_above": Case(_edits(WUHUA, put(G31=4, G69=92)),
                                      Expect(W, 92, "优", WUHUA_FUNDS | errors("C07@B24", "C10@A30", "C08@G31"),
                                             rate=0.7368)),
    "missing_xundian": Case(_edits(XUNDIAN, drop_weight("C4")), Expect(K, 99, "优", XUNDIAN_Q | errors("C10@C4"))),
    "missing_xundian_wrong_level": Case(_edits(XUNDIAN, drop_weight("C4"), put(B3="A1部门目标(13分)")),
                                        Expect(K, 99, "优", XUNDIAN_Q | errors("C10@C4", "C07@A3"))),
}


def error_keys(report) -> frozenset[str]:
    """The report's error findings as "C07@B24" (the table's sheet) or "C20@问卷调查!E34"."""
    main = report.results[0].form.sheet
    return frozenset(f"{f.check}@{f.cell}" if f.sheet == main else f"{f.check}@{f.sheet}!{f.cell}"
                     for f in report.findings if f.severity is Severity.ERROR)


def read_right(report, expect: Expect) -> list[str]:
    """What is not as expected (empty when the workbook is read right)."""
    if report.refusal is not None or len(report.results) != 1:
        return [f"not one form: {report.refusal and report.refusal.code}"]
    [res] = report.results
    v = res.values
    wrong = []
    if res.profile.id != expect.profile:
        wrong.append(f"profile {res.profile.id}")
    if (v.get("total_score"), v.get("grade")) != (expect.total, expect.grade):
        wrong.append(f"total/grade {v.get('total_score')} {v.get('grade')}")
    if expect.rate is not None and v.get("execution_rate") != expect.rate:
        wrong.append(f"execution_rate {v.get('execution_rate')}")
    for key, value in expect.values.items():
        if v.get(key) != value:
            wrong.append(f"{key} {v.get(key)}")
    got = error_keys(report)
    if got != expect.errors:
        wrong.append(f"missing {sorted(expect.errors - got)} extra {sorted(got - expect.errors)}")
    return wrong
