"""Every sentence a user reads, in one place: what each check is called and how serious it is by default, the
sentence of each finding, the refusals of input that cannot be checked, and the notes about macros.

Finding sentences are keyed "<check id>.<case>" and filled with str.format; refusals "<code>" or "<code>.<variant>",
each a (Chinese, English) pair. Nothing here computes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .severity import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@dataclass(frozen=True)
class CheckInfo:
    """A check of the reviewer's list (DOMAIN.md §5): its short Chinese name and its usual severity."""

    title: str
    severity: Severity


CHECKS: dict[str, CheckInfo] = {
    "C01": CheckInfo("资金合计", E),
    "C02": CheckInfo("预算执行率", E),
    "C03": CheckInfo("执行率得分", W),
    "C04": CheckInfo("超预算执行", W),
    "C05": CheckInfo("执行率偏低未说明原因", W),
    "C06": CheckInfo("预算调整未说明理由", W),
    "C07": CheckInfo("权重", E),
    "C08": CheckInfo("得分超出范围", E),
    "C09": CheckInfo("得分合计", E),
    "C10": CheckInfo("必填项缺失", E),
    "C11": CheckInfo("指标得分复核", W),
    "C12": CheckInfo("扣分原因与满分", W),
    "C13": CheckInfo("超额完成", W),
    "C14": CheckInfo("定性指标", W),
    "C15": CheckInfo("评价等次", E),
    "C19": CheckInfo("满意度一致性", E),
    "C20": CheckInfo("问卷统计", E),
    "C21": CheckInfo("说明文字", W),
    "C23": CheckInfo("成本指标与执行数", W),
    "C24": CheckInfo("得分合理性", W),
    "C28": CheckInfo("不适用指标得满分", I),
    "C29": CheckInfo("小数位数", I),
    "S01": CheckInfo("含有宏", W),
    "F01": CheckInfo("表种无法确定", I),
    "F02": CheckInfo("空白表", I),
    "F03": CheckInfo("公式未计算", W),
    # 项目支出绩效目标执行监控表 (check/monitoring.py)
    "M01": CheckInfo("1-N月执行率", E),
    "M02": CheckInfo("监控表资金合计", E),
    "M03": CheckInfo("执行进度滞后", W),
    "M04": CheckInfo("全年预计执行数", E),
    "M05": CheckInfo("完成目标可能性", E),
    "M06": CheckInfo("偏差原因说明", W),
    "M07": CheckInfo("全年预计完成情况", W),
}

#: S01, by what the pre-flight found. The macros are never run: nothing in this toolkit can run them.
MACRO_MESSAGES = {
    "vba": "工作簿含有 VBA 宏（已检测到，未运行）。本工具只读取单元格的值；如无必要，请报送单位删除宏后另存为 .xlsx "
           "再提交，打开此文件时不要启用宏。",
    "xlm": "工作簿含有 Excel 4.0 宏表（XLM 宏，已检测到，未运行）。这类宏常被用于恶意文件；请报送单位删除宏表后另存为"
           " .xlsx 再提交，打开此文件时不要启用宏。",
    "vba+xlm": "工作簿含有 VBA 宏和 Excel 4.0 宏表（已检测到，未运行）。请报送单位删除宏后另存为 .xlsx 再提交，打开此"
               "文件时不要启用宏。",
    "ods": "工作簿含有 LibreOffice 宏或脚本（已检测到，未运行）。本工具只读取单元格的值；打开来源不明的文件时不要启用"
           "宏。",
    "ods_template": "工作簿带有本工具 .ods 模板的「核查」按钮脚本（Scripts/python/perfeval.py，未运行）。如非用本工具"
                    "模板填写，打开时不要启用宏。",
}

