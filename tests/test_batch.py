"""perfeval batch over a realistic inbox: correct forms, planted errors, awkward layouts, broken files, a zip
(with a hostile member) and a saved e-mail. The summary must say exactly what `perfeval check` says per file."""

import email.message
import email.utils
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from perfeval_xl import batch
from perfeval_xl.api import check_file
from perfeval_xl.batch import summary, workers
from perfeval_xl.severity import Severity
from sample_data import build
from sample_data.seed004 import FORMS

from conftest import SAMPLES

pytestmark = pytest.mark.slow  # batches of files, worker processes and time limits

BY_SLUG = {f["slug"]: f for f in FORMS}
CODE_04 = "51140022T000000289349"
FORMULA_NAME = "=1+2 格式化项目"
EVERYTHING = dict(origin=(2, 1), unmerged=True, label_noise=True, amounts="yuan", rates="fullwidth_percent",
                  zero_as="—", blank_rows_at=[12, 19], cover_sheet=True)
MAIL_FROM = "张三 <zhangsan@example.cn>"
MAIL_DATE = "Fri, 31 May 2024 09:30:00 +0800"


def _form(tmp, name, slugs, **layout):
    return build.build_workbook(tmp / name, [BY_SLUG[s] for s in slugs], **layout)


def _formula_named(path):
    """A form whose project name and unit look like formulas; written as text cells, as a user's file would be."""
    wb = build.new_workbook()
    ws = wb.create_sheet(build.SHEET_NAME)
    build.write_form(ws, BY_SLUG["12_office_repair"], overrides={("project",): FORMULA_NAME, ("unit",): "@实施单位"})
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] in "=@":
                cell.data_type = "s"
    build.save_deterministic(wb, path)
    return path


def _eml(path, attachment: Path, filename: str):
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Date"] = MAIL_FROM, "jxk@czj.example.cn", MAIL_DATE
    msg["Subject"] = "2023年度项目支出绩效自评表（修订）"
    msg.set_content("附件为修订后的自评表，请审核。")
    msg.add_attachment(attachment.read_bytes(), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=filename)
    path.write_bytes(bytes(msg))
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """inbox/ to batch, and for every display path the original bytes' file (to check it alone)."""
    root = tmp_path_factory.mktemp("batch")
    src, box = root / "src", root / "inbox"
    for d in (src, box / "good", box / "planted", box / "awkward", box / "broken"):
        d.mkdir(parents=True)
    sources = {}

    def put(rel, path):
        dest = box / rel
        shutil.copyfile(path, dest)
        sources[str(dest)] = path

    put("good/04_window_outsourcing.xlsx", _form(src, "04.xlsx", ["04_window_outsourcing"]))
    put("good/11_circuit_services.xlsx", _form(src, "11.xlsx", ["11_circuit_services"]))
    put("planted/07_wrong_total.xlsx",
        _form(src, "07.xlsx", ["07_logistics_property"], overrides={("total_score",): "99"}))
    put("planted/10_wrong_rate.xlsx",
        _form(src, "10.xlsx", ["10_procurement_review_fees"], overrides={("budget", 0, "rate"): "95.00%"}))
    put("awkward/05_everything.xlsx", _form(src, "05.xlsx", ["05_one_window_network"], **EVERYTHING))
    put("awkward/two_forms.xlsx", _form(src, "0809.xlsx", ["08_business_environment", "09_hotline_110_linkage"],
                                        cover_sheet=True, instructions_sheet=True))
    put("awkward/formula_name.xlsx", _formula_named(src / "formula.xlsx"))
    good = (SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx").read_bytes()
    for name, data in (("truncated.xlsx", good[:3000]), ("empty.xlsx", b""),
                       ("report.xls", "<html><body><table><tr><td>总额</td></tr></table></body></html>".encode())):
        (src / name).write_bytes(data)
        put(f"broken/{name}", src / name)

    zpath = box / "forms.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for arc, slug in (("区县/01_hotline_upgrade.xlsx", "01_hotline_upgrade"),
                          ("02_hotline_operation.xlsx", "02_hotline_operation")):
            sources[f"{zpath}!/{arc}"] = _form(src, f"z_{slug}.xlsx", [slug])
            z.write(sources[f"{zpath}!/{arc}"], arc)
        z.write(_form(src, "03.xlsx", ["03_tianfu_citizen_cloud"]), "../../evil.xlsx")
        z.writestr("说明.txt", "readme")

    revised = _form(src, "04_revised.xlsx", ["04_window_outsourcing"],
                    overrides={("budget", 0, "executed"): "150.00", ("budget", 1, "executed"): "150.00"})
    mail = _eml(box / "mail.eml", revised, "04自评表（修订）.xlsx")
    sources[f"{mail}!/04自评表（修订）.xlsx"] = revised

    if __import__("perfeval_xl.lo", fromlist=["x"]).find_soffice() is not None:
        from perfeval_xl import lo

        [xls] = lo.convert([src / "11.xlsx"], src / "xls", to="xls")
        put("good/legacy_06.xls", xls)  # .xls read too; the figures are form 11's (a duplicate: no mismatch)
    return root, box, sources


