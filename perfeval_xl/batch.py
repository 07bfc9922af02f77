"""Review in bulk: check every workbook under some paths and write one summary workbook.

    run_batch(paths, output, annotated_dir=None, jobs=1, profile=None, progress=False) -> dict

Inputs are files, folders (searched recursively for .xlsx/.xlsm/.xls/.ods/.xlsb/.zip/.eml), .zip archives and saved
e-mails (.eml). Archive members and attachments are copied into a private temporary folder under generated names, so no
name found in an input is ever used as a path; sizes are bounded before anything is inflated. Each workbook goes
through `api.check_file` (and `api.write_annotated` with --annotated) exactly as `perfeval check` would; no check
logic lives here. Workers (a ProcessPoolExecutor, files sent in chunks) return plain dicts; a file on which the
checker raises, or that kills its worker, becomes a refused file, never a stopped batch. Files are reported in the
order of their display path (then sheet order), whatever the parallelism.

The summary (pandas + xlsxwriter) has the sheets 汇总, 问题明细, 无法读取, 跨表不一致, 按部门 and 分布; it is
written to a temporary file beside the output and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from pathlib import Path, PurePosixPath

from .api import annotated_suffix, can_annotate, check_file, write_annotated
from .check import stated_value
from .excelmath import fits_a_cell, plain
from .messages import CHECK_TITLES, SEVERITY_ZH
from .model import Framework
from .read.preflight import MAX_FILE_BYTES, MAX_RATIO, PASS_THROUGH, Refused, TimedOut
from .values import as_fraction, norm_label
from .write.annotate import WHOLE_SHEET

# .ods is read; .xlsb, templates and WPS .et are collected too, so that the pre-flight refuses them with advice
# instead of their being silently left out of the batch.
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".xltx", ".xltm", ".et"}
CONTAINER_SUFFIXES = {".zip", ".eml"}
MAX_MEMBERS = 10_000  # entries in one archive
MAX_EXTRACTED_BYTES = 2 * 1024**3  # everything taken out of archives and e-mails in one batch
MAX_EML_BYTES = 200 * 1024 * 1024
MAX_DEPTH = 3  # archives in e-mails in archives …
CHUNK = 16  # files per round trip to a worker
FILE_SECONDS = 120  # one file's check (and copy) may take this long; a form takes milliseconds
WORKER_MEMORY = 2 * 1024**3  # address space of a worker process; a form needs well under 100 MB
UNSPENT_LIMIT = 0.10  # 结余率 above this counts on 按部门
_CODE = re.compile(r"^\s*([0-9A-Za-z]{12,})(?=[\s\-—－_:：、.]|$)")  # 51140022T000000289349-项目名
_UNSAFE_NAME = re.compile(r'[\x00-\x1f<>:"/\\|?*#%]')


# --------------------------------------------------------------------------------------------- collecting inputs
@dataclass
class Item:
    """One workbook to check (or a file refused before checking)."""

    display: str  # what the summary calls it: a path, or 'mail.eml!/附件.xlsx', 'forms.zip!/a/b.xlsx'
    rel: PurePosixPath  # where its annotated copy goes under --annotated
    path: Path | None = None
    sender: str | None = None
    date: str | None = None
    refusal: tuple[str, str, str] | None = None  # (code, zh, en) when refused while unpacking


REFUSALS = {  # code -> (Chinese, English) for files refused while unpacking
    "unsafe_path": ("压缩包成员的路径不安全（含“..”或绝对路径），未解压。",
                    "unsafe member path in the archive (.. or absolute); not extracted"),
    "zip_bomb": ("压缩包内文件解压后体积异常（疑似压缩炸弹），未解压。",
                 "the member inflates to an abnormal size (zip bomb?); not extracted"),
    "corrupt_archive": ("压缩包已损坏，无法解压，请重新发送。", "the archive is damaged and cannot be unpacked"),
    "encrypted": ("压缩包成员设置了密码，请解密后再提交。", "the archive member is password-protected"),
    "unsupported": ("压缩包使用了不支持的压缩方式，请用普通 zip 重新压缩。", "unsupported compression method in the archive"),
    "too_many_members": ("压缩包内文件过多，未处理。", "too many members in the archive; not processed"),
    "too_deep": ("压缩包嵌套层数过多，未处理。", "archives nested too deep; not processed"),
    "no_workbook": ("压缩包中没有 Excel 工作簿（.xlsx/.xlsm/.xls/.ods）。", "no workbook (.xlsx/.xlsm/.xls/.ods) in the archive"),
    "no_attachment": ("邮件中没有 Excel 附件（.xlsx/.xlsm/.xls/.ods）。", "no workbook attachment (.xlsx/.xlsm/.xls/.ods) in the e-mail"),
    "bad_email": ("邮件无法解析，请重新导出。", "the e-mail cannot be parsed"),
    "too_large": ("文件过大，未处理。", "the file is too large; not processed"),
    "timeout": ("核查此文件超过 {seconds} 秒，已中止（其余文件照常核查）。请在 Excel/WPS 中另存为 .xlsx 后单独核查，或把文件转给维护人员。",
                "checking this file took over {seconds} s and was stopped (the other files were checked); save "
                "it again as .xlsx and check it alone, or report it with the file"),
}


def _refuse(code: str) -> tuple[str, str, str]:
    return (code, *REFUSALS[code])


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
    def __init__(self, workdir: Path, exclude: list[Path]):
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
                if f.stem.endswith("_核查") or name.startswith("~$"):
                    continue  # our own annotated copies and Excel's lock files are not returned forms
                if f.suffix.lower() in WORKBOOK_SUFFIXES | CONTAINER_SUFFIXES and not self._excluded(f):
                    self.add_file(f, str(f), PurePosixPath(top, *map(_safe, f.relative_to(p).parts)))

    def _excluded(self, f: Path) -> bool:
        r = f.resolve()
        return any(r == x or x in r.parents for x in self.exclude)

    def add_file(self, path: Path, display: str, rel: PurePosixPath, sender=None, date=None, depth=0) -> None:
        if path.is_file() and self.workdir not in path.parents:
            real = path.resolve()
            if real in self.seen:
                return  # the same file named twice (a folder and a file inside it)
            self.seen.add(real)
        suffix = path.suffix.lower()
        if suffix in CONTAINER_SUFFIXES and path.is_file():
            if depth >= MAX_DEPTH:
                self.refused(display, rel, "too_deep", sender, date)
            elif suffix == ".zip":
                self.unzip(path, display, rel, sender, date, depth)
            else:
                self.unmail(path, display, rel, depth)
        else:
            self.items.append(Item(display, rel, path, sender, date))

    def refused(self, display, rel, code, sender=None, date=None) -> None:
        self.items.append(Item(display, rel, None, sender, date, _refuse(code)))

    def slot(self, name: str) -> Path:
        """A fresh private path for an extracted file; only the (sanitised) base name comes from the input."""
        folder = self.workdir / f"{len(self.items):06d}_{secrets.token_hex(3)}"
        folder.mkdir()
        return folder / _safe(name)

    def unzip(self, path: Path, display: str, rel: PurePosixPath, sender, date, depth) -> None:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError):
            return self.refused(display, rel, "corrupt_archive", sender, date)
        with archive:
            infos = archive.infolist()
            if "[Content_Types].xml" in {i.filename for i in infos}:  # a workbook saved as .zip
                return self.items.append(Item(display, rel, path, sender, date))
            if len(infos) > MAX_MEMBERS:
                return self.refused(display, rel, "too_many_members", sender, date)
            found = False
            for info in infos:
                name = _member_name(info).replace("\\", "/")
                parts = name.split("/")
                suffix = PurePosixPath(name).suffix.lower()
                if info.is_dir() or parts[0] == "__MACOSX" or suffix not in WORKBOOK_SUFFIXES | CONTAINER_SUFFIXES:
                    continue
                found = True
                where = f"{display}!/{name}"
                mrel = rel.with_suffix("").joinpath(*(_safe(x) for x in parts if x not in ("", ".")))
                if name.startswith("/") or ".." in parts or re.match(r"[A-Za-z]:", name):
                    self.refused(where, mrel, "unsafe_path", sender, date)
                    continue
                ratio = info.file_size / max(info.compress_size, 1)
                if (info.file_size > MAX_FILE_BYTES or self.extracted + info.file_size > MAX_EXTRACTED_BYTES
                        or ratio > MAX_RATIO and info.file_size > 10 * 1024 * 1024):
                    self.refused(where, mrel, "zip_bomb", sender, date)
                    continue
                if info.flag_bits & 1:
                    self.refused(where, mrel, "encrypted", sender, date)
                    continue
                dest = self.slot(parts[-1])
                try:
                    self.extracted += _copy_capped(archive, info, dest)
                except NotImplementedError:
                    self.refused(where, mrel, "unsupported", sender, date)
                    continue
                except _TooBig:
                    self.refused(where, mrel, "zip_bomb", sender, date)
                    continue
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
                    self.refused(where, mrel, "corrupt_archive", sender, date)
                    continue
                self.add_file(dest, where, mrel, sender, date, depth + 1)
            if not found:
                self.refused(display, rel, "no_workbook", sender, date)

    def unmail(self, path: Path, display: str, rel: PurePosixPath, depth) -> None:
        if path.stat().st_size > MAX_EML_BYTES:
            return self.refused(display, rel, "too_large")
        try:
            with path.open("rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.default)
            sender, date = _header(msg, "From"), _mail_date(msg)
            parts = [p for p in msg.walk() if not p.is_multipart() and p.get_filename()]
        except Exception:  # the parser is lenient; this is for truly broken input
            return self.refused(display, rel, "bad_email")
        found = False
        for part in parts:
            base = str(part.get_filename()).replace("\\", "/").rsplit("/", 1)[-1]
            if PurePosixPath(base).suffix.lower() not in WORKBOOK_SUFFIXES | CONTAINER_SUFFIXES:
                continue
            found = True
            data = part.get_payload(decode=True) or b""
            where, arel = f"{display}!/{base}", rel.with_suffix("") / _safe(base)
            if len(data) > MAX_FILE_BYTES or self.extracted + len(data) > MAX_EXTRACTED_BYTES:
                self.refused(where, arel, "too_large", sender, date)
                continue
            dest = self.slot(base)
            dest.write_bytes(data)
            self.extracted += len(data)
            self.add_file(dest, where, arel, sender, date, depth + 1)
        if not found:
            self.refused(display, rel, "no_attachment", sender, date)


class _TooBig(Exception):
    pass


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
    except Exception:
        return None


def _mail_date(msg) -> str | None:
    text = _header(msg, "Date")
    try:
        return email.utils.parsedate_to_datetime(text).isoformat(sep=" ", timespec="minutes") if text else None
    except (TypeError, ValueError):
        return text


def collect(paths: list[str], workdir: Path, exclude: list[Path] = ()) -> list[Item]:
    """Every workbook found under `paths`, sorted by display path; archives and e-mails unpacked into workdir."""
    c = _Collector(workdir, [Path(x).resolve() for x in exclude])
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


# --------------------------------------------------------------------------------------------- checking (workers)
_PROFILES: dict = {}


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:  # a file that makes a reader allocate without bound costs its worker, not the machine
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = WORKER_MEMORY if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # not on this platform
        pass


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the block after `seconds` (a real-time alarm; only where signals can be set: the main thread of
    a Unix process). Native code is interrupted when it returns; the pre-flight bounds how long that can be."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(*_):
        raise TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _profile(name):
    """Profiles are loaded once per process (shipped ones are cached by get_profile; files here)."""
    if not name:
        return None
    if name not in _PROFILES:
        from .profile import get_profile

        _PROFILES[name] = get_profile(name)
    return _PROFILES[name]


def _facts(result) -> dict:
    """What the summary needs from the parsed form beyond Report.as_dict(): unit, department, stated figures."""
    form = result.form
    inner = form.budget if isinstance(form, Framework) else form
    fields = inner.fields if inner is not None else {}
    total = form.total_score
    stated_total = stated_value(total) if total.row is not None else None
    if stated_total is None and isinstance(form, Framework):
        stated_total = next((plain(s.value) for s in form.summaries if s.kind == "total"), None)
    rate = None
    line = inner.budget_total if inner is not None else None
    if line is not None and result.values.get("execution_rate") is not None:
        rate = plain(as_fraction(line["rate"].p, near=Decimal(str(result.values["execution_rate"])))[0])
    text = lambda key: (fields[key].text or None) if key in fields else None  # noqa: E731
    return {"unit": text("unit"), "department": text("department"), "stated_total": stated_total, "stated_rate": rate}


def check_one(job: dict) -> dict:
    """Check one file (in a worker): plain data back. Never raises, except for KeyboardInterrupt/SystemExit."""
    path = Path(job["path"])
    try:
        with _time_limit(FILE_SECONDS):
            return _check_one(path, job)
    except TimedOut:
        zh, en = (text.format(seconds=FILE_SECONDS) for text in REFUSALS["timeout"])
        return refused_result(str(path), "timeout", zh, en)
    except MemoryError:
        return refused_result(str(path), "too_large", *REFUSALS["too_large"])


def _check_one(path: Path, job: dict) -> dict:
    try:
        report = check_file(path, _profile(job.get("profile")), password=job.get("password"))
        out = {"report": report.as_dict(), "facts": [_facts(r) for r in report.results], "annotated": None,
               "annotate_error": None, "refusal": None}
        if report.refusal is not None:
            r = report.refusal
            out["refusal"] = {"code": r.code, "zh": r.zh, "en": r.en}
        elif job.get("annotated") and can_annotate(report):
            dest = Path(job["annotated"])
            dest = dest.with_suffix(annotated_suffix(dest, report))  # a macro workbook's copy stays .xlsm
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                out["annotated"] = str(write_annotated(report, dest, password=job.get("password")))
            except (ValueError, OSError, Refused) as e:  # the check stands; only the copy could not be made
                out["annotate_error"] = str(e)
            except Exception as e:  # noqa: BLE001 — a bug in the writer must not lose the file's check
                out["annotate_error"] = f"{type(e).__name__}: {e}"[:200]
        return out
    except (*PASS_THROUGH, MemoryError):
        raise
    except BaseException as e:  # noqa: BLE001 — includes pyo3 PanicException, which is not an Exception
        return crashed(path, f"{type(e).__name__}: {e}")


def crashed(path, why: str) -> dict:
    why = why[:200]
    return refused_result(str(path), "crash", f"核查此文件时程序出错（{why}），请把文件转给维护人员。",
                          f"the checker failed on this file ({why})")


def refused_result(file: str, code: str, zh: str, en: str) -> dict:
    report = {"file": file, "sha256": None, "status": "refused", "error": {"code": code, "message": f"{zh} / {en}"},
              "forms": []}
    return {"report": report, "facts": [], "annotated": None, "annotate_error": None,
            "refusal": {"code": code, "zh": zh, "en": en}}


def _run_alone(job: dict) -> dict:
    """One job in a fresh one-process pool: a file that kills its worker is told apart from its neighbours."""
    ex = ProcessPoolExecutor(1, initializer=_init_worker)
    try:
        return ex.submit(check_one, job).result()
    except BrokenProcessPool:
        return crashed(job["path"], "工作进程异常退出 / the worker process died")
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _check_chunk(chunk: list[dict]) -> list[dict]:
    return [check_one(job) for job in chunk]


def check_all(jobs_list: list[dict], jobs: int, tick=lambda n=1: None) -> list[dict]:
    """check_one over every job, in parallel when jobs > 1; results in the order of jobs_list.

    Jobs travel in chunks (fewer round trips); a chunk whose worker dies is re-run one file at a time, each in a
    fresh process, so that only the file that kills its worker is lost."""
    n = len(jobs_list)
    if jobs <= 1 or n <= 1:
        out = []
        for job in jobs_list:
            out.append(check_one(job))
            tick()
        return out
    size = max(1, min(CHUNK, n // (jobs * 8)))
    results: dict[int, dict] = {}
    pending = list(range(n))
    while pending:
        broken = False
        ex = ProcessPoolExecutor(jobs, initializer=_init_worker)
        try:
            chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
            futures = {ex.submit(_check_chunk, [jobs_list[i] for i in c]): c for c in chunks}
            for fut in as_completed(futures):
                chunk = futures[fut]
                try:
                    got = fut.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception as e:  # e.g. a result that could not be sent back
                    got = [crashed(jobs_list[i]["path"], f"{type(e).__name__}: {e}") for i in chunk]
                results.update(zip(chunk, got))
                tick(len(chunk))
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
        pending = [i for i in pending if i not in results]
        if broken:  # the culprit is in one of the earliest unfinished chunks (the pool hands work out in order)
            suspects, pending = pending[: (2 * jobs + 1) * size], pending[(2 * jobs + 1) * size:]
            for i in suspects:
                results[i] = _run_alone(jobs_list[i])
                tick()
    return [results[i] for i in range(n)]


# --------------------------------------------------------------------------------------------- progress
class Progress:
    """A one-line bar on stderr when it is a terminal; otherwise only the closing line."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = self.last = time.monotonic()

    def tick(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty and (now - self.last > 0.1 or self.done == self.total):
            self.last = now
            width, share = 30, self.done / max(self.total, 1)
            bar = "#" * int(width * share) + "-" * (width - int(width * share))
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {share:6.1%}")
            self.stream.flush()

    def close(self, forms: int, refused: int) -> None:
        if not self.enabled:
            return
        secs = time.monotonic() - self.start
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"已核查 {self.done} 个文件（{forms} 张表，无法读取 {refused} 个），用时 {secs:.1f} 秒 / "
                          f"checked {self.done} files ({forms} forms, {refused} refused) in {secs:.1f} s\n")
        self.stream.flush()


