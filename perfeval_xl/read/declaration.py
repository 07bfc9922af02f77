"""Find 项目支出绩效目标申报表 forms on a sheet by their labels, not by coordinates (DOMAIN.md §1.8).

A form is anchored on its indicator header row (一级指标 | 二级指标 | 三级指标 | 指标值 …). A header that names 二级,
三级 and 指标值 twice holds two halves side by side — 中期 on the left, 年度 on the right, unless a label over a half
says otherwise; a header that names them once is the 年度 half alone (most provincial versions). Above the header,
between it and the previous form: the title and its year, the header fields (项目名称, 主管部门及代码, …), the
项目资金 block (中期资金总额 | n | 年度资金总额 | n, then the 其中 lines under each, or one half alone) and the goals
(中期目标 / 年度目标 over their texts, or 总体目标 beside its text). Merged 一级/二级 cells, the same labels in both
halves, two-row headers, several forms on one sheet and amounts in 元 all read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..model import Cell
from ..model_declaration import Declaration, Fund, Target
from ..profile import HALVES, Profile
from ..values import norm_label, parse
from .labels import Aliases, cell_at, core_label, find_labelled, strip_weight
from .locate import amount_unit_of
from .registry import Reader, register
from .workbook import Grid

_PLACEHOLDER = re.compile(r"(?:指标\d*[:：]?|[.…。·、]+|/|无)")  # the central template prints '指标1：' in blank rows
_NUMBERING = re.compile(r"^指标\d+[:：]")  # '指标1：培训人次' -> '培训人次'
_YEAR = re.compile(r"((?:19|20)\d{2})年度")
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})年")
TITLE_ROWS = 3  # the title and the year line are among the first rows of a form
_LEVELS = ("level1", "level2")
MAX_BLANK_RUN = 8  # blank rows after which an indicator table has ended


@dataclass(frozen=True)
class _Labels:
    """What the reader matches for one declaration profile, normalised once."""

    columns: Aliases
    halves: Aliases
    funds: Aliases  # 'total.medium', 'total.annual' and the 其中 line keys
    goals: Aliases  # 'medium', 'annual', 'section'
    fields: Aliases
    titles: tuple[str, ...]
    stop: frozenset[str]  # every label of the form: a value is never one of them


@cache
def _labels(profile: Profile) -> _Labels:
    spec = profile.declaration
    funds = {f"total.{h}": spec.totals[h] for h in HALVES} | spec.lines
    goals = dict(spec.goals) | ({"section": (spec.goals_section,)} if spec.goals_section else {})
    maps = [spec.columns, funds, goals, profile.fields,
            {"sections": tuple(x for x in (spec.section, spec.funds_section) if x)}]
    stop = frozenset(norm_label(a) for m in maps for v in m.values() for a in v)
    return _Labels(Aliases.of(spec.columns), Aliases.of(spec.halves), Aliases.of(funds), Aliases.of(goals),
                   Aliases.of(profile.fields), tuple(norm_label(t) for t in profile.titles), stop)


# --- the indicator header -------------------------------------------------------------------------------------------
def _halves(grid: Grid, r: int, columns: Aliases) -> list[dict[str, int]]:
    """The halves of an indicator header on row r (key -> column each), left to right; [] when row r is none. The
    一级 column, printed once at the left, belongs to every half."""
    found: list[tuple[int, str]] = []
    for c in range(grid.width):
        if grid.is_follower(r, c) and grid.home(r, c)[0] == r:
            continue  # the rest of a horizontally merged label
        key = columns.match(grid.label(r, c))
        if key:
            found.append((c, key))
    if not {"level3", "target"} <= {k for _, k in found}:
        return []
    halves: list[dict[str, int]] = [{}]
    for c, key in found:
        if key in halves[-1]:
            halves.append({})
        halves[-1][key] = c
    halves = [h for h in halves if "level3" in h and "target" in h]
    shared = next((h["level1"] for h in halves if "level1" in h), None)
    for h in halves:
        if shared is not None and "level1" not in h:
            h["level1"] = shared
    return halves[:2]


def _half_names(grid: Grid, r: int, halves: list[dict[str, int]], labels: _Labels, form: Declaration
                ) -> tuple[str, ...]:
    """中期 and 年度 by the labels printed over each half (the row above the header), else in the order of the
    项目资金 block's 中期 and 年度 columns, else 中期 then 年度 (one half alone is the 年度 one)."""
    default = ("medium", "annual") if len(halves) == 2 else ("annual",)
    medium, annual = form.fund("medium", "total"), form.fund("annual", "total")
    if len(halves) == 2 and medium and annual and None not in (medium.cell.col, annual.cell.col) \
            and annual.cell.col < medium.cell.col:
        default = ("annual", "medium")
    top = form.first_row
    if r - 1 < top:
        return default
    named = []
    for h in halves:
        over = {labels.halves.match(grid.label(r - 1, c)) for k, c in h.items() if k != "level1"} - {None}
        named.append(over.pop() if len(over) == 1 else None)
    return tuple(named) if None not in named and len(set(named)) == len(named) else default


