# -*- coding: utf-8 -*-
"""「核查」 button of the LibreOffice .ods templates (embedded in each .ods as Scripts/python/perfeval.py).

This runs inside LibreOffice's own Python, where the perfeval_xl package is not installed, so it holds no check
logic. One click:

1. takes back the marks of an earlier click (original fills and notes, kept in the document property
   ``perfeval_marks``) and removes the old 核查结果 sheet;
2. saves a temporary .xlsx copy of the open document (filter "Calc MS Excel 2007 XML"; the document itself keeps
   its name, location and modified state);
3. runs the checker on that copy in a subprocess: ``$PERFEVAL_PYTHON -m perfeval_xl.cli check COPY --json`` when the
   environment variable PERFEVAL_PYTHON (or else the custom document property of that name) names a Python
   interpreter with perfeval_xl installed, ``perfeval check COPY --json`` from PATH otherwise;
4. applies the JSON findings to the open document: the finding's cell is filled red (error, FFC7CE) or orange
   (warning, F4B084), gets a note with the message (an existing note is kept, the finding appended under
   【核查】), and a last sheet 核查结果 lists every finding (the same columns as the annotated .xlsx copy);
5. shows a message box with the outcome when the document has a visible window.

Nothing is saved: the user decides. If anything fails (no interpreter, a refused file, a timeout) the reason is
written on the 核查结果 sheet and shown in a message box; no exception escapes to LibreOffice.

Source: macros/perfeval_lo.py in the perfeval_xl repository; `python -m perfeval_xl.write.ods` embeds it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

RESULTS_SHEET = "核查结果"
HEADERS = ("序号", "检查项", "严重程度", "工作表", "单元格", "填报值", "复核值", "说明")
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
FILL = {"error": 0xFFC7CE, "warning": 0xF4B084}  # info: a note only
NO_FINDINGS = "未发现问题"
WHOLE_SHEET = "（整表）"
BLANK_STATED = "（空白）"
NO_COMPUTED = "—"
APPEND_MARK = "【核查】"
TITLE = "perfeval 核查"
MARKS_PROPERTY = "perfeval_marks"  # JSON: what the last click changed, so the next click can take it back
RESULT_PROPERTY = "perfeval_result"  # outcome of the last click, in one line
PYTHON_SETTING = "PERFEVAL_PYTHON"  # environment variable, or custom document property
DEFAULT_COMMAND = "perfeval"
TIMEOUT = 120  # seconds for the checker subprocess
COLUMN_WIDTHS = (1200, 4400, 1800, 3000, 2000, 3000, 3000, 12000)  # 1/100 mm


def check(*args):
    """The button's action (args: the ActionEvent); also callable through the script provider with no args."""
    doc = XSCRIPTCONTEXT.getDocument()  # noqa: F821 (set by LibreOffice's Python script provider)
    return check_document(doc, XSCRIPTCONTEXT.getComponentContext())  # noqa: F821


g_exportedScripts = (check,)


def check_document(doc, ctx=None):
    """Run the full check on `doc` (a Calc document) and mark it.

    Returns (and leaves in the document property perfeval_result) 'ok: ...', 'findings: ...' or 'failed: ...'."""
    result = _run(doc, ctx)
    try:
        _set_property(doc, RESULT_PROPERTY, result)
    except Exception:
        pass
    return result


def _run(doc, ctx):
    try:
        undo = doc.getUndoManager()
        undo.enterUndoContext(TITLE)  # one Ctrl+Z takes the whole click back
    except Exception:
        undo = None
    failure = None
    try:
        _take_back(doc)
        report = _run_checker(doc)
        errors, warnings = _apply(doc, report)
    except Exception as e:  # never let an exception reach LibreOffice: report it instead
        failure = "核查未完成 / check not run: %s" % _one_line(e)
        _write_failure(doc, failure)
    finally:
        if undo is not None:
            try:
                undo.leaveUndoContext()
            except Exception:
                pass
    if failure is not None:
        _message_box(doc, ctx, failure, error=True)
        return "failed: " + failure
    summary = "核查完成：错误 %d 项，警告 %d 项。" % (errors, warnings)
    if errors or warnings:
        summary += "详见标色单元格的批注和“%s”工作表。" % RESULTS_SHEET
    _message_box(doc, ctx, summary, error=False)
    return ("findings: " if errors or warnings else "ok: ") + summary


