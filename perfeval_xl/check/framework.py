"""A weighted indicator framework (部门整体 / 专项 evaluation tables): weights close over the tree (C07), scores stay
within their weights (C08) and add up to every stated subtotal and total (C09), nothing is left blank (C10), the grade
matches (C15), a questionnaire tally adds up (C20), and rows the profile scores by rule agree with the data (基础数据,
C11) and the questionnaire (C19). A budget block above the table is checked like a project form's. Pure: no I/O.

Only what the printed table proves is an error: siblings under one merged weight cell share it (their rows are
summed against it together); a sum that needs a weight the table does not print is not claimed wrong — C10 reports
the missing weight and C07 adds one note (info) saying which level cannot be verified. A total or grade stated in a
cell is checked at that cell; a sentence only where no cell states the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..excelmath import ZERO, plain
from ..messages import word
from ..model import Framework, Node, Questionnaire
from ..profile import Profile
from ..rules import RULES
from ..tree import call_arguments, describe_expression, evaluate_expression
from ..values import norm_label
from .budget import check_budget
from .findings import Findings, Result, Severity, fmt, short_name
from .registry import checker

TOL = Decimal("0.005")


@dataclass
class _Part:
    """What a node (or a group of siblings sharing one weight cell) carries toward its parent."""

    weight: Decimal | None  # the weight printed, or what its rows give; None: unknown (a row sharing a weight)
    score: Decimal
    missing: list[str] = field(default_factory=list)  # names whose missing weights leave `weight` unproven


class _FrameworkCheck:
    def __init__(self, fw: Framework, profile: Profile):
        self.fw, self.p = fw, profile
        self.findings = Findings(fw.sheet)
        self.values: dict = {}

    def node(self, n: Node, shared: bool = False) -> _Part:
        """A subtree's weight and score as recomputed, with C07–C10 findings on the way. `shared`: the node shares
        its weight cell with siblings, so its own weight is not compared (`unit` compares the shared one)."""
        add = self.findings.add
        name = short_name(n.name)
        w = None if shared else n.weight.number
        if n.is_leaf and n.deduction:  # a deduction row: blank means nothing deducted
            return _Part(w or ZERO, abs(n.score.number or ZERO))
        if n.is_leaf:
            s = n.score.number
            missing = []
            if w is None and not shared:
                add("C10.node_weight", n.label, None, None, name=name)
                missing = [n.name]
            own = None if shared else (w or ZERO)
            if s is None:
                add("C10.node_score", n.score if n.score.row is not None else n.label, n.score.text or None, None,
                    name=name)
                return _Part(own, ZERO, missing)
            if w is not None and s > w:
                add("C08.leaf_above", n.score, plain(s), plain(w), name=name, stated=fmt(s), computed=fmt(w))
                return _Part(w, w)
            if s < 0:
                add("C08.negative", n.score, plain(s), 0, stated=fmt(s))
                return _Part(own, ZERO, missing)
            return _Part(own, s, missing)
        children = n.children
        if self.p.table.is_pick_one(n.name):
            children = _chosen(self.alternatives(n))  # 眉山 专用指标: the alternative filled in counts
        cw, cs, missing = self.level(children)
        if w is not None and not n.deduction:
            if missing:
                add("C07.unverifiable", n.weight, plain(w), None, severity=Severity.INFO, name=name, stated=fmt(w),
                    missing=_names(missing))
            elif abs(cw - w) > TOL:
                add("C07.children", n.weight, plain(w), plain(cw), name=name, stated=fmt(w), computed=fmt(cw))
        s = n.score.number
        if s is not None and abs(s - cs) > TOL:
            add("C09.subtotal", n.score, plain(s), plain(cs), name=name, stated=fmt(s), computed=fmt(cs))
        return _Part(w, cs) if w is not None else _Part(cw, cs, missing)

    def level(self, siblings: list[Node]) -> tuple[Decimal, Decimal, list[str]]:
        """(Σ weights, Σ scores, names whose missing weights leave Σ weights unproven) of one level's nodes."""
        self.missing_group_weights(siblings)
        prints = any(x.weight.number is not None for x in siblings)
        weight = score = ZERO
        missing: list[str] = []
        for unit in _units(siblings):
            part = self.unit(unit) if len(unit) > 1 else self.node(unit[0])
            if len(unit) == 1 and not unit[0].is_leaf and unit[0].weight.number is None and prints:
                part.missing = [unit[0].name]  # C10 said this group's weight is missing: its rows do not stand in
            weight += part.weight or ZERO
            score += part.score
            missing += part.missing
        return weight, score, missing

    def unit(self, members: list[Node]) -> _Part:
        """Siblings under one merged weight cell: the weight covers them together (C07 against all their rows; rows
        sharing a weight are scored within it together, C08)."""
        cell = members[0].weight
        w = cell.number
        names = "、".join(short_name(m.name, 12) for m in members)
        parts = [self.node(m, shared=True) for m in members]
        score = sum((p.score for p in parts), ZERO)
        if all(m.is_leaf for m in members):
            if w is not None and score > w:
                last = max((m for m in members if m.score.row is not None), key=lambda m: m.score.row)
                self.findings.add("C08.joint_above", last.score, plain(score), plain(w), names=names,
                                  stated=fmt(score), computed=fmt(w))
                score = w
            return _Part(w, score, [] if w is not None else [m.name for m in members])
        missing = [x for m, p in zip(members, parts) for x in (p.missing or ([m.name] if p.weight is None else []))]
        if w is None:
            return _Part(None, score, missing or [m.name for m in members])
        rows = sum((p.weight or ZERO for p in parts), ZERO)
        if missing:
            self.findings.add("C07.unverifiable", cell, plain(w), None, severity=Severity.INFO, name=names,
                              stated=fmt(w), missing=_names(missing))
        elif abs(rows - w) > TOL:
            self.findings.add("C07.joint", cell, plain(w), plain(rows), names=names, stated=fmt(w),
                              computed=fmt(rows))
        return _Part(w, score)

    def alternatives(self, n: Node) -> list[Node]:
        """The alternatives of a pick-one block. A block whose alternatives are groups in the profile's tree but
        were read as one flat list of leaves (a table with one level column fewer than the tree: 眉山 基础设施 →
        在建项目 / 建成项目) is regrouped by the tree; leaves the tree does not know leave the block as read."""
        spec = self.p.tree_nodes.get(tuple(norm_label(x) for x in n.path))
        if spec is None or not all(c.is_leaf for c in n.children) or all(a.is_leaf for a in spec.children):
            return n.children
        read = {norm_label(c.name): c for c in n.children}
        groups = []
        for alt in spec.children:
            members = [read.pop(key) for key in (norm_label(x.name) for x in alt.leaves()) if key in read]
            if members:
                groups.append(Node(path=n.path + (alt.name,), label=members[0].label, children=members))
        return n.children if read else groups

    def missing_group_weights(self, siblings: list[Node]) -> None:
        """C10: a group without a weight among groups that have one (五华 过程)."""
        if any(x.weight.number is not None for x in siblings):
            for x in siblings:
                if not x.is_leaf and x.weight.number is None and not x.deduction:
                    self.findings.add("C10.node_weight", x.label, None, None, name=short_name(x.name))

    def tree(self) -> None:
        fw, p, add = self.fw, self.p, self.findings.add
        deducted = ZERO
        for root in (r for r in fw.roots if r.deduction):  # 扣分项 (10分): at most its weight comes off
            s = self.node(root).score
            deducted += min(s, root.weight.number) if root.weight.number is not None else s
        weight, score, missing = self.level([r for r in fw.roots if not r.deduction])
        total = score - deducted
        # the weights' sum is not stated where a weight it needs is not printed (C07 says which)
        self.values.update(weight_total=None if missing else plain(weight), score_total=plain(score),
                           deductions=plain(deducted), total_score=plain(total))
        expected = p.total_weight
        cell = fw.total_weight if fw.total_weight.row is not None else fw.roots[0].weight if fw.roots else None
        if fw.roots and missing:
            add("C07.roots_unverifiable", cell, None, None, severity=Severity.INFO, missing=_names(missing),
                computed=fmt(expected))
        elif fw.roots and abs(weight - expected) > TOL:
            add("C07.roots", cell, plain(weight), plain(expected), stated=fmt(weight), computed=fmt(expected))
        grade = RULES["grade"].evaluate(total=total, bands=p.grade_bands)
        self.values["grade"] = grade
        self.stated(total, grade)

    def stated(self, total: Decimal, grade: str) -> None:
        """C09 / C15: totals and grades stated in cells (the total row, labelled cells, a ticked row) and in
        sentences. A sentence is checked where no cell states its figure, or where it says something else."""
        fw, p, add = self.fw, self.p, self.findings.add
        ts = fw.total_score
        if ts.number is not None and abs(ts.number - total) > TOL:
            add("C09.fw_total", ts, plain(ts.number), plain(total), stated=fmt(ts.number), computed=fmt(total))
        if fw.grade.row is not None and fw.grade.text and fw.grade.text != grade:
            add("C15.grade", fw.grade, fw.grade.text, grade, total=fmt(total), computed=grade, stated=fw.grade.text)
        totals = [ts.number] if ts.number is not None else []
        grades = [fw.grade.text] if fw.grade.row is not None and fw.grade.text else []
        for s in (x for x in fw.summaries if x.labelled):
            if s.kind == "total":
                totals.append(s.value)
                if abs(s.value - total) > TOL:
                    add("C09.stated", s.cell, plain(s.value), plain(total), label=s.label, stated=fmt(s.value),
                        computed=fmt(total))
            else:
                grades.append(s.value)
                if s.value != grade:
                    add("C15.stated", s.cell, s.value, grade, label=s.label, stated=s.value, computed=grade,
                        total=fmt(total))

        def said_by_a_cell(s) -> bool:
            same_total = s.total is None or any(abs(s.total - t) <= TOL for t in totals)
            if s.kind == "total":
                return any(abs(s.value - t) <= TOL for t in totals)
            return s.value in grades and same_total

        for s in (x for x in fw.summaries if not x.labelled and not said_by_a_cell(x)):
            if s.kind == "total" and abs(s.value - total) > TOL:
                add("C09.summary", s.cell, plain(s.value), plain(total), stated=fmt(s.value), computed=fmt(total))
            if s.kind == "grade" and s.value != grade:
                add("C15.summary", s.cell, s.value, grade, stated=s.value, computed=grade, total=fmt(total))
            elif s.kind == "grade" and s.total is not None:
                own = RULES["grade"].evaluate(total=s.total, bands=p.grade_bands)
                if own != s.value:  # '综合评分92分，评价等级为良': the sentence contradicts itself
                    add("C15.sentence", s.cell, s.value, own, stated=s.value, computed=own, total=fmt(s.total))

    def questionnaire(self, q: Questionnaire) -> None:
        """C20: each question's counts add to the valid questionnaires; Σ(count × points) and the mean match."""
        add = self.findings.add
        valid = q.valid.number
        tally = ZERO
        for question in q.questions:
            counts = sum((c.number or ZERO for _, _, c in question.options), ZERO)
            tally += sum(((pts.number or ZERO) * (c.number or ZERO) for _, pts, c in question.options), ZERO)
            if valid is not None and counts != valid:
                add("C20.count", question.label, plain(counts), plain(valid), sheet=q.sheet, number=question.number,
                    stated=fmt(counts), computed=fmt(valid))
        stated = q.total_points.number
        if stated is not None and stated != tally:
            add("C20.total", q.total_points, plain(stated), plain(tally), sheet=q.sheet, stated=fmt(stated),
                computed=fmt(tally))
        if q.score.number is not None and valid:
            mean = (stated if stated is not None else tally) / valid
            if abs(q.score.number - mean) > TOL:
                add("C20.score", q.score, plain(q.score.number), plain(mean), sheet=q.sheet,
                    stated=fmt(q.score.number), computed=fmt(mean))
        self.values.setdefault("questionnaires", []).append(
            {"sheet": q.sheet, "valid": plain(valid), "tally": plain(tally),
             "score": plain(tally / valid) if valid else None})

    def rules_from_data(self) -> None:
        """C11 / C19: rows the profile scores by a rule are recomputed from the data the workbook carries."""
        values = {norm_label(name): (c.number if c.number is not None else (c.text or None))
                  for name, c in self.fw.data.items()}
        satisfaction = _satisfaction(self.fw.questionnaires[0]) if self.fw.questionnaires else None
        read = {tuple(norm_label(x) for x in n.path): n for n in self.fw.walk() if n.is_leaf}
        by_name: dict[str, list[Node]] = {}
        for path, n in read.items():
            by_name.setdefault(path[-1], []).append(n)
        for spec in (x for root in self.p.tree for x in root.leaves() if x.method):
            path = tuple(norm_label(x) for x in spec.path)
            node = read.get(path)
            if node is None:  # the table may group the row differently: a unique name will do
                same = by_name.get(path[-1], [])
                node = same[0] if len(same) == 1 else None
            if node is None or node.score.number is None:
                continue
            exprs = {k: _normalised(e) for k, e in spec.inputs.items()}
            uses_questionnaire = any("questionnaire" in e for e in exprs.values())
            data = dict(values)
            if satisfaction is not None:
                data.update({e["questionnaire"]: satisfaction for e in exprs.values() if "questionnaire" in e})
            try:
                inputs = {k: evaluate_expression(e, data) for k, e in exprs.items()}
            except ValueError:  # text where a number belongs: C10 territory, not a rule to recompute
                continue
            if any(v is None for v in inputs.values()):
                continue
            weight = node.weight.number if node.weight.number is not None else spec.weight
            if weight is None:
                continue  # the unit sets this row's weight and has not: C10 says so
            score = RULES[spec.method].evaluate(**inputs, **call_arguments(spec.method, spec.params, weight))
            stated = node.score.number
            if abs(stated - score) <= TOL:
                continue
            name = short_name(node.name)
            if uses_questionnaire:
                self.findings.add("C19.satisfaction", node.score, plain(stated), plain(score), name=name,
                                  satisfaction=fmt(satisfaction, 2), computed=fmt(score), stated=fmt(stated))
            else:
                shown = "，".join(f"{describe_expression(spec.inputs[k])} = "
                                 f"{fmt(v, 2) if isinstance(v, Decimal) else v}" for k, v in inputs.items())
                self.findings.add("C11.rule", node.score, plain(stated), plain(score), name=name,
                                  rule=RULES[spec.method].title, inputs=shown, computed=fmt(score), stated=fmt(stated))


