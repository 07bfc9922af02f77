"""The parsed form and the findings about it. Plain data; no spreadsheet library here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .values import BLANK, Parsed


def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> 'C10'."""
    return f"{col_letter(col)}{row + 1}"


@dataclass(frozen=True)
class Cell:
    """A value as stated on the sheet, with where it stands (0-based row/col; None when absent)."""

    row: int | None = None
    col: int | None = None
    p: Parsed = BLANK

    @property
    def ref(self) -> str | None:
        return None if self.row is None or self.col is None else a1(self.row, self.col)

    @property
    def number(self) -> Decimal | None:
        return self.p.number

    @property
    def text(self) -> str:
        return self.p.text

    @property
    def blank(self) -> bool:
        return self.p.blank


NO_CELL = Cell()


@dataclass
class BudgetLine:
    key: str  # 'total' or the profile's line key ('fiscal', …)
    label: str
    row: int
    cells: dict[str, Cell]  # column key ('initial', 'budget', 'executed', 'rate', 'weight', 'score', 'reason')

    def __getitem__(self, key: str) -> Cell:
        return self.cells.get(key, NO_CELL)


@dataclass
class Indicator:
    row: int
    level1: str
    level2: str
    cells: dict[str, Cell]  # 'level3', 'nature', 'target', 'unit', 'actual', 'weight', 'score', 'reason'

    def __getitem__(self, key: str) -> Cell:
        return self.cells.get(key, NO_CELL)


@dataclass
class Form:
    """One self-evaluation form found on a sheet."""

    sheet: str
    profile_id: str
    first_row: int
    amount_unit: str = "万元"  # unit of the budget block as its header says ('万元' or '元')
    fields: dict[str, Cell] = field(default_factory=dict)  # project, department, unit
    narrative: dict[str, Cell] = field(default_factory=dict)
    budget: list[BudgetLine] = field(default_factory=list)  # total line first when present
    budget_header_row: int | None = None
    indicators: list[Indicator] = field(default_factory=list)
    level1_weights: dict[str, Cell] = field(default_factory=dict)  # '产出指标' -> weight written in its label
    total_weight: Cell = NO_CELL
    total_score: Cell = NO_CELL
    total_row: int | None = None
    grade: Cell = NO_CELL

    @property
    def budget_total(self) -> BudgetLine | None:
        return next((b for b in self.budget if b.key == "total"), None)


@dataclass(frozen=True)
class Finding:
    check: str  # stable id, 'C02'
    severity: str  # 'error' | 'warning' | 'info'
    sheet: str
    cell: str | None  # A1 reference on the sheet as it is in the file
    stated: object  # what the form says (number, text or None)
    computed: object  # what the rule gives (number, text or None)
    message: str  # one Chinese sentence

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "stated": self.stated,
            "computed": self.computed,
            "message": self.message,
        }
