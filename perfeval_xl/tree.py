"""The weight tree of a framework profile (`tree:`) and the small expression language of its rows' `inputs`.

A tree is a list of nodes, each a mapping:

    name:     the label as printed, without its "(N分)"
    weight:   the points (a number), or null where the form does not print one
    children: the nodes below (a group), or absent (a scored row, a "leaf")
    method:   a leaf's scoring rule, one of rules.FRAMEWORK_METHODS; a leaf without one is scored by hand
    params:   the rule's parameters (threshold, per_point, tiers, …: the keyword arguments of its evaluate())
    inputs:   the rule's inputs (rules.FRAMEWORK_INPUTS: rate, ratio, value, count, answer, target, actual),
              each an expression over the data the unit enters
    criteria: the 评分细则 text printed for the row

An expression is a mapping with exactly one key:

    {value: X}               the number entered for data item X
    {count: X}               a count entered for X (a whole number, not below 0)
    {answer: X}              是 / 否 entered for X
    {questionnaire: X}       X is computed from the questionnaire tally: 综合得分 ÷ 满分 × 100 (a percentage)
    {percent_of: [A, B]}     A ÷ B × 100      (0 when B is 0)
    {ratio_of: [A, B]}       A ÷ B            (0 when B is 0)
    {complement_of: [A, B]}  1 − A ÷ B        (1 when B is 0)

A and B are data item names or plain numbers ([大赶考考核得分, 110]). An expression is blank (and the row's score
with it) while a data item it reads is blank. Every expression has a Python value (Decimal) and an Excel formula that
compute the same thing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .excelmath import ONE, ZERO, dec
from .rules import FRAMEWORK_INPUTS, RULES
from .values import norm_label

#: expression key -> (operands, kind of the data items it reads)
EXPRESSIONS: dict[str, tuple[int, str]] = {
    "value": (1, "number"), "count": (1, "count"), "answer": (1, "answer"), "questionnaire": (1, "questionnaire"),
    "percent_of": (2, "number"), "ratio_of": (2, "number"), "complement_of": (2, "number"),
}
NODE_KEYS = ("name", "weight", "children", "method", "params", "inputs", "criteria")
DEFAULT_DIGITS = 2  # rules that round take 2 decimals unless the row's params say otherwise


def _operands(expr: Mapping) -> tuple[str, list]:
    (key, arg), = expr.items()
    return key, (list(arg) if isinstance(arg, (list, tuple)) else [arg])


def expression_problems(expr: object, has_questionnaire: bool) -> list[str]:
    """What is wrong with an input expression (empty when it is well formed)."""
    if not isinstance(expr, Mapping) or len(expr) != 1:
        return [f"{expr!r} 应为只有一个键的映射，如 {{value: 数据项}} / an expression is a one-key mapping"]
    key, args = _operands(expr)
    if key not in EXPRESSIONS:
        return [f"表达式 “{key}” 不存在，可选：{', '.join(EXPRESSIONS)} / unknown expression"]
    n, kind = EXPRESSIONS[key]
    raw = expr[key]
    if n == 1 and not (isinstance(raw, str) and raw.strip()):
        return [f"{key} 应给出一个数据项名称 / {key} takes one data item name"]
    if n == 2 and not (isinstance(raw, (list, tuple)) and len(raw) == 2):
        return [f"{key} 应给出两个数据项或数字 [A, B] / {key} takes [A, B]"]
    bad = [a for a in args if not ((isinstance(a, str) and a.strip()) or (n == 2 and _is_number(a)))]
    if bad:
        return [f"{key} 的 {bad} 不是数据项名称或数字 / not a data item or number"]
    if kind == "questionnaire" and not has_questionnaire:
        return ["questionnaire 表达式需要配置 questionnaire / the profile has no questionnaire"]
    return []


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)


def expression_items(expr: Mapping) -> list[tuple[str, str]]:
    """The data items an expression reads, with their kind ('number', 'count', 'answer', 'questionnaire')."""
    key, args = _operands(expr)
    kind = EXPRESSIONS[key][1]
    return [(str(a).strip(), kind) for a in args if isinstance(a, str)]


def _operand_value(a, values: Mapping[str, object]):
    return dec(a) if _is_number(a) else values.get(str(a).strip())


def evaluate_expression(expr: Mapping, values: Mapping[str, object]) -> Decimal | str | None:
    """The expression's value from the data items' values (Decimal, text or None for blank); None when blank."""
    key, args = _operands(expr)
    got = [_operand_value(a, values) for a in args]
    if any(v is None or v == "" for v in got):
        return None
    if EXPRESSIONS[key][0] == 1:
        return got[0]
    a, b = got
    if not isinstance(a, Decimal) or not isinstance(b, Decimal):
        raise ValueError(f"{key}: {args} must be numbers")
    q = ZERO if b == 0 else a / b
    if key == "percent_of":
        return ZERO if b == 0 else a / b * 100
    if key == "complement_of":
        return ONE if b == 0 else ONE - q
    return q


def expression_formula(expr: Mapping, ref: Callable[[str], str]) -> str:
    """The same computation as an Excel formula; `ref(name)` gives a data item's cell. "" when blank."""
    key, args = _operands(expr)
    refs = [_lit(a) if _is_number(a) else ref(str(a).strip()) for a in args]
    cells = [r for a, r in zip(args, refs) if not _is_number(a)]
    blank = cells[0] + '=""' if len(cells) == 1 else "OR(" + ",".join(f'{c}=""' for c in cells) + ")"
    if EXPRESSIONS[key][0] == 1:
        return f'IF({blank},"",{refs[0]})'
    a, b = refs
    body = {"percent_of": f"IF(N({b})=0,0,{a}/{b}*100)", "ratio_of": f"IF(N({b})=0,0,{a}/{b})",
            "complement_of": f"IF(N({b})=0,1,1-{a}/{b})"}[key]
    return f'IF({blank},"",{body})' if cells else body


