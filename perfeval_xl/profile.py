"""Profiles: one declarative YAML file per (region, form, version). Load, validate, explain mistakes in Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from .rules import FRAMEWORK_METHODS, INDICATOR_METHODS, RULES
from .tree import NODE_KEYS, call_arguments, expression_items, expression_problems, parse_tree, rule_arguments
from .values import norm_label

PROFILE_DIR = Path(__file__).with_name("profiles")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: profiles load 5x faster


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__(f"配置文件 {source} 有误 / invalid profile:\n" + "\n".join(f"  - {p}" for p in problems))


def _labels(x) -> tuple[str, ...]:
    """A label or list of aliases, normalised for matching (the first one is the official wording)."""
    items = [x] if isinstance(x, str) else list(x or [])
    return tuple(str(i) for i in items)


@dataclass(frozen=True)
class Block:
    """A table of the form: its section title, column labels (key -> aliases) and row labels."""

    section: str
    columns: dict[str, tuple[str, ...]]
    corner: str = ""
    total: tuple[str, ...] = ()
    lines: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    id: str
    kind: str
    name: str
    title: str
    year_label: str
    fields: dict[str, tuple[str, ...]]
    narrative: dict[str, tuple[str, ...]]
    required_narrative: tuple[str, ...]
    placeholders: tuple[str, ...]
    budget: Block  # project forms
    indicators: Block  # project forms
    table: Block  # frameworks: level / weight / score columns; `total` holds the deduction labels
    total_labels: tuple[str, ...]
    grade_labels: tuple[str, ...]
    raw: dict
    source: str

    # --- convenient views of the raw data -------------------------------------------------------------------
    @property
    def execution_weight(self) -> Decimal:
        return Decimal(str(self.raw["budget"]["weight"]))

    @property
    def indicator_weight_total(self) -> Decimal:
        return Decimal(str(self.raw["indicators"]["weight_total"]))

    @property
    def total_weight(self) -> Decimal:
        return Decimal(str(self.raw["total"]["weight"]))

    def budget_opt(self, key: str, default=None):
        return self.raw["budget"].get(key, default)

    def indicator_opt(self, key: str, default=None):
        return self.raw["indicators"].get(key, default)

    @property
    def grade_bands(self) -> list[dict]:
        return self.raw["grade"]["bands"]

    @property
    def qualitative_bands(self) -> list[dict]:
        return self.raw["qualitative"]

    @property
    def methods(self) -> dict[str, str]:
        return self.raw["indicators"]["methods"]

    @property
    def layout(self) -> dict:
        return self.raw["layout"]


_COMMON = ("id", "kind", "name", "title", "total", "grade")
_REQUIRED = {
    "project_selfeval": _COMMON + ("fields", "budget", "indicators", "qualitative", "layout"),
    "framework": _COMMON + ("table",),
}
_WEIGHT_IN_LABEL = re.compile(r"\((\d+(?:\.\d+)?)分\)")


def parse_profile(data: object, source: str) -> Profile:
    """Validate profile data; raise ProfileError listing every problem, in Chinese."""
    if not isinstance(data, dict):
        raise ProfileError(source, ["文件内容不是一个键值表 (YAML mapping) / not a mapping"])
    kind = data.get("kind")
    if kind not in _REQUIRED:
        raise ProfileError(source, [f"kind 应为 {' 或 '.join(_REQUIRED)}，而不是 “{kind}” / unknown kind"])
    problems = [f"缺少必填项 “{key}” / missing key '{key}'" for key in _REQUIRED[kind] if key not in data]
    if problems:
        raise ProfileError(source, problems)
    problems = _grade_problems(data) + (_project_problems(data) if kind == "project_selfeval" else _table_problems(data))
    if problems:
        raise ProfileError(source, problems)
    b, ind, table = data.get("budget") or {}, data.get("indicators") or {}, data.get("table") or {}
    return Profile(
        id=data["id"],
        kind=kind,
        name=data["name"],
        title=data["title"],
        year_label=data.get("year_label", ""),
        fields={k: _labels(v) for k, v in (data.get("fields") or {}).items()},
        narrative={k: _labels(v) for k, v in (data.get("narrative") or {}).items()},
        required_narrative=tuple(data.get("required_narrative") or ()),
        placeholders=tuple(data.get("placeholders") or ()),
        budget=Block(
            section=b.get("section", ""),
            corner=b.get("corner", ""),
            columns={k: _labels(v) for k, v in (b.get("columns") or {}).items()},
            total=_labels(b.get("total")),
            lines={k: _labels(v) for k, v in (b.get("lines") or {}).items()},
        ),
        indicators=Block(
            section=ind.get("section", ""), columns={k: _labels(v) for k, v in (ind.get("columns") or {}).items()}
        ),
        table=Block(
            section=table.get("section", ""),
            columns={k: _labels(v) for k, v in (table.get("columns") or {}).items()},
            total=_labels(table.get("deduction")),
        ),
        total_labels=_labels(data["total"].get("label")),
        grade_labels=_labels((data["grade"] or {}).get("label")),
        raw=data,
        source=source,
    )


def _grade_problems(data: dict) -> list[str]:
    problems = []
    try:
        Decimal(str(data["total"]["weight"]))
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
                f"指标性质 “{nature}” 的计分方法 “{method}” 不存在，可选：{', '.join(INDICATOR_METHODS)} / unknown method"
            )
    if not ind.get("methods"):
        problems.append("indicators.methods 为空 / no scoring methods")
    try:
        if Decimal(str(b["weight"])) + Decimal(str(ind["weight_total"])) != Decimal(str(data["total"]["weight"])):
            problems.append(
                f"权重不闭合：预算执行 {b['weight']} + 绩效指标 {ind['weight_total']} ≠ 总分 {data['total']['weight']}"
                " / weights do not add up"
            )
    except (KeyError, ArithmeticError, TypeError, ValueError):
        pass  # reported by _grade_problems or the number checks above
    for label, expected in ((b.get("section", ""), b.get("weight")), (ind.get("section", ""), ind.get("weight_total"))):
        m = _WEIGHT_IN_LABEL.search(norm_label(label))
        if m and expected is not None and Decimal(m.group(1)) != Decimal(str(expected)):
            problems.append(f"标题 “{label}” 中的分值 {m.group(1)} 与配置的权重 {expected} 不一致 / label weight differs")
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


def _table_problems(data: dict) -> list[str]:
    cols = (data["table"] or {}).get("columns") or {}
    problems = [f"table.columns 缺少列 “{k}” / column '{k}' missing" for k in ("level1", "score") if k not in cols]
    unknown = set(cols) - {"level1", "level2", "level3", "weight", "score"}
    if unknown:
        problems.append(f"table.columns 中有未知的列 {sorted(unknown)} / unknown columns")
    if "tree" in data:
        problems += _tree_problems(data)
    return problems


def _fmt(x: Decimal) -> str:
    return format(x.normalize(), "f")


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
                shape.append(f"指标 “{label}” 的分值 {w!r} 应为不小于 0 的数字或 null / weight must be a number or null")
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
            expected = Decimal(str(data["total"]["weight"]))
        except (KeyError, ArithmeticError, TypeError, ValueError):
            expected = None  # reported by _grade_problems
        if expected is not None and total != expected:
            problems.append(f"权重不闭合：一级指标分值合计 {_fmt(total)} ≠ 总分 {_fmt(expected)} "
                            "/ top-level weights do not add up to the total")
    return problems


def _closure_problems(node, label: str) -> list[str]:
    got = [c.effective_weight() for c in node.children]
    if node.weight is None or any(w is None for w in got):
        return []  # a weight the form does not print: nothing to close
    if node.pick_one:  # alternatives: each carries the whole block's weight
        return [f"权重不闭合：备选指标 “{label}/{c.name}” 的分值 {_fmt(w)} ≠ “{label}” 的分值 {_fmt(node.weight)}"
                " / an alternative must carry the block's weight" for c, w in zip(node.children, got) if w != node.weight]
    total = sum(got, Decimal(0))
    if total != node.weight:
        return [f"权重不闭合：“{label}” 的下级指标分值合计 {_fmt(total)} ≠ 本级分值 {_fmt(node.weight)}"
                f" / the weights under '{label}' add to {_fmt(total)}, not {_fmt(node.weight)}"]
    return []


def _leaf_problems(node, label: str, has_questionnaire: bool, kinds: dict) -> list[str]:
    if node.method is None:
        if node.params or node.inputs:
            return [f"指标 “{label}” 没有 method，却给了 params/inputs / params or inputs without a method"]
        return []
    if node.method not in FRAMEWORK_METHODS:
        return [f"指标 “{label}” 的计分方法 “{node.method}” 不存在，可选：{', '.join(FRAMEWORK_METHODS)} / unknown method"]
    args = rule_arguments(node.method)
    problems = []
    for key in sorted(set(node.params) - args.params):
        problems.append(f"指标 “{label}” 的参数 “{key}” 不是 {node.method} 的参数，可用：{', '.join(sorted(args.params))}"
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
            return [f"指标 “{label}” 的 tiers 应为 [{{min: 下限, score: 分}} …] 或 [{{max: 上限, score: 分}} …] / bad tiers"]
        top = max([Decimal(str(t["score"])) for t in tiers] + [Decimal(str(node.params.get("otherwise", 0)))])
        if node.weight is not None and not node.deduction and top > node.weight:
            return [f"指标 “{label}” 的分档得分 {_fmt(top)} 超过分值 {_fmt(node.weight)} / a tier scores above the weight"]
    try:  # the parameters must work in both renderings: try them once
        rule = RULES[node.method]
        sample = {k: ("是" if node.method == "yes_no" else "达成" if node.method == "qualitative" else Decimal(50))
                  for k in args.inputs}
        rule.evaluate(**sample, **call_arguments(node.method, node.params, node.weight or Decimal(1)))
        rule.formula(**{k: "A1" for k in args.inputs}, **call_arguments(node.method, node.params, "B1"))
    except Exception as e:  # noqa: BLE001 - any failure means the parameters are unusable
        why = "有参数不是数字" if isinstance(e, ArithmeticError) else str(e)
        return [f"指标 “{label}” 的参数无法用于 {node.method}：{why} / unusable parameters"]
    return []


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
    raise ProfileError(name, [f"没有名为 “{name}” 的配置，可用：{', '.join(profiles)} / unknown profile"])

