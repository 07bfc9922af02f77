"""Which profile a sheet follows, told from its headers and signature phrases."""

from __future__ import annotations

from ..profile import Profile
from ..values import norm_label
from .labels import labels_for
from .workbook import Grid

MIN_SCORE = 8  # fewer matching headers than this: the sheet holds no form of any profile


def sheet_labels(grid: Grid) -> tuple[set[str], str]:
    """The sheet's short labels, and all its text run together (for signature phrases)."""
    short, texts = set(), []
    for row in grid.rows:  # the values themselves: a merged range's text once, numbers skipped without a lookup
        for v in row:
            if isinstance(v, str) and v:
                s = norm_label(v)
                if s:
                    texts.append(s)
                    if len(s) < 30:
                        short.add(s)
    return short, "\n".join(texts)


def detect_profile(grid: Grid, profiles: list[Profile]) -> Profile | None:
    """The profile whose headers the sheet carries best (official wording counts double, signature phrases triple)."""
    present, text = sheet_labels(grid)
    best, best_score = None, 0
    for profile in profiles:
        pl = labels_for(profile)
        if not pl.needed & present:
            continue
        score = 2 * len(pl.official & present) + len(pl.any_alias & present)
        score += 3 * sum(1 for s in pl.signature if s in text)
        if score > best_score:
            best, best_score = profile, score
    return best if best_score >= MIN_SCORE else None
