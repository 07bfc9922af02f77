"""The parsed form and the findings about it. Plain data; no spreadsheet library here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .a1 import a1
from .values import BLANK, Parsed


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


def no_figure(cell: Cell) -> bool:
    """No figure: blank, a printed '/' or '—', or the 0 a template's formula shows before anything is filled."""
    p = cell.p
    return p.blank or p.not_applicable or p.dash or (p.number == 0 and not p.text.strip("0."))


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
    budget_headers: dict[str, str] = field(default_factory=dict)  # column key -> its header as printed, where read
    indicators: list[Indicator] = field(default_factory=list)
    level1_weights: dict[str, Cell] = field(default_factory=dict)  # '产出指标' -> weight written in its label
    total_weight: Cell = NO_CELL
    total_score: Cell = NO_CELL
    total_row: int | None = None
    grade: Cell = NO_CELL

    @property
    def budget_total(self) -> BudgetLine | None:
        return next((b for b in self.budget if b.key == "total"), None)

    @property
    def blank(self) -> bool:
        """Only headers: no amount, no indicator named or measured, no score other than a formula's 0."""
        amounts = (b[k] for b in self.budget for k in ("initial", "budget", "executed", "score"))
        rows = (ind[k] for ind in self.indicators for k in ("level3", "target", "actual", "weight", "score"))
        return all(no_figure(c) for c in (*amounts, *rows, self.total_score))


@dataclass
class Node:
    """One indicator of a weighted framework (一级 / 二级 / 三级), with what the table states about it."""

    path: tuple[str, ...]  # names from the top level down (weights stripped)
    label: Cell  # the cell holding its name
    weight: Cell = NO_CELL  # stated weight (from '(2分)' in the label, or a 分值 column)
    score: Cell = NO_CELL  # stated score (leaves; subtotals where the table has them)
    deduction: bool = False  # under 扣分项: scores are subtracted, weights do not count toward the total
    not_applicable: bool = False  # marked 不涉及 / 不适用
    shared_weight: bool = False  # its weight cell is merged down from an earlier sibling's: they share that weight
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> list[Node]:
        return [self] if self.is_leaf else [x for c in self.children for x in c.leaves()]


@dataclass
class Summary:
    """A total or grade stated outside the grid: in a sentence ('综合评分92分，评价等级为良') or in a labelled cell
    ('综合评分 | 92', '自评得分：95.5分'; `cell` is the one holding the value)."""

    kind: str  # 'total' | 'grade'
    cell: Cell
    value: object  # Decimal for a total, '优'/'良'/'中'/'差' for a grade
    total: object = None  # for a grade: the total stated in the same sentence, if any
    label: str = ""  # a labelled cell's label ('综合评分'); '' for a sentence

    @property
    def labelled(self) -> bool:
        return bool(self.label)


@dataclass
class Question:
    number: str
    label: Cell
    options: list[tuple[Cell, Cell, Cell]]  # (option text, points, count)


@dataclass
class Questionnaire:
    """A satisfaction questionnaire tally (DOMAIN R13): options × points × counts."""

    sheet: str
    questions: list[Question] = field(default_factory=list)
    valid: Cell = NO_CELL  # 有效问卷份数
    total_points: Cell = NO_CELL  # stated Σ(count × points) (问卷总分)
    full_marks: Cell = NO_CELL  # stated Σ of the best option's points (满分)
    score: Cell = NO_CELL  # 问卷综合得分


@dataclass
class Framework:
    """A weighted indicator table (部门整体 / 专项 evaluation) found on a sheet."""

    sheet: str
    profile_id: str
    roots: list[Node] = field(default_factory=list)
    fields: dict[str, Cell] = field(default_factory=dict)  # project, unit, department, year: labelled above the table
    total_weight: Cell = NO_CELL
    total_score: Cell = NO_CELL
    grade: Cell = NO_CELL
    summaries: list[Summary] = field(default_factory=list)
    questionnaires: list[Questionnaire] = field(default_factory=list)
    budget: Form | None = None  # a budget block above the table (五华), checked like a project form's
    data: dict[str, Cell] = field(default_factory=dict)  # 基础数据: data items the rules score from
    header_row: int = 0

    @property
    def blank(self) -> bool:
        """Only headers: no row scored, no data entered; a total that is a formula's 0 does not count."""
        return all(n.score.blank for n in self.walk() if n.is_leaf) and no_figure(self.total_score) \
            and all(c.blank for c in self.data.values())

    def walk(self):
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))
