"""Profiles: one declarative YAML file per (region, form, version), validated straight into frozen specs.

A profile says how a form is laid out (labels and their aliases, the official wording first), how it is scored
(weights, rounding, methods, grade bands) and, for a template, how it is drawn. Loading checks everything a check or a
template relies on and names the file and every problem, in Chinese and English; the rest of the package reads the
typed specs below, never the YAML.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path

import yaml

from .errors import ProfileError
from .excelmath import dec
from .rules import FRAMEWORK_METHODS, INDICATOR_METHODS, RULES, GradeBand, QualitativeBand
from .tree import (NODE_KEYS, TreeNode, call_arguments, expression_items, expression_problems, names_any, parse_tree,
                   rule_arguments)
from .values import norm_label

PROFILE_DIR = Path(__file__).with_name("profiles")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: profiles load 5x faster

Aliases = tuple[str, ...]  # a label and its aliases, the official wording first


def _labels(x) -> Aliases:
    """A label or list of aliases (the first one is the official wording)."""
    items = [x] if isinstance(x, str) else list(x or [])
    return tuple(str(i) for i in items)


def _label_map(x) -> dict[str, Aliases]:
    return {k: _labels(v) for k, v in (x or {}).items()}


def _number(x) -> Decimal | None:
    return None if x is None else dec(x)


# --- the specs ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetSpec:
    """The budget block (预算执行情况 / 项目资金): its columns and lines, and how execution is scored."""

    section: str
    # initial, budget, executed, rate, weight, score, reason; a framework's funds block may print arrived (实际到位数)
    # and arrival_rate (到位率): its 执行率 is then 执行数 ÷ 到位数 and its 到位率 到位数 ÷ 预算数
    columns: dict[str, Aliases]
    corner: str = ""
    total: Aliases = ()  # the label of the total line (总额 / 年度资金总额 / 合计)
    lines: dict[str, Aliases] = field(default_factory=dict)  # the 其中 lines
    weight: Decimal | None = None  # points for execution; None where a framework scores it inside its tree
    rate_digits: int = 4
    score_digits: int = 2
    reason_below: Decimal | None = None  # a rate below this needs a reason (C05)
    reason_on_adjustment: bool = False  # 年初 ≠ 调整后 needs a reason (C06)
    reason_hint: str = ""  # the printed instruction in the reason cell (a template writes it; not a reason)

    @property
    def total_name(self) -> str:
        return self.total[0] if self.total else ""


@dataclass(frozen=True)
class IndicatorSpec:
    """The indicator block of a project form (绩效指标): columns, weights, rounding, methods by 指标性质."""

    section: str
    columns: dict[str, Aliases]
    weight_total: Decimal
    score_digits: int
    methods: dict[str, str]  # 指标性质 -> scoring method
    natures: tuple[str, ...] = ()  # the 指标性质 a template offers
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 一级 -> its usual 二级
    template_rows: tuple[tuple[str, str], ...] = ()  # (一级, 二级) of a blank template's rows
    cost_levels: tuple[str, ...] = ()  # 一级/二级 names of cost indicators
    over_target: Decimal | None = None  # 完成值 ≥ this × 指标值 is over-achievement (C13)


@dataclass(frozen=True)
class TableSpec:
    """The indicator table of a framework: level, weight and score columns, 扣分项 and pick-one blocks."""

    section: str
    columns: dict[str, Aliases]  # level1, level2, level3, weight, score
    deduction: Aliases = ()
    pick_one: Aliases = ()

    def is_pick_one(self, name: str) -> bool:
        return names_any(name, self.pick_one)


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    options: tuple[tuple[str, Decimal], ...]  # (option as printed, points)


@dataclass(frozen=True)
class QuestionnaireSpec:
    """A satisfaction questionnaire tally (选项 | 分值 | 份数) and the questions a template prints."""

    columns: dict[str, Aliases]  # option, points, count
    total: Aliases
    valid: Aliases
    score: Aliases
    title: str = ""
    questions: tuple[QuestionSpec, ...] = ()


@dataclass(frozen=True)
class LayoutSpec:
    """How a project template is drawn: columns (key, span) of each block, the section style, column widths."""

    budget: tuple[tuple[str, int], ...]
    indicators: tuple[tuple[str, int], ...]
    section: str  # 'row' (Sichuan: block titles as rows) or 'side' (national: titles down the left)
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Detection:
    """What tells a sheet of this form: every header block it prints (key -> aliases), and groups of header keys of
    which the sheet must show one each (a self-evaluation's 得分 besides its targets)."""

    columns: tuple[dict[str, Aliases], ...]
    required: tuple[tuple[str, ...], ...]

    def aliases_of(self, keys: tuple[str, ...]) -> set[str]:
        return {a for block in self.columns for k in keys for a in block.get(k, ())}


@dataclass(frozen=True, eq=False)
class Profile:
    """One form of one region and version: how to find it on a sheet, how to check it, how to draw it."""

    id: str
    kind: str  # 'project_selfeval' | 'framework'
    name: str
    title: str
    source: str  # the file it was loaded from
    total_labels: Aliases
    total_weight: Decimal
    grade_labels: Aliases
    grade_bands: tuple[GradeBand, ...]  # highest first
    year_label: str = ""
    titles: tuple[str, ...] = ()  # phrases that name this form in a sheet's title (the title itself when not given)
    signature: tuple[str, ...] = ()  # phrases that tell this form from others of its kind
    fields: dict[str, Aliases] = field(default_factory=dict)  # project, department, unit
    narrative: dict[str, Aliases] = field(default_factory=dict)
    required_narrative: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    budget: BudgetSpec | None = None  # project forms always; frameworks when they carry one (五华)
    indicators: IndicatorSpec | None = None  # project forms
    qualitative: tuple[QualitativeBand, ...] = ()
    full_marks_rate_below: Decimal | None = None  # C24
    layout: LayoutSpec | None = None  # project templates
    table: TableSpec | None = None  # frameworks
    tree: tuple[TreeNode, ...] = ()  # frameworks: the weight tree, parsed once (empty: check only, no template)
    questionnaire: QuestionnaireSpec | None = None
    detection: Detection = Detection((), ())
    declaration: DeclarationSpec | None = None  # 绩效目标申报表
    stated_total_labels: Aliases = ()  # frameworks: labels of a total stated in a cell under or beside the table
    monitoring: MonitoringSpec | None = None  # 绩效运行监控表: its indicator block, rate base, margin, ticks

    @property
    def execution_weight(self) -> Decimal | None:
        return self.budget.weight if self.budget else None

    @property
    def indicator_weight_total(self) -> Decimal | None:
        return self.indicators.weight_total if self.indicators else None

    @property
    def kind_label(self) -> str:
        """What a user calls forms of this profile's kind (项目支出绩效自评表, 绩效评价指标体系, …)."""
        return kind_label(self.kind)

    @property
    def has_template(self) -> bool:
        """Whether a blank template can be drawn (a framework needs its weight tree)."""
        return self.kind != "framework" or bool(self.tree)

    @cached_property
    def tree_nodes(self) -> dict[tuple[str, ...], TreeNode]:
        """The weight tree's nodes by normalised path."""
        return {tuple(norm_label(x) for x in n.path): n for r in self.tree for n in r.walk()}


# --- validation ---------------------------------------------------------------------------------------------------
_COMMON = ("id", "kind", "name", "title", "total", "grade")
_WEIGHT_IN_LABEL = re.compile(r"\((\d+(?:\.\d+)?)分\)")


def _fmt(x: Decimal) -> str:
    return format(x.normalize(), "f")


def _grade_problems(data: dict) -> list[str]:
    problems = []
    try:
        dec(data["total"]["weight"])
    except (KeyError, ArithmeticError, TypeError, ValueError):
        problems.append("total.weight 缺失或不是数字 / total weight missing")
    bands = (data["grade"] or {}).get("bands") or []
    mins = [bd.get("min") for bd in bands if isinstance(bd, dict)]
    if not bands or len(mins) != len(bands) or any(not isinstance(x, (int, float)) for x in mins) \
            or mins != sorted(mins, reverse=True):
        problems.append("grade.bands 须按分数线从高到低排列，每档有 min 和 label / grade bands must descend")
    return problems


def _project_problems(data: dict) -> list[str]:
    problems: list[str] = []
    b, ind = data["budget"], data["indicators"]
    for name, block, needed in (
        ("budget", b, ("budget", "executed", "rate", "weight", "score")),
        ("indicators", ind, ("level1", "level3", "target", "actual", "weight", "score")),
    ):
        cols = block.get("columns") or {}
        for key in needed:
            if key not in cols:
                problems.append(f"{name}.columns 缺少列 “{key}” / column '{key}' missing")
    for key in ("weight", "score_digits", "rate_digits"):
        if not isinstance(b.get(key), (int, float)):
            problems.append(f"budget.{key} 应为数字 / must be a number")
    if not b.get("total"):
        problems.append("budget.total 未给出合计行的名称 / total row label missing")
    for key in ("weight_total", "score_digits"):
        if not isinstance(ind.get(key), (int, float)):
            problems.append(f"indicators.{key} 应为数字 / must be a number")
    for nature, method in (ind.get("methods") or {}).items():
        if method not in INDICATOR_METHODS:
            problems.append(
                f"指标性质 “{nature}” 的计分方法 “{method}” 不存在，可选：{', '.join(INDICATOR_METHODS)}"
                " / unknown method"
            )
    if not ind.get("methods"):
        problems.append("indicators.methods 为空 / no scoring methods")
    try:
        if dec(b["weight"]) + dec(ind["weight_total"]) != dec(data["total"]["weight"]):
            problems.append(
                f"权重不闭合：预算执行 {b['weight']} + 绩效指标 {ind['weight_total']} ≠ 总分 {data['total']['weight']}"
                " / weights do not add up"
            )
    except (KeyError, ArithmeticError, TypeError, ValueError):
        pass  # reported by _grade_problems or the number checks above
    for label, expected in ((b.get("section", ""), b.get("weight")), (ind.get("section", ""), ind.get("weight_total"))):
        m = _WEIGHT_IN_LABEL.search(norm_label(label))
        if m and expected is not None and Decimal(m.group(1)) != dec(expected):
            problems.append(f"标题 “{label}” 中的分值 {m.group(1)} 与配置的权重 {expected} 不一致"
                            " / label weight differs")
    for q in data["qualitative"] or []:
        if not {"label", "low", "high", "keywords"} <= set(q):
            problems.append(f"qualitative 档次 {q} 须有 label, low, high, keywords / band incomplete")
        elif not 0 <= q["low"] <= q["high"] <= 1:
            problems.append(f"qualitative 档次 “{q['label']}” 的区间应在 0 到 1 之间 / band out of range")
    layout = data["layout"]
    for block_name, block in (("budget", b), ("indicators", ind)):
        known = set(block.get("columns") or {}) | {"corner", "side"}
        for item in layout.get(block_name, []):
            if not (isinstance(item, list) and len(item) == 2 and item[0] in known):
                problems.append(f"layout.{block_name} 中的 {item} 不是已知列 / unknown layout column")
    return problems


BUDGET_COLUMNS = ("initial", "budget", "arrived", "executed", "rate", "arrival_rate", "weight", "score", "reason")


def _framework_problems(data: dict) -> list[str]:
    cols = (data["table"] or {}).get("columns") or {}
    problems = [f"table.columns 缺少列 “{k}” / column '{k}' missing" for k in ("level1", "score") if k not in cols]
    unknown = set(cols) - {"level1", "level2", "level3", "weight", "score"}
    if unknown:
        problems.append(f"table.columns 中有未知的列 {sorted(unknown)} / unknown columns")
    stated = (data["total"] or {}).get("stated")
    if stated is not None and not (isinstance(stated, list) and all(isinstance(x, str) and x.strip() for x in stated)):
        problems.append("total.stated 应为标签列表，如 [综合评分, 自评得分] / total.stated must be a list of labels")
    budget = data.get("budget")
    if isinstance(budget, dict) and budget.get("columns"):
        cols = budget["columns"]
        unknown = set(cols) - set(BUDGET_COLUMNS) if isinstance(cols, dict) else {"?"}
        if unknown:
            problems.append(f"budget.columns 中有未知的列 {sorted(unknown)}，可用：{', '.join(BUDGET_COLUMNS)}"
                            " / unknown budget columns")
        elif not ({"executed"} <= {k for k, v in cols.items() if v} and {"budget", "initial"} & set(cols)):
            problems.append("budget.columns 至少要有 executed 和 budget（或 initial）"
                            " / the budget block needs executed and budget")
    if "tree" in data:
        problems += _tree_problems(data)
    return problems


def _tree_problems(data: dict) -> list[str]:
    """A framework's weight tree: well formed, weights closing at every level (null weights, 扣分项 blocks and
    the alternatives of a pick-one block aside), every row's method, parameters and inputs usable."""
    tree = data["tree"]
    if not isinstance(tree, list) or not tree:
        return ["tree 应为指标节点列表 / tree must be a non-empty list of nodes"]
    problems: list[str] = []
    shape: list[str] = []

    def check_shape(items, where: str) -> None:
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not str(item.get("name") or "").strip():
                shape.append(f"{where}第 {i + 1} 个节点缺少 name / node without a name")
                continue
            label = f"{where}{item['name']}"
            extra = set(item) - set(NODE_KEYS)
            if extra:
                shape.append(f"指标 “{label}” 有未知的键 {sorted(extra)}，可用：{', '.join(NODE_KEYS)} / unknown keys")
            w = item.get("weight")
            if w is not None and (isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0):
                shape.append(f"指标 “{label}” 的分值 {w!r} 应为不小于 0 的数字或 null"
                             " / weight must be a number or null")
            children = item.get("children")
            if children is not None and not isinstance(children, list):
                shape.append(f"指标 “{label}” 的 children 应为列表 / children must be a list")
            elif children:
                if any(k in item for k in ("method", "params", "inputs")):
                    shape.append(f"指标 “{label}” 有下级指标，不能再有 method/params/inputs / only leaves are scored")
                check_shape(children, label + "/")
            for key in ("params", "inputs"):
                if item.get(key) is not None and not isinstance(item[key], dict):
                    shape.append(f"指标 “{label}” 的 {key} 应为映射 / {key} must be a mapping")

    check_shape(tree, "")
    if shape:
        return shape
    table = data["table"] or {}
    roots = parse_tree(tree, _labels(table.get("deduction")), _labels(table.get("pick_one")))
    kinds: dict[str, tuple[str, str]] = {}  # data item -> (kind, first row reading it)
    for root in roots:
        for node in root.walk():
            label = "/".join(node.path)
            if node.is_leaf:
                problems += _leaf_problems(node, label, bool(data.get("questionnaire")), kinds)
            elif not node.deduction:
                problems += _closure_problems(node, label)
    top = [r.effective_weight() for r in roots if not r.deduction]
    if all(w is not None for w in top):
        total = sum(top, Decimal(0))
        try:
            expected = dec(data["total"]["weight"])
        except (KeyError, ArithmeticError, TypeError, ValueError):
            expected = None  # reported by _grade_problems
        if expected is not None and total != expected:
            problems.append(f"权重不闭合：一级指标分值合计 {_fmt(total)} ≠ 总分 {_fmt(expected)} "
                            "/ top-level weights do not add up to the total")
    return problems


def _closure_problems(node: TreeNode, label: str) -> list[str]:
    got = [c.effective_weight() for c in node.children]
    if node.weight is None or any(w is None for w in got):
        return []  # a weight the form does not print: nothing to close
    if node.pick_one:  # alternatives: each carries the whole block's weight
        return [f"权重不闭合：备选指标 “{label}/{c.name}” 的分值 {_fmt(w)} ≠ “{label}” 的分值 {_fmt(node.weight)}"
                " / an alternative must carry the block's weight"
                for c, w in zip(node.children, got) if w != node.weight]
    total = sum(got, Decimal(0))
    if total != node.weight:
        return [f"权重不闭合：“{label}” 的下级指标分值合计 {_fmt(total)} ≠ 本级分值 {_fmt(node.weight)}"
                f" / the weights under '{label}' add to {_fmt(total)}, not {_fmt(node.weight)}"]
    return []


def _leaf_problems(node: TreeNode, label: str, has_questionnaire: bool, kinds: dict) -> list[str]:
    if node.method is None:
        if node.params or node.inputs:
            return [f"指标 “{label}” 没有 method，却给了 params/inputs / params or inputs without a method"]
        return []
    if node.method not in FRAMEWORK_METHODS:
        return [f"指标 “{label}” 的计分方法 “{node.method}” 不存在，可选：{', '.join(FRAMEWORK_METHODS)}"
                " / unknown method"]
    args = rule_arguments(node.method)
    problems = []
    for key in sorted(set(node.params) - args.params):
        problems.append(f"指标 “{label}” 的参数 “{key}” 不是 {node.method} 的参数，"
                        f"可用：{', '.join(sorted(args.params))}"
                        f" / unknown parameter '{key}'")
    for key in sorted(args.required - set(node.params)):
        problems.append(f"指标 “{label}” 缺少 {node.method} 的参数 “{key}” / parameter '{key}' missing")
    for key in sorted(set(node.inputs) - set(args.inputs)):
        problems.append(f"指标 “{label}” 的输入 “{key}” 不是 {node.method} 的输入，应为：{', '.join(args.inputs)}"
                        f" / unknown input '{key}'")
    for key in args.inputs:
        if key not in node.inputs:
            problems.append(f"指标 “{label}” 缺少 {node.method} 的输入 “{key}” / input '{key}' missing")
    for key, expr in node.inputs.items():
        bad = expression_problems(expr, has_questionnaire)
        problems += [f"指标 “{label}” 的输入 {key}：{p}" for p in bad]
        if bad:
            continue
        for item, kind in expression_items(expr):
            seen, where = kinds.setdefault(item, (kind, label))
            numeric = {"number", "count"}
            if seen != kind and not (seen in numeric and kind in numeric):
                problems.append(f"数据项 “{item}” 在 “{where}” 中是 {seen}，在 “{label}” 中是 {kind} / data item used "
                                "as two kinds")
    if problems:
        return problems
    tiers = node.params.get("tiers") if node.method == "tiers" else None
    if tiers is not None:
        if not isinstance(tiers, list) or not all(
                isinstance(t, dict) and "score" in t and ("min" in t) != ("max" in t) for t in tiers):
            return [f"指标 “{label}” 的 tiers 应为 [{{min: 下限, score: 分}} …] 或 [{{max: 上限, score: 分}} …]"
                    " / bad tiers"]
        top = max([dec(t["score"]) for t in tiers] + [dec(node.params.get("otherwise", 0))])
        if node.weight is not None and not node.deduction and top > node.weight:
            return [f"指标 “{label}” 的分档得分 {_fmt(top)} 超过分值 {_fmt(node.weight)}"
                    " / a tier scores above the weight"]
    try:  # the parameters must work in both renderings: try them once
        rule = RULES[node.method]
        sample = {k: ("是" if node.method == "yes_no" else "达成" if node.method == "qualitative" else Decimal(50))
                  for k in args.inputs}
        rule.evaluate(**sample, **call_arguments(node.method, node.params, node.weight or Decimal(1)))
        rule.formula(**{k: "A1" for k in args.inputs}, **call_arguments(node.method, node.params, "B1"))
    except Exception as e:  # noqa: BLE001 - any failure means the parameters are unusable
        why = "有参数不是数字" if isinstance(e, (ArithmeticError, ValueError)) else str(e)
        return [f"指标 “{label}” 的参数无法用于 {node.method}：{why} / unusable parameters"]
    return []


# --- building the specs --------------------------------------------------------------------------------------------
def _budget_spec(b: dict) -> BudgetSpec:
    return BudgetSpec(
        section=b.get("section", ""), corner=b.get("corner", ""), columns=_label_map(b.get("columns")),
        total=_labels(b.get("total")), lines=_label_map(b.get("lines")), weight=_number(b.get("weight")),
        rate_digits=int(b.get("rate_digits", 4)), score_digits=int(b.get("score_digits", 2)),
        reason_below=_number(b.get("reason_below")), reason_on_adjustment=bool(b.get("reason_on_adjustment")),
        reason_hint=b.get("reason_hint") or "",
    )


def _common(data: dict, source: str) -> dict:
    grade = data["grade"] or {}
    return dict(
        id=data["id"], kind=data["kind"], name=data["name"], title=data["title"], source=source,
        total_labels=_labels(data["total"].get("label")), total_weight=dec(data["total"]["weight"]),
        grade_labels=_labels(grade.get("label")),
        grade_bands=tuple(GradeBand(dec(b["min"]), str(b["label"])) for b in grade["bands"]),
        year_label=data.get("year_label", ""), signature=_labels(data.get("signature")),
        titles=_labels(data.get("titles")) or (data["title"],),
        fields=_label_map(data.get("fields")), narrative=_label_map(data.get("narrative")),
        required_narrative=tuple(data.get("required_narrative") or ()),
        placeholders=tuple(data.get("placeholders") or ()),
    )


def _project(data: dict, source: str) -> Profile:
    ind, layout = data["indicators"], data["layout"]
    budget = _budget_spec(data["budget"])
    indicator_columns = _label_map(ind.get("columns"))
    return Profile(
        **_common(data, source),
        detection=Detection((budget.columns, indicator_columns), (("target", "actual"), ("score",))),
        budget=budget,
        indicators=IndicatorSpec(
            section=ind.get("section", ""), columns=indicator_columns,
            weight_total=dec(ind["weight_total"]), score_digits=int(ind["score_digits"]), methods=dict(ind["methods"]),
            natures=tuple(ind.get("natures") or ()),
            levels={k: tuple(v) for k, v in (ind.get("tree") or {}).items()},
            template_rows=tuple((str(a), str(b)) for a, b in ind.get("template_rows") or ()),
            cost_levels=tuple(ind.get("cost_level") or ()), over_target=_number(ind.get("over_target")),
        ),
        qualitative=tuple(QualitativeBand(str(q["label"]), dec(q["low"]), dec(q["high"]), tuple(q["keywords"] or ()))
                          for q in data["qualitative"] or ()),
        full_marks_rate_below=_number((data.get("plausibility") or {}).get("full_marks_rate_below")),
        layout=_layout_spec(layout),
    )


def _layout_spec(layout: dict) -> LayoutSpec:
    return LayoutSpec(budget=tuple((k, int(n)) for k, n in layout.get("budget", ())),
                      indicators=tuple((k, int(n)) for k, n in layout.get("indicators", ())),
                      section=layout.get("section", "row"), widths=tuple(float(w) for w in layout.get("widths", ())))


def _framework(data: dict, source: str) -> Profile:
    table = data["table"] or {}
    spec = TableSpec(section=table.get("section", ""), columns=_label_map(table.get("columns")),
                     deduction=_labels(table.get("deduction")), pick_one=_labels(table.get("pick_one")))
    q = data.get("questionnaire")
    questionnaire = None if not q else QuestionnaireSpec(
        columns=_label_map(q.get("columns")), total=_labels(q.get("total")), valid=_labels(q.get("valid")),
        score=_labels(q.get("score")), title=q.get("title") or "",
        questions=tuple(QuestionSpec(str(x.get("text") or ""),
                                     tuple((str(o), dec(p)) for o, p in x.get("options") or ()))
                        for x in q.get("questions") or ()))
    budget = _budget_spec(data["budget"]) if (data.get("budget") or {}).get("columns") else None
    return Profile(
        **_common(data, source), table=spec, questionnaire=questionnaire, budget=budget,
        detection=Detection((spec.columns, *((budget.columns,) if budget else ())), (("level1",), ("score",))),
        tree=parse_tree(data.get("tree") or [], spec.deduction, spec.pick_one),
        stated_total_labels=_labels(data["total"].get("stated")),
    )


# --- 绩效目标申报表 (kind: declaration) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    """An indicator category a 申报表 must carry with at least one 三级 indicator: the names that satisfy it (the
    official one first), matched against a row's 一级 or 二级; required from budget year `from_year` on."""

    names: Aliases
    from_year: int | None = None

    @property
    def name(self) -> str:
        return self.names[0]

    def applies(self, year: int | None) -> bool:
        """Whether a form of `year` must carry it (a form whose year cannot be read is held to it)."""
        return self.from_year is None or year is None or year >= self.from_year


