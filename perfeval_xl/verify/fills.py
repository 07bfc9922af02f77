"""Random but valid fills of a template (`write.templates`' `fill`): amounts with blanks and zeros, execution rates on
and around their thresholds and on rounding ties, every indicator nature, targets with signs, units, thousands
separators and percent signs, 定性 texts of every band, blank rows and weights, typed scores; for frameworks data
items on and around the thresholds and tier bounds of their rows, 是/否 answers, counts, open weights, questionnaire
tallies, hand scores, pick-one alternatives. `fills_for(profile, n, seed)` is what `verify` uses.
"""

from __future__ import annotations

import random
from decimal import Decimal

from ..excelmath import ZERO, dec
from ..profile import Profile, get_profile
from ..tree import EXPRESSIONS, TreeNode
from .monitoring_fills import monitoring_fill

_TIE_RATES = ("0.705", "0.835", "0.995", "0.7005", "0.8335", "0.9995", "0.6125")  # 执行率 whose score is a tie
_EDGE_RATES = ("1", "0.9", "0.6", "1.05", "0", "0.95")  # full, reason threshold, ..., over 100%
_NICE = (50, 80, 90, 95, 100, 120, 200, 250, 400, 500, 1000)
_UNITS = ("个", "人", "人次", "万元", "%", "天", "项", "家")
_QUAL_TARGETS = ("有效提升", "明显改善", "逐步完善", "持续向好", "群众满意")
_FREE_TEXTS = ("已完成", "全面完成", "基本完成", "效果明显", "达到预期", "较好", "按期推进")
_KEYWORD_TEXTS = ("部分完成，效果一般", "部分达成", "未完成年度目标", "进度未达到要求", "效果较差", "不符合预期",
                  "大部分完成", "未达成，部分效果")
# texts VALUE would read as dates, times or currencies: the template reads their leading number only
_DATE_TARGETS = ("2023-12-31前", "2023年12月31日前", "12月底前", "9:00前", "2024/6/30", "95%(含)", "10-20人", "$5")
_DATE_ACTUALS = ("2023-11-30", "2023年11月完成", "8:30", "1/2", "15-18人", "(5)")
_PROJECTS = ("“一窗进出”改革前台岗位外包服务经费", "农村饮水安全巩固提升工程", "城乡居民医疗救助资金",
             "高标准农田建设项目")
_DEPTS = ("某市政务服务管理局", "某县农业农村局", "某区卫生健康局")


def _shortest(x: float) -> Decimal:
    """The shortest decimal that reads back as the float x (its repr): what a person would type for it."""
    return Decimal(repr(x))


def _money(rng: random.Random, hi: int = 500) -> Decimal:
    return Decimal(rng.randint(0, hi * 100)) / 100


def _number(rng: random.Random) -> Decimal:
    """A target: whole, with decimals, a round figure, or now and then zero."""
    r = rng.random()
    if r < 0.04:
        return ZERO
    if r < 0.35:
        return Decimal(rng.choice(_NICE))
    if r < 0.75:
        return Decimal(rng.randint(1, 200))
    return Decimal(rng.randint(1, 20000)) / 100


def _budget(profile: Profile, rng: random.Random) -> dict:
    """Amounts per line: blanks, zeros, round budgets whose 执行率 is exactly a threshold or a rounding tie."""
    lines = list(profile.budget.lines)
    only_first = rng.random() < 0.3  # one line carries everything: the total's rate is that line's rate
    out = {}
    for i, key in enumerate(lines):
        if only_first and i > 0:
            if rng.random() < 0.5:
                out[key] = {"initial": 0, "budget": 0, "executed": 0}
            continue
        r = rng.random()
        if r < 0.12:
            out[key] = {}
            continue
        budget = ZERO if r < 0.17 else Decimal(rng.choice(_NICE)) if r < 0.6 else _money(rng)
        mode = rng.random()
        if mode < 0.25:
            rate = Decimal(rng.choice(_TIE_RATES))
        elif mode < 0.45:
            rate = Decimal(rng.choice(_EDGE_RATES))
        else:
            rate = Decimal(rng.randint(300, 1200)) / 1000
        executed = (budget * rate).quantize(Decimal("0.01"))
        initial = budget if rng.random() < 0.5 else None if rng.random() < 0.3 else _money(rng)
        line = {"initial": initial, "budget": budget, "executed": None if rng.random() < 0.08 else executed}
        out[key] = {k: v for k, v in line.items() if v is not None or rng.random() < 0.5}
    return out


