"""The figures a paragraph states: its sentences, and in each the amounts (万元/元/亿元), rates (%), scores (分),
counts (共计N个) and grade words, each with the figure of a form it names (from the words right before it) and
whether it is an estimate or a bound rather than a figure to compare. Pure: text in, data out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..excelmath import decimals_of
from .document import Paragraph, fold
from .vocabulary import Vocabulary

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_CLAUSE_END = set(",，;；。！？!?\n")
# a number standing alone (not the tail of a code or a date), then its unit
_FIGURE = re.compile(r"(?<![0-9A-Za-z.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
                     r"(?P<unit>万元|亿元|元|%|分(?![钟之别配析类项为解管局中站开成担摊期批段)])|个)")
_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
KIND_OF_UNIT = {"万元": "amount", "亿元": "amount", "元": "amount", "%": "rate", "分": "score", "个": "count"}


@dataclass(frozen=True)
class Sentence:
    paragraph: Paragraph
    start: int  # where it starts in the paragraph's text
    text: str  # as written
    flat: str  # full-width folded (same length as text)


@dataclass(frozen=True)
class Figure:
    kind: str  # 'amount' | 'rate' | 'score' | 'count' | 'grade'
    value: Decimal | str  # amounts in 万元, rates in percent, grades as written ('良好')
    digits: int  # decimals written (of the value as given in its unit; amounts in 元 count 4 more)
    text: str  # as written: '945.83万元'
    start: int  # in the sentence
    end: int
    metric: str | None  # 'budget', 'executed', 'rate', 'total', … from the words before it; None: not said
    approximate: bool = False  # an estimate or a bound (约, 以上, 达到 …): never compared
    blocked: bool = False  # its clause speaks of a change, a part, another year …: never compared
    clause_start: int = 0
    grade: str | None = None  # for a grade word: 优/良/中/差
    explicit: bool = False  # for a grade word: named as 等级/等次


def sentences(paragraph: Paragraph) -> list[Sentence]:
    text = paragraph.text
    flat = fold(text)
    out, start = [], 0
    for m in _SENTENCE_END.finditer(flat):
        if m.end() > start and flat[start:m.start()].strip():
            out.append(Sentence(paragraph, start, text[start:m.end()], flat[start:m.end()]))
        start = m.end()
    if flat[start:].strip():
        out.append(Sentence(paragraph, start, text[start:], flat[start:]))
    return out


def chinese_number(text: str) -> int | None:
    """'8' -> 8, '十二' -> 12, '两' -> 2, '二十' -> 20 (up to 99)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CHINESE_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CHINESE_DIGITS.get(tens, None) if tens else 1
        o = _CHINESE_DIGITS.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    return _CHINESE_DIGITS.get(text) if len(text) == 1 else None


def clause_start(flat: str, pos: int) -> int:
    i = pos
    while i > 0 and flat[i - 1] not in _CLAUSE_END:
        i -= 1
    return i


def figures(sentence: Sentence, vocab: Vocabulary) -> list[Figure]:
    """Every amount, rate, score, count and grade word of the sentence, in order."""
    flat = sentence.flat
    out = []
    for m in _FIGURE.finditer(flat):
        unit = m.group("unit")
        kind = KIND_OF_UNIT[unit]
        raw = m.group("num").replace(",", "")
        value = Decimal(raw)
        digits = decimals_of(value) if "." in raw else 0
        if "." in raw:
            digits = len(raw.partition(".")[2])
        if unit == "元":
            value, digits = value / 10000, digits + 4
        elif unit == "亿元":
            value, digits = value * 10000, max(digits - 4, 0)
        if kind == "count" and not _is_count(flat, m.start(), vocab):
            continue
        cs = clause_start(flat, m.start())
        before = flat[cs:m.start()]
        metric, approximate = _metric(before, kind, vocab)
        after = flat[m.end():m.end() + 4]
        approximate = approximate or any(after.startswith(w) for w in vocab.approximate_after)
        blocked = any(w in before for w in vocab.blockers)
        out.append(Figure(kind, value, digits, sentence.text[m.start():m.end()], m.start(), m.end(), metric,
                          approximate, blocked, cs))
    out += grades(sentence, vocab)
    return sorted(out, key=lambda f: f.start)


def _is_count(flat: str, start: int, vocab: Vocabulary) -> bool:
    """'共计5个', '总数8个', '8个项目': counts the report states (other 'N个' are things, not figures)."""
    head = flat[max(0, start - 4):start]
    return any(head.endswith(w) for w in ("共计", "共", "总数", "合计", "总计", "数为", "有", "计")) or \
        flat[start:].lstrip("0123456789").startswith("个项目")


def _metric(before: str, kind: str, vocab: Vocabulary) -> tuple[str | None, bool]:
    """The metric the words right before a number name, and whether a bound or an estimate word stands between."""
    text = before.rstrip()
    approximate = False
    for _ in range(4):
        stripped = _strip_tail(text, vocab.connectors)
        bound = next((w for w in sorted(vocab.approximate_before, key=len, reverse=True) if stripped.endswith(w)),
                     None)
        if bound is not None:
            approximate = True
            stripped = stripped[: -len(bound)]
        if stripped == text:
            break
        text = stripped
    best = None
    for m in vocab.metrics:
        if m.kind != kind:
            continue
        for w in m.words:
            if text.endswith(w) and (best is None or len(w) > len(best[1])):
                best = (m.key, w)
    return (best[0] if best else None), approximate


def _strip_tail(text: str, words: tuple[str, ...]) -> str:
    changed = True
    while changed and text:
        changed = False
        for w in sorted(words, key=len, reverse=True):
            if text.endswith(w):
                text = text[: -len(w)].rstrip()
                changed = True
                break
    return text


def grades(sentence: Sentence, vocab: Vocabulary) -> list[Figure]:
    """Grade words standing as a grade: right after a trigger ('评价等级为“良”', '自评结果良好'), standing alone."""
    flat = sentence.flat
    out = []
    words = sorted(vocab.grade_words, key=len, reverse=True)
    triggers = [(t, True) for t in vocab.grade_explicit] + [(t, False) for t in vocab.grade_loose]
    taken: set[int] = set()
    for trigger, explicit in sorted(triggers, key=lambda x: -len(x[0])):
        for m in re.finditer(re.escape(fold(trigger)), flat):
            i = m.end()
            while i < len(flat) and flat[i] in "“\"'‘「『 :":
                i += 1
            word = next((w for w in words if flat.startswith(w, i)), None)
            if word is None or i in taken:
                continue
            rest = flat[i + len(word):]
            if not any(rest.startswith(a) for a in vocab.grade_after if a) and rest.strip():
                continue
            taken.add(i)
            out.append(Figure("grade", word, 0, sentence.text[i:i + len(word)], i, i + len(word), "grade",
                              clause_start=clause_start(flat, m.start()), grade=vocab.grade_words[word],
                              explicit=explicit))
    return out
