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

#: the sentence of each finding, keyed "<check>.<case>"
MESSAGES = {
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
    "empty": ("文件是空的（0 字节），请向报送单位索要原文件。", "the file is empty (0 bytes); ask the sender for the original file"),
    "too_large": (
        "文件（或其解压后的内容）过大，不像一张自评表。请只提交自评表所在的工作簿，删除无关的数据表和图片后另存为 .xlsx。",
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
        "文件解压后体积异常或结构异常（疑似压缩炸弹），已拒绝处理，未解压。请向报送单位索要原文件，或在 Excel/WPS 中另存为 .xlsx 后再提交。",
        "the file inflates to an abnormal size or has an abnormal structure (zip bomb?); refused without unpacking. "
        "Ask the sender for the original file, or save it again as .xlsx"),
    "zip_bomb.member": ("压缩包内文件解压后体积异常（疑似压缩炸弹），未解压。",
                        "the member inflates to an abnormal size (zip bomb?); not extracted"),
    "xml_entities": (
        "工作簿内部含有 XML 文档类型或实体声明（DOCTYPE/ENTITY）。Excel 和 WPS 不会生成这样的文件，它可能是恶意构造的，已拒绝处理。"
        "请向报送单位索要原文件，或在 Excel/WPS 中另存为 .xlsx 后再提交。",
        "the workbook contains an XML document type or entity declaration (DOCTYPE/ENTITY), which Excel and WPS never "
        "write; it may be crafted to attack the reader and was refused. Ask the sender for the original file, or "
        "save it again as .xlsx"),
    "corrupt": (
        "文件已损坏（压缩包不完整或内容校验失败），无法读取。请向报送单位索要原文件，或在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（.xlsx）再提交。",
        f"the file is damaged (truncated or failing its checksums); ask the sender for the original file, or "
        f"{RESAVE_EN}"),
    "corrupt.parse": ("工作簿无法解析（{why}）。请在 Excel/WPS 中打开后另存为 .xlsx 再提交，或向报送单位索要原文件。",
                      "cannot parse the workbook ({why}); save it again as .xlsx in Excel/WPS, or ask for the original"),
    "encrypted": (
        "工作簿设置了打开密码，无法读取。请在 Excel/WPS 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存为 .xlsx "
        "再提交；或在命令中用 --password 给出密码。",
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
    "not_spreadsheet": (f"文件不是 Excel 工作簿：{{what_zh}}。{RESAVE_ZH}。", f"not an Excel workbook: {{what_en}}; {RESAVE_EN}"),
    "not_spreadsheet.archive": ("文件是一个压缩包，里面不是 Excel 工作簿。请直接提交 .xlsx 工作簿。",
                                "a zip archive, but not an Excel workbook; send the .xlsx workbook itself"),
    "unsupported_format": (f"{{what_zh}}，本工具不读取这种格式。{RESAVE_ZH}。",
                           f"{{what_en}}, a format this tool does not read; {RESAVE_EN}"),
    "no_form": ("文件中没有找到绩效自评表（未识别到“一级指标/二级指标/三级指标”等表头）。",
                "no self-evaluation form found in this workbook"),
    "internal_error": ("核查此文件时程序出错（{why}），请把文件转给维护人员。",
                       "the checker failed on this file ({why}); please report it with the file"),
    "crash": ("核查此文件时程序出错（{why}），请把文件转给维护人员。", "the checker failed on this file ({why})"),
    "timeout": ("核查此文件超过 {seconds} 秒，已中止（其余文件照常核查）。请在 Excel/WPS 中另存为 .xlsx 后单独核查，或把文件转给维护人员。",
                "checking this file took over {seconds} s and was stopped (the other files were checked); save "
                "it again as .xlsx and check it alone, or report it with the file"),
    "unsafe_path": ("压缩包成员的路径不安全（含“..”或绝对路径），未解压。",
                    "unsafe member path in the archive (.. or absolute); not extracted"),
    "corrupt_archive": ("压缩包已损坏，无法解压，请重新发送。", "the archive is damaged and cannot be unpacked"),
    "unsupported": ("压缩包使用了不支持的压缩方式，请用普通 zip 重新压缩。", "unsupported compression method in the archive"),
    "too_many_members": ("压缩包内文件过多，未处理。", "too many members in the archive; not processed"),
    "too_deep": ("压缩包嵌套层数过多，未处理。", "archives nested too deep; not processed"),
    "no_workbook": ("压缩包中没有 Excel 工作簿（.xlsx/.xlsm/.xls/.ods）。", "no workbook (.xlsx/.xlsm/.xls/.ods) in the archive"),
    "no_attachment": ("邮件中没有 Excel 附件（.xlsx/.xlsm/.xls/.ods）。", "no workbook attachment (.xlsx/.xlsm/.xls/.ods) in the e-mail"),
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
