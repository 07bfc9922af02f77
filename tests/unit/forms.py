"""Forms built in memory for the unit tests: no workbook, no reader, no LibreOffice.

Each builder returns the `perfeval_xl.model` object the reader would have produced, with every value parsed by
`perfeval_xl.values.parse` and every cell at a plausible place on the sheet (0-based row/col, so `Cell.ref` gives
an A1 reference):

    sichuan(...)     部门预算项目支出绩效自评表 (profile sichuan.project_selfeval), canonical 510000_0013zp layout:
                     总额 on row 10 (C..I = 年初/调整后/执行/执行率/权重/得分/原因), indicators from row 17
                     (A..J = 一级/二级/三级/性质/指标值/单位/完成值/权重/得分/原因), 合计 below them (H/I).
                     Defaults: seed 004 form 4, 外包 (200.16 adjusted, 142.88 spent -> 71.38%, 7.1 + 90 = 97.1).
    national(...)    项目支出绩效自评表 of 财预〔2020〕10号 (national.project_selfeval): 年度资金总额 on row 6
                     (E..J = 年初/全年/执行/分值/执行率/得分), indicators from row 13 (B..I, direction written in
                     the target: "≥4场"), 总分 below them (G/H). Defaults: a clean 7.29万元 training project.
    framework(...)   a weighted table from hand-made `group` / `leaf` nodes, one row per node from row 4:
                     name in the column of its depth (A, B, C, D), 分值 in E, 得分 in F; a weight of SHARED is
                     the sibling above's 分值 cell merged down over this node's row.
    from_profile(...)  the same table for a shipped framework profile's whole weight tree, every row at full marks.
    questionnaire(...) a 问卷统计 tally (options A 10 / B 5 / C 0 points) on its own sheet.

Overrides merge into the defaults: `sichuan(budget={"total": {"score": 7.2}}, rows={0: {"score": 25}},
total_score=97.2)`. A value of ABSENT leaves the cell off the sheet entirely (the column is missing); None or a
missing key leaves the cell on the sheet but blank.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from perfeval_xl.check import check_form
from perfeval_xl.model import BudgetLine, Cell, Form, Framework, Indicator, Node, Question, Questionnaire, Summary
from perfeval_xl.profile import get_profile
from perfeval_xl.tree import names_any
from perfeval_xl.values import parse

ABSENT = object()  # the form has no such cell at all
SHARED = object()  # a framework weight cell merged down from the sibling above: one weight for both

SICHUAN = "sichuan.project_selfeval"
NATIONAL = "national.project_selfeval"
KUNMING = "yunnan.kunming.dept_common"
WUHUA = "yunnan.wuhua.project_eval"
MEISHAN_SPECIAL = "sichuan.meishan.special_system"


def cell(row: int, col: int, raw) -> Cell:
    """A cell at (row, col), 0-based, holding `raw` as the sheet would."""
    return Cell(row, col, parse(raw))


def check(form):
    """The checker's Result for a form, under the profile the form names."""
    return check_form(form, get_profile(form.profile_id))


# --- project forms ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectLayout:
    """Where a project form's cells stand (0-based)."""

    fields: dict[str, tuple[int, int]]
    narrative: dict[str, tuple[int, int]]  # above the indicator table
    budget_total_row: int
    budget_cols: dict[str, int]  # the reason column is on the total line only
    indicator_first_row: int
    indicator_cols: dict[str, int]
    total_cols: tuple[int, int]  # (weight, score) on the total row
    below_total: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (rows below the total, col)


SICHUAN_LAYOUT = ProjectLayout(
    fields={"project": (1, 2), "department": (2, 2), "unit": (2, 7)},
    narrative={"goal": (5, 1), "goal_done": (5, 5), "content": (6, 3)},
    budget_total_row=9,  # 总额 on row 10
    budget_cols={"initial": 2, "budget": 3, "executed": 4, "rate": 5, "weight": 6, "score": 7, "reason": 8},
    indicator_first_row=16,  # row 17
    indicator_cols={"level1": 0, "level2": 1, "level3": 2, "nature": 3, "target": 4, "unit": 5, "actual": 6,
                    "weight": 7, "score": 8, "reason": 9},
    total_cols=(7, 8),
    below_total={"conclusion": (1, 2), "problems": (2, 2), "measures": (3, 2), "grade": (5, 2)},
)