@dataclass(frozen=True)
class DeclarationSpec:
    """The 项目支出绩效目标申报表: its 项目资金 block (中期 and 年度 totals and their 其中 lines), its 总体目标,
    its indicator table (one or two halves: 中期 and 年度), and what a reviewer requires of the indicators."""

    funds_section: str
    totals: dict[str, Aliases]  # 'medium' / 'annual' -> the label of that half's 资金总额
    lines: dict[str, Aliases]  # the 其中 lines
    within_medium: tuple[str, ...]  # 'total' and line keys whose 年度 amount must not exceed the 中期 one (D06)
    goals_section: str
    goals: dict[str, Aliases]  # 'medium' / 'annual' -> the label of that half's goal text
    section: str  # 绩效指标
    columns: dict[str, Aliases]  # level1, level2, level3, nature, target, unit
    halves: dict[str, Aliases]  # 'medium' / 'annual' -> labels a header prints over that half
    levels: dict[str, tuple[str, ...]]  # 一级 -> its usual 二级
    template_rows: tuple[tuple[str, str], ...]
    qualitative_natures: Aliases  # 指标性质 entries that mean 定性
    categories: tuple[Requirement, ...]  # D01
    subcategories: tuple[Requirement, ...]  # D02
    quantified: Aliases  # 一级/二级 whose 指标值 must be quantified (D04)
    layout_halves: tuple[str, ...]  # the halves a template prints, left to right
    layout_half: tuple[str, ...]  # the columns of each half in a template
    widths: tuple[float, ...]


