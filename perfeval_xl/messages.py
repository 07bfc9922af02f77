"""Every sentence a user reads about a finding, in one place, keyed by check id and case."""

from __future__ import annotations

CHECK_TITLES = {
    "C01": "资金合计",
    "C02": "预算执行率",
    "C03": "执行率得分",
    "C04": "超预算执行",
    "C05": "执行率偏低未说明原因",
    "C06": "预算调整未说明理由",
    "C07": "权重",
    "C08": "得分超出范围",
    "C09": "得分合计",
    "C10": "必填项缺失",
    "C11": "指标得分复核",
    "C12": "扣分原因与满分",
    "C13": "超额完成",
    "C14": "定性指标",
    "C15": "评价等次",
    "C19": "满意度一致性",
    "C20": "问卷统计",
    "C21": "说明文字",
    "C23": "成本指标与执行数",
    "C24": "得分合理性",
    "C28": "不适用指标得满分",
    "C29": "小数位数",
    "S01": "含有宏",
}

#: S01, by what the pre-flight found. The macros are never run: nothing in this toolkit can run them.
MACRO_MESSAGES = {
    "vba": "工作簿含有 VBA 宏（已检测到，未运行）。本工具只读取单元格的值；如无必要，请报送单位删除宏后另存为 .xlsx 再提交，"
           "打开此文件时不要启用宏。",
    "xlm": "工作簿含有 Excel 4.0 宏表（XLM 宏，已检测到，未运行）。这类宏常被用于恶意文件；请报送单位删除宏表后另存为 .xlsx 再提交，"
           "打开此文件时不要启用宏。",
    "vba+xlm": "工作簿含有 VBA 宏和 Excel 4.0 宏表（已检测到，未运行）。请报送单位删除宏后另存为 .xlsx 再提交，打开此文件时不要启用宏。",
    "ods": "工作簿含有 LibreOffice 宏或脚本（已检测到，未运行）。本工具只读取单元格的值；打开来源不明的文件时不要启用宏。",
    "ods_template": "工作簿带有本工具 .ods 模板的「核查」按钮脚本（Scripts/python/perfeval.py，未运行）。如非用本工具模板填写，"
                    "打开时不要启用宏。",
}

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

