"""Find self-evaluation forms on a sheet by their labels, not by coordinates.

A form is anchored on its indicator header row (一级指标 | 二级指标 | …) and, above it, its budget header row
(年初预算 | 调整后预算数 | 预算执行数 | …). Everything else is found relative to those: the budget lines by their
row labels, the indicator rows down to the total row, header fields and narratives by their labels. Several forms
on one sheet, blank rows, offsets, merged or repeated labels all read the same.
"""

from __future__ import annotations

import re
from ..model import BudgetLine, Cell, Form, Framework, Indicator
from ..profile import Profile, shipped_profiles
from ..values import norm_label, parse
from .workbook import Grid, open_workbook

_ENUM_PREFIX = re.compile(r"^(其中[:：]?|[0-9]+[.、]|\([0-9一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")
_PAREN_SUFFIX = re.compile(r"\([^()]*\)$")
_WEIGHT_IN_LABEL = re.compile(r"\((\d+(?:\.\d+)?)分\)")
_UNIT_IN_LABEL = re.compile(r"(?:\(|单位[:：]?)(万元|元)\)?")


def _core(label: str) -> str:
    """A row label without '其中:', numbering or a trailing '(…)': '其中:财政资金' -> '财政资金'."""
    label = _ENUM_PREFIX.sub("", label).rstrip(":")
    return _PAREN_SUFFIX.sub("", label) or label


class _Aliases:
    """Normalised label aliases per key, with the official one first; lookups are memoised."""

    def __init__(self, keys: dict[str, tuple[str, ...]]):
        self.keys = keys
        self._exact = {a: k for k, aliases in reversed(keys.items()) for a in reversed(aliases)}
        self._core = {_core(a): k for k, aliases in reversed(keys.items()) for a in reversed(aliases)}
        self._memo: dict[str, str | None] = {}

    @classmethod
    def of(cls, mapping: dict[str, tuple[str, ...]]) -> "_Aliases":
        return cls({k: tuple(norm_label(a) for a in v) for k, v in mapping.items()})

    def match(self, label: str) -> str | None:
        """The key this label names: exactly, or once '其中:', numbering and a trailing '(…)' are set aside."""
        if not label or len(label) > 40:  # labels are short; long text is content (and not worth memoising)
            return None
        if label not in self._memo:
            key = self._exact.get(label)
            self._memo[label] = key if key is not None else self._core.get(_core(label))
        return self._memo[label]


class _ProfileLabels:
    """Everything the reader matches for one profile, normalised once."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.budget_cols = _Aliases.of(profile.budget.columns)
        self.indicator_cols = _Aliases.of(profile.indicators.columns)
        self.lines = _Aliases.of({"total": profile.budget.total, **profile.budget.lines})
        self.total = {norm_label(x) for x in profile.total_labels}
        self.grade = {norm_label(x) for x in profile.grade_labels}
        self.fields = _Aliases.of(profile.fields)
        self.narrative = _Aliases.of(profile.narrative)
        blocks = (profile.budget.columns, profile.indicators.columns, profile.table.columns)
        self.official = {norm_label(v[0]) for b in blocks for v in b.values()}
        self.any_alias = {norm_label(a) for b in blocks for v in b.values() for a in v}
        self.signature = tuple(norm_label(x) for x in profile.raw.get("signature", ()))
        # a sheet can only follow this profile if it carries one of these headers
        needed = ("target", "actual") if profile.kind == "project_selfeval" else ("level1",)
        cols = profile.indicators.columns if profile.kind == "project_selfeval" else profile.table.columns
        self.needed = {norm_label(a) for k in needed for a in cols.get(k, ())}


_LABEL_CACHE: dict[str, _ProfileLabels] = {}


def _labels_for(profile: Profile) -> _ProfileLabels:
    key = f"{profile.id}@{profile.source}"
    if key not in _LABEL_CACHE:
        _LABEL_CACHE[key] = _ProfileLabels(profile)
    return _LABEL_CACHE[key]


def _sheet_labels(grid: Grid) -> tuple[set[str], str]:
    """The sheet's short labels, and all its text run together (for signature phrases)."""
    short, texts = set(), []
    for row in grid.rows:  # the values themselves: a merged range's text once, numbers skipped without a lookup
        for v in row:
            if isinstance(v, str) and v:
                s = norm_label(v)
                if s:
                    texts.append(s)
                    if len(s) < 30:
                        short.add(s)
    return short, "\n".join(texts)


