"""A report's figures against the checked forms: each figure linked to what it speaks about, compared, and every
contradiction a reviewer can prove from the forms reported.

    C16  a project's (or a framework's) figure in the text differs from its form
    C17  a figure over a group of projects differs from what their forms add up to (sums, overall rate, counts)
    C19  a satisfaction figure differs from the questionnaire or the satisfaction indicator
    C15  a grade word does not fit the total under the form's grade bands

Precision first: a figure is compared only when what it speaks about is certain (a project named in its sentence,
or the one project its paragraph or heading is about; a framework or an indicator named in its own clause; a group
whose size the text states and whose members the paragraph names); a figure written with fewer decimals agrees with
the form's when it is that figure rounded or cut; a figure that agrees with any reading (stated or recomputed, the
adjusted or the initial budget) raises nothing. Everything that cannot be linked is counted, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from ..excelmath import ZERO, excel_round, plain
from ..messages import CHECKS, REPORT_METRICS, REPORT_TEXT, say
from ..rules import RULES
from ..severity import Severity
from .document import Paragraph
from .extract import Figure, Sentence, chinese_number, clause_start, figures, sentences
from .facts import HUNDRED, Source, Subject
from .names import AMBIGUOUS, Mention, NameIndex
from .vocabulary import Vocabulary

UNITS = {"amount": "万元", "rate": "%", "score": "分", "count": "个"}
_CONDITION_UNITS = {"%": "rate", "分": "score"}
_FIGURE_BETWEEN = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万元|元|分)")


@dataclass(frozen=True)
class ReportFinding:
    """One contradiction between the report and the forms."""

    check: str
    severity: Severity
    paragraph: int  # 1-based (python-docx's document.paragraphs; a text file's line)
    quote: str  # the sentence
    stated: object  # the figure as the report states it (a number in its unit, or a grade word)
    computed: object  # what the forms give, in the same unit
    unit: str
    message: str
    source: Source | None  # the form's cell (for a group: the first form's)
    sources: tuple[Source, ...] = ()  # every cell that went into the computed figure
    start: int = 0  # the sentence's place in the paragraph text
    end: int = 0

    @property
    def cell(self) -> str | None:
        return self.source.cell if self.source else None

    def as_dict(self) -> dict:
        return {"check": self.check, "severity": self.severity.value, "paragraph": self.paragraph,
                "quote": self.quote.strip(), "stated": _json(self.stated), "computed": _json(self.computed),
                "unit": self.unit, "message": self.message,
                "source": self.source.as_dict() if self.source else None,
                "sources": [s.as_dict() for s in self.sources]}


@dataclass
class Outcome:
    findings: list[ReportFinding] = field(default_factory=list)
    linked: int = 0
    unlinked: int = 0


def check_paragraphs(paragraphs: list[Paragraph], subjects: list[Subject], vocab: Vocabulary) -> Outcome:
    """Every finding of the report's paragraphs against the forms (`facts.subjects_of`)."""
    return _Checker(subjects, vocab).run(paragraphs)


# --- agreement ----------------------------------------------------------------------------------------------------
def agrees(value: Decimal, digits: int, form: Decimal, form_digits: int = 2, *, cut: bool = True) -> bool:
    """Whether a figure written with `digits` decimals is the form's figure: equal, or the form's rounded half-up
    (or, with `cut`, cut) to those decimals; a figure written more precisely than the form is compared at the
    form's precision."""
    if value == form:
        return True
    if digits >= form_digits and digits > 0:
        return excel_round(value, form_digits) == excel_round(form, form_digits)
    q = Decimal(1).scaleb(-digits)
    return value == excel_round(form, digits) or (cut and value == form.quantize(q, rounding=ROUND_DOWN))


def _agrees_any(f: Figure, values, form_digits: int = 2) -> bool:
    """Amounts and rates may be cut short as people shorten them (21.15 → 21.1); a score is rounded or exact."""
    return any(agrees(f.value, f.digits, v, form_digits, cut=f.kind != "score") for v in values if v is not None)


def _shown(x: Decimal, digits: int = 2) -> Decimal:
    return excel_round(x, digits).normalize() if x != x.to_integral_value() else x.quantize(Decimal(1))


def _json(x):
    return plain(x) if isinstance(x, Decimal) else x


def _say_number(x: Decimal | None, unit: str, digits: int = 2) -> str:
    if x is None:
        return REPORT_TEXT["none"]
    s = format(_shown(x, digits), "f")
    return f"{s}{unit}" if unit in ("%",) else f"{s} {unit}" if unit else s