# --------------------------------------------------------------------------------------------- the batch
def run_batch(paths: list[str], output: str | Path | None = None, *, annotated_dir: str | Path | None = None,
              jobs: int = 1, profile: str | None = None, progress: bool = False, password: str | None = None) -> dict:
    """Check everything under `paths`; write the summary workbook to `output` (when given) and return the JSON
    document {"files", "forms", "refused", "errors", "warnings", "reports", "mismatches"}."""
    output = Path(output) if output else None
    annotated_dir = Path(annotated_dir) if annotated_dir else None
    if profile:
        _profile(profile)  # loaded before the workers fork, so they inherit it
    else:
        from .profile import shipped_profiles

        shipped_profiles()
    workdir = Path(tempfile.mkdtemp(prefix="perfeval_batch_"))
    try:
        items = collect(paths, workdir, [x for x in (output, annotated_dir) if x is not None])
        todo = [i for i in items if i.refusal is None]
        jobs_list = [{"path": str(i.path), "profile": profile, "password": password,
                      "annotated": str(annotated_dir / i.rel) if annotated_dir else None} for i in todo]
        bar = Progress(len(items), enabled=progress)
        bar.tick(len(items) - len(todo))  # refused while unpacking
        checked = iter(check_all(jobs_list, jobs, bar.tick))
        results = [refused_result(i.display, *i.refusal) if i.refusal else next(checked) for i in items]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    doc, tables = assemble(items, results)
    if output is not None:
        write_summary(output, tables)
    bar.close(doc["forms"], doc["refused"])
    return doc


