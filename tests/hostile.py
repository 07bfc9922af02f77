"""Broken and hostile workbooks, made on the spot (nothing hostile is stored in the repository).

    python tests/hostile.py DIR      # writes the whole corpus into DIR, to try `perfeval batch DIR` by hand

Each maker returns bytes. The zip makers start from a real form (sample_data) so that, apart from the one thing
that is wrong, the file would be read and checked.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "sample_data" / "meishan_2023" / "04_window_outsourcing.xlsx"
SHEET = "xl/worksheets/sheet1.xml"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MB = 1024 * 1024


def good() -> bytes:
    return GOOD.read_bytes()


def rezip(data: bytes, replace: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None,
          compression=zipfile.ZIP_DEFLATED) -> bytes:
    """The package with members replaced (None: dropped) and added; member order kept."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", compression) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    zout.writestr(info.filename, replace[info.filename])
            else:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, body in add.items():
            zout.writestr(name, body)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


# -- XML entity attacks ------------------------------------------------------------------------------------
def _laughs(levels: int = 9) -> str:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels + 1)]
    return "<!DOCTYPE lolz [" + "".join(ents) + "]>"


def with_shared_strings(sst: bytes | None, data: bytes | None = None) -> bytes:
    """The form plus a sharedStrings part `sst` (None: left for the caller to add), wired into the workbook's
    relationships and content types."""
    data = good() if data is None else data
    rels = member(data, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    ct = member(data, "[Content_Types].xml").replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return rezip(data, {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": ct},
                 {"xl/sharedStrings.xml": sst} if sst is not None else None)


def billion_laughs_shared_strings() -> bytes:
    """A valid form plus a sharedStrings part whose one string is 10^9 'lol's by entity expansion."""
    return with_shared_strings(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{_laughs()}\n'
                               f'<sst xmlns="{NS_MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
                               .encode())


def giant_shared_string(n_mb: int = 400) -> bytes:
    """A valid form plus one shared string of n_mb MB, with an honest central directory: about 400 KB that a
    reader would hold as 400 MB of text (EXCEL_NOTES §6: calamine 1.18 GB RSS). Written in 1 MB steps."""
    out = io.BytesIO(with_shared_strings(None))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="' + NS_MAIN.encode()
                + b'" count="1" uniqueCount="1"><si><t>')
        for _ in range(n_mb):
            f.write(b"a" * MB)
        f.write(b"</t></si></sst>")
    return out.getvalue()


def billion_laughs_sheet() -> bytes:
    """The form's own sheet XML with a billion-laughs DTD and one cell using it."""
    data = good()
    sheet = member(data, SHEET)
    start = sheet.index(b"<worksheet")
    sheet = sheet[:start] + _laughs().encode() + sheet[start:]
    sheet = sheet.replace(b"</sheetData>", b'<row r="200"><c r="A200" t="inlineStr"><is><t>&lol9;</t></is></c>'
                                          b"</row></sheetData>", 1)
    return rezip(data, {SHEET: sheet})


def external_entity() -> bytes:
    """XXE: the sheet pulls /etc/passwd (and a URL) into a cell."""
    data = good()
    sheet = member(data, SHEET)
    start = sheet.index(b"<worksheet")
    dtd = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y SYSTEM "http://127.0.0.1:9/x">]>'
    sheet = sheet[:start] + dtd + sheet[start:]
    sheet = sheet.replace(b"</sheetData>", b'<row r="200"><c r="A200" t="inlineStr"><is><t>&x;&y;</t></is></c>'
                                          b"</row></sheetData>", 1)
    return rezip(data, {SHEET: sheet})


def utf16_doctype() -> bytes:
    """The same DTD, in a UTF-16 encoded part (a scan for ASCII '<!DOCTYPE' alone would miss it)."""
    data = good()
    sheet = member(data, SHEET).decode("utf-8")
    start = sheet.index("<worksheet")
    sheet = '<?xml version="1.0" encoding="UTF-16"?>' + _laughs(3) + sheet[start:]
    return rezip(data, {SHEET: sheet.encode("utf-16")})


