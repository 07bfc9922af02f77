"""Check the files of a batch in worker processes: each file as `perfeval check` would (api.check_file, and
api.write_annotated for its copy), with a time limit per file and an address-space ceiling per worker. Workers
return plain dicts; a file on which the checker raises, or that kills its worker, becomes a refused result, never a
stopped batch. Results come back in the order of the jobs, whatever the parallelism.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..api import annotated_suffix, can_annotate, check_file, write_annotated
from ..check.findings import stated_value
from ..errors import PASS_THROUGH, CannotAnnotate, Refused, TimedOut, refuse
from ..excelmath import dec, plain
from ..model import NO_CELL, Framework
from ..values import as_fraction

CHUNK = 16  # files per round trip to a worker
FILE_SECONDS = 120  # one file's check (and copy) may take this long; a form takes milliseconds
WORKER_MEMORY = 2 * 1024**3  # address space of a worker process; a form needs well under 100 MB
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


def load_profile(name):
    """Profiles are loaded once per process (shipped ones are cached by get_profile; files here)."""
    if not name:
        return None
    if name not in _PROFILES:
        from ..profile import get_profile

        _PROFILES[name] = get_profile(name)
    return _PROFILES[name]


def _facts(result) -> dict:
    """What the summary needs from the parsed form beyond Report.as_dict(): unit and department as written, project
    (a framework's, from the lines above its table), stated figures."""
    form = result.form
    inner = form.budget if isinstance(form, Framework) else form
    fields = form.fields if isinstance(form, Framework) else inner.fields if inner is not None else {}
    total = getattr(form, "total_score", NO_CELL)  # forms without a total (申报表) state none
    stated_total = stated_value(total) if total.row is not None else None
    if stated_total is None and isinstance(form, Framework):
        stated_total = next((plain(s.value) for s in form.summaries if s.kind == "total"), None)
    rate = None
    line = getattr(inner, "budget_total", None)
    if line is not None and result.values.get("execution_rate") is not None:
        rate = plain(as_fraction(line["rate"].p, near=dec(result.values["execution_rate"]))[0])
    text = lambda key: (fields[key].text or None) if key in fields else None  # noqa: E731
    typed = lambda key: (str(fields[key].p.raw).strip() or None) if text(key) else None  # noqa: E731 - as written
    return {"unit": typed("unit"), "department": typed("department"), "project": text("project"),
            "stated_total": stated_total, "stated_rate": rate}


def check_one(job: dict) -> dict:
    """Check one file (in a worker): plain data back. Never raises, except for KeyboardInterrupt/SystemExit."""
    path = Path(job["path"])
    try:
        with _time_limit(FILE_SECONDS):
            return _check_one(path, job)
    except TimedOut:
        return refused_result(str(path), refuse("timeout", seconds=FILE_SECONDS))
    except MemoryError:
        return refused_result(str(path), refuse("too_large", "member"))


def _check_one(path: Path, job: dict) -> dict:
    try:
        report = check_file(path, load_profile(job.get("profile")), password=job.get("password"),
                            include_hidden=bool(job.get("include_hidden")))
        out = {"report": report.as_dict(), "facts": [_facts(r) for r in report.results], "annotated": None,
               "annotate_error": None, "refusal": None}
        if report.refusal is not None:
            r = report.refusal
            out["refusal"] = {"code": r.code, "zh": r.zh, "en": r.en}
        elif job.get("annotated") and not can_annotate(report):  # an .xls or .ods: said, not silently left out
            out["annotate_error"] = str(CannotAnnotate("format", kind="." + report.inspected.kind))
        elif job.get("annotated"):
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
    return refused_result(str(path), refuse("crash", why=why[:200]))


def refused_result(file: str, refusal: Refused) -> dict:
    """The result of a file that was not checked, shaped like a checked one's."""
    code, zh, en = str(refusal.code), refusal.zh, refusal.en
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
                except Exception as e:  # noqa: BLE001 - e.g. a result that could not be sent back
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