def _tie_target_actual(nature: str, rng: random.Random) -> tuple[Decimal, Decimal, Decimal]:
    """(target, actual, weight) whose score before ROUND(…, 2) ends in an exact 5 at the third decimal."""
    weight = Decimal(rng.choice((4, 5, 8, 10, 20)))
    k = rng.randint(0, int(weight) * 100 - 1)
    score = (Decimal(k) + Decimal("0.5")) / 100
    target = Decimal(1000)
    if nature in ("≤", "<"):  # weight × (2 − actual / target)
        return target, target * (2 - score / weight), weight
    return target, score * target / weight, weight


def _near(target: Decimal, rng: random.Random) -> Decimal:
    """An actual value around the target: on it, one unit off, twice it, zero, or anywhere from half to double."""
    r = rng.random()
    unit = Decimal(1) if target == target.to_integral_value() else Decimal("0.01")
    if r < 0.2:
        return target
    if r < 0.35:
        return max(ZERO, target + rng.choice((-unit, unit)))
    if r < 0.4:
        return target * 2
    if r < 0.45:
        return ZERO
    return (target * _shortest(rng.uniform(0.5, 2.1))).quantize(Decimal(1).scaleb(-rng.choice((0, 1, 2))))


def _qual_actual(profile: Profile, rng: random.Random):
    r = rng.random()
    if r < 0.4:
        return rng.choice([b.label for b in profile.qualitative])
    if r < 0.65:
        return rng.choice(_KEYWORD_TEXTS)
    if r < 0.85:
        return rng.choice(_FREE_TEXTS)
    if r < 0.95:
        return None
    return Decimal(rng.randint(0, 100))  # a number typed as a 定性 完成值: no keyword, default band


def _weight(rng: random.Random) -> Decimal | None:
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.2:
        return Decimal(rng.choice(("2.5", "7.5", "12.5", "0.5")))
    return Decimal(rng.randint(1, 30))


def _as_text(x: Decimal, rng: random.Random) -> str:
    """A number as people type it: plain, with a leading space, or with thousands separators."""
    r = rng.random()
    if x >= 1000 and r < 0.5:
        return f"{x:,}"
    return f" {x}" if r < 0.1 else f"{x}"


def project_fill(profile: Profile, rng: random.Random) -> dict:
    """A random but valid fill of a project form (write.template's `fill`), see the module docstring."""
    ind = profile.indicators
    columns = {key for key, _ in profile.layout.indicators}
    has_nature = "nature" in columns
    natures = list(ind.natures or ind.methods)
    methods = ind.methods
    qual = [n for n in natures if methods.get(n) == "qualitative"]
    quant = [n for n in natures if methods.get(n) != "qualitative"]
    if not has_nature:  # the national form writes the sign in the target: every sign of the rules is typed
        quant = [s for s in ("≥", "≤", "=", ">", "<") if s in methods] or quant
    template_rows = ind.template_rows or [(k, v) for k, vs in ind.levels.items() for v in vs]
    fill: dict = {"budget": _budget(profile, rng)}
    if rng.random() < 0.3:
        fill["fields"] = {"project": rng.choice(_PROJECTS), "department": rng.choice(_DEPTS),
                          "unit": rng.choice(_DEPTS)}
        fill["narrative"] = {k: rng.choice(_FREE_TEXTS) for k in profile.narrative if rng.random() < 0.7}
    if rng.random() < 0.3 and "reason" in dict(profile.layout.budget):
        fill["reason"] = "部分资金尚未支付，待项目验收后支付。"
    n = len(template_rows) if rng.random() < 0.5 or not template_rows else rng.randint(3, max(3, len(template_rows)))
    rows = []
    for i in range(n):
        level1, level2 = template_rows[i % len(template_rows)] if template_rows else ("产出指标", "数量指标")
        row: dict = {"level1": level1, "level2": level2}
        if rng.random() < 0.07:  # a row left blank
            rows.append(row)
            continue
        row["level3"] = f"指标{i + 1}"
        row["weight"] = _weight(rng)
        if qual and rng.random() < 0.25:
            nature = rng.choice(qual)
            row["actual"] = _qual_actual(profile, rng)
            if has_nature:
                row["nature"] = nature
                row["target"] = rng.choice(_QUAL_TARGETS) if rng.random() < 0.7 else None
            else:  # a target text without a number makes the row 定性
                row["target"] = rng.choice(_QUAL_TARGETS) if rng.random() < 0.95 else None
            if rng.random() < 0.08 and isinstance(row["weight"], Decimal):
                band = rng.choice(profile.qualitative)
                share = _shortest(rng.uniform(float(band.low), float(band.high)))
                row["score"] = (share * row["weight"]).quantize(Decimal("0.01"))
            rows.append(row)
            continue
        nature = rng.choice(quant)
        if rng.random() < 0.1:
            target, actual, row["weight"] = _tie_target_actual(nature, rng)
        else:
            target = _number(rng)
            actual = None if rng.random() < 0.05 else _near(target, rng)
        unit = rng.choice(_UNITS)
        if rng.random() < 0.08:  # a date, a time, a range typed as text
            target, actual = rng.choice(_DATE_TARGETS), rng.choice(_DATE_ACTUALS + (actual,))
            unit = ""
            if not has_nature:
                target = (nature if rng.random() < 0.7 else "") + target
        if has_nature:
            row.update(nature=nature, target=target, unit=unit, actual=actual)
        else:
            row.update(_national_texts(nature, target, actual, unit, rng))
        if rng.random() < 0.05 and isinstance(row["weight"], Decimal):
            row["score"] = (row["weight"] * _shortest(rng.uniform(0, 1))).quantize(Decimal("0.01"))
        rows.append(row)
    fill["indicators"] = rows
    return fill


