"""The budget block (预算执行情况 / 项目资金), wherever a form carries one: lines add up to the total (C01), each
execution rate (and 到位率, where a framework's funds block prints one) is what the amounts give (C02), the execution
score follows the rule (C03, C07, C08, C10), spending beyond the budget (C04), reasons owed for low execution and
adjustments (C05, C06), amounts precise to 0.01 (C29). Tolerances follow what the form displays, so a correctly
rounded form raises nothing. Pure: no I/O.

A block that prints 实际到位数 (`arrived`) measures execution against it (执行数 ÷ 到位数) and arrival against the
budget (到位数 ÷ 预算数). `detail` lines (a framework's 项目支出明细内容) have their rates rechecked but are not summed.
Where the total line is blank, the report's amounts and rates are those of the lines (C01 says the total is blank).
"""

from __future__ import annotations

from decimal import Decimal

from ..excelmath import ZERO, decimals_of, excel_round, half_unit, plain
from ..messages import word
from ..model import NO_CELL, BudgetLine, Cell, Form
from ..profile import BudgetSpec, Profile
from ..rules import RULES
from ..severity import Severity
from ..values import amount_in_wan, as_fraction
from .findings import Findings, fmt, pct, short_name, stated_value

AMOUNT_DIGITS = 2  # amounts are printed to 0.01 of their unit
AMOUNT_TOL = half_unit(AMOUNT_DIGITS)  # official in 万元 to 0.01; a form typed in 元 is held to the same precision
REASON_HINT_START = "预算执行率=预算执行数"  # the printed instruction in the reason cell is not a reason
_TINY = Decimal("1e-12")


