"""Templates of the official 绩效自评表 that compute and check themselves (xlsxwriter only).

    tmap = write_template(get_profile("sichuan.project_selfeval"), "form.xlsx", year=2023, fill=None)

The sheet is laid out like the official form of the profile (`profile.layout`: 10 columns A..J, block titles as a
full-width row (`section: row`, Sichuan) or as a tall cell at the left (`section: side`, national)). Every computed
cell is a live formula that carries its cached value, computed by the Python rules (`perfeval_xl.rules`) from the
same inputs, so viewers that never recalculate still show the right numbers. Input cells are yellow and unlocked,
the sheet is protected without a password, and conditional formatting turns a cell red as soon as its value
disagrees with the rules (typed over a formula, score above its weight, weights not adding up, wrong grade, ...).

`fill` pre-fills inputs (every key optional):

    {"fields":     {"project": .., "department": .., "unit": .., "year": .., "leader": .., "finance": ..},
     "narrative":  {"goal": .., "goal_done": .., "content": .., "conclusion": .., "problems": .., "measures": ..},
     "budget":     {"fiscal": {"initial": .., "budget": .., "executed": ..}, ...},   # keys of profile budget.lines
     "reason":     "..",                                                            # 原因 (when the form has it)
     "indicators": [{"level1", "level2", "level3", "nature", "target", "unit", "actual", "weight",
                     "score" (optional: written as a typed value over the formula), "reason"}, ...]}

Numbers may be int, float, Decimal or plain-number strings ("35.16"). Indicators, when given, replace the profile's
`template_rows`. On a form without a 指标性质 column (national) a sign given as `nature` is written in front of a
numeric target (≥ + 11 -> "≥11"); hidden helper columns read the sign and the number back from that text.

Regenerate the shipped blank templates (these and the framework templates of write/framework_template.py) with
`python -m perfeval_xl.write.templates [DIR]` (default `workbook_templates`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..a1 import a1, col_letter, make_absolute
from ..excelmath import ZERO, excel_round, half_unit
from ..messages import TEMPLATE
from ..profile import Profile
from ..rules import RULES, Qualitative
from .registry import TemplateWriter, register
from .printing import grow_rows
from .sheet import (INPUT, KINDS, SheetWriter, cached, input_value, lit, template_year, year_formula, year_text,
                    year_validation)

SHEET = "绩效自评表"
NCOLS = 10  # the official forms are ten columns wide, A..J
HELPER_COL = 11  # hidden helper columns start at L (K stays empty)
SIGNS = ("≥", "≤", "=", ">", "<")
DEFAULT_NATURE = "≥"  # a national target written without a sign is a 正向 target
PREFIXES = 9  # longest number prefix read from a target with a unit ("≥50个" -> 50)
AMOUNTS = ("initial", "budget", "executed")

# Wording that is not in the profiles: the fixed furniture of each official layout style.
FURNITURE = {
    "row": {"basic": "项目基本情况", "goals": "1.项目年度目标完成情况", "sub_prefix": "其中:", "sub_mark": "/",
            "signatures": (("leader", "项目负责人:"), ("finance", "财务负责人:"))},
    "side": {"goals": "年度总体目标", "sub_prefix": "其中：", "sub_mark": "", "signatures": ()},
}

_KINDS = {
    **KINDS,
    "section": {"align": "left", "bold": True},
    "in_amount": {"align": "right", "num_format": "#,##0.00", **INPUT},
    "amount": {"align": "right", "num_format": "#,##0.00"},
    "rate": {"align": "right", "num_format": "0.00%"},
}


def _digits_format(digits: int) -> str:
    return "0." + "0" * digits if digits > 0 else "0"


@dataclass
class TemplateMap:
    """Where everything sits on a written template (A1 references) and what each formula cell evaluates to."""

    profile_id: str
    sheet: str
    title: str = "A1"  # the title (the line that shows the year: A1 on the Sichuan form, A2 on the national one)
    fields: dict[str, str] = field(default_factory=dict)  # 'project' -> 'C2', 'year' -> 'J2' (the 年度 input)
    narrative: dict[str, str] = field(default_factory=dict)  # 'goal' -> 'B6'
    budget: dict[str, dict[str, str]] = field(default_factory=dict)  # 'total' | line key -> column key -> A1
    reason: str | None = None  # 原因 (merged over the budget lines)
    indicators: list[dict[str, str]] = field(default_factory=list)  # per row: column / helper key -> A1
    total_weight: str = ""
    total_score: str = ""
    grade: str = ""
    signatures: dict[str, str] = field(default_factory=dict)  # 'leader' -> 'A34'
    inputs: list[str] = field(default_factory=list)  # every yellow input cell (top-left when merged)
    computed: dict[str, object] = field(default_factory=dict)  # formula cell -> Python rules' value ('' = blank)
    last_row: int = 0  # 1-based last printed row


def write_template(profile: Profile, path: str | Path, *, year: int | str | None = None,
                   fill: dict | None = None) -> TemplateMap:
    """Write the profile's form to `path` (.xlsx) and return where everything is.

    Args:
        profile: a loaded profile (`get_profile(...)`).
        path: the file to write (overwritten).
        year: the 年度 input, which the title reads ("(2023年度)"): a four-digit year, or None to leave it blank
            ("(    年度)"); fill["fields"]["year"] is used when year is None.
        fill: optional input values, see the module docstring.
    Returns:
        TemplateMap with the A1 reference of every input and computed cell, and the computed values.
    Raises:
        UsageError: the year is not a four-digit year.
    """
    fill = fill or {}
    _check_fill(profile, fill)
    year = template_year(year if year not in (None, "") else (fill.get("fields") or {}).get("year"))
    return _Writer(profile, year, fill).write(Path(path))


_INDICATOR_KEYS = {"level1", "level2", "level3", "nature", "target", "unit", "actual", "weight", "score", "reason"}


def _check_fill(profile: Profile, fill: dict) -> None:
    """Refuse a fill with keys the form has no place for (a typo would otherwise silently leave a cell blank)."""
    problems = []
    extra = set(fill) - {"fields", "narrative", "budget", "reason", "indicators"}
    if extra:
        problems.append(f"unknown keys {sorted(extra)}")
    sigs = {key for key, _ in FURNITURE[profile.layout.section]["signatures"]}
    for part, known in (("fields", set(profile.fields) | sigs), ("narrative", set(profile.narrative)),
                        ("budget", set(profile.budget.lines))):
        extra = set(fill.get(part) or {}) - known
        if extra:
            problems.append(f"{part}: unknown keys {sorted(extra)}, expected some of {sorted(known)}")
    for key, line in (fill.get("budget") or {}).items():
        if set(line or {}) - set(AMOUNTS):
            problems.append(f"budget.{key}: unknown keys {sorted(set(line) - set(AMOUNTS))}, expected {AMOUNTS}")
    for i, row in enumerate(fill.get("indicators") or []):
        if set(row) - _INDICATOR_KEYS:
            problems.append(f"indicators[{i}]: unknown keys {sorted(set(row) - _INDICATOR_KEYS)}")
    if problems:
        raise ValueError(f"fill does not fit profile {profile.id}: " + "; ".join(problems))


# --- values as the sheet sees them ----------------------------------------------------------------------------

_VALUE = re.compile(r"\s*([+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%?)\s*",
                    re.ASCII)


def value_as_excel_reads(s: str) -> Decimal | None:
    """What VALUE() gives (Excel, LibreOffice) for the number texts a form holds: ' 95', '1,000', '95.5%', '1e3';
    None if not one. Dates and times ('1/2', '12:30'), which VALUE also reads, are not numbers here."""
    m = _VALUE.fullmatch(s)
    if not m:
        return None
    d = Decimal(m.group(1).replace(",", ""))
    return d / 100 if m.group(2) else d


# Characters after which a text is no number of ours, although VALUE may read it (as a date, a time, a currency, a
# negative in brackets): '2023-12-31前' is 45291 to Excel and LibreOffice, '9:00' is 0.375, '$5' is 5. The number
# text of a target or 完成值 stops before the first of them ('-' after the first character), which leaves the leading
# number of every other text as it is, and what VALUE sees no longer depends on the engine or its locale.
CUT_CHARS = ("#", "/", ":", "$", "(", "年", "月", "日")


def number_text(v: Decimal | str | None, strip_sign: bool) -> str:
    """Python twin of `number_text_formula`: the part of a text cell VALUE may read ('' for numbers and blanks)."""
    if v is None or isinstance(v, Decimal):
        return ""
    s = (v[1:] if v[:1] in SIGNS else v)[:99] if strip_sign else v
    cuts = [i for i, ch in enumerate(s) if ch in CUT_CHARS or (ch == "-" and i > 0)]
    return s[:cuts[0]] if cuts else s


def leading_number(v: Decimal | str | None, strip_sign: bool) -> Decimal | None:
    """Python twin of `num_formula` on `number_text`: the number a cell holds or starts with ('≥50个' -> 50)."""
    if v is None or isinstance(v, Decimal):
        return v
    s = number_text(v, strip_sign)
    for candidate in [s] + [s[:k] for k in range(PREFIXES, 0, -1)]:
        x = value_as_excel_reads(candidate)
        if x is not None:
            return x
    return None


# --- formula builders -----------------------------------------------------------------------------------------

def any_eq(ref: str, options) -> str:
    """ref equals one of the texts: `n="≥"` or `OR(n="≥",n=">")`."""
    parts = [f'{ref}="{o}"' for o in options]
    return parts[0] if len(parts) == 1 else f"OR({','.join(parts)})"


def num_formula(cell: str, text: str) -> str:
    """The number in `cell`: itself when numeric, else VALUE of `text` (its number text, `number_text_formula`) or
    of its longest numeric prefix, else ""."""
    chain = '""'
    for k in range(1, PREFIXES + 1):
        chain = f"IFERROR(VALUE(LEFT({text},{k})),{chain})"
    return f'IF(ISNUMBER({cell}),{cell},IF({cell}="","",IFERROR(VALUE({text}),{chain})))'


def number_text_formula(cell: str, text: str) -> str:
    """`text` (the content of `cell`, sign stripped) up to the first of CUT_CHARS; "" when `cell` is a number."""
    marked = text
    for ch in CUT_CHARS[1:]:
        marked = f'SUBSTITUTE({marked},"{ch}","#")'
    marked = f'LEFT({marked},1)&SUBSTITUTE(MID({marked},2,99),"-","#")'
    return f'IF(ISNUMBER({cell}),"",LEFT({text},FIND("#",{marked}&"#")-1))'


def _band_share(actual: str, bands, key: str) -> str:
    """The share (`low` or `high`) of the 定性 band the 完成值 text picks, in the order the qualitative rule uses."""
    out = "0"
    for band in reversed(Qualitative.ordered(bands)):
        share = lit(getattr(band, key))
        if not band.keywords:
            out = share
            continue
        hit = ",".join(f'ISNUMBER(SEARCH("{k}",{actual}))' for k in band.keywords)
        out = f"IF(OR({hit}),{share},{out})"
    return out


def _spans(layout: list) -> dict[str, tuple[int, int]]:
    """Layout [[key, span], ...] -> key -> (first column, last column), 0-based."""
    out, col = {}, 0
    for key, span in layout:
        out[key] = (col, col + span - 1)
        col += span
    if col != NCOLS:
        raise ValueError(f"layout spans {col} columns, expected {NCOLS}")
    return out


def runs_of(values: list) -> list[tuple[int, int, object]]:
    """Consecutive equal values -> (first index, last index, value)."""
    out: list[tuple[int, int, object]] = []
    for i, v in enumerate(values):
        if out and out[-1][2] == v:
            out[-1] = (out[-1][0], i, v)
        else:
            out.append((i, i, v))
    return out


# --- the writer -----------------------------------------------------------------------------------------------

class _Writer(SheetWriter):
    """Lays out one form; methods write one part each and return the next free row (0-based)."""

    KINDS = _KINDS

    def __init__(self, profile: Profile, year, fill: dict):
        self.map = TemplateMap(profile.id, SHEET)
        super().__init__(profile, self.map)
        self.year, self.fill = year, fill
        self.style = profile.layout.section
        self.furn = FURNITURE[self.style]
        self.widths = list(profile.layout.widths)
        self.bdigits = profile.budget.score_digits
        self.idigits = profile.indicators.score_digits
        self.tdigits = max(self.bdigits, self.idigits)
        self._heights: dict[int, float] = {}
        self.groups: dict[str, list[str]] = {}
        for nature, method in profile.indicators.methods.items():
            self.groups.setdefault(method, []).append(nature)

    # -- cells ------------------------------------------------------------------------------------------------
    def format_props(self, kind: str) -> dict:
        if kind == "exec_score":
            return {"align": "center", "num_format": _digits_format(self.bdigits)}
        if kind == "score":  # indicator score: formula, but unlocked (a 定性 score may be adjusted)
            return {"align": "center", "num_format": _digits_format(self.idigits), "locked": False}
        if kind == "total":
            return {"align": "center", "num_format": _digits_format(self.tdigits)}
        return self.KINDS[kind]

    def wrote_text(self, r: int, c1: int, c2: int, text: str, r2: int | None = None) -> None:
        grow_rows(self._heights, self.widths, r, r if r2 is None else r2, c1, c2, text)

    def field(self, key: str) -> str | None:
        return self.fill.get("fields", {}).get(key)

    def narr(self, r: int, c: int, key: str, c2: int, minimum: float) -> None:
        """A narrative input cell (goal, 评价结论, ...)."""
        self.map.narrative[key] = self.put(self.ws, r, c, self.fill.get("narrative", {}).get(key), "in_text", c2=c2)
        self._heights[r] = max(self._heights.get(r, 0), minimum)

    # -- the whole sheet --------------------------------------------------------------------------------------
    def write(self, path: Path) -> TemplateMap:
        self.open(path)
        self.ws = self.wb.add_worksheet(SHEET)
        # blocks a page never breaks in: the head, the budget block, an indicator header with its first row, the
        # total with its grade, the closing rows (merged cells never break either)
        top = self.head_row_style() if self.style == "row" else self.head_side_style()
        r = self.budget_block(top)
        self.keep = [(0, top - 1), (top, r - 1)]
        if self.style == "side":
            r = self.goals_side_style(r)
        start = r
        r = self.indicator_block(r)
        self.keep.append((start, self.ind_head + 1))
        self.keep.append((r, r + 1))
        r = self.totals(r)
        end = self.closing(r)
        self.keep.append((r, end - 1))  # 评价结论 … and the signatures
        r = end
        self.finish(r - 1)
        self.wb.close()
        return self.map

    def year_cells(self, r: int, label: tuple[int, int], cell: tuple[int, int]) -> str:
        """The 年度 label and its input (yellow, a whole number 1900–2099) in columns `label` and `cell` (first,
        last) of row r, as the field pair under them; returns the input's reference."""
        self.put(self.ws, r, label[0], (self.p.fields.get("year") or ("年度",))[0], c2=label[1])
        ref = self.map.fields["year"] = self.put(self.ws, r, cell[0], self.year, "in_center", c2=cell[1])
        year_validation(self.ws, r, cell[0])
        return ref

    def title(self, r: int, label: str, kind: str, year_ref: str) -> None:
        """The line that shows the year (A..J of row r): a formula reading the 年度 input."""
        self.map.title = self.calc(self.ws, r, 0, year_formula(label, year_ref), year_text(label, self.year), kind,
                                   c2=9)

    def head_row_style(self) -> int:
        """Sichuan export: title with year; 项目名称; 主管部门 | 实施单位; 项目基本情况 (goals, content)."""
        p, nar = self.p, self.p.narrative
        self.put(self.ws, 1, 0, p.fields["project"][0], c2=1)
        self.map.fields["project"] = self.put(self.ws, 1, 2, self.field("project"), "in_text", c2=4)
        year = self.year_cells(1, (5, 6), (7, 9))
        self.title(0, p.title + p.year_label, "title", year)
        self._heights[0] = 32
        self.put(self.ws, 2, 0, p.fields["department"][0], c2=1)
        self.map.fields["department"] = self.put(self.ws, 2, 2, self.field("department"), "in_text", c2=4)
        self.put(self.ws, 2, 5, p.fields["unit"][0], c2=6)
        self.map.fields["unit"] = self.put(self.ws, 2, 7, self.field("unit"), "in_text", c2=9)
        self.put(self.ws, 3, 0, self.furn["basic"], r2=6)
        self.put(self.ws, 3, 1, self.furn["goals"], c2=9)
        self.put(self.ws, 4, 1, nar["goal"][0], c2=4)
        self.put(self.ws, 4, 5, nar["goal_done"][0], c2=9)
        self.narr(5, 1, "goal", 4, 60)
        self.narr(5, 5, "goal_done", 9, 60)
        self.put(self.ws, 6, 1, nar["content"][0], c2=2)
        self.narr(6, 3, "content", 9, 45)
        return 7

    def head_side_style(self) -> int:
        """National form: title, （    年度）, 项目名称, 主管部门 | 实施单位."""
        p = self.p
        self.put(self.ws, 0, 0, p.title, "title", c2=9)
        self._heights[0] = 32
        self.put(self.ws, 2, 0, p.fields["project"][0], c2=1)
        self.map.fields["project"] = self.put(self.ws, 2, 2, self.field("project"), "in_text", c2=5)
        self.title(1, p.year_label, "year", self.year_cells(2, (6, 7), (8, 9)))
        self.put(self.ws, 3, 0, p.fields["department"][0], c2=1)
        self.map.fields["department"] = self.put(self.ws, 3, 2, self.field("department"), "in_text", c2=5)
        self.put(self.ws, 3, 6, p.fields["unit"][0], c2=7)
        self.map.fields["unit"] = self.put(self.ws, 3, 8, self.field("unit"), "in_text", c2=9)
        return 4

    def goals_side_style(self, r: int) -> int:
        """National form: 年度总体目标 | 预期目标 | 实际完成情况, then the two texts."""
        nar = self.p.narrative
        self.put(self.ws, r, 0, self.furn["goals"], r2=r + 1)
        self.put(self.ws, r, 1, nar["goal"][0], c2=5)
        self.put(self.ws, r, 6, nar["goal_done"][0], c2=9)
        self.narr(r + 1, 1, "goal", 5, 60)
        self.narr(r + 1, 6, "goal_done", 9, 60)
        return r + 2

    # -- 预算执行情况 / 项目资金 ------------------------------------------------------------------------------------
    def budget_block(self, r: int) -> int:
        """Header, 总额 line (SUM of the sub-lines, rate, weight, score), sub-lines (inputs, rate), 原因."""
        b, cols = self.p.budget, _spans(self.p.layout.budget)
        if self.style == "row":
            self.put(self.ws, r, 0, b.section, "section", c2=9)
            r += 1
        head = r
        for key, (c1, c2) in cols.items():
            if key != "side":
                self.put(self.ws, head, c1, b.corner if key == "corner" else b.columns[key][0], c2=c2)
        keys = ["total", *b.lines]
        labels = [b.total[0]] + [(self.furn["sub_prefix"] if i == 0 else "") + b.lines[k][0]
                                 for i, k in enumerate(b.lines)]
        first_sub, last = head + 2, head + len(keys)
        if "side" in cols:
            self.put(self.ws, head, cols["side"][0], b.section, r2=last, c2=cols["side"][1])
        given = self.fill.get("budget", {})
        amounts = {k: {c: input_value(given.get(k, {}).get(c)) for c in AMOUNTS} for k in b.lines}
        amounts["total"] = {c: sum((v[c] for v in amounts.values() if isinstance(v[c], Decimal)), ZERO)
                            for c in AMOUNTS}
        weight, mark = self.p.execution_weight, self.furn["sub_mark"]
        rate_rule, score_rule = RULES["execution_rate"], RULES["execution_score"]
        for i, (key, label) in enumerate(zip(keys, labels, strict=True)):
            row, refs, vals = head + 1 + i, {}, amounts[key]
            self.put(self.ws, row, cols["corner"][0], label, c2=cols["corner"][1])
            for col in AMOUNTS:
                if col not in cols:
                    continue
                c1, c2 = cols[col]
                if key == "total":
                    rng = f"{col_letter(c1)}{first_sub + 1}:{col_letter(c1)}{last + 1}"
                    refs[col] = self.calc(self.ws, row, c1, f"SUM({rng})", vals[col], "amount", c2=c2)
                else:
                    refs[col] = self.put(self.ws, row, c1, vals[col], "in_amount", c2=c2)
            num = {c: v if isinstance(v, Decimal) else ZERO for c, v in vals.items()}
            rate = rate_rule.evaluate(executed=num["executed"], budget=num["budget"])
            refs["rate"] = self.calc(self.ws, row, cols["rate"][0], rate_rule.formula(executed=refs["executed"],
                                                                                budget=refs["budget"]), rate, "rate")
            if key == "total":
                refs["weight"] = self.put(self.ws, row, cols["weight"][0], weight, "number")
                score = score_rule.evaluate(rate=rate, weight=weight, digits=self.bdigits)
                refs["score"] = self.calc(self.ws, row, cols["score"][0], score_rule.formula(
                    rate=refs["rate"], weight=lit(weight), digits=self.bdigits), score, "exec_score")
                self.exec_weight, self.exec_score = weight, score
            else:
                self.put(self.ws, row, cols["weight"][0], mark)
                self.put(self.ws, row, cols["score"][0], mark)
            self.map.budget[key] = refs
        if "reason" in cols:
            c1, c2 = cols["reason"]
            self.map.reason = self.put(self.ws, head + 1, c1, self.fill.get("reason"), "in_text", r2=last, c2=c2)
            hint = self.p.budget.reason_hint or TEMPLATE["reason.prompt"]
            self.ws.data_validation(head + 1, c1, last, c2, {"validate": "any", "input_title": "原因",
                                                             "input_message": hint})
        self.ws.data_validation(first_sub, cols["initial" if "initial" in cols else "budget"][0], last,
                                cols["executed"][1], {
                                    "validate": "decimal", "criteria": ">=", "value": 0,
                                    "input_title": "金额（万元）",
                                    "input_message": TEMPLATE["amount.prompt"],
                                    "error_title": "金额有误", "error_message": TEMPLATE["amount.error"]})
        self.budget_checks(head, first_sub, last, cols)
        return last + 1

    def budget_checks(self, head: int, first_sub: int, last: int, cols: dict) -> None:
        """Red when a rate, the execution score or a total amount differs from its formula, or when 原因 is
        blank although the rate is below the profile's threshold (or the budget was adjusted, where required)."""
        total = self.map.budget["total"]
        rate_rule, score_rule = RULES["execution_rate"], RULES["execution_score"]
        rate_expr = rate_rule.formula(executed=total["executed"], budget=total["budget"])
        rate_tol = lit(half_unit(self.p.budget.rate_digits))
        rc = cols["rate"][0]  # relative to the 总额 line, so the rule applies to every line
        self.red(self.ws, head + 1, rc, last, rc, f"ABS(N({total['rate']})-{rate_expr})>{rate_tol}")
        score_expr = score_rule.formula(rate=rate_expr, weight=lit(self.exec_weight), digits=self.bdigits)
        sc = cols["score"][0]
        self.red(self.ws, head + 1, sc, head + 1, sc,
                 f"ABS(N({total['score']})-{score_expr})>{lit(half_unit(self.bdigits))}")
        for col in AMOUNTS:
            if col in total:
                c = cols[col][0]
                rng = f"{col_letter(c)}{first_sub + 1}:{col_letter(c)}{last + 1}"
                self.red(self.ws, head + 1, c, head + 1, cols[col][1], f"ABS(N({total[col]})-SUM({rng}))>0.005")
        below = self.p.budget.reason_below
        if self.map.reason and below is not None:
            c1, c2 = cols["reason"]
            budget = make_absolute(total["budget"])
            fixed_rate = rate_rule.formula(executed=make_absolute(total["executed"]), budget=budget)
            why = f"AND(N({budget})>0,{fixed_rate}<{lit(below)})"
            if self.p.budget.reason_on_adjustment and "initial" in total:
                why = f"OR({why},ABS(N({make_absolute(total['initial'])})-N({budget}))>0.005)"
            self.red(self.ws, head + 1, c1, last, c2, f"AND({why},LEN({make_absolute(self.map.reason)})=0)")

    # -- 绩效指标 ------------------------------------------------------------------------------------------------
    def indicator_rows(self) -> list[dict]:
        given = self.fill.get("indicators")
        if given:
            return [dict(row) for row in given]
        return [{"level1": l1, "level2": l2} for l1, l2 in self.p.indicators.template_rows]

    def indicator_block(self, r: int) -> int:
        """Header, one row per indicator (level1/level2 merged over equal neighbours), hidden helper columns."""
        ind, cols = self.p.indicators, _spans(self.p.layout.indicators)
        if self.style == "row":
            self.put(self.ws, r, 0, ind.section, "section", c2=9)
            r += 1
        head = self.ind_head = r
        for key, (c1, c2) in cols.items():
            if key != "side":
                self.put(self.ws, head, c1, ind.columns[key][0], c2=c2)
        rows = self.indicator_rows()
        first, last = head + 1, head + len(rows)
        if "side" in cols:
            self.put(self.ws, head, cols["side"][0], ind.section, r2=last, c2=cols["side"][1])
        for key in ("level1", "level2"):
            if key in cols:
                names = [(row.get("level1") or "", row.get("level2") or "") for row in rows]
                depth = 1 if key == "level1" else 2
                for i, j, name in runs_of([n[:depth] for n in names]):
                    self.put(self.ws, first + i, cols[key][0], name[-1] or None, "in_center", r2=first + j,
                             c2=cols[key][1])
        # hidden helpers; a form without a 指标性质 column reads sign and nature from the 年度指标值 text
        helpers = {"sign": "符号", "target_num": "指标数值", "actual_num": "完成数值", "nature": "性质",
                   "rule_score": "规则得分", "score_low": "得分下限", "target_text": "指标数字文本",
                   "actual_text": "完成数字文本"}
        if "nature" in cols:
            del helpers["sign"], helpers["nature"]
        self.helpers = {k: HELPER_COL + i for i, k in enumerate(helpers)}
        for k, c in self.helpers.items():
            self.put(self.ws, head, c, helpers[k], "helper")
        self.weights, self.scores = [], []
        for i, row in enumerate(rows):
            self.map.indicators.append(self.indicator_row(first + i, row, cols))
        self.ind_first, self.ind_last, self.ind_cols = first, last, cols
        self.indicator_validation(first, last, cols)
        self.indicator_checks(first, last, cols)
        return last + 1

    def indicator_row(self, r: int, row: dict, cols: dict) -> dict[str, str]:
        """One indicator: inputs, helpers and the score formula, with the values the rules give."""
        keys = ("level3", "nature", "target", "unit", "actual", "weight", "reason")
        vals = {k: input_value(row.get(k)) for k in keys}
        if "nature" not in cols and isinstance(vals["target"], Decimal) and vals["nature"] in SIGNS:
            vals["target"] = f"{vals['nature']}{lit(vals['target'])}"
        kinds = {"level3": "in_text", "reason": "in_text"}
        refs = {k: a1(r, cols[k][0]) for k in ("level1", "level2") if k in cols}
        for key in ("level3", "nature", "target", "unit", "actual", "weight", "reason"):
            if key in cols:
                refs[key] = self.put(self.ws, r, cols[key][0], vals[key], kinds.get(key, "in_center"), c2=cols[key][1])
        self._heights[r] = max(self._heights.get(r, 0), 24)
        h = {k: a1(r, c) for k, c in self.helpers.items()}
        t, a, w = refs["target"], refs["actual"], refs["weight"]
        tv, av, wv = vals["target"], vals["actual"], vals["weight"]
        # helpers: sign and nature (forms without a 指标性质 column), the numbers, the rule's score and lower bound
        sign = tv[:1] if isinstance(tv, str) and tv[:1] in SIGNS else ""
        if "sign" in h:
            self.calc(self.ws, r, self.helpers["sign"], f'IF({any_eq(f"LEFT({t},1)", SIGNS)},LEFT({t},1),"")', sign,
                      "helper")
        signed = "sign" in h
        text = f"MID({t},LEN({h['sign']})+1,99)" if signed else t
        self.calc(self.ws, r, self.helpers["target_text"], number_text_formula(t, text), number_text(tv, signed),
                  "helper")
        tn = leading_number(tv, strip_sign=signed)
        self.calc(self.ws, r, self.helpers["target_num"], num_formula(t, h["target_text"]), tn, "helper")
        self.calc(self.ws, r, self.helpers["actual_text"], number_text_formula(a, a), number_text(av, False),
                  "helper")
        an = leading_number(av, strip_sign=False)
        self.calc(self.ws, r, self.helpers["actual_num"], num_formula(a, h["actual_text"]), an, "helper")
        if "nature" in h:
            nature = "" if tv is None else sign or (DEFAULT_NATURE if tn is not None else self.qual_nature())
            self.calc(self.ws, r, self.helpers["nature"], f'IF({t}="","",IF({h["sign"]}<>"",{h["sign"]},'
                                                 f'IF(ISNUMBER({h["target_num"]}),"{DEFAULT_NATURE}",'
                                                 f'"{self.qual_nature()}")))', nature, "helper")
            n = h["nature"]
        else:
            nature, n = vals["nature"], refs["nature"]
        rule, low = self.rule_values(nature, tn, an, av, wv)
        score_formula = self.dispatch(n, h["target_num"], h["actual_num"], a, w)
        self.calc(self.ws, r, self.helpers["rule_score"], score_formula, rule, "helper")
        q = self.groups.get("qualitative", [])
        low_formula = (f'IF({any_eq(n, q)},IF(AND(ISNUMBER({w}),{a}<>""),'
                       f'ROUND({_band_share(a, self.p.qualitative, "low")}*{w},{self.idigits}),""),'
                       f'{h["rule_score"]})') if q else h["rule_score"]
        self.calc(self.ws, r, self.helpers["score_low"], low_formula, low, "helper")
        sc = cols["score"][0]
        typed = input_value(row.get("score"))
        if typed is not None:
            refs["score"] = self.put(self.ws, r, sc, typed, "score", c2=cols["score"][1])
            score = typed
        else:
            refs["score"] = self.calc(self.ws, r, sc, score_formula, rule, "score", c2=cols["score"][1])
            score = rule
        self.weights.append(wv)
        self.scores.append(score)
        return {**refs, **h}

    def qual_nature(self) -> str:
        return (self.groups.get("qualitative") or ["定性"])[0]

    def dispatch(self, n: str, t: str, a: str, a_text: str, w: str) -> str:
        """The indicator score: the profile's method for the nature in `n`; "" when 权重 is blank or inputs missing."""
        d, expr = self.idigits, '""'
        for method, natures in reversed(self.groups.items()):
            if method == "qualitative":
                rule = RULES["qualitative"].formula(actual=a_text, weight=w, bands=self.p.qualitative)
                body = f'IF({a_text}="","",ROUND({rule},{d}))'
            else:
                rule = RULES[method].formula(target=t, actual=a, weight=w, digits=d)
                body = f'IF(AND(ISNUMBER({t}),ISNUMBER({a})),{rule},"")'
            expr = f"IF({any_eq(n, natures)},{body},{expr})"
        return f'IF(ISNUMBER({w}),{expr},"")'

    def rule_values(self, nature, tn, an, actual, weight) -> tuple[Decimal | None, Decimal | None]:
        """Python twin of `dispatch` and of the lower-bound helper: (score, lowest acceptable score)."""
        method = self.p.indicators.methods.get(nature) if isinstance(nature, str) else None
        if not isinstance(weight, Decimal) or method is None:
            return None, None
        if method == "qualitative":
            if actual is None:
                return None, None
            text = lit(actual) if isinstance(actual, Decimal) else actual
            band = RULES["qualitative"].evaluate(actual=text, weight=weight, bands=self.p.qualitative)
            return excel_round(band.high, self.idigits), excel_round(band.low, self.idigits)
        if tn is None or an is None:
            return None, None
        score = RULES[method].evaluate(target=tn, actual=an, weight=weight, digits=self.idigits)
        return score, score

    def indicator_validation(self, first: int, last: int, cols: dict) -> None:
        """Lists for 指标性质 / 一级 / 二级, weight bounds, and input messages in Chinese."""
        ind, dv = self.p.indicators, self.ws.data_validation
        total = self.p.indicator_weight_total
        if "nature" in cols:
            dv(first, cols["nature"][0], last, cols["nature"][0], {
                "validate": "list", "source": list(ind.natures), "input_title": "指标性质",
                "input_message": TEMPLATE["nature.prompt"],
                "error_title": "指标性质",
                "error_message": TEMPLATE["nature.error"].format(natures="、".join(ind.natures))})
        tree = ind.levels
        if tree and "level1" in cols:
            dv(first, cols["level1"][0], last, cols["level1"][1], {
                "validate": "list", "source": list(tree), "error_type": "warning",
                "error_title": "一级指标", "error_message": TEMPLATE["level1.unusual"]})
            level2 = list(dict.fromkeys(x for xs in tree.values() for x in xs))
            dv(first, cols["level2"][0], last, cols["level2"][1], {
                "validate": "list", "source": level2, "error_type": "warning",
                "error_title": "二级指标", "error_message": TEMPLATE["level2.unusual"]})
        target_msg = TEMPLATE["target.number" if "nature" in cols else "target.signed"]
        dv(first, cols["target"][0], last, cols["target"][1], {
            "validate": "any", "input_title": ind.columns["target"][0], "input_message": target_msg})
        bands = self.p.qualitative
        dv(first, cols["actual"][0], last, cols["actual"][1], {
            "validate": "any", "input_title": ind.columns["actual"][0],
            "input_message": TEMPLATE["actual.prompt"].format(bands="”“".join(b.label for b in bands))})
        dv(first, cols["weight"][0], last, cols["weight"][1], {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": cached(total),
            "input_title": "权重", "input_message": TEMPLATE["weight.prompt"].format(total=lit(total)),
            "error_title": "权重有误", "error_message": TEMPLATE["weight.error"].format(total=lit(total))})
        shares = "，".join(f"{b.label} {lit(b.low * 100)}%–{lit(b.high * 100)}%" for b in bands)
        dv(first, cols["score"][0], last, cols["score"][1], {
            "validate": "any", "input_title": "得分", "input_message": TEMPLATE["score.prompt"].format(shares=shares)})

    def indicator_checks(self, first: int, last: int, cols: dict) -> None:
        """Red when a score is outside [0, weight] or outside what the rule allows (a band for 定性 rows)."""
        top = self.map.indicators[0]
        s, w, rule, low = top["score"], top["weight"], top["rule_score"], top["score_low"]
        tol = lit(half_unit(self.idigits))
        sc = cols["score"][0]
        self.red(self.ws, first, sc, last, cols["score"][1],
                 f"OR(AND(ISNUMBER({s}),OR({s}<0,{s}>N({w})+{tol})),"
                 f"AND(ISNUMBER({rule}),OR(ISNUMBER({s})=FALSE,{s}<{low}-{tol},{s}>{rule}+{tol})))")

    # -- 合计 / 总分, 评价等次, closing rows ------------------------------------------------------------------------
    def totals(self, r: int) -> int:
        """合计 row (weight total, score total) and the 评价等次 row."""
        cols = self.ind_cols
        wc, sc = cols["weight"][0], cols["score"][0]
        ws_rng = f"{col_letter(wc)}{self.ind_first + 1}:{col_letter(wc)}{self.ind_last + 1}"
        ss_rng = f"{col_letter(sc)}{self.ind_first + 1}:{col_letter(sc)}{self.ind_last + 1}"
        ex = self.map.budget["total"]
        self.put(self.ws, r, 0, self.p.total_labels[0], c2=wc - 1)
        weight = self.exec_weight + sum((w for w in self.weights if isinstance(w, Decimal)), ZERO)
        self.map.total_weight = self.calc(self.ws, r, wc, f"{ex['weight']}+SUM({ws_rng})", weight, "number",
                                          c2=cols["weight"][1])
        score = excel_round(self.exec_score + sum((s for s in self.scores if isinstance(s, Decimal)), ZERO),
                            self.tdigits)
        self.map.total_score = self.calc(self.ws, r, sc, f"ROUND({ex['score']}+SUM({ss_rng}),{self.tdigits})", score,
                                         "total", c2=cols["score"][1])
        if cols["score"][1] < NCOLS - 1:
            self.put(self.ws, r, cols["score"][1] + 1, None, c2=NCOLS - 1)
        bands = self.p.grade_bands
        # a blank form has no grade yet: 差 would only alarm the person who opens the template
        has_weights = any(isinstance(w, Decimal) for w in self.weights)
        grade = RULES["grade"].evaluate(total=score, bands=bands) if has_weights else ""
        self.put(self.ws, r + 1, 0, self.p.grade_labels[0], c2=wc - 1)
        grade_formula = RULES["grade"].formula(total=self.map.total_score, bands=bands)
        self.map.grade = self.calc(self.ws, r + 1, wc, f'IF(SUM({ws_rng})=0,"",{grade_formula})', grade, "number",
                                   c2=NCOLS - 1)
        # checks: weights add up, score total = its formula, grade = its formula
        tw, ts, g = (make_absolute(x) for x in (self.map.total_weight, self.map.total_score, self.map.grade))
        wsum = f"SUM({make_absolute(ws_rng)})"
        self.red(self.ws, r, wc, r, cols["weight"][1],
                 f"AND({wsum}>0,OR(ABS(N({tw})-{lit(self.p.total_weight)})>0.005,"
                 f"ABS({wsum}-{lit(self.p.indicator_weight_total)})>0.005))")
        self.red(self.ws, r, sc, r, cols["score"][1],
                 f"ABS(N({ts})-ROUND(N({make_absolute(ex['score'])})+SUM({make_absolute(ss_rng)}),{self.tdigits}))"
                 f">{lit(half_unit(self.tdigits))}")
        self.red(self.ws, r + 1, wc, r + 1, NCOLS - 1,
                 f"AND({wsum}>0,{g}<>{RULES['grade'].formula(total=ts, bands=bands)})")
        return r + 2

    def closing(self, r: int) -> int:
        """评价结论 / 存在问题 / 改进措施 (the narratives not placed yet) and the signature line."""
        placed = {"goal", "goal_done", "content"}
        for key, labels in self.p.narrative.items():
            if key not in placed:
                self.put(self.ws, r, 0, labels[0], c2=1)
                self.narr(r, 2, key, 9, 45)
                r += 1
        sigs = self.furn["signatures"]
        if sigs:
            half = NCOLS // len(sigs)
            for i, (key, label) in enumerate(sigs):
                value = self.field(key) or ""
                text = value if value.startswith(label) else label + value
                self.map.signatures[key] = self.put(self.ws, r, i * half, text, "in_text", c2=(i + 1) * half - 1)
            self._heights[r] = 24
            r += 1
        return r

    def finish(self, last: int) -> None:
        """Column widths, row heights, hidden helpers, print setup, protection."""
        ws = self.ws
        for c, w in enumerate(self.widths):
            ws.set_column(c, c, w)
        ws.set_column(HELPER_COL, HELPER_COL + len(self.helpers) - 1, 10, None, {"hidden": True})
        self.print_setup(ws, self._heights, last, NCOLS - 1, self.widths, keep=self.keep,
                         table=(self.ind_head, self.ind_head, self.ind_last + 2))
        ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True, "insert_rows": True})
        self.map.last_row = last + 1


register("project_selfeval", TemplateWriter(write_template, SHEET))