NATIONAL_LAYOUT = ProjectLayout(
    fields={"project": (2, 2), "department": (3, 2), "unit": (3, 8)},
    narrative={"goal": (10, 1), "goal_done": (10, 6)},
    budget_total_row=5,  # 年度资金总额 on row 6
    budget_cols={"initial": 4, "budget": 5, "executed": 6, "weight": 7, "rate": 8, "score": 9},
    indicator_first_row=12,  # row 13
    indicator_cols={"level1": 1, "level2": 2, "level3": 3, "target": 4, "actual": 5, "weight": 6, "score": 7,
                    "reason": 8},
    total_cols=(6, 7),
    below_total={"grade": (1, 2)},
)

LAYOUTS = {SICHUAN: SICHUAN_LAYOUT, NATIONAL: NATIONAL_LAYOUT}


def _ind(level1, level2, level3, nature, target, unit, actual, weight, score, reason=""):
    return dict(level1=level1, level2=level2, level3=level3, nature=nature, target=target, unit=unit,
                actual=actual, weight=weight, score=score, reason=reason)


# Seed 004 form 4 (“一窗进出”改革前台岗位外包服务经费) with its 指标性质 restored (the extraction lost them) and the
# 成本 完成值 at the 142.88 spent (the seed's 162.71 is C23's trigger): a form with no finding at all.
SICHUAN_BUDGET = {
    "total": dict(initial="35.16", budget="200.16", executed="142.88", rate="71.38%", weight="10", score="7.1",
                  reason="剩余未支付资金为下半年项目尾款,待第二年项目验收合格支付;年中追加外包服务经费165万元。"),
    "fiscal": dict(initial="35.16", budget="200.16", executed="142.88", rate="71.38%", weight="/", score="/"),
    "special": dict(initial="0.00", budget="0.00", executed="0.00", rate="0.00%", weight="/", score="/"),
    "own": dict(initial="0.00", budget="0.00", executed="0.00", rate="0.00%", weight="/", score="/"),
    "other": dict(weight="/", score="/"),
}
SICHUAN_INDICATORS = [
    _ind("产出指标", "数量指标", "配置咨询导办、综合接出件员等专业服务人员", "≥", "11", "人", "11", "20", "20"),
    _ind("产出指标", "质量指标", "系统可用时长与总时长占比", "≥", "90", "%", "90", "20", "20"),
    _ind("效益指标", "社会效益指标", "群众满意度持续提升", "≥", "95", "%", "95", "30", "30"),
    _ind("满意度指标", "服务对象满意度指标", "办件满意度", "≥", "95", "%", "95", "10", "10"),
    _ind("成本指标", "经济成本指标", "2023年新招标成本不超过165万", "≤", "165", "万元", "142.88", "10", "10"),
]
SICHUAN_FIELDS = {"project": "51140022T000000289349-“一窗进出”改革前台岗位外包服务经费",
                  "department": "眉山市政务服务管理局(部门)", "unit": "眉山市政务服务管理局"}
SICHUAN_NARRATIVE = {
    "goal": "配置咨询导办、综合接出件员、技术支撑工程师等专业服务人员,保障“一窗进出”综合窗口运行。",
    "goal_done": "综合窗口全年正常运行,年办件量5余万件。",
    "content": "按合同配置前台岗位外包服务人员,开展业务培训和考核。",
    "conclusion": "推进审批服务“前台综合受理、后台分类审批、前台统一出件”模式,有效提升群众办事便利度。",
    "problems": "尾款待项目验收合格后支付,预算执行进度偏慢。",
    "measures": "加强项目验收组织,加快资金支付进度。",
}