def exit_code(doc: dict) -> int:
    if doc["files"] == 0 or doc["refused"] == doc["files"]:
        return 3
    return 1 if doc["errors"] else 0


SUMMARY_COLUMNS = ("单位", "主管部门", "项目", "预算数", "执行数", "执行率", "自评得分", "复核得分", "等次", "错误数", "警告数",
                   "文件", "工作表", "发件人", "日期", "配置")
FINDING_COLUMNS = ("文件", "工作表", "单元格", "检查项", "检查内容", "严重程度", "填报值", "复核值", "说明", "单位", "项目")
REFUSED_COLUMNS = ("文件", "代码", "原因", "Reason", "发件人", "日期")
MISMATCH_COLUMNS = ("项目编码", "项目", "不一致项", "值", "文件", "工作表", "单位")


def assemble(items: list[Item], results: list[dict]) -> tuple[dict, dict]:
    """The JSON document and the summary's rows, in input order."""
    reports, rows, findings, refused = [], [], [], []
    for item, res in zip(items, results):
        annotated = Path(res["annotated"]) if res.get("annotated") else None
        reports.append({**res["report"], "file": item.display, "sender": item.sender, "date": item.date,
                        "annotated": str(annotated) if annotated else None})
        if res["refusal"]:
            r = res["refusal"]
            refused.append((item.display, r["code"], r["zh"], r["en"], item.sender, item.date))
        for form, facts in zip(res["report"]["forms"], res["facts"]):
            v, fs = form["values"], form["findings"]
            rows.append({"单位": facts["unit"], "主管部门": facts["department"], "项目": v.get("project"),
                         "预算数": v.get("budget_adjusted"), "执行数": v.get("budget_executed"),
                         "执行率": v.get("execution_rate"), "自评得分": facts["stated_total"], "复核得分": v.get("total_score"),
                         "等次": v.get("grade"), "错误数": sum(f["severity"] == "error" for f in fs),
                         "警告数": sum(f["severity"] == "warning" for f in fs), "文件": item.display,
                         "工作表": form["sheet"], "发件人": item.sender, "日期": item.date, "配置": form["profile"],
                         "_stated_rate": facts["stated_rate"]})
            for f in fs:
                link = (annotated, f["sheet"], (f["cell"] or "A1").split(":")[0]) if annotated else None
                findings.append(((item.display, f["sheet"], f["cell"] or WHOLE_SHEET, f["check"],
                                  CHECK_TITLES.get(f["check"]), SEVERITY_ZH.get(f["severity"], f["severity"]),
                                  f["stated"], f["computed"], f["message"], facts["unit"], v.get("project")), link))
    mismatches = reconcile(rows)
    doc = {"files": len(items), "forms": len(rows), "refused": len(refused),
           "errors": sum(r["错误数"] for r in rows), "warnings": sum(r["警告数"] for r in rows),
           "reports": reports, "mismatches": mismatches}
    return doc, {"rows": rows, "findings": findings, "refused": refused, "mismatches": mismatches}


