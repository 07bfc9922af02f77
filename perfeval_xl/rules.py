"""The closed library of scoring rules. Each rule evaluates in Decimal and writes the same computation as an
Excel formula, from the same parameters; a profile names rules, the checker and the template writer look them up.

Formulas use only IF, OR, MIN, MAX, ROUND, ISNUMBER, SEARCH: functions Excel, WPS, LibreOffice and `formulas`
evaluate alike. Where a rule subtracts nearly equal numbers before rounding (反向, 达标扣分), the spreadsheet's
binary arithmetic leaves noise that can tip an exact decimal tie the wrong way: 7 − 7 × 0.05 × 18.5 is
0.5249999999999995 in Excel and LibreOffice, so ROUND(…, 2) gives 0.52 where the rule says 0.53. Those rules round
to 10 decimals first (`_round`, `_noise_free`), in the formula and in Python alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .excelmath import ONE, ZERO, dec, excel_round

RULES: dict[str, Rule] = {}
NOISE_DIGITS = 10  # binary noise of a spreadsheet's arithmetic on the figures of a form stays far below this


def _round(expr: str, digits) -> str:
    """ROUND(expr, digits) with the argument first rounded to NOISE_DIGITS decimals."""
    return f"ROUND(ROUND({expr},{NOISE_DIGITS}),{digits})"


def _noise_free(x: Decimal, digits: int) -> Decimal:
    """Python twin of `_round`."""
    return excel_round(excel_round(x, NOISE_DIGITS), digits)


def register(rule: Rule) -> Rule:
    RULES[rule.name] = rule
    return rule


@dataclass(frozen=True)
class GradeBand:
    """A grade (优/良/中/差) for totals from `min` up (a profile lists them highest first)."""

    min: Decimal
    label: str


@dataclass(frozen=True)
class QualitativeBand:
    """A qualitative achievement level: scores from `low` to `high` × weight when the 完成值 text names one of
    its `keywords` (the band without keywords is the default)."""

    label: str
    low: Decimal
    high: Decimal
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    """A qualitative grade: a score is right anywhere in [low, high] (absolute points)."""

    label: str
    low: Decimal
    high: Decimal


class Rule:
    name: str = ""
    title: str = ""  # Chinese name shown in messages

    def evaluate(self, **kw):  # pragma: no cover - interface
        raise NotImplementedError

    def formula(self, **refs) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ExecutionRate(Rule):
    """执行率 = 执行数 / 预算数 (0 when there is no budget, as the platforms print 0.00%)."""

    name, title = "execution_rate", "预算执行率"

    def evaluate(self, executed: Decimal, budget: Decimal) -> Decimal:
        return ZERO if not budget else executed / budget

    def formula(self, executed: str, budget: str) -> str:
        return f"IF(N({budget})=0,0,N({executed})/{budget})"


class ExecutionScore(Rule):
    """执行率得分 = min(执行率, 100%) × 权重, rounded half-up to the profile's digits."""

    name, title = "execution_score", "预算执行率得分"

    def evaluate(self, rate: Decimal, weight: Decimal, digits: int) -> Decimal:
        return excel_round(min(max(rate, ZERO), ONE) * weight, digits)

    def formula(self, rate: str, weight: str, digits: int) -> str:
        return f"ROUND(MIN(MAX({rate},0),1)*{weight},{digits})"


class Positive(Rule):
    """正向 (≥, >): full weight when the target is met, else proportional (财预〔2020〕10号 第十七条)."""

    name, title = "positive", "正向指标按完成比例计分"

    def evaluate(self, target: Decimal, actual: Decimal, weight: Decimal, digits: int) -> Decimal:
        if actual >= target:
            return weight
        if target <= 0:
            return ZERO
        return excel_round(max(actual, ZERO) / target * weight, digits)

    def formula(self, target: str, actual: str, weight: str, digits: int) -> str:
        return f"IF({actual}>={target},{weight},IF({target}<=0,0,ROUND(MAX({actual},0)/{target}*{weight},{digits})))"


class ReverseLinear(Rule):
    """反向 (≤, <): full weight within the target, minus the relative excess, 0 at twice the target."""

    name, title = "reverse_linear", "反向指标按超出比例扣分"

    def evaluate(self, target: Decimal, actual: Decimal, weight: Decimal, digits: int) -> Decimal:
        if actual <= target:
            return weight
        if target <= 0 or actual >= 2 * target:
            return ZERO
        return _noise_free(weight * (1 - (actual - target) / target), digits)

    def formula(self, target: str, actual: str, weight: str, digits: int) -> str:
        return (
            f"IF({actual}<={target},{weight},IF(OR({target}<=0,{actual}>=2*{target}),0,"
            f"{_round(f'{weight}*(1-({actual}-{target})/{target})', digits)}))"
        )