class CheckFailed(Exception):
    pass


# -- 1. take back the previous click ----------------------------------------------------------------------
def _take_back(doc):
    sheets = doc.getSheets()
    for mark in _get_property(doc, MARKS_PROPERTY, "[]", parse=True):
        try:
            if not sheets.hasByName(mark["sheet"]):
                continue
            sheet = sheets.getByName(mark["sheet"])
            with _unprotected(sheet):
                rng = sheet.getCellRangeByName(mark["cell"])
                if mark.get("back") is not None:
                    rng.CellBackColor = mark["back"]
                if mark.get("noted"):
                    _set_note(sheet, rng, mark.get("note"))
        except Exception:
            continue  # a cell the user deleted, a sheet renamed: nothing to take back there
    if sheets.hasByName(RESULTS_SHEET):
        sheets.removeByName(RESULTS_SHEET)
    _set_property(doc, MARKS_PROPERTY, "[]")


# -- 2./3. the checker on a temporary .xlsx copy ------------------------------------------------------------
def checker_command(xlsx_path, setting=None, which=shutil.which):
    """The command line that checks `xlsx_path`: `setting` (an interpreter) or the `perfeval` script on PATH."""
    if setting:
        return [setting, "-m", "perfeval_xl.cli", "check", xlsx_path, "--json"]
    found = which(DEFAULT_COMMAND)
    if not found:
        raise CheckFailed("找不到 perfeval 命令。请安装 perfeval_xl，或在环境变量或文档属性 %s 中填写装有 perfeval_xl 的"
                          " Python 解释器路径 / perfeval not found on PATH; set %s to a Python interpreter with"
                          " perfeval_xl installed" % (PYTHON_SETTING, PYTHON_SETTING))
    return [found, "check", xlsx_path, "--json"]


def _run_checker(doc):
    import uno
    from com.sun.star.beans import PropertyValue

    setting = os.environ.get(PYTHON_SETTING) or _get_property(doc, PYTHON_SETTING, "").strip()
    tmpdir = tempfile.mkdtemp(prefix="perfeval_lo_")
    try:
        stem = os.path.splitext(doc.getTitle() or "")[0]
        stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", stem).strip(" .") or "form"
        path = os.path.join(tmpdir, stem + ".xlsx")
        filt = PropertyValue()
        filt.Name, filt.Value = "FilterName", "Calc MS Excel 2007 XML"
        doc.storeToURL(uno.systemPathToFileUrl(path), (filt,))
        cmd = checker_command(path, setting)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}  # LibreOffice's own
        env.update(PYTHONIOENCODING="utf-8", PYTHONUTF8="1")
        flags = 0x08000000 if sys.platform == "win32" else 0  # CREATE_NO_WINDOW: no console flashing up
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, timeout=TIMEOUT, creationflags=flags)
        except subprocess.TimeoutExpired:
            raise CheckFailed("核查超时（%d 秒）/ the checker timed out: %s" % (TIMEOUT, " ".join(cmd)))
        except OSError as e:
            raise CheckFailed("无法运行 %s：%s / could not start the checker" % (cmd[0], e))
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace").strip()
        try:
            report = json.loads(out)
        except ValueError:
            raise CheckFailed("核查程序出错（返回码 %d）：%s" % (proc.returncode, (err or out).strip()[-600:]))
        if report.get("status") == "refused":
            raise CheckFailed("文件无法核查：%s" % ((report.get("error") or {}).get("message") or err))
        return report
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


