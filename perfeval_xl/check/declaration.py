"""The 项目支出绩效目标申报表: what a reviewer requires of its indicators (财预〔2021〕101号 指引, as profile data) and
what its 项目资金 figures prove. Per half of the indicator table (中期, 年度): the required 一级 categories (D01) and
二级 categories (D02) each with a 三级 indicator, a 指标值 for every 三级 (D03), quantified values where the
category must be measured (D04); for the amounts: 资金总额 = Σ 其中 lines (D05) and 年度 not above 中期 (D06).

Severities: D05 and D06 are errors — the printed amounts contradict each other, which needs no judgement. D01–D04 are
warnings: what is missing or not measured is what a reviewer sends back, but the 指引 asks for it "原则上", the
reviewer may accept a reason, and a 三级 left without its value may be one the unit means to drop. A blank 资金总额
beside filled lines (D05.total_blank) is a warning too: a total the platform computes may simply not have been
saved with its value. Pure: no I/O, no spreadsheet library.
"""

from __future__ import annotations

import re

from ..excelmath import ZERO, plain
from ..model import no_figure
from ..model_declaration import HALF_NAMES, Declaration, Target
from ..profile import Profile, Requirement
from ..severity import Severity
from ..values import amount_in_wan, norm_label, norm_text
from .budget import AMOUNT_TOL
from .findings import Findings, Result, fmt, short_name
from .registry import checker

# a count written in Chinese numerals before its measure word: 两场, 三个, 十二月
_CN_COUNT = re.compile(r"[零一二两三四五六七八九十百千万]+"
                       r"[个次场人项家所天年月日周期批台套份件篇本条户间座辆亩吨元名位]")
OTHER = "其他"  # indicators whose 一级 the profile does not know, in the counts


def category_key(name: str) -> str:
    """A 一级/二级 name reduced for comparison ('产出指标' and '产出' are one category; the reader has set aside
    numbering and weights)."""
    key = norm_label(name)
    return key.removesuffix("指标") or key


def quantified(text: str) -> bool:
    """Whether a 指标值 states a measure: a number (≥100人次, 95%, 2020年12月前, ≤7.29万元) or a count in Chinese
    numerals (两场)."""
    t = norm_text(text)
    return any(ch.isdigit() for ch in t) or _CN_COUNT.search(t) is not None