@pytest.fixture(scope="module")
def run(inbox):
    root, box, sources = inbox
    out = root / "out" / "汇总.xlsx"
    doc = batch.run_batch([str(box)], out, annotated_dir=root / "out" / "核查", jobs=2)
    return doc, out, sources


def _sheet(path, name):
    """A summary sheet as a table: its header is under the title row; the totals rows under the table left out."""
    table = pd.read_excel(path, sheet_name=name, engine="openpyxl", dtype=object, header=1)
    return table[table[table.columns[0]] != "合计"].reset_index(drop=True)


def _none(v):
    return None if v is None or isinstance(v, float) and v != v else v


def test_every_readable_form_has_the_values_and_findings_of_a_single_check(run):
    doc, _, sources = run
    readable = [r for r in doc["reports"] if r["status"] == "checked"]
    assert {r["file"] for r in readable} == {k for k in sources if "broken" not in k}
    for rep in readable:
        alone = check_file(sources[rep["file"]]).as_dict()
        assert rep["forms"] == alone["forms"], rep["file"]
        assert rep["sha256"] == alone["sha256"]
    assert doc["forms"] == sum(len(r["forms"]) for r in readable)
    assert doc["errors"] == sum(f["severity"] == "error" for r in readable for x in r["forms"] for f in x["findings"])


def test_cli_check_of_one_file_gives_the_same_forms(run, inbox):
    doc, _, sources = run
    rep = next(r for r in doc["reports"] if r["file"].endswith("07_wrong_total.xlsx"))
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", rep["file"], "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and json.loads(out.stdout)["forms"] == rep["forms"]


def test_summary_rows(run):
    doc, out, sources = run
    rows = _sheet(out, "汇总")
    assert list(rows.columns) == list(summary.SUMMARY_COLUMNS)
    assert list(rows["文件"]) == sorted(rows["文件"])  # deterministic: by input path, then sheet
    assert len(rows) == doc["forms"]
    by_file = {f: g for f, g in rows.groupby("文件")}
    wrong_total = by_file[next(k for k in sources if k.endswith("07_wrong_total.xlsx"))].iloc[0]
    assert (wrong_total["自评得分"], wrong_total["复核得分"], wrong_total["等次"]) == (99, 100, "优")
    assert wrong_total["错误数"] >= 1 and wrong_total["单位"] == "眉山市政务服务管理局"
    assert wrong_total["项目"].startswith("51140022Y000000279446-")
    good = by_file[next(k for k in sources if k.endswith("04_window_outsourcing.xlsx"))].iloc[0]
    assert (good["预算数"], good["执行数"], good["执行率"], good["自评得分"], good["复核得分"], good["错误数"]) == \
        (200.16, 142.88, 0.7138, 97.1, 97.1, 0)
    two = by_file[next(k for k in sources if k.endswith("two_forms.xlsx"))]
    assert list(two["工作表"]) == ["自评表1", "自评表2"]
    mail = rows[rows["文件"].str.contains("mail.eml!/")].iloc[0]
    assert mail["发件人"] == MAIL_FROM and mail["日期"] == "2024-05-31 09:30+08:00"
    assert mail["执行数"] == 150
    awkward = by_file[next(k for k in sources if k.endswith("05_everything.xlsx"))].iloc[0]
    assert awkward["预算数"] == 230 and awkward["错误数"] == 0  # amounts written in 元 read as 万元
    rep = next(r for r in doc["reports"] if "mail.eml" in r["file"])
    assert (rep["sender"], rep["date"]) == (MAIL_FROM, "2024-05-31 09:30+08:00")


def test_findings_sheet_is_the_concatenation_of_the_per_file_checks(run):
    doc, out, sources = run
    sheet = _sheet(out, "问题明细")
    got = [tuple(_none(v) for v in row) for row in
           sheet[["文件", "工作表", "单元格", "检查项", "严重程度", "填报值", "复核值", "说明"]].itertuples(index=False)]
    want = []
    for display in sorted(sources):
        for form in check_file(sources[display]).as_dict()["forms"]:
            for f in form["findings"]:
                want.append((display, f["sheet"], f["cell"] or "（整表）", f["check"], Severity(f["severity"]).label,
                             f["stated"], f["computed"], f["message"]))
    assert got == want


