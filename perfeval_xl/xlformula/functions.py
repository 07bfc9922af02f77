"""The closed list of Excel functions the evaluator knows, each one small function registered under its Excel name.

Every function the shipped templates write is here (IF, IFERROR, ISNUMBER, AND, OR, N, VALUE, LEFT, MID, LEN, FIND,
SEARCH, SUBSTITUTE, ROUND, ROUNDUP, MAX, MIN, SUM, COUNT, SUMPRODUCT), with their neighbours in platform exports
(IFNA, NOT, TRUE, FALSE, ISTEXT, ISBLANK, ISLOGICAL, ISERROR, ISERR, ISNA, RIGHT, TRIM, CONCATENATE, TEXT for plain
number formats, ROUNDDOWN, INT, ABS, AVERAGE, COUNTA), and COUNTIF with a word as its criterion (the monitoring
template counts its ticks so). A function not listed — volatile ones (NOW, TODAY, RAND, INDIRECT, OFFSET, CELL,
INFO), lookups, other criteria (SUMIF; COUNTIF with a comparison, a number or a blank) — makes its cell
uncomputable.

A function receives a context `ctx` (`ctx.scalar(v)`: one value, a one-cell reference read, a larger one
Unsupported; `ctx.values(ref)`: the values of a range; `ctx.array(v)`: rows of values) and its arguments: values
("eager": a reference stays a `Ref`), thunks ("lazy": IF evaluates one branch only) or arrays ("array": SUMPRODUCT's
arguments are computed cell by cell). It returns a value, or raises ErrorSignal with the Excel error it gives.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from ..excelmath import dec, excel_round
from .semantics import (
    BLANK,
    DIV0,
    MISSING,
    NA,
    VALUE,
    ErrorSignal,
    Ref,
    Unsupported,
    XlError,
    check_number,
    check_text,
    positional,
    text_to_number,
    to_bool,
    to_number,
    to_text,
    width_sensitive,
)


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable
    min_args: int
    max_args: int
    kind: str  # "eager", "lazy" or "array"


FUNCTIONS: dict[str, Function] = {}


def register(name: str, min_args: int, max_args: int | None = None, kind: str = "eager"):
    def wrap(impl):
        FUNCTIONS[name] = Function(name, impl, min_args, min_args if max_args is None else max_args, kind)
        return impl
    return wrap


MANY = 255  # Excel's most arguments to one function


# -- helpers ----------------------------------------------------------------------------------------------------
def _value(ctx, v):
    """One scalar argument (a one-cell reference read); an omitted argument is Unsupported here."""
    v = ctx.scalar(v)
    if v is MISSING:
        raise Unsupported("argument left out")
    return v


def _num(ctx, v) -> float:
    return to_number(_value(ctx, v))


def _text(ctx, v) -> str:
    return to_text(_value(ctx, v))


def _int(ctx, v) -> int:
    """An integer argument (a count, a position, digits): Excel truncates toward zero."""
    x = _num(ctx, v)
    return int(x) if abs(x) < 2 ** 53 else int(math.copysign(2 ** 53, x))


def _gather(ctx, args, from_cell, typed) -> list:
    """The values a SUM- or AND-like function takes: `from_cell(v)` for each cell of a reference (None: skipped; an
    error cell is raised), `typed(v)` for each argument typed or computed."""
    out = []
    for a in args:
        if isinstance(a, Ref):
            for v in ctx.values(a):
                if type(v) is XlError:
                    raise ErrorSignal(v)
                x = from_cell(v)
                if x is not None:
                    out.append(x)
        elif a is MISSING:
            raise Unsupported("argument left out")
        else:
            out.append(typed(a))
    return out


def _numbers(ctx, args) -> list[float]:
    """SUM, MIN, MAX, AVERAGE: from references numbers only (texts, logicals, blanks skipped); typed arguments as
    numbers (TRUE 1, "5" 5, "x" #VALUE!)."""
    return _gather(ctx, args, lambda v: v if type(v) is float else None, to_number)


# -- logic ------------------------------------------------------------------------------------------------------
@register("IF", 1, 3, kind="lazy")
def xl_if(ctx, args):
    cond = to_bool(_value(ctx, args[0]()))
    branch = 1 if cond else 2
    if branch >= len(args):
        return False
    v = args[branch]()
    return 0.0 if v is MISSING else v


@register("IFERROR", 2, kind="lazy")
def xl_iferror(ctx, args):
    v = args[0]()
    if isinstance(ctx.scalar(v), XlError):
        alt = args[1]()
        return 0.0 if alt is MISSING else alt
    return 0.0 if v is MISSING else v


@register("IFNA", 2, kind="lazy")
def xl_ifna(ctx, args):
    v = args[0]()
    if ctx.scalar(v) is NA:
        alt = args[1]()
        return 0.0 if alt is MISSING else alt
    return 0.0 if v is MISSING else v


@register("NOT", 1)
def xl_not(ctx, args):
    return not to_bool(_value(ctx, args[0]))


@register("TRUE", 0)
def xl_true(ctx, args):
    return True


@register("FALSE", 0)
def xl_false(ctx, args):
    return False


def _logicals(ctx, args) -> list[bool]:
    """AND/OR: logicals and numbers of references (texts and blanks skipped), typed arguments as conditions."""
    out = _gather(ctx, args, lambda v: v if type(v) is bool else v != 0 if type(v) is float else None, to_bool)
    if not out:
        raise ErrorSignal(VALUE)
    return out


@register("AND", 1, MANY)
def xl_and(ctx, args):
    return all(_logicals(ctx, args))


@register("OR", 1, MANY)
def xl_or(ctx, args):
    return any(_logicals(ctx, args))


# -- information ------------------------------------------------------------------------------------------------
def _is(test):
    def impl(ctx, args):
        return test(_value(ctx, args[0]))
    return impl


for _name, _test in (
    ("ISNUMBER", lambda v: type(v) is float),
    ("ISTEXT", lambda v: type(v) is str),
    ("ISLOGICAL", lambda v: type(v) is bool),
    ("ISBLANK", lambda v: v is BLANK),
    ("ISERROR", lambda v: type(v) is XlError),
    ("ISERR", lambda v: type(v) is XlError and v is not NA),
    ("ISNA", lambda v: v is NA),
):
    register(_name, 1)(_is(_test))


@register("N", 1)
def xl_n(ctx, args):
    v = _value(ctx, args[0])
    t = type(v)
    if t is float:
        return v
    if t is bool:
        return 1.0 if v else 0.0
    if t is XlError:
        raise ErrorSignal(v)
    return 0.0  # texts and blanks


@register("VALUE", 1)
def xl_value(ctx, args):
    v = _value(ctx, args[0])
    t = type(v)
    if t is float:
        return v
    if v is BLANK:
        return 0.0
    if t is str:
        return text_to_number(v)
    if t is XlError:
        raise ErrorSignal(v)
    raise ErrorSignal(VALUE)  # a logical


# -- text -------------------------------------------------------------------------------------------------------
@register("LEN", 1)
def xl_len(ctx, args):
    return float(len(positional(_text(ctx, args[0]))))


@register("LEFT", 1, 2)
def xl_left(ctx, args):
    s = positional(_text(ctx, args[0]))
    n = _int(ctx, args[1]) if len(args) > 1 else 1
    if n < 0:
        raise ErrorSignal(VALUE)
    return s[:n]


@register("RIGHT", 1, 2)
def xl_right(ctx, args):
    s = positional(_text(ctx, args[0]))
    n = _int(ctx, args[1]) if len(args) > 1 else 1
    if n < 0:
        raise ErrorSignal(VALUE)
    return s[len(s) - n:] if n < len(s) else s


@register("MID", 3)
def xl_mid(ctx, args):
    s = positional(_text(ctx, args[0]))
    start, n = _int(ctx, args[1]), _int(ctx, args[2])
    if start < 1 or n < 0:
        raise ErrorSignal(VALUE)
    return s[start - 1:start - 1 + n]


def _find_args(ctx, args, name: str) -> tuple[str, str, int]:
    """FIND's and SEARCH's (text to find, text to search, first position); #VALUE! for a position outside the text."""
    find, within = positional(_text(ctx, args[0])), positional(_text(ctx, args[1]))
    start = _int(ctx, args[2]) if len(args) > 2 else 1
    if start < 1 or start > len(within):
        if start == len(within) + 1 and find == "":
            raise Unsupported(f"{name} of an empty text at the end")
        raise ErrorSignal(VALUE)
    return find, within, start


@register("FIND", 2, 3)
def xl_find(ctx, args):
    find, within, start = _find_args(ctx, args, "FIND")
    at = within.find(find, start - 1)
    if at < 0:
        raise ErrorSignal(VALUE)
    return float(at + 1)


@functools.lru_cache(maxsize=256)
def _wildcards(pattern: str) -> re.Pattern:
    """SEARCH's pattern: ? one character, * any, ~ escapes them; case-insensitive."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _search(find: str, within: str, start: int) -> int:
    m = _wildcards(find).search(within, start - 1)
    return m.start() + 1 if m else 0


@register("SEARCH", 2, 3)
def xl_search(ctx, args):
    find, within, start = _find_args(ctx, args, "SEARCH")
    at = _search(find, within, start)
    if width_sensitive(find, within):  # full-width letters, compatibility forms: may Excel match them?
        import unicodedata

        nf, nw = unicodedata.normalize("NFKC", find), unicodedata.normalize("NFKC", within)
        other = _search(nf, nw, start) if len(nw) == len(within) else (1 if _search(nf, nw, 1) else 0)
        if (at > 0) != (other > 0) or (len(nw) == len(within) and at != other):
            raise Unsupported("SEARCH where width or compatibility forms decide")
    if not at:
        raise ErrorSignal(VALUE)
    return float(at)


@register("SUBSTITUTE", 3, 4)
def xl_substitute(ctx, args):
    s, old, new = _text(ctx, args[0]), _text(ctx, args[1]), _text(ctx, args[2])
    if len(args) > 3:
        n = _int(ctx, args[3])
        if n < 1:
            raise ErrorSignal(VALUE)
        if old == "":
            return s
        at = -1
        for _ in range(n):
            at = s.find(old, at + (len(old) if at >= 0 else 1))
            if at < 0:
                return s
        return check_text(s[:at] + new + s[at + len(old):])
    return s if old == "" else check_text(s.replace(old, new))


@register("TRIM", 1)
def xl_trim(ctx, args):
    return re.sub(" {2,}", " ", _text(ctx, args[0])).strip(" ")


@register("CONCATENATE", 1, MANY)
def xl_concatenate(ctx, args):
    return check_text("".join(_text(ctx, a) for a in args))


_TEXT_FORMAT = re.compile(r"(#,##)?0(?:\.(0+))?(%?)")


@register("TEXT", 2)
def xl_text(ctx, args):
    """TEXT for plain number formats only: 0, 0.00, #,##0, #,##0.00, 0%, 0.0% (others are Unsupported)."""
    v, fmt = _value(ctx, args[0]), _text(ctx, args[1])
    if type(v) is XlError:
        raise ErrorSignal(v)
    m = _TEXT_FORMAT.fullmatch(fmt)
    if not m or not (type(v) is float or v is BLANK):
        raise Unsupported(f"TEXT of {v!r} with format {fmt[:20]!r}")
    x = to_number(v)
    places = len(m.group(2) or "")
    scale = 100 if m.group(3) else 1
    # on a decimal tie engines differ (the 15-digit value, the binary value, the binary value times 100): not guessed
    shown = {excel_round(dec(x) * scale, places), excel_round(Decimal(x) * scale, places),
             excel_round(dec(x * scale), places)}
    if len(shown) > 1:
        raise Unsupported("TEXT of a number on a rounding tie")
    q = shown.pop()
    if q == 0 and x < 0:
        raise Unsupported("TEXT of a negative number shown as zero")
    body = f"{abs(q):,.{places}f}" if m.group(1) else f"{abs(q):.{places}f}"
    return ("-" if q < 0 else "") + body + m.group(3)


# -- numbers ----------------------------------------------------------------------------------------------------
def _digits(ctx, v) -> int:
    return max(-400, min(400, _int(ctx, v)))


@register("ROUND", 2)
def xl_round(ctx, args):
    x, n = _num(ctx, args[0]), _digits(ctx, args[1])
    return check_number(float(excel_round(x, n)))


def _directed(x: float, n: int, rounding: str) -> float:
    d = dec(x)
    return check_number(float(d.scaleb(n).to_integral_value(rounding=rounding).scaleb(-n)))


@register("ROUNDUP", 2)
def xl_roundup(ctx, args):
    return _directed(_num(ctx, args[0]), _digits(ctx, args[1]), ROUND_UP)


@register("ROUNDDOWN", 2)
def xl_rounddown(ctx, args):
    return _directed(_num(ctx, args[0]), _digits(ctx, args[1]), ROUND_DOWN)


@register("INT", 1)
def xl_int(ctx, args):
    return float(math.floor(_num(ctx, args[0])))


@register("ABS", 1)
def xl_abs(ctx, args):
    return abs(_num(ctx, args[0]))


@register("SUM", 1, MANY)
def xl_sum(ctx, args):
    return check_number(math.fsum(_numbers(ctx, args)))


@register("MAX", 1, MANY)
def xl_max(ctx, args):
    return max(_numbers(ctx, args), default=0.0)


@register("MIN", 1, MANY)
def xl_min(ctx, args):
    return min(_numbers(ctx, args), default=0.0)


@register("AVERAGE", 1, MANY)
def xl_average(ctx, args):
    xs = _numbers(ctx, args)
    if not xs:
        raise ErrorSignal(DIV0)
    return check_number(math.fsum(xs) / len(xs))


@register("COUNT", 1, MANY)
def xl_count(ctx, args):
    n = 0
    for a in args:
        if isinstance(a, Ref):
            n += sum(1 for v in ctx.values(a) if type(v) is float)
        elif a is MISSING:
            raise Unsupported("argument left out")
        elif type(a) in (float, bool):
            n += 1
        elif type(a) is str:
            try:
                text_to_number(a)
                n += 1
            except ErrorSignal:
                pass
    return float(n)


@register("COUNTA", 1, MANY)
def xl_counta(ctx, args):
    n = 0
    for a in args:
        if isinstance(a, Ref):
            n += sum(1 for v in ctx.values(a) if v is not BLANK)
        elif a is MISSING:
            raise Unsupported("argument left out")
        else:
            n += 1
    return float(n)


@register("SUMPRODUCT", 1, MANY, kind="array")
def xl_sumproduct(ctx, args):
    arrays = [ctx.array(a) for a in args]
    shape = (len(arrays[0]), len(arrays[0][0]))
    if any((len(a), len(a[0])) != shape for a in arrays):
        raise ErrorSignal(VALUE)
    terms = []
    for cells in zip(*([x for row in a for x in row] for a in arrays)):
        product = 1.0
        for v in cells:
            if type(v) is XlError:
                raise ErrorSignal(v)
            product = product * v if type(v) is float else 0.0
        terms.append(product)
    return check_number(math.fsum(terms))


@register("COUNTIF", 2)
def xl_countif(ctx, args):
    """COUNTIF(range, "word"): the text cells equal to the word, ignoring case, with ? and * as wildcards. Other
    criteria (comparisons, numbers, logicals, blanks: Excel's coercions between them) are not computed."""
    rng, criterion = args
    word = _text(ctx, criterion)
    if not isinstance(rng, Ref) or not word or word[0] in "=<>" or word.casefold() in ("true", "false"):
        raise Unsupported("COUNTIF criterion other than a word")
    try:
        text_to_number(word)
    except ErrorSignal:
        pattern = _wildcards(word)
        return float(sum(1 for v in ctx.values(rng) if type(v) is str and pattern.fullmatch(v)))
    raise Unsupported("COUNTIF criterion that reads as a number")