#: the sentence of each finding, keyed "<check>.<case>"
MESSAGES = {
    "C01.sum": "{line}以下各资金来源的{column}合计为 {computed}，与{line}行填报的 {stated} 不一致。",
    "C01.total_blank": "{line}行的{column}未填写，各资金来源合计为 {computed}。",
    "C02.rate": "{line}的预算执行率应为 {computed}（{executed}÷{budget}），表中填报 {stated}。",
    "C02.blank": "{line}的预算执行率未填写，按{executed}÷{budget}应为 {computed}。",
    "C03.score": "预算执行率得分应为 {computed}（执行率 {rate} × 权重 {weight}，保留 {digits} 位小数），表中填报 {sta"
                 "ted}。",
    "C04.over": "{line}的执行数 {executed} 超过预算数 {budget}，执行率按 100% 计分。",
    "C05.reason": "预算执行率 {rate} 低于 {threshold}，应在“原因”中说明未执行原因。",
    "C06.reason": "年初预算 {initial} 与调整后预算数 {budget} 不同，应在“原因”中说明预算调整理由。",
    "C07.exec": "预算执行率的权重应为 {computed}，表中填报 {stated}。",
    "C07.indicators": "绩效指标权重合计为 {stated}，应为 {computed}。",
    "C07.total": "合计权重填报 {stated}，应为 {computed}。",
    "C07.level1": "“{name}”标注 {stated} 分，但其下各指标权重合计为 {computed} 分。",
    "C08.above": "得分 {stated} 超过权重 {computed}，最多得 {computed} 分。",
    "C08.above_rule": "得分 {stated} 超过权重 {weight}；按{rule}，应得 {computed} 分。",
    "C08.negative": "得分 {stated} 不能为负数，最低为 0 分。",
    "C09.total": "合计得分填报 {stated}，但执行率得分与各指标得分相加为 {computed}。",
    "C09.blank": "合计得分未填写，执行率得分与各指标得分相加为 {computed}。",
    "C10.weight": "“{name}”的权重未填写。",
    "C10.score": "“{name}”的得分未填写。",
    "C10.target": "“{name}”的指标值未填写，无法复核得分。",
    "C10.actual": "“{name}”的完成值未填写，无法复核得分。",
    "C10.nature": "“{name}”的指标性质未填写，已按“{nature}”复核。",
    "C10.budget": "{line}行的{budget}或{executed}未填写，无法计算执行率。",
    "C11.score": "“{name}”按{rule}（{nature}，指标值 {target}，完成值 {actual}，权重 {weight}）应得 {computed} 分，表"
                 "中填报 {stated}。",
    "C11.rule": "“{name}”按{rule}（{inputs}）应得 {computed} 分，表中填报 {stated}。",
    "C12.reason": "“{name}”得分 {stated} 低于权重 {weight}，应填写未完成原因分析。",
    "C12.full": "“{name}”未达到指标值（指标值 {target}，完成值 {actual}）却得满分 {stated}；按{rule}应得 {computed} "
                "分。",
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
    "C28.full": "“{name}”的完成值为“{actual}”（不适用），却得满分 {stated} 分；"
                "不适用的指标应按规定调整权重或说明理由。",
    "C29.amount": "{line}的{column}填报 {stated}，超过两位小数；"
                  "金额应精确到 0.01，否则表中显示的数与参与计算的数不同。",
    "C29.score": "“{name}”的得分填报 {stated}，超过本地区规则保留的 {digits} 位小数。",
    "F01.uncertain": "工作表“{sheet}”既像{first}，又像{others}，无法确定是哪种表，未核查；"
                     "如需核查，请用 --profile 指定配置。",
    "F02.blank": "{kind}只有表头，尚未填写，未计算得分和等次。",
    "F03.uncomputed": "工作表“{sheet}”有 {count} 个公式单元格未保存计算结果，本工具也无法计算（如 {cells}），"
                      "这些单元格未核查；请在 Excel/WPS 中打开并保存后再核查。",
    "F02.unscored": "{kind}只有表头，尚未填写。",
    # 项目支出绩效目标执行监控表
    "M01.rate": "{line}的{column}应为 {computed}（{executed}÷{budget}），表中填报 {stated}。",
    "M01.base": "{line}的{column}填报 {stated}，是按{used}计算的；本表应按{base}计算，为 {computed}。",
    "M01.blank": "{line}的{column}未填写，按{executed}÷{budget}应为 {computed}。",
    "M02.sum": "{line}以下各资金来源的{column}合计为 {computed}，与{line}行填报的 {stated} 不一致。",
    "M03.behind": "截至{month}月预算执行进度为 {rate}，时间进度为 {time}，落后 {gap} 个百分点"
                  "（超过 {margin} 个百分点），请说明执行进度滞后的原因。",
    "M04.above": "{line}的全年预计执行数 {forecast} 超过{base} {budget}。",
    "M04.above_initial": "{line}的全年预计执行数 {forecast} 超过{base} {budget}；如年中追加了预算，请说明。",
    "M04.below": "{line}的全年预计执行数 {forecast} 低于{base} {budget}，预计有 {gap} 万元不能执行，请说明原因。",
    "M04.short": "{line}的全年预计执行数 {forecast} 小于已执行的{column} {executed}。",
    "M05.none": "“{name}”未勾选完成目标可能性（{options}中选一项）。",
    "M05.many": "“{name}”的完成目标可能性勾选了{ticked}，只能选一项。",
    "M06.cause": "“{name}”勾选了偏差原因“{causes}”，但未填写原因说明。",
    "M06.doubt": "“{name}”完成目标的可能性为“{option}”，但未填写原因说明。",
    "M07.short": "“{name}”全年预计完成 {forecast}，达不到年度指标值 {target}，却勾选了“{certain}”完成目标。",
}


def say(key: str, **kw) -> str:
    """The finding sentence `key` ('C08.above'), filled."""
    return MESSAGES[key].format(**kw)


# -- refusals: (Chinese, English) by code or code.variant -------------------------------------------------------
RESAVE_ZH = "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（.xlsx）再提交"
RESAVE_EN = "open it in Excel or WPS and save it as an Excel workbook (.xlsx)"