# A national 自评表 as 丽江/池州 print it: the direction inside 年度指标值, 产出指标(50分) in the 一级 cell.
NATIONAL_BUDGET = {
    "total": dict(initial="7.29", budget="7.29", executed="7.29", weight="10", rate="100.00%", score="10.00"),
    "fiscal": dict(initial="7.29", budget="7.29", executed="7.29", rate="100.00%"),
    "carryover": dict(initial="0.00", budget="0.00", executed="0.00", rate="0.00%"),
    "other": dict(initial="0.00", budget="0.00", executed="0.00", rate="0.00%"),
}
NATIONAL_INDICATORS = [
    _ind("产出指标", "数量指标", "开展业务培训场次", ABSENT, "≥4场", ABSENT, "4场", "20", "20"),
    _ind("产出指标", "质量指标", "培训考核合格率", ABSENT, "≥95%", ABSENT, "96%", "15", "15"),
    _ind("产出指标", "成本指标", "培训经费支出", ABSENT, "≤7.29万元", ABSENT, "7.29万元", "15", "15"),
    _ind("效益指标", "社会效益指标", "参训人员业务能力", ABSENT, "明显提升", ABSENT, "达成年度指标", "30", "30"),
    _ind("满意度指标", "服务对象满意度指标", "参训人员满意度", ABSENT, "≥90%", ABSENT, "95%", "10", "10"),
]
NATIONAL_LEVEL1_WEIGHTS = {"产出指标": "50", "效益指标": "30", "满意度指标": "10"}
NATIONAL_FIELDS = {"project": "基层财政干部业务培训经费", "department": "某市财政局", "unit": "某市财政干部培训中心"}
NATIONAL_NARRATIVE = {"goal": "全年开展业务培训4场,参训人员考核合格率95%以上。",
                      "goal_done": "全年开展业务培训4场,考核合格率96%。"}


def project_form(profile_id: str, *, budget: dict, indicators: list[dict], total_weight="100", total_score=None,
                 grade=ABSENT, narrative=None, fields=None, level1_weights=None, amount_unit="万元",
                 sheet="项目支出绩效自评表") -> Form:
    """A project self-evaluation form laid out as `LAYOUTS[profile_id]`.

    `budget`: {line key: {column: raw}} in sheet order, the total line under "total"; `indicators`: one dict per
    row (level1, level2, level3, nature, target, unit, actual, weight, score, reason); `narrative` and `fields`:
    {key: text}; `level1_weights`: {一级: the weight written in its label, '产出指标(50分)'}. `total_score`,
    `total_weight` and `grade` are the cells below the table (ABSENT: no such cell)."""
    p, lay = get_profile(profile_id), LAYOUTS[profile_id]
    form = Form(sheet=sheet, profile_id=profile_id, first_row=0, amount_unit=amount_unit,
                budget_header_row=lay.budget_total_row - 1)
    for key, (r, c) in lay.fields.items():
        if fields and key in fields:
            form.fields[key] = cell(r, c, fields[key])
    form.budget = budget_lines(p, budget, lay.budget_total_row, lay.budget_cols)
    first = lay.indicator_first_row
    seen_level1: set[str] = set()
    for i, ind in enumerate(indicators):
        r = first + i
        cells = {}
        for col, c in lay.indicator_cols.items():
            if col in ("level1", "level2"):
                continue
            raw = ind.get(col)
            if raw is not ABSENT:
                cells[col] = cell(r, c, raw)
        form.indicators.append(Indicator(r, ind["level1"], ind["level2"], cells))
        if level1_weights and ind["level1"] in level1_weights and ind["level1"] not in seen_level1:
            # '产出指标(50分)': the weight is read from the 一级 cell on the group's first row
            form.level1_weights[ind["level1"]] = cell(r, lay.indicator_cols["level1"], level1_weights[ind["level1"]])
        seen_level1.add(ind["level1"])
    form.total_row = total = first + len(indicators)
    weight_col, score_col = lay.total_cols
    if total_weight is not ABSENT:
        form.total_weight = cell(total, weight_col, total_weight)
    if total_score is not ABSENT:
        form.total_score = cell(total, score_col, total_score)
    for key, text in (narrative or {}).items():
        if text is ABSENT:
            continue
        if key in lay.narrative:
            form.narrative[key] = cell(*lay.narrative[key], text)
        else:
            down, c = lay.below_total[key]
            form.narrative[key] = cell(total + down, c, text)
    if grade is not ABSENT:
        down, c = lay.below_total["grade"]
        form.grade = cell(total + down, c, grade)
    return form


