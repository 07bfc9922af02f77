"""The monitoring form (项目支出绩效目标执行监控表, 财预〔2019〕136号 "双监控"): its 项目资金 block — the lines add up
(M02), each 1-N月执行率 is what the amounts give (M01), 执行进度 keeps up with 时间进度 N/12 (M03), 全年预计执行数 stays
within the budget and above what is already spent (M04) — and every indicator row: one 完成目标可能性 ticked (M05),
原因说明 where a 偏差原因 or a doubt is ticked (M06), and a 全年预计完成情况 that reaches its 年度指标值 where 确定能
is ticked (M07). An error only where the printed figures prove it; what the 执行 columns say in words is not checked.
Pure: no I/O, no spreadsheet library.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..excelmath import ZERO, excel_round, half_unit, plain
from ..model import NO_CELL, BudgetLine, Cell
from ..model_monitoring import MonitoringForm, MonitoringIndicator
from ..profile import CERTAIN, Profile
from ..severity import Severity
from ..values import LESS_WORDS, Parsed, amount_in_wan, as_fraction, norm_label
from .budget import AMOUNT_TOL
from .findings import Findings, Result, fmt, pct, short_name, stated_value
from .registry import checker

AMOUNTS = ("initial", "budget", "executed", "forecast")  # the amount columns whose lines add up
MONTHS = 12
_TINY = Decimal("1e-12")
_LINE_PREFIX = re.compile(r"^其中[:：]?")
_AT_LEAST = {"≥": False, "=": False, ">": True}  # direction -> whether reaching the target exactly falls short
_AT_MOST = {"≤": False, "<": True}


class _MonitoringCheck:
    def __init__(self, form: MonitoringForm, profile: Profile):
        self.form, self.p, self.spec = form, profile, profile.monitoring
        self.findings = Findings(form.sheet)
        self.values: dict = {}
        self.names = {k: form.headers.get(k) or v[0] for k, v in profile.budget.columns.items()}
        self.ticks = {norm_label(t) for t in self.spec.ticks}
        self.unticked = {norm_label(t) for t in self.spec.unticked}

    def amount(self, cell: Cell) -> Decimal | None:
        return amount_in_wan(cell.p, self.form.amount_unit)

    def base(self, line: BudgetLine) -> tuple[str, Decimal] | None:
        """The budget column a line's 1-N月执行率 divides by and its amount: the first of the profile's `rate_base`
        the form prints and the line fills in."""
        for key in self.spec.rate_base:
            x = self.amount(line[key]) if key in line.cells else None
            if x is not None:
                return key, x
        return None

    # --- 项目资金 -------------------------------------------------------------------------------------------------
    def sums(self) -> None:
        """M02: the lines under 年度资金总额 add up to it, column by column."""
        total = self.form.budget_total
        lines = [b for b in self.form.budget if b.key != "total"]
        if total is None or not lines:
            return
        for col in AMOUNTS:
            parts = [self.amount(b[col]) for b in lines]
            stated = self.amount(total[col])
            if stated is None or all(x is None for x in parts):
                continue
            s = sum((x for x in parts if x is not None), ZERO)
            if abs(stated - s) > AMOUNT_TOL * (len(lines) + 1):
                self.findings.add("M02.sum", total[col], stated_value(total[col]), plain(s), line=_line(total),
                                  column=self.names[col], computed=fmt(s), stated=fmt(stated))

    def rates(self) -> None:
        """M01: every stated 1-N月执行率 is 1-N月执行数 ÷ its budget column (rounded as shown, amounts to 0.01)."""
        digits = self.p.budget.rate_digits
        for b in self.form.budget:
            based, E = self.base(b), self.amount(b["executed"])
            if based is None or E is None or based[1] <= 0:
                continue
            key, B = based
            rate = E / B
            cell = b["rate"]
            words = dict(line=_line(b), column=self.names["rate"], executed=fmt(E), budget=fmt(B),
                         computed=pct(rate, digits))
            if cell.blank:
                if b.key == "total" and cell.row is not None:
                    self.findings.add("M01.blank", cell, None, plain(excel_round(rate, digits)),
                                      severity=Severity.WARNING, **words)
                continue
            stated, shown = as_fraction(cell.p, near=rate)
            if stated is None or _close(stated, E, B, shown):
                continue  # words in the column ('一般') are not a rate to check
            other = next(((k, x) for k in self.spec.rate_base if k != key and k in b.cells
                          and (x := self.amount(b[k])) and x > 0 and _close(stated, E, x, shown)), None)
            shown_pct = pct(stated, max(shown, 2))
            if other is not None:
                self.findings.add("M01.base", cell, plain(stated), plain(excel_round(rate, digits)),
                                  severity=Severity.WARNING, stated=shown_pct, used=self.names[other[0]],
                                  base=self.names[key], **words)
            else:
                self.findings.add("M01.rate", cell, plain(stated), plain(excel_round(rate, digits)), stated=shown_pct,
                                  **words)

    def progress(self, reason_given: bool) -> None:
        """M03: 执行进度 (the total's 1-N月执行率) behind 时间进度 N/12 by more than the margin, unexplained."""
        total, month = self.form.budget_total, self.form.month
        if month is not None:
            self.values["month"] = month
            self.values["time_progress"] = plain(Decimal(month) / MONTHS)
        based = self.base(total) if total is not None else None
        E = self.amount(total["executed"]) if total is not None else None
        if based is None or E is None or based[1] <= 0:
            return
        rate = E / based[1]
        self.values["rate_to_month"] = plain(excel_round(rate, self.p.budget.rate_digits))
        if month is None:
            return
        time = Decimal(month) / MONTHS
        self.values["progress_gap"] = plain(excel_round(rate - time, self.p.budget.rate_digits))
        margin = self.spec.progress_margin
        if time - rate > margin + _TINY and not reason_given:
            cell = total["rate"] if total["rate"].row is not None else total["executed"]
            self.findings.add("M03.behind", cell, stated_value(cell), plain(excel_round(time, 4)), month=month,
                              rate=pct(rate), time=pct(time), gap=fmt((time - rate) * 100, 2),
                              margin=fmt(margin * 100))

    def forecast(self, reason_given: bool) -> None:
        """M04: 全年预计执行数 above the budget (an error against 全年预算数; against 年初预算数 only a warning, since
        the budget may have been raised), below it without a reason (warning), below what is already spent."""
        for b in self.form.budget:
            F, based, E = self.amount(b["forecast"]), self.base(b), self.amount(b["executed"])
            if F is None:
                continue
            words = dict(line=_line(b), forecast=fmt(F))
            if E is not None and F < E - AMOUNT_TOL:
                self.findings.add("M04.short", b["forecast"], plain(F), plain(E), column=self.names["executed"],
                                  executed=fmt(E), severity=Severity.WARNING, **words)
            if based is None:
                continue
            key, B = based
            if F > B + AMOUNT_TOL:
                case = "M04.above_initial" if key == "initial" else "M04.above"  # 年初: it may have been raised
                self.findings.add(case, b["forecast"], plain(F), plain(B), base=self.names[key], budget=fmt(B),
                                  severity=Severity.WARNING if key == "initial" else None, **words)
            elif b.key == "total" and F < B - AMOUNT_TOL and not reason_given:
                self.findings.add("M04.below", b["forecast"], plain(F), plain(B), base=self.names[key], budget=fmt(B),
                                  gap=fmt(B - F), severity=Severity.WARNING, **words)

    # --- 绩效指标 -------------------------------------------------------------------------------------------------
    def marks(self, cells: dict[str, Cell]) -> tuple[list[str], bool]:
        """The keys of the ticked cells, and whether some other cell holds a mark that is not clearly a 'no'."""
        ticked, unclear = [], False
        for key, cell in cells.items():
            text = norm_label(cell.text)
            if text in self.ticks:
                ticked.append(key)
            elif text and text not in self.unticked and not cell.p.not_applicable and not cell.p.dash:
                unclear = True
        return ticked, unclear

    def indicators(self) -> None:
        m = self.spec
        options = {k: v[0] for k, v in m.likelihood.items()}
        for ind in self.form.indicators:
            if not ind.filled:
                continue
            name = short_name(ind["level3"].text or ind.level2 or ind.level1 or f"第{ind.row + 1}行")
            chosen, unclear, where = self.likelihood(ind)
            if len(chosen) > 1:
                self.findings.add("M05.many", where, "、".join(options[k] for k in chosen), None, name=name,
                                  ticked="、".join(f"“{options[k]}”" for k in chosen))
            elif not chosen and not unclear and where.row is not None:
                self.findings.add("M05.none", where, None, None, name=name, severity=Severity.WARNING,
                                  options="、".join(f"“{o}”" for o in options.values()))
            causes, _ = self.marks(ind.causes)
            reason = ind["reason"]
            if not _given(reason) and (reason.row is not None or ind.causes):
                at = reason if reason.row is not None else next(ind.causes[k] for k in causes) if causes else NO_CELL
                doubts = [k for k in chosen if k != CERTAIN]
                if causes:
                    self.findings.add("M06.cause", at, reason.text or None, None, name=name,
                                      causes="、".join(m.causes[k][0] for k in causes))
                elif doubts and at.row is not None:
                    self.findings.add("M06.doubt", at, reason.text or None, None, name=name,
                                      option=options[doubts[0]])
            if chosen == [CERTAIN]:
                self.reach(ind, name, options[CERTAIN])

    def likelihood(self, ind: MonitoringIndicator) -> tuple[list[str], bool, Cell]:
        """The 完成目标可能性 options ticked (or named, where the form has one text column), whether an unclear mark
        is there, and the cell a finding about them points at."""
        if ind.likelihood:
            chosen, unclear = self.marks(ind.likelihood)
            first = ind.likelihood[chosen[0]] if chosen else next(iter(ind.likelihood.values()))
            return chosen, unclear, first
        cell = ind["likelihood"]
        text = norm_label(cell.text)
        chosen = [k for k, aliases in self.spec.likelihood.items() if text in {norm_label(a) for a in aliases}]
        return chosen, bool(text) and not chosen, cell

    def reach(self, ind: MonitoringIndicator, name: str, certain: str) -> None:
        """M07: ticked 确定能, yet the 全年预计完成情况 (a number) falls short of the 年度指标值."""
        pair = _comparable(ind["target"].p, ind["forecast"].p)
        if pair is None:
            return
        t, f = pair
        sign = self.direction(ind)
        if sign in _AT_LEAST:
            short = f < t or (_AT_LEAST[sign] and f == t)
        else:
            short = f > t or (_AT_MOST[sign] and f == t)
        if short:
            self.findings.add("M07.short", ind["forecast"], ind["forecast"].text, ind["target"].text, name=name,
                              forecast=ind["forecast"].text, target=ind["target"].text, certain=certain)

    def direction(self, ind: MonitoringIndicator) -> str:
        """≥ ≤ = > <: written in a 指标性质 column or in front of the target; else ≤ for a cost or a ceiling
        (不超过…), ≥ otherwise."""
        written = norm_label(ind["nature"].text)
        if written in _AT_LEAST or written in _AT_MOST:
            return written
        if ind["target"].p.op:
            return ind["target"].p.op
        cost = {norm_label(x) for x in self.spec.cost_levels}
        text = ind["level3"].text + ind["target"].text
        if norm_label(ind.level1) in cost or norm_label(ind.level2) in cost or any(w in text for w in LESS_WORDS):
            return "≤"
        return "≥"


def _line(b: BudgetLine) -> str:
    """A line as a sentence names it: '其中:财政拨款' -> '财政拨款', '年度资金总额:' -> '年度资金总额'."""
    return _LINE_PREFIX.sub("", b.label).rstrip(":：") or b.label


def _close(stated: Decimal, E: Decimal, B: Decimal, shown: int) -> bool:
    """Whether a stated rate is E ÷ B as far as the form shows it (the rate rounded, the amounts to 0.01)."""
    tol = half_unit(shown) + AMOUNT_TOL / B + AMOUNT_TOL * E / (B * B)
    return abs(stated - E / B) <= tol + _TINY


def _given(reason: Cell) -> bool:
    """Whether a 原因说明 says something: '无', '/' or '—' explain nothing."""
    return not reason.blank and not reason.p.not_applicable and not reason.p.dash


def _comparable(target: Parsed, forecast: Parsed) -> tuple[Decimal, Decimal] | None:
    """The two numbers, where they measure the same thing: both percentages, the same unit, or a unit on one side
    only (not a percentage: '95%' against '0.95' could be either); None otherwise."""
    t, f = target.number, forecast.number
    if t is None or f is None:
        return None
    if target.percent != forecast.percent:
        return None
    if target.unit and forecast.unit and norm_label(target.unit) != norm_label(forecast.unit):
        return None
    return t, f


@checker("monitoring")
def check_monitoring(form: MonitoringForm, profile: Profile) -> Result:
    """Check a monitoring form under its profile: every discrepancy the printed figures and ticks show."""
    c = _MonitoringCheck(form, profile)
    c.values["project"] = form.fields["project"].text if "project" in form.fields else None
    total = form.budget_total
    if total is not None:
        based = c.base(total)
        c.values["budget"] = plain(based[1]) if based else None
        c.values["executed_to_month"] = plain(c.amount(total["executed"]))
        forecast = c.amount(total["forecast"])
        c.values["forecast"] = plain(forecast)
        if based and based[1] > 0 and forecast is not None:
            c.values["forecast_rate"] = plain(excel_round(forecast / based[1], profile.budget.rate_digits))
    reason_given = _given(total["reason"] if total is not None else NO_CELL)
    c.sums()
    c.rates()
    c.progress(reason_given)
    c.forecast(reason_given)
    c.indicators()
    c.values["indicators"] = sum(ind.filled for ind in form.indicators)
    return Result(form, profile, c.values, c.findings.sorted())