HALVES = ("medium", "annual")
_DECLARATION_REQUIRED = ("id", "kind", "name", "title", "fields", "funds", "indicators", "required", "layout")
_DECLARATION_COLUMNS = ("level1", "level2", "level3", "nature", "target", "unit")


def _requirement(item) -> Requirement:
    if isinstance(item, dict):
        return Requirement(_labels(item.get("names")), item.get("from_year"))
    return Requirement(_labels(item))


def _requirement_problems(where: str, items) -> list[str]:
    if not isinstance(items, list):
        return [f"{where} 应为列表 / must be a list"]
    problems = []
    for i, item in enumerate(items):
        names = item.get("names") if isinstance(item, dict) else item
        if not (isinstance(names, str) and names.strip()) and not (
                isinstance(names, list) and names and all(isinstance(x, str) and x.strip() for x in names)):
            problems.append(f"{where} 第 {i + 1} 项应为名称或名称列表 / item {i + 1} must name the category")
        if isinstance(item, dict):
            extra = set(item) - {"names", "from_year"}
            year = item.get("from_year")
            if extra:
                problems.append(f"{where} 第 {i + 1} 项有未知的键 {sorted(extra)}，可用：names, from_year"
                                " / unknown keys")
            if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
                problems.append(f"{where} 第 {i + 1} 项的 from_year 应为年份 / from_year must be a year")
    return problems


