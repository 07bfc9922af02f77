"""Every form in a workbook: each sheet classified (or the profile given), its forms read by the reader of the
profile's kind (`registry.READERS`), then each kind completes its forms from the other sheets. A sheet whose form
cannot be told for certain is not read; it is returned as uncertain, with its candidates. Hidden sheets are left out
unless asked for (an old draft kept out of sight is not the form that was sent; their data still serves the forms that
refer to them), and so is the 核查结果 sheet of an annotated copy (ours, not the user's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..present import HEADERS
from ..profile import Profile, shipped_profiles
from . import declaration, locate, monitoring, table  # noqa: F401 - each registers the reader of its form kind
from .detect import Classification, classify
from .registry import READERS
from .workbook import Grid, open_workbook


@dataclass
class Found:
    """What a workbook holds: (form, profile) for every form read, sheet by sheet, top to bottom; and the sheets
    that look like a form of more than one kind."""

    forms: list[tuple[object, Profile]] = field(default_factory=list)
    uncertain: list[Classification] = field(default_factory=list)


def forms_in(grids: list[Grid], profile: Profile | None = None, *, include_hidden: bool = False) -> Found:
    """Every form in the workbook; `profile` forces one, else each sheet is classified among the shipped profiles.
    Forms on hidden sheets only with `include_hidden`."""
    candidates = list(shipped_profiles().values())
    found = Found()
    for grid in grids:
        if (grid.hidden and not include_hidden) or is_results_sheet(grid):
            continue
        if profile is not None:
            chosen = profile
        else:
            c = classify(grid, candidates)
            if c.uncertain:
                found.uncertain.append(c)
            chosen = c.profile
        if chosen is not None:
            found.forms.extend((form, chosen) for form in READERS[chosen.kind].sheet(grid, chosen))
    for kind, reader in READERS.items():
        mine = [(f, p) for f, p in found.forms if p.kind == kind]
        if mine and reader.workbook is not None:
            reader.workbook([f for f, _ in mine], grids, mine[0][1])
    return found


def hidden_forms(grids: list[Grid], profile: Profile | None = None) -> list[Grid]:
    """The hidden sheets that hold a form (left out of `forms_in` unless asked for)."""
    return [g for g in grids if g.hidden and forms_in([g], profile, include_hidden=True).forms]


def is_results_sheet(grid: Grid) -> bool:
    """The 核查结果 sheet an annotated copy carries (its header row), recognised by its content, not its name."""
    return len(grid.rows) > 1 and tuple(grid.rows[1][:len(HEADERS)]) == HEADERS


def read_forms(path: str | Path, profile: Profile | None = None) -> list:
    """Every form in the workbook at `path` (sheets in order)."""
    return [form for form, _ in forms_in(open_workbook(path), profile).forms]