def budget_lines(p, budget: dict, total_row: int, cols: dict[str, int]) -> list[BudgetLine]:
    """Budget lines from {line key: {column: raw}}, one row each from `total_row` down."""
    out = []
    for i, (key, line) in enumerate(budget.items()):
        r = total_row + i
        label = p.budget.total_name if key == "total" else p.budget.lines[key][0]
        cells = {}
        for col, c in cols.items():
            if col == "reason" and key != "total":
                continue  # the reason cell is merged over the whole block, anchored on the total line
            raw = line.get(col)
            if raw is not ABSENT:
                cells[col] = cell(r, c, raw)
        out.append(BudgetLine(key, label, r, cells))
    return out


# 五华 项目资金（万元）(seed 003): 合计 on row 11, D..G = 年初预算数 (its 预算数) / 实际到位数 / 实际支出数 / 执行率,
# and a 到位率 column H the seed does not print (blank unless a test fills it); only 区级财政 carries amounts.
WUHUA_BUDGET_COLS = {"budget": 3, "arrived": 4, "executed": 5, "rate": 6, "arrival_rate": 7}
WUHUA_SPENT = dict(budget="397.80", arrived="397.80", executed="293.08", rate="73.68%")


def budget_block(profile_id: str, **total) -> Form:
    """The budget block above a framework table (五华), its 合计 line changed by `total`."""
    p = get_profile(profile_id)
    lines = {"total": {**WUHUA_SPENT, **total}, "central": {}, "province": {}, "city": {}, "district": WUHUA_SPENT,
             "other": {}}
    form = Form(sheet="评价表", profile_id=profile_id, first_row=0, budget_header_row=9)
    form.budget = budget_lines(p, lines, 10, WUHUA_BUDGET_COLS)
    return form


def _merged_lines(default: dict, changes: dict | None) -> dict:
    lines = copy.deepcopy(default)
    for key, change in (changes or {}).items():
        if change is ABSENT:
            lines.pop(key, None)
        else:
            lines[key] = {**lines.get(key, {}), **change}
    return lines


def _merged_rows(default: list[dict], rows: dict | None, indicators: list[dict] | None) -> list[dict]:
    out = copy.deepcopy(indicators if indicators is not None else default)
    for i, change in (rows or {}).items():
        out[i] = {**out[i], **change}
    return out


def sichuan(*, budget=None, rows=None, indicators=None, narrative=None, fields=None, total_score="97.1", **kw) -> Form:
    """The Sichuan 外包 form (no findings) with `budget` lines, indicator `rows` ({index: changes}) and `narrative`
    merged over the defaults; `indicators` replaces the rows outright."""
    return project_form(
        SICHUAN, budget=_merged_lines(SICHUAN_BUDGET, budget),
        indicators=_merged_rows(SICHUAN_INDICATORS, rows, indicators),
        narrative={**SICHUAN_NARRATIVE, **(narrative or {})}, fields={**SICHUAN_FIELDS, **(fields or {})},
        total_score=total_score, **kw)


def sichuan_spent(adjusted: str, executed: str, rate: str, score: str, *, initial=None, reason=ABSENT, lines=None,
                  rows=None, **kw) -> Form:
    """The Sichuan form with its 总额 and 财政资金 lines (the only source) at `adjusted` / `executed`, the stated
    `rate` and execution `score`, the 成本 row (≤ the budget) reporting what was spent (no C23), 合计 = score + 90.
    `lines` and `rows` change other budget lines and indicator rows."""
    line = dict(budget=adjusted, executed=executed, rate=rate, **({} if initial is None else {"initial": initial}))
    total = dict(line, score=score, **({} if reason is ABSENT else {"reason": reason}))
    kw.setdefault("total_score", str(Decimal(score) + 90))
    rows = dict(rows or {})
    rows[4] = {"level3": "项目成本控制在预算以内", "target": adjusted, "actual": executed, **rows.get(4, {})}
    return sichuan(budget={"total": total, "fiscal": line, **(lines or {})}, rows=rows, **kw)