# -- 4. apply the findings ----------------------------------------------------------------------------------
def _apply(doc, report):
    findings = [f for form in report.get("forms") or [] for f in form.get("findings") or []]
    sheets = doc.getSheets()
    marks = {}  # (sheet, cell) -> what the cell had before this click
    rank = {"warning": 1, "error": 2}
    doc.lockControllers()
    try:
        for f in findings:
            sheet_name, cell = f.get("sheet"), (f.get("cell") or "").replace("$", "").upper()
            if not cell or not sheets.hasByName(sheet_name):
                continue  # a finding on the whole sheet: listed on 核查结果 only
            sheet = sheets.getByName(sheet_name)
            with _unprotected(sheet):
                rng = sheet.getCellRangeByName(cell)
                top = rng.getCellByPosition(0, 0)
                mark = marks.get((sheet_name, cell))
                if mark is None:
                    note = top.getAnnotation().getString() if _has_note(sheet, top) else None
                    mark = marks[(sheet_name, cell)] = {"sheet": sheet_name, "cell": cell, "noted": True,
                                                        "note": note, "back": None, "severity": None}
                    text = note_text(f) if note is None else "%s\n%s\n%s" % (note, APPEND_MARK, note_text(f))
                else:
                    text = top.getAnnotation().getString() + "\n" + note_text(f)
                _set_note(sheet, rng, text)
                severity = f.get("severity")
                if severity in FILL and rank[severity] > rank.get(mark["severity"], 0):
                    if mark["back"] is None:
                        mark["back"] = top.CellBackColor
                    rng.CellBackColor = FILL[severity]
                    mark["severity"] = severity
        _results_sheet(doc, findings)
    finally:
        doc.unlockControllers()
        _set_property(doc, MARKS_PROPERTY, json.dumps(list(marks.values()), ensure_ascii=False))  # even if cut short
    return (sum(1 for f in findings if f.get("severity") == "error"),
            sum(1 for f in findings if f.get("severity") == "warning"))


def note_text(f):
    """The note on a finding's cell: the same wording as the annotated .xlsx copy."""
    text = "[%s] %s：%s" % (f.get("check"), SEVERITY_LABEL.get(f.get("severity"), f.get("severity")), f.get("message"))
    stated, computed = f.get("stated"), f.get("computed")
    if stated is not None or computed is not None:
        text += "\n填报值：%s；复核值：%s" % (fmt_value(stated) if stated is not None else BLANK_STATED,
                                         fmt_value(computed) if computed is not None else NO_COMPUTED)
    return text


def fmt_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v == v and abs(v) < 1e15 and v == int(v):
            return str(int(v))
        return format(v, ".15g")
    return str(v)


def _results_sheet(doc, findings, failure=None):
    sheets = doc.getSheets()
    if sheets.hasByName(RESULTS_SHEET):
        sheets.removeByName(RESULTS_SHEET)
    sheets.insertNewByName(RESULTS_SHEET, sheets.getCount())
    sheet = sheets.getByName(RESULTS_SHEET)
    if failure is not None:
        summary = failure
    elif findings:
        counts = dict((k, sum(1 for f in findings if f.get("severity") == k)) for k in SEVERITY_LABEL)
        summary = "错误 %d 项，警告 %d 项" % (counts["error"], counts["warning"])
        if counts["info"]:
            summary += "，提示 %d 项" % counts["info"]
    else:
        summary = NO_FINDINGS
    sheet.getCellRangeByName("A1").setString("文件：%s　%s" % (doc.getTitle(), summary))
    sheet.getCellRangeByName("A1").CharWeight = 150.0
    header = sheet.getCellRangeByName("A2:H2")
    header.setDataArray((HEADERS,))
    header.CharWeight = 150.0
    header.CellBackColor = 0xD9D9D9
    rows = []
    for n, f in enumerate(findings, start=1):
        cell = (f.get("cell") or "").replace("$", "").upper() or WHOLE_SHEET
        label = " ".join(x for x in (f.get("check"), f.get("title")) if x)  # the check id and its name
        rows.append((n, label, SEVERITY_LABEL.get(f.get("severity"), f.get("severity") or ""),
                     f.get("sheet") or "", cell, _cell_value(f.get("stated")), _cell_value(f.get("computed")),
                     f.get("message") or ""))
    if rows:
        sheet.getCellRangeByName("A3:H%d" % (len(rows) + 2)).setDataArray(tuple(rows))
        for i, f in enumerate(findings):
            color = FILL.get(f.get("severity"))
            if color is not None:
                sheet.getCellByPosition(2, i + 2).CellBackColor = color
    columns = sheet.getColumns()
    for i, width in enumerate(COLUMN_WIDTHS):
        columns.getByIndex(i).Width = width
    _frame(sheet, len(rows) + 2)
    sheet.TabColor = 0xC00000 if any(f.get("severity") == "error" for f in findings) else (
        0xFFC000 if findings else 0x00B050)
    if failure is not None:
        sheet.TabColor = 0xC00000
    return sheet