def _national_texts(nature: str, target, actual, unit: str, rng: random.Random) -> dict:
    """年度指标值 / 实际完成值 of a form without a 指标性质 column: '≥50个', '≤ 1,200万元', '95%', or bare numbers."""
    if isinstance(target, str):  # already a text
        return {"target": target, "actual": actual}
    r = rng.random()
    if r < 0.15:  # a number and a separate sign: the writer types "≥50"
        return {"nature": nature, "target": target, "actual": actual}
    if r < 0.25:  # a bare number: a 正向 target
        return {"target": target, "actual": actual}
    unit = rng.choice((unit, "", " %", "%")) if rng.random() < 0.4 else unit
    sign = nature + (" " if rng.random() < 0.1 else "")
    row = {"target": f"{sign}{_as_text(target, rng)}{unit}"}
    if actual is None or rng.random() < 0.6:
        row["actual"] = actual
    else:
        row["actual"] = f"{_as_text(actual, rng)}{unit.strip() if rng.random() < 0.7 else ''}"
    return row


# --- random fills: frameworks ------------------------------------------------------------------------------------

def tree_leaves(profile: Profile) -> list[TreeNode]:
    """The scored rows of a framework profile's weight tree, in order."""
    return [leaf for root in profile.tree for leaf in root.leaves()]


def not_chosen(profile: Profile, rng: random.Random) -> tuple[str, ...]:
    """Paths of the alternatives a unit leaves blank: of every pick-one block, all children but one."""
    skipped: list[str] = []

    def walk(node: TreeNode):
        if node.pick_one and node.children:
            keep = rng.randrange(len(node.children))
            for i, child in enumerate(node.children):
                if i == keep:
                    walk(child)
                else:
                    skipped.append("/".join(child.path))
            return
        for child in node.children:
            walk(child)

    for root in profile.tree:
        walk(root)
    return tuple(skipped)


def closing_weights(profile: Profile) -> dict[str, Decimal]:
    """Weights for the rows a profile leaves open (`weight: null`) such that every level adds up: what a group has
    left after its fixed children is shared equally among its children with open rows below them (each keeps the
    weight fixed inside it); a pick-one alternative carries the whole block's weight."""
    out: dict[str, Decimal] = {}

    def has_open(n: TreeNode) -> bool:
        return not n.deduction and any(x.weight is None and not x.deduction for x in n.leaves())

    def flexible(n: TreeNode) -> bool:  # its weight follows from open rows below it
        return not n.deduction and n.effective_weight() is None

    def fixed_inside(n: TreeNode) -> Decimal:
        if n.is_leaf:
            return ZERO
        got = [fixed_inside(c) if flexible(c) else c.effective_weight() for c in n.children if not c.deduction]
        return (max(got) if n.pick_one else sum(got, ZERO)) if got else ZERO

    def assign(n: TreeNode, target: Decimal) -> None:
        if n.is_leaf:
            out["/".join(n.path)] = target
            return
        kids = [c for c in n.children if not c.deduction]
        if n.pick_one:
            for c in kids:
                if has_open(c):
                    assign(c, target if flexible(c) else c.effective_weight())
            return
        flex = [c for c in kids if flexible(c)]
        for c in kids:
            if not flexible(c) and has_open(c):
                assign(c, c.effective_weight())
        if not flex:
            return
        spare = target - sum((c.effective_weight() for c in kids if not flexible(c)), ZERO) - sum(
            (fixed_inside(c) for c in flex), ZERO)
        share = max(ZERO, spare / len(flex)).quantize(Decimal("0.01"))
        for i, c in enumerate(flex):
            extra = max(ZERO, spare - share * (len(flex) - 1)) if i == len(flex) - 1 else share
            assign(c, fixed_inside(c) + extra)

    root = TreeNode("", None, (), children=profile.tree)
    if has_open(root):
        assign(root, profile.total_weight)
    return out


