"""The closed library of scoring rules. Each rule evaluates in Decimal and writes the same computation as an
Excel formula, from the same parameters; a profile names rules, the checker and the template writer look them up.

Formulas use only IF, OR, MIN, MAX, ROUND, ISNUMBER, SEARCH: functions Excel, WPS, LibreOffice and `formulas`
evaluate alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .excelmath import ONE, ZERO, excel_round

RULES: dict[str, "Rule"] = {}


def register(rule: "Rule") -> "Rule":
    RULES[rule.name] = rule
    return rule


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
        return excel_round(weight * (1 - (actual - target) / target), digits)

    def formula(self, target: str, actual: str, weight: str, digits: int) -> str:
        return (
            f"IF({actual}<={target},{weight},IF(OR({target}<=0,{actual}>=2*{target}),0,"
            f"ROUND({weight}*(1-({actual}-{target})/{target}),{digits})))"
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

    `bands` is the profile's list of {label, low, high, keywords}; the first band whose keyword appears in the
    text wins, and the band without keywords is the default. The formula gives the band's top score.
    """

    name, title = "qualitative", "定性指标分档计分"

    @staticmethod
    def _ordered(bands: list[dict]) -> list[dict]:
        return [b for b in bands if b["keywords"]] + [b for b in bands if not b["keywords"]]

    def evaluate(self, actual: str, weight: Decimal, bands: list[dict]) -> Band | None:
        if not actual:
            return None
        for b in self._ordered(bands):
            if not b["keywords"] or any(k in actual for k in b["keywords"]):
                return Band(b["label"], Decimal(str(b["low"])) * weight, Decimal(str(b["high"])) * weight)
        return None

    def formula(self, actual: str, weight: str, bands: list[dict]) -> str:
        out = "0"
        for b in reversed(self._ordered(bands)):
            share = _num(b["high"])
            if not b["keywords"]:
                out = share
                continue
            hit = ",".join(f'ISNUMBER(SEARCH("{k}",{actual}))' for k in b["keywords"])
            out = f"IF(OR({hit}),{share},{out})"
        return f"{out}*{weight}"


class Grade(Rule):
    """等次 from the total by the profile's bands (highest band first)."""

    name, title = "grade", "评价等次"

    def evaluate(self, total: Decimal, bands: list[dict]) -> str:
        for b in bands:
            if total >= Decimal(str(b["min"])):
                return b["label"]
        return bands[-1]["label"]

    def formula(self, total: str, bands: list[dict]) -> str:
        out = f'"{bands[-1]["label"]}"'
        for b in reversed(bands[:-1]):
            out = f'IF({total}>={_num(b["min"])},"{b["label"]}",{out})'
        return out


def _num(x) -> str:
    """A parameter as an Excel literal (no trailing .0)."""
    d = Decimal(str(x)).normalize()
    return format(d, "f")


for _rule in (ExecutionRate(), ExecutionScore(), Positive(), ReverseLinear(), Equal(), Qualitative(), Grade()):
    register(_rule)

#: methods an indicator row can name in a profile (the others are form-level rules)
INDICATOR_METHODS = ("positive", "reverse_linear", "equal", "qualitative")