def detect_profile(grid: Grid, profiles: list[Profile]) -> Profile | None:
    """The profile whose headers the sheet carries best (official wording counts double, signature phrases triple)."""
    present, text = _sheet_labels(grid)
    best, best_score = None, 0
    for profile in profiles:
        pl = _labels_for(profile)
        if not pl.needed & present:
            continue
        score = 2 * len(pl.official & present) + len(pl.any_alias & present)
        score += 3 * sum(1 for s in pl.signature if s in text)
        if score > best_score:
            best, best_score = profile, score
    return best if best_score >= 8 else None


def _header_columns(grid: Grid, r: int, aliases: _Aliases) -> dict[str, int]:
    """key -> leftmost column whose label in row r names it."""
    cols: dict[str, int] = {}
    for c in range(grid.width):
        if grid.is_follower(r, c) and grid.home(r, c)[0] == r:
            continue  # the rest of a horizontally merged label
        key = aliases.match(grid.label(r, c))
        if key and key not in cols:
            cols[key] = c
    return cols


def _header_rows(grid: Grid, aliases: _Aliases, need: int, must: tuple[str, ...]) -> list[tuple[int, dict[str, int]]]:
    out = []
    for r in range(grid.height):
        cols = _header_columns(grid, r, aliases)
        if len(cols) >= need and any(k in cols for k in must):
            out.append((r, cols))
    return out


def cell_at(grid: Grid, r: int, c: int) -> Cell:
    """The value at (r, c) as stated; a vertical merge from a row above counts as blank here."""
    hr, hc = grid.home(r, c)
    if hr != r:
        return Cell(r, c, parse(None))
    return Cell(hr, hc, parse(grid.raw(hr, hc)))


def _value_right(grid: Grid, r: int, c: int, stop: set[str]) -> Cell | None:
    """The first non-blank cell right of the label at (r, c) that is not part of it nor another label."""
    home = grid.home(r, c)
    for cc in range(c + 1, grid.width):
        if grid.home(r, cc) == home:
            continue
        hr, hc = grid.home(r, cc)
        v = grid.raw(r, cc)
        if v is None:
            continue
        if grid.label(r, cc) in stop:
            return None
        return Cell(hr, hc, parse(v))
    return None


def _value_below(grid: Grid, r: int, c: int, stop: set[str]) -> Cell | None:
    r0, _ = grid.home(r, c)
    r1 = grid.span.get(grid.home(r, c), (r0, c))[0]
    for rr in range(r1 + 1, min(r1 + 3, grid.height)):
        v = grid.raw(rr, c)
        if v is None:
            continue
        if grid.label(rr, c) in stop:
            return None
        hr, hc = grid.home(rr, c)
        return Cell(hr, hc, parse(v))
    return None


def _find_labelled(grid: Grid, rows: range, aliases: _Aliases, stop: set[str], below: bool) -> dict[str, Cell]:
    """key -> value cell for labels in `rows` (value right of the label, or below it for column headings)."""
    found: dict[str, Cell] = {}
    for r in rows:
        for c in range(grid.width):
            if grid.is_follower(r, c):
                continue
            label = grid.label(r, c)
            if not label:
                continue
            key = aliases.match(label)
            if key is None:
                head, sep, rest = label.partition(":")  # '项目名称:xxx' in one cell
                key = aliases.match(head) if sep and rest else None
                if key and key not in found:
                    found[key] = Cell(r, c, parse(str(grid.raw(r, c)).split(":", 1)[-1].split("：", 1)[-1]))
                continue
            if key in found:
                continue
            value = _value_right(grid, r, c, stop) or (_value_below(grid, r, c, stop) if below else None)
            if value is not None:
                found[key] = value
    return found


def _row_texts(grid: Grid, r: int, upto: int) -> list[str]:
    return [grid.label(r, c) for c in range(min(upto, grid.width)) if grid.label(r, c)]


def _amount_unit(grid: Grid, rows: range, cols: range) -> str:
    for r in rows:
        for c in cols:
            m = _UNIT_IN_LABEL.search(grid.label(r, c))
            if m:
                return m.group(1)
    return "万元"


def find_forms(grid: Grid, profile: Profile) -> list[Form]:
    """Every form of `profile` laid out on this sheet, top to bottom."""
    pl = _labels_for(profile)
    ind_headers = _header_rows(grid, pl.indicator_cols, 4, ("level3", "target"))
    bud_headers = _header_rows(grid, pl.budget_cols, 3, ("budget", "executed"))
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