REFUSALS: dict[str, tuple[str, str]] = {
    "not_found": ("找不到文件 {path}。", "file not found: {path}"),
    "unreadable": ("无法读取文件：{why}。", "cannot read the file: {why}"),
    "unreadable.permission": ("没有读取此文件的权限。", "no permission to read the file"),
    "not_a_file": ("这是一个文件夹，不是工作簿。", "this is a folder, not a workbook"),
    "not_a_file.device": ("这不是普通文件（可能是设备或管道），不是工作簿。",
                          "not a regular file (a device or a pipe?), not a workbook"),
    "empty": ("文件是空的（0 字节），请向报送单位索要原文件。", "the file is empty (0 bytes); ask the sender for the "
                                          "original file"),
    "too_large": (
        "文件（或其解压后的内容）过大，不像一张自评表。请只提交自评表所在的工作簿，删除无关的数据表和图片后另存为 .xl"
        "sx。",
        "the file (or its unpacked content) is too large for a self-evaluation form; send only the workbook with the "
        "form, without unrelated data sheets or pictures"),
    "too_large.member": ("文件过大，未处理。", "the file is too large; not processed"),
    "too_large.sheets": (
        "工作表 {where_zh} 有内容的单元格范围过大（超过 {cells} 个单元格），未读取，也未在其余工作表中找到自评表。"
        "请删除远处单元格中的内容（或只提交自评表所在的工作表）后另存为 .xlsx 再提交。",
        "the sheet(s) {where_en} span more than {cells} cells and were not read, and no form was found elsewhere; "
        "clear the far-away cells (or send only the form's sheet) and save as .xlsx"),
    "too_large.sheets_unread": (
        "工作表 {where_zh} 有内容的单元格范围过大（超过 {cells} 个单元格），整个文件未读取。"
        "请删除远处单元格中的内容（或只提交自评表所在的工作表）后另存为 .xlsx 再提交。",
        "the sheet(s) {where_en} span more than {cells} cells and so the file was not read; "
        "clear the far-away cells (or send only the form's sheet) and save as .xlsx"),
    "zip_bomb": (
        "文件解压后体积异常或结构异常（疑似压缩炸弹），已拒绝处理，未解压。请向报送单位索要原文件，或在 Excel/WPS 中"
        "另存为 .xlsx 后再提交。",
        "the file inflates to an abnormal size or has an abnormal structure (zip bomb?); refused without unpacking. "
        "Ask the sender for the original file, or save it again as .xlsx"),
    "zip_bomb.member": ("压缩包内文件解压后体积异常（疑似压缩炸弹），未解压。",
                        "the member inflates to an abnormal size (zip bomb?); not extracted"),
    "xml_entities": (
        "工作簿内部含有 XML 文档类型或实体声明（DOCTYPE/ENTITY）。Excel 和 WPS 不会生成这样的文件，它可能是恶意构造的"
        "，已拒绝处理。请向报送单位索要原文件，或在 Excel/WPS 中另存为 .xlsx 后再提交。",
        "the workbook contains an XML document type or entity declaration (DOCTYPE/ENTITY), which Excel and WPS never"
        " write; it may be crafted to attack the reader and was refused. Ask the sender for the original file, or "
        "save it again as .xlsx"),
    "corrupt": (
        "文件已损坏（压缩包不完整或内容校验失败），无法读取。请向报送单位索要原文件，或在 Excel 或 WPS 中打开后“另存"
        "为”Excel 工作簿（.xlsx）再提交。",
        f"the file is damaged (truncated or failing its checksums); ask the sender for the original file, or "
        f"{RESAVE_EN}"),
    "corrupt.parse": ("工作簿无法解析（{why}）。请在 Excel/WPS 中打开后另存为 .xlsx 再提交，或向报送单位索要原文件。",
                      "cannot parse the workbook ({why}); save it again as .xlsx in Excel/WPS, or ask for the origina"
                      "l"),
    "encrypted": (
        "工作簿设置了打开密码，无法读取。请在 Excel/WPS 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密"
        "码）后另存为 .xlsx 再提交；或在命令中用 --password 给出密码。",
        "the workbook is protected by an open password; remove the password (File > Info > Protect Workbook > "
        "Encrypt with Password, clear it) and save as .xlsx, or give it with --password"),
    "encrypted.method": (
        "工作簿设置了打开密码，且使用了本工具无法解密的加密方式。请在 Excel/WPS 中取消密码后另存为 .xlsx 再提交。",
        "the workbook is encrypted in a way this tool cannot decrypt; remove the password and save as .xlsx"),
    "encrypted.member": ("压缩包成员设置了密码，请解密后再提交。", "the archive member is password-protected"),
    "wrong_password": (
        "工作簿设置了打开密码，而给出的密码不正确。请核对密码（区分大小写），或请报送单位取消密码后重新提交。",
        "the workbook is password-protected and the password given is wrong (passwords are case-sensitive); check "
        "it, or ask the sender to remove the password"),
    "not_spreadsheet": ("文件不是 Excel 工作簿：{what_zh}。" + RESAVE_ZH + "。",
                        "not an Excel workbook: {what_en}; " + RESAVE_EN),
    "not_spreadsheet.archive": ("文件是一个压缩包，里面不是 Excel 工作簿。请直接提交 .xlsx 工作簿。",
                                "a zip archive, but not an Excel workbook; send the .xlsx workbook itself"),
    "unsupported_format": ("{what_zh}，本工具不读取这种格式。" + RESAVE_ZH + "。",
                           "{what_en}, a format this tool does not read; " + RESAVE_EN),
    "no_form": ("文件中没有找到绩效自评表（未识别到“一级指标/二级指标/三级指标”等表头）。",
                "no self-evaluation form found in this workbook"),
    "internal_error": ("核查此文件时程序出错（{why}），请把文件转给维护人员。",
                       "the checker failed on this file ({why}); please report it with the file"),
    "crash": ("核查此文件时程序出错（{why}），请把文件转给维护人员。", "the checker failed on this file ({why})"),
    "timeout": ("核查此文件超过 {seconds} 秒，已中止（其余文件照常核查）。请在 Excel/WPS 中另存为 .xlsx 后单独核查，"
                "或把文件转给维护人员。",
                "checking this file took over {seconds} s and was stopped (the other files were checked); save "
                "it again as .xlsx and check it alone, or report it with the file"),
    "unsafe_path": ("压缩包成员的路径不安全（含“..”或绝对路径），未解压。",
                    "unsafe member path in the archive (.. or absolute); not extracted"),
    "corrupt_archive": ("压缩包已损坏，无法解压，请重新发送。", "the archive is damaged and cannot be unpacked"),
    "unsupported": ("压缩包使用了不支持的压缩方式，请用普通 zip 重新压缩。", "unsupported compression method in the a"
                                                     "rchive"),
    "too_many_members": ("压缩包内文件过多，未处理。", "too many members in the archive; not processed"),
    "too_deep": ("压缩包嵌套层数过多，未处理。", "archives nested too deep; not processed"),
    "no_workbook": ("压缩包中没有 Excel 工作簿（.xlsx/.xlsm/.xls/.ods）。", "no workbook (.xlsx/.xlsm/.xls/.ods) in t"
                                                                "he archive"),
    "no_attachment": ("邮件中没有 Excel 附件（.xlsx/.xlsm/.xls/.ods）。", "no workbook attachment (.xlsx/.xlsm/.xls/."
                                                                "ods) in the e-mail"),
    "bad_email": ("邮件无法解析，请重新导出。", "the e-mail cannot be parsed"),
}

#: what a file that is not a workbook turned out to be, for not_spreadsheet and unsupported_format
FILE_KINDS: dict[str, tuple[str, str]] = {
    "html": ("这是网页（HTML）文件，只是扩展名为 .xls（常见于从业务系统“导出 Excel”）",
             "an HTML page saved with an Excel extension (common for 'export to Excel')"),
    "mhtml": ("这是单个文件网页（MHTML），只是扩展名为 .xls", "a single-file web page (MHTML) saved as .xls"),
    "pdf": ("这是 PDF 文件", "a PDF file"),
    "rtf": ("这是 RTF 文档", "an RTF document"),
    "archive": ("这是 RAR/7z/gzip 压缩包", "a RAR/7z/gzip archive"),
    "text": ("这是文本文件（如 CSV 或制表符分隔的文本）", "a text file (CSV or tab-separated?)"),
    "unknown": ("无法识别文件内容（可能已损坏，或并非表格）", "unrecognised content (damaged, or not a table)"),
    "odf_other": ("这是 OpenDocument 文字或演示文档，不是电子表格", "an OpenDocument text or presentation"),
    "word": ("这是 Word 文档", "a Word document"),
    "powerpoint": ("这是 PowerPoint 演示文稿", "a PowerPoint presentation"),
    "ole_other": ("这是一个 OLE 复合文档，但不含 Excel 工作簿", "an OLE compound file without a workbook"),
    "xlsb": ("这是 Excel 二进制工作簿（.xlsb）", "an Excel binary workbook (.xlsb)"),
    "xml2003": ("这是“XML 电子表格 2003”格式的文件", "an XML Spreadsheet 2003 file"),
}


