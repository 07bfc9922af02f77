"""Proof that the templates compute what the checker computes: many random fills, two independent engines.

    entries = verify(["sichuan.project_selfeval"], fills=100)      # one entry per profile and engine
    perfeval template --verify [PROFILE] [--fills N] [--json]

For each profile `fills` random but valid fills are generated (`random_fill`: amounts with blanks and zeros, execution
rates on and around their thresholds and on rounding ties, every indicator nature, targets with signs, units,
thousands separators and percent signs, 定性 texts of every band, blank rows and weights, typed scores; for frameworks
data items on and around the thresholds and tier bounds of their rows, 是/否 answers, counts, open weights,
questionnaire tallies, hand scores, pick-one alternatives). Each fill is written by the profile's template writer,
whose map holds, for every formula cell, the value the Python rules give (`computed`). Then two spreadsheet engines
recompute the written formulas and every formula cell is compared with that value:

* **libreoffice** — every cached formula result of each file is overwritten with 999 (`poison`; reading the
  poisoned file back must show those wrong values, so agreement can only come from a real recalculation), all files
  of a profile are recalculated by ONE headless soffice call with recalculation on load forced (lo.py), and read back
  with calamine. Numbers must be equal at Excel's precision, 15 significant digits (a difference of one unit in the
  15th digit is binary floating point and accepted; every ROUNDed result has far fewer digits), texts exactly.
* **formulas** (the Python library, an optional dependency) — loading a workbook costs about a second, so one model
  is loaded per distinct layout of a profile (from a poisoned fill) and every fill with that layout is evaluated by
  setting all its input cells (`ExcelModel.calculate(inputs=...)`, blanks as blanks; a score typed over a formula
  is an input too). Same comparison as for LibreOffice. Two known bugs of formulas 1.3.4 (EXCEL_NOTES.md §2):
  - ROUND rounds the binary value, so a decimal tie such as ROUND(1.005, 2) can come out one unit low (and a total
    or a grade with it). A fill with cells that disagree is evaluated again by a second model whose ROUND is Excel's
    (half away from zero on 15 significant digits); cells that then agree are counted as "tolerated", not as
    mismatches — so a tolerated cell is one whose only difference is formulas' ROUND, never a wrong rule (a rule off
    by one unit still disagrees with Excel's ROUND).
  - VALUE gives #VALUE! for "90%" and a date serial for "1,200"; during verification VALUE reads number texts with
    formulas' own NUMBERVALUE(text, ".", ","), as Excel and LibreOffice read them, and falls back to its VALUE.

Formula constructs found to differ between engines, and fixed in the writers: ROUND after a subtraction of nearly
equal numbers (rules.NOISE_DIGITS), numbers joined into a label (framework group weights), VALUE of texts that a
spreadsheet reads as dates, times or currencies (write.template.CUT_CHARS).

Each entry: {"profile", "engine", "fills", "cells_compared", "mismatches", "tolerated", "first_mismatches":
[{"fill", "cell", "expected", "got"}], "seconds", "error"} ("error" is None unless the engine could not run; fill i
is `fills_for(profile, i + 1, seed)[i]`).
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import shutil
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .excelmath import ZERO, dec, plain
from .a1 import parse_a1
from .profile import Profile, get_profile, shipped_profiles
from .tree import EXPRESSIONS, TreeNode

ENGINES = ("libreoffice", "formulas")
POISON = "999"
FIRST = 5  # mismatches listed per entry
ENGINE_NAMES = {"libreoffice": "LibreOffice", "formulas": "formulas"}


# --- which profiles have templates ------------------------------------------------------------------------------

def template_profiles() -> list[Profile]:
    """Every shipped profile with a template: project forms, and frameworks with a weight tree."""
    return [p for p in shipped_profiles().values() if p.has_template]


def _resolve(profiles) -> list[Profile]:
    if profiles is None or isinstance(profiles, (str, Profile)):
        profiles = template_profiles() if profiles is None else [profiles]
    out = [p if isinstance(p, Profile) else get_profile(p) for p in profiles] or template_profiles()
    for p in out:
        if not p.has_template:
            raise ValueError(f"profile {p.id} has no weight tree (tree:), so no template to verify")
    return out


def _writer(profile: Profile):
    from .write.templates import write_template_for

    return write_template_for


# --- random fills: project forms ---------------------------------------------------------------------------------

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
_PROJECTS = ("“一窗进出”改革前台岗位外包服务经费", "农村饮水安全巩固提升工程", "城乡居民医疗救助资金", "高标准农田建设项目")
_DEPTS = ("某市政务服务管理局", "某县农业农村局", "某区卫生健康局")


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
    return (target * Decimal(str(rng.uniform(0.5, 2.1)))).quantize(Decimal(1).scaleb(-rng.choice((0, 1, 2))))


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
                share = Decimal(str(rng.uniform(float(band.low), float(band.high))))
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
            row["score"] = (row["weight"] * Decimal(str(rng.uniform(0, 1)))).quantize(Decimal("0.01"))
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
        assign(root, Decimal(str(profile.total_weight)))
    return out


def _critical(leaf: TreeNode) -> list[Decimal]:
    """The input values where a row's score changes its formula: thresholds, zero points, tier bounds, caps."""
    p = leaf.params
    if leaf.method == "threshold_deduct":
        return [Decimal(str(x)) for x in (p.get("threshold"), p.get("zero_at")) if x is not None]
    if leaf.method == "tiers":
        return [Decimal(str(t.get("min", t.get("max")))) for t in p.get("tiers") or []]
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
    return Decimal(str(round(x, rng.choice((0, 1, 2)))))


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
    for _leaf, key, args in pairs:  # denominators first: round figures now and then, so thresholds are exact
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
            base = Decimal(str(den)) if den else Decimal(str(round(rng.uniform(1, 500), 2)))
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


