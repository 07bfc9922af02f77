"""Recompute a form under its profile's rules and report every discrepancy. Pure: no I/O, no spreadsheet library.

`check_form(form, profile)` returns a `Result`: the recomputed values and the findings, each with a stable check id
(DOMAIN.md §5), a severity, the cell, the stated and the recomputed value and one Chinese sentence.
Tolerances follow what the form displays, so a correctly rounded form raises nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .excelmath import ZERO, excel_round, half_unit, plain
from .messages import say
from .model import NO_CELL, Cell, Finding, Form, Indicator
from .profile import Profile
from .rules import RULES, Band
from .values import GRADE_WORDS, Parsed, amount_in_wan, as_fraction, norm_label

AMOUNT_DIGITS = 2  # amounts are printed to 0.01 of their unit
_LESS_WORDS = ("不超过", "不高于", "以内", "以下", "控制在", "低于", "不大于", "≤")
_NARRATIVE_GRADE = re.compile(r"(?:结果|等级|等次|评价为|评定为|评价情况|结论)[为是:]?[\"“]?(优秀|良好|中等|合格|较差|优|良|中|差)")


@dataclass
class Result:
    form: Form
    profile: Profile
    values: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def fmt(x: Decimal | None, digits: int | None = None) -> str:
    if x is None:
        return "空"
    if digits is not None:
        x = excel_round(x, digits)
    s = format(x.normalize(), "f") if x == x.to_integral_value() else format(x, "f")
    return s.rstrip("0").rstrip(".") if "." in s and digits is None else s


def pct(rate: Decimal | None, digits: int = 4) -> str:
    return "空" if rate is None else f"{excel_round(rate * 100, digits - 2):.{max(digits - 2, 0)}f}%"


def stated_value(cell: Cell):
    """A stated cell for JSON: its number when it has one, else its text, else None."""
    p = cell.p
    if p.number is None:
        return p.text or None
    return plain(p.number / 100 if p.percent else p.number)


class _Checker:
    def __init__(self, form: Form, profile: Profile):
        self.form, self.p = form, profile
        self.findings: list[Finding] = []
        self.values: dict = {}
        self.computed_rate: Decimal | None = None  # set by budget()
        self.exec_score: Decimal | None = None
        self.indicator_total = ZERO  # set by indicators()
        self.all_full = False

    def add(self, check: str, severity: str, cell: Cell, stated_value, computed_value, key: str, **kw) -> None:
        """Record a finding; `kw` fills the message template `key`."""
        self.findings.append(
            Finding(check, severity, self.form.sheet, cell.ref, stated_value, computed_value, say(key, **kw))
        )

    # --- budget block -----------------------------------------------------------------------------------------------
    def amount(self, cell: Cell) -> Decimal | None:
        return amount_in_wan(cell.p, self.form.amount_unit)

    def amount_tol(self) -> Decimal:
        """Amounts are official in 万元 to 0.01; a form typed in 元 is held to the same precision."""
        return half_unit(AMOUNT_DIGITS)

    def budget(self) -> None:
        f, p = self.form, self.p
        self.amount_precision()
        total = f.budget_total
        lines = [b for b in f.budget if b.key != "total"]
        tol = self.amount_tol()
        names = {k: v[0] for k, v in p.budget.columns.items()}
        for col in ("initial", "budget", "executed"):
            parts = [self.amount(b[col]) for b in lines]
            if not lines or all(x is None for x in parts):
                continue
            s = sum((x for x in parts if x is not None), ZERO)
            stated = self.amount(total[col]) if total else None
            cell = total[col] if total else NO_CELL
            if stated is None:
                self.add("C01", "error", cell, None, plain(s), "C01.total_blank", line=_line_name(total, p), column=names[col], computed=fmt(s))
            elif abs(stated - s) > tol * (len(lines) + 1):
                self.add("C01", "error", cell, stated_value(cell), plain(s), "C01.sum", line=_line_name(total, p), column=names[col], computed=fmt(s), stated=fmt(stated))
        rate_rule, digits = RULES["execution_rate"], p.budget_opt("rate_digits", 4)
        computed_rate = None
        for b in f.budget:
            B, E = self.amount(b["budget"]), self.amount(b["executed"])
            if B is None or E is None:
                reported = any(f.check == "C01" and f.cell in (b["budget"].ref, b["executed"].ref) for f in self.findings)
                if b.key == "total" and not reported:
                    self.add("C10", "error", b["budget"] if B is None else b["executed"], None, None, "C10.budget",
                             line=b.label, budget=names["budget"], executed=names["executed"])
                continue
            rate = rate_rule.evaluate(executed=E, budget=B)
            if b.key == "total":
                computed_rate = rate
            self._rate(b, rate, B, E, digits)
            if E > B and B > 0:
                self.add("C04", "warning", b["executed"], plain(E), plain(B), "C04.over", line=b.label, executed=fmt(E), budget=fmt(B))
        if total is None or computed_rate is None:
            return
        self.values["budget_initial"] = plain(self.amount(total["initial"]))
        self.values["budget_adjusted"] = plain(self.amount(total["budget"]))
        self.values["budget_executed"] = plain(self.amount(total["executed"]))
        self.values["execution_rate"] = plain(excel_round(computed_rate, digits))
        self.computed_rate = computed_rate
        if p.budget_opt("weight") is not None:  # frameworks (五华) score execution inside their tree
            self._execution_score(total, computed_rate)
        self._reasons(total, computed_rate)

    def amount_precision(self) -> None:
        """C29: an amount with more than two decimals: what the form shows is not what adds up."""
        names = {k: v[0] for k, v in self.p.budget.columns.items()}
        for b in self.form.budget:
            for col in ("initial", "budget", "executed"):
                cell = b[col]
                if cell.number is not None and not cell.p.percent and cell.p.decimals > AMOUNT_DIGITS:
                    self.add("C29", "info", cell, plain(cell.number), None, "C29.amount", line=b.label,
                             column=names.get(col, col), stated=fmt(cell.number))

    def _rate(self, b, rate: Decimal, B: Decimal, E: Decimal, digits: int) -> None:
        cell = b["rate"]
        if cell.blank or cell.p.not_applicable:
            if b.key == "total" and cell.row is not None:
                self.add("C02", "error", cell, None, plain(excel_round(rate, digits)), "C02.blank", line=b.label, executed=fmt(E), budget=fmt(B), computed=pct(rate, digits))
            return
        stated, shown = as_fraction(cell.p, near=rate)
        if stated is None:
            self.add("C02", "error", cell, cell.text, plain(excel_round(rate, digits)), "C02.rate", line=b.label, executed=fmt(E), budget=fmt(B), computed=pct(rate, digits), stated=cell.text)
            return
        # the stated rate may be rounded to what it shows, and the amounts to 0.01
        tol = half_unit(shown) + (self.amount_tol() / B + self.amount_tol() * E / (B * B) if B else ZERO)
        if abs(stated - rate) > tol + Decimal("1e-12"):
            self.add("C02", "error", cell, plain(stated), plain(excel_round(rate, digits)), "C02.rate", line=b.label, executed=fmt(E), budget=fmt(B), computed=pct(rate, digits), stated=pct(stated, max(shown, 2)))

    def _execution_score(self, total, rate: Decimal) -> None:
        p, rule = self.p, RULES["execution_score"]
        w, digits = p.execution_weight, p.budget_opt("score_digits", 2)
        score = rule.evaluate(rate=rate, weight=w, digits=digits)
        self.values["execution_score"] = plain(score)
        self.exec_score = score
        wcell, scell = total["weight"], total["score"]
        if wcell.number is not None and wcell.number != w:
            self.add("C07", "error", wcell, plain(wcell.number), plain(w), "C07.exec", stated=fmt(wcell.number), computed=fmt(w))
        s = scell.number
        if s is None:
            if scell.row is not None:
                self.add("C10", "error", scell, scell.text or None, plain(score), "C10.score", name="预算执行率")
            return
        self.precise(scell, digits, "预算执行率")
        if s > w or s < 0:
            self.add("C08", "error", scell, plain(s), plain(w), "C08.above" if s > w else "C08.negative", stated=fmt(s), computed=fmt(w))
            return
        tol = half_unit(digits) + Decimal("1e-9")
        stated_rate, _ = as_fraction(total["rate"].p, near=rate)
        alt = rule.evaluate(rate=stated_rate, weight=w, digits=digits) if stated_rate is not None else score
        if abs(s - score) > tol and abs(s - alt) > tol:
            self.add("C03", "warning", scell, plain(s), plain(score), "C03.score", computed=fmt(score), rate=pct(rate), weight=fmt(w), digits=digits, stated=fmt(s))

    def _reasons(self, total, rate: Decimal) -> None:
        p = self.p
        reason = total["reason"]
        if "reason" not in p.budget.columns or reason.row is None:
            return
        has_reason = bool(reason.text) and not any(h in reason.text for h in ("预算执行率=预算执行数",))
        threshold = p.budget_opt("reason_below")
        if threshold is not None and rate < Decimal(str(threshold)) and not has_reason:
            self.add("C05", "warning", reason, reason.text or None, None, "C05.reason", rate=pct(rate), threshold=pct(Decimal(str(threshold)), 2))
        initial, adjusted = self.amount(total["initial"]), self.amount(total["budget"])
        if p.budget_opt("reason_on_adjustment") and initial is not None and adjusted is not None and initial != adjusted and not has_reason:
            self.add("C06", "warning", reason, reason.text or None, None, "C06.reason", initial=fmt(initial), budget=fmt(adjusted))

    # --- indicators -------------------------------------------------------------------------------------------------
    def indicators(self) -> None:
        f, p = self.form, self.p
        digits = p.indicator_opt("score_digits", 2)
        has_nature_col = any(ind["nature"].row is not None for ind in f.indicators)
        total_w, total_s, all_full = ZERO, ZERO, bool(f.indicators)
        weights_by_level1: dict[str, Decimal] = {}
        for ind in f.indicators:
            name = _short(ind["level3"].text or ind.level2 or ind.level1 or f"第{ind.row + 1}行")
            w, s = ind["weight"].number, ind["score"].number
            if w is None:
                self.add("C10", "error", _at(ind["weight"], ind, f), None, None, "C10.weight", name=name)
            else:
                total_w += w
                weights_by_level1[ind.level1] = weights_by_level1.get(ind.level1, ZERO) + w
            if s is None:
                self.add("C10", "error", _at(ind["score"], ind, f), ind["score"].text or None, None, "C10.score", name=name)
            elif w is not None and s > w:
                self.add("C08", "error", ind["score"], plain(s), plain(w), "C08.above", stated=fmt(s), computed=fmt(w))
            elif s < 0:
                self.add("C08", "error", ind["score"], plain(s), 0, "C08.negative", stated=fmt(s))
            nature, inferred = self.nature(ind)
            if inferred and nature != "定性":
                sev = "warning" if has_nature_col else "info"
                if has_nature_col or not ind["target"].p.op:
                    self.add("C10", sev, _at(ind["nature"], ind, f), None, nature, "C10.nature", name=name, nature=nature)
            computed = self.score(ind, name, nature, w, s, digits) if w is not None else None
            if computed is None:
                computed = min(max(s, ZERO), w) if (s is not None and w is not None) else (s or ZERO)
            total_s += computed
            if w is None or s is None or s < w:
                all_full = False
            if s is not None and w is not None and s < w and not ind["reason"].text and "reason" in p.indicators.columns:
                self.add("C12", "warning", _at(ind["reason"], ind, f), None, None, "C12.reason", name=name, stated=fmt(s), weight=fmt(w))
            if s is not None and w is not None and s == w > 0 and ind["actual"].p.not_applicable:
                self.add("C28", "info", ind["score"], plain(s), None, "C28.full", name=name, actual=ind["actual"].text, stated=fmt(s))
            self.precise(ind["score"], digits, name)
        self.values["indicator_weight_total"] = plain(total_w)
        self.values["indicator_score_total"] = plain(total_s)
        self.indicator_total = total_s
        self.all_full = all_full
        expected = p.indicator_weight_total
        if f.indicators and total_w != expected:
            cell = f.total_weight if f.total_weight.row is not None else f.indicators[-1]["weight"]
            self.add("C07", "error", cell, plain(total_w), plain(expected), "C07.indicators", stated=fmt(total_w), computed=fmt(expected))
        for level1, cell in f.level1_weights.items():
            got = weights_by_level1.get(level1)
            if got is not None and cell.number is not None and got != cell.number:
                self.add("C07", "error", cell, plain(cell.number), plain(got), "C07.level1", name=level1, stated=fmt(cell.number), computed=fmt(got))

    def precise(self, cell: Cell, digits: int, name: str) -> None:
        """C29: a score with more decimals than the profile rounds to."""
        if cell.number is not None and cell.p.decimals > digits:
            self.add("C29", "info", cell, plain(cell.number), None, "C29.score", name=name, stated=fmt(cell.number), digits=digits)

    def nature(self, ind: Indicator) -> tuple[str, bool]:
        """The indicator's 指标性质 and whether it had to be inferred (the seed exports lose the signs)."""
        methods = self.p.methods
        written = norm_label(ind["nature"].text)
        if written in methods:
            return written, False
        if written in ("﹦", "＝", "==") or written.startswith("等于"):
            return "=", False
        if ind["target"].p.op:
            return ind["target"].p.op, not written and ind["nature"].row is not None
        if ind["target"].p.number is None and ind["actual"].p.number is None:
            return "定性", True
        text = ind["level3"].text + ind["target"].text
        cost = {norm_label(x) for x in self.p.indicator_opt("cost_level", [])}
        if any(w in text for w in _LESS_WORDS) or norm_label(ind.level1) in cost or norm_label(ind.level2) in cost:
            return "≤", True
        return "≥", True

    def score(self, ind: Indicator, name: str, nature: str, w: Decimal, s: Decimal | None, digits: int):
        """The rule's score for one row (None when it cannot be recomputed), with C11–C14 and C23 findings."""
        p, f = self.p, self.form
        method = p.methods.get(nature)
        if method is None:
            return None
        rule = RULES[method]
        if method == "qualitative":
            band: Band | None = rule.evaluate(actual=ind["actual"].text, weight=w, bands=p.qualitative_bands)
            if band is None:
                self.add("C14", "warning", _at(ind["actual"], ind, f), None, None, "C14.no_grade", name=name)
                return None
            if s is not None and not band.low <= s <= band.high:
                self.add("C14", "warning", ind["score"], plain(s), plain(band.high), "C14.band", name=name, actual=ind["actual"].text, band=band.label, low=fmt(band.low), high=fmt(band.high), stated=fmt(s))
                return min(max(s, band.low), band.high)
            return s if s is not None else band.high
        t, a = ind["target"].p.number, ind["actual"].p.number
        if t is None:
            self.add("C10", "error", _at(ind["target"], ind, f), ind["target"].text or None, None, "C10.target", name=name)
            return None
        if a is None:
            if not ind["actual"].text:
                self.add("C10", "error", _at(ind["actual"], ind, f), None, None, "C10.actual", name=name)
            return None
        computed = rule.evaluate(target=t, actual=a, weight=w, digits=digits)
        shown = dict(name=name, target=ind["target"].text, actual=ind["actual"].text, weight=fmt(w))
        if s is not None and s <= w:
            missed = (method in ("positive", "equal") and a < t) or (method == "reverse_linear" and a > t)
            if s == w and missed and computed != w:
                self.add("C12", "warning", ind["score"], plain(s), plain(computed), "C12.full", stated=fmt(s), **shown)
            elif abs(s - computed) > half_unit(digits) + Decimal("1e-9"):
                self.add("C11", "warning", ind["score"], plain(s), plain(computed), "C11.score", rule=rule.title, nature=nature, computed=fmt(computed), stated=fmt(s), **shown)
        over = p.indicator_opt("over_target")
        if over and method in ("positive", "equal") and t > 0 and a / t >= Decimal(str(over)):
            self.add("C13", "warning", ind["actual"], plain(a), plain(t), "C13.over", ratio=pct(a / t, 3), **shown)
        self.cost(ind, name, a)
        return computed

    def cost(self, ind: Indicator, name: str, a: Decimal) -> None:
        """C23: a cost indicator in 万元 should report what was actually spent."""
        cost = {norm_label(x) for x in self.p.indicator_opt("cost_level", [])}
        unit = norm_label(ind["unit"].text or ind["actual"].p.unit or ind["target"].p.unit)
        executed = self.values.get("budget_executed")
        if executed is None or "元" not in unit or not (norm_label(ind.level1) in cost or norm_label(ind.level2) in cost):
            return
        actual = amount_in_wan(Parsed(raw=None, number=a, unit=unit), "万元")
        E = Decimal(str(executed))
        if abs(actual - E) > self.amount_tol():
            self.add("C23", "warning", ind["actual"], plain(actual), plain(E), "C23.cost", name=name, actual=fmt(actual), executed=fmt(E))

    # --- totals, grade, narrative ---------------------------------------------------------------------------------
    def totals(self) -> None:
        f, p = self.form, self.p
        total = (self.exec_score or ZERO) + self.indicator_total
        self.values["total_score"] = plain(total)
        grade = RULES["grade"].evaluate(total=total, bands=p.grade_bands)
        self.values["grade"] = grade
        stated_parts = [ind["score"].number for ind in f.indicators]
        budget_total = f.budget_total
        if budget_total is not None:
            stated_parts.append(budget_total["score"].number)
        stated_sum = sum((x for x in stated_parts if x is not None), ZERO)
        ts = f.total_score
        if ts.row is not None:
            if ts.number is None:
                self.add("C09", "error", ts, ts.text or None, plain(stated_sum), "C09.blank", computed=fmt(stated_sum))
            elif abs(ts.number - stated_sum) > Decimal("0.005"):
                self.add("C09", "error", ts, plain(ts.number), plain(stated_sum), "C09.total", stated=fmt(ts.number), computed=fmt(stated_sum))
        tw = f.total_weight
        if tw.number is not None and tw.number != p.total_weight:
            self.add("C07", "error", tw, plain(tw.number), plain(p.total_weight), "C07.total", stated=fmt(tw.number), computed=fmt(p.total_weight))
        if f.grade.row is not None and f.grade.text:
            stated = _grade_word(f.grade.text)
            if stated != grade:
                self.add("C15", "error", f.grade, f.grade.text, grade, "C15.grade", total=fmt(total), computed=grade, stated=f.grade.text)
        elif (concl := f.narrative.get("conclusion")) is not None:
            m = _NARRATIVE_GRADE.search(norm_label(concl.text))
            if m and GRADE_WORDS[m.group(1)] != grade:
                self.add("C15", "warning", concl, m.group(1), grade, "C15.narrative", total=fmt(total), computed=grade, stated=m.group(1))
        rate = self.computed_rate
        limit = (p.raw.get("plausibility") or {}).get("full_marks_rate_below")
        if limit is not None and rate is not None and self.all_full and rate < Decimal(str(limit)):
            cell = ts if ts.row is not None else NO_CELL
            self.add("C24", "warning", cell, plain(ts.number) if ts.number is not None else None, None, "C24.full_marks", rate=pct(rate))

    def narrative(self) -> None:
        f, p = self.form, self.p
        labels = {**p.narrative, **p.fields}
        for key, cell in {**f.fields, **f.narrative}.items():
            hint = next((h for h in p.placeholders if h in cell.text), None)
            if hint:
                self.add("C21", "warning", cell, cell.text, None, "C21.placeholder", name=labels[key][0], hint=hint)
        for key in p.required_narrative:
            cell = f.narrative.get(key)
            if cell is None or cell.blank:
                self.add("C21", "warning", cell or NO_CELL, None, None, "C21.blank", name=p.narrative[key][0])