def test_findings_link_to_the_annotated_copy(run):
    doc, out, _ = run
    ws = openpyxl.load_workbook(out)["问题明细"]
    links = [(c.hyperlink.target, c.hyperlink.location, c.value) for c in ws["C"][2:] if c.hyperlink]
    unlinked = sum(len(x["findings"]) for r in doc["reports"] if r["file"].endswith(".xls") for x in r["forms"])
    assert len(links) == ws.max_row - 2 - unlinked  # .xls inputs get no annotated copy
    for target, location, cell in links:
        copy = out.parent / target.replace("\\", "/")
        assert not Path(target).is_absolute() and copy.is_file() and copy.name.endswith("_核查.xlsx")
        sheet, ref = location.rsplit("!", 1)
        assert sheet.strip("'") in openpyxl.load_workbook(copy, read_only=True).sheetnames
        assert ref == (cell if cell != "（整表）" else "A1").split(":")[0]


def test_refused_files_are_listed_with_reasons(run):
    doc, out, _ = run
    refused = _sheet(out, "无法读取")
    codes = {Path(f.split("!/")[-1]).name: c for f, c in zip(refused["文件"], refused["代码"])}
    assert codes == {"truncated.xlsx": "corrupt", "empty.xlsx": "empty", "report.xls": "not_spreadsheet",
                     "evil.xlsx": "unsafe_path"}
    assert refused["原因"].str.len().min() > 5 and refused["Reason"].str.len().min() > 5
    assert doc["refused"] == 4
    assert not list(out.parents[2].rglob("evil.xlsx"))  # the ../ member was never written anywhere


def test_a_project_present_twice_with_different_figures_is_reported(run):
    doc, out, _ = run
    [m] = doc["mismatches"]
    assert (m["code"], m["field"]) == (CODE_04, "执行数")
    assert sorted(o["value"] for o in m["occurrences"]) == [142.88, 150]
    sheet = _sheet(out, "跨表不一致")
    assert list(sheet["项目编码"]) == [CODE_04, CODE_04] and sorted(sheet["值"]) == [142.88, 150]