def describe_expression(expr: Mapping) -> str:
    """The expression in words, for the 评分细则 of a row that prints none: 'A ÷ B × 100%'."""
    key, args = _operands(expr)
    a = [_lit(x) if _is_number(x) else str(x) for x in args]
    return {"value": "{0}", "count": "{0}", "answer": "{0}（是/否）", "questionnaire": "{0}（问卷统计）",
            "percent_of": "{0} ÷ {1} × 100%", "ratio_of": "{0} ÷ {1}",
            "complement_of": "1 − {0} ÷ {1}"}[key].format(*a)


def _lit(x) -> str:
    return format(dec(x).normalize(), "f")


@dataclass(frozen=True)
class RuleArguments:
    """How a framework method is called: its data inputs, parameters, and whether it takes the row's weight."""

    inputs: tuple[str, ...]
    params: frozenset[str]  # every parameter it accepts
    required: frozenset[str]  # parameters without a default (digits is supplied when not given)
    takes_weight: bool
    takes_digits: bool


def rule_arguments(method: str) -> RuleArguments:
    sig = inspect.signature(RULES[method].evaluate)
    inputs = FRAMEWORK_INPUTS[method]
    names = set(sig.parameters) - set(inputs) - {"weight"}
    required = {n for n, p in sig.parameters.items() if p.default is inspect.Parameter.empty} - set(inputs)
    return RuleArguments(inputs, frozenset(names), frozenset(required - {"weight", "digits"}),
                         "weight" in sig.parameters, "digits" in sig.parameters)


def call_arguments(method: str, params: Mapping, weight) -> dict:
    """Keyword arguments besides the inputs, for both evaluate() and formula(): params, weight, default digits."""
    args = rule_arguments(method)
    kw = dict(params or {})
    if args.takes_digits and "digits" not in kw:
        kw["digits"] = DEFAULT_DIGITS
    if args.takes_weight:
        kw["weight"] = weight
    return kw


@dataclass(frozen=True, eq=False)
class TreeNode:
    """A node of a profile's weight tree, with what the table options make of it."""

    name: str
    weight: Decimal | None
    path: tuple[str, ...]
    children: tuple[TreeNode, ...] = ()
    method: str | None = None
    params: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    criteria: str = ""
    deduction: bool = False  # under table.deduction: its leaves give points deducted
    pick_one: bool = False  # table.pick_one: its children are alternatives, one of them is scored

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> list[TreeNode]:
        return [self] if self.is_leaf else [x for c in self.children for x in c.leaves()]

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def effective_weight(self) -> Decimal | None:
        """The weight, or what the children imply when it is not given (None when unknown)."""
        if self.weight is not None or self.is_leaf:
            return self.weight
        got = [c.effective_weight() for c in self.children]
        if any(w is None for w in got):
            return None
        if self.pick_one:
            return got[0] if len(set(got)) == 1 else None
        return sum(got, ZERO)


def names_any(name: str, labels) -> bool:
    """Whether the name contains one of the labels (both normalised): '扣分项(10分)' names 扣分项."""
    key = norm_label(name)
    return any(norm_label(x) in key for x in labels or () if str(x).strip())


def parse_tree(raw: list, deduction=(), pick_one=()) -> tuple[TreeNode, ...]:
    """TreeNodes of a validated `tree:` list; `deduction` / `pick_one` are the table's label lists."""

    def build(item: dict, parent_path: tuple[str, ...], in_deduction: bool | None) -> TreeNode:
        name = str(item["name"]).strip()
        w = item.get("weight")
        path = parent_path + (name,)
        deducted = names_any(name, deduction) if in_deduction is None else in_deduction
        return TreeNode(
            name=name, weight=None if w is None else dec(w), path=path,
            children=tuple(build(c, path, deducted) for c in item.get("children") or []),
            method=item.get("method"), params=dict(item.get("params") or {}), inputs=dict(item.get("inputs") or {}),
            criteria=str(item.get("criteria") or "").strip(), deduction=deducted, pick_one=names_any(name, pick_one),
        )

    return tuple(build(item, (), None) for item in raw or [])