def _units(siblings: list[Node]) -> list[list[Node]]:
    """Siblings in reading order, those sharing one merged weight cell together."""
    units: list[list[Node]] = []
    for n in siblings:
        head = units[-1][0] if units else None
        if head is not None and n.weight.row is not None and n.weight.ref == head.weight.ref and not n.deduction:
            units[-1].append(n)
        else:
            units.append([n])
    return units


def _names(names: list[str], shown: int = 3) -> str:
    """'“过程”“产出”' or '“过程”等 5 项' for a finding's sentence."""
    if len(names) > shown:
        return word("names", first=short_name(names[0], 12), count=len(names))
    return "".join(f"“{short_name(x, 12)}”" for x in names)


def _normalised(expr: dict) -> dict:
    """An input expression with its data item names normalised like the labels read from the sheet."""
    return {k: [norm_label(a) if isinstance(a, str) else a for a in v] if isinstance(v, list)
            else (norm_label(v) if isinstance(v, str) else v) for k, v in expr.items()}


def _satisfaction(q: Questionnaire) -> Decimal | None:
    """综合得分 ÷ 满分 × 100: the questionnaire's stated 综合得分 (its own conclusion; a tally that does not add up
    is C20's finding), else the tally's mean, over the best possible points."""
    full = sum((max((p.number or ZERO) for _, p, _ in question.options)
                for question in q.questions if question.options), ZERO)
    valid = q.valid.number
    if not full or not valid:
        return None
    if q.score.number is not None:
        return q.score.number / full * 100
    tally = sum(((p.number or ZERO) * (c.number or ZERO) for question in q.questions for _, p, c in question.options),
                ZERO)
    return tally / valid / full * 100


def questionnaire_satisfaction(q: Questionnaire) -> Decimal | None:
    """The satisfaction (%) a questionnaire tally gives (what C19 scores from; a report's figure is compared with
    it too)."""
    return _satisfaction(q)


def _chosen(alternatives: list[Node]) -> list[Node]:
    """The alternatives of a pick-one block that were filled in: those with a score above 0, else those with any
    score (a chosen alternative may score 0), else the first."""
    for filled in (lambda x: (x.score.number or ZERO) > 0, lambda x: x.score.number is not None):
        chosen = [c for c in alternatives if any(filled(x) for x in c.leaves())]
        if chosen:
            return chosen
    return alternatives[:1]


@checker("framework")
def check_framework(fw: Framework, profile: Profile) -> Result:
    """Recompute a framework table under its profile and report every discrepancy."""
    c = _FrameworkCheck(fw, profile)
    if fw.budget is not None and profile.budget is not None:
        c.values.update(check_budget(fw.budget, profile, c.findings).values)
    c.tree()
    for q in fw.questionnaires:
        c.questionnaire(q)
    c.rules_from_data()
    return Result(fw, profile, c.values, c.findings.sorted())
