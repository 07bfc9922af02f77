"""The 项目支出绩效目标申报表 as a template that checks itself (xlsxwriter only).

    tmap = write_declaration_template(get_profile("national.declaration"), "申报表.xlsx", year=2024, fill=None)

Laid out as the central export (DOMAIN.md §1.8): title and （    年度）; 项目名称; 主管部门及代码 | 实施单位;
项目属性 | 项目周期; 项目资金（万元） with one column pair per half (中期资金总额： | n | 年度资金总额： | n, the 其中
lines under each); 总体目标 | 中期目标 | 年度目标 over their texts; 绩效指标 | 一级指标 | then 二级指标 | 三级指标 |
指标值 for each half (`layout.halves`: [medium, annual], or [annual] for the provincial one-half form; `layout.half`:
the columns of a half). Each 资金总额 is a live SUM of its lines with its cached value. Inputs are yellow and
unlocked, the sheet is protected without a password, and a cell turns red where a 资金总额 is not the sum of its
lines (D05), where a 年度 amount exceeds its 中期 amount (D06), or where a 三级 indicator has no 指标值 (D03).

`fill` pre-fills inputs (every key optional):

    {"fields":     {"project": .., "department": .., "unit": .., "year": .., "attribute": .., "period": ..},
     "goals":      {"medium": .., "annual": ..},
     "funds":      {"medium": {"fiscal": .., "carryover": .., "other": ..}, "annual": {...}},  # profile lines
     "indicators": [{"level1": .., "medium": {"level2", "level3", "target"}, "annual": {...}}, ...]}

Indicators, when given, replace the profile's `template_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..a1 import a1, make_absolute
from ..excelmath import ZERO
from ..messages import TEMPLATE
from ..model_declaration import HALF_NAMES
from ..profile import Profile
from .registry import TemplateWriter, register
from .printing import grow_rows
from .sheet import INPUT, KINDS, SheetWriter, input_value, template_year, year_formula, year_text, year_validation
from .template import runs_of

SHEET = "绩效目标申报表"
AMOUNT_TOL = "0.005"

_KINDS = {
    **KINDS,
    "left": {"align": "left"},
    "in_amount": {"align": "right", "num_format": "#,##0.00", **INPUT},
    "amount": {"align": "right", "num_format": "#,##0.00"},
}


@dataclass
class DeclarationMap:
    """Where everything sits on a written 申报表 template (A1 references) and what each formula cell holds."""

    profile_id: str
    sheet: str = SHEET
    title: str = "A2"  # the year line, a formula reading the 年度 input
    fields: dict[str, str] = field(default_factory=dict)  # 'project' -> 'C3', 'year' -> the 年度 input
    funds: dict[str, dict[str, str]] = field(default_factory=dict)  # half -> 'total' | line key -> A1
    goals: dict[str, str] = field(default_factory=dict)  # half -> A1
    indicators: list[dict[str, str]] = field(default_factory=list)  # per row: 'level1', '<half>.<column>' -> A1
    inputs: list[str] = field(default_factory=list)  # every yellow input cell (top-left when merged)
    computed: dict[str, object] = field(default_factory=dict)  # formula cell -> the Python value ('' = blank)
    last_row: int = 0  # 1-based last printed row


def write_declaration_template(profile: Profile, path: str | Path, *, year: int | str | None = None,
                               fill: dict | None = None) -> DeclarationMap:
    """Write the profile's 申报表 to `path` (.xlsx) and return where everything is.

    Args:
        profile: a loaded declaration profile.
        path: the file to write (overwritten).
        year: the 年度 input, which the line under the title reads ("（2024年度）"): a four-digit year, or None to
            leave it blank ("（    年度）"); fill["fields"]["year"] is used when year is None.
        fill: optional input values, see the module docstring.
    Raises:
        UsageError: the year is not a four-digit year.
    """
    if profile.declaration is None:
        raise ValueError(f"profile {profile.id} is not a 申报表 profile")
    fill = fill or {}
    _check_fill(profile, fill)
    year = template_year(year if year not in (None, "") else (fill.get("fields") or {}).get("year"))
    return _Writer(profile, year, fill).write(Path(path))


def _check_fill(profile: Profile, fill: dict) -> None:
    """Refuse a fill with keys the form has no place for (a typo would otherwise leave a cell blank)."""
    spec, problems = profile.declaration, []
    halves = set(spec.layout_halves)
    extra = set(fill) - {"fields", "goals", "funds", "indicators"}
    if extra:
        problems.append(f"unknown keys {sorted(extra)}")
    if set(fill.get("fields") or {}) - set(profile.fields):
        problems.append(f"fields: unknown keys {sorted(set(fill['fields']) - set(profile.fields))}")
    if set(fill.get("goals") or {}) - halves:
        problems.append(f"goals: unknown halves {sorted(set(fill['goals']) - halves)}")
    for half, lines in (fill.get("funds") or {}).items():
        if half not in halves or set(lines or {}) - set(spec.lines):
            problems.append(f"funds.{half}: expected a half of {sorted(halves)} with lines {sorted(spec.lines)}")
    for i, row in enumerate(fill.get("indicators") or []):
        if set(row) - {"level1"} - halves or any(set(row.get(h) or {}) - set(spec.layout_half) for h in halves):
            problems.append(f"indicators[{i}]: expected level1 and halves {sorted(halves)} with {spec.layout_half}")
    if problems:
        raise ValueError(f"fill does not fit profile {profile.id}: " + "; ".join(problems))


class _Writer(SheetWriter):
    """Lays out one 申报表; methods write one part each and return the next free row (0-based)."""

    KINDS = _KINDS

    def __init__(self, profile: Profile, year, fill: dict):
        self.map = DeclarationMap(profile.id)
        super().__init__(profile, self.map)
        self.spec = profile.declaration
        self.year, self.fill = year, fill
        self.halves, self.half = self.spec.layout_halves, self.spec.layout_half
        self.ncols = 2 + len(self.halves) * len(self.half)
        self.widths = list(self.spec.widths) or [10.0, 12.0] + [14.0, 26.0, 16.0] * len(self.halves)
        self._heights: dict[int, float] = {}

    # -- geometry -------------------------------------------------------------------------------------------------
    def col(self, i: int, key: str) -> int:
        """The column of `key` in half i."""
        return 2 + i * len(self.half) + self.half.index(key)

    def block(self, i: int) -> tuple[int, int]:
        """The columns of half i in the blocks above the table (the first half also spans the 一级 column)."""
        first = 2 + i * len(self.half)
        return (1 if i == 0 else first), first + len(self.half) - 1

    def segments(self) -> list[tuple[int, int]]:
        """Four runs of columns for the header fields: label (A:B) | value | label | value, the rest shared so that
        the values are the wider ones."""
        rest = self.ncols - 2
        n, extra = divmod(rest, 3)
        widths = (n + (extra >= 1), n, n + (extra >= 2))
        out, c = [(0, 1)], 2
        for w in widths:
            out.append((c, c + w - 1))
            c += w
        return out

    def wrote_text(self, r: int, c1: int, c2: int, text: str, r2: int | None = None) -> None:
        grow_rows(self._heights, self.widths, r, r if r2 is None else r2, c1, c2, text)

    # -- the sheet ------------------------------------------------------------------------------------------------
    def write(self, path: Path) -> DeclarationMap:
        self.open(path)
        self.ws = self.wb.add_worksheet(SHEET)
        r = self.head()
        r = self.funds(r)
        r = self.goals(r)
        self.table = (r, r)
        r = self.indicators(r)
        self.table += (r - 1,)
        self.finish(r - 1)
        self.wb.close()
        return self.map

    def head(self) -> int:
        """Title, （    年度） (a formula reading the 年度 input), 项目名称 | 年度, then the other header fields two by
        two."""
        p, ws, last = self.p, self.ws, self.ncols - 1
        self.put(ws, 0, 0, p.title, "title", c2=last)
        self._heights[0] = 32
        given = self.fill.get("fields") or {}
        keys = [k for k in p.fields if k != "year"]
        seg = self.segments()
        r = 2
        if "project" in keys:
            keys.remove("project")
            self.put(ws, r, 0, p.fields["project"][0], c2=seg[0][1])
            self.map.fields["project"] = self.put(ws, r, seg[1][0], given.get("project"), "in_text", c2=seg[1][1])
        self.put(ws, r, seg[2][0], (p.fields.get("year") or ("年度",))[0], c2=seg[2][1])
        year = self.map.fields["year"] = self.put(ws, r, seg[3][0], self.year, "in_center", c2=seg[3][1])
        year_validation(ws, r, seg[3][0])
        self.map.title = self.calc(ws, 1, 0, year_formula(p.year_label, year), year_text(p.year_label, self.year),
                                   "year", c2=last)
        r += 1
        for i in range(0, len(keys), 2):
            pair = keys[i:i + 2]
            for j, key in enumerate(pair):
                (l1, l2), (v1, v2) = seg[2 * j], seg[2 * j + 1]
                self.put(ws, r, l1, p.fields[key][0], c2=l2)
                self.map.fields[key] = self.put(ws, r, v1, given.get(key), "in_text",
                                                c2=last if len(pair) == 1 else v2)
            r += 1
        return r

    def funds(self, r: int) -> int:
        """项目资金（万元）: per half its 资金总额 (SUM of the lines below it) and the 其中 lines (inputs)."""
        spec, ws = self.spec, self.ws
        lines = list(spec.lines)
        last = r + len(lines)
        self.put(ws, r, 0, spec.funds_section, r2=last)
        given = self.fill.get("funds") or {}
        self.totals: dict[str, Decimal] = {}
        for i, half in enumerate(self.halves):
            c1, c2 = self.block(i)
            values = {k: input_value((given.get(half) or {}).get(k)) for k in lines}
            refs = {}
            for j, key in enumerate(lines):
                label = ("其中：" if j == 0 else "") + spec.lines[key][0]
                self.put(ws, r + 1 + j, c1, label, "left", c2=c2 - 1)
                refs[key] = self.put(ws, r + 1 + j, c2, values[key], "in_amount")
            total = sum((v for v in values.values() if isinstance(v, Decimal)), ZERO)
            self.totals[half] = total
            self.put(ws, r, c1, spec.totals[half][0] + "：", "left", c2=c2 - 1)
            rng = f"{a1(r + 1, c2)}:{a1(last, c2)}"
            refs["total"] = self.calc(ws, r, c2, f"SUM({rng})", total, "amount")
            self.red(ws, r, c2, r, c2, f"ABS(N({refs['total']})-SUM({rng}))>{AMOUNT_TOL}")
            ws.data_validation(r + 1, c2, last, c2, {
                "validate": "decimal", "criteria": ">=", "value": 0, "input_title": "金额（万元）",
                "input_message": TEMPLATE["amount.prompt"], "error_title": "金额有误",
                "error_message": TEMPLATE["amount.error"]})
            self.map.funds[half] = refs
        if {"medium", "annual"} <= set(self.map.funds):  # D06: a 年度 amount above its 中期 amount
            col = self.block(self.halves.index("annual"))[1]
            rows = {"total": r, **{key: r + 1 + j for j, key in enumerate(lines)}}
            for key in spec.within_medium:
                m, a = make_absolute(self.map.funds["medium"][key]), self.map.funds["annual"][key]
                self.red(ws, rows[key], col, rows[key], col, f"AND(N({m})>0,N({a})>N({m})+{AMOUNT_TOL})")
        return last + 1

    def goals(self, r: int) -> int:
        """总体目标 | 中期目标 | 年度目标, the texts under them."""
        spec, ws = self.spec, self.ws
        halves = [(i, h) for i, h in enumerate(self.halves) if h in spec.goals]
        if not halves:
            return r
        self.put(ws, r, 0, spec.goals_section, r2=r + 1)
        given = self.fill.get("goals") or {}
        for i, half in halves:
            c1, c2 = self.block(i)
            self.put(ws, r, c1, spec.goals[half][0], c2=c2)
            self.map.goals[half] = self.put(ws, r + 1, c1, given.get(half), "in_text", c2=c2)
        self._heights[r + 1] = max(self._heights.get(r + 1, 0), 60)
        return r + 2

    def rows(self) -> list[dict]:
        given = self.fill.get("indicators")
        if given:
            return [dict(row) for row in given]
        return [{"level1": l1, **{h: {"level2": l2} for h in self.halves}} for l1, l2 in self.spec.template_rows]

    def indicators(self, r: int) -> int:
        """绩效指标: the header, then one row per indicator (一级 and 二级 merged over equal neighbours)."""
        spec, ws = self.spec, self.ws
        rows = self.rows()
        first, last = r + 1, r + len(rows)
        self.put(ws, r, 0, spec.section, r2=last)
        self.put(ws, r, 1, spec.columns["level1"][0])
        for i, _ in enumerate(self.halves):
            for key in self.half:
                self.put(ws, r, self.col(i, key), spec.columns[key][0])
        for s, e, name in runs_of([row.get("level1") or "" for row in rows]):
            self.put(ws, first + s, 1, name or None, "in_center", r2=first + e)
        refs = [{"level1": a1(first + k, 1)} for k in range(len(rows))]
        for i, half in enumerate(self.halves):
            cells = [row.get(half) or {} for row in rows]
            if "level2" in self.half:
                keys = [(row.get("level1") or "", c.get("level2") or "") for row, c in zip(rows, cells)]
                for s, e, (_, name) in runs_of(keys):
                    self.put(ws, first + s, self.col(i, "level2"), name or None, "in_center", r2=first + e)
            for k, c in enumerate(cells):
                for key in self.half:
                    ref = a1(first + k, self.col(i, key))
                    if key != "level2":
                        kind = "in_text" if key == "level3" else "in_center"
                        ref = self.put(ws, first + k, self.col(i, key), input_value(c.get(key)), kind)
                    refs[k][f"{half}.{key}"] = ref
                self._heights[first + k] = max(self._heights.get(first + k, 0), 24)
            self.validation(first, last, i)
            name, target = a1(first, self.col(i, "level3")), a1(first, self.col(i, "target"))
            tc = self.col(i, "target")
            self.red(ws, first, tc, last, tc, f"AND(LEN(TRIM({name}))>0,LEN(TRIM({target}))=0)")
        self.map.indicators = refs
        return last + 1

    def validation(self, first: int, last: int, i: int) -> None:
        """Lists of the usual 一级/二级 (a warning only), and what a 三级 and its 指标值 should say."""
        spec, dv = self.spec, self.ws.data_validation
        if i == 0 and spec.levels:
            dv(first, 1, last, 1, {"validate": "list", "source": list(spec.levels), "error_type": "warning",
                                   "error_title": "一级指标", "error_message": TEMPLATE["level1.unusual"]})
        if "level2" in self.half and spec.levels:
            c = self.col(i, "level2")
            dv(first, c, last, c, {"validate": "list", "error_type": "warning", "error_title": "二级指标",
                                   "source": list(dict.fromkeys(x for xs in spec.levels.values() for x in xs)),
                                   "error_message": TEMPLATE["level2.unusual"]})
        for key, prompt in (("level3", "declaration.level3.prompt"), ("target", "declaration.target.prompt")):
            c = self.col(i, key)
            title = HALF_NAMES[self.halves[i]] + spec.columns[key][0]
            dv(first, c, last, c, {"validate": "any", "input_title": title, "input_message": TEMPLATE[prompt]})

    def finish(self, last: int) -> None:
        """Column widths, row heights, print setup, protection."""
        ws = self.ws
        for c, w in enumerate(self.widths):
            ws.set_column(c, c, w)
        head = self.table[0]  # pages never break between the head and the funds, nor under the table's header
        self.print_setup(ws, self._heights, last, self.ncols - 1, self.widths, table=self.table,
                         keep=[(0, head - 1), (head, head + 1)])
        ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True, "insert_rows": True})
        self.map.last_row = last + 1


register("declaration", TemplateWriter(write_declaration_template, SHEET))