# -- the command line: each line Chinese first, English beside it -------------------------------------------------
CLI: dict[str, str] = {
    "description": "预算绩效自评表：生成模板、核查、标注 / self-evaluation forms: templates, checks, annotated copies",
    "help.check": "核查工作簿 / check a workbook",
    "help.output_copy": "核查副本路径 / annotated copy (default: <name>_核查.xlsx beside the input)",
    "help.json": "输出 JSON / print one JSON object",
    "help.profile": "指定配置 / force a profile (id or .yaml file)",
    "help.password": "工作簿的打开密码（只在内存中解密；核查副本用同一密码加密）/ the workbook's open password (decry"
                     "pted in memory only; the annotated copy is encrypted with it again)",
    "help.batch": "批量核查并生成汇总表 / check many workbooks and write a summary workbook",
    "help.batch_description": "文件、文件夹（递归）、.zip 压缩包、.eml 邮件 / files, folders (recursive), .zip archiv"
                              "es, "
                              ".eml e-mails. Exit codes: 0 no error found, 1 error findings, 2 usage error, 3 no inpu"
                              "t could be read",
    "help.summary": "汇总工作簿 / summary workbook (.xlsx); optional with --json",
    "help.annotated": "在此文件夹写出各文件的核查副本 / write annotated copies into DIR",
    "help.title": "汇总表各页标题中的批次名称，默认为汇总工作簿的文件名 / the batch's name in the summary's title "
                  "rows and page headers (default: the summary file's name)",
    "help.jobs": "并行进程数，默认为 CPU 核数 / worker processes (default: CPU count)",
    "help.batch_password": "加密工作簿的打开密码（对所有加密的文件使用）/ open password for the encrypted workbooks "
                           "(tried on every encrypted file)",
    "help.template": "生成空白模板，或验证模板公式 / write a blank template, or verify the templates' formulas",
    "help.template_description": "perfeval template PROFILE [-o FILE] [--year YYYY]  |  "
                                 "perfeval template --verify [PROFILE] [--fills N] [--seed N] [--json]",
    "help.verify": "随机填写模板，用 LibreOffice 和 formulas 重算，逐格与规则比对（不写模板）/ fill the template at r"
                   "andom, "
                   "recalculate it in LibreOffice and in formulas and compare every computed cell with the rules "
                   "(every profile when none is given)",
    "help.fills": "每个配置随机填写的份数，默认 100 / random fills per profile (default 100)",
    "help.seed": "随机种子，默认 0 / random seed (default 0)",
    "help.json_array": "输出一个 JSON 数组 / print one JSON array",
    "help.profiles": "列出或校验配置 / list or validate profiles",
    "help.demo": "用样例演示 / run on a bundled sample",
    "usage_error": "用法错误 / usage error: {why}",
    "exit_codes": "退出码 / exit codes: 0 未发现错误 / no error found; 1 发现错误 / error findings; 2 用法错误 / usage "
                  "error; 3 文件无法核查 / input refused",
    "help.file": "要核查的工作簿（.xlsx/.xlsm/.xls/.ods）/ the workbook to check",
    "help.paths": "文件、文件夹、.zip 或 .eml / files, folders, .zip archives or .eml e-mails",
    "help.template_profile": "配置（id 或 .yaml 文件），perfeval profiles 列出 / a profile id or .yaml file",
    "help.template_output": "模板路径，默认为 <配置>.xlsx / the template to write (default <profile>.xlsx)",
    "help.year": "标题中的年度（四位数字，如 2024）/ the year in the title (four digits)",
    "help.profiles_action": "list 列出（默认），validate 校验配置文件 / list (default) or validate a profile file",
    "help.profiles_file": "要校验的配置文件 / the profile file to validate",
    "help.report_file": "报告（.docx/.txt）/ the report (.docx or .txt)",
    "help.report_workbooks": "报告所说的工作簿 / the workbooks the report speaks of",
    "help.draft_output": "报告初稿路径（.docx）/ the draft to write (.docx)",
    "help.demo_output": "输出文件夹，默认 perfeval_demo / output folder (default perfeval_demo)",
    "check_folder": "{path} 是文件夹；批量核查请用 perfeval batch {path} -o 汇总.xlsx"
                    " / {path} is a folder: use perfeval batch {path} -o summary.xlsx",
    "year_digits": "--year 应为四位数字的年度，如 2024 / --year must be a four-digit year such as 2024",
    "batch_missing": "找不到 {paths}，未核查，也未写出汇总 / not found: {paths}; nothing was checked or written",
    "batch_file_errors": "  有错误：{file}（{errors} 项）/ errors: {file} ({errors})",
    "batch_copies": "核查副本 / annotated copies: {path}",
    "batch_resubmitted": "重复提交 {n} 张表未计入合计，计入哪一份见汇总表“重复提交”列 / {n} resubmitted form(s) left "
                         "out of the totals; the 重复提交 column says which copy counts",
    "batch_more_errors": "  …… 另有 {n} 个文件有错误，见汇总表 / {n} more files with errors: see the summary",
    "figure_missing": "未能读取 / not read",
    "folded": "（共 {n} 处）",
    "folded_example": "（共 {n} 处，说明以 {first} 为例）",
    "figure_missing_why": "  未能读取的原因见：{causes}",
    "figure_missing_absent": "  未能读取：表中没有找到这些数字，请核对表格是否完整",
    "copy_over_input": "核查副本不能覆盖原文件 / the annotated copy must not overwrite the input",
    "cannot_annotate_format": "提示：.xls/.ods 文件不能直接标注，请另存为 .xlsx 后再核查 / note: .xls/.ods files cann"
                              "ot be annotated; save as .xlsx to get an annotated copy",
    "copy_failed": "无法写出核查副本 / could not write the annotated copy: {why}",
    "copy_crashed": "无法写出核查副本（程序错误）/ could not write the annotated copy (internal error): {why}",
    "refused": "无法核查 / refused [{code}]: {zh}\n  {en}",
    "file": "文件 / file: {path}",
    "form.framework": "  分值合计 {weight_total}  扣分 {deductions}  总分 {total_score}  等次 {grade}",
    "form.project_selfeval": "  执行率 {execution_rate}  执行率得分 {execution_score}  "
                             "指标得分 {indicator_score_total}  总分 {total_score}  等次 {grade}",
    "report_totals": "\n共 {forms} 张表，错误 {errors} 项，警告 {warnings} 项 / {forms} form(s), {errors} error(s), "
                     "{warnings} warning(s)",
    "annotated_copy": "核查副本 / annotated copy: {path}",
    "summary_needed": "请用 -o 指定汇总工作簿，例如 -o 汇总.xlsx / give the summary workbook with -o",
    "summary_xlsx": "汇总工作簿须为 .xlsx / the summary workbook must be an .xlsx file",
    "jobs_at_least_1": "--jobs 至少为 1 / --jobs must be at least 1",
    "summary_over_input": "汇总工作簿不能覆盖输入文件 / the summary must not overwrite an input",
    "batch_totals": "文件 {files} 个，表 {forms} 张，无法读取 {refused} 个，错误 {errors} 项，警告 {warnings} 项，跨"
                    "表不一致 "
                    "{mismatches} 项 / {files} file(s), {forms} form(s), {refused} refused, {errors} error(s), "
                    "{warnings} warning(s), {mismatches} cross-workbook mismatch(es)",
    "batch_summary": "汇总 / summary: {path}",
    "batch_progress": "已核查 {files} 个文件（{forms} 张表，无法读取 {refused} 个），用时 {seconds:.1f} 秒 / "
                      "checked {files} files ({forms} forms, {refused} refused) in {seconds:.1f} s",
    "no_workbook_found": "没有找到可核查的文件 / no workbook found in the given paths",
    "verify_only": "{flag} 只能与 --verify 一起使用 / {flag} goes with --verify",
    "profile_needed": "请给出配置，可用 perfeval profiles 列出 / give a profile (perfeval profiles lists them)",
    "no_tree": "“{id}” 没有配置指标树 (tree)，只能用于核查 / no weight tree in this profile (check only)",
    "no_tree_to_verify": "“{id}” 没有配置指标树 (tree)，没有模板可验证 / no weight tree, so no template to verify",
    "template_written": "已生成模板 / template written: {path}",
    "verify_no_output": "--verify 不写模板，不能与 -o / --year 同用 / --verify writes no template: drop -o and --year",
    "fills_at_least_1": "--fills 至少为 1 / --fills must be at least 1",
    "verify_all_agree": "全部一致 / no mismatch",
    "verify_error": "无法验证 / could not verify: {why}",
    "verify_tolerated": "；另有 {n} 个仅因 formulas 的 ROUND 缺陷不同 / {n} differ only by formulas' ROUND",
    "verify_entry": "填写 {fills} 份 / fills, 比对 {cells} 个单元格 / cells, 不一致 {mismatches} / mismatches{extra}  "
                    "({seconds} s)",
    "verify_mismatch": "    第 {fill} 份 / fill {fill} {cell}: 应为 / expected {expected}, 得到 / got {got}",
    "verify_bad": "发现不一致或无法验证：{n} 项 / {n} {entries} with mismatches or errors",
    "validate_needs_file": "请给出要校验的配置文件 / give the profile file to validate",
    "profile_valid": "配置有效 / profile is valid: {id} ({name})",
    "sample_missing": "找不到样例 {path}（请在源码目录中运行）/ bundled sample not found",
    "blank_template": "空白模板 / blank template: {path}",
    "help.month": "监控表模板的监控月份（1-12，表头印作“1-N月”）/ the month a monitoring template's headers name "
                  "(1-12)",
    "month_monitoring_only": "--month 只用于监控表配置，取值 1 到 12 / --month is for monitoring profiles, 1 to 12",
    "form.monitoring": "  预算数 {budget}  1-{month}月执行数 {executed_to_month}  执行进度 {rate_to_month}  "
                       "时间进度 {time_progress}  全年预计执行数 {forecast}",
}


