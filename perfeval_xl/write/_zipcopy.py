"""Rewrite a zip archive member by member: untouched members are copied raw (same bytes, same compression),
replaced and added members are written fresh, dropped members left out.

Only what an .xlsx/.xlsm needs is supported: no ZIP64, no encryption, no multi-disk archives; the
methods stored (0) and deflate (8). Anything else raises `ZipCopyError` before a byte is written.
A member can be read whole (`read`) or as a stream of chunks (`stream`), and a replacement can be given already
deflated (`Deflated`, built from a stream of chunks by `deflate`), so that a large part is never held inflated.
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["ZipCopyError", "ZipSource", "Member", "Deflated", "deflate"]

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_CENTRAL_FIXED = struct.Struct("<4sHHHHHHIIIHHHHHII")  # 46 bytes
_LOCAL_FIXED = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_EOCD_FIXED = struct.Struct("<4sHHHHIIH")  # 22 bytes
_MAX_PART = 256 * 1024 * 1024  # refuse to inflate a single member beyond this (zip-bomb guard)
_DOS_EPOCH = (0, (1 << 5) | 1)  # 1980-01-01 00:00:00 as (time, date)
_FLAG_ENCRYPTED = 0x1
_FLAG_DESCRIPTOR = 0x8
_FLAG_UTF8 = 0x800
_CHUNK = 64 * 1024
_SPOOL = 8 * 1024 * 1024  # a deflated part larger than this waits on disk, not in memory


class ZipCopyError(ValueError):
    """The archive uses a zip feature this copier does not handle, or is damaged."""


class Deflated:
    """A member's new content, already deflated (raw deflate stream), with its CRC and inflated size; the
    compressed bytes wait in a spooled temporary file (memory up to 8 MB, then disk)."""

    def __init__(self, method: int = 8):
        self.method = method  # 8: deflated; 0: stored as it is (a member that was stored stays stored)
        self.file = tempfile.SpooledTemporaryFile(max_size=_SPOOL)
        self.crc = 0
        self.size = 0
        self.compressed = 0

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        while block := self.file.read(1 << 20):
            yield block

    def close(self) -> None:
        self.file.close()


def deflate(chunks: Iterable[bytes], method: int = 8) -> Deflated:
    """Deflate a stream of chunks as they come (level 6, as `_fresh` does), or with `method` 0 keep them stored."""
    out = Deflated(method)
    c = zlib.compressobj(6, zlib.DEFLATED, -15) if method == 8 else None
    for chunk in chunks:
        out.crc = zlib.crc32(chunk, out.crc)
        out.size += len(chunk)
        out.file.write(c.compress(chunk) if c else chunk)
    if c:
        out.file.write(c.flush())
    out.compressed = out.file.tell()
    return out


@dataclass
class Member:
    name: str
    central: bytes  # the raw central-directory record (fixed part + name + extra + comment)
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    mod_time: int
    mod_date: int
    made_by: int
    external_attr: int
    local_offset: int  # absolute offset of the local header in the source file
    raw_end: int  # absolute offset just past the data (and data descriptor, if any)
    data_offset: int  # absolute offset of the compressed data


class ZipSource:
    """A zip archive open for reading, whose members can be read and then copied raw into a new archive."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh
        fh.seek(0, 2)
        size = fh.tell()
        tail_len = min(size, 22 + 65535)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        pos = tail.rfind(_EOCD)
        while pos >= 0 and pos + 22 > len(tail):
            pos = tail.rfind(_EOCD, 0, pos)
        if pos < 0:
            raise ZipCopyError("not a zip archive (no end-of-central-directory record)")
        (_, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment_len) = _EOCD_FIXED.unpack_from(tail, pos)
        eocd_abs = size - tail_len + pos
        if pos >= 20 and tail[pos - 20:pos - 16] == _EOCD64_LOCATOR:
            raise ZipCopyError("ZIP64 archives are not supported")
        if disk != 0 or cd_disk != 0 or n_disk != n_total:
            raise ZipCopyError("multi-disk zip archives are not supported")
        if 0xFFFF in (n_total,) or 0xFFFFFFFF in (cd_size, cd_offset):
            raise ZipCopyError("ZIP64 archives are not supported")
        self.comment = tail[pos + 22:pos + 22 + comment_len]
        concat = eocd_abs - cd_size - cd_offset  # bytes prepended to the archive (self-extractor stubs)
        if concat < 0:
            raise ZipCopyError("damaged zip archive (central directory offset)")
        fh.seek(cd_offset + concat)
        cd = fh.read(cd_size)
        if len(cd) != cd_size:
            raise ZipCopyError("damaged zip archive (truncated central directory)")
        self.members: list[Member] = []
        self._by_name: dict[str, Member] = {}
        off = 0
        for _ in range(n_total):
            if cd[off:off + 4] != _CENTRAL:
                raise ZipCopyError("damaged zip archive (central directory record)")
            (_, made_by, _need, flags, method, mtime, mdate, crc, csize, usize, n_len, x_len, c_len,
             _disk, _iattr, eattr, loff) = _CENTRAL_FIXED.unpack_from(cd, off)
            end = off + 46 + n_len + x_len + c_len
            raw_name = cd[off + 46:off + 46 + n_len]
            name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437")
            if 0xFFFFFFFF in (csize, usize, loff):
                raise ZipCopyError(f"ZIP64 member {name!r} is not supported")
            if flags & _FLAG_ENCRYPTED:
                raise ZipCopyError(f"encrypted zip member {name!r}")
            if name in self._by_name:
                raise ZipCopyError(f"duplicate zip member {name!r}")
            m = Member(name, cd[off:end], flags, method, crc, csize, usize, mtime, mdate, made_by, eattr,
                       loff + concat, 0, 0)
            self._locate(m)
            self.members.append(m)
            self._by_name[name] = m
            off = end

    def _locate(self, m: Member) -> None:
        fh = self._fh
        fh.seek(m.local_offset)
        head = fh.read(30)
        if len(head) != 30 or head[:4] != _LOCAL:
            raise ZipCopyError(f"damaged zip archive (local header of {m.name!r})")
        n_len, x_len = struct.unpack_from("<HH", head, 26)
        m.data_offset = m.local_offset + 30 + n_len + x_len
        end = m.data_offset + m.compress_size
        if m.flags & _FLAG_DESCRIPTOR:
            fh.seek(end)
            sig = fh.read(4)
            end += 16 if sig == _DESCRIPTOR else 12
        m.raw_end = end

    # -- reading -------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def get(self, name: str) -> Member | None:
        return self._by_name.get(name)

    def read(self, name: str) -> bytes:
        """The decompressed content of one member (CRC checked, size capped)."""
        m = self._by_name[name]
        self._fh.seek(m.data_offset)
        data = self._fh.read(m.compress_size)
        if m.method == 0:
            out = data
        elif m.method == 8:
            d = zlib.decompressobj(-15)
            out = d.decompress(data, _MAX_PART + 1)
            if len(out) > _MAX_PART:
                raise ZipCopyError(f"zip member {name!r} inflates beyond {_MAX_PART} bytes")
        else:
            raise ZipCopyError(f"zip member {name!r} uses unsupported compression method {m.method}")
        if zlib.crc32(out) != m.crc:
            raise ZipCopyError(f"zip member {name!r} fails its CRC check")
        return out

    def stream(self, name: str) -> Iterator[bytes]:
        """The decompressed content of one member as chunks of at most 64 KB (CRC checked at the end, size capped):
        memory stays flat however large the member."""
        m = self._by_name[name]
        if m.method not in (0, 8):
            raise ZipCopyError(f"zip member {name!r} uses unsupported compression method {m.method}")
        d = zlib.decompressobj(-15) if m.method == 8 else None
        pos, left, state = m.data_offset, m.compress_size, [0, 0]  # crc, bytes produced
        pending = b""

        def produced(out: bytes) -> bytes:
            state[0] = zlib.crc32(out, state[0])
            state[1] += len(out)
            if state[1] > _MAX_PART:
                raise ZipCopyError(f"zip member {name!r} inflates beyond {_MAX_PART} bytes")
            return out

        while pending or left:
            if not pending:
                self._fh.seek(pos)
                pending = self._fh.read(min(_CHUNK, left))
                if not pending:
                    raise ZipCopyError(f"zip member {name!r} is truncated")
                pos += len(pending)
                left -= len(pending)
            if d is None:
                out, pending = pending, b""
            else:
                out = d.decompress(pending, _CHUNK)
                pending = d.unconsumed_tail
                if d.eof:
                    pending, left = b"", 0
            if out:
                yield produced(out)
        if d is not None and (rest := d.flush()):
            yield produced(rest)
        if state[0] != m.crc:
            raise ZipCopyError(f"zip member {name!r} fails its CRC check")

    def raw(self, m: Member) -> bytes:
        self._fh.seek(m.local_offset)
        return self._fh.read(m.raw_end - m.local_offset)

    # -- writing -------------------------------------------------------------------------------
    def write(self, out: BinaryIO, replace: dict[str, bytes | Deflated], add: list[tuple[str, bytes]],
              drop: Iterable[str] = ()) -> None:
        """Write the archive to `out`: members in their original order, those named in `replace` with new
        content (same compression method, timestamp and attributes; a `Deflated` one deflated), those in `drop`
        left out, the others copied raw; then `add`."""
        drop = set(drop)
        unknown = (set(replace) | drop) - set(self._by_name)
        if unknown:
            raise ZipCopyError(f"cannot replace missing members {sorted(unknown)}")
        clash = {n for n, _ in add} & set(self._by_name)
        if clash:
            raise ZipCopyError(f"cannot add existing members {sorted(clash)}")
        central: list[bytes] = []
        pos = 0
        for m in self.members:
            if m.name in drop:
                continue
            if isinstance(replace.get(m.name), Deflated):
                new = replace[m.name]
                local, cent = _headers(m.name, new.method, (m.mod_time, m.mod_date), new.crc, new.compressed,
                                       new.size, m.made_by, m.external_attr, pos)
                out.write(local)
                for block in new.chunks():
                    out.write(block)
                central.append(cent)
                pos += len(local) + new.compressed
            elif m.name in replace:
                local, cent = _fresh(m.name, replace[m.name], m.method if m.method in (0, 8) else 8,
                                     (m.mod_time, m.mod_date), m.made_by, m.external_attr, pos)
                out.write(local)
                central.append(cent)
                pos += len(local)
            else:
                raw = self.raw(m)
                out.write(raw)
                central.append(m.central[:42] + struct.pack("<I", pos) + m.central[46:])
                pos += len(raw)
        for name, data in add:
            local, cent = _fresh(name, data, 8, _DOS_EPOCH, 20, 0, pos)
            out.write(local)
            central.append(cent)
            pos += len(local)
        n = len(central)
        if n > 0xFFFF or pos > 0xFFFFFFFF:
            raise ZipCopyError("the result would need ZIP64")
        cd = b"".join(central)
        out.write(cd)
        out.write(_EOCD_FIXED.pack(_EOCD, 0, 0, n, n, len(cd), pos, len(self.comment)) + self.comment)


