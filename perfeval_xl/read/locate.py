"""Find project self-evaluation forms on a sheet by their labels, not by coordinates.

A form is anchored on its indicator header row (一级指标 | 二级指标 | …) and, above it, its budget header row
(年初预算 | 调整后预算数 | 预算执行数 | …). Everything else is found relative to those: the budget lines by their
row labels, the indicator rows down to the total row, header fields and narratives by their labels. Several forms
on one sheet, blank rows, offsets, merged or repeated labels all read the same.
"""

from __future__ import annotations

import re

from ..model import BudgetLine, Cell, Form, Indicator
from ..profile import Profile
from ..values import norm_label, parse
from .labels import (WEIGHT_IN_LABEL, Aliases, ProfileLabels, cell_at, find_labelled, labels_for, row_texts,
                     strip_weight, value_right)
from .registry import Reader, register
from .workbook import Grid

_UNIT_IN_LABEL = re.compile(r"(?:\(|单位[:：]?)(万元|元)\)?")


def header_columns(grid: Grid, r: int, aliases: Aliases) -> dict[str, int]:
    """key -> leftmost column whose label in row r names it."""
    cols: dict[str, int] = {}
    for c in range(grid.width):
        if grid.is_follower(r, c) and grid.home(r, c)[0] == r:
            continue  # the rest of a horizontally merged label
        key = aliases.match(grid.label(r, c))
        if key and key not in cols:
            cols[key] = c
    return cols


def header_rows(grid: Grid, aliases: Aliases, need: int, must: tuple[str, ...]) -> list[tuple[int, dict[str, int]]]:
    out = []
    for r in range(grid.height):
        cols = header_columns(grid, r, aliases)
        if len(cols) >= need and any(k in cols for k in must):
            out.append((r, cols))
    return out


def amount_unit_of(grid: Grid, rows: range, cols: range) -> str:
    for r in rows:
        for c in cols:
            m = _UNIT_IN_LABEL.search(grid.label(r, c))
            if m:
                return m.group(1)
    return "万元"


def find_forms(grid: Grid, profile: Profile) -> list[Form]:
    """Every form of `profile` laid out on this sheet, top to bottom."""
    pl = labels_for(profile)
    ind_headers = header_rows(grid, pl.indicator_cols, 4, ("level3", "target"))
    bud_headers = header_rows(grid, pl.budget_cols, 3, ("budget", "executed"))
    bud_headers = [(r, cols) for r, cols in bud_headers if r not in {ir for ir, _ in ind_headers}]
    forms: list[Form] = []
    prev_end = 0
    for i, (ir, icols) in enumerate(ind_headers):
        next_start = ind_headers[i + 1][0] if i + 1 < len(ind_headers) else grid.height
        budget = [(r, cols) for r, cols in bud_headers if prev_end <= r < ir]
        br, bcols = budget[-1] if budget else (None, {})
        if i + 1 < len(ind_headers):  # the next form's budget header bounds this form's narrative
            later = [r for r, _ in bud_headers if ir < r < next_start]
            next_start = later[0] if later else next_start
        form = _read_form(grid, profile, pl, prev_end, br, bcols, ir, icols, next_start)
        forms.append(form)
        prev_end = (form.total_row or ir) + 1
    return forms


def read_budget(grid: Grid, pl: ProfileLabels, form: Form, br: int, bcols: dict[str, int], start: int,
                stop: int) -> None:
    """The budget block under header row `br` (lines found by their labels, down to row `stop`) into `form`."""
    form.budget_header_row = br
    first_value_col = min(bcols.values())
    form.amount_unit = amount_unit_of(grid, range(max(start, br - 2), min(br + 7, stop)), range(0, grid.width))
    seen = set()
    for r in range(br + 1, stop):
        key = next((k for t in row_texts(grid, r, first_value_col) if (k := pl.lines.match(t))), None)
        if key is None or key in seen:
            continue
        seen.add(key)
        cells = {k: cell_at(grid, r, c) for k, c in bcols.items()}
        if "reason" in bcols:  # one reason cell merged over all lines belongs to the total line
            cells["reason"] = Cell(*grid.home(r, bcols["reason"]), parse(grid.raw(r, bcols["reason"])))
        label = next((t for t in row_texts(grid, r, first_value_col) if pl.lines.match(t) == key), key)
        form.budget.append(BudgetLine(key=key, label=label, row=r, cells=cells))
    form.budget.sort(key=lambda b: (b.key != "total", b.row))