def _declaration_problems(data: dict) -> list[str]:
    problems: list[str] = []
    funds, ind, req, layout = (data.get(k) or {} for k in ("funds", "indicators", "required", "layout"))
    goals = data.get("goals") or {}
    for key in ("medium", "annual"):
        if not funds.get(key):
            problems.append(f"funds.{key} 未给出{'中期' if key == 'medium' else '年度'}资金总额的名称"
                            f" / the label of the {key} total is missing")
    lines = funds.get("lines") or {}
    if not isinstance(lines, dict) or not lines:
        problems.append("funds.lines 应列出“其中”各行 / the 其中 lines are missing")
        lines = {}
    for key in funds.get("within_medium") or []:
        if key != "total" and key not in lines:
            problems.append(f"funds.within_medium 中的 “{key}” 不是 total 或 funds.lines 中的行 / unknown line")
    if set(goals) - {"section", *HALVES}:
        problems.append(f"goals 中有未知的键 {sorted(set(goals) - {'section', *HALVES})} / unknown keys")
    cols = ind.get("columns") or {}
    problems += [f"indicators.columns 缺少列 “{k}” / column '{k}' missing" for k in ("level3", "target")
                 if k not in cols]
    if set(cols) - set(_DECLARATION_COLUMNS):
        problems.append(f"indicators.columns 中有未知的列 {sorted(set(cols) - set(_DECLARATION_COLUMNS))}，"
                        f"可用：{', '.join(_DECLARATION_COLUMNS)} / unknown columns")
    if set(ind.get("halves") or {}) - set(HALVES):
        problems.append("indicators.halves 只能有 medium 和 annual / halves are medium and annual")
    for key in ("categories", "subcategories"):
        problems += _requirement_problems(f"required.{key}", req.get(key) or [])
    quantified = req.get("quantified") or []
    if not isinstance(quantified, list) or not all(isinstance(x, str) for x in quantified):
        problems.append("required.quantified 应为一级或二级指标名称的列表 / must be a list of names")
    halves, half = layout.get("halves") or [], layout.get("half") or []
    if not halves or not set(halves) <= set(HALVES) or len(set(halves)) != len(halves):
        problems.append("layout.halves 应为 [medium, annual] 或 [annual] / halves must be [medium, annual] or [annual]")
    if not {"level3", "target"} <= set(half) or not set(half) <= set(cols) - {"level1"} or len(set(half)) != len(half):
        problems.append("layout.half 应列出每半边的列（须含 level3 和 target，不含 level1，且都在 indicators.columns"
                        " 中）/ the columns of a half must include level3 and target")
    widths = layout.get("widths")
    if widths is not None and len(widths) != 2 + len(halves) * len(half):
        problems.append(f"layout.widths 应有 {2 + len(halves) * len(half)} 个列宽 / wrong number of widths")
    return problems


