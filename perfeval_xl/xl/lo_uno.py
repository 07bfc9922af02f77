"""Drive a private headless LibreOffice through UNO: put the 「核查」 button on templates, click it on filled forms.

Runs on the Python that has LibreOffice's `uno` module (Debian: /usr/bin/python3 with python3-uno), NOT on the
project's interpreter: pyuno inside another Python build dies in `invoke` (EXCEL_NOTES.md §4). So this file imports
nothing from perfeval_xl; callers (perfeval_xl.write.ods, tests/test_lo_macro.py) run it as a script:

    /usr/bin/python3 perfeval_xl/xl/lo_uno.py JOB.json

JOB.json:

    {"profile": "/tmp/lo_profile",        # UserInstallation directory (its own per caller)
     "timeout": 120,                      # seconds for everything; then soffice is killed and the exit code is 124
     "tasks": [
       {"action": "build", "src": "a.xlsx", "dst": "a.ods", "sheet": "绩效自评表", "label": "核查", "tip": "…",
        "script": "vnd.sun.star.script:perfeval.py$check?language=Python&location=document",
        "properties": {"PERFEVAL_PYTHON": ""}},
       {"action": "click", "src": "filled.ods", "dst": "clicked.ods", "via": "button" | "provider",
        "set": {"绩效自评表!I17": 25}, "notes": {"绩效自评表!G21": "…"}, "properties": {"PERFEVAL_PYTHON": "…"}}]}

`build` loads the workbook, adds a form button on `sheet` (right of its print area, not printed) whose "execute
action" event runs `script`, adds the custom document `properties`, and stores it as .ods (the macro itself is
added to the package afterwards, by perfeval_xl.write.ods).
`click` loads an .ods with macros allowed; types the `set` values, adds the `notes` and sets the document
`properties` (all optional); runs the script bound to its one button (`via: button` presses the button through its
accessibility action, as a user's click does, and waits for the macro's outcome in the document property
perfeval_result; `via: provider` invokes the bound URL through the document's script provider); stores the result
as .ods (`dst`, optional) and reports the seconds spent loading, in the macro and saving.

One JSON object per task is printed on stdout, one line each. soffice runs in its own process group with
--accept on a private pipe and is always killed (terminate, then SIGKILL to the group) when the job ends.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import uno
from com.sun.star.awt import Point, Size
from com.sun.star.beans import PropertyValue
from com.sun.star.script import ScriptEventDescriptor

CONNECT_TIMEOUT = 60
FORM_NAME = "perfeval"
BUTTON_NAME = "perfeval_check"
BUTTON_SIZE = (2400, 900)  # 1/100 mm
GAP = 300  # 1/100 mm between the print area and the button
RUNNING = []  # soffice processes started here, for the watchdog


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office(object):
    """A private soffice process with a UNO connection; `close()` always leaves no process behind."""

    def __init__(self, profile, soffice="soffice"):
        self.pipe = "perfeval_%d_%s" % (os.getpid(), os.urandom(4).hex())
        cmd = [soffice, "-env:UserInstallation=" + uno.systemPathToFileUrl(os.path.abspath(profile)),
               "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True, env=office_env())
        RUNNING.append(self.proc)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.time() + CONNECT_TIMEOUT
        while True:
            try:
                self.ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe)
                break
            except Exception:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.close()
                    raise RuntimeError("soffice did not accept a UNO connection (rc=%s)" % self.proc.poll())
                time.sleep(0.05)
        self.desktop = self.ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)

    def load(self, path, macros=False):
        args = [prop("Hidden", True)]
        if macros:
            args.append(prop("MacroExecutionMode", 4))  # ALWAYS_EXECUTE_NO_WARN: this profile trusts the file
        doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                                tuple(args))
        if doc is None:
            raise RuntimeError("LibreOffice could not load %s" % path)
        return doc

    def close(self):
        try:
            if getattr(self, "desktop", None) is not None:
                self.desktop.terminate()
        except Exception:
            pass  # terminate() drops the bridge while it answers
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        kill_group(self.proc)


def office_env():
    """soffice's environment: ours, with this Python's directory first on PATH.

    LibreOffice's embedded Python (Debian) derives its prefix from the first `python3` on PATH; a python3 of another
    build there (pyenv, conda, a venv made from one) makes it load a foreign standard library, and every macro call
    dies with std::bad_alloc."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join([os.path.dirname(os.path.realpath(sys.executable)), env.get("PATH", "")])
    return env