def random_fill(profile: Profile, rng: random.Random, *, complete: bool = False) -> dict:
    """A random but valid fill of the profile's template (`complete` applies to frameworks)."""
    if profile.kind == "framework":
        return framework_fill(profile, rng, complete=complete)
    return project_fill(profile, rng)


def fills_for(profile: Profile | str, n: int, seed: int = 0) -> list[dict]:
    """The first n fills `verify` uses for a profile and seed (every fourth framework fill is complete)."""
    profile = get_profile(profile) if isinstance(profile, str) else profile
    rng = random.Random(f"{seed}:{profile.id}")
    return [random_fill(profile, rng, complete=i % 4 == 0) for i in range(n)]


# --- files: poisoning, reading --------------------------------------------------------------------------------------

_CACHED = re.compile(r"(<c [^>]*><f>[^<]*</f>)<v>[^<]*</v></c>")


def poison(src: str | Path, dst: str | Path) -> int:
    """Copy an xlsx with every cached formula result replaced by 999; return how many were replaced."""
    count = 0

    def wrong(m):
        nonlocal count
        count += 1
        return f"{m.group(1)}<v>{POISON}</v></c>"

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _CACHED.sub(wrong, data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return count


_SHEET = re.compile(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
_FORMULA = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*><f>([^<]*)</f>')


def formulas_of(path: str | Path) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> formula text (as stored) of every formula cell of an xlsx written by xlsxwriter."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = {}
        for m in _REL.finditer(rels):
            rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            targets[rid] = target.lstrip("/").removeprefix("xl/")
        out = {}
        for name, rid in _SHEET.findall(book):
            xml = z.read("xl/" + targets[rid]).decode("utf-8")
            for ref, text in _FORMULA.findall(xml):
                out[(_unescape(name), ref)] = text
    return out


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


class _Book:
    """Cell values of a workbook by (sheet, A1), read with calamine (cached results for formula cells)."""

    def __init__(self, path: str | Path):
        from python_calamine import CalamineWorkbook

        self.wb = CalamineWorkbook.from_path(str(path))
        self.sheets: dict[str, list] = {}

    def get(self, sheet: str, ref: str):
        if sheet not in self.sheets:
            self.sheets[sheet] = self.wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        rows = self.sheets[sheet]
        r, c = parse_a1(ref)
        if r >= len(rows) or c >= len(rows[r]):
            return ""
        return rows[r][c]


# --- comparing -------------------------------------------------------------------------------------------------------

def _is_number(x) -> bool:
    return isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)


def _unit15(x: Decimal) -> Decimal:
    """One unit in the 15th significant digit of x."""
    return Decimal(1).scaleb(x.adjusted() - 14) if x else Decimal(0)


def agrees(got, want) -> bool:
    """Whether an engine's value is the Python rules' value: blank ('' expected) is '' or None; texts are equal;
    numbers are equal at 15 significant digits, Excel's precision (one unit in the 15th digit is floating point)."""
    if want == "" or want is None:
        return got in ("", None)
    if isinstance(want, str):
        return got == want
    if not _is_number(got):
        return False
    g, w = dec(got), dec(want)
    return abs(g - w) <= max(_unit15(g), _unit15(w))


def _json(v):
    if isinstance(v, Decimal):
        return plain(v)
    if v is None or isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


# --- cases ------------------------------------------------------------------------------------------------------------

@dataclass
class _Case:
    index: int
    fill: dict
    path: Path  # as written, with the Python values cached
    poisoned: Path
    expected: dict[tuple[str, str], object]  # (sheet, A1) -> Python value ('' = blank)
    labels: dict[tuple[str, str], str]  # (sheet, A1) -> the map's key ('F10', '评价指标表!E16')
    formulas: dict[tuple[str, str], str] = field(default_factory=dict)


def _key(ref: str, sheet: str) -> tuple[str, str]:
    if "!" in ref:
        s, r = ref.rsplit("!", 1)
        return s.strip("'"), r
    return sheet, ref


def _write_cases(profile: Profile, fills: list[dict], root: Path) -> list[_Case]:
    """Write each fill, poison a copy, and prove the poisoned copy reads wrong."""
    write = _writer(profile)
    (root / "written").mkdir(parents=True, exist_ok=True)
    (root / "poisoned").mkdir(exist_ok=True)
    cases = []
    for i, fill in enumerate(fills):
        path = root / "written" / f"fill_{i:04d}.xlsx"
        tmap = write(profile, path, year=2024, fill=fill)
        expected, labels = {}, {}
        for ref, value in tmap.computed.items():
            k = _key(ref, tmap.sheet)
            expected[k], labels[k] = value, ref
        dst = root / "poisoned" / path.name
        replaced = poison(path, dst)
        if replaced != len(expected):
            raise RuntimeError(f"{profile.id} fill {i}: {replaced} cached results poisoned, {len(expected)} formulas")
        book = _Book(dst)
        for k, want in expected.items():  # a reader of the poisoned file sees 999, not the right value
            if agrees(book.get(*k), want) and not agrees(999, want):
                raise RuntimeError(f"{profile.id} fill {i}: {labels[k]} kept its cached value after poisoning")
        cases.append(_Case(i, fill, path, dst, expected, labels))
    return cases


def _entry(profile: Profile, engine: str) -> dict:
    return {"profile": profile.id, "engine": engine, "fills": 0, "cells_compared": 0, "mismatches": 0,
            "tolerated": 0, "first_mismatches": [], "seconds": 0.0, "error": None}


def _compare(entry: dict, case: _Case, values: dict, tolerated=frozenset()) -> None:
    """Count one fill's cells into the entry; `values` maps (sheet, A1) to the engine's value; cells in `tolerated`
    differ only through a known engine bug (counted apart)."""
    entry["fills"] += 1
    for k, want in case.expected.items():
        got = values.get(k)
        entry["cells_compared"] += 1
        if agrees(got, want):
            continue
        if k in tolerated:
            entry["tolerated"] += 1
            continue
        entry["mismatches"] += 1
        if len(entry["first_mismatches"]) < FIRST:
            entry["first_mismatches"].append(
                {"fill": case.index, "cell": case.labels[k], "expected": _json(want), "got": _json(got)})


# --- LibreOffice ------------------------------------------------------------------------------------------------------

def _libreoffice(profile: Profile, cases: list[_Case], root: Path) -> dict:
    from .lo import LibreOfficeError, convert, find_soffice

    entry = _entry(profile, "libreoffice")
    start = time.perf_counter()
    if find_soffice() is None:
        entry["error"] = "LibreOffice (soffice) is not installed"
        return entry
    try:
        outputs = convert([c.poisoned for c in cases], root / "libreoffice", timeout=60 + 3 * len(cases))
    except LibreOfficeError as e:
        entry["error"] = str(e)
        return entry
    for case, out in zip(cases, outputs, strict=True):
        book = _Book(out)
        _compare(entry, case, {k: book.get(*k) for k in case.expected})
    entry["seconds"] = round(time.perf_counter() - start, 2)
    return entry


# --- formulas -----------------------------------------------------------------------------------------------------------

_NODE = re.compile(r"^'\[(?P<book>[^\]]+)\](?P<sheet>.+)'!(?P<ref>[A-Z]+[0-9]+)$")


def _excel_round(x, digits):
    """ROUND as Excel and LibreOffice do it: half away from zero on the value's 15 significant digits."""
    from .excelmath import excel_round

    return float(excel_round(x, int(digits)))


@contextlib.contextmanager
def _formulas_patched():
    """formulas with its progress bars off, VALUE reading number texts as Excel does, and errors captured."""
    import formulas.excel as fx
    import formulas.functions.text as ft
    from formulas.functions import Error, get_functions, wrap_ufunc

    value_error = type(Error.errors["#VALUE!"])

    def value(x):
        if isinstance(x, str):
            if not x.strip():
                return Error.errors["#VALUE!"]
            got = ft.xnumbervalue(x, ".", ",")
            if not isinstance(got, value_error):
                return got
        return ft.xvalue(x)

    class _Quiet:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def update(self, *a, **kw):
            pass

    errors: list[str] = []

    class _Catch(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage()[:300])

    log = logging.getLogger("schedula")
    handler, propagate = _Catch(), log.propagate
    functions = get_functions()  # the table formulas compiles from (cached: patched in place, restored after)
    saved = functions["VALUE"], fx.tqdm
    functions["VALUE"] = wrap_ufunc(value, input_parser=lambda *a: a)
    fx.tqdm = type("tqdm", (), {"tqdm": _Quiet})
    log.addHandler(handler)
    log.propagate = False
    try:
        yield errors
    finally:
        functions["VALUE"], fx.tqdm = saved
        log.removeHandler(handler)
        log.propagate = propagate


@contextlib.contextmanager
def _excel_rounding():
    """formulas' ROUND replaced by Excel's while models are loaded (functions are bound when formulas compile)."""
    from formulas.functions import get_functions, wrap_ufunc

    functions = get_functions()
    saved = functions["ROUND"]
    functions["ROUND"] = wrap_ufunc(_excel_round)
    try:
        yield
    finally:
        functions["ROUND"] = saved


_BLANK = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)/>')