def _declaration(data: dict, source: str) -> Profile:
    funds, ind, req, layout = data["funds"], data["indicators"], data["required"], data["layout"]
    goals = data.get("goals") or {}
    spec = DeclarationSpec(
        funds_section=funds.get("section", ""), totals={k: _labels(funds[k]) for k in HALVES},
        lines=_label_map(funds.get("lines")), within_medium=tuple(funds.get("within_medium") or ()),
        goals_section=goals.get("section", ""), goals={k: _labels(goals[k]) for k in HALVES if goals.get(k)},
        section=ind.get("section", ""), columns=_label_map(ind.get("columns")), halves=_label_map(ind.get("halves")),
        levels={k: tuple(v) for k, v in (ind.get("tree") or {}).items()},
        template_rows=tuple((str(a), str(b)) for a, b in ind.get("template_rows") or ()),
        qualitative_natures=_labels(ind.get("qualitative_natures")),
        categories=tuple(_requirement(x) for x in req.get("categories") or ()),
        subcategories=tuple(_requirement(x) for x in req.get("subcategories") or ()),
        quantified=_labels(req.get("quantified")),
        layout_halves=tuple(layout["halves"]), layout_half=tuple(layout["half"]),
        widths=tuple(float(w) for w in layout.get("widths") or ()),
    )
    funds_block = {"medium_total": spec.totals["medium"], "annual_total": spec.totals["annual"], **spec.lines}
    goal_block = {f"goal_{k}": v for k, v in spec.goals.items()}
    if spec.goals_section:
        goal_block["goal_section"] = (spec.goals_section,)
    titles = _labels(data.get("titles")) or (data["title"],)
    # a 申报表 shows 三级指标 and 指标值 (as a self-evaluation and a 监控表 do) and, unlike them, a 中期资金总额, a
    # 中期/年度目标 or 总体目标 heading, or its own title
    return Profile(
        id=data["id"], kind=data["kind"], name=data["name"], title=data["title"], source=source,
        total_labels=(), total_weight=Decimal(0), grade_labels=(), grade_bands=(),
        year_label=data.get("year_label", ""), titles=titles, signature=_labels(data.get("signature")),
        fields=_label_map(data.get("fields")), placeholders=tuple(data.get("placeholders") or ()),
        detection=Detection((spec.columns, funds_block, goal_block, {"title": titles}),
                            (("level3",), ("target",), ("medium_total", *goal_block, "title"))),
        declaration=spec,
    )