def cli_text(key: str, **kw) -> str:
    """The command line's sentence `key`, filled."""
    return CLI[key].format(**kw)


# -- what a template says in its notes and input prompts --------------------------------------------------------
TEMPLATE: dict[str, str] = {
    "reason.prompt": "预算执行率偏低或年中调整预算的，请说明原因。",
    "amount.prompt": "填写各项资金的金额（万元），不小于0；总额由各项自动合计。",
    "amount.error": "金额应为不小于0的数字（万元）。",
    "nature.prompt": "≥ 正向指标（完成越多越好）；≤ 反向指标（如成本、时限）；= 等于；定性 定性指标。",
    "nature.error": "请从下拉列表中选择：{natures}",
    "level1.unusual": "不是常用的一级指标名称，确定使用吗？",
    "level2.unusual": "不是常用的二级指标名称，确定使用吗？",
    "target.number": "填写数字，单位填在“度量单位”栏。",
    "target.signed": "写明方向和数值，如 ≥50个、≤90万元、=100%；不写方向的按 ≥ 计分，写文字的按定性指标计分。",
    "actual.prompt": "定量指标填数字；定性指标填“{bands}”之一。",
    "weight.prompt": "各指标权重之和应为 {total} 分。",
    "weight.error": "权重应为 0 到 {total} 之间的数字。",
    "score.prompt": "由公式按指标性质计分，定量指标请勿改写。定性指标可在完成值对应档次内改写：{shares}。",
    "count.prompt": "选择该选项的问卷份数；每题各选项份数之和应等于有效问卷份数。",
    "count.error": "份数应为不小于0的整数。",
    "points.error": "分值应为不小于0的数字。",
    "valid.prompt": "收回的有效问卷份数。",
    "data.note": "黄色单元格填写数据；评价指标表中按评分细则计算的得分随之更新。",
    "open_weight.prompt": "本指标的分值由单位确定，请填写。",
    "hand.prompt_limit": "按评分细则填写{what}，0 到 {limit} 分。",
    "hand.prompt": "按评分细则填写{what}，不超过本行分值。",
    "hand.error": "{what}应在 0 和分值之间。",
    # 项目支出绩效目标执行监控表
    "tick.prompt": "在对应的选项下选择“√”；完成目标可能性每行只勾选一项。",
    "tick.error": "请选择“√”，或留空。",
    "monitoring.reason": "执行进度落后于时间进度，或全年预计执行数低于预算数的，请在此说明原因。",
    "monitoring.target": "写明方向、数值和单位，如 ≥1000人次、≤500元、=100%；定性指标写文字。",
    "monitoring.forecast": "填写预计全年完成的数值和单位（与年度指标值的单位一致）；定性指标写文字。",
    "monitoring.cause_reason": "勾选了偏差原因，或完成目标可能性为“有可能”“完全不可能”的，请在此说明原因。",
    "monitoring.note": "说明：请在“偏差原因分析”中对应的原因类型下打“√”，并在“原因说明”中具体说明；"
                       "“完成目标可能性”一栏中，请在对应的选项中打“√”。",
}

