"""Collect the inputs of a batch: files, folders (searched recursively), .zip archives and saved e-mails (.eml).

Archive members and attachments are copied into a private temporary folder under generated names, so no name found in
an input is ever used as a path; sizes are bounded before anything is inflated. What cannot be unpacked becomes an
Item refused with its reason; each Item knows where its annotated copy goes.

No file disappears: what is not checked is an Item skipped with its reason (`SKIP_REASONS`) — the copies this batch
writes (its --annotated folder, its summary), Excel's lock files (~$…), files that are not workbooks. An annotated
copy found anywhere else is a workbook a unit sent back, and is checked like any other.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import os
import re
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import Refused, refuse
from ..read.preflight import MAX_FILE_BYTES, MAX_RATIO

# .ods is read; .xlsb, templates and WPS .et are collected too, so that the pre-flight refuses them with advice
# instead of their being silently left out of the batch.
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".xltx", ".xltm", ".et"}
CONTAINER_SUFFIXES = {".zip", ".eml"}
MAX_MEMBERS = 10_000  # entries in one archive
MAX_EXTRACTED_BYTES = 2 * 1024**3  # everything taken out of archives and e-mails in one batch
MAX_EML_BYTES = 200 * 1024 * 1024
MAX_DEPTH = 3  # archives in e-mails in archives …
_UNSAFE_NAME = re.compile(r'[\x00-\x1f<>:"/\\|?*#%]')

@dataclass
class Item:
    """One workbook to check (or a file refused before checking)."""

    display: str  # what the summary calls it: a path, or 'mail.eml!/附件.xlsx', 'forms.zip!/a/b.xlsx'
    rel: PurePosixPath  # where its annotated copy goes under --annotated
    path: Path | None = None
    sender: str | None = None
    date: str | None = None
    refusal: Refused | None = None  # when refused while unpacking
    skip: str | None = None  # why it is not checked at all (a key of messages.SKIP_REASONS)
    modified: float | None = None  # when the file was last saved (POSIX time): its own, or the archive member's


def _safe(part: str) -> str:
    """A file-name component that cannot escape its folder or break a hyperlink."""
    return _UNSAFE_NAME.sub("_", part).strip(" .")[:100] or "_"


def _member_name(info: zipfile.ZipInfo) -> str:
    """Archives made on Chinese Windows store GBK names without the UTF-8 flag; zipfile decoded them as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


