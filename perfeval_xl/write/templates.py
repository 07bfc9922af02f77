"""Blank templates of every form kind: the writer of the profile's kind (`registry.TEMPLATES`), and the shipped
templates regenerated (`python -m perfeval_xl.write.templates [DIR]`, default `workbook_templates`)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..profile import Profile, shipped_profiles
from . import (  # noqa: F401 - each registers the writer of its form kind
    declaration_template, framework_template, monitoring_template, template)
from .registry import TEMPLATES


def write_template_for(profile: Profile, path: str | Path, *, year: int | str | None = None, fill: dict | None = None):
    """Write the template of `profile` (any kind that has one) to `path`; return its map."""
    if not profile.has_template or profile.kind not in TEMPLATES:
        raise ValueError(f"profile {profile.id} has no template to lay out")
    return TEMPLATES[profile.kind].write(profile, path, year=year, fill=fill)


def form_sheet(profile: Profile) -> str:
    """The name of the sheet that holds the form in the profile's template."""
    return TEMPLATES[profile.kind].sheet


def regenerate(dirpath: str | Path = "workbook_templates") -> list[Path]:
    """Write every shipped profile's blank template to `<dirpath>/<profile id>.xlsx` (profiles without a template,
    such as frameworks without a weight tree, only check)."""
    out = Path(dirpath)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for profile in shipped_profiles().values():
        if profile.has_template:
            path = out / f"{profile.id}.xlsx"
            write_template_for(profile, path)
            paths.append(path)
    return paths


if __name__ == "__main__":  # python -m perfeval_xl.write.templates [DIR]
    for written in regenerate(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates"):
        print(written)
