"""How findings look wherever a user sees them — the annotated copy, the xlwings button, the batch summary and the
console: the fill of each severity, the text of a note, how a value is written, the 核查结果 sheet's columns and
summary line. One place, so that every front end says and colours the same thing."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from .check.findings import Finding
from .messages import CHECKS, CLI
from .severity import Severity

# -- colours (ARGB) -------------------------------------------------------------------------------------------
# light red, orange (never the input cells' yellow FFFFCC); info: no fill
FILL_RGB = {Severity.ERROR: "FFFFC7CE", Severity.WARNING: "FFF4B084"}
FONT_RGB = {Severity.ERROR: "FF9C0006", Severity.WARNING: "FF843C0C"}  # the darker text that goes with each fill
HEADER_FILL_RGB = "FFD9E1F2"
BORDER_RGB = "FFA6A6A6"  # the thin grey lines of the 核查结果 table
LINK_RGB = "FF0563C1"
TAB_RGB = {Severity.ERROR: "FFC00000", Severity.WARNING: "FFFFC000", None: "FF00B050"}  # the 核查结果 tab


def hex_colour(argb: str) -> str:
    """'FFFFC7CE' -> '#FFC7CE'."""
    return "#" + argb[-6:].upper()


# -- the 核查结果 sheet -----------------------------------------------------------------------------------------
RESULTS_SHEET = "核查结果"
HEADERS = ("序号", "检查项", "严重程度", "工作表", "单元格", "填报值", "复核值", "说明")
WIDTH_CAPS = (6, 24, 10, 30, 12, 24, 24, 70)  # characters, per column of 核查结果
ROW_LINE_PT = 15.0  # points per line of wrapped text in a 核查结果 row (the default 11 pt font)
NO_FINDINGS = "未发现问题"
WHOLE_SHEET = "（整表）"  # the cell of a finding about the whole sheet
BLANK_STATED = "（空白）"
NO_COMPUTED = "—"
APPEND_MARK = "【核查】"  # opens the block appended to a note someone else wrote
NOTE_AUTHOR = "perfeval_xl"  # author of the notes we create; lets a re-check replace them
# A note we wrote, whoever Excel says wrote it (the xlwings button writes under the user's name): '[C08] 错误：…'
OUR_NOTE = re.compile(r"^\[[^\]\s]+\] (?:{})：".format("|".join(s.label for s in Severity)))

# The hidden columns (I:J) of 核查结果 that remember how each marked cell was before, so that the next check (the
# annotated copy or the button, whichever comes next) can take the marks back: the cell's own fill, and whether the
# note was ours or the user's with our block appended.
STATE_HEADERS = ("原底色", "批注")
FILL_NONE = "无"  # the cell had no fill before we coloured it
FILL_UNKNOWN = "未知"  # not known (a theme or pattern fill, or an engine that cannot tell): the next check guesses
NOTE_NEW = "新建"  # the note is ours: the next check deletes it
NOTE_APPENDED = "追加"  # we appended our block to the user's note: the next check removes the block
NOTE_NOT_WRITTEN = "未写"  # the note could not be written


def is_our_note(author: str, text: str) -> bool:
    """Whether a note was written by this toolkit (the annotated copy or the button) rather than by a person."""
    return author == NOTE_AUTHOR or OUR_NOTE.match(text) is not None


def summary_line(findings: Iterable[Finding]) -> str:
    """'错误 1 项，警告 6 项[，提示 n 项]' or '未发现问题'."""
    findings = list(findings)
    if not findings:
        return NO_FINDINGS
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    text = f"错误 {counts[Severity.ERROR]} 项，警告 {counts[Severity.WARNING]} 项"
    return text + (f"，提示 {counts[Severity.INFO]} 项" if counts[Severity.INFO] else "")


def results_title(source_name: str, findings: Iterable[Finding]) -> str:
    """The first line of 核查结果: the file and how many findings of each severity."""
    return f"文件：{source_name}　{summary_line(findings)}"


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The most serious severity among the findings (None for none)."""
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def check_title(check: str) -> str | None:
    """The short Chinese name of a check id ('C08' -> '得分超出范围')."""
    info = CHECKS.get(check)
    return info.title if info else None


def check_label(check: str) -> str:
    """A check id with its name, as every front end shows it: 'C08 得分超出范围' (the id alone if it has none)."""
    title = check_title(check)
    return f"{check} {title}" if title else check


def results_row(n: int, f: Finding, cell: str) -> tuple:
    """One finding as a row of 核查结果, in HEADERS order (`cell` as the front end writes references)."""
    return (n, check_label(f.check), f.severity.label, f.sheet, cell, f.stated, f.computed, f.message)


