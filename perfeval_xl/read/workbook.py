"""Open a workbook defensively and hand back one value grid per sheet, whatever the file format.

The pre-flight looks at the bytes, not the extension, and bounds the zip before anything is inflated.
Values come from python-calamine (cached results; fast); merged ranges are resolved to their anchor cell.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..values import norm_label

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200  # compressed -> uncompressed, over the whole archive
MAX_SHEET_CELLS = 2_000_000  # a form is a few hundred cells; a sheet this large is data, not a form
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class Refused(Exception):
    """The file cannot be checked. `code` is stable; the messages tell the user what to do."""

    def __init__(self, code: str, zh: str, en: str):
        self.code, self.zh, self.en = code, zh, en
        super().__init__(f"{zh} / {en}")


def preflight(path: Path) -> str:
    """The file's real kind ('xlsx' or 'xls') from its content, or Refused."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise Refused("not_found", f"找不到文件 {path}。", f"file not found: {path}") from None
    except OSError as e:
        raise Refused("unreadable", f"无法读取文件：{e.strerror}。", f"cannot read the file: {e.strerror}") from None
    if path.is_dir():
        raise Refused("not_a_file", "这是一个文件夹，不是工作簿。", "this is a folder, not a workbook")
    if size == 0:
        raise Refused("empty", "文件是空的（0 字节），请重新发送原文件。", "the file is empty; send the original again")
    if size > MAX_FILE_BYTES:
        raise Refused("too_large", "文件超过 100 MB，不像一张自评表。", "the file exceeds 100 MB")
    if head.startswith(ZIP_MAGIC):
        _check_zip(path)
        return "xlsx"
    if head == OLE_MAGIC:
        if _ole_is_encrypted(path):
            raise Refused(
                "encrypted",
                "工作簿设置了打开密码，请取消密码后另存为 .xlsx 再提交。",
                "the workbook is password-protected; remove the password and save as .xlsx",
            )
        return "xls"
    raise Refused(
        "not_spreadsheet",
        "文件不是 Excel 工作簿（可能是网页、CSV 或损坏的文件），请在 Excel/WPS 中另存为 .xlsx 后再提交。",
        "not an Excel workbook (HTML, CSV or damaged?); save it as .xlsx in Excel/WPS",
    )


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise Refused(
            "corrupt", "文件已损坏（压缩包不完整），请重新发送原文件。", "the file is damaged (truncated zip)"
        ) from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise Refused(
            "not_spreadsheet", "压缩包里没有 Excel 工作簿的内容。", "a zip archive, but not an Excel workbook"
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_RATIO and total > 10 * 1024 * 1024:
        raise Refused(
            "zip_bomb",
            "文件解压后体积异常（疑似压缩炸弹），已拒绝处理。",
            "the file inflates to an abnormal size (zip bomb?); refused",
        )


def _ole_is_encrypted(path: Path) -> bool:
    """An OOXML workbook with an open password is an OLE file holding an 'EncryptionInfo' stream."""
    with path.open("rb") as f:
        data = f.read(min(path.stat().st_size, 4 * 1024 * 1024))
    return "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data


@dataclass
class Grid:
    """One sheet's values, addressed by absolute 0-based (row, col); merged cells resolve to their anchor."""

    name: str
    rows: list[list]
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def __post_init__(self):
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.span: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in self.merges:
            self.span[(r0, c0)] = (r1, c1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.anchor[(r, c)] = (r0, c0)
        self._labels: dict[tuple[int, int], str] = {}
        self.height = len(self.rows)
        self.width = max((len(r) for r in self.rows), default=0)

    def home(self, r: int, c: int) -> tuple[int, int]:
        """The cell holding the value shown at (r, c): its merge anchor, or itself."""
        return self.anchor.get((r, c), (r, c))

    def raw(self, r: int, c: int):
        r, c = self.home(r, c)
        try:
            v = self.rows[r][c]
        except IndexError:
            return None
        return None if v == "" else v

    def label(self, r: int, c: int) -> str:
        """Normalised text at (r, c) (merged cells resolved); '' for numbers and blanks."""
        key = self.home(r, c)
        if key not in self._labels:
            v = self.raw(*key)
            self._labels[key] = norm_label(v) if isinstance(v, str) else ""
        return self._labels[key]

    def is_follower(self, r: int, c: int) -> bool:
        return (r, c) in self.anchor


def open_workbook(path: str | Path) -> list[Grid]:
    """Every sheet of the workbook as a Grid, after the pre-flight; Refused when it cannot be read."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    preflight(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        grids = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if sheet.start is None or sheet.end[0] * sheet.end[1] > MAX_SHEET_CELLS:
                grids.append(Grid(name, []))
                continue
            rows = sheet.to_python(skip_empty_area=False)
            grids.append(Grid(name, rows, list(sheet.merged_cell_ranges or [])))
    except Refused:
        raise
    except Exception as e:  # calamine raises its own error types for damaged content
        text = str(e)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise Refused(
                "encrypted", "工作簿已加密，请取消密码后再提交。", "the workbook is encrypted; remove the password"
            ) from None
        raise Refused(
            "corrupt", f"工作簿无法解析（{text[:80]}），请在 Excel/WPS 中另存后再提交。", f"cannot parse the workbook: {text[:80]}"
        ) from None
    return grids
