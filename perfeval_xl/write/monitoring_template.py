"""Templates of the 项目支出绩效目标执行监控表 that compute and check themselves (xlsxwriter only).

    tmap = write_monitoring_template(get_profile("national.monitoring"), "监控表.xlsx", year=2024, fill=None)

The sheet is laid out like the official form (`profile.layout`): title, （年度） (a formula reading the 年度 input),
项目名称 | 年度, 主管部门及代码 | 实施单位; the 项目资金（万元） block — 年初预算数 | 1-N月执行数 | 1-N月执行率 |
时间进度 | 进度差 | 全年预计执行数 | 原因说明, the total line the sum of the lines below it; 年度总体目标; the
indicator table with its two-row header (偏差原因分析 split into 经费保障 … 其他 | 原因说明, 完成目标可能性 into
确定能 | 有可能 | 完全不可能, each tick a drop-down of "√"); the closing 说明. N is the month of the monitoring round
(`fill["month"]`, else the profile's `template_month`); 时间进度 is N/12.

Every computed cell is a live formula carrying its cached value, computed by the same rules in Python. Inputs are
yellow and unlocked; the sheet is protected without a password. Cells turn red where the checker would flag them:
a rate or total typed over (M01, M02), 执行进度 behind 时间进度 by more than the margin with no 原因说明 (M03), a
全年预计执行数 above the budget, below what is spent, or below the budget with no 原因说明 (M04), a row without exactly
one 完成目标可能性 ticked (M05), a 偏差原因 or a doubt ticked with no 原因说明 (M06), and a quantified 全年预计完成情况
short of its 年度指标值 while 确定能 is ticked (M07) — through hidden helper columns from S.

`fill` pre-fills inputs (every key optional):

    {"month": 8,
     "fields":     {"project": .., "department": .., "unit": .., "year": ..},
     "narrative":  {"goal": ..},
     "budget":     {"fiscal": {"initial": .., "executed": .., "forecast": ..}, ...},   # keys of profile budget.lines
     "reason":     "..",                                                             # the block's 原因说明
     "indicators": [{"level1", "level2", "level3", "target", "progress", "forecast", "reason", "note",
                     "causes": ["funding", ...], "likelihood": ["certain"], "tick": "√"}, ...]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..a1 import a1, col_letter, make_absolute
from ..excelmath import excel_round, half_unit
from ..messages import TEMPLATE
from ..profile import CERTAIN, Profile
from ..rules import NOISE_DIGITS, RULES
from ..values import LESS_WORDS, norm_label
from .registry import TemplateWriter, register
from .printing import grow_rows
from .sheet import (INPUT, KINDS, SheetWriter, input_value, lit, template_year, year_formula, year_text,
                    year_validation)
from .template import (PREFIXES, SIGNS, any_eq, leading_number, num_formula, number_text, number_text_formula,
                       runs_of, value_as_excel_reads)

SHEET = "绩效目标执行监控表"
HELPER_GAP = 1  # one empty column between the form and its hidden helpers
MONTHS = 12
TOL = "0.005"
TICK = "√"
AMOUNTS = ("initial", "budget", "executed", "forecast")
LINE_PREFIX = "其中："
INDICATOR_SECTION = "绩效指标"

_KINDS = {
    **KINDS,
    "section": {"align": "center"},
    "in_amount": {"align": "right", "num_format": "#,##0.00", **INPUT},
    "amount": {"align": "right", "num_format": "#,##0.00"},
    "rate": {"align": "right", "num_format": "0.00%"},
    "in_tick": {"align": "center", **INPUT},
    "closing": {"align": "left", "border": 0},
}
HELPERS = {"filled": "已填写", "marks": "可能性勾选数", "certain_mark": "确定能勾选", "causes": "偏差原因勾选数",
           "sign": "方向", "target_text": "指标数字文本", "target_num": "指标数值", "target_unit": "指标单位",
           "forecast_text": "预计数字文本", "forecast_num": "预计数值", "forecast_unit": "预计单位",
           "direction": "比较方向", "short": "确定能但达不到"}


@dataclass
class MonitoringTemplateMap:
    """Where everything sits on a written monitoring template and what each formula cell evaluates to."""

    profile_id: str
    month: int
    sheet: str = SHEET
    title: str = "A2"  # the year line, a formula reading the 年度 input
    fields: dict[str, str] = field(default_factory=dict)  # 'project' -> 'C3', 'year' -> the 年度 input
    narrative: dict[str, str] = field(default_factory=dict)  # 'goal' -> 'C10'
    budget: dict[str, dict[str, str]] = field(default_factory=dict)  # 'total' | line key -> column key -> A1
    reason: str | None = None  # the 项目资金 block's 原因说明 (merged over its lines)
    indicators: list[dict[str, str]] = field(default_factory=list)  # per row: column / tick / helper key -> A1
    inputs: list[str] = field(default_factory=list)  # every yellow input cell (top-left when merged)
    computed: dict[str, object] = field(default_factory=dict)  # formula cell -> Python rules' value ('' = blank)
    last_row: int = 0  # 1-based last printed row


def write_monitoring_template(profile: Profile, path: str | Path, *, year: int | str | None = None,
                              fill: dict | None = None) -> MonitoringTemplateMap:
    """Write the profile's monitoring form to `path` (.xlsx) and return where everything is.

    Args:
        profile: a loaded monitoring profile (`get_profile("national.monitoring")`).
        path: the file to write (overwritten).
        year: the 年度 input, which the line under the title reads ("（2024年度）"): a four-digit year, or None to
            leave it blank; fill["fields"]["year"] is used when year is None.
        fill: optional input values, see the module docstring.
    Raises:
        UsageError: the year is not a four-digit year.
    """
    if profile.kind != "monitoring":
        raise ValueError(f"profile {profile.id} is not a monitoring form")
    fill = fill or {}
    _check_fill(profile, fill)
    year = template_year(year if year not in (None, "") else (fill.get("fields") or {}).get("year"))
    return _Writer(profile, year, fill).write(Path(path))


_ROW_KEYS = {"level1", "level2", "level3", "target", "progress", "forecast", "reason", "note", "causes", "likelihood",
             "tick"}


def _check_fill(profile: Profile, fill: dict) -> None:
    """Refuse a fill with keys the form has no place for (a typo would otherwise silently leave a cell blank)."""
    m, problems = profile.monitoring, []
    extra = set(fill) - {"month", "fields", "narrative", "budget", "reason", "indicators"}
    if extra:
        problems.append(f"unknown keys {sorted(extra)}")
    month = fill.get("month", m.template_month)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= MONTHS:
        problems.append(f"month must be 1..12, not {month!r}")
    for part, known in (("fields", set(profile.fields)), ("narrative", set(profile.narrative)),
                        ("budget", set(profile.budget.lines))):
        extra = set(fill.get(part) or {}) - known
        if extra:
            problems.append(f"{part}: unknown keys {sorted(extra)}, expected some of {sorted(known)}")
    for key, line in (fill.get("budget") or {}).items():
        if set(line or {}) - set(AMOUNTS):
            problems.append(f"budget.{key}: unknown keys {sorted(set(line) - set(AMOUNTS))}, expected {AMOUNTS}")
    for i, row in enumerate(fill.get("indicators") or []):
        if set(row) - _ROW_KEYS:
            problems.append(f"indicators[{i}]: unknown keys {sorted(set(row) - _ROW_KEYS)}")
        for group, known in (("causes", m.causes), ("likelihood", m.likelihood)):
            if set(row.get(group) or ()) - set(known):
                problems.append(f"indicators[{i}].{group}: expected some of {sorted(known)}")
    if problems:
        raise ValueError(f"fill does not fit profile {profile.id}: " + "; ".join(problems))


# --- Python twins of the helper formulas ----------------------------------------------------------------------

def _unit_text(v: Decimal | str | None, strip_sign: bool) -> str:
    """Python twin of `_unit_formula`: what follows the leading number of a text ('1000人次' -> '人次';
    '2019年12月31日前' -> '年12月31日前'); '' for numbers, blanks and texts without a number."""
    if v is None or isinstance(v, Decimal):
        return ""
    full = (v[1:] if v[:1] in SIGNS else v)[:99] if strip_sign else v
    s = number_text(v, strip_sign)
    if value_as_excel_reads(s) is not None:
        return full[len(s):len(s) + 99]
    for k in range(PREFIXES, 0, -1):
        if value_as_excel_reads(s[:k]) is not None:
            return full[k:k + 99]
    return ""


def _unit_formula(cell: str, full: str, text: str) -> str:
    """What follows the number text's leading number in `full` (the cell's text, sign stripped)."""
    chain = '""'
    for k in range(1, PREFIXES + 1):
        chain = f'IFERROR(MID({full},{k}+1,99)&IF(VALUE(LEFT({text},{k}))=0,"",""),{chain})'
    return f'IF(ISNUMBER({cell}),"",IFERROR(MID({full},LEN({text})+1,99)&IF(VALUE({text})=0,"",""),{chain}))'


def _is_short(direction: str, target: Decimal, forecast: Decimal) -> bool:
    """Whether a forecast falls short of its target in the target's direction."""
    if direction in ("≥", "="):
        return forecast < target
    if direction == ">":
        return forecast <= target
    if direction == "≤":
        return forecast > target
    return forecast >= target