# -- zip bombs -----------------------------------------------------------------------------------------------
def _deflated_padding(n_mb: int) -> tuple[bytes, int]:
    """Non-final raw deflate blocks for n_mb MB of 'a's, made fast (one compressed block repeated), and their
    uncompressed size."""
    chunk = b"a" * MB
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(chunk)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)  # history reset: the same bytes for the same input
    return block * n_mb, n_mb * MB


def zip_bomb(n_mb: int = 400, lie: bool = False, data: bytes | None = None, name: str = SHEET) -> bytes:
    """The form with its sheet XML padded by an n_mb MB comment: about 400 KB that inflates to 400 MB. With
    `lie`, the central directory and the local header declare the original sheet's size instead. `data` and
    `name`: another package and the member holding its sheet."""
    data = good() if data is None else data
    sheet = member(data, name)
    cut = sheet.rindex(b"</worksheet>")
    head, tail = sheet[:cut] + b"<!--", b"-->" + sheet[cut:]
    pad, pad_len = _deflated_padding(n_mb)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = c2.compress(tail) + c2.flush()
    stream = first + pad + last
    size = len(head) + pad_len + len(tail)
    crc = zlib.crc32(head)
    for _ in range(n_mb):
        crc = zlib.crc32(b"a" * MB, crc)
    crc = zlib.crc32(tail, crc)
    declared = len(sheet) if lie else size
    return _raw_zip(data, name, stream, declared, crc)


def _raw_zip(data: bytes, name: str, deflated: bytes, declared: int, crc: int) -> bytes:
    """The package with member `name` replaced by a given raw deflate stream and declared size (and CRC)."""
    out = io.BytesIO()
    central = []
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        for info in zin.infolist():
            raw_name = info.filename.encode("utf-8")
            if info.filename == name:
                body, usize, c = deflated, declared, crc
            else:
                plain = zin.read(info.filename)
                comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                body, usize, c = comp.compress(plain) + comp.flush(), len(plain), zlib.crc32(plain)
            offset = out.tell()
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, c, len(body), usize,
                                  len(raw_name), 0) + raw_name + body)
            central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, c,
                                       len(body), usize, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
    cd_start = out.tell()
    cd = b"".join(central)
    out.write(cd)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), len(cd), cd_start, 0))
    return out.getvalue()


def many_members(n: int = 70_000) -> bytes:
    """A package announcing tens of thousands of (empty) members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        for i in range(n):
            zout.writestr(f"xl/media/x{i}.bin", b"")
    return out.getvalue()


# -- damaged and misnamed ----------------------------------------------------------------------------------
def truncated(n: int = 3000) -> bytes:
    return good()[:n]


def crc_broken() -> bytes:
    """One bit flipped inside the sheet's compressed data: inflates to garbage or fails its CRC."""
    data = bytearray(good())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(SHEET)
    n_len, x_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    at = info.header_offset + 30 + n_len + x_len + info.compress_size // 2
    data[at] ^= 0x10
    return bytes(data)


def random_bytes(n: int = 20_000, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def html_as_xls() -> bytes:
    return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
            '<head><meta charset="utf-8"></head><body><table><tr><td>项目名称</td><td>外包服务</td></tr>'
            '<tr><td>预算数</td><td>200.16</td></tr></table></body></html>').encode()


def mhtml_as_xls() -> bytes:
    return (b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; "
            b'boundary="----=_NextPart"\r\n\r\n------=_NextPart\r\nContent-Type: text/html\r\n\r\n<html></html>\r\n')


def spreadsheetml_2003() -> bytes:
    return ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1"><Table><Row>'
            '<Cell><Data ss:Type="String">项目名称</Data></Cell></Row></Table></Worksheet></Workbook>').encode()