def project_key(project: str | None, unit: str | None) -> tuple[str, str] | None:
    """(项目编码, '') when the name starts with a code, else ('', unit + normalised name); None without a name."""
    if not project:
        return None
    m = _CODE.match(project)
    if m and sum(ch.isdigit() for ch in m.group(1)) >= 8:
        return m.group(1).upper(), ""
    return "", f"{norm_label(unit)}|{norm_label(project)}"


COMPARED = (("预算数", "预算数", 2), ("执行数", "执行数", 2), ("执行率", "_stated_rate", 4), ("自评得分", "自评得分", 2))


def reconcile(rows: list[dict]) -> list[dict]:
    """The same project in several files or sheets with different figures: one entry per project and figure."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        key = project_key(row["项目"], row["单位"] or row["主管部门"])
        if key is not None:
            groups.setdefault(key, []).append(row)
    out = []
    for key, group in groups.items():
        if len(group) < 2:
            continue
        for label, column, digits in COMPARED:
            seen = [(r, r[column]) for r in group if isinstance(r[column], Real)]
            if len({round(x, digits) for _, x in seen}) > 1:
                out.append({"code": key[0] or None, "project": group[0]["项目"], "field": label,
                            "occurrences": [{"file": r["文件"], "sheet": r["工作表"], "unit": r["单位"], "value": x}
                                            for r, x in seen]})
    return out


# --------------------------------------------------------------------------------------------- the summary workbook
MAX_ROWS = 1_048_575  # data rows per sheet; more spill onto 问题明细(2), …
MAX_LINKS = 65_530  # Excel's hyperlinks per worksheet
LOW_MEMORY_ROWS = 100_000  # findings above which the summary is streamed to disk


class _Writer:
    """Tables onto xlsxwriter sheets: typed cells, text never a formula, header, filter, frozen row, widths."""

    def __init__(self, book, base: Path):
        self.book, self.base = book, base  # base: the summary's folder, for relative links
        f = book.add_format
        self.fmt = {"text": None, "amount": f({"num_format": "#,##0.00"}), "rate": f({"num_format": "0.00%"}),
                    "score": f({"num_format": "0.00"}), "int": f({"num_format": "0"}),
                    "link": f({"font_color": "blue", "underline": 1})}
        self.header = f({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
        self.quoted = f({"quote_prefix": True})  # a leading = + - @ stays text even when the cell is edited
        self.red = f({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.amber = f({"bg_color": "#FFEB9C", "font_color": "#9C5700"})

    def put(self, ws, r: int, c: int, v, fmt) -> None:
        t = type(v)
        if t is str:
            s = v[:32_000]
            ws.write_string(r, c, s, self.quoted if s[:1] in "=+-@" else fmt)
        elif v is None or t is float and v != v:
            return
        elif t is bool:
            ws.write_boolean(r, c, v, fmt)
        elif isinstance(v, Real) and fits_a_cell(v):
            ws.write_number(r, c, v, fmt)
        else:
            self.put(ws, r, c, str(v), fmt)

    def table(self, name: str, columns: list[tuple[str, float, str]], rows, links=None, alert: dict | None = None):
        """Write rows (tuples) under `columns` [(header, width, kind)]; `links` gives, per row, (file, sheet, cell)
        for the column headed 单元格 or None. Returns the (last) worksheet."""
        rows = list(rows)
        per_sheet = MAX_LINKS if links else MAX_ROWS
        chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
        link_col = next((i for i, (h, _, _) in enumerate(columns) if h == "单元格"), None)
        for k, chunk in enumerate(chunks):
            ws = self.book.add_worksheet(name if k == 0 else f"{name}({k + 1})")
            for c, (head, width, kind) in enumerate(columns):
                ws.set_column(c, c, width)
            ws.write_row(0, 0, [h for h, _, _ in columns], self.header)
            ws.freeze_panes(1, 0)
            kinds = [self.fmt[kind] for _, _, kind in columns]
            for r, row in enumerate(chunk, start=1):
                target = links[k * per_sheet + r - 1] if links else None
                for c, v in enumerate(row):
                    if c == link_col and target is not None and self._link(ws, r, c, target, v):
                        continue
                    self.put(ws, r, c, v, kinds[c])
            ws.autofilter(0, 0, max(len(chunk), 1), len(columns) - 1)
            for col, fmt in (alert or {}).items():
                ws.conditional_format(1, col, max(len(chunk), 1), col,
                                      {"type": "cell", "criteria": ">", "value": 0, "format": fmt})
        return ws

    def _link(self, ws, r, c, target, text) -> bool:
        path, sheet, cell = target
        try:
            rel = os.path.relpath(path, self.base)
        except ValueError:  # another drive
            rel = str(path)
        anchor = "'" + sheet.replace("'", "''") + "'!" + cell
        return ws.write_url(r, c, f"external:{rel}#{anchor}", self.fmt["link"], string=str(text),
                            tip="打开核查副本中的单元格 / open the cell in the annotated copy") == 0


def _bands(values, edges, labels):
    import pandas as pd

    counts = pd.cut(pd.Series(values, dtype="float64").dropna(), edges, labels=labels, right=False).value_counts()
    return [(label, int(counts.get(label, 0))) for label in labels]


SCORE_BANDS = ([float("-inf"), 60, 70, 80, 90, float("inf")], ["<60", "60–70", "70–80", "80–90", "≥90"])
RATE_BANDS = ([float("-inf"), 0.5, 0.7, 0.8, 0.9, 1.0000001, float("inf")],
              ["<50%", "50%–70%", "70%–80%", "80%–90%", "90%–100%", ">100%"])


def write_summary(output: Path, tables: dict) -> Path:
    """The summary workbook, atomically: a temporary file in the output folder, then os.replace. Large batches
    are written row by row to disk (xlsxwriter's constant_memory), small ones in memory (faster)."""
    import pandas as pd

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".~{output.stem}.{secrets.token_hex(4)}.tmp.xlsx")
    try:
        writer = pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True, "constant_memory": len(tables["findings"]) > LOW_MEMORY_ROWS}})
        try:
            _fill(writer.book, tables, output.parent.resolve())
        finally:
            writer.close()
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return output


