"""The project self-evaluation form (项目支出绩效自评表): its budget block (check.budget), then every indicator row
scored again under its 指标性质 (C08, C10–C14, C23, C28, C29), the weights (C07), the total and grade (C09, C15),
plausibility (C24) and the narrative (C21). Pure: no I/O, no spreadsheet library.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..excelmath import ZERO, half_unit, plain
from ..model import NO_CELL, Cell, Form, Indicator
from ..profile import Profile
from ..rules import RULES, Band
from ..severity import Severity
from ..values import GRADE_WORDS, LESS_WORDS, Parsed, amount_in_wan, norm_label
from .budget import AMOUNT_TOL, check_budget, precise
from .findings import Findings, Result, fmt, pct, short_name
from .registry import checker

# a grade word after 结果/等级/…, standing alone: '自评结果为优。' but not '结果中可以看出' nor '结果差距不大'
_NARRATIVE_GRADE = re.compile(r"(?:结果|等级|等次|评价为|评定为|评价情况|结论)[为是:]?[\"“]?"
                              r"(优秀|良好|中等|合格|较差|优|良|中|差)(?=$|[\"”」』。，,；;、:：!！)）\s]|等次|等级)")
_EQUAL_SIGNS = ("﹦", "＝", "==")
SCORE_TOL = Decimal("0.005")  # a stated total against the sum of the stated scores


class _ProjectCheck:
    def __init__(self, form: Form, profile: Profile):
        self.form, self.p = form, profile
        self.spec = profile.indicators
        self.findings = Findings(form.sheet)
        self.values: dict = {}
        self.budget = None  # the BudgetCheck, once run
        self.indicator_total = ZERO
        self.all_full = False

    # --- indicators ---------------------------------------------------------------------------------------------
    def indicators(self) -> None:
        f, add = self.form, self.findings.add
        digits = self.spec.score_digits
        has_nature_col = any(ind["nature"].row is not None for ind in f.indicators)
        total_w, total_s, all_full = ZERO, ZERO, bool(f.indicators)
        weights_by_level1: dict[str, Decimal] = {}
        for ind in f.indicators:
            name = short_name(ind["level3"].text or ind.level2 or ind.level1 or f"第{ind.row + 1}行")
            w, s = ind["weight"].number, ind["score"].number
            if w is None:
                add("C10.weight", _at(ind["weight"], ind), None, None, name=name)
            else:
                total_w += w
                weights_by_level1[ind.level1] = weights_by_level1.get(ind.level1, ZERO) + w
            if s is None:
                add("C10.score", _at(ind["score"], ind), ind["score"].text or None, None, name=name)
            elif s < 0:
                add("C08.negative", ind["score"], plain(s), 0, stated=fmt(s))
            nature, inferred = self.nature(ind)
            if inferred and nature != "定性" and (has_nature_col or not ind["target"].p.op):
                add("C10.nature", _at(ind["nature"], ind), None, nature, name=name, nature=nature,
                    severity=Severity.WARNING if has_nature_col else Severity.INFO)
            computed = self.score(ind, name, nature, w, s, digits) if w is not None else None
            if s is not None and w is not None and s > w:
                self.above(ind, nature, s, w, computed)
            if computed is None:
                computed = min(max(s, ZERO), w) if (s is not None and w is not None) else (s or ZERO)
            total_s += computed
            if w is None or s is None or s < w:
                all_full = False
            if s is not None and w is not None and s < w and not ind["reason"].text and "reason" in self.spec.columns:
                add("C12.reason", _at(ind["reason"], ind), None, None, name=name, stated=fmt(s), weight=fmt(w))
            if s is not None and w is not None and s == w > 0 and _not_applicable(ind):
                add("C28.full", ind["score"], plain(s), None, name=name, actual=ind["actual"].text, stated=fmt(s))
            precise(self.findings, ind["score"], digits, name)
        self.values["indicator_weight_total"] = plain(total_w)
        self.values["indicator_score_total"] = plain(total_s)
        self.indicator_total, self.all_full = total_s, all_full
        expected = self.spec.weight_total
        if f.indicators and total_w != expected:
            cell = f.total_weight if f.total_weight.row is not None else f.indicators[-1]["weight"]
            add("C07.indicators", cell, plain(total_w), plain(expected), stated=fmt(total_w), computed=fmt(expected))
        for level1, cell in f.level1_weights.items():
            got = weights_by_level1.get(level1)
            if got is not None and cell.number is not None and got != cell.number:
                add("C07.level1", cell, plain(cell.number), plain(got), name=level1, stated=fmt(cell.number),
                    computed=fmt(got))

    def above(self, ind: Indicator, nature: str, s: Decimal, w: Decimal, computed: Decimal | None) -> None:
        """C08: a score above its weight, with what the rule gives wherever the rule could be applied."""
        method = self.spec.methods.get(nature)
        if computed is not None and method not in (None, "qualitative"):
            self.findings.add("C08.above_rule", ind["score"], plain(s), plain(computed), stated=fmt(s),
                              weight=fmt(w), rule=RULES[method].title, computed=fmt(computed))
        else:
            self.findings.add("C08.above", ind["score"], plain(s), plain(w), stated=fmt(s), computed=fmt(w))

    def nature(self, ind: Indicator) -> tuple[str, bool]:
        """The indicator's 指标性质 and whether it had to be inferred (the seed exports lose the signs)."""
        written = norm_label(ind["nature"].text)
        if written in self.spec.methods:
            return written, False
        if written in _EQUAL_SIGNS or written.startswith("等于"):
            return "=", False
        if ind["target"].p.op:
            return ind["target"].p.op, not written and ind["nature"].row is not None
        if ind["target"].p.number is None and ind["actual"].p.number is None:
            return "定性", True
        text = ind["level3"].text + ind["target"].text
        if any(w in text for w in LESS_WORDS) or self.is_cost(ind):
            return "≤", True
        return "≥", True

    def is_cost(self, ind: Indicator) -> bool:
        cost = {norm_label(x) for x in self.spec.cost_levels}
        return norm_label(ind.level1) in cost or norm_label(ind.level2) in cost

    def score(self, ind: Indicator, name: str, nature: str, w: Decimal, s: Decimal | None, digits: int):
        """The rule's score for one row (None when it cannot be recomputed), with C11–C14 and C23 findings."""
        add = self.findings.add
        method = self.spec.methods.get(nature)
        if method is None:
            return None
        rule = RULES[method]
        if method == "qualitative":
            band: Band | None = rule.evaluate(actual=ind["actual"].text, weight=w, bands=self.p.qualitative)
            if band is None:
                add("C14.no_grade", _at(ind["actual"], ind), None, None, name=name)
                return None
            if s is not None and not band.low <= s <= band.high:
                add("C14.band", ind["score"], plain(s), plain(band.high), name=name, actual=ind["actual"].text,
                    band=band.label, low=fmt(band.low), high=fmt(band.high), stated=fmt(s))
                return min(max(s, band.low), band.high)
            return s if s is not None else band.high
        t, a = ind["target"].p.number, ind["actual"].p.number
        if t is None:
            add("C10.target", _at(ind["target"], ind), ind["target"].text or None, None, name=name)
            return None
        if a is None:
            if not ind["actual"].text:
                add("C10.actual", _at(ind["actual"], ind), None, None, name=name)
            return None
        computed = rule.evaluate(target=t, actual=a, weight=w, digits=digits)
        shown = dict(name=name, target=ind["target"].text, actual=ind["actual"].text, weight=fmt(w))
        if s is not None and s <= w:
            missed = (method in ("positive", "equal") and a < t) or (method == "reverse_linear" and a > t)
            if s == w and missed and computed != w:
                add("C12.full", ind["score"], plain(s), plain(computed), stated=fmt(s), rule=rule.title,
                    computed=fmt(computed), **shown)
            elif abs(s - computed) > half_unit(digits) + Decimal("1e-9"):
                add("C11.score", ind["score"], plain(s), plain(computed), rule=rule.title, nature=nature,
                    computed=fmt(computed), stated=fmt(s), **shown)
        over = self.spec.over_target
        if over and method in ("positive", "equal") and t > 0 and a / t >= over:
            add("C13.over", ind["actual"], plain(a), plain(t), ratio=pct(a / t, 3), **shown)
        self.cost(ind, name, a)
        return computed

    def cost(self, ind: Indicator, name: str, a: Decimal) -> None:
        """C23: a cost indicator in 万元 should report what was actually spent."""
        unit = norm_label(ind["unit"].text or ind["actual"].p.unit or ind["target"].p.unit)
        E = self.budget.executed
        per_unit = "/" in unit or "每" in unit  # 元/平方米, 万元/人: a unit cost, never the money spent
        if E is None or "元" not in unit or per_unit or not self.is_cost(ind):
            return
        actual = amount_in_wan(Parsed(raw=None, number=a, unit=unit), "万元")
        if abs(actual - E) > AMOUNT_TOL:
            self.findings.add("C23.cost", ind["actual"], plain(actual), plain(E), name=name, actual=fmt(actual),
                              executed=fmt(E))

    # --- totals, grade, narrative -------------------------------------------------------------------------------
    def totals(self) -> None:
        f, p, add = self.form, self.p, self.findings.add
        # money spent without a budget: no execution rate, so neither the total nor the grade can be recomputed
        total = None if self.budget.unbudgeted else (self.budget.score or ZERO) + self.indicator_total
        self.values["total_score"] = None if total is None else plain(total)
        grade = None if total is None else RULES["grade"].evaluate(total=total, bands=p.grade_bands)
        self.values["grade"] = grade
        stated_parts = [ind["score"].number for ind in f.indicators]
        if f.budget_total is not None:
            stated_parts.append(f.budget_total["score"].number)
        stated_sum = sum((x for x in stated_parts if x is not None), ZERO)
        ts = f.total_score
        if ts.row is not None:
            if ts.number is None:
                add("C09.blank", ts, ts.text or None, plain(stated_sum), computed=fmt(stated_sum))
            elif abs(ts.number - stated_sum) > SCORE_TOL:
                add("C09.total", ts, plain(ts.number), plain(stated_sum), stated=fmt(ts.number),
                    computed=fmt(stated_sum))
        tw = f.total_weight
        if tw.number is not None and tw.number != p.total_weight:
            add("C07.total", tw, plain(tw.number), plain(p.total_weight), stated=fmt(tw.number),
                computed=fmt(p.total_weight))
        if total is not None:
            self.stated_grade(total, grade)
        rate, limit = self.budget.rate, p.full_marks_rate_below
        if limit is not None and rate is not None and not self.budget.no_budget and self.all_full and rate < limit:
            add("C24.full_marks", ts if ts.row is not None else NO_CELL,
                plain(ts.number) if ts.number is not None else None, None, rate=pct(rate))

    def stated_grade(self, total: Decimal, grade: str) -> None:
        """C15: the grade written in its cell (or said in the conclusion) is the one the total gives."""
        f, add = self.form, self.findings.add
        if f.grade.row is not None and f.grade.text:
            stated = _grade_word(f.grade.text)
            if stated != grade:
                add("C15.grade", f.grade, f.grade.text, grade, total=fmt(total), computed=grade, stated=f.grade.text)
        elif (concl := f.narrative.get("conclusion")) is not None:
            m = _NARRATIVE_GRADE.search(norm_label(concl.text))
            if m and GRADE_WORDS[m.group(1)] != grade:
                add("C15.narrative", concl, m.group(1), grade, total=fmt(total), computed=grade, stated=m.group(1),
                    severity=Severity.WARNING)

    def narrative(self) -> None:
        f, p = self.form, self.p
        labels = {**p.narrative, **p.fields}
        for key, cell in {**f.fields, **f.narrative}.items():
            hint = next((h for h in p.placeholders if h in cell.text), None)
            if hint:
                self.findings.add("C21.placeholder", cell, cell.text, None, name=labels[key][0], hint=hint)
        for key in p.required_narrative:
            cell = f.narrative.get(key)
            if cell is None or cell.blank:
                self.findings.add("C21.blank", cell or NO_CELL, None, None, name=p.narrative[key][0])


def _not_applicable(ind: Indicator) -> bool:
    """完成值 says not applicable ('/', 不适用, 无) — unless that is what the target asked for
    (重大安全事故: 目标 无, 完成 无)."""
    actual, target = ind["actual"], ind["target"]
    return actual.p.not_applicable and norm_label(actual.text) != norm_label(target.text)


def _at(cell: Cell, ind: Indicator) -> Cell:
    """A cell to point at: the cell itself, or the row's 三级指标 cell when that column is missing."""
    return cell if cell.row is not None else (ind["level3"] if ind["level3"].row is not None else Cell(ind.row, 0))


def _grade_word(text: str) -> str:
    t = norm_label(text)
    for word, grade in GRADE_WORDS.items():
        if t.startswith(word):
            return grade
    return t


@checker("project_selfeval")
def check_project(form: Form, profile: Profile) -> Result:
    """Recompute a project self-evaluation form under its profile and report every discrepancy."""
    c = _ProjectCheck(form, profile)
    c.values["project"] = form.fields["project"].text if "project" in form.fields else None
    c.budget = check_budget(form, profile, c.findings)
    c.values.update(c.budget.values)
    c.indicators()
    c.totals()
    c.narrative()
    return Result(form, profile, c.values, c.findings.sorted())