MESSAGES = {
    "C01.sum": "{line}以下各资金来源的{column}合计为 {computed}，与{line}行填报的 {stated} 不一致。",
    "C01.total_blank": "{line}行的{column}未填写，各资金来源合计为 {computed}。",
    "C02.rate": "{line}的预算执行率应为 {computed}（{executed}÷{budget}），表中填报 {stated}。",
    "C02.blank": "{line}的预算执行率未填写，按{executed}÷{budget}应为 {computed}。",
    "C03.score": "预算执行率得分应为 {computed}（执行率 {rate} × 权重 {weight}，保留 {digits} 位小数），表中填报 {stated}。",
    "C04.over": "{line}的执行数 {executed} 超过预算数 {budget}，执行率按 100% 计分。",
    "C05.reason": "预算执行率 {rate} 低于 {threshold}，应在“原因”中说明未执行原因。",
    "C06.reason": "年初预算 {initial} 与调整后预算数 {budget} 不同，应在“原因”中说明预算调整理由。",
    "C07.exec": "预算执行率的权重应为 {computed}，表中填报 {stated}。",
    "C07.indicators": "绩效指标权重合计为 {stated}，应为 {computed}。",
    "C07.total": "合计权重填报 {stated}，应为 {computed}。",
    "C07.level1": "“{name}”标注 {stated} 分，但其下各指标权重合计为 {computed} 分。",
    "C08.above": "得分 {stated} 超过权重 {computed}。",
    "C08.negative": "得分 {stated} 不能为负数。",
    "C09.total": "合计得分填报 {stated}，但执行率得分与各指标得分相加为 {computed}。",
    "C09.blank": "合计得分未填写，执行率得分与各指标得分相加为 {computed}。",
    "C10.weight": "“{name}”的权重未填写。",
    "C10.score": "“{name}”的得分未填写。",
    "C10.target": "“{name}”的指标值未填写，无法复核得分。",
    "C10.actual": "“{name}”的完成值未填写，无法复核得分。",
    "C10.nature": "“{name}”的指标性质未填写，已按“{nature}”复核。",
    "C10.budget": "{line}行的{budget}或{executed}未填写，无法计算执行率。",
    "C11.score": "“{name}”按{rule}（{nature}，指标值 {target}，完成值 {actual}，权重 {weight}）应得 {computed} 分，表中填报 {stated}。",
    "C11.rule": "“{name}”按{rule}（{inputs}）应得 {computed} 分，表中填报 {stated}。",
    "C12.reason": "“{name}”得分 {stated} 低于权重 {weight}，应填写未完成原因分析。",
    "C12.full": "“{name}”未达到指标值（指标值 {target}，完成值 {actual}）却得满分 {stated}。",
    "C13.over": "“{name}”完成值 {actual} 达到指标值 {target} 的 {ratio}，超额较多，请分析是否指标值设定偏低。",
    "C14.band": "“{name}”为定性指标，完成情况“{actual}”对应“{band}”，得分应在 {low}～{high} 之间，表中填报 {stated}。",
    "C14.no_grade": "“{name}”为定性指标，未写明达成程度（达成/部分达成/未达成），无法判断得分是否合理。",
    "C15.grade": "总分 {total} 对应的评价等次为“{computed}”，表中填报“{stated}”。",
    "C15.narrative": "评价结论称“{stated}”，但总分 {total} 对应的等次为“{computed}”。",
    "C07.children": "“{name}”的分值为 {stated} 分，但其下级指标分值合计为 {computed} 分。",
    "C07.roots": "一级指标分值合计为 {stated} 分，应为 {computed} 分。",
    "C08.leaf_above": "“{name}”得分 {stated} 超过其分值 {computed}。",
    "C09.subtotal": "“{name}”的得分填报 {stated}，但其下级指标得分合计为 {computed}。",
    "C09.fw_total": "合计得分填报 {stated}，但各指标得分合计为 {computed}。",
    "C09.summary": "表外说明的总分为 {stated} 分，但表中各指标得分合计为 {computed} 分。",
    "C10.node_weight": "“{name}”未标明分值。",
    "C10.node_score": "“{name}”的得分未填写。",
    "C15.summary": "表外说明的评价等次为“{stated}”，但总分 {total} 对应的等次为“{computed}”。",
    "C15.sentence": "说明中的总分 {total} 分对应的等次为“{computed}”，却写作“{stated}”。",
    "C19.satisfaction": "“{name}”按问卷满意度 {satisfaction}% 应得 {computed} 分，表中填报 {stated}。",
    "C20.count": "问卷第 {number} 题各选项份数合计为 {stated}，与有效问卷 {computed} 份不一致。",
    "C20.total": "问卷总分填报 {stated}，但各选项“份数 × 分值”合计为 {computed}。",
    "C20.score": "问卷综合得分填报 {stated}，但问卷总分 ÷ 有效问卷份数为 {computed}。",
    "C21.placeholder": "“{name}”中仍是填报说明文字（“{hint}”），未填写实际内容。",
    "C21.blank": "“{name}”未填写。",
    "C23.cost": "成本指标“{name}”的完成值 {actual} 万元与预算执行数 {executed} 万元不一致。",
    "C24.full_marks": "预算执行率仅 {rate}，但绩效指标全部得满分，请核实自评是否客观。",
    "C28.full": "“{name}”的完成值为“{actual}”（不适用），却得满分 {stated} 分；不适用的指标应按规定调整权重或说明理由。",
    "C29.amount": "{line}的{column}填报 {stated}，超过两位小数；金额应精确到 0.01，否则表中显示的数与参与计算的数不同。",
    "C29.score": "“{name}”的得分填报 {stated}，超过本地区规则保留的 {digits} 位小数。",
}


def say(key: str, **kw) -> str:
    return MESSAGES[key].format(**kw)