class _Checker:
    def __init__(self, subjects: list[Subject], vocab: Vocabulary):
        self.vocab = vocab
        self.subjects = {s.key: s for s in subjects}
        self.projects = [s for s in subjects if s.is_project]
        self.names = NameIndex(subjects, vocab)
        self.out = Outcome()
        self.specials = [s for s in subjects if s.framework_kind == "special"]
        self.questionnaires = [s for s in subjects if s.questionnaire is not None]

    # --- walking the report ---------------------------------------------------------------------------------
    def run(self, paragraphs: list[Paragraph]) -> Outcome:
        heading_topic: str | None = None
        for para in paragraphs:
            if not para.text.strip():
                continue
            if para.heading:
                heading_topic = self.only_project(self.names.mentions(para.text))
            self.paragraph(para, heading_topic)
        return self.out

    def only_project(self, mentions: list[Mention]) -> str | None:
        """The one project the mentions name, when they name nothing else."""
        keys = {m.subject for m in mentions}
        if len(keys) == 1 and mentions[0].kind == "project" and mentions[0].subject not in (None, AMBIGUOUS):
            return mentions[0].subject
        return None

    def paragraph(self, para: Paragraph, heading_topic: str | None) -> None:
        topic = heading_topic
        group: list[str] = []  # projects named in this paragraph, in order
        group_ok = True  # no mention in the paragraph was ambiguous
        size: int | None = None  # the group size the paragraph states
        for sentence in sentences(para):
            mentions = self.names.mentions(sentence.text)
            figs = figures(sentence, self.vocab)
            stated_size = self.group_size(sentence)
            if stated_size is not None:
                size = stated_size
            consumed = self.counts(sentence, figs, group if group_ok else None, size)
            for f in figs:
                if f.start in consumed:
                    continue
                # an indicator's name speaks only for a score in its own clause ('预算执行' is also in '预算执行率')
                seen = [m for m in mentions if m.kind != "node" or (f.kind == "score" and m.end <= f.start and (
                    m.start >= f.clause_start or self.weight_between(sentence, m, f)))]
                before = [m for m in seen if m.end <= f.start]
                if not before and f.kind in ("amount", "rate", "count") and self.is_aggregate(sentence, f, seen):
                    linked = self.aggregate(sentence, f, group if group_ok else None, size)
                else:
                    linked = self.figure(sentence, f, seen, before, topic)
                if linked:
                    self.out.linked += 1
                else:
                    self.out.unlinked += 1
            for m in mentions:
                if m.kind == "project":
                    if m.subject in (None, AMBIGUOUS):
                        group_ok = False
                    elif m.subject not in group:
                        group.append(m.subject)
            named = [m for m in mentions if m.kind != "node"]
            if named:
                topic = self.only_project(named)

    # --- one figure about one form --------------------------------------------------------------------------
    def subject_of(self, sentence: Sentence, f: Figure, mentions: list[Mention], before: list[Mention],
                   topic: str | None) -> Mention | str | None:
        if before:
            m = before[-1]
            if m.subject in (None, AMBIGUOUS) or m.kind == "other":
                return None
            if m.start >= f.clause_start and _FIGURE_BETWEEN.search(sentence.flat, m.end, f.start):
                return None  # '满意度指标100%得8分': a rule, not a statement about the indicator
            if m.kind != "project" and m.start < f.clause_start and not self.weight_between(sentence, m, f):
                return None  # a framework or an indicator is the subject only within its own clause
            return m
        if mentions:
            return None  # named only after the figure: how they relate is not certain
        return topic

    def weight_between(self, sentence: Sentence, m: Mention, f: Figure) -> bool:
        """'部门职能总评价分10分，实际得分10分': only the indicator's weight stands between its name and the score."""
        between = sentence.flat[m.end:f.clause_start]
        words = "|".join(re.escape(w) for w in self.vocab.metric("weight").words) if any(
            x.key == "weight" for x in self.vocab.metrics) else None
        return bool(words) and re.fullmatch(rf"(?:{words})[为是:]?\d+(?:\.\d+)?分[,，]", between) is not None

    def figure(self, sentence: Sentence, f: Figure, mentions, before, topic) -> bool:
        if f.kind == "grade":
            return self.grade(sentence, f, mentions, before, topic)
        if f.approximate or f.blocked or f.metric is None or f.kind == "count":
            return False
        subject = self.subject_of(sentence, f, mentions, before, topic)
        if f.metric == "satisfaction" and self.names_questionnaire(sentence, f) and (
                not before or before[-1].kind in ("other", "framework")):
            return self.questionnaire(sentence, f, None)  # the department's questionnaire, not a project's
        if subject is None:
            return False
        if isinstance(subject, Mention) and subject.kind == "node":
            return self.node(sentence, f, subject)
        key = subject.subject if isinstance(subject, Mention) else subject
        s = self.subjects[key]
        if f.metric == "satisfaction":
            return self.satisfaction(sentence, f, s)
        fact = s.facts.get(f.metric)
        if fact is None or not fact.values:
            return False
        if _agrees_any(f, fact.values, fact.digits):
            return True
        if f.metric == "total" and any(_agrees_any(f, x.facts["total"].values) for x in self.specials):
            return True  # a 专项 evaluation's score of the same project: not the form's to contradict
        if f.metric == "budget" and "initial" in s.facts and _agrees_any(f, s.facts["initial"].values):
            return True
        unit = UNITS[f.kind]
        self.add("C16.figure", sentence, f, f.value, fact.shown, unit, fact.source, (fact.source,),
                 subject=s.name, metric=REPORT_METRICS.get(f.metric, f.metric),
                 stated=_say_number(f.value, unit, max(f.digits, 0)), computed=_say_number(fact.shown, unit),
                 form=REPORT_TEXT[f"form.{s.kind}"], where=_where(fact.source))
        return True

    def node(self, sentence: Sentence, f: Figure, m: Mention) -> bool:
        if f.metric != "total" or f.kind != "score":
            return False
        s = self.subjects[m.subject]
        fact = s.nodes.get(m.node)
        if fact is None or not fact.values:
            return False
        if not _agrees_any(f, fact.values):
            self.add("C16.node", sentence, f, f.value, fact.shown, "分", fact.source, (fact.source,), name=m.node,
                     stated=_say_number(f.value, "分", f.digits), computed=_say_number(fact.shown, "分"),
                     where=_where(fact.source))
        return True

    def names_questionnaire(self, sentence: Sentence, f: Figure) -> bool:
        """Whether the figure's clause, or the clause before it, says it comes from a questionnaire."""
        start = clause_start(sentence.flat, max(f.clause_start - 1, 0))
        return any(w in sentence.flat[start:f.start] for w in self.vocab.questionnaire_words)

    def questionnaire(self, sentence: Sentence, f: Figure, s: Subject | None) -> bool:
        """C19: a satisfaction figure said to come from the questionnaire (the subject's, else the only one)."""
        q = s.questionnaire if s is not None and s.questionnaire is not None else (
            self.questionnaires[0].questionnaire if len(self.questionnaires) == 1 else None)
        if q is None:
            return False
        if not _agrees_any(f, q.values):
            self.add("C19.questionnaire", sentence, f, f.value, q.shown, "%", q.source, (q.source,),
                     stated=_say_number(f.value, "%", f.digits), computed=_say_number(q.shown, "%"),
                     where=_where(q.source))
        return True

    def satisfaction(self, sentence: Sentence, f: Figure, s: Subject) -> bool:
        if self.names_questionnaire(sentence, f):
            return self.questionnaire(sentence, f, s)
        if not s.satisfaction:
            return False
        if not any(_agrees_any(f, x.values) for x in s.satisfaction):
            x = s.satisfaction[0]
            shown = "、".join(dict.fromkeys(_say_number(y.shown, "%") for y in s.satisfaction))
            self.add("C19.indicator", sentence, f, f.value, x.shown if len(s.satisfaction) == 1 else shown, "%",
                     x.source, tuple(y.source for y in s.satisfaction), subject=s.name,
                     stated=_say_number(f.value, "%", f.digits), computed=shown,
                     where="；".join(_where(y.source) for y in s.satisfaction))
        return True

    def grade(self, sentence: Sentence, f: Figure, mentions, before, topic) -> bool:
        """C15: a grade word against the grade the subject's total earns (stated or recomputed)."""
        subject = None
        scores = [g for g in figures(sentence, self.vocab) if g.kind == "score" and g.metric == "total"
                  and g.start < f.start and not g.approximate]
        own = None
        if scores:  # the total the same sentence states ('得分95.78分，结果良好')
            g = scores[-1]
            subject = self.subject_of(sentence, g, mentions, [m for m in mentions if m.end <= g.start], topic)
            own = g.value
        if subject is None:
            subject = self.subject_of(sentence, f, mentions, before, topic)
        if subject is None or (isinstance(subject, Mention) and subject.kind == "node"):
            return False
        s = self.subjects[subject.subject if isinstance(subject, Mention) else subject]
        fact = s.facts.get("total")
        if fact is None or not fact.values:
            return False
        bands = s.profile.grade_bands
        earned = {RULES["grade"].evaluate(total=v, bands=bands) for v in (*fact.values, *([own] if own else []))}
        if f.grade in earned:
            return True
        computed = RULES["grade"].evaluate(total=fact.shown, bands=bands)
        name = s.name if s.is_project else REPORT_TEXT["subject.framework"].format(name=s.name)
        self.add("C15.report", sentence, f, f.value, computed, "", fact.source, (fact.source,),
                 severity=Severity.ERROR if f.explicit else Severity.WARNING,
                 subject=f"“{name}”", stated=f.value, computed=computed, form=REPORT_TEXT[f"form.{s.kind}"],
                 total=format(_shown(fact.shown), "f"))
        return True

    # --- figures over a group of projects --------------------------------------------------------------------
    def group_size(self, sentence: Sentence) -> int | None:
        for p in self.vocab.group_size:
            m = p.search(sentence.flat)
            if m:
                return chinese_number(m.group("n"))
        return None

    def is_aggregate(self, sentence: Sentence, f: Figure, mentions: list[Mention]) -> bool:
        head = sentence.flat[:f.start]
        return any(w in head for w in self.vocab.aggregate_markers) or any(
            p.search(sentence.flat[:f.end]) for p in self.vocab.group_size)

    def members(self, group: list[str] | None, size: int | None) -> list[Subject] | None:
        """The group a figure is over: the projects the paragraph named, when as many as the text says; all the
        projects, when the paragraph names none and the text's number is theirs."""
        if group is None or size is None:
            return None
        if len(group) == size and size >= 2:
            return [self.subjects[k] for k in group]
        if not group and size == len(self.projects) and size >= 2:
            return list(self.projects)
        return None

    def aggregate(self, sentence: Sentence, f: Figure, group, size) -> bool:
        if f.kind == "count":
            return self.members(group, size) is not None and f.value == size
        if f.approximate or f.blocked or f.metric not in ("budget", "executed", "rate", "initial"):
            return False
        members = self.members(group, size)
        if members is None:
            return False
        facts = {k: [m.facts.get(k) for m in members] for k in ("budget", "executed", "initial", "rate")}
        if any(x is None or x.shown is None for x in facts["budget"] + facts["executed"]):
            return False
        total = {k: sum((x.shown for x in facts[k]), ZERO) for k in ("budget", "executed")}
        sources = tuple(x.source for x in facts[f.metric if f.metric != "rate" else "executed"])
        n = len(members)
        if f.metric in ("budget", "executed", "initial"):
            readings = [sum((x.shown for x in facts[f.metric]), ZERO)] if all(
                x is not None and x.shown is not None for x in facts[f.metric]) else []
            if f.metric == "budget" and all(x is not None and x.shown is not None for x in facts["initial"]):
                readings.append(sum((x.shown for x in facts["initial"]), ZERO))
            if not readings:
                return False
            if not _agrees_any(f, readings):
                self.add("C17.sum", sentence, f, f.value, readings[0], "万元", sources[0], sources, n=n,
                         metric=REPORT_METRICS[f.metric], stated=_say_number(f.value, "万元", f.digits),
                         computed=_say_number(readings[0], "万元"))
            return True
        if not total["budget"]:
            return False
        overall = total["executed"] / total["budget"] * HUNDRED
        means = [sum((getattr(x, k) for x in facts["rate"]), ZERO) / n for k in ("stated", "computed")
                 if all(x is not None and getattr(x, k) is not None for x in facts["rate"])]
        if not _agrees_any(f, [overall, *means]):
            self.add("C17.rate", sentence, f, f.value, excel_round(overall, 2), "%", sources[0], sources, n=n,
                     stated=_say_number(f.value, "%", f.digits), computed=_say_number(overall, "%"),
                     executed=format(_shown(total["executed"]), "f"), budget=format(_shown(total["budget"]), "f"))
        return True

    def counts(self, sentence: Sentence, figs: list[Figure], group, size) -> set[int]:
        """C17: '预算结余率大于10%的项目共计5个' against the group's forms. Returns the places of the figures used
        (the count and its threshold), which are not counted again."""
        used: set[int] = set()
        for m in self.vocab.count.finditer(sentence.flat):
            n = chinese_number(m.group("n"))
            count = next((f for f in figs if f.kind == "count" and f.start == m.start("n")), None)
            if n is None or count is None:
                continue
            used.add(count.start)
            condition = self.condition(sentence.flat[clause_start(sentence.flat, m.start()):m.start()])
            members = self.members(group, size)
            if condition is None or members is None:
                self.out.unlinked += 1
                continue
            metric, op, threshold, words, threshold_at = condition
            used |= {f.start for f in figs if f.kind != "count" and f.start == threshold_at + clause_start(
                sentence.flat, m.start())}
            low, high, names = self.count_range(members, metric, op, threshold)
            if low is None:
                self.out.unlinked += 1
                continue
            self.out.linked += 1
            if not low <= n <= high:
                computed = low if low == high else f"{low}～{high}"
                sources = tuple(s.facts[_fact_key(metric)].source for s in members)
                self.add("C17.count", sentence, count, Decimal(n), computed, "个", sources[0], sources,
                         condition=words, stated=n, n=len(members), computed=computed,
                         names="、".join(names) or REPORT_TEXT["none"])
        return used

    def condition(self, text: str):
        """(metric, op, threshold, words, where the threshold starts) of '预算结余率大于10%', or None."""
        metric_words = sorted(((w, k) for k, ws in self.vocab.count_metrics.items() for w in ws),
                              key=lambda x: -len(x[0]))
        ops = sorted(((w, op, side) for op, (b, a) in self.vocab.comparisons.items()
                      for side, ws in (("before", b), ("after", a)) for w in ws), key=lambda x: -len(x[0]))
        alt = lambda xs: "|".join(re.escape(x) for x in xs)  # noqa: E731
        before = alt(w for w, _, s in ops if s == "before")
        pattern = (rf"(?P<metric>{alt(w for w, _ in metric_words)})(?P<before>{before})?"
                   rf"(?P<num>\d+(?:\.\d+)?)(?P<unit>%|分)(?P<after>{alt(w for w, _, s in ops if s == 'after')})?$")
        m = re.search(pattern, text)
        if not m or bool(m.group("before")) == bool(m.group("after")):
            return None
        metric = dict(metric_words)[m.group("metric")]
        word = m.group("before") or m.group("after")
        op = next(op for w, op, _ in ops if w == word)
        if _CONDITION_UNITS[m.group("unit")] != ("score" if metric == "total" else "rate"):
            return None
        return metric, op, Decimal(m.group("num")), m.group(0), m.start("num")

    def count_range(self, members: list[Subject], metric: str, op: str, threshold: Decimal):
        """How many members meet the condition at least and at most, over every reading of their figures (stated
        or recomputed) and of the comparison (with or without equality); and the names of those that surely do."""
        low = high = 0
        names = []
        for s in members:
            fact = s.facts.get(_fact_key(metric))
            if fact is None or not fact.values:
                return None, None, []
            results = {_compare(v, op2, threshold) for v in fact.values for op2 in _loose(op)}
            if results == {True}:
                low += 1
                names.append(s.name)
            if True in results:
                high += 1
        return low, high, names

    # --- findings --------------------------------------------------------------------------------------------
    def add(self, key: str, sentence: Sentence, f: Figure, value, form_value, unit: str, source: Source | None,
            sources: tuple[Source, ...], /, *, severity: Severity | None = None, **words) -> None:
        check = key.partition(".")[0]
        self.out.findings.append(ReportFinding(
            check, severity or CHECKS[check].severity, sentence.paragraph.index, sentence.text, value, form_value,
            unit, say(key, **words), source, sources, sentence.start, sentence.start + len(sentence.text)))


def _fact_key(metric: str) -> str:
    return {"rate": "rate", "balance": "balance", "total": "total"}[metric]


def _loose(op: str) -> tuple[str, ...]:
    """A comparison and its neighbour with or without equality: prose is loose about 以上/以下 and 大于."""
    return {">": (">", "≥"), "≥": (">", "≥"), "<": ("<", "≤"), "≤": ("<", "≤")}[op]


def _compare(v: Decimal, op: str, t: Decimal) -> bool:
    return {">": v > t, "≥": v >= t, "<": v < t, "≤": v <= t}[op]


def _where(source: Source) -> str:
    return f"{source.file} {source.sheet}!{source.cell}" if source.cell else f"{source.file} {source.sheet}"
