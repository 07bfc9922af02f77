"""Which form a piece of prose names: project names (as prose shortens them), project codes, framework words and
framework indicator names, found in a sentence with their places.

Matching is strict on purpose. A name is found word for word, or shortened the ways the vocabulary lists (a place
in front, 项目/经费/… at the end); failing that, a mention ending in 项目/经费/工程 matches a project only when its
characters are that name's in order in a few long runs and no other project's name fits as well. Anything two
projects could both answer to names neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .document import fold
from .facts import Subject
from .vocabulary import Vocabulary

AMBIGUOUS = "?"  # a mention that more than one form answers to


@dataclass(frozen=True)
class Mention:
    start: int  # in the sentence
    end: int
    kind: str  # 'project' | 'framework' | 'node' | 'other'
    subject: str | None  # Subject.key; AMBIGUOUS when several forms answer; None for 'other'
    node: str | None = None  # for 'node': the indicator's normalised name


class Normalised:
    """A sentence with what names never differ by removed (quotes, spaces, full width), and the way back to the
    original positions."""

    def __init__(self, text: str, ignore: str):
        self.source = text
        keep = [(i, c) for i, c in enumerate(fold(text)) if c not in ignore]
        self.text = "".join(c for _, c in keep)
        self.positions = [i for i, _ in keep] + [len(text)]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.positions[start], self.positions[end - 1] + 1 if end > start else self.positions[start]


class NameIndex:
    """Every name by which the given forms can be mentioned."""

    def __init__(self, subjects: list[Subject], vocab: Vocabulary):
        self.vocab = vocab
        self.projects = [s for s in subjects if s.is_project]
        owners: dict[str, set[str]] = {}
        self.core: dict[str, str] = {}  # subject key -> the project's name, normalised
        for s in self.projects:
            full = self.norm(s.name)
            self.core[s.key] = full
            for v in self.variants(full):
                owners.setdefault(v, set()).add(s.key)
            if s.code:
                owners.setdefault(s.code, set()).add(s.key)
        self.names = {v: (next(iter(k)) if len(k) == 1 else AMBIGUOUS) for v, k in owners.items()}
        self.pattern = _alternation(self.names)
        nodes: dict[str, set[str]] = {}
        for s in subjects:
            for name in s.nodes:
                nodes.setdefault(self.norm(name), set()).add(s.key)
        self.nodes = {n: (next(iter(k)) if len(k) == 1 else AMBIGUOUS) for n, k in nodes.items()
                      if n not in self.names}
        self.node_pattern = _alternation(self.nodes)
        self.node_names = {self.norm(n): n for s in subjects for n in s.nodes}
        self.frameworks: dict[str, list[str]] = {}  # kind -> subject keys
        for s in subjects:
            if s.framework_kind:
                self.frameworks.setdefault(s.framework_kind, []).append(s.key)
        fw_words = {self.norm(w): k.key for k in vocab.frameworks for w in k.words}
        self.framework_words = fw_words
        self.framework_pattern = _alternation(fw_words)
        self.other_pattern = _alternation({self.norm(w): w for w in vocab.other_subjects})
        self.ends = tuple(self.norm(w) for w in vocab.mention_ends)
        self.starts = tuple(self.norm(w) for w in vocab.mention_starts)

    def norm(self, text: str) -> str:
        return Normalised(text, self.vocab.ignore).text

    def variants(self, name: str) -> set[str]:
        """The name and its shortenings: places off the front, generic words off the end."""
        v = self.vocab
        heads = {name} | {p.sub("", name, count=1) for p in v.prefixes}
        out = set()
        for head in heads:
            cur = head
            while True:
                if len(cur) >= v.min_length:
                    out.add(cur)
                cut = next((s for s in v.suffixes if cur.endswith(s) and len(cur) > len(s)), None)
                if cut is None:
                    break
                cur = cur[: -len(cut)]
        return out

    # --- finding mentions in a sentence -------------------------------------------------------------------------
    def mentions(self, sentence: str) -> list[Mention]:
        """Every mention in the sentence, in order, none overlapping (the longest wins)."""
        n = Normalised(sentence, self.vocab.ignore)
        found: list[tuple[int, int, str, str | None, str | None]] = []
        taken = [False] * (len(n.text) + 1)

        def claim(a: int, b: int) -> bool:
            if any(taken[a:b]):
                return False
            for i in range(a, b):
                taken[i] = True
            return True

        for pattern, table, kind in ((self.pattern, self.names, "project"),
                                     (self.framework_pattern, self.framework_words, "framework"),
                                     (self.node_pattern, self.nodes, "node")):
            if pattern is None:
                continue
            for m in pattern.finditer(n.text):
                if claim(m.start(), m.end()):
                    found.append((m.start(), m.end(), kind, table[m.group(0)], m.group(0)))
        found += self.shortened(n.text, taken, claim)
        if self.other_pattern is not None:
            for m in self.other_pattern.finditer(n.text):
                if not any(taken[m.start():m.end()]):
                    found.append((m.start(), m.end(), "other", None, None))
        out = []
        for a, b, kind, subject, word in sorted(found):
            start, end = n.span(a, b)
            if kind == "framework":
                keys = self.frameworks.get(subject, [])
                out.append(Mention(start, end, kind, keys[0] if len(keys) == 1 else (AMBIGUOUS if keys else None)))
            elif kind == "node":
                out.append(Mention(start, end, kind, subject, self.node_names.get(word)))
            else:
                out.append(Mention(start, end, kind, subject))
        return out

    def shortened(self, text: str, taken: list[bool], claim) -> list[tuple]:
        """Mentions that end in 项目/经费/工程 and spell one project's name in a few runs (see the module doc)."""
        out = []
        if not self.projects:
            return out
        for end_word in self.ends:
            for m in re.finditer(re.escape(end_word), text):
                stop = m.start()
                if taken[stop - 1] if stop else True:
                    continue
                begin = stop
                while begin > 0 and not taken[begin - 1] and stop - begin < 40:
                    begin -= 1
                starts = [begin] + [i + len(w) for w in self.starts for i in _finds(text, w, begin, stop)]
                for a in sorted(set(starts)):
                    candidate = self.strip(text[a:stop])
                    if len(candidate) < self.vocab.min_length:
                        continue
                    fits = {s.key for s in self.projects if self.spells(candidate, self.core[s.key])}
                    if len(fits) == 1 and claim(a, m.end()):
                        out.append((a, m.end(), "project", fits.pop(), None))
                        break
                    if len(fits) > 1:
                        if claim(a, m.end()):
                            out.append((a, m.end(), "project", AMBIGUOUS, None))
                        break
        return out

    def strip(self, text: str) -> str:
        for p in self.vocab.prefixes:
            text = p.sub("", text, count=1)
        while True:
            cut = next((s for s in self.vocab.suffixes if text.endswith(s) and len(text) > len(s)), None)
            if cut is None:
                return text
            text = text[: -len(cut)]

    def spells(self, candidate: str, name: str) -> bool:
        if not set(candidate) <= set(name):
            return False
        return _runs(candidate, name, self.vocab.max_blocks, self.vocab.min_block)