def _line_name(line, p: Profile) -> str:
    return line.label if line is not None else p.budget.total[0]


def _at(cell: Cell, ind: Indicator, form: Form) -> Cell:
    """A cell to point at: the cell itself, or the row's 三级指标 cell when that column is missing."""
    return cell if cell.row is not None else (ind["level3"] if ind["level3"].row is not None else Cell(ind.row, 0))


def _short(name: str, limit: int = 24) -> str:
    """An indicator's name short enough for one sentence."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _grade_word(text: str) -> str:
    t = norm_label(text)
    for word, grade in GRADE_WORDS.items():
        if t.startswith(word):
            return grade
    return t


def check_budget(form: Form, profile: Profile) -> tuple[dict, list[Finding]]:
    """The budget-block checks alone (C01, C02, C04–C06), for tables that carry one beside another structure."""
    c = _Checker(form, profile)
    c.budget()
    return c.values, c.findings


def check_form(form: Form, profile: Profile) -> Result:
    c = _Checker(form, profile)
    c.values["project"] = form.fields["project"].text if "project" in form.fields else None
    c.budget()
    c.indicators()
    c.totals()
    c.narrative()
    order = {"error": 0, "warning": 1, "info": 2}
    c.findings.sort(key=lambda x: (order[x.severity], x.check))
    return Result(form, profile, c.values, c.findings)