class _Collector:
    def __init__(self, workdir: Path, exclude: list[tuple[Path, str]]):
        self.workdir, self.exclude = workdir, exclude
        self.items: list[Item] = []
        self.seen: set[Path] = set()
        self.extracted = 0

    def add_argument(self, arg: str) -> None:
        p = Path(arg)
        if not p.is_dir():
            self.add_file(p, str(p), PurePosixPath(_safe(p.name)))
            return
        top = _safe(p.resolve().name)
        for folder, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files):
                f = Path(folder, name)
                rel = PurePosixPath(top, *map(_safe, f.relative_to(p).parts))
                why = self._excluded(f) or _not_an_input(name)
                if why:
                    self.skipped(str(f), rel, why)
                else:
                    self.add_file(f, str(f), rel)

    def _excluded(self, f: Path) -> str | None:
        """Why a file is this batch's own output: a copy in its --annotated folder, or its summary."""
        r = f.resolve()
        for x, why in self.exclude:
            if r == x or x in r.parents:
                return why
        return None

    def skipped(self, display: str, rel: PurePosixPath, why: str, sender=None, date=None) -> None:
        self.items.append(Item(display, rel, None, sender, date, skip=why))

    def add_file(self, path: Path, display: str, rel: PurePosixPath, sender=None, date=None, depth=0,
                 modified: float | None = None) -> None:
        """`modified`: an archive member's own time (an extracted file's is the time it was extracted)."""
        if path.is_file() and self.workdir not in path.parents:
            real = path.resolve()
            if real in self.seen:
                return  # the same file named twice (a folder and a file inside it)
            self.seen.add(real)
            why = self._excluded(path) if depth == 0 else None
            if why:
                return self.skipped(display, rel, why, sender, date)
            modified = path.stat().st_mtime
        suffix = path.suffix.lower()
        if suffix in CONTAINER_SUFFIXES and path.is_file():
            if depth >= MAX_DEPTH:
                self.refused(display, rel, "too_deep", sender, date)
            elif suffix == ".zip":
                self.unzip(path, display, rel, sender, date, depth, modified)
            else:
                self.unmail(path, display, rel, depth)
        else:
            self.items.append(Item(display, rel, path, sender, date, modified=modified))

    def refused(self, display, rel, code, sender=None, date=None, variant: str = "") -> None:
        self.items.append(Item(display, rel, None, sender, date, refuse(code, variant)))

    def slot(self, name: str) -> Path:
        """A fresh private path for an extracted file; only the (sanitised) base name comes from the input."""
        folder = self.workdir / f"{len(self.items):06d}_{secrets.token_hex(3)}"
        folder.mkdir()
        return folder / _safe(name)

    def unzip(self, path: Path, display: str, rel: PurePosixPath, sender, date, depth, modified=None) -> None:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError):
            return self.refused(display, rel, "corrupt_archive", sender, date)
        with archive:
            infos = archive.infolist()
            if "[Content_Types].xml" in {i.filename for i in infos}:  # a workbook saved as .zip
                return self.items.append(Item(display, rel, path, sender, date, modified=modified))
            if len(infos) > MAX_MEMBERS:
                return self.refused(display, rel, "too_many_members", sender, date)
            found = False
            for info in infos:
                name = _member_name(info).replace("\\", "/")
                parts = name.split("/")
                if info.is_dir() or parts[0] == "__MACOSX":
                    continue  # folders, and the resource forks macOS adds to the archives it makes
                where = f"{display}!/{name}"
                mrel = rel.with_suffix("").joinpath(*(_safe(x) for x in parts if x not in ("", ".")))
                why = _not_an_input(parts[-1])
                if why:
                    self.skipped(where, mrel, why, sender, date)
                    continue
                found = True
                if name.startswith("/") or ".." in parts or re.match(r"[A-Za-z]:", name):
                    self.refused(where, mrel, "unsafe_path", sender, date)
                    continue
                ratio = info.file_size / max(info.compress_size, 1)
                if (info.file_size > MAX_FILE_BYTES or self.extracted + info.file_size > MAX_EXTRACTED_BYTES
                        or ratio > MAX_RATIO and info.file_size > 10 * 1024 * 1024):
                    self.refused(where, mrel, "zip_bomb", sender, date, "member")
                    continue
                if info.flag_bits & 1:
                    self.refused(where, mrel, "encrypted", sender, date, "member")
                    continue
                dest = self.slot(parts[-1])
                try:
                    self.extracted += _copy_capped(archive, info, dest)
                except NotImplementedError:
                    self.refused(where, mrel, "unsupported", sender, date)
                    continue
                except _TooBig:
                    self.refused(where, mrel, "zip_bomb", sender, date, "member")
                    continue
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
                    self.refused(where, mrel, "corrupt_archive", sender, date)
                    continue
                self.add_file(dest, where, mrel, sender, date, depth + 1, _member_time(info))
            if not found:
                self.refused(display, rel, "no_workbook", sender, date)

    def unmail(self, path: Path, display: str, rel: PurePosixPath, depth) -> None:
        if path.stat().st_size > MAX_EML_BYTES:
            return self.refused(display, rel, "too_large", variant="member")
        try:
            with path.open("rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.default)
            sender, date = _header(msg, "From"), _mail_date(msg)
            parts = [p for p in msg.walk() if not p.is_multipart() and p.get_filename()]
        except Exception:  # noqa: BLE001 - the parser is lenient; this is for truly broken input
            return self.refused(display, rel, "bad_email")
        found = False
        for part in parts:
            base = str(part.get_filename()).replace("\\", "/").rsplit("/", 1)[-1]
            where, arel = f"{display}!/{base}", rel.with_suffix("") / _safe(base)
            why = _not_an_input(base)
            if why:
                if part.get_content_disposition() == "attachment":  # not the pictures inside the message body
                    self.skipped(where, arel, why, sender, date)
                continue
            found = True
            data = part.get_payload(decode=True) or b""
            if len(data) > MAX_FILE_BYTES or self.extracted + len(data) > MAX_EXTRACTED_BYTES:
                self.refused(where, arel, "too_large", sender, date, "member")
                continue
            dest = self.slot(base)
            dest.write_bytes(data)
            self.extracted += len(data)
            self.add_file(dest, where, arel, sender, date, depth + 1)
        if not found:
            self.refused(display, rel, "no_attachment", sender, date)


class _TooBig(Exception):
    pass


def _member_time(info: zipfile.ZipInfo) -> float | None:
    """An archive member's time (stored without a zone: taken as local time, as archivers write it)."""
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


def _not_an_input(name: str) -> str | None:
    """Why a file found in a folder, an archive or an e-mail is not checked (None: it is)."""
    if name.startswith("~$"):
        return "lock_file"  # the owner file Excel keeps beside a workbook it has open
    if PurePosixPath(name).suffix.lower() not in WORKBOOK_SUFFIXES | CONTAINER_SUFFIXES:
        return "not_workbook"
    return None


def _copy_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> int:
    """Extract one member, never writing more than it declared (a lying header is a bomb)."""
    n = 0
    with archive.open(info) as src, dest.open("wb") as out:
        while chunk := src.read(1 << 20):
            n += len(chunk)
            if n > info.file_size:
                raise _TooBig
            out.write(chunk)
    return n


def _header(msg, name: str) -> str | None:
    try:
        value = msg[name]
        return str(value).strip() or None if value is not None else None
    except Exception:  # noqa: BLE001 - a header the parser cannot render is no header
        return None


def _mail_date(msg) -> str | None:
    text = _header(msg, "Date")
    try:
        return email.utils.parsedate_to_datetime(text).isoformat(sep=" ", timespec="minutes") if text else None
    except (TypeError, ValueError):
        return text


def collect(paths: list[str], workdir: Path, exclude: list[tuple[Path, str]] = ()) -> list[Item]:
    """Every file found under `paths`, sorted by display path; archives and e-mails unpacked into workdir. What this
    batch writes (`exclude`: (path, reason) — its --annotated folder, its summary) is skipped, with its reason."""
    c = _Collector(workdir, [(Path(x).resolve(), why) for x, why in exclude])
    for arg in paths:
        c.add_argument(arg)
    items = sorted(c.items, key=lambda i: i.display)
    used: set[str] = set()
    for item in items:  # annotated copies: the input's relative place, made unique
        stem, suffix = item.rel.stem, ".xlsm" if item.rel.suffix.lower() == ".xlsm" else ".xlsx"
        for n in range(1, len(items) + 2):
            cand = item.rel.with_name(f"{stem}_核查{'' if n == 1 else f'~{n}'}{suffix}")
            if str(cand).lower() not in used:
                used.add(str(cand).lower())
                item.rel = cand
                break
    return items
