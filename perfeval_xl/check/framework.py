"""A weighted indicator framework (部门整体 / 专项 evaluation tables): weights close over the tree (C07), scores stay
within their weights (C08) and add up to every stated subtotal and total (C09), nothing is left blank (C10), the grade
matches (C15), a questionnaire tally adds up (C20), and rows the profile scores by rule agree with the data (基础数据,
C11) and the questionnaire (C19). A budget block above the table is checked like a project form's. Pure: no I/O.
"""

from __future__ import annotations

from decimal import Decimal

from ..excelmath import ZERO, plain
from ..model import Framework, Node, Questionnaire
from ..profile import Profile
from ..rules import RULES
from ..tree import call_arguments, describe_expression, evaluate_expression
from ..values import norm_label
from .budget import check_budget
from .findings import Findings, Result, fmt, short_name
from .registry import checker

TOL = Decimal("0.005")


class _FrameworkCheck:
    def __init__(self, fw: Framework, profile: Profile):
        self.fw, self.p = fw, profile
        self.findings = Findings(fw.sheet)
        self.values: dict = {}

    def node(self, n: Node) -> tuple[Decimal, Decimal]:
        """(weight, score) of a subtree as recomputed, with C07–C10 findings on the way."""
        add = self.findings.add
        name = short_name(n.name)
        w = n.weight.number
        if n.is_leaf and n.deduction:  # a deduction row: blank means nothing deducted
            return w or ZERO, abs(n.score.number or ZERO)
        if n.is_leaf:
            s = n.score.number
            if w is None:
                add("C10.node_weight", n.label, None, None, name=name)
            if s is None:
                add("C10.node_score", n.score if n.score.row is not None else n.label, n.score.text or None, None,
                    name=name)
                return w or ZERO, ZERO
            if w is not None and s > w:
                add("C08.leaf_above", n.score, plain(s), plain(w), name=name, stated=fmt(s), computed=fmt(w))
                return w, w
            if s < 0:
                add("C08.negative", n.score, plain(s), 0, stated=fmt(s))
                return w or ZERO, ZERO
            return w or ZERO, s
        children = n.children
        if self.p.table.is_pick_one(n.name):
            children = _chosen(self.alternatives(n))  # 眉山 专用指标: the alternative filled in counts
        self.missing_group_weights(children)
        parts = [self.node(c) for c in children]
        cw = sum((x for x, _ in parts), ZERO)
        cs = sum((y for _, y in parts), ZERO)
        complete = all(c.weight.number is not None or not c.is_leaf for c in children)
        if w is not None and complete and not n.deduction and abs(cw - w) > TOL:
            add("C07.children", n.weight, plain(w), plain(cw), name=name, stated=fmt(w), computed=fmt(cw))
        s = n.score.number
        if s is not None and abs(s - cs) > TOL:
            add("C09.subtotal", n.score, plain(s), plain(cs), name=name, stated=fmt(s), computed=fmt(cs))
        return (w if w is not None else cw), cs

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
        self.missing_group_weights(fw.roots)
        weight = score = deducted = ZERO
        for root in fw.roots:
            w, s = self.node(root)
            if root.deduction:  # 扣分项 (10分): at most its weight comes off
                deducted += min(s, root.weight.number) if root.weight.number is not None else s
            else:
                weight, score = weight + w, score + s
        total = score - deducted
        self.values.update(weight_total=plain(weight), score_total=plain(score), deductions=plain(deducted),
                           total_score=plain(total))
        expected = p.total_weight
        if fw.roots and abs(weight - expected) > TOL:
            cell = fw.total_weight if fw.total_weight.row is not None else fw.roots[0].weight
            add("C07.roots", cell, plain(weight), plain(expected), stated=fmt(weight), computed=fmt(expected))
        ts = fw.total_score
        if ts.number is not None and abs(ts.number - total) > TOL:
            add("C09.fw_total", ts, plain(ts.number), plain(total), stated=fmt(ts.number), computed=fmt(total))
        grade = RULES["grade"].evaluate(total=total, bands=p.grade_bands)
        self.values["grade"] = grade
        if fw.grade.row is not None and fw.grade.text and fw.grade.text != grade:
            add("C15.grade", fw.grade, fw.grade.text, grade, total=fmt(total), computed=grade, stated=fw.grade.text)
        for s in fw.summaries:
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