def national(*, budget=None, rows=None, indicators=None, narrative=None, fields=None, total_score="100.00",
             level1_weights=NATIONAL_LEVEL1_WEIGHTS, **kw) -> Form:
    """The national training-project form (no findings), overrides merged as for `sichuan`."""
    return project_form(
        NATIONAL, budget=_merged_lines(NATIONAL_BUDGET, budget),
        indicators=_merged_rows(NATIONAL_INDICATORS, rows, indicators),
        narrative={**NATIONAL_NARRATIVE, **(narrative or {})}, fields={**NATIONAL_FIELDS, **(fields or {})},
        total_score=total_score, level1_weights=level1_weights, **kw)


# --- frameworks -------------------------------------------------------------------------------------------------------
FW_FIRST_ROW = 3  # the first indicator on row 4 (rows 1-3: title, unit, header)
FW_WEIGHT_COL, FW_SCORE_COL = 4, 5  # 分值 in E, 得分 in F


@dataclass
class Spec:
    """One row of a hand-made framework table."""

    name: str
    weight: object = None
    score: object = None
    children: tuple[Spec, ...] = ()


def leaf(name: str, weight, score) -> Spec:
    return Spec(name, weight, score)


def group(name: str, weight, *children: Spec, score=None) -> Spec:
    """A group row; `score` is a subtotal the table states for it (most tables state none)."""
    return Spec(name, weight, score, children)


def framework(profile_id: str, *roots: Spec, total_weight=ABSENT, total_score=ABSENT, grade=ABSENT,
              said_total=ABSENT, said_grade=ABSENT, labelled_total=ABSENT, labelled_grade=ABSENT, questionnaires=(),
              data=None, budget: Form | None = None, sheet="评价表") -> Framework:
    """A framework table, one row per node in reading order. Roots whose names the profile lists as 扣分项 make
    their rows deductions. Below the table: the 合计 row (total_weight, total_score), a ticked 评价等次 row (grade,
    as the reader normalises it: 优/良/中/差), a sentence '综合评分…分，评价等级为…' (said_total, said_grade;
    said_grade may be (grade, total) for a sentence stating both), and a labelled row '综合评分 | B | 评价等级 | D'
    (labelled_total, labelled_grade). `data`: {data item: raw} of 基础数据."""
    p = get_profile(profile_id)
    fw = Framework(sheet=sheet, profile_id=profile_id, questionnaires=list(questionnaires), budget=budget,
                   header_row=FW_FIRST_ROW - 1)
    row = FW_FIRST_ROW

    def build(spec: Spec, parent: tuple[str, ...], depth: int, deduction: bool, above: Node | None) -> Node:
        nonlocal row
        r, row = row, row + 1
        shared = spec.weight is SHARED
        node = Node(path=parent + (spec.name,), label=cell(r, depth, spec.name),
                    weight=above.weight if shared else cell(r, FW_WEIGHT_COL, spec.weight),
                    score=cell(r, FW_SCORE_COL, spec.score), deduction=deduction,
                    not_applicable=spec.name in ("不涉及", "不适用"), shared_weight=shared)
        node.children = build_all(spec.children, node.path, depth + 1, deduction)
        return node

    def build_all(specs, parent, depth, deduction) -> list[Node]:
        out: list[Node] = []
        for s in specs:
            out.append(build(s, parent, depth, deduction if parent else names_any(s.name, p.table.deduction),
                             out[-1] if out else None))
        return out

    fw.roots = build_all(roots, (), 0, False)
    total = row
    if total_weight is not ABSENT:
        fw.total_weight = cell(total, FW_WEIGHT_COL, total_weight)
    if total_score is not ABSENT:
        fw.total_score = cell(total, FW_SCORE_COL, total_score)
    if grade is not ABSENT:
        fw.grade = cell(total + 1, 2, grade)
    if said_total is not ABSENT:
        text = f"综合评分{said_total}分"
        fw.summaries.append(Summary("total", cell(total + 2, 0, text), Decimal(str(said_total))))
    if said_grade is not ABSENT:
        grade_word, stated_total = said_grade if isinstance(said_grade, tuple) else (said_grade, None)
        said = "" if stated_total is None else f"综合评分{stated_total}分，"
        text = f"{said}评价等级为{grade_word}"
        fw.summaries.append(Summary("grade", cell(total + 3, 0, text), grade_word,
                                    None if stated_total is None else Decimal(str(stated_total))))
    if labelled_total is not ABSENT:
        fw.summaries.insert(0, Summary("total", cell(total + 4, 1, labelled_total), Decimal(str(labelled_total)),
                                       label="综合评分"))
    if labelled_grade is not ABSENT:
        fw.summaries.insert(0, Summary("grade", cell(total + 4, 3, labelled_grade), labelled_grade, label="评价等级"))
    for i, (name, raw) in enumerate((data or {}).items()):
        fw.data[name] = Cell(i + 1, 1, parse(raw))  # 基础数据 sheet: 数据项 | 数值
    return fw


