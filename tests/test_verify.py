"""`perfeval template --verify`: every shipped template, filled at random, recalculated by LibreOffice (cached values
poisoned first) and by the `formulas` library, equals the Python rules in every computed cell; a rule that is off is
caught; the command line's JSON and exit codes.

The full proof is `perfeval template --verify` (100 fills per profile, a few minutes); the suite runs FILLS per profile.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal

import pytest

from perfeval_xl import cli
from perfeval_xl.lo import find_soffice
from perfeval_xl.profile import get_profile
from perfeval_xl.rules import RULES
from perfeval_xl.verify import (ENGINES, agrees, check_fills, fills_for, formulas_of, poison, project_fill,
                                template_profiles, verify)

FILLS = 25  # per profile, both engines (fill i is the same whatever the number of fills)
PROFILES = [p.id for p in template_profiles()]
KEYS = {"profile", "engine", "fills", "cells_compared", "mismatches", "tolerated", "first_mismatches", "seconds", "error"}


def _skip(entry: dict) -> None:
    """Skip where an engine is not installed here (the entry says so); any other error fails."""
    if entry["engine"] == "libreoffice" and find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if entry["engine"] == "formulas" and entry["error"] and "not installed" in entry["error"]:
        pytest.skip(entry["error"])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One verification of every shipped profile (LibreOffice recalculates one profile while formulas evaluates the
    next); the written files are kept for the counts."""
    workdir = tmp_path_factory.mktemp("verify")
    return verify(None, fills=FILLS, workdir=workdir), workdir


@pytest.mark.slow
def test_every_shipped_profile_is_verified_with_both_engines(run):
    entries, _ = run
    assert len(PROFILES) == 10  # the 8 self-evaluation and framework templates, the 申报表 and the 监控表
    assert [(e["profile"], e["engine"]) for e in entries] == [(p, e) for p in PROFILES for e in ENGINES]
    for e in entries:
        assert set(e) == KEYS, e


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pid", PROFILES)
def test_the_template_computes_what_the_rules_compute(run, pid, engine):
    entries, workdir = run
    (entry,) = [e for e in entries if (e["profile"], e["engine"]) == (pid, engine)]
    _skip(entry)
    assert entry["error"] is None, entry["error"]
    assert entry["mismatches"] == 0 and entry["first_mismatches"] == [], entry["first_mismatches"]
    assert entry["fills"] == FILLS
    # every formula cell of every written fill was compared (the files themselves say how many there are)
    written = sorted((workdir / pid / "written").glob("fill_*.xlsx"))
    assert len(written) == FILLS
    assert entry["cells_compared"] == sum(len(formulas_of(path)) for path in written) > FILLS
    if engine == "libreoffice":
        assert entry["tolerated"] == 0  # nothing is excused for LibreOffice


@pytest.mark.slow
def test_the_fills_reach_the_edges(run):
    """The generator is what makes the proof worth something: it puts execution rates on rounding ties, actual values
    on their targets, every nature and band, blank rows, typed scores, texts that look like dates."""
    sichuan = get_profile("sichuan.project_selfeval")
    fills = fills_for(sichuan, 100)
    rows = [r for f in fills for r in f["indicators"]]
    assert {r.get("nature") for r in rows} >= {"≥", "≤", "=", "定性", None}
    assert any(r.get("target") is not None and r.get("actual") == r.get("target") for r in rows)
    assert any("score" in r for r in rows) and any(set(r) == {"level1", "level2"} for r in rows)
    assert any(isinstance(r.get("target"), str) and "-" in r["target"] for r in rows)
    bands = {b.label for b in sichuan.qualitative}
    assert bands <= {r.get("actual") for r in rows}
    lines = [line for f in fills for line in f["budget"].values() if line.get("budget")]
    assert any(line["executed"] == line["budget"] * Decimal("0.705") for line in lines if line.get("executed"))
    national = [r for f in fills_for(get_profile("national.project_selfeval"), 100) for r in f["indicators"]]
    texts = [r["target"] for r in national if isinstance(r.get("target"), str)]
    assert any("," in t for t in texts) and any(t.endswith("%") for t in texts) and any(t[:1] in "≥≤=<>" for t in texts)
    # frameworks: thresholds hit exactly (安宁 预算完成率 ≥95%: 部门支出决算数 = 95% of 部门支出预算数)
    anning = fills_for(get_profile("yunnan.anning.dept"), 100)
    exact = [f["data"] for f in anning if f["data"].get("部门支出预算数") and f["data"].get("部门支出决算数") is not None]
    assert any(Decimal(str(d["部门支出决算数"])) == Decimal(str(d["部门支出预算数"])) * Decimal("0.95") for d in exact)


@pytest.mark.slow
def test_fills_do_not_depend_on_how_many(run):
    sichuan = get_profile("sichuan.project_selfeval")
    assert fills_for(sichuan, 3) == fills_for(sichuan, 10)[:3]
    assert fills_for(sichuan, 3, seed=1) != fills_for(sichuan, 3)