class BudgetCheck:
    """Checks one form's budget block into `findings`; `values` holds what it recomputed."""

    def __init__(self, form: Form, spec: BudgetSpec, findings: Findings):
        self.form, self.spec, self.findings = form, spec, findings
        self.values: dict = {}
        self.rate: Decimal | None = None  # the total line's execution rate, recomputed
        self.arrival: Decimal | None = None  # the total line's 到位率, recomputed (blocks that print 到位数)
        self.score: Decimal | None = None  # the execution score, recomputed (forms that score execution)
        self.executed: Decimal | None = None  # the total line's 执行数 in 万元
        self.unbudgeted = False  # the total line spent money without a budget (0 or blank): no rate exists
        self.no_budget = False  # the total line's budget is 0 or blank: whatever the rule gives, no rate is shown
        self.names = {k: v[0] for k, v in spec.columns.items()} | form.budget_headers
        # what execution is measured against: 实际到位数 where the block prints it, else the budget
        self.base = "arrived" if any("arrived" in b.cells for b in form.budget) else "budget"

    def amount(self, cell: Cell) -> Decimal | None:
        return amount_in_wan(cell.p, self.form.amount_unit)

    def run(self) -> None:
        self.precision()
        self.sums()
        self.rates()
        total = self.form.budget_total
        if total is None or (self.rate is None and not self.unbudgeted):
            self.from_lines(total)
            return
        self.values["budget_initial"] = plain(self.amount(total["initial"]))
        self.values["budget_adjusted"] = plain(self.amount(total["budget"]))
        if self.base == "arrived":
            self.values["budget_arrived"] = plain(self.amount(total["arrived"]))
        self.executed = self.amount(total["executed"])
        self.values["budget_executed"] = plain(self.executed)
        # spending without a budget has no rate: none is shown (never 0.00%)
        self.values["execution_rate"] = None if self.no_budget else plain(excel_round(self.rate,
                                                                                   self.spec.rate_digits))
        if self.arrival is not None:
            self.values["arrival_rate"] = plain(excel_round(self.arrival, self.spec.rate_digits))
        if self.spec.weight is not None:  # frameworks (五华) score execution inside their tree
            self.execution_score(total)
        self.reasons(total)

    def lines(self) -> list[BudgetLine]:
        """The lines that add up to the total (not the total, not detail lines)."""
        return [b for b in self.form.budget if b.key not in ("total", "detail")]

    def from_lines(self, total: BudgetLine | None) -> None:
        """A blank (or absent) total line: the amounts and rates of the report are what its lines add up to — the
        其中 lines, else the detail lines. No score or reason is checked against them."""
        if total is not None and any(self.amount(total[k]) is not None for k in ("budget", self.base, "executed")):
            return  # a total stated in part: C10 says what is missing
        lines = self.lines() or [b for b in self.form.budget if b.key == "detail"]
        sums = {}
        for col in ("budget", self.base, "executed"):
            parts = [x for b in lines if (x := self.amount(b[col])) is not None]
            sums[col] = sum(parts, ZERO) if parts else None
        base, executed = sums[self.base], sums["executed"]
        if base is None or executed is None:
            return
        rule, digits = RULES["execution_rate"], self.spec.rate_digits
        self.values["budget_adjusted"] = plain(sums["budget"])
        if self.base == "arrived":
            self.values["budget_arrived"] = plain(base)
            if sums["budget"]:
                self.values["arrival_rate"] = plain(excel_round(base / sums["budget"], digits))
        self.values["budget_executed"] = plain(executed)
        self.values["execution_rate"] = plain(excel_round(rule.evaluate(executed=executed, budget=base), digits))

    def precision(self) -> None:
        """C29: an amount with more than two decimals: what the form shows is not what adds up."""
        for b in self.form.budget:
            for col in ("initial", "budget", "arrived", "executed"):
                cell = b[col]
                if cell.number is not None and not cell.p.percent and decimals_of(cell.number) > AMOUNT_DIGITS:
                    self.findings.add("C29.amount", cell, plain(cell.number), None, line=b.label,
                                      column=self.names.get(col, col), stated=fmt(cell.number))

    def sums(self) -> None:
        """C01: the lines under the total add up to it, column by column."""
        total = self.form.budget_total
        lines = self.lines()
        line = total.label if total is not None else self.spec.total_name
        for col in ("initial", "budget", "arrived", "executed"):
            parts = [self.amount(b[col]) for b in lines]
            if not lines or all(x is None for x in parts):
                continue
            s = sum((x for x in parts if x is not None), ZERO)
            cell = total[col] if total else NO_CELL
            stated = self.amount(cell) if total else None
            if stated is None:
                self.findings.add("C01.total_blank", cell, None, plain(s), line=line, column=self.names[col],
                                  computed=fmt(s))
            elif abs(stated - s) > AMOUNT_TOL * (len(lines) + 1):
                self.findings.add("C01.sum", cell, stated_value(cell), plain(s), line=line, column=self.names[col],
                                  computed=fmt(s), stated=fmt(stated))

    def rates(self) -> None:
        """C02 for every line with amounts (执行率, and 到位率 where printed), C04 for spending beyond the budget (or
        without one), C10 for a total without them."""
        rule, digits, base = RULES["execution_rate"], self.spec.rate_digits, self.base
        for b in self.form.budget:
            B, E = self.amount(b[base]), self.amount(b["executed"])
            if base == "arrived":
                self.arrival_rate(b, digits)
            if E is not None and not B and b.key == "total":
                self.no_budget = True
            if E is not None and E > 0 and not B:
                self.unbudgeted_line(b, B, E)
                continue
            if B is None or E is None:
                if b.key == "total" and not self.findings.at("C01", b[base].ref, b["executed"].ref):
                    self.findings.add("C10.budget", b[base] if B is None else b["executed"], None, None,
                                      line=b.label, budget=self.names[base], executed=self.names["executed"])
                continue
            rate = rule.evaluate(executed=E, budget=B)
            if b.key == "total":
                self.rate = rate
            self.stated_rate(b, b["rate"], rate, B, E, digits, "C02.rate", "C02.blank")
            if E > B and B > 0:
                self.findings.add("C04.over", b["executed"], plain(E), plain(B), line=self.line_name(b),
                                  executed=fmt(E), budget=fmt(B))

    def unbudgeted_line(self, b: BudgetLine, B: Decimal | None, E: Decimal) -> None:
        """C04 (and C02): money spent on a line whose budget is 0 or blank. No execution rate exists (it is not
        0.00%, nor 100%). On the total line that is an error, and a rate stated beside it is one too; below the
        total, a warning (the total's rate is what is scored)."""
        words = dict(line=self.line_name(b), executed=fmt(E), budget_name=self.names[self.base],
                     executed_name=self.names["executed"])
        blank = B is None
        if b.key != "total":
            if blank:
                self.findings.add("C04.line_no_budget", b["executed"], plain(E), None, **words)
            else:
                self.findings.add("C04.over", b["executed"], plain(E), plain(B), line=self.line_name(b),
                                  executed=fmt(E), budget=fmt(B))
            return
        self.unbudgeted = True
        self.findings.add("C04.no_budget_blank" if blank else "C04.no_budget", b["executed"], plain(E),
                          None if blank else plain(B), severity=Severity.ERROR, **words)
        cell = b["rate"]
        if not cell.blank:
            stated, shown = as_fraction(cell.p, near=None)
            self.findings.add("C02.no_budget", cell, cell.text if stated is None else plain(stated), None,
                              stated=cell.text if stated is None else pct(stated, max(shown, 2)), **words)

    def arrival_rate(self, b: BudgetLine, digits: int) -> None:
        """到位率 = 到位数 ÷ 预算数, rechecked where typed (C02)."""
        A, P = self.amount(b["arrived"]), self.amount(b["budget"])
        if A is None or P is None or P == 0:
            return
        rate = A / P
        if b.key == "total":
            self.arrival = rate
        self.stated_rate(b, b["arrival_rate"], rate, P, A, digits, "C02.arrival", None)

    def line_name(self, b: BudgetLine) -> str:
        return short_name(b.label, 16) if b.label else word("row", row=b.row + 1)

    def stated_rate(self, b: BudgetLine, cell: Cell, rate: Decimal, B: Decimal, E: Decimal, digits: int, key: str,
                    blank_key: str | None) -> None:
        """C02: the rate typed in `cell` is what E ÷ B gives (`blank_key`: a blank total rate is reported too)."""
        computed = plain(excel_round(rate, digits))
        words = dict(line=self.line_name(b), executed=fmt(E), budget=fmt(B), computed=pct(rate, digits))
        if cell.blank or cell.p.not_applicable:
            if blank_key and b.key == "total" and cell.row is not None:
                self.findings.add(blank_key, cell, None, computed, **words)
            return
        stated, shown = as_fraction(cell.p, near=rate)
        if stated is None:
            self.findings.add(key, cell, cell.text, computed, stated=cell.text, **words)
            return
        # the stated rate may be rounded to what it shows, and the amounts to 0.01
        tol = half_unit(shown) + (AMOUNT_TOL / B + AMOUNT_TOL * E / (B * B) if B else ZERO)
        if abs(stated - rate) > tol + _TINY:
            self.findings.add(key, cell, plain(stated), computed, stated=pct(stated, max(shown, 2)), **words)

    def execution_score(self, total: BudgetLine) -> None:
        """C07 (the weight), C10 (blank), C08 (beyond the weight), C03 (not what the rule gives). Without a rate
        (spending without a budget) the score cannot be recomputed: C03 is not judged."""
        rule, w, digits = RULES["execution_score"], self.spec.weight, self.spec.score_digits
        score = None if self.rate is None else rule.evaluate(rate=self.rate, weight=w, digits=digits)
        self.values["execution_score"] = None if score is None else plain(score)
        self.score = score
        wcell, scell = total["weight"], total["score"]
        if wcell.number is not None and wcell.number != w:
            self.findings.add("C07.exec", wcell, plain(wcell.number), plain(w), stated=fmt(wcell.number),
                              computed=fmt(w))
        s = scell.number
        if s is None:
            if scell.row is not None:
                self.findings.add("C10.score", scell, scell.text or None, None if score is None else plain(score),
                                  name="预算执行率")
            return
        precise(self.findings, scell, digits, "预算执行率")
        if s > w and score is not None:  # what the rule gives is known: say it
            self.findings.add("C08.above_rule", scell, plain(s), plain(score), stated=fmt(s), weight=fmt(w),
                              rule=rule.title, computed=fmt(score))
            return
        if s > w or s < 0:
            bound = w if s > w else ZERO
            self.findings.add("C08.above" if s > w else "C08.negative", scell, plain(s), plain(bound), stated=fmt(s),
                              computed=fmt(bound))
            return
        if score is None:
            return
        tol = half_unit(digits) + Decimal("1e-9")
        stated_rate, _ = as_fraction(total["rate"].p, near=self.rate)
        alt = rule.evaluate(rate=stated_rate, weight=w, digits=digits) if stated_rate is not None else score
        if abs(s - score) > tol and abs(s - alt) > tol:
            self.findings.add("C03.score", scell, plain(s), plain(score), computed=fmt(score), rate=pct(self.rate),
                              weight=fmt(w), digits=digits, stated=fmt(s))

    def reasons(self, total: BudgetLine) -> None:
        """C05 / C06: a low rate or an adjusted budget needs a reason in the reason cell."""
        reason, spec = total["reason"], self.spec
        if "reason" not in spec.columns or reason.row is None:
            return
        if reason.text and REASON_HINT_START not in reason.text:
            return
        if spec.reason_below is not None and not self.no_budget and self.rate < spec.reason_below:
            self.findings.add("C05.reason", reason, reason.text or None, None, rate=pct(self.rate),
                              threshold=pct(spec.reason_below, 2))
        initial, adjusted = self.amount(total["initial"]), self.amount(total["budget"])
        if spec.reason_on_adjustment and initial is not None and adjusted is not None and initial != adjusted:
            self.findings.add("C06.reason", reason, reason.text or None, None, initial=fmt(initial),
                              budget=fmt(adjusted))


def precise(findings: Findings, cell: Cell, digits: int, name: str) -> None:
    """C29: a score with more decimals than the profile rounds to."""
    if cell.number is not None and decimals_of(cell.number) > digits:
        findings.add("C29.score", cell, plain(cell.number), None, name=name, stated=fmt(cell.number), digits=digits)


def check_budget(form: Form, profile: Profile, findings: Findings) -> BudgetCheck:
    """Check the budget block of `form` under `profile` into `findings`."""
    check = BudgetCheck(form, profile.budget, findings)
    check.run()
    return check

