"""Excel-compatible arithmetic in Decimal: ROUND half away from zero, 15-significant-digit floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
    """Excel's ROUND(x, digits): half away from zero, on the decimal value."""
    d = dec(x)
    if digits >= 0:
        return d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    unit = Decimal(1).scaleb(-digits)
    return (d / unit).quantize(ONE, rounding=ROUND_HALF_UP) * unit


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
    if x == x.to_integral_value():
        return int(x)
    return float(x)
