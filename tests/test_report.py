"""perfeval report check / draft end to end: the seed documents' real prose against the workbooks transcribed from
them, the commented copy (only comment marks added), the draft that checks clean, the command line."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from perfeval_xl.cli import main
from perfeval_xl.report import check_report
from perfeval_xl.report.comments import W, strip_comment_marks, write_commented

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
SEED4 = SAMPLES / "prose" / "004_1816ce73cc94b7e9.txt"  # the seed document's text, as published
MEISHAN = sorted((SAMPLES / "meishan_2023").glob("*.xlsx")) + [
    SAMPLES / "frameworks" / "meishan_2023_dept_system.xlsx", SAMPLES / "frameworks" / "meishan_2023_special_system.xlsx"]

# The paragraphs of seed 004 (眉山 2023 部门决算) that speak of the 12 projects, word for word.
SEED4_FINDINGS = [
    ("C15", "warning", "良好", "优"),  # 部门整体绩效自评得分为95.78分,自查自评结果良好
    ("C16", "error", Decimal("86.58"), Decimal("98")),  # (10) 全年预算数86.58万元 (form: 98)
    ("C16", "error", Decimal("100"), Decimal("88.35")),  # (10) 完成预算的100% (form: 88.35%)
    ("C16", "error", Decimal("91.8"), Decimal("91.3")),  # 深化“放管服”… 自评得分91.8分 (form: 91.3)
    ("C17", "error", Decimal("5"), 4),  # 预算结余率大于10%的项目共计5个 (4 of the 8)
    ("C17", "error", Decimal("945.83"), Decimal("1440.83")),  # 8个项目共涉及预算总金额945.83万元
    ("C17", "error", Decimal("80"), Decimal("52.53")),  # 1—12月预算执行总体进度为80%
    ("C17", "error", Decimal("3"), 1),  # 阶段项目: 预算结余率大于10%的项目共计3个 (1 of the 4)
    ("C15", "warning", "良好", "优"),  # 2023年我局部门整体支出绩效自查自评结果良好
]


def seed_docx(tmp_path: Path, first: int = 230, last: int = 460) -> Path:
    """Seed 004's lines `first`..`last` as a Word document, one paragraph a line, headings as headings."""
    doc = Document()
    for line in SEED4.read_text(encoding="utf-8").splitlines()[first:last]:
        if line.strip():
            doc.add_paragraph(line, style="Heading 2" if line.startswith(("一、", "二、", "三、", "四、")) else None)
    path = tmp_path / "决算说明.docx"
    doc.save(path)
    return path


def test_seed_004_text_against_its_workbooks_finds_every_contradiction_and_nothing_else():
    result = check_report(SEED4, MEISHAN)
    got = [(f.check, f.severity.value, f.stated, f.computed) for f in result.findings]
    assert got == SEED4_FINDINGS
    by_line = {f.paragraph for f in result.findings}
    lines = SEED4.read_text(encoding="utf-8").splitlines()
    assert "86.58万元" in lines[min(p for p in by_line if p > 240) - 1]
    assert result.exit_code == 1 and result.linked == 83


def test_a_docx_report_names_paragraphs_as_python_docx_counts_them(tmp_path):
    path = seed_docx(tmp_path)
    result = check_report(path, MEISHAN)
    paragraphs = Document(path).paragraphs
    assert [(f.check, f.stated) for f in result.findings] == [(c, s) for c, _, s, _ in SEED4_FINDINGS]
    for f in result.findings:
        assert f.quote.strip() in paragraphs[f.paragraph - 1].text
    assert result.findings[1].paragraph == 16 and "(10)" in paragraphs[15].text


def test_the_commented_copy_changes_nothing_but_comment_marks(tmp_path):
    path = seed_docx(tmp_path)
    before = path.read_bytes()
    result = check_report(path, MEISHAN)
    copy = write_commented(result.document.data, result.findings, tmp_path / "copy.docx")
    assert path.read_bytes() == before
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(copy) as b:
        old, new = {n: a.read(n) for n in a.namelist()}, {n: b.read(n) for n in b.namelist()}
    touched = {"word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"}
    assert set(new) - set(old) == {"word/comments.xml"}
    assert {n for n in old if old[n] != new[n]} <= touched
    assert strip_comment_marks(new["word/document.xml"]) == strip_comment_marks(old["word/document.xml"])
    commented = Document(copy)
    assert [p.text for p in commented.paragraphs] == [p.text for p in Document(path).paragraphs]
    comments = new["word/comments.xml"].decode("utf-8")
    assert comments.count(f"<w:comment ") == 6  # one per sentence with findings (one sentence has three)
    assert "[C17] 错误：报告称这 8 个项目的预算数合计为 945.83 万元" in comments
    assert new["word/document.xml"].count(f'xmlns:w="{W}"'.encode()) == 1