# -- the 「核查」 button's message box (xlwings) -------------------------------------------------------------------
BUTTON: dict[str, str] = {
    "refused": "未能核查“{name}”：{why}",
    "forms": "（{n} 张表）",
    "done": "核查完成{forms}：{summary}。\n有问题的单元格已标色并加批注，明细见“{sheet}”工作表。",
    "done_clean": "核查完成{forms}：{summary}。",
    "notes_missing": "\n（{n} 条批注未能写入；各项说明均列在“{sheet}”工作表。）",
    "elapsed": "\n用时 {seconds:.1f} 秒。",
    "save_first": "请先保存工作簿，再点击“核查”。",
}


# -- perfeval report: a narrative report's figures against the forms (check ids of DOMAIN.md §5) ------------------
CHECKS.update({
    "C16": CheckInfo("报告数字与表格不一致", E),
    "C17": CheckInfo("报告汇总数复核", E),
})

#: what a report's figure is, in the words of a finding sentence (by the metric keys of report/vocabulary.yaml)
REPORT_METRICS: dict[str, str] = {
    "initial": "年初预算数", "budget": "预算数", "executed": "执行数", "rate": "预算执行率", "balance": "预算结余率",
    "execution_score": "预算执行率得分", "total": "自评得分", "satisfaction": "满意度",
}

MESSAGES.update({
    "C16.figure": "报告称“{subject}”的{metric}为 {stated}，而{form}（{where}）为 {computed}。",
    "C16.node": "报告称“{name}”得分 {stated}，而评价表（{where}）中为 {computed}。",
    "C17.sum": "报告称这 {n} 个项目的{metric}合计为 {stated}，按各项目自评表相加为 {computed}。",
    "C17.rate": "报告称这 {n} 个项目的预算执行总体进度为 {stated}，按各项目自评表应为 {computed}（执行数合计 {executed}"
                " 万元 ÷ 预算数合计 {budget} 万元）。",
    "C17.count": "报告称{condition}的项目共 {stated} 个，按这 {n} 个项目的自评表为 {computed} 个（{names}）。",
    "C19.questionnaire": "报告称满意度为 {stated}，而问卷统计（{where}）得出的满意度为 {computed}。",
    "C19.indicator": "报告称“{subject}”的满意度为 {stated}，而自评表满意度指标的完成值（{where}）为 {computed}。",
    "C15.report": "报告称{subject}的评价等次为“{stated}”，但{form}的总分 {total} 分对应的等次为“{computed}”。",
})

REPORT_TEXT: dict[str, str] = {
    "form.project": "项目自评表",
    "form.framework": "评价表",
    "subject.framework": "{name}",
    "none": "（无）",
    "comment.author": "perfeval 核查",
    "draft.placeholder": "【{what}】",
}

REFUSALS.update({
    "unsupported_format.report_doc": ("报告是旧版 Word 文档（.doc）或 WPS 文档，本工具不读取。请在 Word/WPS 中另存"
                                      "为 .docx 后再核查。",
                                      "a legacy Word (.doc) or WPS document; save it as .docx and check again"),
    "unsupported_format.report_pdf": ("报告是 PDF 文件，本工具只读取 Word 文档（.docx）和文本文件（.txt）。请用原 "
                                      "Word 文档核查，或把正文复制到 .txt 文件中。",
                                      "a PDF; only .docx and .txt reports are read: use the Word original, or paste"
                                      " the text into a .txt file"),
    "unsupported_format.report_package": ("文件是压缩包或其他 Office 文档，不是 Word 文档（.docx）。",
                                          "a zip package that is not a Word document (.docx)"),
    "unsupported_format.report_binary": ("文件既不是 Word 文档（.docx）也不是文本文件（UTF-8 或 GB18030 编码的 .tx"
                                         "t）。",
                                         "neither a Word document (.docx) nor a text file (UTF-8 or GB18030)"),
    "corrupt.report": ("报告文件已损坏，无法读取（{why}）。请在 Word/WPS 中打开后另存为 .docx 再核查。",
                       "the report is damaged and cannot be read ({why}); open it in Word/WPS and save it as .docx"),
    "no_form.report": ("给出的工作簿中没有可与报告核对的自评表或评价表。",
                       "none of the workbooks holds a form to check the report against"),
})

CLI.update({
    "help.report": "核对报告正文与自评表，或由自评表生成报告初稿 / check a report's figures against the forms, or "
                   "draft a report from them",
    "help.report_check": "核对报告（.docx/.txt）中的数字与工作簿 / check a report (.docx/.txt) against workbooks",
    "help.report_draft": "由已核查的自评表生成自评报告初稿 / draft a self-evaluation report from the checked forms",
    "help.report_copy": "带批注的报告副本 / commented copy (default: <name>_核查.docx beside the report)",
    "help.outline": "报告提纲 / report outline (id or .yaml file)",
    "report_file": "报告 / report: {path}",
    "report_workbook_refused": "工作簿未能读取 / workbook refused [{code}] {path}: {zh}",
    "report_finding": "  第 {paragraph} 段 [{check}] {severity}：{message}\n      “{quote}”",
    "report_check_totals": "\n共核对数字 {linked} 个，无法确定所指 {unlinked} 个，错误 {errors} 项，警告 {warnings} 项"
                           " / {linked} figure(s) checked, {unlinked} not linked, {errors} error(s), "
                           "{warnings} warning(s)",
    "report_copy": "批注副本 / commented copy: {path}",
    "report_copy_not_docx": "提示：文本报告不能加批注，未生成副本 / note: a .txt report gets no commented copy",
    "report_copy_over_input": "批注副本不能覆盖原报告 / the commented copy must not overwrite the report",
    "report_draft_written": "已生成报告初稿 / draft written: {path}",
    "report_draft_docx": "报告初稿须为 .docx / the draft must be a .docx file",
    "report_no_forms": "工作簿中没有可用的项目自评表 / no project form in the workbooks",
})


