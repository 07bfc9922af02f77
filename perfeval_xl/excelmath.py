"""Excel-compatible arithmetic in Decimal: ROUND half away from zero, 15-significant-digit floats."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

ZERO = Decimal(0)
ONE = Decimal(1)


def dec(x: object) -> Decimal:
    """A number as Decimal the way Excel sees it: floats through their 15-significant-digit form."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        raise TypeError("bool is not a number here")
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(format(x, ".15g"))
    try:
        return Decimal(str(x))
    except InvalidOperation as e:
        raise ValueError(f"not a number: {x!r}") from e


def excel_round(x: object, digits: int) -> Decimal:
    """Excel's ROUND(x, digits): half away from zero, on the decimal value.

    Exact for any magnitude: the working precision grows with the number (1e308 rounded to 2 decimals needs 311
    digits, more than the default context's 28), so absurd values in a damaged form round instead of raising."""
    d = dec(x)
    if not d.is_finite():
        return d
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, d.adjusted() + abs(digits) + 3)
        if digits >= 0:
            return d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        unit = Decimal(1).scaleb(-digits)
        return (d / unit).quantize(ONE, rounding=ROUND_HALF_UP) * unit


_DOUBLE_MAX = 1.7976931348623157e308


def fits_a_cell(v: object) -> bool:
    """Whether `v` can be stored as a spreadsheet number: finite and within a double's range (a number read from a
    damaged cell may be a 400-digit integer; it is then written as text)."""
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, Decimal):
        return v.is_finite() and abs(v) <= Decimal(_DOUBLE_MAX)
    if isinstance(v, int):
        return abs(v) <= _DOUBLE_MAX
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError, OverflowError):
        return False


def half_unit(digits: int) -> Decimal:
    """Half of the last displayed unit: the largest error a correctly rounded value can carry."""
    return Decimal(5).scaleb(-digits - 1)


def decimals_of(x: Decimal) -> int:
    """Number of decimals written in x (0 for integers, 2 for 71.38)."""
    exp = x.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def plain(x: Decimal | None) -> float | int | None:
    """A Decimal as the plainest JSON number (int when integral)."""
    if x is None:
        return None
    if not x.is_finite():
        return str(x)
    if x == x.to_integral_value():
        return int(x)
    f = float(x)
    return f if math.isfinite(f) else str(x)  # beyond a double (a damaged cell): kept exact, as text