# --- the forms ----------------------------------------------------------------------------------------------------
def find_declarations(grid: Grid, profile: Profile) -> list[Declaration]:
    """Every 申报表 of `profile` laid out on this sheet, top to bottom."""
    labels = _labels(profile)
    forms: list[Declaration] = []
    start = 0
    for r in range(grid.height):
        if r < start:
            continue
        halves = _halves(grid, r, labels.columns)
        if not halves:
            continue
        form = Declaration(sheet=grid.name, profile_id=profile.id, first_row=start, header_row=r)
        _read_top(grid, labels, form, start, r)
        form.halves = _half_names(grid, r, halves, labels, form)
        start = _read_rows(grid, labels, form, r, halves)
        forms.append(form)
    return forms


def _read_top(grid: Grid, labels: _Labels, form: Declaration, start: int, header: int) -> None:
    """Year, header fields, 项目资金 and goals: everything between the previous form and the indicator header."""
    rows = range(start, header)
    form.year = _year(grid, rows, _YEAR) or _year(grid, rows[:TITLE_ROWS], _TITLE_YEAR)
    form.fields = find_labelled(grid, rows, labels.fields, set(labels.stop), below=False)
    goals = find_labelled(grid, rows, labels.goals, set(labels.stop), below=True)
    form.goals = {h: goals[h] for h in HALVES if h in goals}
    if "annual" not in form.goals and "section" in goals:  # 总体目标 | its text, without 中期/年度 headings
        form.goals["annual"] = goals["section"]
    _read_funds(grid, labels, form, rows)


def _year(grid: Grid, rows: range, pattern: re.Pattern) -> int | None:
    """The budget year: '( 2020年度)' anywhere above the table, or '2020年…' in its title rows."""
    for r in rows:
        for c in range(grid.width):
            m = pattern.search(grid.label(r, c)) if not grid.is_follower(r, c) else None
            if m:
                return int(m.group(1))
    return None


def _read_funds(grid: Grid, labels: _Labels, form: Declaration, rows: range) -> None:
    """The 资金总额 of each half and the 其中 lines under it; a line belongs to the half whose total stands at or
    left of it."""
    totals: list[tuple[int, str]] = []  # (column, half)
    lines: list[tuple[int, int, str, str]] = []  # (row, column, key, label)
    first = None
    for r in rows:
        for c in range(grid.width):
            if grid.is_follower(r, c):
                continue
            key = labels.funds.match(grid.label(r, c))
            if key is None:
                continue
            if key.startswith("total."):
                half = key.partition(".")[2]
                if form.fund(half, "total") is None:
                    totals.append((c, half))
                    form.funds.append(Fund(half, "total", grid.label(r, c), _amount(grid, labels, r, c)))
                    first = r if first is None else first
            elif first is not None and r <= first + MAX_BLANK_RUN:
                lines.append((r, c, key, grid.label(r, c)))
    totals.sort()
    for r, c, key, label in lines:
        half = next((h for tc, h in reversed(totals) if tc <= c), totals[0][1])
        if form.fund(half, key) is None:
            form.funds.append(Fund(half, key, label, _amount(grid, labels, r, c)))
    form.amount_unit = amount_unit_of(grid, rows, range(grid.width))