# --- the monitoring form (项目支出绩效目标执行监控表) ----------------------------------------------------------------
_UNGRADED = ("id", "kind", "name", "title")  # what every profile of a form that is not scored needs (no total, grade)
CERTAIN = "certain"  # the 完成目标可能性 option that needs no reason (every other one does)


@dataclass(frozen=True)
class MonitoringSpec:
    """What a monitoring form has of its own: the indicator block, whose two-row header splits 偏差原因分析 and
    完成目标可能性 into tick columns; which budget column the 1-N月执行率 divides by; how far 执行进度 may lag
    时间进度 (N/12); what counts as a tick; and what a blank template prints."""

    columns: dict[str, Aliases]  # level1, level2, level3, nature, target, unit, progress, forecast, causes, likelihood
    causes: dict[str, Aliases]  # the tick columns under 偏差原因分析 (经费保障 …)
    reason: Aliases  # 原因说明
    likelihood: dict[str, Aliases]  # the tick columns under 完成目标可能性: certain / possible / impossible
    ticks: tuple[str, ...]  # what a ticked cell holds (√ ✔ ☑ 是 …)
    unticked: tuple[str, ...]  # what a cell holds that says "not this one" (× 否 …); any other mark is unclear
    rate_base: tuple[str, ...]  # budget column keys: the first one the form prints divides the 1-N月执行数
    progress_margin: Decimal  # 执行进度 may lag 时间进度 by this much (a fraction) without a warning
    cost_levels: tuple[str, ...] = ()  # 一级/二级 names of cost indicators (a target without a sign is a ceiling)
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 一级 -> its usual 二级 (template lists)
    template_rows: tuple[tuple[str, str], ...] = ()  # (一级, 二级) of a blank template's rows
    template_month: int = 7  # the month a blank template's headers name (1-7月)
    template_labels: dict[str, str] = field(default_factory=dict)  # the columns a template adds: time, gap