class _DeclarationCheck:
    def __init__(self, form: Declaration, profile: Profile):
        self.form, self.p, self.spec = form, profile, profile.declaration
        self.findings = Findings(form.sheet)
        self.values: dict = {}

    def matches(self, t: Target, names) -> bool:
        keys = {category_key(n) for n in names}
        return category_key(t.level1) in keys or category_key(t.level2) in keys

    # --- 项目资金 ----------------------------------------------------------------------------------------------------
    def amount(self, half: str, key: str):
        fund = self.form.fund(half, key)
        return None if fund is None else amount_in_wan(fund.cell.p, self.form.amount_unit)

    def funds(self) -> None:
        """D05 per half, then D06 for the amounts the profile compares."""
        f, add = self.form, self.findings.add
        for half in (h for h in ("medium", "annual") if f.fund(h, "total") is not None):
            total = f.fund(half, "total")
            lines = [x for x in f.funds if x.half == half and x.key != "total"]
            parts = [amount_in_wan(x.cell.p, f.amount_unit) for x in lines]
            stated = self.amount(half, "total")
            self.values[f"{half}_total"] = plain(stated)
            if all(x is None for x in parts):
                continue
            s = sum((x for x in parts if x is not None), ZERO)
            self.values[f"{half}_lines_total"] = plain(s)
            words = dict(half=HALF_NAMES[half], line=total.label.rstrip(":："), computed=fmt(s))
            if stated is None:
                add("D05.total_blank", total.cell, None, plain(s), severity=Severity.WARNING, **words)
                continue
            complete = {x.key for x in lines} >= set(self.spec.lines)  # every 其中 line is printed
            if abs(stated - s) > AMOUNT_TOL * (len(lines) + 1) and (complete or s > stated):
                add("D05.sum", total.cell, plain(stated), plain(s), stated=fmt(stated), **words)
        for key in self.spec.within_medium:
            medium, annual = f.fund("medium", key), f.fund("annual", key)
            if medium is None or annual is None or no_figure(medium.cell):
                continue
            m, a = self.amount("medium", key), self.amount("annual", key)
            if m is not None and a is not None and a > m + AMOUNT_TOL:
                name = "资金总额" if key == "total" else self.spec.lines[key][0]
                add("D06.above", annual.cell, plain(a), plain(m), line=name, annual=fmt(a), medium=fmt(m))

    # --- 绩效指标 ----------------------------------------------------------------------------------------------------
    def indicators(self) -> None:
        f = self.form
        counts: dict[str, dict[str, int]] = {}
        missing = unmeasured = 0
        for half in f.halves:
            targets = f.targets(half)
            counts[half] = self.count(targets)
            if half == "medium" and not targets:
                continue  # a 中期 half left empty (a one-year project): nothing to require of it
            self.required(half, ("D01.empty", "D01.missing"), self.spec.categories, "level1")
            self.required(half, ("D02.empty", "D02.missing"), self.spec.subcategories, "level2")
            for t in targets:
                name = short_name(t.name or t.level2 or t.level1 or f"第{t.row + 1}行")
                value = t["target"]
                if value.blank:
                    if t.name:
                        missing += 1
                        self.findings.add("D03.blank", value, None, None, name=name, half=HALF_NAMES[half])
                    continue
                if value.p.not_applicable or not self.matches(t, self.spec.quantified):
                    continue
                if not quantified(value.text):
                    unmeasured += 1
                    category = t.level2 or t.level1
                    self.findings.add("D04.unquantified", value, value.text, None, name=name, value=value.text,
                                      category=category)
        self.values["indicator_counts"] = counts
        self.values["indicators"] = sum(counts.get("annual", {}).values())
        self.values["missing_targets"] = missing
        self.values["unquantified"] = unmeasured

    def count(self, targets: list[Target]) -> dict[str, int]:
        """三级 indicators per 一级 category of the profile (others under 其他)."""
        known = {category_key(k): k for k in self.spec.levels}
        out = {k: 0 for k in self.spec.levels}
        for t in targets:
            k = known.get(category_key(t.level1), OTHER)
            out[k] = out.get(k, 0) + 1
        return out

    def required(self, half: str, keys: tuple[str, str], requirements: tuple[Requirement, ...], level: str) -> None:
        """D01 / D02: each requirement met by a 三级 of this half; else said at the category's row (written but
        without a 三级) or at the table's header (not written at all)."""
        header = self.form.header_cells.get(half, {})
        if level not in header:
            return  # the form has no such column: nothing to tell
        targets = self.form.targets(half)
        rows = [t for t in self.form.rows if t.half == half]
        for req in requirements:
            if not req.applies(self.form.year) or any(self.matches(t, req.names) for t in targets):
                continue
            words = dict(half=HALF_NAMES[half], name=req.name)
            written = next((t for t in rows if self.matches(t, req.names)), None)
            if written is not None:
                cell = written.level2_cell if self.matches_level(written.level2, req) else written.level1_cell
                self.findings.add(keys[0], cell, cell.text or None, None, **words)
            else:
                self.findings.add(keys[1], header[level], None, None, **words)

    @staticmethod
    def matches_level(name: str, req: Requirement) -> bool:
        return category_key(name) in {category_key(n) for n in req.names}


@checker("declaration")
def check_declaration(form: Declaration, profile: Profile) -> Result:
    """Check a 绩效目标申报表 under its profile and report every gap and contradiction."""
    c = _DeclarationCheck(form, profile)
    project = form.fields.get("project")
    c.values.update(project=project.text if project is not None else None, year=form.year, halves=list(form.halves))
    c.funds()
    c.indicators()
    return Result(form, profile, c.values, c.findings.sorted())

