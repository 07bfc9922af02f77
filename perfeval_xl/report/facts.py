"""What the checked workbooks say, laid out for prose to be compared with: one Subject per form (a project's
self-evaluation or a framework table), holding each figure a report may quote as the form states it and as the
checker recomputed it, with the cell it stands in. Pure: built from `api.Report`s, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..excelmath import ZERO
from ..model import Cell, Form, Framework, Node
from ..profile import Profile
from ..values import amount_in_wan, as_fraction, norm_label
from .vocabulary import Vocabulary

HUNDRED = Decimal(100)
_NODE_CODE = re.compile(r"^[A-Z][0-9]*")
_PARENTHESIS = re.compile(r"[(（].*?(?:[)）]|$)")


@dataclass(frozen=True)
class Source:
    """Where a figure stands: the workbook, the sheet and the cell."""

    file: str
    sheet: str
    cell: str | None

    def as_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell}


@dataclass(frozen=True)
class Fact:
    """One figure of one form: as the form states it and as recomputed (either may be missing). Rates are in
    percent (71.38), amounts in 万元, scores in points."""

    stated: Decimal | None
    computed: Decimal | None
    source: Source
    digits: int = 2  # decimals the form shows

    @property
    def values(self) -> tuple[Decimal, ...]:
        return tuple(x for x in (self.stated, self.computed) if x is not None)

    @property
    def shown(self) -> Decimal | None:
        """What the form shows, else what it should show."""
        return self.stated if self.stated is not None else self.computed


@dataclass
class Subject:
    """One form a report may speak about."""

    key: str  # '<file>#<sheet>#<n>': unique
    kind: str  # 'project' | 'framework'
    name: str  # the project's name without its code; a framework's profile title
    code: str | None
    profile: Profile
    file: str
    sheet: str
    facts: dict[str, Fact] = field(default_factory=dict)  # 'budget', 'executed', 'rate', 'total', …
    satisfaction: tuple[Fact, ...] = ()  # the satisfaction indicators' 完成值 (project forms)
    nodes: dict[str, Fact] = field(default_factory=dict)  # framework indicator name (normalised) -> score
    framework_kind: str | None = None  # 'dept' | 'special' | None
    questionnaire: Fact | None = None  # satisfaction (%) from the questionnaire tally
    findings: list = field(default_factory=list)  # the workbook check's findings about this form
    form: object = None  # the model.Form or model.Framework

    @property
    def is_project(self) -> bool:
        return self.kind == "project"


def subjects_of(reports, vocab: Vocabulary) -> list[Subject]:
    """A Subject for every form of every checked (not refused) workbook report, in the order given."""
    out: list[Subject] = []
    for report in reports:
        if report.refusal is not None:
            continue
        file = Path(report.path).name
        for n, result in enumerate(report.results):
            key = f"{report.path}#{result.form.sheet}#{n}"
            if isinstance(result.form, Form):
                out.append(_project(key, file, result, vocab))
            elif isinstance(result.form, Framework):
                out.append(_framework(key, file, result, vocab))
    return out


def split_code(text: str, vocab: Vocabulary) -> tuple[str | None, str]:
    """'51140022T000000289349-“一窗进出”改革…' -> ('51140022T000000289349', '“一窗进出”改革…')."""
    t = text.strip()
    m = vocab.code.match(t)
    if m:
        return m.group(0), t[m.end():].lstrip("-—－_ ：:").strip()
    return None, t


def _project(key: str, file: str, result, vocab: Vocabulary) -> Subject:
    form: Form = result.form
    values = result.values
    code, name = split_code(form.fields["project"].text if "project" in form.fields else "", vocab)
    s = Subject(key, "project", name, code, result.profile, file, form.sheet, findings=list(result.findings),
                form=form)
    total = form.budget_total
    if total is not None:
        amount = lambda c: amount_in_wan(c.p, form.amount_unit)  # noqa: E731
        for metric, col in (("initial", "initial"), ("budget", "budget"), ("executed", "executed")):
            cell = total[col]
            computed = _dec(values.get({"initial": "budget_initial", "budget": "budget_adjusted",
                                        "executed": "budget_executed"}[metric]))
            s.facts[metric] = Fact(amount(cell), computed, Source(file, form.sheet, cell.ref), 2)
        B, E = amount(total["budget"]), amount(total["executed"])
        rate = E / B * HUNDRED if B and E is not None else None
        stated_rate, shown = as_fraction(total["rate"].p, near=rate / HUNDRED if rate is not None else None)
        stated_rate = stated_rate * HUNDRED if stated_rate is not None else None
        s.facts["rate"] = Fact(stated_rate, rate, Source(file, form.sheet, total["rate"].ref), max(shown - 2, 2))
        s.facts["balance"] = Fact(HUNDRED - stated_rate if stated_rate is not None else None,
                                  HUNDRED - rate if rate is not None else None,
                                  Source(file, form.sheet, total["rate"].ref), 2)
        score = total["score"]
        s.facts["execution_score"] = Fact(score.number, _dec(values.get("execution_score")),
                                          Source(file, form.sheet, score.ref), 1)
    ts = form.total_score
    s.facts["total"] = Fact(ts.number, _dec(values.get("total_score")), Source(file, form.sheet, ts.ref), 2)
    sat = []
    for ind in form.indicators:
        actual: Cell = ind["actual"]
        unit = ind["unit"].text or actual.p.unit
        if actual.number is not None and "%" in unit and ("满意" in ind.level1 or "满意" in ind["level3"].text):
            sat.append(Fact(actual.number, None, Source(file, form.sheet, actual.ref), 2))
    s.satisfaction = tuple(sat)
    return s


def _framework(key: str, file: str, result, vocab: Vocabulary) -> Subject:
    fw: Framework = result.form
    p: Profile = result.profile
    kind = next((k.key for k in vocab.frameworks if any(w in p.name or w in p.title for w in k.profiles)), None)
    s = Subject(key, "framework", p.title, None, p, file, fw.sheet, framework_kind=kind,
                findings=list(result.findings), form=fw)
    ts = fw.total_score
    s.facts["total"] = Fact(ts.number, _dec(result.values.get("total_score")), Source(file, fw.sheet, ts.ref), 2)
    seen: dict[str, Fact | None] = {}
    for node in fw.walk():
        name = node_name(node.name)
        if len(name) < 3:
            continue
        score = _node_score(node, p)
        fact = Fact(node.score.number, score, Source(file, fw.sheet, node.score.ref or node.label.ref), 2)
        seen[name] = None if name in seen else fact  # a name two indicators share names neither
    s.nodes = {k: v for k, v in seen.items() if v is not None}
    if fw.questionnaires:
        from ..check.framework import questionnaire_satisfaction

        q = fw.questionnaires[0]
        value = questionnaire_satisfaction(q)
        if value is not None:
            cell = q.score if q.score.row is not None else q.valid
            s.questionnaire = Fact(None, value, Source(file, q.sheet, cell.ref), 2)
    return s


def node_name(name: str) -> str:
    """An indicator's name as prose writes it: no code in front ('A11'), nothing in brackets ('(2分)')."""
    return norm_label(_PARENTHESIS.sub("", _NODE_CODE.sub("", norm_label(name))))


def _node_score(node: Node, profile: Profile) -> Decimal | None:
    """A node's score: stated, else the sum of its children's when every one is known (no pick-one block, no
    deduction below)."""
    if node.score.number is not None:
        return node.score.number
    if node.is_leaf or node.deduction or (profile.table and profile.table.is_pick_one(node.name)):
        return None
    parts = [_node_score(c, profile) for c in node.children]
    if any(x is None for x in parts) or any(c.deduction for c in node.children):
        return None
    return sum(parts, ZERO)


def _dec(x) -> Decimal | None:
    if x is None or isinstance(x, str):
        return None
    return x if isinstance(x, Decimal) else Decimal(str(x))