def _probe(src: Path, dst: Path) -> None:
    """Copy an xlsx with every blank cell holding 0: formulas makes no node for a blank cell, so a model loaded from
    a fill with a blank input could not take another fill's value there (a SUM would silently miss it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _BLANK.sub(r'<c r="\1"\2><v>0</v></c>', data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)


class _Layout:
    """The formulas of one layout of a profile's template, loaded once (from a poisoned fill, blanks made cells),
    evaluated for every fill with that layout by setting all its input cells."""

    def __init__(self, case: _Case):
        self.formulas = case.formulas
        self.probe = case.poisoned.with_name(f"probe_{case.poisoned.name}")
        _probe(case.poisoned, self.probe)
        self.native = self._load()
        self.excel = None  # the same with Excel's ROUND, loaded when a fill needs it

    def _load(self):
        import formulas

        model = formulas.ExcelModel().loads(str(self.probe)).finish()
        nodes = {}
        for node in model.dsp.data_nodes:
            m = _NODE.match(node) if isinstance(node, str) else None
            if m:
                nodes[(m.group("sheet"), m.group("ref"))] = node
        return model, nodes

    def fits(self, case: _Case) -> bool:
        """A fill fits when its formulas are among these (a score typed over a formula becomes an input)."""
        return all(self.formulas.get(k) == f for k, f in case.formulas.items())

    def evaluate(self, case: _Case, errors: list, *, excel_round: bool = False) -> dict:
        import schedula

        if excel_round and self.excel is None:
            with _excel_rounding():
                self.excel = self._load()
        model, nodes = self.excel if excel_round else self.native
        book = _Book(case.path)
        inputs = {}
        for k, node in nodes.items():
            if k not in self.formulas or k not in case.formulas:  # an input cell, or typed over a formula
                v = book.get(*k)
                inputs[node] = [[schedula.EMPTY]] if v == "" or v is None else [[v]]
        del errors[:]
        solution = model.calculate(inputs=inputs)
        values = {}
        for k in case.expected:
            got = solution.get(nodes[k]) if k in nodes else None
            if got is not None and hasattr(got, "value"):
                got = got.value[0, 0]
            if got is schedula.EMPTY:
                got = ""
            elif hasattr(got, "item"):
                got = got.item()
            elif got is not None and not isinstance(got, (int, float, str)):
                got = str(got)  # an Excel error such as #VALUE!
            values[k] = got
        if errors:  # a formula failed inside the engine: nothing of this fill counts as agreeing
            values = {k: f"engine error: {errors[0]}" for k in case.expected}
        return values


def _formulas(profile: Profile, cases: list[_Case]) -> dict:
    entry = _entry(profile, "formulas")
    start = time.perf_counter()
    try:
        import formulas  # noqa: F401
        import schedula  # noqa: F401
    except ImportError:
        entry["error"] = "the formulas library is not installed (pip install formulas)"
        return entry
    for case in cases:
        case.formulas = formulas_of(case.path)
    layouts: list[_Layout] = []
    results = []
    with _formulas_patched() as errors:
        # the fills with the most formulas first, so that those with a score typed over a formula fit their layout
        for case in sorted(cases, key=lambda c: -len(c.formulas)):
            layout = next((x for x in layouts if x.fits(case)), None)
            if layout is None:
                layout = _Layout(case)
                layouts.append(layout)
            values = layout.evaluate(case, errors)
            wrong = {k for k, want in case.expected.items() if not agrees(values[k], want)}
            tolerated = set()
            if wrong:  # formulas' ROUND rounds the binary value: do these cells agree once ROUND is Excel's?
                again = layout.evaluate(case, errors, excel_round=True)
                tolerated = {k for k in wrong if agrees(again[k], case.expected[k])}
            results.append((case, values, tolerated))
    for case, values, tolerated in sorted(results, key=lambda x: x[0].index):
        _compare(entry, case, values, tolerated)
    entry["seconds"] = round(time.perf_counter() - start, 2)
    return entry


# --- the whole run ----------------------------------------------------------------------------------------------------

def verify(profiles=None, fills: int = 100, engines=ENGINES, seed: int = 0, *, workdir: str | Path | None = None,
           progress=None) -> list[dict]:
    """Fill each profile's template `fills` times at random and recompute it with each engine.

    Args:
        profiles: profile ids or Profile objects (None or empty: every shipped profile with a template).
        fills: random fills per profile.
        engines: "libreoffice" and/or "formulas".
        seed: the same seed gives the same fills (`fills_for`).
        workdir: keep the written, poisoned and recalculated files there (default: a temporary directory).
        progress: called with each entry as it is finished.
    Returns:
        one entry per profile and engine, in that order (see the module docstring).
    """
    if fills < 1:
        raise ValueError("fills must be at least 1")
    return _run([(p, fills_for(p, fills, seed)) for p in _resolve(profiles)], engines, workdir, progress)


def check_fills(profile: Profile | str, fills: list[dict], engines=ENGINES, *, workdir: str | Path | None = None
                ) -> list[dict]:
    """`verify` on given fills of one profile: one entry per engine."""
    return _run([(_resolve(profile)[0], list(fills))], engines, workdir, None)


def _run(jobs: list[tuple[Profile, list[dict]]], engines, workdir, progress) -> list[dict]:
    engines = tuple(engines)
    if not engines or set(engines) - set(ENGINES):
        raise ValueError(f"engines must be among {ENGINES}, got {engines}")
    if any(not fills for _, fills in jobs):
        raise ValueError("no fills to verify")
    done: dict[tuple[str, str], dict] = {}

    def finished(entry):
        done[(entry["profile"], entry["engine"])] = entry
        if progress:
            progress(entry)
        return entry

    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="perfeval_verify_"))
    try:
        # LibreOffice runs in its own process: while it recalculates one profile, this process writes the next
        # and evaluates formulas (two cores busy); one soffice call at a time, one per profile
        with ThreadPoolExecutor(1) as pool:
            pending = []
            for profile, fills in jobs:
                cases = _write_cases(profile, fills, root / profile.id)
                if "libreoffice" in engines:
                    pending.append(pool.submit(lambda p=profile, c=cases: finished(_libreoffice(p, c, root / p.id))))
                if "formulas" in engines:
                    finished(_formulas(profile, cases))
            for future in pending:
                future.result()
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return [done[(p.id, e)] for p, _ in jobs for e in engines]


def summary_lines(entries: list[dict]) -> list[str]:
    """Human-readable lines (Chinese / English) for the command line."""
    lines = []
    for e in entries:
        name = ENGINE_NAMES.get(e["engine"], e["engine"])
        if e["error"]:
            lines.append(f"{e['profile']:34} {name:12} 无法验证 / could not verify: {e['error']}")
            continue
        extra = (f"；另有 {e['tolerated']} 个仅因 formulas 的 ROUND 缺陷不同 / {e['tolerated']} differ only by formulas' "
                 f"ROUND" if e["tolerated"] else "")
        lines.append(f"{e['profile']:34} {name:12} 填写 {e['fills']} 份 / fills, 比对 {e['cells_compared']} 个单元格 / "
                     f"cells, 不一致 {e['mismatches']} / mismatches{extra}  ({e['seconds']} s)")
        for m in e["first_mismatches"]:
            lines.append(f"    第 {m['fill']} 份 / fill {m['fill']} {m['cell']}: 应为 / expected {m['expected']!r}, "
                         f"得到 / got {m['got']!r}")
    return lines

