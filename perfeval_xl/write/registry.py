"""The template writers by form kind. A writer module registers itself; `write.templates` looks the kind up here,
so adding a form kind adds a module and never edits the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateWriter:
    write: Callable  # (profile, path, *, year=None, fill=None) -> the template's map
    sheet: str  # the name of the sheet that holds the form


TEMPLATES: dict[str, TemplateWriter] = {}


def register(kind: str, writer: TemplateWriter) -> None:
    if kind in TEMPLATES:
        raise ValueError(f"two template writers for kind {kind!r}")
    TEMPLATES[kind] = writer