def framework_budget(grid: Grid, profile: Profile, stop: int) -> Form | None:
    """The funds block above a framework's table (项目资金: 预算数 | 实际到位数 | [到位率 |] 执行数 | 执行率), if any.

    A block that prints 年初预算数 and no other budget column takes it as its 预算数. Rows between the header and the
    first line the profile names (五华's 项目支出明细内容) are read too, as `detail` lines, so their typed rates are
    rechecked; they are not summed into the total (the 其中 lines are)."""
    if profile.budget is None:
        return None
    pl = labels_for(profile)
    headers = [(r, cols) for r, cols in header_rows(grid, pl.budget_cols, 3, ("budget", "executed")) if r < stop]
    if not headers:
        return None
    form = Form(sheet=grid.name, profile_id=profile.id, first_row=0)
    br, bcols = headers[0]
    if "budget" not in bcols and "initial" in bcols:
        bcols = {**bcols, "budget": bcols["initial"]}
        del bcols["initial"]
    read_budget(grid, pl, form, br, bcols, 0, stop)
    form.budget_headers = {k: grid.label(br, c) for k, c in bcols.items()}
    if form.budget:
        _detail_lines(grid, form, br, bcols, min(b.row for b in form.budget))
    return form if form.budget else None


def _detail_lines(grid: Grid, form: Form, br: int, bcols: dict[str, int], end: int) -> None:
    """Rows with amounts between the budget header and the first named line, as `detail` lines."""
    first_value_col = min(bcols.values())
    side = {grid.label(br, c) for c in range(first_value_col)}  # '项目资金(万元)' merged down the block's side
    amounts = [bcols[k] for k in ("budget", "arrived", "executed") if k in bcols]
    details = []
    for r in range(br + 1, end):
        if not any(parse(grid.raw(r, c)).number is not None for c in amounts if not grid.is_follower(r, c)):
            continue
        texts = [t for t in row_texts(grid, r, first_value_col) if t not in side]
        cells = {k: cell_at(grid, r, c) for k, c in bcols.items()}
        details.append(BudgetLine(key="detail", label=texts[-1] if texts else "", row=r, cells=cells))
    form.budget.extend(details)
    form.budget.sort(key=lambda b: (b.key != "total", b.row))


def _read_form(grid, profile, pl, start, br, bcols, ir, icols, end) -> Form:
    head_top = br if br is not None else ir
    form = Form(sheet=grid.name, profile_id=profile.id, first_row=start)
    if br is not None:
        read_budget(grid, pl, form, br, bcols, start, ir)
    # --- indicator block ----------------------------------------------------------------------------------------
    c1, c2 = icols.get("level1"), icols.get("level2")
    level1 = level2 = ""
    blank_run = 0
    for r in range(ir + 1, end):
        texts = row_texts(grid, r, grid.width)
        if any(t in pl.total for t in texts[:3]):
            form.total_row = r
            if "weight" in icols:  # a header cell may be missing (a damaged or hand-made form)
                form.total_weight = cell_at(grid, r, icols["weight"])
            if "score" in icols:
                form.total_score = cell_at(grid, r, icols["score"])
            break
        if texts and (pl.narrative.match(texts[0]) or texts[0] in pl.grade):
            break
        cells = {k: cell_at(grid, r, c) for k, c in icols.items() if k not in ("level1", "level2")}
        values = [cells.get(k) for k in ("level3", "target", "actual", "weight", "score")]
        if all(v is None or v.blank for v in values):
            blank_run += 1
            if blank_run > 8:
                break
            continue
        blank_run = 0
        if cells.get("level3") and pl.indicator_cols.match(cells["level3"].text) == "level3":
            continue  # a header row repeated after a page break
        l1 = _level_text(grid, r, c1)
        if l1 and l1 != level1:
            level1, level2 = l1, ""
            m = WEIGHT_IN_LABEL.search(norm_label(l1))
            if m:
                hr, hc = grid.home(r, c1)
                form.level1_weights[strip_weight(l1)] = Cell(hr, hc, parse(m.group(1)))
        l2 = _level_text(grid, r, c2)
        if l2:
            level2 = l2
        form.indicators.append(Indicator(row=r, level1=strip_weight(level1), level2=strip_weight(level2), cells=cells))
    # --- header fields, narrative, grade --------------------------------------------------------------------------
    stop = {a for v in (*pl.fields.keys.values(), *pl.narrative.keys.values()) for a in v}
    form.fields = find_labelled(grid, range(start, head_top), pl.fields, stop, below=False)
    form.narrative = find_labelled(grid, range(start, end), pl.narrative, stop, below=True)
    after = range((form.total_row or ir) + 1, end)
    for r in after:
        for c in range(grid.width):
            if grid.label(r, c) in pl.grade and not grid.is_follower(r, c):
                form.grade = value_right(grid, r, c, stop) or Cell(r, c, parse(None))
                break
        if form.grade.row is not None:
            break
    return form


def _level_text(grid: Grid, r: int, c: int | None) -> str:
    if c is None:
        return ""
    v = grid.raw(r, c)
    return str(v).strip().replace("\n", "") if isinstance(v, str) and v.strip() else ""


register("project_selfeval", Reader(sheet=find_forms))
