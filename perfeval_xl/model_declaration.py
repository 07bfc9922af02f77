"""The parsed 项目支出绩效目标申报表: its 项目资金 amounts by half (中期 / 年度), its goals and its indicator
rows. Plain data; no spreadsheet library here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import NO_CELL, Cell, no_figure

HALF_NAMES = {"medium": "中期", "annual": "年度"}


@dataclass
class Fund:
    """One amount of the 项目资金 block: a half's 资金总额 ('total') or one of its 其中 lines."""

    half: str  # 'medium' | 'annual'
    key: str  # 'total' or the profile's line key ('fiscal', …)
    label: str  # as printed
    cell: Cell  # the amount (blank when none is written)


@dataclass
class Target:
    """One row of one half of the indicator table: its 一级 and 二级 (carried down merged or blank cells), its 三级
    indicator and 指标值, and the 指标性质 and 度量单位 where the form has those columns."""

    row: int
    half: str  # 'medium' | 'annual'
    level1: str
    level2: str
    level1_cell: Cell  # where the 一级 is written (the anchor of its merged range)
    level2_cell: Cell
    cells: dict[str, Cell]  # 'level3', 'target', 'nature', 'unit'
    name: str = ""  # the 三级 indicator's name, without a template's '指标1：' numbering ('' when none is written)

    def __getitem__(self, key: str) -> Cell:
        return self.cells.get(key, NO_CELL)

    @property
    def named(self) -> bool:
        """A 三级 indicator is there: a name, or at least a 指标值."""
        return bool(self.name) or not self["target"].blank


@dataclass
class Declaration:
    """One 绩效目标申报表 found on a sheet."""

    sheet: str
    profile_id: str
    first_row: int
    header_row: int = 0  # the indicator table's header row
    year: int | None = None  # the budget year printed under the title ('( 2020年度)')
    amount_unit: str = "万元"
    fields: dict[str, Cell] = field(default_factory=dict)  # project, department, unit, attribute, period
    goals: dict[str, Cell] = field(default_factory=dict)  # 'medium' / 'annual' -> the goal text
    funds: list[Fund] = field(default_factory=list)
    halves: tuple[str, ...] = ()  # the halves the indicator table prints, left to right
    header_cells: dict[str, dict[str, Cell]] = field(default_factory=dict)  # half -> column key -> its header
    rows: list[Target] = field(default_factory=list)  # every row of every half, top to bottom, 中期 first

    def fund(self, half: str, key: str) -> Fund | None:
        return next((f for f in self.funds if f.half == half and f.key == key), None)

    def targets(self, half: str) -> list[Target]:
        """The 三级 indicators of one half."""
        return [t for t in self.rows if t.half == half and t.named]

    @property
    def blank(self) -> bool:
        """Only headers: no indicator named or valued, no amount, no goal written."""
        return not any(t.named for t in self.rows) and all(no_figure(f.cell) for f in self.funds) \
            and all(c.blank for c in self.goals.values())