def test_the_draft_from_the_forms_checks_clean_against_them(tmp_path):
    out = tmp_path / "自评报告.docx"
    assert main(["report", "draft", *map(str, MEISHAN), "-o", str(out)]) == 0
    result = check_report(out, MEISHAN)
    assert result.findings == [] and result.refusal is None
    assert result.linked >= 12 * 5  # every project's budget, execution, rate, score and grade
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "预算总金额2622.49万元" in text and "预算执行总体进度为63.05%" in text
    assert "“办件大厅运行经费”自评得分99.5分，评价等次为“优”。" in text
    assert "专项预算项目绩效评价（专项预算项目绩效评价指标体系）自评得分为92.08分" in text
    placeholders = [p.text for p in Document(out).paragraphs if "【" in p.text]
    assert placeholders and all(not any(c.isdigit() for c in p) for p in placeholders)
    tables = Document(out).tables
    assert len(tables) == 12 * 2 + 1  # budget and indicators per project, the forms' findings
    assert any("C09" in c.text for c in tables[-1].columns[2].cells)  # the 专项 table's 98 ≠ 92.08


def test_report_check_from_the_command_line_prints_json_and_exits_by_severity(tmp_path, capsys):
    report = tmp_path / "说明.txt"
    report.write_text("（8）后勤物业管理专项经费项目。项目全年预算数21.15万元，执行数为21.13万元，完成预算的99.91%。\n"
                      "办件大厅运行经费项目自评得分99分。\n", encoding="utf-8")
    code = main(["report", "check", str(report), *map(str, MEISHAN[:12]), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(doc) >= {"file", "sha256", "status", "error", "findings", "linked", "unlinked"}
    assert (doc["status"], doc["linked"], doc["unlinked"]) == ("checked", 4, 0)
    [f] = doc["findings"]
    assert (f["check"], f["paragraph"], f["stated"], f["computed"], f["unit"]) == ("C16", 2, 99, 99.5, "分")
    assert f["source"] == {"file": "06_service_hall_operation.xlsx", "sheet": "项目支出绩效自评表", "cell": "I23"}
    assert f["quote"] == "办件大厅运行经费项目自评得分99分。"


def test_a_report_that_agrees_exits_0_and_a_docx_gets_its_copy_beside_it(tmp_path, capsys):
    doc = Document()
    doc.add_paragraph("办件大厅运行经费项目全年预算数373.36万元，执行数为354.93万元，完成预算的95.06%。")
    path = tmp_path / "报告.docx"
    doc.save(path)
    assert main(["report", "check", str(path), *map(str, MEISHAN[:12])]) == 0
    assert (tmp_path / "报告_核查.docx").is_file()
    assert "共核对数字 3 个" in capsys.readouterr().out


@pytest.mark.parametrize("content, code", [(b"", "empty"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                                                             "unsupported_format"),
                                           (b"%PDF-1.4\n", "unsupported_format"), (b"PK\x03\x04junk", "corrupt")])
def test_a_report_that_cannot_be_read_is_refused_with_exit_3(tmp_path, capsys, content, code):
    path = tmp_path / "报告.docx"
    path.write_bytes(content)
    assert main(["report", "check", str(path), str(MEISHAN[0]), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["error"]["code"] == code


def test_the_copy_must_not_overwrite_the_report(tmp_path):
    path = tmp_path / "a.docx"
    Document().save(path)
    assert main(["report", "check", str(path), str(MEISHAN[0]), "-o", str(path)]) == 2


def test_seed_000_text_against_its_framework_finds_the_satisfaction_it_misstates():
    seed0 = SAMPLES / "prose" / "000_c0a8cadf45904cc3.txt"
    result = check_report(seed0, [SAMPLES / "frameworks" / "xundian_2024_dept.xlsx"])
    got = [(f.check, f.severity.value, f.stated, f.computed) for f in result.findings]
    # 通过满意度调查问卷，满意度为95% against the questionnaire's 1000 / 10 = 100; and 部门决策 “评价得分12分” (the
    # paragraph of A1 部门目标 names its 一级 部门决策, scored 35 in the table)
    assert got == [("C16", "error", Decimal("12"), Decimal("35")), ("C19", "error", Decimal("95"), Decimal("100"))]