def _finds(text: str, word: str, lo: int, hi: int):
    i = text.find(word, lo, hi)
    while i >= 0:
        yield i
        i = text.find(word, i + 1, hi)


@lru_cache(maxsize=1 << 14)
def _runs(candidate: str, name: str, blocks: int, min_block: int) -> bool:
    """Whether `candidate` is `name`'s characters in order, in at most `blocks` runs of at least `min_block`
    characters each, no run cutting a number short ('1234' never matches inside '12345')."""

    def fits(i: int, j: int, left: int) -> bool:
        if i == len(candidate):
            return True
        if left == 0:
            return False
        for length in range(len(candidate) - i, min_block - 1, -1):
            piece = candidate[i:i + length]
            if i + length < len(candidate) and piece[-1].isdigit() and candidate[i + length].isdigit():
                continue
            k = name.find(piece, j)
            while k >= 0:
                clean = not (piece[0].isdigit() and k > 0 and name[k - 1].isdigit()) and not (
                    piece[-1].isdigit() and k + length < len(name) and name[k + length].isdigit())
                if clean and fits(i + length, k + length, left - 1):
                    return True
                k = name.find(piece, k + 1)
        return False

    return fits(0, 0, blocks)


def _alternation(words) -> re.Pattern | None:
    words = sorted((w for w in words if w), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None
