"""Written templates as files: every cached formula result poisoned, the formulas listed, the values read back."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..a1 import parse_a1

POISON = "999"

_CACHED = re.compile(r"(<c [^>]*><f>[^<]*</f>)<v>[^<]*</v></c>")


def poison(src: str | Path, dst: str | Path) -> int:
    """Copy an xlsx with every cached formula result replaced by 999; return how many were replaced."""
    count = 0

    def wrong(m):
        nonlocal count
        count += 1
        return f"{m.group(1)}<v>{POISON}</v></c>"

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _CACHED.sub(wrong, data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return count


_SHEET = re.compile(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"'
                  r'|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
_FORMULA = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*><f>([^<]*)</f>')


def formulas_of(path: str | Path) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> formula text (as stored) of every formula cell of an xlsx written by xlsxwriter."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = {}
        for m in _REL.finditer(rels):
            rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            targets[rid] = target.lstrip("/").removeprefix("xl/")
        out = {}
        for name, rid in _SHEET.findall(book):
            xml = z.read("xl/" + targets[rid]).decode("utf-8")
            for ref, text in _FORMULA.findall(xml):
                out[(_unescape(name), ref)] = text
    return out


def _unescape(s: str) -> str:
    for entity, ch in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        s = s.replace(entity, ch)
    return s


class Book:
    """Cell values of a workbook by (sheet, A1), read with calamine (cached results for formula cells)."""

    def __init__(self, path: str | Path):
        from python_calamine import CalamineWorkbook

        self.wb = CalamineWorkbook.from_path(str(path))
        self.sheets: dict[str, list] = {}

    def get(self, sheet: str, ref: str):
        if sheet not in self.sheets:
            self.sheets[sheet] = self.wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        rows = self.sheets[sheet]
        r, c = parse_a1(ref)
        if r >= len(rows) or c >= len(rows[r]):
            return ""
        return rows[r][c]
