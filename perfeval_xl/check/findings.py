"""Findings: what a check reports, how one is built from the message catalogue, and a form's checked result.

A finding names its check (stable id, DOMAIN.md §5), its severity, the sheet and cell, the stated and the recomputed
value, and one Chinese sentence. `Findings.add("C08.above", cell, stated, computed, **words)` takes the check id, its
usual severity and the sentence from `messages`; a check passes `severity=` only where a case differs from the usual.
The helpers below turn numbers into the words of those sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..excelmath import excel_round, plain
from ..messages import CHECKS, say
from ..model import Cell
from ..severity import Severity

__all__ = ["Finding", "Findings", "Result", "Severity", "fmt", "pct", "short_name", "stated_value"]


@dataclass(frozen=True)
class Finding:
    check: str  # stable id, 'C02'
    severity: Severity
    sheet: str
    cell: str | None  # A1 reference (or range) on the sheet as it is in the file
    stated: object  # what the form says (number, text or None)
    computed: object  # what the rule gives (number, text or None)
    message: str  # one Chinese sentence

    def __post_init__(self):
        try:
            object.__setattr__(self, "severity", Severity(self.severity))
        except ValueError:
            raise ValueError(f"finding {self.check}: unknown severity {self.severity!r}") from None

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "title": CHECKS[self.check].title if self.check in CHECKS else None,  # '得分超出范围'
            "severity": self.severity.value,
            "sheet": self.sheet,
            "cell": self.cell,
            "stated": self.stated,
            "computed": self.computed,
            "message": self.message,
        }


class Findings:
    """The findings of one form, in the order they were found; `sorted()` puts the most serious first."""

    def __init__(self, sheet: str):
        self.sheet = sheet
        self.items: list[Finding] = []

    def add(self, key: str, cell: Cell | None, stated, computed, /, *, severity: Severity | None = None,
            sheet: str | None = None, **words) -> Finding:
        """Record the finding of message `key` ('C08.above': check C08) on `cell` (None or an empty Cell: no cell),
        on this form's sheet unless `sheet` says otherwise; `words` fill the sentence."""
        check = key.partition(".")[0]
        finding = Finding(check, severity or CHECKS[check].severity, sheet or self.sheet,
                          cell.ref if cell is not None else None, stated, computed, say(key, **words))
        self.items.append(finding)
        return finding

    def extend(self, findings: list[Finding]) -> None:
        self.items.extend(findings)

    def at(self, check: str, *cells: str | None) -> bool:
        """Whether a finding of `check` already points at one of these cells."""
        return any(f.check == check and f.cell in cells for f in self.items)

    def sorted(self) -> list[Finding]:
        return sort_findings(self.items)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most serious first, then by check id; stable within."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.check))


@dataclass
class Result:
    """A form as checked: the form read, its profile, the recomputed values and the findings."""

    form: object  # model.Form, model.Framework, …
    profile: object  # profile.Profile
    values: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)


# --- numbers in words ---------------------------------------------------------------------------------------------
def fmt(x: Decimal | None, digits: int | None = None) -> str:
    """A number as a sentence shows it: '97.1', '90', '空' for none; rounded to `digits` when given."""
    if x is None:
        return "空"
    if digits is not None:
        x = excel_round(x, digits)
    s = format(x.normalize(), "f") if x == x.to_integral_value() else format(x, "f")
    return s.rstrip("0").rstrip(".") if "." in s and digits is None else s


def pct(rate: Decimal | None, digits: int = 4) -> str:
    """A fraction as a percentage with `digits` − 2 decimals: 0.713835 -> '71.38%'."""
    return "空" if rate is None else f"{excel_round(rate * 100, digits - 2):.{max(digits - 2, 0)}f}%"


def stated_value(cell: Cell):
    """A stated cell for JSON: its number when it has one (a percentage as a fraction), else its text, else None."""
    p = cell.p
    if p.number is None:
        return p.text or None
    return plain(p.number / 100 if p.percent else p.number)


def short_name(name: str, limit: int = 24) -> str:
    """An indicator's name short enough for one sentence: whitespace removed, cut with '…'."""
    name = "".join(name.split())
    return name if len(name) <= limit else name[: limit - 1] + "…"