class Equal(Rule):
    """等于 (=): scored as 正向 when the target is positive; a zero target is met only by zero."""

    name, title = "equal", "等于型指标"

    def evaluate(self, target: Decimal, actual: Decimal, weight: Decimal, digits: int) -> Decimal:
        if target == 0:
            return weight if actual <= 0 else ZERO
        return RULES["positive"].evaluate(target=target, actual=actual, weight=weight, digits=digits)

    def formula(self, target: str, actual: str, weight: str, digits: int) -> str:
        positive = RULES["positive"].formula(target=target, actual=actual, weight=weight, digits=digits)
        return f"IF({target}=0,IF({actual}<=0,{weight},0),{positive})"


class Qualitative(Rule):
    """定性: the 完成值 text names a band (达成 / 部分达成 / 未达成); the score must lie inside it.

    `bands` are the profile's QualitativeBands; the first band whose keyword appears in the text wins, and the
    band without keywords is the default. The formula gives the band's top score.
    """

    name, title = "qualitative", "定性指标分档计分"

    @staticmethod
    def ordered(bands) -> list[QualitativeBand]:
        """Bands with keywords first; a band may come from a profile (typed) or a framework row's params (a
        mapping with label, low, high, keywords)."""
        typed = [b if isinstance(b, QualitativeBand) else
                 QualitativeBand(str(b["label"]), dec(b["low"]), dec(b["high"]), tuple(b.get("keywords") or ()))
                 for b in bands]
        return [b for b in typed if b.keywords] + [b for b in typed if not b.keywords]

    def evaluate(self, actual: str, weight: Decimal, bands) -> Band | None:
        if not actual:
            return None
        for b in self.ordered(bands):
            if not b.keywords or any(k in actual for k in b.keywords):
                return Band(b.label, b.low * weight, b.high * weight)
        return None

    def formula(self, actual: str, weight: str, bands) -> str:
        out = "0"
        for b in reversed(self.ordered(bands)):
            share = _num(b.high)
            if not b.keywords:
                out = share
                continue
            hit = ",".join(f'ISNUMBER(SEARCH("{k}",{actual}))' for k in b.keywords)
            out = f"IF(OR({hit}),{share},{out})"
        return f"{out}*{weight}"


class Grade(Rule):
    """等次 from the total by the profile's bands (highest band first)."""

    name, title = "grade", "评价等次"

    def evaluate(self, total: Decimal, bands) -> str:
        for b in bands:
            if total >= b.min:
                return b.label
        return bands[-1].label

    def formula(self, total: str, bands) -> str:
        out = f'"{bands[-1].label}"'
        for b in reversed(bands[:-1]):
            out = f'IF({total}>={_num(b.min)},"{b.label}",{out})'
        return out


# --- department-framework methods (DOMAIN.md §2 R8–R14) ---------------------------------------------------------------


class Ratio(Rule):
    """比率分值法: score = ratio × weight (ratio capped to [0, cap]), e.g. 完成目标数/目标数 × 19."""

    name, title = "ratio", "比率分值法"

    def evaluate(self, ratio: Decimal, weight: Decimal, digits: int = 2, cap: Decimal = ONE) -> Decimal:
        return excel_round(min(max(ratio, ZERO), dec(cap)) * weight, digits)

    def formula(self, ratio: str, weight: str, digits: int = 2, cap=1) -> str:
        return f"ROUND(MIN(MAX({ratio},0),{_num(cap)})*{weight},{digits})"


class ThresholdDeduct(Rule):
    """Full marks up to a threshold, then points off per percentage point (寻甸 B11: ≥95% 满分, 每低1%扣0.1).

    `direction` 'at_least' (a rate that must reach the threshold) or 'at_most' (a rate that must not exceed it);
    `per_point` points deducted per percentage point, or `share` of the weight per point; `whole_points` counts
    every started percentage point as a whole one; `zero_at` instead makes the score fall linearly to 0 at that rate
    (三公 ≥120%).
    """

    name, title = "threshold_deduct", "达标满分、每差1个百分点扣分"

    def evaluate(self, rate: Decimal, weight: Decimal, threshold, direction: str = "at_least", per_point=0,
                 share=None, whole_points: bool = False, zero_at=None, digits: int = 2) -> Decimal:
        t = dec(threshold)
        gap = (t - rate) if direction == "at_least" else (rate - t)
        if gap <= 0:
            return weight
        if zero_at is not None:
            z = dec(zero_at)
            return ZERO if abs(rate - t) >= abs(z - t) else _noise_free(weight * (1 - gap / abs(z - t)), digits)
        if whole_points:  # every started percentage point counts (94.5% of a 95% threshold loses one step)
            gap = excel_round(gap, NOISE_DIGITS).to_integral_value(rounding="ROUND_CEILING")
        k = weight * dec(share) if share is not None else dec(per_point)
        return _noise_free(max(ZERO, weight - k * gap), digits)

    def formula(self, rate: str, weight: str, threshold, direction: str = "at_least", per_point=0, share=None,
                whole_points: bool = False, zero_at=None, digits: int = 2) -> str:
        t = _num(threshold)
        gap = f"({t}-{rate})" if direction == "at_least" else f"({rate}-{t})"
        if zero_at is not None:
            span = _num(abs(dec(zero_at) - dec(threshold)))
            return f"IF({gap}<=0,{weight},IF({gap}>={span},0,{_round(f'{weight}*(1-{gap}/{span})', digits)}))"
        if whole_points:
            gap = f"ROUNDUP(ROUND({gap},{NOISE_DIGITS}),0)"
        k = f"{weight}*{_num(share)}" if share is not None else _num(per_point)
        return f"IF({gap}<=0,{weight},{_round(f'MAX(0,{weight}-{k}*{gap})', digits)})"