# -- argparse's own words, said in Chinese first (the CLI hands this table to argparse) ----------------------------
ARGPARSE: dict[str, str] = {
    "usage: ": "用法 / usage: ",
    "positional arguments": "参数 / arguments",
    "options": "选项 / options",
    "show this help message and exit": "显示此帮助并退出 / show this help message and exit",
    "the following arguments are required: %s": "缺少参数 / missing arguments: %s",
    "unrecognized arguments: %s": "无法识别的参数 / unrecognized arguments: %s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s / argument %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 / invalid choice: %(value)r（可选 / choose "
                                                             "from %(choices)s）",
    "invalid %(type)s value: %(value)r": "值无效 / invalid %(type)s value: %(value)r",
    "expected one argument": "需要一个值 / expected one argument",
    "expected at least one argument": "至少需要一个值 / expected at least one argument",
    "expected at most one argument": "至多一个值 / expected at most one argument",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确 / ambiguous option: %(option)s 可能是 / could "
                                                            "match %(matches)s",
    "one of the arguments %s is required": "须给出其中一个参数 / one of the arguments %s is required",
    "not allowed with argument %s": "不能与参数 %s 同用 / not allowed with argument %s",
    "ignored explicit argument %r": "多余的值 / ignored explicit argument %r",
}


# -- 项目支出绩效目标申报表 (kind: declaration): its checks, sentences, template prompts and console line ------------
CHECKS.update({
    "D01": CheckInfo("一级指标缺项", W),
    "D02": CheckInfo("二级指标缺项", W),
    "D03": CheckInfo("指标值未填写", W),
    "D04": CheckInfo("指标值未量化", W),
    "D05": CheckInfo("资金合计", E),
    "D06": CheckInfo("年度资金超过中期", E),
})
MESSAGES.update({
    "D01.missing": "{half}绩效指标中没有“{name}”，应至少设置 1 个三级指标。",
    "D01.empty": "{half}绩效指标的“{name}”下没有三级指标，应至少设置 1 个。",
    "D02.missing": "{half}绩效指标中没有二级指标“{name}”，应至少设置 1 个三级指标。",
    "D02.empty": "{half}绩效指标的二级指标“{name}”下没有三级指标，应至少设置 1 个。",
    "D03.blank": "“{name}”的{half}指标值未填写。",
    "D04.unquantified": "“{name}”属于{category}，指标值“{value}”未量化，应写明数值和计量单位"
                        "（如 ≥100人次、≤50万元、=100%、2021年12月底前）。",
    "D05.sum": "{half}资金的其中各项合计为 {computed}，与{line}填报的 {stated} 不一致。",
    "D05.total_blank": "{line}未填写，其中各项合计为 {computed}。",
    "D06.above": "年度{line} {annual} 超过中期{line} {medium}；年度资金是中期资金的一部分，不应多于中期。",
})
TEMPLATE.update({
    "declaration.level3.prompt": "每个二级指标下至少填写一个三级指标，并在右侧填写指标值。",
    "declaration.target.prompt": "写明数值和计量单位，可带方向，如 ≥100人次、≤50万元、=100%、2021年12月底前；"
                                 "效益、满意度指标可为定性表述。",
})
CLI.update({
    "form.declaration": "  中期资金总额 {medium_total}  年度资金总额 {annual_total}  年度三级指标 {indicators} 个  "
                        "指标值未填 {missing_targets} 个",
})


# -- framework tables: shared weights, funds blocks, totals in labelled cells, weights that cannot be verified -------
#: finding sentences of the framework layouts (issue 12), added to MESSAGES
FRAMEWORK_MESSAGES: dict[str, str] = {
    "C02.arrival": "{line}的资金到位率应为 {computed}（{executed}÷{budget}），表中填报 {stated}。",
    "C07.joint": "“{names}”合并标注的分值为 {stated} 分，但其下级指标分值合计为 {computed} 分。",
    "C07.unverifiable": "“{name}”的下级指标中{missing}未标明分值，无法核对其分值 {stated} 分。",
    "C07.roots_unverifiable": "一级指标中{missing}未标明分值，无法核对分值合计是否为 {computed} 分。",
    "C08.joint_above": "“{names}”合并标注分值 {computed}，其得分合计 {stated} 超过该分值。",
    "C09.stated": "“{label}”填报 {stated} 分，但表中各指标得分合计为 {computed} 分。",
    "C15.stated": "“{label}”填报“{stated}”，但总分 {total} 对应的等次为“{computed}”。",
}
MESSAGES.update(FRAMEWORK_MESSAGES)
CLI.update({"form.framework.funds": "  预算数 {budget_adjusted}  到位数 {budget_arrived}  执行数 {budget_executed}  "
                                   "执行率 {execution_rate}  到位率 {arrival_rate}"})

#: words a finding sentence is filled with where the form gives none of its own
WORDS: dict[str, str] = {
    "row": "第 {row} 行",
    "names": "“{first}”等 {count} 项",
}


def word(key: str, **kw) -> str:
    """The filler `key` ('row'), filled."""
    return WORDS[key].format(**kw)


# -- money spent without a budget (C02, C04) ---------------------------------------------------------------------
MESSAGES.update({
    "C04.no_budget": "{line}的{budget_name}为 0，{executed_name}却为 {executed}：没有预算的支出算不出执行率（既不是 "
                     "0%，也不是 100%），执行率得分、总分和评价等次都无法复核。请核实{budget_name}。",
    "C04.no_budget_blank": "{line}的{budget_name}未填写，{executed_name}却为 {executed}：没有预算数就算不出执行率，执行"
                           "率得分、总分和评价等次都无法复核。请补填{budget_name}。",
    "C04.line_no_budget": "{line}的{budget_name}未填写，{executed_name}却为 {executed}，请核实这笔资金的预算。",
    "C02.no_budget": "{line}的{budget_name}为 0 或未填写，执行率无法计算，表中却填报 {stated}。",
})


