"""Every form in a workbook: each sheet's profile detected (or the one given), its forms read by the reader of the
profile's kind (`registry.READERS`), then each kind completes its forms from the other sheets. Hidden sheets are
left out unless asked for (an old draft kept out of sight is not the form that was sent; their data still serves
the forms that refer to them), and so is the 核查结果 sheet of an annotated copy (ours, not the user's)."""

from __future__ import annotations

from pathlib import Path

from ..present import HEADERS
from ..profile import Profile, shipped_profiles
from . import locate, table  # noqa: F401 - each registers the reader of its form kind
from .detect import detect_profile
from .registry import READERS
from .workbook import Grid, open_workbook


def forms_in(grids: list[Grid], profile: Profile | None = None, *, include_hidden: bool = False) -> list[
        tuple[object, Profile]]:
    """(form, profile) for every form in the workbook, sheet by sheet, top to bottom; `profile` forces one,
    else each sheet's is detected among the shipped profiles. Forms on hidden sheets only with `include_hidden`."""
    candidates = list(shipped_profiles().values())
    out: list[tuple[object, Profile]] = []
    for grid in grids:
        if (grid.hidden and not include_hidden) or is_results_sheet(grid):
            continue
        chosen = profile or detect_profile(grid, candidates)
        if chosen is not None:
            out.extend((form, chosen) for form in READERS[chosen.kind].sheet(grid, chosen))
    for kind, reader in READERS.items():
        mine = [(f, p) for f, p in out if p.kind == kind]
        if mine and reader.workbook is not None:
            reader.workbook([f for f, _ in mine], grids, mine[0][1])
    return out


def hidden_forms(grids: list[Grid], profile: Profile | None = None) -> list[Grid]:
    """The hidden sheets that hold a form (left out of `forms_in` unless asked for)."""
    return [g for g in grids if g.hidden and forms_in([g], profile, include_hidden=True)]


def is_results_sheet(grid: Grid) -> bool:
    """The 核查结果 sheet an annotated copy carries (its header row), recognised by its content, not its name."""
    return len(grid.rows) > 1 and tuple(grid.rows[1][:len(HEADERS)]) == HEADERS


def read_forms(path: str | Path, profile: Profile | None = None) -> list:
    """Every form in the workbook at `path` (sheets in order)."""
    return [form for form, _ in forms_in(open_workbook(path), profile)]
