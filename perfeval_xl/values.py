"""Read cell values the way a person reads them: '397.8万元', '３９７．８０', '1,234.56', '71.38％', '≥50个', '—'.

Pure functions; no spreadsheet library here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .excelmath import ZERO, dec, decimals_of

# Signs NFKC leaves alone but people use for the same thing.
_SIGNS = str.maketrans({"≧": "≥", "≦": "≤", "﹥": ">", "﹤": "<", "\u3000": " ", "﹪": "%"})
_SPACES = re.compile(r"\s+")
_DASHES = {"—", "——", "-", "--", "－", "–", "―", "━"}
_NOT_APPLICABLE = {"/", "／", "\\", "不适用", "不涉及", "无"}
_OPS = {">=": "≥", "<=": "≤", "=": "=", "≥": "≥", "≤": "≤", ">": ">", "<": "<"}
# words of a target that is an upper bound ('成本控制在165万元以内'): the indicator is read as ≤ where no sign says
LESS_WORDS = ("不超过", "不高于", "以内", "以下", "控制在", "低于", "不大于", "≤")
_NUMBER = re.compile(
    r"^(?P<op>>=|<=|[≥≤=<>])?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*(?P<unit>[^\d.,].*)?$"
)


def norm_text(s: object) -> str:
    """Text with full-width forms folded and outer whitespace removed."""
    if s is None:
        return ""
    return unicodedata.normalize("NFKC", str(s)).translate(_SIGNS).strip()


@lru_cache(maxsize=1 << 14)
def _norm_label(s: str) -> str:  # labels repeat from form to form; memoised (short ones only)
    return _SPACES.sub("", norm_text(s))


def norm_label(s: object) -> str:
    """A label reduced to what identifies it: no whitespace at all, half-width brackets and colons."""
    return _norm_label(s) if type(s) is str and len(s) <= 64 else _SPACES.sub("", norm_text(s))


@dataclass(frozen=True)
class Parsed:
    """One cell read as a person reads it."""

    raw: object
    text: str = ""  # normalised text ('' for blank)
    number: Decimal | None = None  # the number written, before any unit or percent scaling
    op: str = ""  # comparison sign written in front ('≥', '≤', '=', '>', '<')
    unit: str = ""  # what follows the number ('万元', '元', '%', '个', …)
    decimals: int = 0  # decimals as written (for display tolerance)
    dash: bool = False  # '—' or '-': the user's way of writing zero
    not_applicable: bool = False  # '/': no value belongs here

    @property
    def blank(self) -> bool:
        return self.text == "" and self.number is None

    @property
    def percent(self) -> bool:
        return self.unit in ("%", "‰")

    @property
    def is_number(self) -> bool:
        return self.number is not None


BLANK = Parsed(raw=None)

#: how grades are written in words, to the grade labels of the bands
GRADE_WORDS = {"优秀": "优", "良好": "良", "中等": "中", "合格": "中", "较差": "差",
               "优": "优", "良": "良", "中": "中", "差": "差"}


def parse(raw: object) -> Parsed:
    """Parse one cell value (int, float, Decimal, str or None) without ever raising."""
    if raw is None or raw == "":
        return BLANK
    if isinstance(raw, bool):
        return Parsed(raw=raw, text=str(raw))
    if isinstance(raw, (int, float, Decimal)):
        finite = math.isfinite(raw) if isinstance(raw, float) else raw.is_finite() if isinstance(raw, Decimal) else True
        if not finite:
            return Parsed(raw=raw, text=str(raw))  # NaN and infinities are not numbers a form can hold
        d = dec(raw)
        return Parsed(raw=raw, text=format(d, "f"), number=d, decimals=decimals_of(d))
    text = norm_text(raw)
    if not text:
        return BLANK
    if text in _DASHES:
        return Parsed(raw=raw, text=text, number=ZERO, dash=True)
    if text in _NOT_APPLICABLE:
        return Parsed(raw=raw, text=text, not_applicable=True)
    compact = re.sub(r"\s+", "", text) if len(text) < 60 else text
    m = _NUMBER.match(compact)
    if not m:
        return Parsed(raw=raw, text=text)
    num = m.group("num").replace(",", "")
    d = Decimal(num)
    return Parsed(
        raw=raw,
        text=text,
        number=d,
        op=_OPS.get(m.group("op") or "", ""),
        unit=(m.group("unit") or "").strip(),
        decimals=len(num.partition(".")[2]),
    )


def amount_in_wan(p: Parsed, column_unit: str = "万元") -> Decimal | None:
    """An amount in 万元, whatever unit the cell or its column header is written in."""
    if p.number is None:
        return None
    unit = p.unit or column_unit
    if unit.startswith("元") or unit == "yuan":
        return p.number / 10000
    if unit.startswith("亿"):
        return p.number * 10000
    return p.number


def as_fraction(p: Parsed, near: Decimal | None = None) -> tuple[Decimal | None, int]:
    """A rate as a fraction plus its displayed decimals (as a fraction).

    '71.38%' -> 0.7138 (4). A bare number is ambiguous (0.7138 or 71.38): it is read as whichever is
    closer to `near` (the recomputed rate), else as a percentage when above 1.5.
    """
    if p.number is None:
        return None, 0
    if p.percent:
        return p.number / 100, p.decimals + 2
    bare = p.number
    as_pct = bare / 100
    if near is not None:
        use_pct = abs(as_pct - near) < abs(bare - near)
    else:
        use_pct = bare > Decimal("1.5")
    return (as_pct, p.decimals + 2) if use_pct else (bare, p.decimals)
