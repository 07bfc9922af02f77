"""The command line explains itself: help for every argument in Chinese and English, exit codes under every
command, argparse's own words translated, common mistakes answered with what to do instead."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest
from conftest import SAMPLES

from perfeval_xl import cli
from perfeval_xl.check import Finding
from perfeval_xl.present import console_line, console_lines, form_header


def _run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _actions(parser):
    """(command, action) for every argument of the parser and of its subcommands, all the way down."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _actions(sub)
        else:
            yield parser.prog, action


def test_every_argument_of_every_command_has_help_in_chinese_and_english():
    def bilingual(text: str | None) -> bool:  # Chinese, then "/ " and English
        return bool(text) and re.search(r"[\u4e00-\u9fff].*/ [A-Za-z-]", text) is not None

    missing = [(prog, a.dest) for prog, a in _actions(cli._parser()) if a.dest != "help" and not bilingual(a.help)]
    assert missing == []


@pytest.mark.parametrize("command", [[], ["check"], ["batch"], ["template"], ["profiles"], ["report", "check"],
                                     ["report", "draft"], ["demo"]])
def test_every_command_lists_the_exit_codes_and_speaks_chinese_first(capsys, command):
    with pytest.raises(SystemExit) as e:
        cli.main([*command, "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0
    assert out.startswith("用法 / usage: ") and "退出码 / exit codes: 0" in out and "3 文件无法核查" in out
    assert "显示此帮助并退出" in out


def test_argparse_errors_are_said_in_chinese_first_and_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["check"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "用法错误 / usage error: 缺少参数 / missing arguments: file" in err


def test_check_of_a_folder_points_to_batch(capsys):
    code, out, err = _run(capsys, "check", SAMPLES / "meishan_2023")
    assert code == 2 and "perfeval batch" in err and out == ""


def test_an_unknown_profile_gets_the_nearest_ids(capsys):
    code, _, err = _run(capsys, "check", "x.xlsx", "--profile", "sichuan.projct_selfeval")
    assert code == 2 and "您是不是要找：sichuan.project_selfeval" in err


def test_a_year_must_have_four_digits(capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        cli.main(["template", "sichuan.project_selfeval", "--year", "24", "-o", str(tmp_path / "t.xlsx")])
    assert e.value.code == 2 and "四位数字" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_batch_path_is_refused_and_nothing_is_written(capsys, tmp_path):
    out = tmp_path / "汇总.xlsx"
    code, stdout, err = _run(capsys, "batch", tmp_path / "收件箱", "-o", out)
    assert code == 3 and "找不到" in err and stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_batch_console_names_the_files_with_errors_the_resubmissions_and_where_things_went(capsys, tmp_path):
    import openpyxl

    inbox, out = tmp_path / "收件箱", tmp_path / "out"
    inbox.mkdir()
    form = (SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx").read_bytes()
    (inbox / "a.xlsx").write_bytes(form)
    (inbox / "b_again.xlsx").write_bytes(form)  # the same project sent twice
    (inbox / "c.xlsx").write_bytes((SAMPLES / "frameworks" / "yongzhou_2019_special.xlsx").read_bytes())
    code, stdout, _ = _run(capsys, "batch", inbox, "-o", out / "汇总.xlsx", "--annotated", out / "副本",
                           "--title", "2023年度自评", "--jobs", "1")
    lines = stdout.splitlines()
    assert code == 1
    assert lines == [
        f"  有错误：{inbox / 'c.xlsx'}（3 项）/ errors: {inbox / 'c.xlsx'} (3)",
        "文件 3 个，表 3 张，无法读取 0 个，错误 3 项，警告 12 项，跨表不一致 0 项 / 3 file(s), 3 form(s), 0 refused, "
        "3 error(s), 12 warning(s), 0 cross-workbook mismatch(es)",
        "重复提交 1 张表未计入合计，计入哪一份见汇总表“重复提交”列 / 1 resubmitted form(s) left out of the totals; "
        "the 重复提交 column says which copy counts",
        f"汇总 / summary: {out / '汇总.xlsx'}",
        f"核查副本 / annotated copies: {out / '副本'}"]
    title = openpyxl.load_workbook(out / "汇总.xlsx")["汇总"]["A1"].value
    assert title.startswith("2023年度自评　汇总　　生成日期 ")
    assert title.endswith("文件 3 个，表 3 张（重复提交 1 张未计入合计），无法读取 0 个，错误 3 项，警告 12 项")


def test_a_closed_pipe_ends_the_listing_quietly():
    shell = f"{sys.executable} -m perfeval_xl.cli profiles | head -1"
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, text=True)
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_a_console_line_names_the_check_before_the_cell():
    f = Finding("C08", "error", "表1", "I22", 25, 20, "得分 25 超过权重 20。")
    assert console_line(f) == "  错误 [C08 得分超出范围] I22：得分 25 超过权重 20。"


def test_findings_of_one_kind_on_many_rows_fold_into_one_line():
    same = [Finding("C10", "warning", "表1", f"D{r}", None, "≥", f"“指标{r}”的指标性质未填写，已按“≥”复核。")
            for r in (17, 18, 19, 20)]
    other = Finding("C08", "error", "表1", "I22", 25, 20, "得分 25 超过权重 20。")
    lines = console_lines([*same, other])
    assert lines == ["  警告 [C10 必填项缺失] D17、D18、D19、D20：“指标17”的指标性质未填写，已按“≥”复核。"
                     "（共 4 处，说明以 D17 为例）",
                     "  错误 [C08 得分超出范围] I22：得分 25 超过权重 20。"]
    assert console_lines(same[:2]) == [console_line(f) for f in same[:2]]  # two are not folded
    alike = [Finding("C29", "warning", "表1", f"D{r}", None, None, "金额超过两位小数。") for r in range(8, 16)]
    assert console_lines(alike) == ["  警告 [C29 小数位数] D8、D9、D10、D11、D12、D13…：金额超过两位小数。（共 8 处）"]


def test_a_header_line_never_prints_none():
    line = form_header("project_selfeval", {"execution_rate": None, "execution_score": None,
                                            "indicator_score_total": 90, "total_score": 90, "grade": "优"})
    assert "None" not in line and line.count("未能读取") == 3
    assert line.splitlines()[1] == "  未能读取：表中没有找到这些数字，请核对表格是否完整"


def test_a_figure_that_could_not_be_read_says_which_findings_stand_in_its_way():
    no_budget = Finding("C04", "warning", "表1", "J8", 12, None, "没有预算却有执行数 12 万元。")
    other = Finding("C08", "error", "表1", "I22", 25, 20, "得分 25 超过权重 20。")
    line = form_header("project_selfeval", {"execution_rate": None, "execution_score": None,
                                            "indicator_score_total": 90, "total_score": None, "grade": None},
                       [no_budget, other, other])
    assert line.splitlines()[1] == "  未能读取的原因见：[C04 超预算执行] J8"
    assert form_header("project_selfeval", {"execution_rate": 0.7138, "execution_score": 7.1,
                                            "indicator_score_total": 90, "total_score": 97.1, "grade": "优"}) == \
        "  执行率 71.38%  执行率得分 7.1  指标得分 90  总分 97.1  等次 优"
    assert form_header("project_selfeval", {"blank": True}) is None