# -- hidden sheets (S02) -----------------------------------------------------------------------------------------
CHECKS["S02"] = CheckInfo("隐藏工作表", I)
SHEET_STATES = {"hidden": "隐藏", "veryHidden": "深度隐藏（只能用 VBA 取消隐藏）"}
HIDDEN_MESSAGES = {
    "sheet": "工作表“{sheet}”是{state}的工作表，其中有一张自评表，未核查（只核查看得见的工作表）。如果它才是要报送的"
             "表，请取消隐藏后重新提交，或用 --include-hidden 一并核查。",
}
REFUSALS["no_form.hidden"] = (
    "文件中看得见的工作表里没有绩效自评表；隐藏的工作表 {sheets} 中有自评表，未核查。如果它才是要报送的表，请取消隐藏"
    "后重新提交，或用 --include-hidden 一并核查。",
    "no self-evaluation form on a visible sheet; the hidden sheet(s) {sheets_en} hold one, not checked. Unhide it and "
    "send it again, or check it with --include-hidden")
CLI["help.include_hidden"] = ("也核查隐藏工作表上的表（在 JSON 和汇总中注明“隐藏”）/ also check forms on hidden sheets "
                              "(marked as hidden in the JSON and the summary)")


# -- why an annotated copy could not be written (the check itself stands) --------------------------------------
COPY_REFUSALS: dict[str, tuple[str, str]] = {
    "strict": ("这个工作簿是“Strict Open XML 电子表格”格式，本工具不能为它写出核查副本（核查结果不受影响）。请在 "
               "Excel 中打开，“另存为”并把保存类型选为“Excel 工作簿(*.xlsx)”（不要选“Strict Open XML 电子表格”），再"
               "核查一次即可得到副本。",
               "the workbook is in Strict Open XML format, for which no annotated copy can be written (the check "
               "stands); open it in Excel and Save As 'Excel Workbook (*.xlsx)', not 'Strict Open XML Spreadsheet', "
               "then check it again"),
    "format": ("{kind} 文件不能直接标注（核查结果不受影响）；请另存为 .xlsx 后再核查，即可得到核查副本。",
               "{kind} files cannot be annotated (the check stands); save as .xlsx to get an annotated copy"),
    "damaged": ("工作簿的压缩包结构本工具无法改写（{why}），未写出核查副本（核查结果不受影响）。请在 Excel/WPS 中另存"
                "为 .xlsx 后再核查。",
                "the workbook's package cannot be rewritten ({why}); no annotated copy (the check stands). Save it "
                "again as .xlsx and check it again"),
}


# -- files a batch finds but does not check (perfeval batch: 未核查文件) ----------------------------------------
SKIP_REASONS: dict[str, tuple[str, str]] = {
    "annotated_copy": ("在本次批量核查写出核查副本的文件夹（--annotated）中，是本工具自己写的副本，不作为报送文件核查",
                       "in this batch's --annotated folder: a copy this tool writes, not a file that was sent"),
    "summary": ("本次批量核查的汇总表（-o），不作为报送文件核查", "this batch's own summary workbook (-o)"),
    "lock_file": ("Excel 打开工作簿时生成的临时锁定文件（~$ 开头），不是工作簿",
                  "a lock file Excel keeps while a workbook is open (~$…), not a workbook"),
    "not_workbook": ("不是 Excel 工作簿（按扩展名），未核查；如果它其实是自评表，请另存为 .xlsx 后再提交",
                     "not an Excel workbook (by its extension), not checked; if it is a form, save it as .xlsx"),
}
CLI["batch_skipped"] = "另有 {n} 个文件未核查，原因见汇总表“未核查文件” / {n} more file(s) not checked, listed with why"
CLI["batch_copy_failed"] = ("{n} 个文件的核查副本未写出，原因见汇总表“副本未写出” / no annotated copy for {n} file(s), "
                            "listed with why")

# -- templates that print: the title's year as an input (issue 14) ------------------------------------------------
CLI["template_year"] = ("模板的年度应为四位数字的年份（1900–2099），如 2024，而不是“{year}” / "
                        "a template's year must be a four-digit year (1900–2099) such as 2024, not '{year}'")
TEMPLATE["year.prompt"] = "填写四位数字的年度，如 2024；标题中的年度随之更新。"
TEMPLATE["year.error"] = "年度应为四位数字，如 2024。"

# -- the batch summary workbook (perfeval batch -o): title rows, page header and footer, totals, resubmissions, charts
SUMMARY_TEXT: dict[str, str] = {
    "title": "{batch}　{sheet}　　生成日期 {date}　文件 {files} 个，表 {forms} 张{resubmitted}，无法读取 {refused} 个，"
             "错误 {errors} 项，警告 {warnings} 项",
    "title_resubmitted": "（重复提交 {n} 张未计入合计）",
    "footer": "第 &P 页，共 &N 页",
    "total": "合计",
    "total_forms": "{n} 张表",
    "total_forms_resubmitted": "{n} 张表（重复提交另有 {dropped} 张未计入）",
    "kept_latest": "计入：共 {n} 份，此份{basis}最晚（{at}）",
    "kept_last": "计入：共 {n} 份，{why}，取排在最后的一份",
    "kept_last.tie": "提交时间相同",
    "kept_last.unknown": "提交时间不全",
    "dropped_earlier": "未计入：此份{basis}为 {at}，以较晚的 {file}（{sheet}）为准",
    "dropped_before": "未计入：以排在后面的 {file}（{sheet}）为准",
    "basis.mail": "邮件日期",
    "basis.modified": "文件修改时间",
    "counted": "是",
    "not_counted": "否（重复提交）",
    "unnamed_department": "（未填写）",
    "forms_axis": "表数",
    "scores_chart": "复核得分分布（{n} 张表）",
    "rates_chart": "执行率分布（{n} 张表，复核值）",
    "scores_left_out": "另有 {n} 张表没有复核得分，未计入：{kinds}",
    "rates_left_out": "另有 {n} 张表没有执行率（表上未列预算数和执行数，或预算数为 0），未计入：{kinds}",
    "kind_count": "{kind} {n} 张",
    "blank_forms": "空白表 {n} 张",
    "monitoring_chart": "各项目执行进度与时间进度之差",
    "monitoring_chart_part": "各项目执行进度与时间进度之差（{first}–{last}）",
    "monitoring_gap": "进度差（执行进度−时间进度）",
    "none.findings": "本批次各表均未发现问题。",
    "none.refused": "本批次没有无法读取的文件。",
    "none.mismatches": "没有发现同一项目在不同文件或工作表中填报的数字不一致。",
}