def _frame(sheet, last):
    """As the annotated copy: the table framed by thin lines, its text wrapped in rows as high as it needs, the
    title and header rows printed on every page."""
    import uno

    table = sheet.getCellRangeByName("A2:H%d" % last)
    table.IsTextWrapped = True
    line = uno.createUnoStruct("com.sun.star.table.BorderLine2")
    line.OuterLineWidth, line.Color = 18, 0xA6A6A6
    border = uno.createUnoStruct("com.sun.star.table.TableBorder2")
    for side in ("TopLine", "BottomLine", "LeftLine", "RightLine", "HorizontalLine", "VerticalLine"):
        setattr(border, side, line)
        setattr(border, "Is" + side + "Valid", True)
    table.TableBorder2 = border
    table.getRows().OptimalHeight = True
    titles = uno.createUnoStruct("com.sun.star.table.CellRangeAddress")
    titles.Sheet, titles.StartRow, titles.EndRow = sheet.getRangeAddress().Sheet, 0, 1
    sheet.setTitleRows(titles)
    sheet.setPrintTitleRows(True)


def _cell_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (int, float)):
        return float(v)
    return str(v)


def _write_failure(doc, message):
    try:
        _results_sheet(doc, [], failure=message)
    except Exception:
        pass


# -- notes, properties, protection, message box -------------------------------------------------------------
def _has_note(sheet, cell):
    pos = cell.getCellAddress()
    anns = sheet.getAnnotations()
    for i in range(anns.getCount()):
        p = anns.getByIndex(i).getPosition()
        if p.Column == pos.Column and p.Row == pos.Row:
            return True
    return False


def _set_note(sheet, rng, text):
    """Replace the note on the range's top-left cell with `text` (None: remove it)."""
    cell = rng.getCellByPosition(0, 0)
    pos = cell.getCellAddress()
    anns = sheet.getAnnotations()
    for i in range(anns.getCount() - 1, -1, -1):
        p = anns.getByIndex(i).getPosition()
        if p.Column == pos.Column and p.Row == pos.Row:
            anns.removeByIndex(i)
    if text:
        anns.insertNew(pos, text)


class _unprotected(object):
    """Lift a password-less sheet protection for the duration (the templates protect their sheets without one)."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.was = False

    def __enter__(self):
        try:
            self.was = self.sheet.isProtected()
            if self.was:
                self.sheet.unprotect("")
        except Exception:
            self.was = False
        return self.sheet

    def __exit__(self, *exc):
        if self.was:
            try:
                self.sheet.protect("")
            except Exception:
                pass
        return False


def _get_property(doc, name, default, parse=False):
    try:
        props = doc.getDocumentProperties().getUserDefinedProperties()
        if props.getPropertySetInfo().hasPropertyByName(name):
            value = props.getPropertyValue(name)
            value = default if value is None else str(value)
        else:
            value = default
    except Exception:
        value = default
    if parse:
        try:
            return json.loads(value)
        except ValueError:
            return json.loads(default)
    return value


def _set_property(doc, name, value):
    props = doc.getDocumentProperties().getUserDefinedProperties()
    if props.getPropertySetInfo().hasPropertyByName(name):
        props.setPropertyValue(name, value)
    else:
        props.addProperty(name, 128, value)  # PropertyAttribute.REMOVABLE


def _message_box(doc, ctx, text, error):
    """Show `text` when the document has a visible window (headless: the 核查结果 sheet is the only report)."""
    try:
        import uno

        window = doc.getCurrentController().getFrame().getContainerWindow()
        if not window.isVisible():
            return False
        ctx = ctx or uno.getComponentContext()
        toolkit = ctx.getServiceManager().createInstanceWithContext("com.sun.star.awt.Toolkit", ctx)
        kind = uno.Enum("com.sun.star.awt.MessageBoxType", "ERRORBOX" if error else "INFOBOX")
        toolkit.createMessageBox(window, kind, 1, TITLE, text).execute()  # 1: BUTTONS_OK
        return True
    except Exception:
        return False


def _one_line(e):
    text = str(e).strip() or e.__class__.__name__
    return text if isinstance(e, CheckFailed) else "%s: %s" % (e.__class__.__name__, text)
