"""The parsed monitoring form (项目支出绩效目标执行监控表): its 项目资金 block with the 1-N月 figures and
全年预计执行数, and its indicator rows with what was done by month N, what is expected for the year, the
偏差原因 ticked with their explanation, and the 完成目标可能性 ticked. Plain data; no spreadsheet library here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import NO_CELL, BudgetLine, Cell, no_figure


@dataclass
class MonitoringIndicator:
    """One indicator row. `causes` and `likelihood` hold the tick cells by the profile's keys ('funding', 'certain');
    where the form has a single 完成目标可能性 column its text is under 'likelihood' in `cells`."""

    row: int
    level1: str
    level2: str
    cells: dict[str, Cell]  # 'level3', 'nature', 'target', 'unit', 'progress', 'forecast', 'reason', 'note', …
    causes: dict[str, Cell] = field(default_factory=dict)
    likelihood: dict[str, Cell] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Cell:
        return self.cells.get(key, NO_CELL)

    @property
    def filled(self) -> bool:
        """Whether the row names or measures anything (a template's empty row does not)."""
        return any(not self[k].blank for k in ("level3", "target", "progress", "forecast"))


@dataclass
class MonitoringForm:
    """One monitoring form found on a sheet."""

    sheet: str
    profile_id: str
    first_row: int
    amount_unit: str = "万元"
    month: int | None = None  # the month the 1-N月 figures reach, read from the headers
    headers: dict[str, str] = field(default_factory=dict)  # budget column key -> its header as printed (1-7月执行数)
    fields: dict[str, Cell] = field(default_factory=dict)  # project, department, unit
    narrative: dict[str, Cell] = field(default_factory=dict)  # goal
    budget: list[BudgetLine] = field(default_factory=list)  # total line first when present
    budget_header_row: int | None = None
    indicators: list[MonitoringIndicator] = field(default_factory=list)
    indicator_header_row: int | None = None
    total_score: Cell = NO_CELL  # a monitoring form states no score (the batch summary's 自评得分 stays blank)

    @property
    def budget_total(self) -> BudgetLine | None:
        return next((b for b in self.budget if b.key == "total"), None)

    @property
    def blank(self) -> bool:
        """Only headers: no amount, no indicator named or measured, nothing ticked (a template's 0s do not count)."""
        amounts = (b[k] for b in self.budget for k in ("initial", "budget", "executed", "forecast"))
        ticks = (c for ind in self.indicators for c in (*ind.causes.values(), *ind.likelihood.values()))
        return all(no_figure(c) for c in amounts) and not any(ind.filled for ind in self.indicators) \
            and all(c.blank for c in ticks)