def read_budget(grid: Grid, pl: "_ProfileLabels", form: Form, br: int, bcols: dict[str, int], start: int, stop: int) -> None:
    """The budget block under header row `br` (lines found by their labels, down to row `stop`) into `form`."""
    form.budget_header_row = br
    first_value_col = min(bcols.values())
    form.amount_unit = _amount_unit(grid, range(max(start, br - 2), min(br + 7, stop)), range(0, grid.width))
    seen = set()
    for r in range(br + 1, stop):
        key = next((k for t in _row_texts(grid, r, first_value_col) if (k := pl.lines.match(t))), None)
        if key is None or key in seen:
            continue
        seen.add(key)
        cells = {k: cell_at(grid, r, c) for k, c in bcols.items()}
        if "reason" in bcols:  # one reason cell merged over all lines belongs to the total line
            cells["reason"] = Cell(*grid.home(r, bcols["reason"]), parse(grid.raw(r, bcols["reason"])))
        label = next((t for t in _row_texts(grid, r, first_value_col) if pl.lines.match(t) == key), key)
        form.budget.append(BudgetLine(key=key, label=label, row=r, cells=cells))
    form.budget.sort(key=lambda b: (b.key != "total", b.row))


def framework_budget(grid: Grid, profile: Profile, stop: int) -> Form | None:
    """The budget block above a framework's table (五华: 年初预算数 | 实际到位数 | 实际支出数 | 执行率), if any."""
    if not profile.budget.columns:
        return None
    pl = _labels_for(profile)
    headers = [(r, cols) for r, cols in _header_rows(grid, pl.budget_cols, 3, ("budget", "executed")) if r < stop]
    if not headers:
        return None
    form = Form(sheet=grid.name, profile_id=profile.id, first_row=0)
    br, bcols = headers[0]
    read_budget(grid, pl, form, br, bcols, 0, stop)
    return form if form.budget else None


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
        texts = _row_texts(grid, r, grid.width)
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
            m = _WEIGHT_IN_LABEL.search(norm_label(l1))
            if m:
                hr, hc = grid.home(r, c1)
                form.level1_weights[_strip_weight(l1)] = Cell(hr, hc, parse(m.group(1)))
        l2 = _level_text(grid, r, c2)
        if l2:
            level2 = l2
        form.indicators.append(Indicator(row=r, level1=_strip_weight(level1), level2=_strip_weight(level2), cells=cells))
    # --- header fields, narrative, grade --------------------------------------------------------------------------
    stop = {a for v in (*pl.fields.keys.values(), *pl.narrative.keys.values()) for a in v}
    form.fields = _find_labelled(grid, range(start, head_top), pl.fields, stop, below=False)
    form.narrative = _find_labelled(grid, range(start, end), pl.narrative, stop, below=True)
    after = range((form.total_row or ir) + 1, end)
    for r in after:
        for c in range(grid.width):
            if grid.label(r, c) in pl.grade and not grid.is_follower(r, c):
                form.grade = _value_right(grid, r, c, stop) or Cell(r, c, parse(None))
                break
        if form.grade.row is not None:
            break
    return form


def _level_text(grid: Grid, r: int, c: int | None) -> str:
    if c is None:
        return ""
    v = grid.raw(r, c)
    return str(v).strip().replace("\n", "") if isinstance(v, str) and v.strip() else ""


def _strip_weight(label: str) -> str:
    return _WEIGHT_IN_LABEL.sub("", norm_label(label))


def read_forms(path, profile: Profile | None = None) -> list[Form]:
    """Every form in the workbook at `path` (sheets in order); `profile` forces one, else each sheet's is detected."""
    grids = open_workbook(path)
    return forms_in(grids, profile)


def forms_in(grids: list[Grid], profile: Profile | None = None) -> list:
    """Every project form and framework table in the workbook, sheet by sheet; questionnaires join the first
    framework of their profile."""
    from .table import read_data_items, read_framework, read_questionnaire

    candidates = list(shipped_profiles().values())
    out: list = []
    for grid in grids:
        chosen = profile or detect_profile(grid, candidates)
        if chosen is None:
            continue
        if chosen.kind == "framework":
            fw = read_framework(grid, chosen)
            if fw is not None and fw.roots:
                fw.budget = framework_budget(grid, chosen, fw.header_row)
                out.append(fw)
        else:
            out.extend(find_forms(grid, chosen))
    frameworks = [f for f in out if isinstance(f, Framework)]
    if frameworks:
        fw = frameworks[0]
        p = shipped_profiles().get(fw.profile_id) if profile is None else profile
        for grid in grids:
            q = read_questionnaire(grid, p) if p is not None else None
            if q is not None and q.questions:
                fw.questionnaires.append(q)
            fw.data.update(read_data_items(grid))
    return out