def _short_formula(d: str, t: str, f: str) -> str:
    return f'IF(OR({d}="≥",{d}="="),{f}<{t},IF({d}=">",{f}<={t},IF({d}="≤",{f}>{t},{f}>={t})))'


def _spans(layout) -> dict[str, tuple[int, int]]:
    """Layout ((key, span), ...) -> key -> (first column, last column), 0-based."""
    out, col = {}, 0
    for key, span in layout:
        out[key] = (col, col + span - 1)
        col += span
    return out


# --- the writer -----------------------------------------------------------------------------------------------

class _Writer(SheetWriter):
    """Lays out one form; methods write one part each and return the next free row (0-based)."""

    KINDS = _KINDS

    def __init__(self, profile: Profile, year, fill: dict):
        self.m = profile.monitoring
        self.month = fill.get("month", self.m.template_month)
        self.map = MonitoringTemplateMap(profile.id, self.month)
        super().__init__(profile, self.map)
        self.year, self.fill = year, fill
        self.widths = list(profile.layout.widths)
        self.ncols = len(self.widths)
        self.helper_col = self.ncols + HELPER_GAP
        self._heights: dict[int, float] = {}
        self.budget_rows: dict[str, int] = {}
        marks = {}
        for t in self.m.ticks:  # COUNTIF ignores case and cannot tell a number from its text: words only, once
            if not t.isdigit() and t.casefold() not in ("true", "false"):
                marks.setdefault(t.casefold(), t)
        self.marks = tuple(marks.values())

    # -- cells ------------------------------------------------------------------------------------------------
    def wrote_text(self, r: int, c1: int, c2: int, text: str, r2: int | None = None) -> None:
        grow_rows(self._heights, self.widths, r, r if r2 is None else r2, c1, c2, text)

    def label(self, text: str) -> str:
        """A header as printed for this round: '1-N月执行数' -> '1-7月执行数'."""
        return text.replace("N", str(self.month))

    def is_tick(self, v) -> bool:
        return isinstance(v, str) and v.casefold() in {t.casefold() for t in self.marks}

    def count_formula(self, rng: str) -> str:
        return "+".join(f'COUNTIF({rng},"{t}")' for t in self.marks)

    # -- the whole sheet --------------------------------------------------------------------------------------
    def write(self, path: Path) -> MonitoringTemplateMap:
        self.open(path)
        self.ws = self.wb.add_worksheet(SHEET)
        top = self.head()
        r = self.budget_block(top)
        self.keep = [(0, top - 1), (top, r - 1)]  # pages never break in the head, the funds or under the table's header
        r = self.goal(r)
        self.table = (r, r + 1)
        r = self.indicator_block(r)
        self.keep.append((self.table[0], self.table[1] + 1))
        self.table += (r - 1,)
        r = self.closing(r)
        self.finish(r - 1)
        self.wb.close()
        return self.map

    def head(self) -> int:
        """Title, （年度） (a formula reading the 年度 input), 项目名称 | 年度, 主管部门及代码 | 实施单位."""
        p, last = self.p, self.ncols - 1
        given = self.fill.get("fields") or {}
        self.put(self.ws, 0, 0, p.title, "title", c2=last)
        self._heights[0] = 32
        half = 2 + (self.ncols - 2) // 2
        self.put(self.ws, 2, 0, p.fields["project"][0], c2=1)
        self.map.fields["project"] = self.put(self.ws, 2, 2, given.get("project"), "in_text", c2=half - 1)
        self.put(self.ws, 2, half, (p.fields.get("year") or ("年度",))[0], c2=half + 1)
        year = self.map.fields["year"] = self.put(self.ws, 2, half + 2, self.year, "in_center", c2=last)
        year_validation(self.ws, 2, half + 2)
        self.map.title = self.calc(self.ws, 1, 0, year_formula(p.year_label, year), year_text(p.year_label, self.year),
                                   "year", c2=last)
        self.put(self.ws, 3, 0, p.fields["department"][0], c2=1)
        self.map.fields["department"] = self.put(self.ws, 3, 2, given.get("department"), "in_text", c2=half - 1)
        self.put(self.ws, 3, half, p.fields["unit"][0], c2=half + 1)
        self.map.fields["unit"] = self.put(self.ws, 3, half + 2, given.get("unit"), "in_text", c2=last)
        return 4

    # -- 项目资金 ----------------------------------------------------------------------------------------------
    def budget_block(self, head: int) -> int:
        """Header, the total line (sums, rate, 时间进度, 进度差), the lines (inputs, rate), 原因说明."""
        b, cols = self.p.budget, _spans(self.p.layout.budget)
        keys = ["total", *b.lines]
        last = head + len(keys)
        self.put(self.ws, head, cols["side"][0], b.section, "section", r2=last, c2=cols["side"][1])
        for key, (c1, c2) in cols.items():
            if key == "side":
                continue
            text = b.corner if key == "corner" else self.m.template_labels[key] if key in ("time", "gap") \
                else self.label(b.columns[key][0])
            self.put(self.ws, head, c1, text, c2=c2)
        base = next(k for k in self.m.rate_base if k in cols)
        given = self.fill.get("budget") or {}
        amounts = {k: {c: input_value((given.get(k) or {}).get(c)) for c in AMOUNTS} for k in b.lines}
        amounts["total"] = {c: _sum(v[c] for v in amounts.values()) for c in AMOUNTS}
        first_sub = head + 2
        rate_rule = RULES["execution_rate"]
        for i, key in enumerate(keys):
            row, vals, refs = head + 1 + i, amounts[key], {}
            text = b.total[0] if key == "total" else (LINE_PREFIX if i == 1 else "") + b.lines[key][0]
            self.put(self.ws, row, cols["corner"][0], text, c2=cols["corner"][1])
            for col in AMOUNTS:
                if col not in cols:
                    continue
                c1, c2 = cols[col]
                if key == "total":
                    rng = f"{col_letter(c1)}{first_sub + 1}:{col_letter(c1)}{last + 1}"
                    refs[col] = self.calc(self.ws, row, c1, f'IF(COUNT({rng})=0,"",SUM({rng}))', vals[col], "amount",
                                          c2=c2)
                else:
                    refs[col] = self.put(self.ws, row, c1, vals[col], "in_amount", c2=c2)
            num = {c: v if isinstance(v, Decimal) else Decimal(0) for c, v in vals.items()}
            rate = rate_rule.evaluate(executed=num["executed"], budget=num[base])
            refs["rate"] = self.calc(self.ws, row, cols["rate"][0], rate_rule.formula(
                executed=refs["executed"], budget=refs[base]), rate, "rate", c2=cols["rate"][1])
            if key == "total":
                self.progress(row, cols, refs, rate, num[base])
            else:
                for col in ("time", "gap"):
                    if col in cols:
                        self.put(self.ws, row, cols[col][0], None, c2=cols[col][1])
            self.map.budget[key] = refs
            self.budget_rows[key] = row
        if "reason" in cols:
            c1, c2 = cols["reason"]
            self.map.reason = self.put(self.ws, head + 1, c1, self.fill.get("reason"), "in_text", r2=last, c2=c2)
            self.ws.data_validation(head + 1, c1, last, c2, {"validate": "any", "input_title": b.columns["reason"][0],
                                                             "input_message": TEMPLATE["monitoring.reason"]})
        amount_cols = [cols[c] for c in AMOUNTS if c in cols]
        for c1, c2 in amount_cols:
            self.ws.data_validation(first_sub, c1, last, c2, {
                "validate": "decimal", "criteria": ">=", "value": 0, "input_title": "金额（万元）",
                "input_message": TEMPLATE["amount.prompt"], "error_title": "金额有误",
                "error_message": TEMPLATE["amount.error"]})
        self.budget_checks(head, first_sub, last, cols, base)
        return last + 1

    def progress(self, row: int, cols: dict, refs: dict, rate: Decimal, base: Decimal) -> None:
        """时间进度 (N/12) and 进度差 (执行进度 − 时间进度, blank without a budget) on the total line."""
        time = Decimal(self.month) / MONTHS
        if "time" in cols:
            refs["time"] = self.calc(self.ws, row, cols["time"][0], f"{self.month}/{MONTHS}", time, "rate",
                                     c2=cols["time"][1])
            time_ref = refs["time"]
        else:
            time_ref = f"{self.month}/{MONTHS}"
        if "gap" in cols:
            base_ref = refs[next(k for k in self.m.rate_base if k in refs)]
            gap = excel_round(rate - time, NOISE_DIGITS) if base else None
            refs["gap"] = self.calc(self.ws, row, cols["gap"][0],
                                    f'IF(N({base_ref})=0,"",ROUND({refs["rate"]}-{time_ref},{NOISE_DIGITS}))', gap,
                                    "rate", c2=cols["gap"][1])

    def budget_checks(self, head: int, first_sub: int, last: int, cols: dict, base: str) -> None:
        """Red: a rate or a total that is not its formula (M01, M02); 进度差 beyond the margin with no 原因说明 (M03);
        a 全年预计执行数 above the budget or below what is spent, or the total's below the budget with no 原因说明
        (M04)."""
        total = self.map.budget["total"]
        reason = f"LEN({make_absolute(self.map.reason)})=0" if self.map.reason else "TRUE"
        rule, tol = RULES["execution_rate"], lit(half_unit(self.p.budget.rate_digits))
        for key, refs in self.map.budget.items():
            r = self.budget_rows[key]
            expr = rule.formula(executed=refs["executed"], budget=refs[base])
            self.red(self.ws, r, cols["rate"][0], r, cols["rate"][1], f"ABS(N({refs['rate']})-{expr})>{tol}")
            F, B, E = refs["forecast"], refs[base], refs["executed"]
            below = f",AND(ISNUMBER({B}),{F}<{B}-{TOL},{reason})" if key == "total" else ""
            self.red(self.ws, r, cols["forecast"][0], r, cols["forecast"][1],
                     f"AND(ISNUMBER({F}),OR(AND(ISNUMBER({B}),{F}>{B}+{TOL}),AND(ISNUMBER({E}),{F}<{E}-{TOL}){below}))")
        for col in AMOUNTS:
            if col in total:
                c = cols[col][0]
                rng = f"{col_letter(c)}{first_sub + 1}:{col_letter(c)}{last + 1}"
                self.red(self.ws, head + 1, c, head + 1, cols[col][1], f"ABS(N({total[col]})-SUM({rng}))>{TOL}")
        if "gap" in total:
            g = total["gap"]
            self.red(self.ws, head + 1, cols["gap"][0], head + 1, cols["gap"][1],
                     f"AND(ISNUMBER({g}),-{g}>{lit(self.m.progress_margin)},{reason})")

    def goal(self, r: int) -> int:
        """年度总体目标 and its text."""
        label = self.p.narrative["goal"][0]
        self.put(self.ws, r, 0, label, c2=1)
        text = (self.fill.get("narrative") or {}).get("goal")
        self.map.narrative["goal"] = self.put(self.ws, r, 2, text, "in_text", c2=self.ncols - 1)
        self._heights[r] = max(self._heights.get(r, 0), 45)
        return r + 1

    # -- 绩效指标 ------------------------------------------------------------------------------------------------
    def indicator_rows(self) -> list[dict]:
        given = self.fill.get("indicators")
        if given:
            return [dict(row) for row in given]
        return [{"level1": l1, "level2": l2} for l1, l2 in self.m.template_rows]

    def indicator_block(self, head: int) -> int:
        """The two header rows, one row per indicator (一级/二级 merged over equal neighbours), hidden helpers."""
        m, cols = self.m, _spans(self.p.layout.indicators)
        rows = self.indicator_rows()
        first, last = head + 2, head + 1 + len(rows)
        self.put(self.ws, head, cols["side"][0], INDICATOR_SECTION, "section", r2=last, c2=cols["side"][1])
        for key, (c1, c2) in cols.items():
            if key in ("side", "causes", "likelihood"):
                continue
            self.put(self.ws, head, c1, self.label(m.columns[key][0]), r2=head + 1, c2=c2)
        c1, c2 = cols["causes"]
        self.put(self.ws, head, c1, m.columns["causes"][0], c2=c2)
        self.tick_cols = {"causes": {k: c1 + i for i, k in enumerate(m.causes)},
                          "likelihood": {k: cols["likelihood"][0] + i for i, k in enumerate(m.likelihood)}}
        for k, c in self.tick_cols["causes"].items():
            self.put(self.ws, head + 1, c, m.causes[k][0])
        self.reason_col = c2
        self.put(self.ws, head + 1, c2, m.reason[0])
        self.put(self.ws, head, cols["likelihood"][0], m.columns["likelihood"][0], c2=cols["likelihood"][1])
        for k, c in self.tick_cols["likelihood"].items():
            self.put(self.ws, head + 1, c, m.likelihood[k][0])
        self._heights[head + 1] = 30
        for key in ("level1", "level2"):
            names = [(row.get("level1") or "", row.get("level2") or "") for row in rows]
            depth = 1 if key == "level1" else 2
            for i, j, name in runs_of([n[:depth] for n in names]):
                self.put(self.ws, first + i, cols[key][0], name[-1] or None, "in_center", r2=first + j,
                         c2=cols[key][1])
        self.helpers = {k: self.helper_col + i for i, k in enumerate(HELPERS)}
        for k, c in self.helpers.items():
            self.put(self.ws, head, c, HELPERS[k], "helper")
        levels = self.level_anchors(rows, first)
        for i, row in enumerate(rows):
            self.map.indicators.append(self.indicator_row(first + i, row, cols, levels[i]))
        self.indicator_validation(first, last, cols)
        self.indicator_checks(first, last, cols)
        return last + 1

    @staticmethod
    def level_anchors(rows: list[dict], first: int) -> list[tuple[int, int]]:
        """The rows whose 一级 / 二级 cells hold each row's names (the top of its merged run)."""
        out = []
        top1 = top2 = first
        for i, row in enumerate(rows):
            if i == 0 or row.get("level1") != rows[i - 1].get("level1"):
                top1 = top2 = first + i
            elif row.get("level2") != rows[i - 1].get("level2"):
                top2 = first + i
            out.append((top1, top2))
        return out

    def indicator_row(self, r: int, row: dict, cols: dict, anchors: tuple[int, int]) -> dict[str, str]:
        """One indicator: inputs, ticks and the helpers, with the values the rules give."""
        vals = {k: input_value(row.get(k)) for k in ("level3", "target", "progress", "forecast", "reason", "note")}
        refs = {"level1": a1(anchors[0], cols["level1"][0]), "level2": a1(anchors[1], cols["level2"][0])}
        for key in ("level3", "target", "progress", "forecast", "note"):
            refs[key] = self.put(self.ws, r, cols[key][0], vals[key], "in_text" if key == "level3" else "in_center",
                                 c2=cols[key][1])
        refs["reason"] = self.put(self.ws, r, self.reason_col, vals["reason"], "in_text")
        tick = row.get("tick") or TICK
        marked: dict[str, dict[str, str | None]] = {}
        for group in ("causes", "likelihood"):
            chosen = set(row.get(group) or ())
            marked[group] = {k: tick if k in chosen else None for k in self.tick_cols[group]}
            for k, c in self.tick_cols[group].items():
                refs[k] = self.put(self.ws, r, c, marked[group][k], "in_tick")
        self._heights[r] = max(self._heights.get(r, 0), 24)
        h = {k: a1(r, c) for k, c in self.helpers.items()}
        self.helper_cells(r, row, vals, refs, marked, h)
        return {**refs, **h}

    def helper_cells(self, r: int, row: dict, vals: dict, refs: dict, marked: dict, h: dict) -> None:
        """The hidden helpers of one row and their Python twins."""
        calc = lambda key, formula, value: self.calc(self.ws, r, self.helpers[key], formula, value, "helper")  # noqa: E731
        lik = list(self.tick_cols["likelihood"].values())
        cau = list(self.tick_cols["causes"].values())
        measured = ("level3", "target", "progress", "forecast")
        filled = int(any(vals[k] is not None for k in measured))
        calc("filled", f"IF(COUNTA({','.join(refs[k] for k in measured)})>0,1,0)", filled)
        marks = sum(self.is_tick(v) for v in marked["likelihood"].values())
        calc("marks", self.count_formula(f"{a1(r, lik[0])}:{a1(r, lik[-1])}"), marks)
        certain = int(self.is_tick(marked["likelihood"][CERTAIN]))
        calc("certain_mark", self.count_formula(refs[CERTAIN]), certain)
        calc("causes", self.count_formula(f"{a1(r, cau[0])}:{a1(r, cau[-1])}"),
             sum(self.is_tick(v) for v in marked["causes"].values()))
        t, f, tv, fv = refs["target"], refs["forecast"], vals["target"], vals["forecast"]
        sign = tv[:1] if isinstance(tv, str) and tv[:1] in SIGNS else ""
        calc("sign", f'IF({any_eq(f"LEFT({t},1)", SIGNS)},LEFT({t},1),"")', sign)
        full = f"MID({t},LEN({h['sign']})+1,99)"
        calc("target_text", number_text_formula(t, full), number_text(tv, True))
        tn = leading_number(tv, strip_sign=True)
        calc("target_num", num_formula(t, h["target_text"]), tn)
        tu = _unit_text(tv, strip_sign=True)
        calc("target_unit", _unit_formula(t, full, h["target_text"]), tu)
        calc("forecast_text", number_text_formula(f, f), number_text(fv, False))
        fn = leading_number(fv, strip_sign=False)
        calc("forecast_num", num_formula(f, h["forecast_text"]), fn)
        fu = _unit_text(fv, strip_sign=False)
        calc("forecast_unit", _unit_formula(f, f, h["forecast_text"]), fu)
        direction = self.direction(sign, row, vals)
        calc("direction", self.direction_formula(h["sign"], refs), direction)
        # comparable as the checker compares: both percentages or neither, the same unit or a unit on one side
        same = ("%" in number_text(tv, True)) == ("%" in number_text(fv, False)) and (tu == fu or not tu or not fu)
        short = int(marks == 1 and certain == 1 and tn is not None and fn is not None and same
                    and _is_short(direction, tn, fn))
        pct = [f'ISNUMBER(SEARCH("%",{h[k]}))' for k in ("target_text", "forecast_text")]
        tu_ref, fu_ref = h["target_unit"], h["forecast_unit"]
        calc("short", f'IF(AND({h["marks"]}=1,{h["certain_mark"]}=1,ISNUMBER({h["target_num"]}),'
                      f'ISNUMBER({h["forecast_num"]}),{pct[0]}={pct[1]},'
                      f'OR({tu_ref}={fu_ref},{tu_ref}="",{fu_ref}="")),'
                      f'IF({_short_formula(h["direction"], h["target_num"], h["forecast_num"])},1,0),0)', short)

    def direction(self, sign: str, row: dict, vals: dict) -> str:
        """Python twin of `direction_formula`: the sign, else ≤ for a cost level or ceiling words, else ≥."""
        if sign:
            return sign
        cost = {norm_label(x) for x in self.m.cost_levels}
        levels = {str(row.get("level1") or ""), str(row.get("level2") or "")}
        text = "".join(x if isinstance(x, str) else lit(x) for x in (vals["level3"], vals["target"]) if x is not None)
        return "≤" if levels & cost or any(w in text for w in LESS_WORDS) else "≥"

    def direction_formula(self, sign: str, refs: dict) -> str:
        costs = [f'{refs[k]}="{c}"' for k in ("level1", "level2") for c in self.m.cost_levels]
        words = [f'ISNUMBER(SEARCH("{w}",{refs["level3"]}&{refs["target"]}))' for w in LESS_WORDS]
        return f'IF({sign}<>"",{sign},IF(OR({",".join(costs + words)}),"≤","≥"))'

    def indicator_validation(self, first: int, last: int, cols: dict) -> None:
        """Drop-downs for the ticks and 一级 / 二级, prompts for targets, forecasts and 原因说明."""
        dv, m = self.ws.data_validation, self.m
        tick = {"validate": "list", "source": [TICK], "error_type": "warning", "input_title": "勾选",
                "input_message": TEMPLATE["tick.prompt"], "error_title": "勾选",
                "error_message": TEMPLATE["tick.error"]}
        for group in ("causes", "likelihood"):
            cs = list(self.tick_cols[group].values())
            dv(first, cs[0], last, cs[-1], tick)
        if m.levels:
            dv(first, cols["level1"][0], last, cols["level1"][1], {
                "validate": "list", "source": list(m.levels), "error_type": "warning",
                "error_title": "一级指标", "error_message": TEMPLATE["level1.unusual"]})
            level2 = list(dict.fromkeys(x for xs in m.levels.values() for x in xs))
            dv(first, cols["level2"][0], last, cols["level2"][1], {
                "validate": "list", "source": level2, "error_type": "warning",
                "error_title": "二级指标", "error_message": TEMPLATE["level2.unusual"]})
        for key, message in (("target", "monitoring.target"), ("forecast", "monitoring.forecast")):
            dv(first, cols[key][0], last, cols[key][1], {
                "validate": "any", "input_title": self.label(m.columns[key][0])[:32],
                "input_message": TEMPLATE[message]})
        dv(first, self.reason_col, last, self.reason_col, {
            "validate": "any", "input_title": m.reason[0], "input_message": TEMPLATE["monitoring.cause_reason"]})

    def indicator_checks(self, first: int, last: int, cols: dict) -> None:
        """Red: not exactly one 完成目标可能性 ticked (M05); no 原因说明 where one is owed (M06); 确定能 ticked on a
        全年预计完成情况 short of its 年度指标值 (M07)."""
        top = self.map.indicators[0]
        lik = list(self.tick_cols["likelihood"].values())
        self.red(self.ws, first, lik[0], last, lik[-1],
                 f"AND(${col_letter(self.helpers['filled'])}{first + 1}=1,"
                 f"${col_letter(self.helpers['marks'])}{first + 1}<>1)")
        self.red(self.ws, first, self.reason_col, last, self.reason_col,
                 f"AND({top['filled']}=1,LEN({top['reason']})=0,"
                 f"OR({top['causes']}>0,{top['marks']}-{top['certain_mark']}>0))")
        self.red(self.ws, first, cols["forecast"][0], last, cols["forecast"][1], f"{top['short']}=1")

    def closing(self, r: int) -> int:
        """The form's 说明 under the table."""
        self.put(self.ws, r, 0, TEMPLATE["monitoring.note"], "closing", c2=self.ncols - 1)
        return r + 1

    def finish(self, last: int) -> None:
        """Column widths, row heights, hidden helpers, print setup, protection."""
        ws = self.ws
        for c, w in enumerate(self.widths):
            ws.set_column(c, c, w)
        ws.set_column(self.helper_col, self.helper_col + len(self.helpers) - 1, 10, None, {"hidden": True})
        self.print_setup(ws, self._heights, last, self.ncols - 1, self.widths, table=self.table, keep=self.keep)
        ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True, "insert_rows": True})
        self.map.last_row = last + 1


def _sum(values) -> Decimal | None:
    """Python twin of IF(COUNT(range)=0,"",SUM(range)): None when no line has a figure."""
    nums = [v for v in values if isinstance(v, Decimal)]
    return sum(nums, Decimal(0)) if nums else None


register("monitoring", TemplateWriter(write_monitoring_template, SHEET))
