"""Totals and grades a framework states outside its grid: in labelled cells under or beside the table
('综合评分 | 92 | 评价等级 | 良', '总分' over '95.5', '自评得分：95.5分'), in sentences under it
('综合评分为92分，评价等级为“良”'), and as a ticked 评价等次 row ('优☑ 良□ 中□ 差□').

A labelled cell's value stands right of its label on the same row, or in the row below it; the labels are the
profile's (`total.stated`, `grade.label`). A sentence in a cell already read as a labelled value is not read again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..model import Cell, Summary
from ..profile import Profile
from ..values import GRADE_WORDS, norm_label, parse
from .workbook import Grid

TOTAL_LINE = re.compile(r"(?:综合评分|综合得分|评价总分|总体得分|总得分|总分|合计得分|指标得分|自评得分)"
                        r"[为是:：]?\s*(\d+(?:\.\d+)?)\s*分")
GRADE_LINE = re.compile(r"(?:评价等级|评价等次|绩效等级|等级|等次)[为是:：]?\s*[“\"'「]?"
                        r"(优秀|良好|中等|合格|较差|优|良|中|差)")
TICKS = ("√", "✓", "✔", "☑", "■", "●")
_QUOTES = "“”\"'「」『』"
_GRADE_WORD = "(优秀|良好|中等|合格|较差|优|良|中|差)"


@dataclass(frozen=True)
class StatedLabels:
    """A profile's labels of a stated total and grade, normalised, and the one-cell forms they take."""

    total: frozenset[str]
    grade: frozenset[str]
    total_in_cell: re.Pattern  # '自评得分:95.5分'
    grade_in_cell: re.Pattern  # '评价等级:良'
    full_marks: Decimal  # the table's total weight: '总分 | 100 | 自评得分 | 95.5' states it beside the score

    @classmethod
    def of(cls, profile: Profile) -> StatedLabels:
        total = frozenset(norm_label(x) for x in profile.stated_total_labels)
        grade = frozenset(norm_label(x) for x in profile.grade_labels)

        def alternatives(labels):
            return "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True)) or "(?!)"

        return cls(total, grade,
                   re.compile(rf"^(?:{alternatives(total)}):(\d+(?:\.\d+)?)分?$"),
                   re.compile(rf"^(?:{alternatives(grade)}):[{_QUOTES}]?{_GRADE_WORD}[{_QUOTES}]?$"),
                   profile.total_weight)

    def kind(self, label: str) -> str | None:
        """'total' or 'grade' for a label cell ('综合评分', '评价等级：'), else None."""
        key = label.rstrip(":")
        return "total" if key in self.total else "grade" if key in self.grade else None

    def ends_table(self, label: str) -> bool:
        """Whether a row starting with this text is below the table, not an indicator."""
        return self.kind(label) is not None or bool(self.total_in_cell.match(label) or self.grade_in_cell.match(label))


def _grade_word(raw) -> str | None:
    return GRADE_WORDS.get(norm_label(raw).strip(_QUOTES)) if isinstance(raw, str) else None


def _total_value(raw) -> Decimal | None:
    p = parse(raw)
    return p.number if p.number is not None and p.unit in ("", "分") else None


def _value_of(kind: str, raw):
    return _total_value(raw) if kind == "total" else _grade_word(raw)


def _beside(grid: Grid, r: int, c: int, kind: str) -> tuple[Cell, object] | None:
    """The value of a label at (r, c): the filled cell right of it on its row — of several numbers in a row
    ('总分 | 100 | 95.5': 满分, then the score) the last —, else the cell under it."""
    home = grid.home(r, c)
    found, seen = None, {home}
    for cc in range(c + 1, grid.width):
        if grid.home(r, cc) in seen or grid.raw(r, cc) is None:
            continue
        seen.add(grid.home(r, cc))
        value = _value_of(kind, grid.raw(r, cc))
        if value is None:
            break
        found = Cell(*grid.home(r, cc), parse(grid.raw(r, cc))), value
        if kind == "grade":
            break
    if found is not None:
        return found
    below = grid.span.get(home, home)[0] + 1
    if below < grid.height and grid.home(below, c) != home:
        value = _value_of(kind, grid.raw(below, c))
        if value is not None:
            return Cell(*grid.home(below, c), parse(grid.raw(below, c))), value
    return None


def stated_cells(grid: Grid, labels: StatedLabels, start: int, beside: tuple[int, int]) -> list[Summary]:
    """Totals and grades in labelled cells: in every column from row `start` down (under the table), and right of
    column beside[1] from row beside[0] to `start` (beside it)."""
    out: list[Summary] = []
    first, right = beside
    for r in range(first, grid.height):
        for c in range(right + 1 if r < start else 0, grid.width):
            if grid.is_follower(r, c) or not isinstance(grid.raw(r, c), str):
                continue
            text = grid.label(r, c)
            kind = labels.kind(text)
            if kind is not None:
                found = _beside(grid, r, c, kind)
                if found is not None:
                    out.append(Summary(kind, found[0], found[1], label=text.rstrip(":")))
                continue
            if m := labels.total_in_cell.match(text):
                out.append(Summary("total", Cell(r, c, parse(grid.raw(r, c))), Decimal(m.group(1)),
                                   label=text.split(":")[0]))
            elif m := labels.grade_in_cell.match(text):
                out.append(Summary("grade", Cell(r, c, parse(grid.raw(r, c))), GRADE_WORDS[m.group(1)],
                                   label=text.split(":")[0]))
    return _without_full_marks(out, labels.full_marks)


def _without_full_marks(found: list[Summary], full_marks: Decimal) -> list[Summary]:
    """Of two totals stated on one row ('总分 | 100 | 自评得分 | 95.5'), the full marks are not a score."""
    rows: dict[int, list[Summary]] = {}
    for s in found:
        if s.kind == "total":
            rows.setdefault(s.cell.row, []).append(s)
    drop = {id(s) for same in rows.values() if len(same) > 1 for s in same if s.value == full_marks}
    return [s for s in found if id(s) not in drop]


def sentences(grid: Grid, start: int, skip: set[tuple[int, int]]) -> tuple[list[Summary], Cell | None]:
    """Totals and grades stated in text below the table (cells in `skip` aside), and a ticked 评价等次 row."""
    out: list[Summary] = []
    ticked = None
    for r in range(start, grid.height):
        seen = set()
        for c in range(grid.width):
            v = grid.raw(r, c)
            if not isinstance(v, str) or grid.is_follower(r, c) or v in seen or (r, c) in skip:
                continue  # a sentence repeated across the cells of an unmerged row is one sentence
            seen.add(v)
            text = norm_label(v)
            cell = Cell(r, c, parse(v))
            total = TOTAL_LINE.search(text)
            if total:
                out.append(Summary("total", cell, Decimal(total.group(1))))
            if m := GRADE_LINE.search(text):
                grade = GRADE_WORDS[m.group(1)]
                out.append(Summary("grade", cell, grade, Decimal(total.group(1)) if total else None))
            elif any(t in text for t in TICKS) and ticked is None:
                ticks = "".join(TICKS)
                # '优☑ 良□' puts the box after its label; '☑优 □良' before it: try label-then-box first
                m = re.search(f"(优|良|中|差)[{ticks}]", text) or re.search(f"[{ticks}](优|良|中|差)", text)
                if m:
                    ticked = Cell(r, c, parse(m.group(1)))
    return out, ticked