def _critical(leaf: TreeNode) -> list[Decimal]:
    """The input values where a row's score changes its formula: thresholds, zero points, tier bounds, caps."""
    p = leaf.params
    if leaf.method == "threshold_deduct":
        return [dec(x) for x in (p.get("threshold"), p.get("zero_at")) if x is not None]
    if leaf.method == "tiers":
        return [dec(t.get("min", t.get("max"))) for t in p.get("tiers") or []]
    if leaf.method == "ratio":
        return [Decimal(1)]
    return []


def _inputs(profile: Profile, skip=()):
    """(leaf, expression key, operands) of every input of the rows not under `skip`."""
    for leaf in tree_leaves(profile):
        if any("/".join(leaf.path).startswith(s) for s in skip):
            continue
        for expr in leaf.inputs.values():
            (key, arg), = expr.items()
            yield leaf, key, (list(arg) if EXPRESSIONS[key][0] == 2 else [arg])


def _rounded(x: float, rng: random.Random) -> Decimal:
    return _shortest(round(x, rng.choice((0, 1, 2))))


def framework_fill(profile: Profile, rng: random.Random, *, complete: bool, skip: tuple[str, ...] | None = None
                   ) -> dict:
    """A fill of every input of a framework template (write.framework_template's `fill`).

    `complete`: what a finished form holds — no blanks, counts within reason, hand scores within their weights, open
    weights that add up (`closing_weights`), one alternative of each pick-one block filled. Otherwise blanks, zeros,
    counts beyond the weight, scores out of range, open weights anyhow and tallies that do not add up appear too.
    Rates land on and around the thresholds and tier bounds of the rows that read them. `skip`: the paths of the
    pick-one alternatives a complete fill leaves blank (default: all but one at random, `not_chosen`)."""
    blank = (lambda p: False) if complete else (lambda p: rng.random() < p)
    if skip is None:
        skip = not_chosen(profile, rng) if complete else ()
    data: dict = {}
    pairs = list(_inputs(profile, skip))
    for _leaf, _key, args in pairs:  # denominators first: round figures now and then, so thresholds are exact
        if len(args) == 2 and isinstance(args[1], str) and args[1] not in data:
            pct = "(%)" in args[1]
            data[args[1]] = None if blank(0.08) else 0 if blank(0.04) else (
                Decimal(rng.choice((100, 90, 80))) if pct else Decimal(rng.choice(_NICE)) if rng.random() < 0.4
                else _rounded(rng.uniform(1, 500), rng))
    for leaf, key, args in pairs:
        a = args[0]
        if not isinstance(a, str) or a in data:
            continue
        crit = _critical(leaf)
        if key == "answer":
            data[a] = None if blank(0.1) else rng.choice(["是", "否"])
        elif key == "count":
            data[a] = None if blank(0.1) else rng.randint(0, 4 if complete else 12)
        elif key == "value":
            if crit and rng.random() < 0.4:
                data[a] = rng.choice(crit) + rng.choice((ZERO, ZERO, Decimal("0.01"), Decimal("-0.01"), Decimal(1)))
            else:
                data[a] = None if blank(0.1) else _rounded(rng.uniform(50, 104), rng)
        elif key != "questionnaire":
            den = args[1] if not isinstance(args[1], str) else data.get(args[1])
            base = dec(den) if den else _shortest(round(rng.uniform(1, 500), 2))
            if crit and rng.random() < 0.4 and base > 0:  # on a threshold, or just beside it
                c = rng.choice(crit) / (100 if key == "percent_of" else 1)
                if key == "complement_of":
                    c = 1 - c
                offset = rng.choice((ZERO, ZERO, Decimal("0.01"), Decimal("-0.01")))
                data[a] = None if blank(0.05) else max(ZERO, (base * c).quantize(Decimal("0.01")) + offset)
                continue
            low = 0.0 if key == "complement_of" else 0.55
            high = 0.3 if key == "complement_of" else 1.15
            data[a] = None if blank(0.08) else _rounded(float(base) * rng.uniform(low, high), rng)
    closing = closing_weights(profile)
    if complete:
        weights = {path: w for path, w in closing.items() if not any(path.startswith(s) for s in skip)}
    else:
        weights = {path: None if blank(0.15) else _rounded(rng.uniform(0, 10), rng) for path in closing}
    scores = {}
    for leaf in tree_leaves(profile):
        path = "/".join(leaf.path)
        if leaf.method or leaf.name == "不涉及" or any(path.startswith(s) for s in skip):
            continue
        w = leaf.weight if leaf.weight is not None else (closing.get(path) or Decimal(5))
        if leaf.deduction:
            scores[path] = rng.randint(0, 2)
        elif complete:
            scores[path] = _rounded(rng.uniform(0, float(w)), rng)
        else:
            scores[path] = None if blank(0.15) else _rounded(rng.uniform(-1, float(w) + 1), rng)
    fill = {"data": {k: v for k, v in data.items() if v is not None}, "scores": scores,
            "weights": {k: v for k, v in weights.items() if v is not None}}
    if profile.questionnaire is not None:
        questions = profile.questionnaire.questions or [None] * 10
        valid = rng.randint(1, 40)
        counts = []
        for q in questions:
            n = len(q.options) if q is not None else 3
            cuts = sorted(rng.randint(0, valid) for _ in range(n - 1))
            counts.append([b - a for a, b in zip([0, *cuts], [*cuts, valid])])
        if not complete and rng.random() < 0.2:
            counts[0][0] += 1  # a tally that does not add up
        fill["questionnaire"] = {"valid": None if blank(0.1) else valid, "counts": counts}
    return fill


