"""Templates of department-level indicator frameworks that compute their scores from data (xlsxwriter only).

    tmap = write_framework_template(get_profile("yunnan.kunming.dept_common"), "dept.xlsx", fill=None)

The workbook follows the profile's weight tree (`tree:`, see perfeval_xl/tree.py):

* **评价指标表**: the title, （    年度） (a formula reading the 年度 input), 项目名称 / 单位名称 / 年度 inputs
  (labelled as the profile's `fields`, so the reader reads them back), then 一级 | 二级 | 三级 | 分值 | 得分 | 评分细则.
  Level cells are merged over their rows (a group whose children are rows spans the level columns left of them, as
  the seeds print 扣分项 or 效果效益); weights are written in the labels ("B11基本支出预算执行率(1分)") and, for the
  rows, in 分值. A row whose 评分细则 the profile makes computable (`method`) carries a live formula — the rule's
  formula on cells of 基础数据, through hidden helper columns holding the row's inputs — and every other row's 得分 is
  a yellow input. 合计 (SUM formulas; points under 扣分项 are subtracted, at most the block's weight) and 评价等次
  (RULES['grade']) follow the table; rows are as tall as their 评分细则 needs.
* **基础数据**: one row per data item the rows' inputs read: 数据项 | 数值 | 说明, the values yellow inputs.
* **问卷统计** (profiles with a `questionnaire`): questions × options × 标准分值 × 份数 (inputs, pre-filled with the
  profile's questions), 问卷总分 = SUMPRODUCT, 有效问卷份数 (input), 问卷综合得分 = 问卷总分 ÷ 有效份数; a
  `{questionnaire: X}` input reads 综合得分 ÷ 满分 × 100 from here.

A group whose weight the profile leaves open (`weight: null`) gets a live label ("过程(20分)", from what its children
carry); a row whose weight is open has its 分值 as an input. Every formula carries its cached value, computed by the
same rules in Python (`perfeval_xl.rules`, Decimal, half-up rounding), so viewers that never recalculate show the
right numbers. Inputs are yellow and unlocked; sheets are protected without a password; a score above its weight or
below 0 turns red, and so do questionnaire counts that do not add up to the valid questionnaires.

`fill` pre-fills inputs (every key optional):

    {"fields":        {"project": .., "unit": .., "year": ..},   # 项目名称, 单位名称, 年度 above the table
     "data":          {data item: value},                 # 基础数据 ('是' / '否' for answers)
     "scores":        {row: value},                        # rows scored by hand (no method)
     "weights":       {row: value},                        # rows whose weight the profile leaves open
     "questionnaire": {"valid": n, "counts": [[n, n, n], ...]}}   # per question, per option

A row is named by its name when that is unique in the tree, else by its path "一级/二级/三级".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..a1 import a1, absolute, column_ranges
from ..excelmath import ZERO, excel_round
from ..messages import TEMPLATE
from ..profile import Profile, QuestionSpec
from ..rules import NOISE_DIGITS, RULES
from ..tree import (TreeNode, call_arguments, describe_expression, evaluate_expression, expression_formula,
                    expression_items, rule_arguments)
from .registry import TemplateWriter, register
from .printing import grow_rows, text_height, widen
from .sheet import (INPUT, KINDS, SheetWriter, cached, input_value, lit, template_year, year_formula, year_text,
                    year_validation)

SHEET = "评价指标表"
DATA_SHEET = "基础数据"
Q_SHEET = "问卷统计"
CRITERIA = "评分细则"
TOTAL_DIGITS = 2
TOL = "0.005"
Q_DEFAULT = (10, 3)  # a questionnaire without questions in the profile: 10 blank questions of 3 options
Q_POINTS = (10, 5, 0)
YEAR_LABEL = "（{year}年度）"  # the line under the title, where the profile gives no year_label
FIELDS = (("project", "项目名称"), ("unit", "单位名称"), ("year", "年度"))  # above the table; labels: profile.fields

_KINDS = {
    **KINDS,
    "note": {"align": "left", "border": 0},
    "head": {"align": "center", "bold": True},
    "leaf": {"align": "left"},
    "text": {"align": "left"},
    "score": {"align": "center", "num_format": "0.00"},
    "value": {"align": "right", "num_format": "#,##0.00##"},
    "in_number": {"align": "center", **INPUT},
    "in_score": {"align": "center", "num_format": "0.00", **INPUT},
    "in_value": {"align": "right", "num_format": "#,##0.00##", **INPUT},
}


@dataclass
class FrameworkTemplateMap:
    """Where everything sits on a written framework template and what each formula cell evaluates to.

    References are qualified with their sheet ("评价指标表!E5"); `rows` is keyed by the row's path
    ("A部门决策/A1部门目标/A11…")."""

    profile_id: str
    sheet: str = SHEET
    title: str = ""  # the line that shows the year ('评价指标表!A2')
    fields: dict[str, str] = field(default_factory=dict)  # 'project' | 'unit' | 'year' -> input cell
    data_sheet: str = DATA_SHEET
    questionnaire_sheet: str | None = None
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> label / weight / score / helpers
    groups: dict[str, str] = field(default_factory=dict)  # group path -> label cell
    data: dict[str, str] = field(default_factory=dict)  # data item -> value cell
    questionnaire: dict = field(default_factory=dict)  # valid / full / total / score cells, counts / points
    total_weight: str = ""
    total_score: str = ""
    grade: str = ""
    inputs: list[str] = field(default_factory=list)  # every yellow input cell
    computed: dict[str, object] = field(default_factory=dict)  # formula cell -> Python rules' value ('' = blank)
    values: dict[str, object] = field(default_factory=dict)  # path -> score the rules give (None = blank)
    last_row: int = 0  # 1-based last printed row of the indicator table


def write_framework_template(profile: Profile, path: str | Path, *, year: int | str | None = None,
                             fill: dict | None = None) -> FrameworkTemplateMap:
    """Write the framework's template to `path` (.xlsx) and return where everything is.

    Args:
        profile: a loaded framework profile with a `tree`.
        path: the file to write (overwritten).
        year: the 年度 input, which the line under the title reads ("（2024年度）"): a four-digit year, or None to
            leave it blank ("（    年度）"); fill["fields"]["year"] is used when year is None.
        fill: optional input values, see the module docstring.
    Raises:
        UsageError: the year is not a four-digit year.
    """
    if profile.kind != "framework" or not profile.tree:
        raise ValueError(f"profile {profile.id} has no weight tree (tree:) to lay out")
    fill = fill or {}
    given = (fill.get("fields") or {}).get("year") if isinstance(fill.get("fields"), dict) else None
    return _Writer(profile, template_year(year if year not in (None, "") else given), fill).write(Path(path))


def _widths(ncols: int) -> list[float]:
    """Column widths: the level columns (the last one, where rows are named, wider), 分值, 得分, and 评分细则 as wide
    as a landscape page printing the text at 9 pt allows (at least 56)."""
    return widen([12.0] * (ncols - 1) + [26.0, 7.0, 8.0, 56.0], ncols + 2)


class _Writer(SheetWriter):
    KINDS = _KINDS
    QUALIFIED = True

    def __init__(self, profile: Profile, year, fill: dict):
        self.map = FrameworkTemplateMap(profile.id)
        super().__init__(profile, self.map)
        self.year, self.fill = year, fill
        self.roots = profile.tree
        self.leaves = [leaf for r in self.roots for leaf in r.leaves()]
        self.depth = max(len(leaf.path) for leaf in self.leaves)
        self.ncols = max(self.depth, 2)
        self.wcol, self.scol, self.ccol = self.ncols, self.ncols + 1, self.ncols + 2
        self.hcol = self.ccol + 2  # hidden helpers, after one empty column
        self.nhelpers = max((len(rule_arguments(x.method).inputs) for x in self.leaves if x.method), default=0)
        self.names = self._row_names()
        self.q = profile.questionnaire
        self._check_fill()

    # -- names and the fill --------------------------------------------------------------------------------------
    def _row_names(self) -> dict[str, TreeNode]:
        """Every way a fill may name a row: its path, and its name when no other row has it."""
        out = {"/".join(x.path): x for x in self.leaves}
        counts: dict[str, int] = {}
        for x in self.leaves:
            counts[x.name] = counts.get(x.name, 0) + 1
        out.update({x.name: x for x in self.leaves if counts[x.name] == 1})
        return out

    def _check_fill(self) -> None:
        problems = []
        extra = set(self.fill) - {"fields", "data", "scores", "weights", "questionnaire"}
        if extra:
            problems.append(f"unknown keys {sorted(extra)}")
        extra = set(self.fill.get("fields") or {}) - {k for k, _ in FIELDS}
        if extra:
            problems.append(f"fields: unknown keys {sorted(extra)}, expected some of {[k for k, _ in FIELDS]}")
        items = self.data_items()
        typed = {k for k, v in items.items() if v["kind"] != "questionnaire"}
        for key, value in (self.fill.get("data") or {}).items():
            if key not in typed:
                problems.append(f"data: no data item '{key}'")
            elif items[key]["kind"] in ("number", "count") and not isinstance(input_value(value),
                                                                              (Decimal, type(None))):
                problems.append(f"data: '{key}' takes a number, not {value!r}")
        for key in self.fill.get("scores") or {}:
            row = self.names.get(key)
            if row is None:
                problems.append(f"scores: no row '{key}'")
            elif row.method:
                problems.append(f"scores: row '{key}' is computed by {row.method}; fill its data instead")
        for key in self.fill.get("weights") or {}:
            row = self.names.get(key)
            if row is None:
                problems.append(f"weights: no row '{key}'")
            elif row.weight is not None or row.deduction:
                problems.append(f"weights: row '{key}' has a fixed weight")
            elif not isinstance(input_value(self.fill["weights"][key]), (Decimal, type(None))):
                problems.append(f"weights: '{key}' takes a number")
        if self.fill.get("questionnaire") and not self.q:
            problems.append("questionnaire: the profile has no questionnaire")
        if problems:
            raise ValueError(f"fill does not fit profile {self.p.id}: " + "; ".join(problems))

    def _fill_of(self, part: str, node: TreeNode):
        given = self.fill.get(part) or {}
        for key in ("/".join(node.path), node.name):
            if key in given and self.names.get(key) is node:
                return input_value(given[key])
        return None

    def data_items(self) -> dict[str, dict]:
        """Data item -> {kind, users}, in the order the rows first read them."""
        items: dict[str, dict] = {}
        for leaf in self.leaves:
            for expr in leaf.inputs.values():
                for name, kind in expression_items(expr):
                    item = items.setdefault(name, {"kind": kind, "users": []})
                    if kind == "number":  # a count also read as an amount is a number
                        item["kind"] = kind if item["kind"] == "count" else item["kind"]
                    if leaf.name not in item["users"]:
                        item["users"].append(leaf.name)
        return items

    # -- cells ---------------------------------------------------------------------------------------------------
    # -- the workbook ----------------------------------------------------------------------------------------------
    def write(self, path: Path) -> FrameworkTemplateMap:
        self.open(path)
        self.ws = self.wb.add_worksheet(SHEET)
        self.ds = self.wb.add_worksheet(DATA_SHEET)
        self.qs = self.wb.add_worksheet(Q_SHEET) if self.q else None
        self.map.questionnaire_sheet = Q_SHEET if self.q else None
        self.values: dict[str, object] = {}  # data item -> Python value
        if self.qs is not None:
            self.questionnaire_sheet()
        self.data_sheet()
        self.table()
        for ws in filter(None, (self.ws, self.ds, self.qs)):
            ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True})
        self.wb.close()
        return self.map

    # -- 问卷统计 ------------------------------------------------------------------------------------------------
    def questionnaire_sheet(self) -> None:
        ws, spec, given = self.qs, self.q, self.fill.get("questionnaire") or {}
        cols = spec.columns
        questions = spec.questions or [QuestionSpec("", tuple(("", Decimal(p)) for p in Q_POINTS[:Q_DEFAULT[1]]))
                                       for _ in range(Q_DEFAULT[0])]
        self.put(ws, 0, 0, spec.title or "满意度调查问卷统计", "title", c2=4)
        heads = ("标题序号", "问题内容", cols["option"][0], cols["points"][0], cols["count"][0])
        for c, text in enumerate(heads):
            self.put(ws, 1, c, text, "head")
        r = 2
        counts_given = given.get("counts") or []
        points_all, counts_all, qrows, refs = [], [], [], {"counts": [], "points": []}
        full = ZERO
        for i, question in enumerate(questions):
            opts = question.options
            first, last = r, r + len(opts) - 1
            self.put(ws, first, 0, i + 1, "number", r2=last)
            self.put(ws, first, 1, question.text or None, "in_text", r2=last)
            qc, qp = [], []
            for j, (option, points) in enumerate(opts):
                row_counts = counts_given[i] if i < len(counts_given) else []
                count = input_value(row_counts[j]) if j < len(row_counts) else None
                self.put(ws, r, 2, option or None, "in_text")
                qp.append(self.put(ws, r, 3, points, "in_number"))
                qc.append(self.put(ws, r, 4, count, "in_number"))
                points_all.append(points)
                counts_all.append(count if isinstance(count, Decimal) else ZERO)
                r += 1
            full += max(p for _, p in opts)
            qrows.append((first, last))
            refs["counts"].append(qc)
            refs["points"].append(qp)
        first_opt, last_opt = 2, r - 1
        pts, cnt = f"D{first_opt + 1}:D{last_opt + 1}", f"E{first_opt + 1}:E{last_opt + 1}"
        total = sum((c * p for c, p in zip(counts_all, points_all)), ZERO)
        self.put(ws, r, 0, spec.total[0], c2=2)
        full_f = "+".join(f"MAX(D{a + 1}:D{b + 1})" for a, b in qrows)
        refs["full"] = self.calc(ws, r, 3, full_f, full, "number")
        refs["total"] = self.calc(ws, r, 4, f"SUMPRODUCT({cnt},{pts})", total, "number")
        valid = input_value(given.get("valid"))
        self.put(ws, r + 1, 0, spec.valid[0], c2=3)
        refs["valid"] = self.put(ws, r + 1, 4, valid, "in_number")
        rule = RULES["questionnaire"]
        vnum = valid if isinstance(valid, Decimal) else ZERO
        score = rule.evaluate(counts=counts_all, points=points_all, valid=vnum)
        self.put(ws, r + 2, 0, spec.score[0], c2=3)
        valid_cell = absolute(r + 1, 4)
        refs["score"] = self.calc(ws, r + 2, 4, rule.formula(counts=cnt, points=pts, valid=valid_cell), score, "score")
        self.map.questionnaire = refs
        # satisfaction %: 综合得分 ÷ 满分 × 100, blank until there are valid questionnaires
        self.q_pct = None if not vnum or not full else score / full * 100
        self.q_pct_formula = (f"IF(OR(N('{Q_SHEET}'!{absolute(r + 1, 4)})=0,N('{Q_SHEET}'!{absolute(r, 3)})=0),\"\","
                              f"'{Q_SHEET}'!{absolute(r + 2, 4)}/'{Q_SHEET}'!{absolute(r, 3)}*100)")
        for a, b in qrows:  # a question's counts must add up to the valid questionnaires
            self.red(ws, a, 4, b, 4, f"AND(N({valid_cell})>0,SUM($E${a + 1}:$E${b + 1})<>N({valid_cell}))")
        ws.data_validation(first_opt, 4, last_opt, 4, {
            "validate": "integer", "criteria": ">=", "value": 0, "input_title": "份数",
            "input_message": TEMPLATE["count.prompt"], "error_title": "份数有误",
            "error_message": TEMPLATE["count.error"]})
        ws.data_validation(first_opt, 3, last_opt, 3, {
            "validate": "decimal", "criteria": ">=", "value": 0, "error_title": "分值有误",
            "error_message": TEMPLATE["points.error"]})
        ws.data_validation(r + 1, 4, r + 1, 4, {"validate": "integer", "criteria": ">=", "value": 0,
                                                "input_title": "有效问卷份数",
                                                "input_message": TEMPLATE["valid.prompt"]})
        widths = (9, 36, 20, 9, 9)  # portrait: the text prints at 9 pt or more
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        heights = {0: 32.0, 1: max(text_height(t, w) for t, w in zip(heads, widths))}
        for (a, b), question in zip(qrows, questions):  # a question's text over its option rows
            for row in range(a, b + 1):
                heights[row] = text_height(question.text, widths[1]) / (b - a + 1)
            for row, (option, _) in zip(range(a, b + 1), question.options):
                heights[row] = max(heights[row], text_height(option, widths[2]))
        self.print_setup(ws, heights, r + 2, 4, widths, table=(1, 1, r + 2), keep=[(r, r + 2)])

    # -- 基础数据 ------------------------------------------------------------------------------------------------
    def data_sheet(self) -> None:
        ws, items = self.ds, self.data_items()
        self.put(ws, 0, 0, f"{self.p.title} 基础数据", "title", c2=2)
        widths, heights = (30, 14, 46), {0: 32.0}  # portrait: the text prints at 9 pt or more
        self.put(ws, 1, 0, TEMPLATE["data.note"], "note", c2=2)
        for c, text in enumerate(("数据项", "数值", "说明")):
            self.put(ws, 2, c, text, "head")
        given = self.fill.get("data") or {}
        hints = {"number": "填写数字", "count": "填写个数（整数）", "answer": "填写“是”或“否”",
                 "questionnaire": "由“问卷统计”表计算（综合得分 ÷ 满分 × 100）"}
        r = 3
        for name, item in items.items():
            self.put(ws, r, 0, name, "text")
            kind = item["kind"]
            if kind == "questionnaire":
                self.values[name] = self.q_pct
                self.map.data[name] = self.calc(ws, r, 1, self.q_pct_formula, self.q_pct, "value")
            else:
                value = input_value(given.get(name))
                self.values[name] = value
                self.map.data[name] = self.put(ws, r, 1, value, "in_center" if kind == "answer" else "in_value")
                dv = ({"validate": "list", "source": ["是", "否"]} if kind == "answer" else
                      {"validate": "integer", "criteria": ">=", "value": 0} if kind == "count" else
                      {"validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15})
                ws.data_validation(r, 1, r, 1, {**dv, "input_title": name[:32], "input_message": hints[kind],
                                                "error_title": "数据有误", "error_message": hints[kind] + "。"})
            note = f"{hints[kind]}。用于：{'、'.join(item['users'])}"
            self.put(ws, r, 2, note, "text")
            heights[r] = max(text_height(note, widths[2]), text_height(name, widths[0]))
            r += 1
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        heights[1] = text_height(TEMPLATE["data.note"], widths)
        self.print_setup(ws, heights, max(r - 1, 2), 2, widths, table=(2, 2, max(r - 1, 2)), keep=[(0, 3)])

    def data_ref(self, name: str) -> str:
        sheet, ref = self.map.data[name].split("!")
        col, row = ref.rstrip("0123456789"), ref[len(ref.rstrip("0123456789")):]
        return f"'{sheet}'!${col}${row}"

    # -- 评价指标表 ----------------------------------------------------------------------------------------------
    def table(self) -> None:
        ws, p = self.ws, self.p
        widths = _widths(self.ncols)
        last_col = self.ccol
        self.put(ws, 0, 0, p.title, "title", c2=last_col)
        self.heights = {0: 32.0}
        head = self.head_fields()
        cols = p.table.columns
        level_keys = ["level1"] + ["level2"] * (self.ncols - 2) + ["level3"]
        for key in dict.fromkeys(level_keys):
            c1 = level_keys.index(key)
            c2 = len(level_keys) - 1 - level_keys[::-1].index(key)
            self.put(ws, head, c1, cols[key][0], "head", c2=c2)
        self.put(ws, head, self.wcol, cols["weight"][0], "head")
        self.put(ws, head, self.scol, cols["score"][0], "head")
        self.put(ws, head, self.ccol, CRITERIA, "head")
        for i in range(self.nhelpers):
            self.put(ws, head, self.hcol + i, f"计算值{i + 1}", "helper")
        first = head + 1
        self.rows: dict[int, TreeNode] = {}
        for i, leaf in enumerate(self.leaves):
            self.rows[first + i] = leaf
        self.leaf_row = {id(x): r for r, x in self.rows.items()}
        last = first + len(self.leaves) - 1
        self.weights: dict[int, Decimal | None] = {}
        for row, leaf in self.rows.items():  # weights first: labels and scores read them
            self.weights[row] = leaf.weight if leaf.weight is not None else (
                None if leaf.deduction else self._fill_of("weights", leaf))
        for root in self.roots:
            self.node_cells(root, 0)
        self.scores: dict[int, Decimal | None] = {}
        for row, leaf in self.rows.items():
            self.leaf_cells(row, leaf)
        self.criteria_cells(first, last)
        self.totals(last + 1)
        self.score_checks()
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        if self.nhelpers:
            ws.set_column(self.hcol, self.hcol + self.nhelpers - 1, 10, None, {"hidden": True})
        end = last + 2
        # pages never break between the header and the first row, nor between 合计 and 评价等次
        self.print_setup(ws, self.heights, end, last_col, widths, table=(head, head, end),
                         keep=[(0, head + 1), (end - 1, end)])
        self.map.last_row = end + 1

    def head_fields(self) -> int:
        """The year line (a formula reading the 年度 input), 项目名称, 单位名称 and 年度; returns the header row."""
        ws, p, last = self.ws, self.p, self.ccol
        given = self.fill.get("fields") or {}
        labels = {key: (p.fields.get(key) or (default,))[0] for key, default in FIELDS}
        self.put(ws, 2, 0, labels["project"])
        self.map.fields["project"] = self.put(ws, 2, 1, given.get("project"), "in_text", c2=last)
        self.put(ws, 3, 0, labels["unit"])
        self.map.fields["unit"] = self.put(ws, 3, 1, given.get("unit"), "in_text", c2=self.wcol - 1)
        self.put(ws, 3, self.wcol, labels["year"], c2=self.scol)
        year = self.map.fields["year"] = self.put(ws, 3, self.ccol, self.year, "in_center")
        year_validation(ws, 3, self.ccol)
        label = p.year_label or YEAR_LABEL
        self.map.title = self.calc(ws, 1, 0, year_formula(label, year.split("!")[1]), year_text(label, self.year),
                                   "year", c2=last)
        return 4

    def span(self, node: TreeNode, first_col: int) -> int:
        """Last level column of a node: a row reaches the last level column, a group of rows the one left of it
        (眉山 项目决策 over 二级 and its split column, 扣分项 over 一级 and 二级), any other group its own column."""
        if node.is_leaf:
            return self.ncols - 1
        return self.ncols - 2 if all(c.is_leaf for c in node.children) else first_col

    def node_cells(self, node: TreeNode, c1: int) -> None:
        """The label cells of a node and its subtree (groups merged over their rows)."""
        c2 = self.span(node, c1)
        leaves = node.leaves()
        r1, r2 = self.leaf_row[id(leaves[0])], self.leaf_row[id(leaves[-1])]
        path = "/".join(node.path)
        kind = "leaf" if node.is_leaf else "label"
        if node.weight is not None or node.is_leaf:
            text = node.name + (f"({lit(node.weight)}分)" if node.weight else "")
            ref = self.put(self.ws, r1, c1, text, kind, r2=r2, c2=c2)
        else:  # the weight its children carry, live: "过程(20分)"
            rows, constant = self.weight_terms(node.children)
            total = sum((self.weights[r] for r in rows if self.weights[r] is not None), constant)
            parts = column_ranges(self.wcol, rows)
            expr = "+".join(([f"SUM({','.join(parts)})"] if parts else []) + ([lit(constant)] if constant else []))
            name = node.name.replace('"', '""')
            # ROUND before joining: a sum such as 1 + 7.5 + 3.13 is 11.629999999999999 in binary, which Excel and
            # LibreOffice print as 11.63 but the `formulas` library as it is
            formula = f'IF(({expr or 0})=0,"{name}","{name}("&ROUND({expr or 0},{NOISE_DIGITS})&"分)")'
            text = node.name if total == 0 else f"{node.name}({lit(excel_round(total, NOISE_DIGITS))}分)"
            ref = self.calc(self.ws, r1, c1, formula, text, kind, r2=r2, c2=c2)
        self.need(r1, r2, text, c1, c2)
        if node.is_leaf:
            self.map.rows[path] = {"label": ref}
        else:
            self.map.groups[path] = ref
            for child in node.children:
                self.node_cells(child, c2 + 1)

    def weight_terms(self, nodes: list[TreeNode]) -> tuple[list[int], Decimal]:
        """What the nodes weigh: the rows (分值 cells) of those without a weight of their own, plus a constant for
        those with one (a pick-one block counts once); 扣分项 rows do not count."""
        rows, constant = [], ZERO
        for node in nodes:
            own = node.effective_weight() if node.pick_one else node.weight
            if node.deduction:
                continue
            if own is not None and not node.is_leaf:
                constant += own
            elif node.is_leaf:
                rows.append(self.leaf_row[id(node)])
            else:
                more, extra = self.weight_terms(node.children)
                rows += more
                constant += extra
        return rows, constant

    def need(self, r1: int, r2: int, text: str, c1: int, c2: int) -> None:
        """Make rows r1..r2 together tall enough for `text` wrapped in columns c1..c2."""
        grow_rows(self.heights, _widths(self.ncols), r1, r2, c1, c2, text)

    def cap(self, leaf: TreeNode) -> Decimal:
        """Most a 扣分项 row may deduct: the weight of its block."""
        root = next(r for r in self.roots if r.path[0] == leaf.path[0])
        for n in reversed([x for x in root.walk() if x.path == leaf.path[:len(x.path)]]):
            if n.weight is not None:
                return n.weight
        return Decimal(self.p.total_weight)

    def leaf_cells(self, r: int, leaf: TreeNode) -> None:
        ws, path = self.ws, "/".join(leaf.path)
        refs = self.map.rows[path]
        w = self.weights[r]
        open_weight = leaf.weight is None and not leaf.deduction
        if open_weight:
            refs["weight"] = self.put(ws, r, self.wcol, w, "in_number")
            ws.data_validation(r, self.wcol, r, self.wcol, {
                "validate": "decimal", "criteria": ">=", "value": 0, "input_title": "分值",
                "input_message": TEMPLATE["open_weight.prompt"], "error_title": "分值有误",
                "error_message": TEMPLATE["points.error"]})
        else:
            refs["weight"] = self.put(ws, r, self.wcol, leaf.weight, "number")
        wref = a1(r, self.wcol)
        if leaf.method is None:
            score = self._fill_of("scores", leaf)
            refs["score"] = self.put(ws, r, self.scol, score, "in_score")
            limit = self.cap(leaf) if leaf.deduction else leaf.weight
            what = "扣分" if leaf.deduction else "得分"
            dv = ({"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": cached(limit)}
                  if limit is not None else {"validate": "decimal", "criteria": ">=", "value": 0})
            ws.data_validation(r, self.scol, r, self.scol, {
                **dv, "input_title": what, "input_message": (
                    TEMPLATE["hand.prompt_limit"].format(what=what, limit=lit(limit)) if limit is not None else
                    TEMPLATE["hand.prompt"].format(what=what)),
                "error_title": f"{what}有误", "error_message": TEMPLATE["hand.error"].format(what=what)})
            self.scores[r] = score if isinstance(score, Decimal) else None
            self.map.values[path] = self.scores[r]
            return
        # a computed row: hidden helpers hold its inputs, the score is the rule's formula on them
        rule, args = RULES[leaf.method], rule_arguments(leaf.method)
        helper_refs, values = {}, {}
        for i, name in enumerate(args.inputs):
            expr = leaf.inputs[name]
            value = evaluate_expression(expr, self.values)
            values[name] = value
            formula = expression_formula(expr, self.data_ref)
            ref = self.calc(ws, r, self.hcol + i, formula, value, "helper")
            helper_refs[name] = a1(r, self.hcol + i)
            refs[f"input_{name}"] = ref
        guards = [f'{h}=""' for h in helper_refs.values()] + ([f'{wref}=""'] if open_weight else [])
        guard = guards[0] if len(guards) == 1 else f"OR({','.join(guards)})"
        cap = self.cap(leaf) if leaf.deduction else None
        weight_arg = lit(cap) if leaf.deduction else wref
        body = rule.formula(**helper_refs, **call_arguments(leaf.method, leaf.params, weight_arg))
        digits = int(leaf.params.get("digits", 2))
        if leaf.method == "qualitative":
            body = f"ROUND({body},{digits})"
        if leaf.deduction and args.takes_weight:
            body = f"{lit(cap)}-({body})"
        score = None
        if all(v is not None for v in values.values()) and not (open_weight and w is None):
            weight = cap if leaf.deduction else w
            call = {k: (lit(v) if leaf.method == "qualitative" and isinstance(v, Decimal) else v)
                    for k, v in values.items()}
            got = rule.evaluate(**call, **call_arguments(leaf.method, leaf.params, weight))
            if leaf.method == "qualitative":
                got = ZERO if got is None else excel_round(got.high, digits)
            score = cap - got if leaf.deduction and args.takes_weight else got
        refs["score"] = self.calc(ws, r, self.scol, f'IF({guard},"",{body})', score, "score")
        self.scores[r] = score
        self.map.values[path] = score

    def criteria_cells(self, first: int, last: int) -> None:
        """评分细则 per row, merged over neighbours that print the same text."""
        texts = []
        for r in range(first, last + 1):
            leaf = self.rows[r]
            text = leaf.criteria
            if not text and leaf.method:
                described = "；".join(describe_expression(e) for e in leaf.inputs.values())
                text = f"{RULES[leaf.method].title}：{described}"
            texts.append(text)
        i = 0
        while i < len(texts):
            j = i
            while j + 1 < len(texts) and texts[j + 1] == texts[i] and texts[i]:
                j += 1
            self.put(self.ws, first + i, self.ccol, texts[i] or None, "text", r2=first + j)
            if texts[i]:
                self.need(first + i, first + j, texts[i], self.ccol, self.ccol)
            i = j + 1

    # -- 合计 / 评价等次 ------------------------------------------------------------------------------------------
    def totals(self, r: int) -> None:
        ws, p = self.ws, self.p
        label_end = self.ncols - 1
        self.put(ws, r, 0, p.total_labels[0], "head", c2=label_end)
        # 分值: the rows' weights, a pick-one block counted once (its weight), 扣分项 not counted
        cells, constant = [], ZERO

        def weigh(node: TreeNode):
            nonlocal constant
            if node.deduction:
                return
            if node.pick_one and node.effective_weight() is not None:
                constant += node.effective_weight()
                return
            if node.is_leaf:
                cells.append(self.leaf_row[id(node)])
                return
            for child in node.children:
                weigh(child)

        for root in self.roots:
            weigh(root)
        parts = column_ranges(self.wcol, cells)
        terms = ([f"SUM({','.join(parts)})"] if parts else []) + ([lit(constant)] if constant else [])
        wformula = "+".join(terms) or "0"
        wvalue = sum((self.weights[x] for x in cells if self.weights[x] is not None), ZERO) + constant
        self.map.total_weight = self.calc(ws, r, self.wcol, wformula, wvalue, "number")
        # 得分: scored rows minus the points deducted, each 扣分项 block at most its weight
        main = [x for x, leaf in self.rows.items() if not leaf.deduction]
        formula = f"SUM({','.join(column_ranges(self.scol, main))})" if main else "0"
        value = sum((self.scores[x] for x in main if self.scores[x] is not None), ZERO)
        for root in self.roots:
            if not root.deduction:
                continue
            rows = [self.leaf_row[id(x)] for x in root.leaves()]
            cap = root.weight
            got = sum((self.scores[x] for x in rows if self.scores[x] is not None), ZERO)
            rng = ",".join(column_ranges(self.scol, rows))
            formula += f"-MIN({lit(cap)},SUM({rng}))" if cap is not None else f"-SUM({rng})"
            value -= min(cap, got) if cap is not None else got
        total = excel_round(value, TOTAL_DIGITS)
        self.map.total_score = self.calc(ws, r, self.scol, f"ROUND({formula},{TOTAL_DIGITS})", total, "score")
        self.put(ws, r, self.ccol, None, "text")
        # 评价等次: blank until a score is there
        self.put(ws, r + 1, 0, p.grade_labels[0], "head", c2=label_end)
        all_scores = ",".join(column_ranges(self.scol, list(self.rows)))
        total_ref = a1(r, self.scol)
        bands = p.grade_bands
        any_score = any(v is not None for v in self.scores.values())
        grade = RULES["grade"].evaluate(total=total, bands=bands) if any_score else ""
        grade_formula = RULES["grade"].formula(total=total_ref, bands=bands)
        self.map.grade = self.calc(ws, r + 1, self.wcol, f'IF(COUNT({all_scores})=0,"",{grade_formula})', grade,
                                   "label", c2=self.ccol)
        # the weights must add up to the total once scoring has started (open weights are typed by the unit)
        tw = absolute(r, self.wcol)
        self.red(ws, r, self.wcol, r, self.wcol,
                 f"AND(COUNT({all_scores})>0,ABS(N({tw})-{lit(p.total_weight)})>{TOL})")
        self.total_row = r

    def score_checks(self) -> None:
        """Red where a score is below 0 or above its weight (a 扣分项 row: above its block's weight)."""
        runs: list[list] = []
        for r, leaf in self.rows.items():
            key = ("deduction", self.cap(leaf)) if leaf.deduction else ("weight", None)
            if runs and runs[-1][0] == key and runs[-1][2] == r - 1:
                runs[-1][2] = r
            else:
                runs.append([key, r, r])
        for (kind, cap), r1, r2 in runs:
            s, w = a1(r1, self.scol), a1(r1, self.wcol)
            limit = lit(cap) if kind == "deduction" else f"N({w})"
            self.red(self.ws, r1, self.scol, r2, self.scol,
                     f"AND(ISNUMBER({s}),OR({s}<0,{s}>{limit}+{TOL}))")


register("framework", TemplateWriter(write_framework_template, SHEET))
