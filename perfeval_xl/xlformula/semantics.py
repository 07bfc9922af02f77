"""Excel's values and how it converts them: blanks, errors, numbers read from text, numbers written as text,
comparisons, and the near-equality of floating-point sums. Whatever Excel might answer differently (a text that could
be a date, two texts equal only to a width- or locale-aware comparison) raises `Unsupported`, never a guess."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

MAX_TEXT = 32767  # the longest text a cell holds; a longer result is #VALUE!


class Unsupported(Exception):
    """This formula (or a value it needs) is beyond what the evaluator knows exactly: the cell is uncomputable."""


class XlError:
    """An Excel error value (#VALUE!, #DIV/0!, ...); one instance per code, compared by identity."""

    __slots__ = ("code",)

    def __init__(self, code: str):
        self.code = code

    def __repr__(self) -> str:
        return self.code


ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
               "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#BUSY!", "#CONNECT!", "#PYTHON!", "#EXTERNAL!")
ERRORS = {code: XlError(code) for code in ERROR_CODES}
NULL, DIV0, VALUE, REF, NAME, NUM, NA = (ERRORS[c] for c in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?",
                                                              "#NUM!", "#N/A"))


class ErrorSignal(Exception):
    """Raised inside an operator or a function when an Excel error is its result; turned back into the value."""

    def __init__(self, error: XlError):
        super().__init__(error.code)
        self.error = error


class _Blank:
    """An empty cell: 0 to arithmetic, "" to text, FALSE to logic, and equal to each of them."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "BLANK"


class _Missing:
    """An argument left out between commas: IF(A1,,1)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


BLANK = _Blank()
MISSING = _Missing()


# -- text -> number (what VALUE and arithmetic do with a text) ----------------------------------------------------
_NUMBER_TEXT = re.compile(r" *([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
                          r"(?:[eE][+-]?[0-9]+)?) *(%?) *")
