"""Find monitoring forms (项目支出绩效目标执行监控表) on a sheet by their labels, not by coordinates.

A form is anchored on its indicator header (一级指标 | 二级指标 | 三级指标 | 年度指标值 | 1-N月执行情况 |
全年预计完成情况 | 偏差原因分析 | 完成目标可能性 | 备注), whose 偏差原因分析 and 完成目标可能性 may be split on the
row below into tick columns (经费保障 … 其他 | 原因说明 | 确定能 | 有可能 | 完全不可能) or stay one text column
each. Above it, the 项目资金 block (年初预算数 | 1-N月执行数 | 1-N月执行率 | 全年预计执行数) is read as a project
form's budget block. The month N comes from the headers that name it ('1-7月执行数', '1—8月', '截至8月底'). What
the 执行 columns hold is kept as written: '一般' or '100%' in 1-N月执行情况 is text, never a figure to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..model import Cell
from ..model_monitoring import MonitoringForm, MonitoringIndicator
from ..profile import Profile
from ..values import parse
from .labels import Aliases, cell_at, find_labelled, labels_for, month_of, row_texts, strip_weight
from .locate import header_columns, header_rows, read_budget
from .registry import Reader, register
from .workbook import Grid

# a row that closes the indicator table: the form's notes and signatures ('说明：请在…打“√”', '填报人：')
_CLOSING = re.compile(r"^(说明|填表说明|填报说明|注|注释|填报人|联系人|联系电话|单位负责人|财务负责人|项目负责人"
                      r"|审核人)(:|$)")
_SPLIT = ("causes", "likelihood")  # group headers that the row below may split into tick columns
BLANK_RUN = 8  # this many empty rows end an indicator table


@dataclass(frozen=True)
class _Labels:
    """A monitoring profile's indicator labels, normalised once."""

    columns: Aliases
    causes: Aliases
    likelihood: Aliases
    reason: Aliases


@lru_cache(maxsize=32)
def _labels(profile: Profile) -> _Labels:
    m = profile.monitoring
    return _Labels(Aliases.of(m.columns), Aliases.of(m.causes), Aliases.of(m.likelihood),
                   Aliases.of({"reason": m.reason}))


@dataclass
class _Header:
    """Where an indicator table's columns are: the plain ones, the tick columns, and its first data row."""

    row: int
    columns: dict[str, int]
    causes: dict[str, int]
    likelihood: dict[str, int]
    first: int


def _header(grid: Grid, r: int, cols: dict[str, int], ml: _Labels) -> _Header:
    """The header at row r, with the tick columns of the row below it (or of the same row, on one-row headers)."""
    below = r + 1 < grid.height
    sub = {name: header_columns(grid, r + 1, aliases) if below else {}
           for name, aliases in (("causes", ml.causes), ("likelihood", ml.likelihood), ("reason", ml.reason))}
    split = sum(len(x) for x in sub.values()) >= 2  # one '其他' in a data row is no sub-header
    if not split:
        sub = {name: header_columns(grid, r, aliases)
               for name, aliases in (("causes", ml.causes), ("likelihood", ml.likelihood), ("reason", ml.reason))}
    columns = dict(cols)
    for group in _SPLIT:
        if sub[group]:
            columns.pop(group, None)  # its tick columns are read one by one
    if "reason" in sub["reason"]:
        columns["reason"] = sub["reason"]["reason"]
    elif "causes" in columns:
        columns["reason"] = columns.pop("causes")  # one 偏差原因分析 column: its text is the explanation
    return _Header(r, columns, sub["causes"], sub["likelihood"], r + 2 if split else r + 1)