def kill_group(proc):
    """SIGKILL the process group soffice was started in (oosplash and soffice.bin with it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


def close(doc):
    """Close a document without letting a failure to close hide the task's own outcome."""
    try:
        doc.close(True)
    except Exception as e:
        sys.stderr.write("lo_uno: closing the document failed: %s\n" % e)


def store(doc, path, filter_name="calc8"):
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)), (prop("FilterName", filter_name),))


# -- build: the button -------------------------------------------------------------------------------------
def build(office, task):
    doc = office.load(task["src"])
    try:
        sheets = doc.getSheets()
        sheet = sheets.getByName(task["sheet"]) if task.get("sheet") else sheets.getByIndex(0)
        x, y = button_position(sheet)
        forms = sheet.getDrawPage().getForms()
        form = doc.createInstance("com.sun.star.form.component.Form")
        form.Name = FORM_NAME
        forms.insertByIndex(forms.getCount(), form)
        button = doc.createInstance("com.sun.star.form.component.CommandButton")
        button.Name = BUTTON_NAME
        button.Label = task.get("label", "核查")
        button.Printable = False
        button.HelpText = task.get("tip", "")
        shape = doc.createInstance("com.sun.star.drawing.ControlShape")
        shape.Position = Point(x, y)
        shape.Size = Size(*BUTTON_SIZE)
        shape.Control = button
        shape.Name = BUTTON_NAME
        sheet.getDrawPage().add(shape)
        index = [form.getByIndex(i).Name for i in range(form.getCount())].index(BUTTON_NAME)
        event = ScriptEventDescriptor()
        event.ListenerType = "XActionListener"
        event.EventMethod = "actionPerformed"
        event.AddListenerParam = ""
        event.ScriptType = "Script"
        event.ScriptCode = task["script"]
        form.registerScriptEvent(index, event)
        props = doc.getDocumentProperties().getUserDefinedProperties()
        for name, value in sorted((task.get("properties") or {}).items()):
            props.addProperty(name, 128, value)  # PropertyAttribute.REMOVABLE
        store(doc, task["dst"])
        return {"sheet": sheet.Name, "button": [x, y, BUTTON_SIZE[0], BUTTON_SIZE[1]]}
    finally:
        close(doc)


def button_position(sheet):
    """Right of the sheet's (first) print area, else of its used area, at the top: (x, y) in 1/100 mm."""
    areas = sheet.getPrintAreas()
    if areas:
        end = areas[0].EndColumn
    else:
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress().EndColumn
    column = sheet.getColumns().getByIndex(end)
    return column.Position.X + column.Width + GAP, sheet.getRows().getByIndex(0).Position.Y + GAP


def bound_scripts(sheet):
    """(form, index, button model, script URL) of every button on the sheet with an actionPerformed script."""
    found = []
    forms = sheet.getDrawPage().getForms()
    for f in range(forms.getCount()):
        form = forms.getByIndex(f)
        for i in range(form.getCount()):
            model = form.getByIndex(i)
            for event in form.getScriptEvents(i):
                if event.EventMethod == "actionPerformed" and event.ScriptType == "Script":
                    found.append((form, i, model, event.ScriptCode))
    return found


# -- click: run the bound macro ----------------------------------------------------------------------------
RESULT_PROPERTY = "perfeval_result"  # the macro leaves its outcome here (macros/perfeval_lo.py)


def click(office, task):
    t0 = time.time()
    doc = office.load(task["src"], macros=True)
    t_load = time.time()
    try:
        for cell, value in (task.get("set") or {}).items():
            set_cell(doc, cell, value)
        for cell, text in (task.get("notes") or {}).items():
            set_note(doc, cell, text)
        for name, value in (task.get("properties") or {}).items():
            set_property(doc, name, value)
        buttons = [(sheet.Name, b) for sheet in _sheets(doc) for b in bound_scripts(sheet)]
        if len(buttons) != 1:
            raise RuntimeError("expected one button bound to a script, found %d" % len(buttons))
        sheet_name, (form, index, model, url) = buttons[0]
        t_macro0 = time.time()
        set_property(doc, RESULT_PROPERTY, "")
        if task.get("via", "button") == "button":
            press(doc, model)
            result = wait_for_result(doc, float(task.get("wait", 60)))
        else:
            result = doc.getScriptProvider().getScript(url).invoke((), (), ())[0]
        t_macro = time.time()
        if task.get("dst"):
            store(doc, task["dst"])
        t_save = time.time()
        return {"sheet": sheet_name, "button": model.Label, "script": url, "result": result,
                "seconds": {"load": round(t_load - t0, 3), "macro": round(t_macro - t_macro0, 3),
                            "save": round(t_save - t_macro, 3),
                            "click": round((t_load - t0) + (t_save - t_macro0), 3)}}
    finally:
        close(doc)


