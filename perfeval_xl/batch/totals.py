"""Totals of the forms a batch counts (a project submitted more than once counts once): per form kind, per department
and kind, and how scores and execution rates are distributed. Money is summed in Decimal; a rate is recomputed from
the summed amounts (执行数 ÷ 预算数, or ÷ 实际到位数 where the forms measure execution against it), never averaged;
an average score is the mean of the forms' scores. Forms of different kinds never add up together.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

from ..excelmath import dec, excel_round, plain

UNSPENT_LIMIT = Decimal("0.10")  # 结余率 above this counts on 按部门
RATE_DIGITS = 4  # as the forms' own rates
SCORE_DIGITS = 2
SCORE_BANDS = ((60, 70, 80, 90), ("<60", "60–70", "70–80", "80–90", "≥90"))
RATE_BANDS = ((Decimal("0.5"), Decimal("0.7"), Decimal("0.8"), Decimal("0.9")),
              ("<50%", "50%–70%", "70%–80%", "80%–90%", "90%–100%", ">100%"))


@dataclass
class Figures:
    """One form's figures as the totals need them (None where the form has none)."""

    budget: Decimal | None = None  # 预算数
    executed: Decimal | None = None  # 执行数
    base: Decimal | None = None  # what its execution rate is measured against: 实际到位数 where printed, else 预算数
    rate: Decimal | None = None  # 执行率 (recomputed)
    score: Decimal | None = None  # 复核得分
    errors: int = 0
    warnings: int = 0

    @classmethod
    def of(cls, budget, executed, arrived, rate, score, errors: int, warnings: int) -> Figures:
        d = lambda x: dec(x) if x is not None and not isinstance(x, bool) else None  # noqa: E731
        b = d(budget)
        return cls(b, d(executed), d(arrived) if arrived is not None else b, d(rate), d(score), errors, warnings)


@dataclass
class Totals:
    """The sums over a group of counted forms."""

    forms: int = 0
    budget: Decimal | None = None
    executed: Decimal | None = None
    rated_executed: Decimal = Decimal(0)  # 执行数 and base of the forms that have both: the recomputed rate
    rated_base: Decimal = Decimal(0)
    unspent: int = 0  # forms with a budget whose 结余率 (1 − 执行率) is above UNSPENT_LIMIT
    scores: list[Decimal] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0

    def add(self, f: Figures) -> None:
        self.forms += 1
        if f.budget is not None:
            self.budget = (self.budget or Decimal(0)) + f.budget
        if f.executed is not None:
            self.executed = (self.executed or Decimal(0)) + f.executed
        if f.executed is not None and f.base is not None:
            self.rated_executed += f.executed
            self.rated_base += f.base
        if f.budget is not None and f.budget > 0 and f.rate is not None and 1 - f.rate > UNSPENT_LIMIT:
            self.unspent += 1
        if f.score is not None:
            self.scores.append(f.score)
        self.errors += f.errors
        self.warnings += f.warnings

    @property
    def rate(self) -> Decimal | None:
        """Σ执行数 ÷ Σ预算数 (or Σ实际到位数) over the forms that state both; None when that base is not positive."""
        return excel_round(self.rated_executed / self.rated_base, RATE_DIGITS) if self.rated_base > 0 else None

    @property
    def average_score(self) -> Decimal | None:
        return excel_round(sum(self.scores) / len(self.scores), SCORE_DIGITS) if self.scores else None

    def plain(self) -> dict:
        """The figures as the plainest numbers, for a sheet."""
        return {"forms": self.forms, "budget": plain(self.budget), "executed": plain(self.executed),
                "rate": plain(self.rate), "unspent": self.unspent, "average_score": plain(self.average_score),
                "errors": self.errors, "warnings": self.warnings}


def grouped(items) -> dict:
    """key -> Totals for (key, Figures) pairs, keys in order of first appearance."""
    out: dict = {}
    for key, figures in items:
        out.setdefault(key, Totals()).add(figures)
    return out


def bands(values, edges, labels) -> list[tuple[str, int]]:
    """How many of `values` fall in each band: [edges[i-1], edges[i]) ; a rate band's top is 100% inclusive."""
    counts = [0] * len(labels)
    rates = len(labels) == len(edges) + 2  # the rate bands end with '>100%'
    for v in values:
        i = len(labels) - 1 if rates and v > 1 else bisect_right(edges, v)
        counts[i] += 1
    return list(zip(labels, counts))
