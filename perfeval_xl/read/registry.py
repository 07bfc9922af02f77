"""The readers by form kind. A reader module registers the function that finds its forms on one sheet (and, if
needed, one that completes them from the workbook's other sheets); `read.forms.forms_in` looks the kind up here,
so adding a form kind adds a module and never edits the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..profile import Profile
from .workbook import Grid


@dataclass(frozen=True)
class Reader:
    sheet: Callable[[Grid, Profile], list]  # the forms of this kind on one sheet, top to bottom
    workbook: Callable[[list, list[Grid], Profile], None] | None = None  # completes them from every sheet


READERS: dict[str, Reader] = {}


def register(kind: str, reader: Reader) -> None:
    if kind in READERS:
        raise ValueError(f"two readers for kind {kind!r}")
    READERS[kind] = reader