@pytest.mark.slow
def test_a_rule_that_is_off_by_a_cent_is_caught_by_both_engines(monkeypatch, tmp_path):
    positive = RULES["positive"]
    right = positive.evaluate
    monkeypatch.setattr(positive, "evaluate", lambda **kw: right(**kw) + Decimal("0.01"))
    entries = verify(["sichuan.project_selfeval"], fills=3, workdir=tmp_path)
    for entry in entries:
        _skip(entry)
        assert entry["error"] is None and entry["fills"] == 3
        assert entry["mismatches"] > 0, entry
        assert all(set(m) == {"fill", "cell", "expected", "got"} for m in entry["first_mismatches"])
        assert any(isinstance(m["expected"], (int, float)) and isinstance(m["got"], (int, float))
                   and m["expected"] - m["got"] == pytest.approx(0.01, abs=1e-9) for m in entry["first_mismatches"])


def test_a_poisoned_copy_reads_999_where_the_formulas_are(tmp_path):
    from perfeval_xl.write.template import write_template

    sichuan = get_profile("sichuan.project_selfeval")
    tmap = write_template(sichuan, tmp_path / "a.xlsx", fill=project_fill(sichuan, random.Random(1)))
    assert poison(tmp_path / "a.xlsx", tmp_path / "b.xlsx") == len(tmap.computed)
    assert formulas_of(tmp_path / "b.xlsx") == formulas_of(tmp_path / "a.xlsx")


def test_agreement_is_at_excel_precision():
    assert agrees(0.1 + 0.2, Decimal("0.3")) and agrees(142.88 / 200.16, Decimal("142.88") / Decimal("200.16"))
    assert not agrees(0.52, Decimal("0.53")) and not agrees(18.18, Decimal("18.19"))
    assert agrees("", "") and agrees(None, "") and not agrees(0, "") and not agrees("0", Decimal(0))
    assert agrees("优", "优") and not agrees("良", "优")


@pytest.mark.slow
def test_a_verification_on_given_fills(tmp_path):
    pytest.importorskip("formulas")
    wuhua = get_profile("yunnan.wuhua.project_eval")
    (entry,) = check_fills(wuhua, [{"data": {"年初预算数": "397.80", "实际到位数": "397.80", "实际支出数": "293.08"}}],
                           engines=("formulas",))
    assert (entry["fills"], entry["mismatches"], entry["error"]) == (1, 0, None)
    assert entry["cells_compared"] > 0


# --- the command line -------------------------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "template", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_cli_json_is_one_array_of_entries_and_exit_0():
    run = _cli("--verify", "yunnan.wuhua.project_eval", "--fills", "2", "--json")
    entries = json.loads(run.stdout)
    assert isinstance(entries, list) and [e["engine"] for e in entries] == list(ENGINES)
    for e in entries:
        assert set(e) == KEYS and e["profile"] == "yunnan.wuhua.project_eval" and e["fills"] in (0, 2)
    assert run.returncode == (0 if all(e["error"] is None and e["mismatches"] == 0 for e in entries) else 1)


@pytest.mark.slow
def test_cli_text_names_profiles_engines_fills_and_mismatches():
    run = _cli("--verify", "national.project_selfeval", "--fills", "1")
    assert run.returncode in (0, 1), run.stderr
    assert "national.project_selfeval" in run.stdout and "不一致" in run.stdout and "mismatches" in run.stdout
    assert "填写 1 份 / fills" in run.stdout or "could not verify" in run.stdout


@pytest.mark.parametrize("args", [("--verify", "-o", "x.xlsx"), ("--verify", "--year", "2024"),
                                  ("--verify", "--fills", "0"), ("--verify", "no.such.profile"),
                                  ("sichuan.project_selfeval", "--fills", "3"), ("sichuan.project_selfeval", "--json"),
                                  ()])
def test_cli_usage_errors_exit_2(args):
    run = _cli(*args)
    assert run.returncode == 2, (args, run.stdout, run.stderr)
    assert "用法错误 / usage error" in run.stderr


@pytest.mark.slow
def test_cli_exit_1_when_a_mismatch_is_found(monkeypatch, capsys):
    positive = RULES["positive"]
    right = positive.evaluate
    monkeypatch.setattr(positive, "evaluate", lambda **kw: right(**kw) + Decimal("0.01"))
    assert cli.main(["template", "--verify", "sichuan.project_selfeval", "--fills", "2", "--json"]) == 1
    entries = json.loads(capsys.readouterr().out)
    assert any(e["mismatches"] > 0 for e in entries)


def test_cli_still_writes_a_template(tmp_path):
    dst = tmp_path / "自评表.xlsx"
    run = _cli("sichuan.project_selfeval", "-o", str(dst), "--year", "2024")
    assert run.returncode == 0 and dst.is_file(), run.stderr