def profile_specs(profile_id: str, scores: dict | None = None) -> list[Spec]:
    """The profile's weight tree as table rows at full marks: each leaf scores its weight unless `scores` names
    it; a weight the profile leaves open is printed as its children's sum; of a pick-one block only the first
    alternative is filled in; 扣分项 rows are left blank (nothing deducted)."""
    scores = scores or {}

    def spec(n, filled: bool) -> Spec:
        if n.is_leaf:
            score = scores.get(n.name, n.weight if filled and not n.deduction else None)
            return leaf(n.name, n.weight, score)
        kids = [spec(c, filled and (not n.pick_one or i == 0)) for i, c in enumerate(n.children)]
        return group(n.name, n.weight if n.weight is not None else n.effective_weight(), *kids)

    return [spec(r, True) for r in get_profile(profile_id).tree]


def from_profile(profile_id: str, *, scores: dict | None = None, total_score=ABSENT, **kw) -> Framework:
    """`framework` over the profile's whole weight tree at full marks (see `profile_specs`), 合计 100 / 100 unless
    `total_score` says otherwise."""
    p = get_profile(profile_id)
    return framework(profile_id, *profile_specs(profile_id, scores), total_weight=p.total_weight,
                     total_score=p.total_weight if total_score is ABSENT else total_score, **kw)


def questionnaire(counts, *, valid=10, points=(10, 5, 0), total=ABSENT, score=ABSENT,
                  sheet="问卷调查") -> Questionnaire:
    """A tally: one (A, B, C) count triple per question; points A 10 / B 5 / C 0; the stated 问卷总分 and
    综合得分 default to what the counts give. Question i is on row 3 + 4i (label in A, options in B..D)."""
    q = Questionnaire(sheet=sheet)
    tally = Decimal(0)
    for i, triple in enumerate(counts):
        r = 2 + 4 * i
        options = [(cell(r + k + 1, 1, "ABC"[k]), cell(r + k + 1, 2, pts), cell(r + k + 1, 3, n))
                   for k, (pts, n) in enumerate(zip(points, triple))]
        tally += sum(Decimal(pts) * Decimal(n) for pts, n in zip(points, triple))
        q.questions.append(Question(str(i + 1), cell(r, 0, f"{i + 1}.问题{i + 1}"), options))
    end = 2 + 4 * len(counts)
    q.valid = cell(end, 3, valid)
    q.total_points = cell(end + 1, 3, tally if total is ABSENT else total)
    q.score = cell(end + 2, 3, (tally / valid if valid else None) if score is ABSENT else score)
    return q