def _monitoring_problems(data: dict) -> list[str]:
    b, m = data["budget"] or {}, data["monitoring"] or {}
    bcols, cols = b.get("columns") or {}, m.get("columns") or {}
    problems = [f"budget.columns 缺少列 “{k}” / column '{k}' missing"
                for k in ("executed", "forecast") if k not in bcols]
    problems += [f"monitoring.columns 缺少列 “{k}” / column '{k}' missing"
                 for k in ("level1", "level3", "target", "forecast") if k not in cols]
    if not b.get("total"):
        problems.append("budget.total 未给出合计行的名称 / total row label missing")
    base = m.get("rate_base")
    if not isinstance(base, list) or not base or any(k not in bcols for k in base):
        problems.append("monitoring.rate_base 应按优先顺序列出 budget.columns 中的预算列，如 [budget, initial]"
                        " / rate_base must list budget columns")
    for key in ("causes", "likelihood"):
        if not isinstance(m.get(key), dict) or not m[key]:
            problems.append(f"monitoring.{key} 应为“键: [列名]”的映射 / {key} must map keys to column labels")
    if isinstance(m.get("likelihood"), dict) and CERTAIN not in m["likelihood"]:
        problems.append(f"monitoring.likelihood 缺少 “{CERTAIN}”（确定能）/ option '{CERTAIN}' missing")
    for key in ("reason", "ticks"):
        if not m.get(key):
            problems.append(f"monitoring.{key} 未给出 / {key} missing")
    margin = m.get("progress_margin")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
        problems.append("monitoring.progress_margin 应为 0 到 1 之间的小数（0.1 即 10 个百分点）"
                        " / progress_margin must be a fraction")
    month = m.get("template_month", 7)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        problems.append("monitoring.template_month 应为 1 到 12 的整数 / template_month must be 1..12")
    return problems + _monitoring_layout_problems(data)


def _monitoring_layout_problems(data: dict) -> list[str]:
    """The template's columns: known keys, both blocks equally wide, one width per column, the tick blocks as wide
    as their tick columns (偏差原因分析 one more, for 原因说明)."""
    layout, m = data["layout"] or {}, data["monitoring"] or {}
    problems, spans = [], {}
    known = {"budget": set((data["budget"] or {}).get("columns") or {}) | {"side", "corner", "time", "gap"},
             "indicators": set(m.get("columns") or {}) | {"side"}}
    for block in ("budget", "indicators"):
        items = layout.get(block) or []
        good = [i for i in items if isinstance(i, list) and len(i) == 2 and i[0] in known[block]
                and isinstance(i[1], int) and i[1] > 0]
        problems += [f"layout.{block} 中的 {i} 不是已知列 / unknown layout column" for i in items if i not in good]
        spans[block] = dict((k, n) for k, n in good)
    widths = layout.get("widths") or []
    total = {block: sum(s.values()) for block, s in spans.items()}
    if len(set(total.values())) != 1 or len(widths) != total["budget"]:
        problems.append(f"layout 两块的列数 {sorted(total.values())} 与 widths 的 {len(widths)} 列应相同"
                        " / blocks and widths must span the same columns")
    for key, extra in (("causes", 1), ("likelihood", 0)):
        want = len(m.get(key) or {}) + extra
        if key in spans.get("indicators", {}) and spans["indicators"][key] != want:
            problems.append(f"layout.indicators 中 {key} 应占 {want} 列 / {key} must span {want} columns")
    if not any(k in spans.get("budget", {}) for k in m.get("rate_base") or ()):
        problems.append("layout.budget 须含 rate_base 中的一列 / the template needs a budget column to divide by")
    labels = m.get("template_labels") or {}
    problems += [f"monitoring.template_labels 缺少 “{k}” / label '{k}' missing"
                 for k in ("time", "gap") if k in spans.get("budget", {}) and not labels.get(k)]
    return problems


def _ungraded_common(data: dict, source: str) -> dict:
    """`_common` for a form that is not scored: no total, no grade bands."""
    return _common({**data, "total": {"weight": 0}, "grade": {"bands": []}}, source)