def _amount(grid: Grid, labels: _Labels, r: int, c: int) -> Cell:
    """The amount a 项目资金 label names: the first value right of it (up to the next label), or the number under it
    when labels stand side by side with their amounts underneath; else the blank cell right of it."""
    home = grid.home(r, c)
    for cc in range(c + 1, grid.width):
        if grid.home(r, cc) == home or grid.raw(r, cc) is None:
            continue
        label = grid.label(r, cc)
        if label and (label in labels.stop or labels.funds.match(label)):
            break
        return Cell(*grid.home(r, cc), parse(grid.raw(r, cc)))
    under = cell_at(grid, r + 1, c) if r + 1 < grid.height else Cell()
    if under.number is not None:
        return under
    nxt = grid.span.get(home, home)[1] + 1
    return Cell(r, nxt, parse(None)) if nxt < grid.width else under


def _starts_form(grid: Grid, r: int, labels: _Labels, left: int) -> bool:
    """Row r begins the next form: its title, or a header field / 项目资金 / goal label left of the table."""
    for c in range(grid.width):
        label = grid.label(r, c)
        if not label:
            continue
        if any(t in label for t in labels.titles):
            return True
        if c < left and (labels.fields.match(label) or labels.funds.match(label) or labels.goals.match(label)):
            return True
    return False


def _read_rows(grid: Grid, labels: _Labels, form: Declaration, header: int, halves: list[dict[str, int]]) -> int:
    """The indicator rows under the header, each half on its own, 一级/二级 carried down merged or blank cells;
    returns the first row after the table."""
    left = min(min(h.values()) for h in halves)
    form.header_cells = {name: {k: Cell(header, c, parse(grid.raw(header, c))) for k, c in h.items()}
                         for name, h in zip(form.halves, halves)}
    state = {name: ["", ""] for name in form.halves}  # the 一级 and 二级 in force, per half
    found: dict[str, list[Target]] = {name: [] for name in form.halves}
    blank_run, end = 0, header + 1
    for r in range(header + 1, grid.height):
        if _starts_form(grid, r, labels, left):
            break
        first = halves[0]
        if grid.home(r, first["level3"]) == grid.home(r, first["target"]):
            break  # one text across the table: a note under it
        if all(grid.is_follower(r, c) or grid.raw(r, c) is None for h in halves for c in h.values()):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        blank_run, end = 0, r + 1
        if labels.columns.match(grid.label(r, first["level3"])) == "level3":
            continue  # the header repeated after a page break
        for name, h in zip(form.halves, halves):
            found[name].append(_target(grid, r, name, h, state[name]))
    form.rows = [t for name in form.halves for t in found[name]]
    return end


def _target(grid: Grid, r: int, half: str, cols: dict[str, int], state: list[str]) -> Target:
    level_cells = {}
    for i, key in enumerate(_LEVELS):
        c = cols.get(key)
        if c is None:
            level_cells[key] = Cell()
            continue
        raw = grid.raw(r, c)
        text = core_label(strip_weight(raw)) if isinstance(raw, str) and raw.strip() else ""
        level_cells[key] = Cell(*grid.home(r, c), parse(raw))
        if text and text != state[i]:
            state[i] = text
            if i == 0:
                state[1] = ""  # a new 一级 starts its 二级 afresh
    cells = {k: cell_at(grid, r, c) for k, c in cols.items() if k not in _LEVELS}
    name = norm_label(cells["level3"].text)
    name = "" if _PLACEHOLDER.fullmatch(name) else _NUMBERING.sub("", name)
    return Target(row=r, half=half, level1=state[0], level2=state[1], level1_cell=level_cells["level1"],
                  level2_cell=level_cells["level2"], cells=cells, name=name)


register("declaration", Reader(sheet=find_declarations))