def _fill(book, tables: dict, base: Path) -> None:
    import pandas as pd

    w = _Writer(book, base)
    T, A, R, S, I = "text", "amount", "rate", "score", "int"  # noqa: N806
    summary = pd.DataFrame(tables["rows"], columns=[*SUMMARY_COLUMNS, "_stated_rate"])
    widths = (24, 24, 40, 12, 12, 9, 9, 9, 6, 7, 7, 40, 18, 24, 17, 26)
    kinds = (T, T, T, A, A, R, S, S, T, I, I, T, T, T, T, T)
    w.table("汇总", list(zip(SUMMARY_COLUMNS, widths, kinds)),
            summary[list(SUMMARY_COLUMNS)].itertuples(index=False, name=None), alert={9: w.red, 10: w.amber})

    findings = tables["findings"]
    links = [link for _, link in findings] if any(link for _, link in findings) else None
    w.table("问题明细", list(zip(FINDING_COLUMNS, (40, 18, 9, 7, 14, 8, 12, 12, 70, 24, 40), (T,) * 11)),
            (row for row, _ in findings), links)

    w.table("无法读取", list(zip(REFUSED_COLUMNS, (50, 16, 60, 50, 24, 17), (T,) * 6)), tables["refused"])

    mism = [(m["code"], m["project"], m["field"], o["value"], o["file"], o["sheet"], o["unit"])
            for m in tables["mismatches"] for o in m["occurrences"]]
    w.table("跨表不一致", list(zip(MISMATCH_COLUMNS, (24, 40, 10, 12, 40, 18, 24), (T, T, T, S, T, T, T))), mism)

    for col in ("预算数", "执行数", "执行率", "复核得分"):
        summary[col] = pd.to_numeric(summary[col], errors="coerce")
    summary["部门"] = summary["主管部门"].fillna(summary["单位"]).fillna("（未填写）")
    summary["_unspent"] = (summary["预算数"] > 0) & ((1 - summary["执行率"]).round(6) > UNSPENT_LIMIT)
    g = summary.groupby("部门", sort=True)
    dept = pd.DataFrame({"项目数": g.size(), "预算数合计": g["预算数"].sum(min_count=1),
                         "执行数合计": g["执行数"].sum(min_count=1), "结余超10%项目数": g["_unspent"].sum(),
                         "平均复核得分": g["复核得分"].mean(), "错误数": g["错误数"].sum()}).reset_index()
    dept.insert(4, "执行率", dept["执行数合计"] / dept["预算数合计"].where(dept["预算数合计"] > 0))
    dept["平均复核得分"] = dept["平均复核得分"].round(2)
    w.table("按部门", list(zip(dept.columns, (30, 7, 14, 14, 9, 10, 10, 7), (T, I, A, A, R, I, S, I))),
            dept.itertuples(index=False, name=None), alert={7: w.red})

    scores = _bands(summary["复核得分"], *SCORE_BANDS)
    rates = _bands(summary["执行率"], *RATE_BANDS)
    ws = w.table("分布", [("复核得分 / 执行率", 16, T), ("表数", 8, I)],
                 [*scores, ("", None), ("执行率", None), *rates])
    for title, first, n, cell in (("复核得分分布", 1, len(scores), "D2"), ("执行率分布", len(scores) + 3, len(rates), "D20")):
        chart = book.add_chart({"type": "column"})
        chart.add_series({"name": title, "categories": [ws.name, first, 0, first + n - 1, 0],
                          "values": [ws.name, first, 1, first + n - 1, 1], "data_labels": {"value": True}})
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "表数"})
        ws.insert_chart(cell, chart)