def _fresh(name: str, data: bytes, method: int, when: tuple[int, int], made_by: int, eattr: int,
           offset: int) -> tuple[bytes, bytes]:
    """Local header + data, and the central record, of a member written anew."""
    if method == 8:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = c.compress(data) + c.flush()
    else:
        body = data
    local, cent = _headers(name, method, when, zlib.crc32(data), len(body), len(data), made_by, eattr, offset)
    return local + body, cent


def _headers(name: str, method: int, when: tuple[int, int], crc: int, compressed: int, size: int, made_by: int,
             eattr: int, offset: int) -> tuple[bytes, bytes]:
    """The local header (without the data) and the central record of a member written anew."""
    if max(compressed, size) > 0xFFFFFFFF:
        raise ZipCopyError(f"member {name!r} would need ZIP64")
    try:
        raw_name = name.encode("ascii")
        flags = 0
    except UnicodeEncodeError:
        raw_name = name.encode("utf-8")
        flags = _FLAG_UTF8
    mtime, mdate = when
    local = _LOCAL_FIXED.pack(_LOCAL, 20, flags, method, mtime, mdate, crc, compressed, size,
                              len(raw_name), 0) + raw_name
    cent = _CENTRAL_FIXED.pack(_CENTRAL, made_by, 20, flags, method, mtime, mdate, crc, compressed, size,
                               len(raw_name), 0, 0, 0, 0, eattr, offset) + raw_name
    return local, cent