def declaration_fill(profile: Profile, rng: random.Random) -> dict:
    """A random but valid fill of a 申报表 (write.declaration_template's `fill`): amounts per half and line with
    blanks, zeros, decimals and 年度 above 中期 now and then; indicator rows with names and targets, some blank."""
    spec = profile.declaration
    fill: dict = {"funds": {}, "indicators": []}
    for half in spec.layout_halves:
        fill["funds"][half] = {k: None if rng.random() < 0.15 else ZERO if rng.random() < 0.1 else _money(rng, 2000)
                               for k in spec.lines if rng.random() < 0.9}
    if rng.random() < 0.3:
        fill["fields"] = {k: rng.choice(_PROJECTS if k == "project" else _DEPTS) for k in profile.fields
                          if k in ("project", "department", "unit")}
        fill["goals"] = {h: rng.choice(_FREE_TEXTS) for h in spec.layout_halves if h in spec.goals}
    for i, (level1, level2) in enumerate(spec.template_rows):
        row: dict = {"level1": level1}
        for half in spec.layout_halves:
            cells: dict = {"level2": level2}
            if rng.random() < 0.85:
                cells["level3"] = f"指标{i + 1}"
                if rng.random() < 0.85:
                    cells["target"] = rng.choice((f"≥{_number(rng)}{rng.choice(_UNITS)}", rng.choice(_QUAL_TARGETS),
                                                  _number(rng)))
            row[half] = {k: v for k, v in cells.items() if k in spec.layout_half}
        fill["indicators"].append(row)
    return fill


def random_fill(profile: Profile, rng: random.Random, *, complete: bool = False) -> dict:
    """A random but valid fill of the profile's template (`complete` applies to frameworks)."""
    if profile.kind == "framework":
        return framework_fill(profile, rng, complete=complete)
    if profile.kind == "declaration":
        return declaration_fill(profile, rng)
    if profile.kind == "monitoring":
        return monitoring_fill(profile, rng)
    return project_fill(profile, rng)


def fills_for(profile: Profile | str, n: int, seed: int = 0) -> list[dict]:
    """The first n fills `verify` uses for a profile and seed (every fourth framework fill is complete)."""
    profile = get_profile(profile) if isinstance(profile, str) else profile
    rng = random.Random(f"{seed}:{profile.id}")
    return [random_fill(profile, rng, complete=i % 4 == 0) for i in range(n)]