def test_formula_looking_text_stays_text(run):
    _, out, _ = run
    ws = openpyxl.load_workbook(out)["汇总"]
    cells = [c for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, str) and c.value[:1] in "=@"]
    assert {c.value for c in cells} >= {FORMULA_NAME, "@实施单位"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_department_view_and_charts(run):
    doc, out, _ = run
    dept = _sheet(out, "按部门")
    rows = _sheet(out, "汇总")
    mine = rows[(rows["主管部门"] == "眉山市政务服务管理局") & rows["重复提交"].map(lambda x: not str(x).startswith("未"))]
    d = dept.set_index("部门").loc["眉山市政务服务管理局"]  # '(部门)' set aside: one department
    assert d["项目数"] == len(mine)
    assert d["预算数合计"] == pytest.approx(mine["预算数"].astype(float).sum())
    assert d["结余超10%项目数"] == sum(1 - float(r) > 0.10 for r in mine["执行率"])
    assert d["平均复核得分"] == pytest.approx(round(mine["复核得分"].astype(float).mean(), 2))
    wb = openpyxl.load_workbook(out)
    assert len(wb["分布"]._charts) == 2
    counts = dict(wb["分布"].iter_rows(min_row=3, max_row=7, max_col=2, values_only=True))
    dropped = sum(len(x["dropped"]) for x in doc["resubmitted"])
    assert dropped == 2 and sum(counts.values()) == doc["forms"] - dropped  # 04 by mail again, 11 as .xls too
    ws = wb["汇总"]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref
    assert ws["E3"].number_format == "#,##0.00" and ws["G3"].number_format == "0.00%"
    assert ws.conditional_formatting


def _contents(path):
    """Every sheet's rows but its title row (which names the batch: the summary's file name)."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(min_row=2, values_only=True)] for ws in wb}


def test_output_is_the_same_whatever_the_parallelism(inbox, run, tmp_path):
    _, box, _ = inbox
    doc1 = batch.run_batch([str(box)], tmp_path / "one.xlsx", jobs=1)
    doc2 = batch.run_batch([str(box)], tmp_path / "two.xlsx", jobs=2)
    with_copies = _contents(run[1])  # `run` wrote annotated copies: only it has a 副本未写出 (the .xls)
    assert [r[0] for r in with_copies.pop("副本未写出")[1:]] == [str(box / "good" / "legacy_06.xls")] * (
        (box / "good" / "legacy_06.xls").exists())
    one = _contents(tmp_path / "one.xlsx")
    assert "副本未写出" not in one
    assert one == with_copies
    assert _contents(tmp_path / "one.xlsx") == _contents(tmp_path / "two.xlsx")
    assert json.dumps(doc1, ensure_ascii=False) == json.dumps(doc2, ensure_ascii=False)


def _misbehave_on(monkeypatch, name: str, act) -> None:
    """workers.check_file as it is, except on the file `name`, where `act()` happens instead (in the worker)."""
    real = workers.check_file

    def check(path, profile=None, **kw):
        return act() if Path(path).name == name else real(path, profile, **kw)

    monkeypatch.setattr(workers, "check_file", check)


def _codes(doc) -> dict:
    return {Path(r["file"]).name: (r["error"] or {}).get("code") for r in doc["reports"]}


def _raise(e):
    raise e


def _endless():
    while True:  # a reader stuck in a loop
        pass


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_on_one_file_becomes_a_refused_row(inbox, tmp_path, monkeypatch, jobs):
    _, box, _ = inbox
    _misbehave_on(monkeypatch, "11_circuit_services.xlsx", lambda: _raise(RuntimeError("boom")))
    doc = batch.run_batch([str(box / "good")], tmp_path / "s.xlsx", jobs=jobs)
    crashed = [r for r in doc["reports"] if r["status"] == "refused" and r["error"]["code"] == "crash"]
    assert [Path(r["file"]).name for r in crashed] == ["11_circuit_services.xlsx"]
    assert "boom" in crashed[0]["error"]["message"]
    assert any(r["status"] == "checked" for r in doc["reports"])


def test_a_worker_that_dies_takes_only_its_file_down(inbox, tmp_path, monkeypatch):
    _, box, _ = inbox
    _misbehave_on(monkeypatch, "07_wrong_total.xlsx", lambda: os._exit(7))  # like a crash in native code
    doc = batch.run_batch([str(box / "good"), str(box / "planted"), str(box / "awkward")], tmp_path / "s.xlsx", jobs=2)
    status = _codes(doc)
    assert status.pop("07_wrong_total.xlsx") == "crash"
    assert set(status.values()) == {None}  # every other file was checked


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_never_finishes_is_stopped_and_the_batch_goes_on(inbox, tmp_path, monkeypatch, jobs):
    _, box, _ = inbox
    _misbehave_on(monkeypatch, "11_circuit_services.xlsx", _endless)
    monkeypatch.setattr(workers, "FILE_SECONDS", 1)
    doc = batch.run_batch([str(box / "good")], tmp_path / "s.xlsx", jobs=jobs)
    status = _codes(doc)
    assert status.pop("11_circuit_services.xlsx") == "timeout"
    assert status and set(status.values()) == {None}
    assert "1 秒" in next(r for r in doc["reports"] if r["status"] == "refused")["error"]["message"]


def test_a_file_that_makes_a_worker_allocate_without_bound_costs_only_its_file(inbox, tmp_path, monkeypatch):
    _, box, _ = inbox
    _misbehave_on(monkeypatch, "11_circuit_services.xlsx",
                  lambda: bytearray(workers.WORKER_MEMORY + 1))  # beyond the worker's address-space ceiling
    doc = batch.run_batch([str(box / "good")], tmp_path / "s.xlsx", jobs=2)
    status = _codes(doc)
    assert status.pop("11_circuit_services.xlsx") == "too_large"
    assert status and set(status.values()) == {None}


def test_interrupted_runs_leave_no_summary(inbox, tmp_path, monkeypatch):
    _, box, _ = inbox
    out = tmp_path / "out" / "汇总.xlsx"
    calls = []
    real = workers.check_file

    def interrupted(path, profile=None, **kw):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path, profile, **kw)

    monkeypatch.setattr(workers, "check_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch([str(box)], out, jobs=1)
    assert not out.parent.exists() or list(out.parent.iterdir()) == []
    monkeypatch.setattr(workers, "check_file", real)

    def stop_while_writing(book, *_):
        book.add_worksheet("汇总").write(0, 0, "half")
        raise KeyboardInterrupt

    monkeypatch.setattr(summary, "_fill", stop_while_writing)
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch([str(box / "good")], out, jobs=1)
    assert list(out.parent.iterdir()) == []  # neither the summary nor its temporary file


def test_unpacking_stays_in_its_temporary_folder(inbox, tmp_path, monkeypatch):
    _, box, _ = inbox
    made = []
    real = batch.tempfile.mkdtemp
    monkeypatch.setattr(batch.tempfile, "mkdtemp", lambda **kw: made.append(real(dir=tmp_path, **kw)) or made[-1])
    doc = batch.run_batch([str(box / "forms.zip"), str(box / "mail.eml")], None, jobs=1)
    assert doc["files"] == 4 and doc["refused"] == 1
    assert not Path(made[0]).exists()  # removed after the run
    assert [p.name for p in tmp_path.iterdir()] == []


def test_zip_bomb_members_and_empty_mail_are_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.xlsx", b"\0" * (120 * 1024 * 1024))
    msg = email.message.EmailMessage()
    msg["From"], msg["Date"] = "李四 <lisi@example.cn>", email.utils.formatdate()
    msg.set_content("忘了附件")
    (tmp_path / "no_attachment.eml").write_bytes(bytes(msg))
    doc = batch.run_batch([str(tmp_path)], None, jobs=1)
    codes = {r["file"].rsplit("/", 1)[-1]: r["error"]["code"] for r in doc["reports"]}
    assert codes == {"big.xlsx": "zip_bomb", "no_attachment.eml": "no_attachment"}
    assert batch.exit_code(doc) == 3


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "batch", *map(str, args)],
                          capture_output=True, text=True)


def test_cli_exit_codes_json_and_progress(inbox, tmp_path):
    _, box, _ = inbox
    out = _cli(box / "good", "-o", tmp_path / "good.xlsx", "--jobs", "2")
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("\n") == 1 and "已核查" in out.stderr and "\r" not in out.stderr  # not a TTY: final line only
    out = _cli(box, "--json", "--jobs", "1")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert set(doc) == {"files", "forms", "refused", "errors", "warnings", "reports", "mismatches", "resubmitted",
                        "skipped"}
    assert all({"sender", "date", "annotate_error"} <= set(r) for r in doc["reports"])
    assert [(s["file"], s["code"]) for s in doc["skipped"]] == [(f"{box / 'forms.zip'}!/说明.txt", "not_workbook")]
    assert _cli(box / "broken", "-o", tmp_path / "b.xlsx").returncode == 3
    assert _cli(box).returncode == 2  # no -o and no --json
    assert _cli(box, "-o", tmp_path / "x.csv").returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx", "good.xlsx"]


def test_progress_bar_draws_on_a_terminal_only():
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    for stream, drawn in ((Tty(), True), (io.StringIO(), False)):
        bar = batch.Progress(3, stream=stream)
        for _ in range(3):
            bar.tick()
        bar.close(forms=3, refused=0)
        text = stream.getvalue()
        assert ("\r[" in text and "3/3" in text) == drawn
        assert text.endswith("checked 3 files (3 forms, 0 refused) in 0.0 s\n")


def test_a_returned_copy_is_checked_and_every_file_not_checked_is_listed_with_why(tmp_path):
    import shutil

    from perfeval_xl.batch import run_batch

    from conftest import SAMPLES

    src = SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"
    box = tmp_path / "box"
    box.mkdir()
    shutil.copy(src, box / "04.xlsx")
    shutil.copy(src, box / "04_核查.xlsx")  # a unit's returned copy: a form like any other
    (box / "~$04.xlsx").write_bytes(b"lock")
    (box / "签字页.pdf").write_bytes(b"%PDF-1.4")
    doc = run_batch([str(box)], box / "汇总.xlsx", annotated_dir=box / "副本")
    assert (doc["files"], doc["forms"], doc["refused"]) == (2, 2, 0)
    assert [Path(r["file"]).name for r in doc["reports"]] == ["04.xlsx", "04_核查.xlsx"]
    assert [(Path(s["file"]).name, s["code"]) for s in doc["skipped"]] == [("~$04.xlsx", "lock_file"),
                                                                          ("签字页.pdf", "not_workbook")]
    again = run_batch([str(box)], box / "汇总.xlsx", annotated_dir=box / "副本")  # its own copies and summary now
    assert [(Path(s["file"]).name, s["code"]) for s in again["skipped"]] == [  # in the order of their paths
        ("~$04.xlsx", "lock_file"), ("04_核查.xlsx", "annotated_copy"), ("04_核查_核查.xlsx", "annotated_copy"),
        ("汇总.xlsx", "summary"), ("签字页.pdf", "not_workbook")]
    assert again["files"] == 2
    listed = openpyxl.load_workbook(box / "汇总.xlsx")["未核查文件"]
    assert [c.value for c in listed[2]] == ["文件", "原因", "Reason", "发件人", "日期"] and listed.max_row == 7
    assert listed["B3"].value == "Excel 打开工作簿时生成的临时锁定文件（~$ 开头），不是工作簿"
