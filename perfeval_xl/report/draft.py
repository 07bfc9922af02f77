"""A self-evaluation report drafted from the checked forms, in an official outline (outline.py): every figure is the
checker's (recomputed, rounded as the form shows it), sentences say them the way `report check` reads them, the
forms' own problems are listed in a table, and 【…】 marks only what a person must write. `report check` of the
draft against the same workbooks finds nothing.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from ..errors import refuse
from ..excelmath import ZERO, excel_round
from ..messages import REPORT_TEXT
from ..rules import RULES
from ..severity import Severity
from ..write.annotate import write_atomically
from .facts import HUNDRED, Subject, subjects_of
from .outline import Outline, get_outline
from .vocabulary import Vocabulary, vocabulary

UNSPENT_AT = Decimal(10)  # 预算结余率大于10%: the count the overview states (the outline's sentence says 10%)


def _n(x: Decimal | None, digits: int = 2) -> str:
    """A figure as the draft prints it: rounded half-up to `digits`, trailing zeros dropped ('446.5', '100')."""
    if x is None:
        return "—"
    s = format(excel_round(x, digits), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _quoted(name: str) -> str:
    """A project's name as a sentence writes it: in quotes, unless it carries its own."""
    return name if "“" in name else f"“{name}”"


def _computed(s: Subject, key: str) -> Decimal | None:
    fact = s.facts.get(key)
    return None if fact is None else fact.computed if fact.computed is not None else fact.stated


def draft_report(reports, out: str | Path, outline: Outline | None = None, vocab: Vocabulary | None = None) -> Path:
    """Write the draft of the checked workbooks (api.Report objects) to `out` (.docx), atomically."""
    from docx import Document

    outline = outline or get_outline()
    vocab = vocab or vocabulary()
    subjects = subjects_of(reports, vocab)
    projects = [s for s in subjects if s.is_project]
    if not subjects:
        raise refuse("no_form", "report")
    doc = Document()
    department = next((s.form.fields["department"].text for s in projects if "department" in s.form.fields
                       and s.form.fields["department"].text), "")
    doc.add_heading(outline.title.format(department=department), level=0)
    writer = _Writer(doc, outline, subjects, projects)
    for section in outline.sections:
        doc.add_heading(section.heading, level=1)
        for block in section.blocks:
            getattr(writer, block.kind)(block)
    buf = io.BytesIO()
    doc.save(buf)
    out = Path(out)
    write_atomically(out, lambda fh: fh.write(buf.getvalue()))
    return out