def _monitoring(data: dict, source: str) -> Profile:
    m = data["monitoring"]
    budget = _budget_spec(data["budget"])
    spec = MonitoringSpec(
        columns=_label_map(m.get("columns")), causes=_label_map(m["causes"]), reason=_labels(m["reason"]),
        likelihood=_label_map(m["likelihood"]), ticks=tuple(str(t) for t in m["ticks"]),
        unticked=tuple(str(t) for t in m.get("unticked") or ()),
        rate_base=tuple(m["rate_base"]), progress_margin=dec(m["progress_margin"]),
        cost_levels=tuple(m.get("cost_level") or ()),
        levels={k: tuple(v) for k, v in (m.get("tree") or {}).items()},
        template_rows=tuple((str(a), str(b)) for a, b in m.get("template_rows") or ()),
        template_month=int(m.get("template_month", 7)),
        template_labels={str(k): str(v) for k, v in (m.get("template_labels") or {}).items()},
    )
    blocks = (budget.columns, spec.columns, spec.causes, spec.likelihood, {"reason": spec.reason})
    # only a monitoring form shows 1-N月 figures, 全年预计 or 完成目标可能性; and it has an indicator table
    required = (("executed", "rate", "progress", "forecast", "likelihood", *spec.likelihood), ("level1", "level3"))
    return Profile(**_ungraded_common(data, source), budget=budget, monitoring=spec,
                   layout=_layout_spec(data["layout"]), detection=Detection(blocks, required))


@dataclass(frozen=True)
class _Kind:
    label: str  # what a user calls forms of this kind
    required: tuple[str, ...]
    problems: Callable[[dict], list[str]]
    build: Callable[[dict, str], Profile]


#: what each form kind needs in its profile, how it is checked and how it is built
KINDS: dict[str, _Kind] = {
    "project_selfeval": _Kind("项目支出绩效自评表",
                              _COMMON + ("fields", "budget", "indicators", "qualitative", "layout"),
                              _project_problems, _project),
    "framework": _Kind("绩效评价指标体系", _COMMON + ("table",), _framework_problems, _framework),
    "declaration": _Kind("项目支出绩效目标申报表", _DECLARATION_REQUIRED, _declaration_problems, _declaration),
    "monitoring": _Kind("项目支出绩效目标执行监控表", _UNGRADED + ("fields", "budget", "monitoring", "layout"),
                        _monitoring_problems, _monitoring),
}


def kind_label(kind: str) -> str:
    """What a user calls forms of `kind` ('project_selfeval' -> 项目支出绩效自评表); the kind itself if unknown."""
    return KINDS[kind].label if kind in KINDS else kind


def parse_profile(data: object, source: str) -> Profile:
    """Validate profile data into a Profile; raise ProfileError listing every problem, in Chinese."""
    if not isinstance(data, dict):
        raise ProfileError(source, ["文件内容不是一个键值表 (YAML mapping) / not a mapping"])
    kind = KINDS.get(data.get("kind"))
    if kind is None:
        raise ProfileError(source, [f"kind 应为 {' 或 '.join(KINDS)}，而不是 “{data.get('kind')}” / unknown kind"])
    problems = [f"缺少必填项 “{key}” / missing key '{key}'" for key in kind.required if key not in data]
    if problems:
        raise ProfileError(source, problems)
    problems = (_grade_problems(data) if "grade" in kind.required else []) + kind.problems(data)
    if problems:
        raise ProfileError(source, problems)
    return kind.build(data, source)


def _merge(base: dict, over: dict) -> dict:
    """`over` on top of `base`, mappings merged key by key, everything else replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_profile_file(path: str | Path) -> Profile:
    """Load a profile; `extends: <file stem>` starts from another profile in the same folder or a shipped one."""
    path = Path(path)
    data = _read_yaml(path)
    seen = {path.stem}
    while isinstance(data, dict) and data.get("extends"):
        parent = path.with_name(f"{data['extends']}.yaml")
        if not parent.is_file():
            parent = PROFILE_DIR / f"{data['extends']}.yaml"
        if parent.stem in seen or not parent.is_file():
            raise ProfileError(str(path), [f"extends 指向的配置 “{data['extends']}” 不存在或循环引用 / bad extends"])
        seen.add(parent.stem)
        over = {k: v for k, v in data.items() if k != "extends"}
        data = _merge(_read_yaml(parent), over)
    return parse_profile(data, str(path))


def _read_yaml(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except OSError as e:
        raise ProfileError(str(path), [f"无法读取文件 / cannot read: {e.strerror}"]) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ProfileError(str(path), [f"YAML 语法错误 {where} / YAML syntax error: {getattr(e, 'problem', e)}"]) from e


@cache
def shipped_profiles() -> dict[str, Profile]:
    """Every profile shipped with the toolkit, by id."""
    out = {}
    for path in sorted(PROFILE_DIR.glob("*.yaml")):
        if path.stem.startswith("_"):
            continue  # shared bases for `extends`, not profiles of their own
        p = load_profile_file(path)
        out[p.id] = p
    return out


def get_profile(name: str) -> Profile:
    """A shipped profile by id, or a profile file by path."""
    profiles = shipped_profiles()
    if name in profiles:
        return profiles[name]
    if name.endswith((".yaml", ".yml")) or Path(name).is_file():
        return load_profile_file(name)
    near = difflib.get_close_matches(name, profiles, n=3, cutoff=0.5)
    hint = f"您是不是要找：{'、'.join(near)} / did you mean {', '.join(near)}? " if near else ""
    raise ProfileError(name, [f"没有名为 “{name}” 的配置。{hint}可用：{', '.join(profiles)} / unknown profile"])


def read_data_file(path: str | Path) -> object:
    """A data file of the toolkit that is not a profile (the report vocabulary, the report outlines): its YAML,
    read here like a profile's (this module is the only reader of YAML), with the same bilingual errors."""
    return _read_yaml(Path(path))
