"""Profiles load, and a wrong profile is explained: the file and each problem, in Chinese."""

import subprocess
import sys

import pytest
import yaml

from perfeval_xl.profile import PROFILE_DIR, ProfileError, load_profile_file, shipped_profiles


def test_both_project_profiles_ship():
    assert {"sichuan.project_selfeval", "national.project_selfeval"} <= set(shipped_profiles())


def test_sichuan_profile_matches_the_official_form():
    p = shipped_profiles()["sichuan.project_selfeval"]
    assert [v[0] for v in p.budget.columns.values()] == ["年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"]
    assert [v[0] for v in p.indicators.columns.values()] == [
        "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"]
    assert (p.budget.section, p.indicators.section) == ("预算执行情况(10分)", "绩效指标(90分)")
    assert p.budget.total[0] == "总额" and [v[0] for v in p.budget.lines.values()] == ["财政资金", "财政专户管理资金", "单位资金", "其他资金"]
    assert (p.execution_weight, p.indicator_weight_total, p.total_weight) == (10, 90, 100)


def _broken(tmp_path, change):
    data = yaml.safe_load((PROFILE_DIR / "sichuan.project_selfeval.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "我的配置.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change,problem",
    [
        (lambda d: d["indicators"].__setitem__("weight_total", 85), "权重不闭合"),
        (lambda d: d["indicators"]["methods"].__setitem__("≥", "proportional"), "计分方法 “proportional” 不存在"),
        (lambda d: d.pop("grade"), "缺少必填项 “grade”"),
        (lambda d: d["budget"]["columns"].pop("executed"), "缺少列 “executed”"),
        (lambda d: d["grade"].__setitem__("bands", [{"min": 60, "label": "中"}, {"min": 90, "label": "优"}]), "从高到低"),
    ],
)
def test_a_wrong_profile_names_the_file_and_the_problem(tmp_path, change, problem):
    path = _broken(tmp_path, change)
    with pytest.raises(ProfileError) as e:
        load_profile_file(path)
    assert str(path) in str(e.value)
    assert problem in str(e.value)


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nbudget: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="YAML 语法错误 第 3 行"):
        load_profile_file(path)


def test_cli_validates_profiles(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "profiles", "validate", str(PROFILE_DIR / "national.project_selfeval.yaml")],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "national.project_selfeval" in ok.stdout
    bad = _broken(tmp_path, lambda d: d["indicators"].__setitem__("weight_total", 85))
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "profiles", "validate", str(bad)], capture_output=True, text=True)
    assert out.returncode == 3 and "权重不闭合" in out.stderr


def test_cli_usage_errors_exit_2(tmp_path):
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check"], capture_output=True, text=True)
    assert out.returncode == 2 and "用法错误" in out.stderr
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", "x.xlsx", "--profile", "nowhere.region"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "没有名为" in out.stderr


def test_the_guide_example_validates_and_reads_a_framework(tmp_path):
    import re

    from conftest import ROOT, SAMPLES
    from perfeval_xl.api import check_file

    guide = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(# 某区.*?)```", guide, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    profile = load_profile_file(path)
    assert (profile.id, profile.kind, profile.total_weight) == ("example.district.dept", "framework", 100)
    assert [b.min for b in profile.grade_bands] == [90, 75, 60, 0]
    [result] = check_file(SAMPLES / "frameworks" / "yongzhou_2019_special.xlsx", profile).results
    assert result.values["total_score"] == 85


# --- framework weight trees ------------------------------------------------------------------------------------------

def _tree_broken(tmp_path, change):
    data = yaml.safe_load((PROFILE_DIR / "yunnan.kunming.dept_common.yaml").read_text(encoding="utf-8"))
    change(data["tree"])
    path = tmp_path / "框架配置.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _b11(tree):
    return tree[1]["children"][0]["children"][0]  # B部门管理 / B1预算管理 / B11基本支出预算执行率


@pytest.mark.parametrize(
    "change,problem",
    [
        # a 三级 weight that no longer adds up to its 二级, and the 一级 above it
        (lambda t: t[0]["children"][0]["children"][0].__setitem__("weight", 3),
         "“A部门决策/A1部门目标” 的下级指标分值合计 13 ≠ 本级分值 12"),
        (lambda t: t.pop(), "一级指标分值合计 55 ≠ 总分 100"),
        (lambda t: _b11(t).__setitem__("method", "proportional"),
         "“B部门管理/B1预算管理/B11基本支出预算执行率” 的计分方法 “proportional” 不存在"),
        (lambda t: _b11(t)["params"].__setitem__("per_pont", 0.1),
         "“B部门管理/B1预算管理/B11基本支出预算执行率” 的参数 “per_pont” 不是 threshold_deduct 的参数"),
        (lambda t: _b11(t)["params"].pop("threshold"), "缺少 threshold_deduct 的参数 “threshold”"),
        (lambda t: _b11(t).__setitem__("inputs", {"ratio": {"value": "x"}}), "的输入 “ratio” 不是 threshold_deduct 的输入"),
        (lambda t: _b11(t)["inputs"].__setitem__("rate", {"percent": ["a", "b"]}), "表达式 “percent” 不存在"),
        (lambda t: _b11(t)["params"].__setitem__("threshold", "九十五"), "参数无法用于 threshold_deduct"),
        (lambda t: t[0].__setitem__("method", "ratio"), "“A部门决策” 有下级指标，不能再有 method"),
    ],
)
def test_a_wrong_weight_tree_names_the_node_and_the_problem(tmp_path, change, problem):
    path = _tree_broken(tmp_path, change)
    with pytest.raises(ProfileError) as e:
        load_profile_file(path)
    assert str(path) in str(e.value)
    assert problem in str(e.value)


@pytest.mark.parametrize(
    "change,problem",
    [
        (lambda d: d.setdefault("total", {}).__setitem__("stated", "综合评分"), "total.stated 应为标签列表"),
        (lambda d: d.__setitem__("budget", {"columns": {"executed": ["执行数"], "budgte": ["预算数"]}}),
         "budget.columns 中有未知的列 ['budgte']"),
        (lambda d: d.__setitem__("budget", {"columns": {"executed": []}}), "budget.columns 至少要有 executed 和 budget"),
    ],
)
def test_a_wrong_framework_profile_names_the_problem(tmp_path, change, problem):
    data = yaml.safe_load((PROFILE_DIR / "yunnan.kunming.dept_common.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "框架配置.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError) as e:
        load_profile_file(path)
    assert problem in str(e.value)


def test_every_framework_profile_reads_a_funds_block_and_stated_totals_from_the_base():
    for p in shipped_profiles().values():
        if p.kind == "framework":
            assert {"budget", "arrived", "executed", "rate", "arrival_rate"} <= set(p.budget.columns), p.id
            assert p.budget.weight is None and {"综合评分", "自评得分", "总分"} <= set(p.stated_total_labels), p.id


def test_shipped_trees_close_and_null_weights_are_skipped():
    """安宁 prints weights for some rows only: its tree validates where weights are given."""
    profiles = shipped_profiles()
    for pid in ("yunnan.kunming.dept_common", "yunnan.anning.dept", "yunnan.wuhua.project_eval",
                "hunan.yongzhou.special_fund", "sichuan.meishan.dept_system", "sichuan.meishan.special_system"):
        assert profiles[pid].tree, pid
    anning = profiles["yunnan.anning.dept"].tree
    assert [n.weight for n in anning] == [None, None, None, None, 2]
