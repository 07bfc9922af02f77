"""What form a sheet holds — which profile, hence which kind — told from its title and its headers, with a score.

Every shipped profile is scored on the sheet: the headers it names (its official wording counts double), its
signature phrases (triple), and whether the sheet's title names the form. A profile needs at least one header of each
of its required groups (a self-evaluation's 得分 besides its targets; a framework's levels besides its scores), so a
申报表 or a 监控表, which carry no scores, is never read as a self-evaluation. When the title names some forms, only
those compete, and the most specific name wins (部门预算项目支出绩效自评表 over 项目支出绩效自评表). When two profiles
of different kinds score alike and the title does not decide, the sheet is uncertain: it is not checked, and the
report says which forms it could be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..profile import Profile
from ..values import norm_label
from .labels import labels_for, month_free
from .workbook import Grid

MIN_SCORE = 8  # fewer matching headers than this: the sheet holds no form of any profile
CLOSE = 0.8  # a runner-up of another kind scoring at least this share of the best makes the sheet uncertain
TITLE_ROWS = 4  # the title is among the first rows that hold text


@dataclass
class Classification:
    """The profile a sheet follows (None: no form, or uncertain), and the candidates it was told from."""

    sheet: str
    profile: Profile | None = None
    scores: dict[str, int] = field(default_factory=dict)  # profile id -> score, for every profile that qualified
    uncertain: tuple[Profile, ...] = ()  # the profiles of different kinds it could be, best first

    @property
    def kind(self) -> str | None:
        return self.profile.kind if self.profile else None


def sheet_labels(grid: Grid) -> tuple[set[str], str, str]:
    """The sheet's short labels, all its text run together (for signature phrases), and its title text (the sheet's
    name and its first rows with text)."""
    short, texts, title = set(), [], [norm_label(grid.name)]
    for row in grid.rows:  # the values themselves: a merged range's text once, numbers skipped without a lookup
        line = []
        for v in row:
            if isinstance(v, str) and v:
                s = norm_label(v)
                if s:
                    texts.append(s)
                    line.append(s)
                    if len(s) < 30:
                        short.add(s)
                        if "月" in s:
                            short.add(month_free(s))
        if line and len(title) <= TITLE_ROWS:
            title.append("".join(line))
    return short, "\n".join(texts), "\n".join(title)


def classify(grid: Grid, profiles: list[Profile]) -> Classification:
    """Which of `profiles` the sheet follows, or that it holds none, or that it cannot be told."""
    present, text, title = sheet_labels(grid)
    scores: dict[str, int] = {}
    named: dict[str, int] = {}  # profile id -> length of its longest title phrase the sheet's title holds
    for profile in profiles:
        pl = labels_for(profile)
        if not all(group & present for group in pl.required):
            continue
        score = 2 * len(pl.official & present) + len(pl.any_alias & present)
        score += 3 * sum(1 for s in pl.signature if s in text)
        if score < MIN_SCORE:
            continue
        scores[profile.id] = score
        matched = [len(t) for t in pl.titles if t in title]
        if matched:
            named[profile.id] = max(matched)
    if named:  # the most specific title named decides: 部门预算项目支出绩效自评表 over 项目支出绩效自评表
        longest = max(named.values())
        named = {pid: n for pid, n in named.items() if n == longest}
    ranked = sorted((p for p in profiles if p.id in scores and (not named or p.id in named)),
                    key=lambda p: -scores[p.id])
    out = Classification(grid.name, scores=scores)
    if not ranked:
        return out
    best = ranked[0]
    rivals = [p for p in ranked[1:] if p.kind != best.kind and scores[p.id] >= CLOSE * scores[best.id]]
    if rivals:
        out.uncertain = (best, *rivals)
        return out
    out.profile = best
    return out


def detect_profile(grid: Grid, profiles: list[Profile]) -> Profile | None:
    """The profile the sheet follows, or None (no form, or not told apart for certain)."""
    return classify(grid, profiles).profile