def fmt_value(v) -> str:
    """A stated or recomputed value as text: integers without '.0', decimals as written, 是/否 for booleans."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, Decimal):
        if not v.is_finite():
            return str(v)
        if v == v.to_integral_value():
            return format(v.to_integral_value(), "f")
        return format(v.normalize(), "f")
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".15g")
    return str(v)


def note_text(f: Finding) -> str:
    """The note a finding leaves on its cell: '[C08] 错误：…' and, when known, the stated and recomputed values."""
    text = f"[{f.check}] {f.severity.label}：{f.message}"
    if f.stated is not None or f.computed is not None:
        stated = fmt_value(f.stated) if f.stated is not None else BLANK_STATED
        computed = fmt_value(f.computed) if f.computed is not None else NO_COMPUTED
        text += f"\n填报值：{stated}；复核值：{computed}"
    return text


def console_line(f: Finding, cells: str | None = None) -> str:
    """'  错误 [C08 得分超出范围] I22：…' (`cells` replaces the finding's own cell, for a folded line)."""
    where = cells if cells is not None else (f.cell or WHOLE_SHEET)
    return f"  {f.severity.label} [{check_label(f.check)}] {where}：{f.message}"


FOLD_AT = 3  # this many findings of one kind on one form print as one line


def console_lines(findings: list[Finding]) -> list[str]:
    """One line per finding, except that findings of one kind that differ only by the names and figures they quote
    (the same sentence for many rows) fold into one line listing their cells. The JSON keeps every finding."""
    groups: dict[tuple, list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.check, f.severity, _skeleton(f.message)), []).append(f)
    lines = []
    for group in groups.values():
        if len(group) < FOLD_AT:
            lines += [console_line(f) for f in group]
            continue
        cells = [f.cell or WHOLE_SHEET for f in group]
        shown = "、".join(cells[:6]) + ("…" if len(cells) > 6 else "")
        alike = len({f.message for f in group}) == 1
        count = CLI["folded" if alike else "folded_example"].format(n=len(group), first=cells[0])
        lines.append(console_line(group[0], cells=shown) + count)
    return lines


def _skeleton(message: str) -> str:
    """A sentence without what it quotes: the same check on another row reads the same."""
    return re.sub(r"\d+(?:\.\d+)?%?", "#", re.sub(r"“[^”]*”", "“”", message))


def form_header(kind: str, values: dict, findings: Iterable[Finding] = ()) -> str | None:
    """The console lines under a form's name: its recomputed figures ('未能读取' where one could not be read, with
    the findings that say why); a framework with a funds block adds a line for it."""
    key = f"form.{kind}"
    if values.get("blank") or key not in CLI:  # a blank form says so in its one finding (F02)
        return None
    missing = CLI["figure_missing"].split(" / ")[0]
    shown = _Missing({k: missing if v is None else (f"{v * 100:.2f}%" if _is_rate(k) else fmt_value(v))
                      for k, v in values.items()}, missing)
    lines = [CLI[key].format_map(shown)]
    if f"{key}.funds" in CLI and values.get("execution_rate") is not None:
        lines.append(CLI[f"{key}.funds"].format_map(shown))
    if missing in "".join(lines):
        lines.append(_why_missing(findings))
    return "\n".join(lines)


# checks that say a figure is absent: formulas left uncomputed, blank cells, no budget, weights not printed
_ABSENCE_CHECKS = ("F03", "C10", "C04", "C07")


def _why_missing(findings: Iterable[Finding]) -> str:
    """Why figures could not be read: the first finding of each check that says a figure is absent, or that the
    form does not print them."""
    first: dict[str, Finding] = {}
    for f in findings:
        if f.check in _ABSENCE_CHECKS:
            first.setdefault(f.check, f)
    shown = sorted(first.values(), key=lambda f: _ABSENCE_CHECKS.index(f.check))
    causes = [f"[{check_label(f.check)}] {f.cell or WHOLE_SHEET}" for f in shown]
    return CLI["figure_missing_why" if causes else "figure_missing_absent"].format(causes="、".join(causes))


def _is_rate(key: str) -> bool:
    """Values kept as fractions, shown as percentages: execution_rate, rate_to_month, time_progress, progress_gap."""
    return key.endswith(("_rate", "_progress", "_gap")) or key.startswith("rate_")


class _Missing(dict):
    """Values for a header line; a figure the form did not give reads 未能读取."""

    def __init__(self, values: dict, missing: str):
        super().__init__(values)
        self.missing = missing

    def __missing__(self, key):
        return self.missing


# -- text measures ----------------------------------------------------------------------------------------------
NOTE_WIDTH_PT = 216.0
_UNITS_PER_LINE = 40  # half-width characters per note line at 9 pt in NOTE_WIDTH_PT
_LINE_PT = 12.0


def display_width(s: str) -> int:
    """Width in half-width characters: CJK counts two."""
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


@functools.lru_cache(maxsize=4096)
def _line_widths(text: str) -> tuple[int, ...]:
    """The display width of each line of a cell's text (sheet names, check names and sentences repeat: cached)."""
    return tuple(display_width(line) for line in text.split("\n"))


def note_height(text: str, width_pt: float = NOTE_WIDTH_PT) -> float:
    """Points a note box needs to show `text` at `width_pt` wide."""
    units = max(10, int(_UNITS_PER_LINE * width_pt / NOTE_WIDTH_PT))
    lines = sum(max(1, math.ceil(display_width(line) / units)) for line in text.split("\n"))
    return lines * _LINE_PT + 12.0


def column_widths(rows: Iterable[tuple]) -> list[float]:
    """Widths of the 核查结果 columns for these rows (values as fmt_value writes them), capped per column."""
    widths = [display_width(h) for h in HEADERS]
    for row in rows:
        for i, v in enumerate(row):
            if v is not None:
                widths[i] = max(widths[i], max(_line_widths(fmt_value(v))))
    return [min(cap, max(w + 2, 6)) for cap, w in zip(WIDTH_CAPS, widths)]


def row_height(row: tuple, widths: list[float]) -> float | None:
    """Points a 核查结果 row needs for its wrapped text at these column widths; None when one line is enough."""
    lines = max(sum(max(1, math.ceil(part / max(1.0, width - 1))) for part in _line_widths(fmt_value(v)))
                for v, width in zip(row, widths) if v is not None)
    return lines * ROW_LINE_PT if lines > 1 else None