def csv_text() -> bytes:
    return "项目,预算,执行\n外包,200.16,142.88\n".encode("gbk")


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def xlsb_like() -> bytes:
    """What an .xlsb looks like from outside: an OPC package whose workbook part is binary."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                  'package/2006/relationships"/>')
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return out.getvalue()


def docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def duplicate_member() -> bytes:
    """Two members named like the sheet: readers disagree on which one counts."""
    data = good()
    out = io.BytesIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info.filename))
            zout.writestr(SHEET, b"<worksheet/>")
    return out.getvalue()


def hidden_sheet(sheet_xml: bytes | None = None, name: str = "xl/media/image9.png") -> bytes:
    """The form whose sheet part lives under a picture's name (readers follow the relationship, not the name)."""
    data = good()
    sheet = member(data, SHEET) if sheet_xml is None else sheet_xml
    target = name.removeprefix("xl/")
    rels = member(data, "xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet1.xml", target.encode())
    ct = member(data, "[Content_Types].xml").replace(b"/xl/worksheets/sheet1.xml", b"/" + name.encode())
    return rezip(data, {SHEET: None, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": ct}, {name: sheet})


def hidden_billion_laughs() -> bytes:
    sheet = member(billion_laughs_sheet(), SHEET)
    return hidden_sheet(sheet)


# -- encryption and macros -----------------------------------------------------------------------------------
def encrypted(data: bytes | None = None, password: str = "秘密pw") -> bytes:
    """An OOXML workbook with an open password (ECMA-376 agile encryption, as Excel writes it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data if data is not None else good())).encrypt(password, out)
    return out.getvalue()


def vba_project() -> bytes | None:
    """A real VBA project (xlwings' quickstart workbook carries one), or None when xlwings is not installed."""
    try:
        import xlwings
    except ImportError:
        return None
    path = Path(xlwings.__file__).parent / "quickstart.xlsm"
    return member(path.read_bytes(), "xl/vbaProject.bin") if path.is_file() else None


def with_macros(data: bytes | None = None, vba: bytes | None = None) -> bytes:
    """The form as an .xlsm with a VBA project (wired in as Excel does)."""
    data = data if data is not None else good()
    vba = vba if vba is not None else (vba_project() or b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    ct = member(data, "[Content_Types].xml")
    ct = ct.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    ct = ct.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                                 b"</Types>")
    rels = member(data, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", b'<Relationship Id="rId98" Type="http://schemas.microsoft.com/office/2006/relationships/'
                             b'vbaProject" Target="vbaProject.bin"/></Relationships>')
    return rezip(data, {"[Content_Types].xml": ct, "xl/_rels/workbook.xml.rels": rels}, {"xl/vbaProject.bin": vba})


def with_xlm_macrosheet(data: bytes | None = None) -> bytes:
    """The form plus an Excel 4.0 macro sheet part (the classic malware vehicle)."""
    data = data if data is not None else good()
    return rezip(data, add={"xl/macrosheets/sheet1.xml": f'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/'
                                                         f'office/excel/2006/main" xmlns="{NS_MAIN}"/>'.encode()})


# -- with LibreOffice ----------------------------------------------------------------------------------------
def uno_python() -> str | None:
    from perfeval_xl.write.ods import find_uno_python

    return find_uno_python() if shutil.which("soffice") else None


_ENCRYPT_XLS = r"""
import os, sys
sys.path.insert(0, sys.argv[4])
import lo_uno, uno
src, dst, pw = sys.argv[1:4]
office = lo_uno.Office(sys.argv[5])
try:
    doc = office.load(src)
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)),
                   (lo_uno.prop("FilterName", "MS Excel 97"), lo_uno.prop("Password", pw)))
    lo_uno.close(doc)
finally:
    office.close()
"""


def encrypted_xls(src: Path, dst: Path, password: str, workdir: Path) -> Path:
    """An .xls with an open password, saved by LibreOffice through UNO (msoffcrypto-tool cannot encrypt .xls)."""
    script = workdir / "encrypt_xls.py"
    script.write_text(_ENCRYPT_XLS, encoding="utf-8")
    driver_dir = ROOT / "perfeval_xl" / "xl"
    subprocess.run([uno_python(), str(script), str(src), str(dst), password, str(driver_dir),
                    str(workdir / "lo_profile")], check=True, timeout=180, capture_output=True)
    return dst


CORPUS = {
    "empty.xlsx": lambda: b"",
    "truncated.xlsx": truncated,
    "crc_broken.xlsx": crc_broken,
    "random.xls": random_bytes,
    "html_table.xls": html_as_xls,
    "mhtml.xls": mhtml_as_xls,
    "spreadsheetml2003.xls": spreadsheetml_2003,
    "table.csv.xlsx": csv_text,
    "scan.pdf.xlsx": pdf,
    "binary.xlsb": xlsb_like,
    "letter.docx.xlsx": docx_like,
    "duplicate_member.xlsx": duplicate_member,
    "billion_laughs_sst.xlsx": billion_laughs_shared_strings,
    "billion_laughs_sheet.xlsx": billion_laughs_sheet,
    "xxe.xlsx": external_entity,
    "utf16_doctype.xlsx": utf16_doctype,
    "zip_bomb.xlsx": zip_bomb,
    "zip_bomb_lying.xlsx": lambda: zip_bomb(lie=True),
    "giant_string.xlsx": giant_shared_string,
    "many_members.xlsx": many_members,
    "encrypted.xlsx": encrypted,
    "macros.xlsm": with_macros,
    "macros_misnamed.xlsx": with_macros,
    "xlm_macrosheet.xlsx": with_xlm_macrosheet,
    "form_saved_as.xls": good,
    "hidden_sheet_laughs.xlsx": hidden_billion_laughs,
    "hidden_sheet_bomb.xlsx": lambda: zip_bomb(lie=True, data=hidden_sheet(), name="xl/media/image9.png"),
}


def write_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, make in CORPUS.items():
        path = folder / name
        path.write_bytes(make())
        out.append(path)
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for p in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")):
        print(f"{os.path.getsize(p):>10}  {p}")


def far_cell(ref: str = "XFD1048576", empty: bool = False, data: bytes | None = None, sheet: str = SHEET) -> bytes:
    """The form plus one cell far away: a value (the reader's dense grid would span A1 to it) or, with `empty`, a
    styled empty cell (harmless: it holds nothing)."""
    data = good() if data is None else data
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<c r="{ref}" s="1"/>' if empty else f'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>'
    xml = member(data, sheet).replace(b"</sheetData>", f'<row r="{row}">{cell}</row></sheetData>'.encode(), 1)
    return rezip(data, {sheet: xml})


def scattered_cells(n: int = 60, step: int = 250, data: bytes | None = None, sheet: str = SHEET) -> bytes:
    """The form plus `n` values down a diagonal from just below its last row and right of its last column, `step`
    rows and columns apart: no cut at a run of empty rows or columns leaves a form-sized sheet, so the sheet stays
    too large to read."""
    import re

    from openpyxl.utils.cell import column_index_from_string

    data = good() if data is None else data
    xml = member(data, sheet)
    last_row = max(int(r) for r in re.findall(rb'<row [^>]*?r="(\d+)"', xml))
    last_col = max(column_index_from_string(c.decode()) for c in re.findall(rb'<c r="([A-Z]+)\d+"', xml))
    rows = "".join(f'<row r="{last_row + 1 + k * step}"><c r="{_col(last_col + k * step)}{last_row + 1 + k * step}">'
                   f'<v>1</v></c></row>' for k in range(n))
    return rezip(data, {sheet: xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)})


def _col(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def unnamed_far_cells(row: int = 1048576, n: int = 20000) -> bytes:
    """A far row whose cells name no position: each follows the previous one (a wide grid from a few bytes)."""
    data = good()
    cells = "<c><v>1</v></c>" * n
    xml = member(data, SHEET).replace(b"</sheetData>", f'<row r="{row}">{cells}</row></sheetData>'.encode(), 1)
    return rezip(data, {SHEET: xml})


def ods_repeated_rows(template: bytes, rows: int = 1_000_000, cols: int = 100) -> bytes:
    """An .ods whose form table ends with one row of values repeated a million times."""
    content = member(template, "content.xml")
    row = (f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float" '
           f'office:value="1" table:number-columns-repeated="{cols}"><text:p>1</text:p></table:table-cell>'
           f'</table:table-row>').encode()
    end = content.index(b"</table:table>")
    last = content.rindex(b"</table:table-row>", 0, end) + len(b"</table:table-row>")  # after the table's last row
    content = content[:last] + row + content[last:]
    return rezip(template, {"content.xml": content})
