"""One fill of one profile as a case to verify (written, poisoned, what the rules expect cell by cell), and an
engine's values compared with the rules' values, counted into the profile's entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..excelmath import dec, plain
from ..profile import Profile
from ..write.templates import write_template_for
from .files import Book, poison

FIRST = 5  # mismatches listed per entry

def _is_number(x) -> bool:
    return isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)


def _unit15(x: Decimal) -> Decimal:
    """One unit in the 15th significant digit of x."""
    return Decimal(1).scaleb(x.adjusted() - 14) if x else Decimal(0)


def agrees(got, want) -> bool:
    """Whether an engine's value is the Python rules' value: blank ('' expected) is '' or None; texts are equal;
    numbers are equal at 15 significant digits, Excel's precision (one unit in the 15th digit is floating point)."""
    if want == "" or want is None:
        return got in ("", None)
    if isinstance(want, str):
        return got == want
    if not _is_number(got):
        return False
    g, w = dec(got), dec(want)
    return abs(g - w) <= max(_unit15(g), _unit15(w))


def _json(v):
    if isinstance(v, Decimal):
        return plain(v)
    if v is None or isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


# --- cases ------------------------------------------------------------------------------------------------------------

@dataclass
class Case:
    index: int
    fill: dict
    path: Path  # as written, with the Python values cached
    poisoned: Path
    expected: dict[tuple[str, str], object]  # (sheet, A1) -> Python value ('' = blank)
    labels: dict[tuple[str, str], str]  # (sheet, A1) -> the map's key ('F10', '评价指标表!E16')
    formulas: dict[tuple[str, str], str] = field(default_factory=dict)


def _key(ref: str, sheet: str) -> tuple[str, str]:
    if "!" in ref:
        s, r = ref.rsplit("!", 1)
        return s.strip("'"), r
    return sheet, ref


def write_cases(profile: Profile, fills: list[dict], root: Path) -> list[Case]:
    """Write each fill, poison a copy, and prove the poisoned copy reads wrong."""
    write = write_template_for
    (root / "written").mkdir(parents=True, exist_ok=True)
    (root / "poisoned").mkdir(exist_ok=True)
    cases = []
    for i, fill in enumerate(fills):
        path = root / "written" / f"fill_{i:04d}.xlsx"
        tmap = write(profile, path, year=2024, fill=fill)
        expected, labels = {}, {}
        for ref, value in tmap.computed.items():
            k = _key(ref, tmap.sheet)
            expected[k], labels[k] = value, ref
        dst = root / "poisoned" / path.name
        replaced = poison(path, dst)
        if replaced != len(expected):
            raise RuntimeError(f"{profile.id} fill {i}: {replaced} cached results poisoned, {len(expected)} formulas")
        book = Book(dst)
        for k, want in expected.items():  # a reader of the poisoned file sees 999, not the right value
            if agrees(book.get(*k), want) and not agrees(999, want):
                raise RuntimeError(f"{profile.id} fill {i}: {labels[k]} kept its cached value after poisoning")
        cases.append(Case(i, fill, path, dst, expected, labels))
    return cases


def entry_for(profile: Profile, engine: str) -> dict:
    return {"profile": profile.id, "engine": engine, "fills": 0, "cells_compared": 0, "mismatches": 0,
            "tolerated": 0, "first_mismatches": [], "seconds": 0.0, "error": None}


def compare(entry: dict, case: Case, values: dict, tolerated=frozenset()) -> None:
    """Count one fill's cells into the entry; `values` maps (sheet, A1) to the engine's value; cells in `tolerated`
    differ only through a known engine bug (counted apart)."""
    entry["fills"] += 1
    for k, want in case.expected.items():
        got = values.get(k)
        entry["cells_compared"] += 1
        if agrees(got, want):
            continue
        if k in tolerated:
            entry["tolerated"] += 1
            continue
        entry["mismatches"] += 1
        if len(entry["first_mismatches"]) < FIRST:
            entry["first_mismatches"].append(
                {"fill": case.index, "cell": case.labels[k], "expected": _json(want), "got": _json(got)})
