"""Label matching that every reader shares: a profile's labels and aliases normalised once, and the cells a label
names (the value right of it, or below a column heading), merged cells resolved."""

from __future__ import annotations

import re

from ..model import Cell
from ..profile import Profile
from ..values import norm_label, parse
from .workbook import Grid

_ENUM_PREFIX = re.compile(r"^(其中[:：]?|[0-9]+[.、]|\([0-9一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")
_PAREN_SUFFIX = re.compile(r"\([^()]*\)$")
WEIGHT_IN_LABEL = re.compile(r"\((\d+(?:\.\d+)?)分\)")


_MONTHS = re.compile(r"(1[-—–~～至到])(\d{1,2})(月)|(截至|截止)(\d{1,2})(月)")


def month_free(label: str) -> str:
    """A label with its month number written as N: '1-7月执行数' and '1—7月执行数' -> '1-N月执行数', '截至8月底' ->
    '截至N月底' (a monitoring form's headers name the month reached; a profile names them with N)."""
    return _MONTHS.sub(lambda m: "1-N月" if m.group(1) else "截至N月", label)


def month_of(label: str) -> int | None:
    """The month a monitoring header names: '1—8月执行数' -> 8, '截至8月底' -> 8; None when it names none."""
    m = _MONTHS.search(label)
    return int(m.group(2) or m.group(5)) if m else None


def core_label(label: str) -> str:
    """A row label without '其中:', numbering or a trailing '(…)': '其中:财政资金' -> '财政资金'."""
    label = _ENUM_PREFIX.sub("", label).rstrip(":")
    return _PAREN_SUFFIX.sub("", label) or label


def strip_weight(label: str) -> str:
    """'产出指标(50分)' -> '产出指标'."""
    return WEIGHT_IN_LABEL.sub("", norm_label(label))


class Aliases:
    """Normalised label aliases per key, with the official one first; lookups are memoised."""

    def __init__(self, keys: dict[str, tuple[str, ...]]):
        self.keys = keys
        self._exact = {a: k for k, aliases in reversed(keys.items()) for a in reversed(aliases)}
        self._core = {core_label(a): k for k, aliases in reversed(keys.items()) for a in reversed(aliases)}
        self._memo: dict[str, str | None] = {}

    @classmethod
    def of(cls, mapping: dict[str, tuple[str, ...]]) -> Aliases:
        return cls({k: tuple(norm_label(a) for a in v) for k, v in mapping.items()})

    def match(self, label: str) -> str | None:
        """The key this label names: exactly, or once '其中:', numbering and a trailing '(…)' are set aside."""
        if not label or len(label) > 40:  # labels are short; long text is content (and not worth memoising)
            return None
        if label not in self._memo:
            key = self._exact.get(label)
            if key is None:
                key = self._core.get(core_label(label))
            if key is None and "月" in label:
                free = month_free(label)
                key = self._exact.get(free) or self._core.get(core_label(free))
            self._memo[label] = key
        return self._memo[label]

    def all(self) -> set[str]:
        """Every alias of every key."""
        return {a for v in self.keys.values() for a in v}


class ProfileLabels:
    """Everything the readers match for one profile, normalised once."""

    def __init__(self, profile: Profile):
        self.profile = profile
        budget = profile.budget.columns if profile.budget else {}
        self.budget_cols = Aliases.of(budget)
        self.indicator_cols = Aliases.of(profile.indicators.columns if profile.indicators else {})
        self.table_cols = Aliases.of(profile.table.columns if profile.table else {})
        lines = {"total": profile.budget.total, **profile.budget.lines} if profile.budget else {}
        self.lines = Aliases.of(lines)
        self.total = {norm_label(x) for x in profile.total_labels}
        self.grade = {norm_label(x) for x in profile.grade_labels}
        self.fields = Aliases.of(profile.fields)
        self.narrative = Aliases.of(profile.narrative)
        blocks = profile.detection.columns
        self.official = {norm_label(v[0]) for b in blocks for v in b.values()}
        self.any_alias = {norm_label(a) for b in blocks for v in b.values() for a in v}
        self.signature = tuple(norm_label(x) for x in profile.signature)
        self.titles = tuple(norm_label(x) for x in profile.titles)
        # a sheet can only follow this profile if it carries a header of each of these groups
        self.required = tuple({norm_label(a) for a in profile.detection.aliases_of(keys)}
                              for keys in profile.detection.required)


_CACHE: dict[int, tuple[Profile, ProfileLabels]] = {}


def labels_for(profile: Profile) -> ProfileLabels:
    """The profile's labels, normalised once per profile object."""
    hit = _CACHE.get(id(profile))
    if hit is None or hit[0] is not profile:
        hit = _CACHE[id(profile)] = (profile, ProfileLabels(profile))
    return hit[1]


def cell_at(grid: Grid, r: int, c: int) -> Cell:
    """The value at (r, c) as stated; a vertical merge from a row above counts as blank here."""
    hr, hc = grid.home(r, c)
    if hr != r:
        return Cell(r, c, parse(None))
    return Cell(hr, hc, parse(grid.raw(hr, hc)))


def value_right(grid: Grid, r: int, c: int, stop: set[str]) -> Cell | None:
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


def value_below(grid: Grid, r: int, c: int, stop: set[str]) -> Cell | None:
    """The first non-blank cell in the two rows under the label at (r, c) (a column heading's value)."""
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


def find_labelled(grid: Grid, rows: range, aliases: Aliases, stop: set[str], below: bool) -> dict[str, Cell]:
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
            value = value_right(grid, r, c, stop) or (value_below(grid, r, c, stop) if below else None)
            if value is not None:
                found[key] = value
    return found


def row_texts(grid: Grid, r: int, upto: int) -> list[str]:
    """The labels of row r, left to right, in the first `upto` columns."""
    return [grid.label(r, c) for c in range(min(upto, grid.width)) if grid.label(r, c)]