class _Writer:
    def __init__(self, doc, outline: Outline, subjects: list[Subject], projects: list[Subject]):
        self.doc, self.o, self.subjects, self.projects = doc, outline, subjects, projects
        self.say = outline.sentences

    def paragraph(self, text: str) -> None:
        self.doc.add_paragraph(text)

    def text(self, block) -> None:
        self.paragraph(block.text.format(projects=len(self.projects)))

    def placeholder(self, block) -> None:
        self.paragraph(REPORT_TEXT["draft.placeholder"].format(what=block.text))

    def overview(self, block) -> None:
        ps = [s for s in self.projects if _computed(s, "budget") is not None and _computed(s, "executed") is not None]
        if len(ps) < 2 or len(ps) != len(self.projects):
            return
        budget = sum((_computed(s, "budget") for s in ps), ZERO)
        executed = sum((_computed(s, "executed") for s in ps), ZERO)
        if not budget:
            return
        unspent = sum(1 for s in ps if (b := _computed(s, "balance")) is not None and b > UNSPENT_AT)
        self.paragraph(self.say["overview"].format(n=len(ps), budget=_n(budget), executed=_n(executed),
                                                   rate=_n(executed / budget * HUNDRED), unspent=unspent))

    def frameworks(self, block) -> None:
        for s in self.subjects:
            kind = self.o.framework_kinds.get(s.framework_kind or "")
            total = _computed(s, "total")
            if s.is_project or kind is None or total is None:
                continue
            grade = RULES["grade"].evaluate(total=total, bands=s.profile.grade_bands)
            self.paragraph(self.say["framework"].format(name=s.name, kind=kind, total=_n(total), grade=grade))

    def conclusions(self, block) -> None:
        for s in self.projects:
            total = _computed(s, "total")
            if total is None:
                continue
            grade = RULES["grade"].evaluate(total=total, bands=s.profile.grade_bands)
            self.paragraph(self.say["conclusion"].format(name=_quoted(s.name), total=_n(total), grade=grade))

    def budgets(self, block) -> None:
        for s in self.projects:
            values = {k: _computed(s, k) for k in ("budget", "executed", "rate", "execution_score")}
            if any(v is None for v in values.values()):
                continue
            self.paragraph(self.say["budget"].format(name=_quoted(s.name), budget=_n(values["budget"]),
                                                     executed=_n(values["executed"]), rate=_n(values["rate"]),
                                                     score=_n(values["execution_score"], 1)))

    def tables(self, block) -> None:
        for s in self.projects:
            form = s.form
            self.doc.add_paragraph(s.name, style="Heading 3")
            total = form.budget_total
            head = self.o.columns["table_budget"]
            table = self.doc.add_table(rows=1, cols=len(head))
            table.style = "Table Grid"
            for cell, title in zip(table.rows[0].cells, head):
                cell.text = title
            if total is not None:
                row = table.add_row().cells
                values = [s.name, _n(_computed(s, "initial")), _n(_computed(s, "budget")),
                          _n(_computed(s, "executed")), f"{_n(_computed(s, 'rate'))}%",
                          _n(_computed(s, "execution_score"), 1)]
                for cell, v in zip(row, values):
                    cell.text = v
            head = self.o.columns["table_indicators"]
            table = self.doc.add_table(rows=1, cols=len(head))
            table.style = "Table Grid"
            for cell, title in zip(table.rows[0].cells, head):
                cell.text = title
            for ind in form.indicators:
                row = table.add_row().cells
                values = [ind.level1, ind.level2, ind["level3"].text, ind["target"].text, ind["actual"].text,
                          ind["weight"].text, ind["score"].text]
                for cell, v in zip(row, values):
                    cell.text = v or ""
            total_score = _computed(s, "total")
            if total_score is not None:
                row = table.add_row().cells
                row[0].text = self.say["table_total"]
                row[-1].text = _n(total_score)
                row = table.add_row().cells
                row[0].text = self.say["table_grade"]
                row[-1].text = RULES["grade"].evaluate(total=total_score, bands=s.profile.grade_bands)

    def deviations(self, block) -> None:
        written = False
        for s in self.projects:
            rate = _computed(s, "rate")
            below = s.profile.budget.reason_below if s.profile.budget else None
            if rate is None or below is None or rate >= below * HUNDRED:
                continue
            total = s.form.budget_total
            reason = (total["reason"].text if total is not None else "") or self.say["no_reason"]
            self.paragraph(self.say["deviation"].format(name=_quoted(s.name), rate=_n(rate),
                                                        threshold=_n(below * HUNDRED), reason=reason))
            written = True
        if not written and self.projects and self.projects[0].profile.budget:
            below = self.projects[0].profile.budget.reason_below
            if below is not None:
                self.paragraph(self.say["no_deviation"].format(threshold=_n(below * HUNDRED)))

    def findings(self, block) -> None:
        rows = [(s, f) for s in self.subjects for f in s.findings if f.severity is Severity.ERROR]
        if not rows:
            self.paragraph(self.say["no_findings"])
            return
        self.paragraph(self.say["findings_intro"])
        head = self.o.columns["findings_columns"]
        table = self.doc.add_table(rows=1, cols=len(head))
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, head):
            cell.text = title
        from ..messages import CHECKS

        for s, f in rows:
            row = table.add_row().cells
            values = [f"{s.file} {s.name}", f"{f.sheet}!{f.cell}" if f.cell else f.sheet,
                      f"{f.check} {CHECKS[f.check].title}", f.message]
            for cell, v in zip(row, values):
                cell.text = v