# A text made only of these, with a digit in it, may be a date, a time, a fraction, a currency amount or a number in
# brackets, which Excel reads by the rules of its locale ('2023-12-31' is 45291, '9:00' is 0.375, '1/2' is 2 January
# or 1 February), or a number between other white space than plain spaces: the evaluator does not guess. Any other
# text with a character outside them is no number (#VALUE!).
_MAYBE_NUMBER = set("0123456789０１２３４５６７８９ /-:.,+%$()'¥￥€£\t\n\r\x0b\x0c\xa0\u3000"
                    "／－：．，＋％＄（）年月日时分秒午上下"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGITS = set("0123456789０１２３４５６７８９")


def text_to_number(s: str) -> float:
    """The number Excel reads in a text (VALUE, and a text in arithmetic): ' 95', '1,000', '95.5%', '1e3'.

    Raises ErrorSignal(#VALUE!) for a text that is no number, Unsupported for one Excel may read as a date, a time,
    a fraction or a currency amount (its answer depends on the locale)."""
    m = _NUMBER_TEXT.fullmatch(s)
    if m:
        try:
            d = Decimal(m.group(1).replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise Unsupported(f"number text {s!r}") from None
        if m.group(2):
            d /= 100
        x = float(d)
        if not math.isfinite(x):
            raise Unsupported(f"number text beyond a double: {s[:40]!r}")
        return x
    if any(ch in _DIGITS for ch in s) and all(ch in _MAYBE_NUMBER for ch in s):
        raise Unsupported(f"text Excel may read as a date, time or currency: {s[:40]!r}")
    raise ErrorSignal(VALUE)


# -- number -> text (what & and the text functions do with a number) --------------------------------------------
def number_to_text(x: float) -> str:
    """A number as Excel writes it into a text: General format, 15 significant digits ('12.5', '0.333333333333333').

    Very large and very small magnitudes (written in scientific notation, by rules not pinned down here) are
    Unsupported."""
    if x == 0:
        return "0"
    if not 1e-4 <= abs(x) < 1e15:
        raise Unsupported(f"number {x!r} written as text")
    s = format(x, ".15g")
    if "e" in s:
        raise Unsupported(f"number {x!r} written as text")
    return s


def to_text(v) -> str:
    """A scalar as text; errors are raised (ErrorSignal)."""
    t = type(v)
    if t is str:
        return v
    if t is float:
        return number_to_text(v)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if v is BLANK:
        return ""
    if t is XlError:
        raise ErrorSignal(v)
    raise Unsupported(f"value {v!r} as text")


def to_number(v) -> float:
    """A scalar as a number (blank 0, TRUE 1, a number text read as VALUE reads it); errors are raised."""
    t = type(v)
    if t is float:
        return v
    if v is BLANK:
        return 0.0
    if t is bool:
        return 1.0 if v else 0.0
    if t is str:
        return text_to_number(v)
    if t is XlError:
        raise ErrorSignal(v)
    raise Unsupported(f"value {v!r} as a number")


def to_bool(v) -> bool:
    """A scalar as a condition (IF, NOT): numbers non-zero, blank FALSE, the texts TRUE/FALSE; other texts #VALUE!."""
    t = type(v)
    if t is bool:
        return v
    if t is float:
        return v != 0
    if v is BLANK:
        return False
    if t is str:
        up = v.upper()
        if up in ("TRUE", "FALSE"):
            return up == "TRUE"
        raise ErrorSignal(VALUE)
    if t is XlError:
        raise ErrorSignal(v)
    raise Unsupported(f"value {v!r} as a condition")


def check_number(x: float) -> float:
    """A computed number as Excel keeps it: overflow and NaN are #NUM!, -0 is 0."""
    if not math.isfinite(x):
        raise ErrorSignal(NUM)
    return x + 0.0


def check_text(s: str) -> str:
    if len(s) > MAX_TEXT:
        raise ErrorSignal(VALUE)
    return s


def positional(s: str) -> str:
    """A text whose characters are counted (LEN, LEFT, MID, FIND): Excel counts UTF-16 units, Python code points;
    they differ only for characters beyond the Basic Multilingual Plane, which are Unsupported."""
    if not s.isascii() and any(ord(ch) > 0xFFFF for ch in s):
        raise Unsupported("text with characters beyond the Basic Multilingual Plane")
    return s


# -- floating point as spreadsheets do it ---------------------------------------------------------------------
_EPS = 2.0 ** -48  # relative tolerance of a "nearly equal" comparison (LibreOffice's rtl::math::approxEqual)


def approx_equal(a: float, b: float) -> bool:
    """Equal, or equal but for the last few bits (0.1+0.2 = 0.3), as spreadsheets compare numbers."""
    if a == b:
        return True
    if a == 0 or b == 0 or (a < 0) != (b < 0):
        return False
    return abs(a - b) <= min(abs(a), abs(b)) * _EPS


def add(a: float, b: float) -> float:
    """a + b, exactly 0 when the two nearly cancel (spreadsheets do not show 5.55E-17 for 0.3-0.1-0.2)."""
    if (a < 0) != (b < 0) and a != 0 and b != 0 and approx_equal(a, -b):
        return 0.0
    return check_number(a + b)


def sub(a: float, b: float) -> float:
    if (a < 0) == (b < 0) and a != 0 and b != 0 and approx_equal(a, b):
        return 0.0
    return check_number(a - b)


# -- comparison -----------------------------------------------------------------------------------------------
_RANK = {float: 0, str: 1, bool: 2}
_PLAIN_TEXT = re.compile(r"[a-z0-9 ]*")


def _like(v):
    """What a blank compared with v stands for: 0, "" or FALSE."""
    t = type(v)
    if t is str:
        return ""
    if t is bool:
        return False
    return 0.0


def compare(a, b, ordered: bool) -> int:
    """-1, 0 or 1 as Excel orders a and b (scalars, no errors): numbers < texts < logicals, texts without regard to
    case, a blank as 0, "" or FALSE to match the other side. `ordered`: the caller needs the order (<, >), not only
    equality; the order of two texts that are not plain ASCII letters, digits and spaces is Excel's collation, which
    is not reproduced (Unsupported)."""
    if a is BLANK:
        a = _like(b)
    if b is BLANK:
        b = _like(a)
    ra, rb = _RANK.get(type(a)), _RANK.get(type(b))
    if ra is None or rb is None:
        raise Unsupported(f"comparing {a!r} and {b!r}")
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        if approx_equal(a, b):
            return 0
        return -1 if a < b else 1
    if ra == 2:
        return (a > b) - (a < b)
    la, lb = a.lower(), b.lower()
    if la == lb:
        return 0
    if not (a.isascii() and b.isascii()) and _folded(la) == _folded(lb):
        raise Unsupported(f"texts {a[:20]!r} and {b[:20]!r} differ only in width or compatibility forms")
    if not ordered:
        return 1
    if _PLAIN_TEXT.fullmatch(la) and _PLAIN_TEXT.fullmatch(lb):
        return -1 if la < lb else 1
    raise Unsupported(f"order of texts {a[:20]!r} and {b[:20]!r} (locale collation)")


def _folded(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower()


def width_sensitive(a: str, b: str) -> bool:
    """Whether a width- or compatibility-insensitive engine could see a and b differently from an exact one."""
    return not (a.isascii() and b.isascii()) and (_folded(a) != a.lower() or _folded(b) != b.lower())


# -- references -------------------------------------------------------------------------------------------------
class Ref:
    """A resolved reference: rows r0..r1 and columns c0..c1 (0-based, inclusive) of one sheet (its key)."""

    __slots__ = ("sheet", "r0", "c0", "r1", "c1")

    def __init__(self, sheet: str, r0: int, c0: int, r1: int, c1: int):
        self.sheet, self.r0, self.c0, self.r1, self.c1 = sheet, r0, c0, r1, c1

    @property
    def single(self) -> bool:
        return self.r0 == self.r1 and self.c0 == self.c1

    @property
    def size(self) -> int:
        return (self.r1 - self.r0 + 1) * (self.c1 - self.c0 + 1)

    def __repr__(self) -> str:
        return f"Ref({self.sheet!r}, {self.r0}, {self.c0}, {self.r1}, {self.c1})"