def find_monitoring_forms(grid: Grid, profile: Profile) -> list[MonitoringForm]:
    """Every monitoring form of `profile` laid out on this sheet, top to bottom."""
    pl, ml = labels_for(profile), _labels(profile)
    found = header_rows(grid, ml.columns, 4, ("level3", "target"))
    rows = {r for r, _ in found}
    ind_headers = [(r, cols) for r, cols in found if r - 1 not in rows]  # not the lower half of a two-row header
    taken = {r for r, _ in ind_headers} | {r + 1 for r, _ in ind_headers}
    bud_headers = [(r, c) for r, c in header_rows(grid, pl.budget_cols, 3, ("executed", "forecast")) if r not in taken]
    forms: list[MonitoringForm] = []
    prev_end = 0
    for i, (ir, icols) in enumerate(ind_headers):
        end = ind_headers[i + 1][0] if i + 1 < len(ind_headers) else grid.height
        later = [r for r, _ in bud_headers if ir < r < end]
        end = later[0] if later else end
        budget = [(r, cols) for r, cols in bud_headers if prev_end <= r < ir]
        form, last = _read_form(grid, profile, prev_end, budget[-1] if budget else None,
                                _header(grid, ir, icols, ml), end)
        forms.append(form)
        prev_end = last + 1
    return forms


def _read_form(grid: Grid, profile: Profile, start: int, budget: tuple[int, dict[str, int]] | None, head: _Header,
               end: int) -> tuple[MonitoringForm, int]:
    pl = labels_for(profile)
    form = MonitoringForm(sheet=grid.name, profile_id=profile.id, first_row=start, indicator_header_row=head.row)
    head_top = head.row
    if budget is not None:
        br, bcols = budget
        head_top = br
        read_budget(grid, pl, form, br, bcols, start, head.row)
        form.headers = {k: grid.label(br, c) for k, c in bcols.items()}
    months = [month_of(form.headers.get(k, "")) for k in ("executed", "rate")]
    if "progress" in head.columns:
        months.append(month_of(grid.label(head.row, head.columns["progress"])))
    form.month = next((m for m in months if m is not None and 1 <= m <= 12), None)
    last = _read_indicators(grid, form, head, end, _labels(profile))
    stop = {a for v in (*pl.fields.keys.values(), *pl.narrative.keys.values()) for a in v}
    form.fields = find_labelled(grid, range(start, head_top), pl.fields, stop, below=False)
    form.narrative = find_labelled(grid, range(start, head.row), pl.narrative, stop, below=True)
    return form, last


def _read_indicators(grid: Grid, form: MonitoringForm, head: _Header, end: int, ml: _Labels) -> int:
    """The indicator rows under the header into `form`; the last row of the table."""
    c1, c2 = head.columns.get("level1"), head.columns.get("level2")
    plain = {k: c for k, c in head.columns.items() if k not in ("level1", "level2")}
    last, blank_run = head.first - 1, 0
    for r in range(head.first, end):
        texts = row_texts(grid, r, grid.width)
        if texts and _CLOSING.match(texts[0]):
            break
        cells = {k: _reason_cell(grid, r, c) if k == "reason" else cell_at(grid, r, c) for k, c in plain.items()}
        causes = {k: cell_at(grid, r, c) for k, c in head.causes.items()}
        likelihood = {k: cell_at(grid, r, c) for k, c in head.likelihood.items()}
        if all(c.blank for c in (*cells.values(), *causes.values(), *likelihood.values())):
            blank_run += 1
            if blank_run > BLANK_RUN:
                break
            continue
        blank_run = 0
        if cells.get("level3") and ml.columns.match(cells["level3"].text) == "level3":
            continue  # the header repeated after a page break
        last = r
        form.indicators.append(MonitoringIndicator(
            row=r, level1=strip_weight(grid.label(r, c1)) if c1 is not None else "",
            level2=strip_weight(grid.label(r, c2)) if c2 is not None else "", cells=cells, causes=causes,
            likelihood=likelihood))
    return last


def _reason_cell(grid: Grid, r: int, c: int) -> Cell:
    """An explanation merged over several rows explains each of them."""
    return Cell(*grid.home(r, c), parse(grid.raw(r, c)))


register("monitoring", Reader(sheet=find_monitoring_forms))