class Tiers(Rule):
    """分级评分法: the first tier whose bound the value reaches gives the score (安宁 重点项目: ≥80% → 3, 70–80 → 2 …).

    `tiers` is a list of {min: bound, score: points} from the highest bound down (or {max: …} from the lowest up,
    for values that must stay small); below every tier the score is `otherwise`.
    """

    name, title = "tiers", "分级评分法"

    def evaluate(self, value: Decimal, tiers: list[dict], otherwise=0) -> Decimal:
        for tier in tiers:
            if "min" in tier and value >= dec(tier["min"]):
                return dec(tier["score"])
            if "max" in tier and value <= dec(tier["max"]):
                return dec(tier["score"])
        return dec(otherwise)

    def formula(self, value: str, tiers: list[dict], otherwise=0) -> str:
        out = _num(otherwise)
        for tier in reversed(tiers):
            op, bound = (">=", tier["min"]) if "min" in tier else ("<=", tier["max"])
            out = f"IF({value}{op}{_num(bound)},{_num(tier['score'])},{out})"
        return out


class YesNo(Rule):
    """是否评分法: full marks for 是, `no` points (0) for anything else (眉山 财务岗位设置 2/0)."""

    name, title = "yes_no", "是否评分法"

    def evaluate(self, answer: str, weight: Decimal, no=0) -> Decimal:
        return weight if str(answer).strip() in ("是", "√", "有", "1") else dec(no)

    def formula(self, answer: str, weight: str, no=0) -> str:
        return f'IF(OR({answer}="是",{answer}="√",{answer}="有",{answer}=1),{weight},{_num(no)})'


class PerIssue(Rule):
    """缺(错)项扣分法: k points off per occurrence, never below zero (资金使用规范: 发现一处扣1分)."""

    name, title = "per_issue", "缺(错)项扣分法"

    def evaluate(self, count: Decimal, weight: Decimal, per_issue) -> Decimal:
        return max(ZERO, weight - dec(per_issue) * max(count, ZERO))

    def formula(self, count: str, weight: str, per_issue) -> str:
        return f"MAX(0,{weight}-{_num(per_issue)}*MAX({count},0))"


class Questionnaire(Rule):
    """问卷 (DOMAIN R13): 综合得分 = Σ(份数 × 分值) / 有效份数."""

    name, title = "questionnaire", "问卷综合得分"

    def evaluate(self, counts: list[Decimal], points: list[Decimal], valid: Decimal, digits: int = 2) -> Decimal:
        total = sum((c * p for c, p in zip(counts, points)), ZERO)
        return ZERO if not valid else excel_round(total / valid, digits)

    def formula(self, counts: str, points: str, valid: str, digits: int = 2) -> str:
        return f"IF(N({valid})=0,0,ROUND(SUMPRODUCT({counts},{points})/{valid},{digits}))"


class NotApplicableRescale(Rule):
    """R14: with indicators not applicable, 百分制 = Σ applicable scores / Σ applicable weights × 100."""

    name, title = "na_rescale", "不适用指标按比例折算"

    def evaluate(self, scores: list[Decimal], weights: list[Decimal], digits: int = 2) -> Decimal:
        w = sum(weights, ZERO)
        return ZERO if not w else excel_round(sum(scores, ZERO) / w * 100, digits)

    def formula(self, scores: str, weights: str, digits: int = 2) -> str:
        return f"IF(SUM({weights})=0,0,ROUND(SUM({scores})/SUM({weights})*100,{digits}))"


def _num(x) -> str:
    """A parameter as an Excel literal (no trailing .0)."""
    d = dec(x).normalize()
    return format(d, "f")


for _rule in (
    ExecutionRate(), ExecutionScore(), Positive(), ReverseLinear(), Equal(), Qualitative(), Grade(),
    Ratio(), ThresholdDeduct(), Tiers(), YesNo(), PerIssue(), Questionnaire(), NotApplicableRescale(),
):
    register(_rule)

#: methods an indicator row of a project form can name in a profile (the others are form-level rules)
INDICATOR_METHODS = ("positive", "reverse_linear", "equal", "qualitative")
#: methods a framework row can name
FRAMEWORK_METHODS = ("ratio", "threshold_deduct", "tiers", "yes_no", "per_issue", "qualitative", "positive",
                     "reverse_linear")
#: the data each framework method scores; its other evaluate() arguments are the row's weight and parameters
FRAMEWORK_INPUTS = {
    "ratio": ("ratio",), "threshold_deduct": ("rate",), "tiers": ("value",), "yes_no": ("answer",),
    "per_issue": ("count",), "qualitative": ("actual",), "positive": ("target", "actual"),
    "reverse_linear": ("target", "actual"),
}
