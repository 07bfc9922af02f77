"""Random but valid fills of a monitoring template (`write.monitoring_template`'s `fill`): every month, amounts with
blanks and zeros, 1-N月执行数 on and around the 时间进度 − margin boundary, 全年预计执行数 equal to, above and below the
budget and below what is spent; indicator targets with signs, units, percentages, dates and words, 全年预计完成情况
on, above and below them (in the same unit or another), odd words in the 执行 column, none, one or two 完成目标可能性
ticks in several marks, 偏差原因 ticked with and without 原因说明, cost rows and ceilings written without a sign."""

from __future__ import annotations

import random
from decimal import Decimal

from ..profile import CERTAIN, Profile

_MARKS = ("√", "√", "√", "✔", "是")
_UNITS = ("人次", "个", "项", "%", "万元", "元", "天")
_WORDS = ("明显提升", "逐步完善", "有效保障", "达到预期")
_ODD = ("一般", "100%", "按计划推进", "正常", "已完成", "/", "—")
_TEXTS = ("配套制度尚在审议", "资金拨付滞后", "受天气影响工期延后")
_LESS = ("成本控制在预算以内", "不超过批复金额", "人均成本")


def _amount(rng: random.Random) -> Decimal:
    r = rng.random()
    if r < 0.1:
        return Decimal(0)
    if r < 0.5:
        return Decimal(rng.choice((50, 100, 120, 200, 300, 400, 500, 1000)))
    return Decimal(rng.randint(1, 100000)) / 100


def _budget(profile: Profile, rng: random.Random, month: int) -> dict:
    """Per line: 年初预算数, 1-N月执行数 (rates on the margin's boundary now and then), 全年预计执行数."""
    margin = profile.monitoring.progress_margin
    time = Decimal(month) / 12
    out = {}
    for key in profile.budget.lines:
        if rng.random() < 0.15:
            out[key] = {}
            continue
        initial = _amount(rng)
        mode = rng.random()
        if mode < 0.3:
            rate = time - margin + Decimal(rng.choice((-1, 0, 0, 1))) / 1000
        elif mode < 0.4:
            rate = Decimal(rng.choice(("0", "1", "1.1", "0.5")))
        else:
            rate = Decimal(rng.randint(0, 1100)) / 1000
        executed = (initial * max(rate, Decimal(0))).quantize(Decimal("0.01"))
        f = rng.random()
        forecast = initial if f < 0.5 else executed if f < 0.6 else executed - Decimal("0.5") if f < 0.7 \
            else initial + Decimal("10.00") if f < 0.8 else (initial * Decimal("0.9")).quantize(Decimal("0.01"))
        line = {"initial": initial, "executed": executed, "forecast": forecast}
        out[key] = {k: v for k, v in line.items() if rng.random() > 0.08}
    return out


def _pair(rng: random.Random) -> tuple[object, object]:
    """(年度指标值, 全年预计完成情况): numbers with signs and units, on, above or below the target; or words."""
    r = rng.random()
    if r < 0.15:
        return rng.choice(_WORDS), rng.choice(_WORDS + _ODD)
    if r < 0.22:
        return "2024年12月31日前", rng.choice(("12月底前完成", "2024年11月", "按期完成"))
    target = Decimal(rng.choice((90, 95, 100, 500, 1000, 12))) if rng.random() < 0.6 else \
        Decimal(rng.randint(1, 20000)) / 100
    forecast = target + Decimal(rng.choice((-10, -1, 0, 0, 0, 1, 5)))
    unit = rng.choice(_UNITS)
    sign = rng.choice(("≥", "≥", "≤", "=", ">", "<", ""))
    fu = unit if rng.random() < 0.8 else rng.choice(_UNITS + ("",))
    t = f"{sign}{target}{unit}" if rng.random() < 0.9 else target
    f = f"{forecast}{fu}" if rng.random() < 0.85 else forecast
    return t, f


def monitoring_fill(profile: Profile, rng: random.Random) -> dict:
    """A random but valid fill of a monitoring template."""
    m = profile.monitoring
    month = rng.choice((6, 7, 7, 8, 8, 9, 1, 12))
    rows = []
    levels = list(m.template_rows) or [(a, b) for a, bs in m.levels.items() for b in bs]
    for l1, l2 in sorted(rng.sample(levels, rng.randint(1, len(levels))), key=levels.index):
        if rng.random() < 0.1:
            rows.append({"level1": l1, "level2": l2})  # an empty row of the template
            continue
        target, forecast = _pair(rng)
        level3 = rng.choice(_LESS) if l2 in m.cost_levels and rng.random() < 0.5 else f"{l2[:2]}指标{len(rows) + 1}"
        n = rng.choices((0, 1, 2), (0.15, 0.7, 0.15))[0]
        likelihood = rng.sample(list(m.likelihood), n) if n else []
        if n == 1 and rng.random() < 0.5:
            likelihood = [CERTAIN]
        causes = rng.sample(list(m.causes), rng.choice((0, 0, 0, 1, 2)))
        rows.append({"level1": l1, "level2": l2, "level3": level3, "target": target,
                     "progress": rng.choice(_ODD) if rng.random() < 0.4 else forecast,
                     "forecast": forecast, "likelihood": likelihood, "causes": causes, "tick": rng.choice(_MARKS),
                     "reason": rng.choice(_TEXTS) if rng.random() < 0.5 else None})
    fill = {"month": month, "fields": {"project": "某培训项目", "department": "[105]某部", "unit": "某中心"},
            "budget": _budget(profile, rng, month), "indicators": rows}
    if rng.random() < 0.4:
        fill["reason"] = rng.choice(_TEXTS)
    return fill