def _sheets(doc):
    sheets = doc.getSheets()
    return [sheets.getByIndex(i) for i in range(sheets.getCount())]


def set_cell(doc, ref, value):
    """Type `value` into "Sheet!A1" (a number or a text), as a user would (sheet protection allows inputs)."""
    sheet_name, a1 = ref.rsplit("!", 1)
    cell = doc.getSheets().getByName(sheet_name.strip("'")).getCellRangeByName(a1)
    if value is None:
        cell.setString("")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.setValue(value)
    else:
        cell.setString(str(value))


def set_note(doc, ref, text):
    """Put a note on "Sheet!A1" (lifting a password-less protection, as a user would have to)."""
    sheet_name, a1 = ref.rsplit("!", 1)
    sheet = doc.getSheets().getByName(sheet_name.strip("'"))
    protected = sheet.isProtected()
    if protected:
        sheet.unprotect("")
    sheet.getAnnotations().insertNew(sheet.getCellRangeByName(a1).getCellAddress(), text)
    if protected:
        sheet.protect("")


def set_property(doc, name, value):
    props = _user_props(doc)
    if props.getPropertySetInfo().hasPropertyByName(name):
        props.setPropertyValue(name, value)
    else:
        props.addProperty(name, 128, value)


def _user_props(doc):
    return doc.getDocumentProperties().getUserDefinedProperties()


def wait_for_result(doc, timeout):
    """The macro's outcome once it has finished (a pressed button runs it from LibreOffice's event loop)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        props = _user_props(doc)
        if props.getPropertySetInfo().hasPropertyByName(RESULT_PROPERTY):
            value = props.getPropertyValue(RESULT_PROPERTY)
            if value:
                return value
        time.sleep(0.02)
    raise RuntimeError("the button's macro did not finish within %s s" % timeout)


def press(doc, model):
    """Press the button as a user does: its control's accessible action 0 ("press") fires actionPerformed."""
    control = doc.getCurrentController().getControl(model)
    context = control.getAccessibleContext()
    if context.getAccessibleActionCount() < 1:
        raise RuntimeError("the button control offers no accessible action")
    context.doAccessibleAction(0)


# -- the job -----------------------------------------------------------------------------------------------
ACTIONS = {"build": build, "click": click}


def main(argv):
    job = json.load(open(argv[1], encoding="utf-8"))
    profile = job.get("profile") or tempfile.mkdtemp(prefix="perfeval_uno_")
    own_profile = not job.get("profile")
    office = None

    def watchdog():  # a UNO call blocked on a hung soffice never returns to Python: kill from outside
        sys.stderr.write("lo_uno: timed out after %s s\n" % job.get("timeout", 120))
        for proc in RUNNING:
            kill_group(proc)
        os._exit(124)

    timer = threading.Timer(float(job.get("timeout", 120)), watchdog)
    timer.daemon = True
    timer.start()
    rc = 0
    try:
        t0 = time.time()
        office = Office(profile, job.get("soffice") or "soffice")
        print(json.dumps({"action": "start", "seconds": round(time.time() - t0, 3)}), flush=True)
        for task in job["tasks"]:
            t0 = time.time()
            try:
                out = ACTIONS[task["action"]](office, task)
                out.update(action=task["action"], src=task["src"], ok=True)
            except Exception as e:
                out = {"action": task["action"], "src": task["src"], "ok": False,
                       "error": "%s: %s" % (e.__class__.__name__, e),
                       "where": traceback.format_exc().strip().splitlines()[-6:]}
                rc = 1
            out["seconds_total"] = round(time.time() - t0, 3)
            print(json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        if office is not None:
            office.close()
        timer.cancel()
        if own_profile:
            shutil.rmtree(profile, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
