"""Write 部门预算项目支出绩效自评表 (Sichuan platform export layout) onto openpyxl worksheets.

`write_form(ws, form, **layout)` renders one form (a dict as in `sample_data.seed004.FORMS`).
With no layout options it produces the canonical layout (columns A..J, title in row 1); the options
produce awkward-but-valid variants for reader tests. Each option is independent and off by default:

    origin=(row_offset, col_offset)   shift the whole form (0, 0 = title in A1)
    sheet_name="..."                  rename the worksheet
    blank_rows_at=[10, 18]            insert a fully blank row after each given canonical row
                                      (a value may repeat to insert several); merges that span the
                                      insertion point grow over it, as Excel does when a row is inserted
    unmerged=True                     no merged cells: the label/value is repeated in every covered cell
    label_noise=True                  labels with stray spaces, line breaks, full-width brackets
    amounts="number"|"text"|"wan_suffix"|"yuan"|"fullwidth"
    rates="text"|"fullwidth_percent"|"fraction"|"percent_number"|"full_precision"
    zero_as="0.00"|"—"|"-"            how zero amounts on the 其中 sub-rows are written
    overrides={...}                   plant errors; keys are either a path tuple into the form dict,
                                      e.g. ("budget", 0, "score"), ("indicators", 2, "actual"),
                                      ("total_score",) — the value then goes through the normal
                                      conversion — or a canonical cell reference such as "H10",
                                      whose value is written to the (shifted) cell exactly as given
                                      (must be a merge anchor or an unmerged cell).

`build_workbook(path, forms, **layout)` writes a whole workbook (one form per sheet; `cover_sheet=True`
adds a leading "封面" sheet, `instructions_sheet=True` a "填报说明" sheet after it).
Output is deterministic: fixed document properties and fixed zip timestamps.

Run `python -m sample_data.build` from the repo root to rewrite the committed samples.
"""

import copy
import datetime
import io
import json
import re
import zipfile
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
from openpyxl.writer.excel import ExcelWriter

TITLE = "部门预算项目支出绩效自评表(2023年度)"
SHEET_NAME = "项目支出绩效自评表"
FIXED_TIME = datetime.datetime(2024, 5, 31, 9, 0, 0)

FONT = "宋体"
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
COLUMN_WIDTHS = [12, 14, 34, 10, 14, 10, 14, 10, 10, 18]  # A..J

# Canonical row numbers of the fixed part of the layout.
ROW_TITLE, ROW_BUDGET_HEADER, ROW_BUDGET_FIRST = 1, 9, 10
ROW_INDICATOR_TITLE, ROW_INDICATOR_HEADER, ROW_INDICATOR_FIRST = 15, 16, 17

INDICATOR_HEADERS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
                     "权重", "得分", "未完成原因分析")
BUDGET_HEADERS = ("年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分")

LABEL_NOISE = {
    TITLE: "部门预算项目支出绩效自评表（2023年度）",
    "项目名称": "项目 名称",
    "主管部门": "主管部门 ",
    "实施单位(盖章)": "实施单位\n（盖章）",
    "项目基本情况": "项目基本\n情况",
    "1.项目年度目标完成情况": "1. 项目年度目标完成情况",
    "项目年度目标": " 项目年度目标",
    "2.项目实施内容及过程概述": "2.项目实施内容及\n过程概述",
    "预算执行情况(10分)": "预算执行情况（10分）",
    "年度预算数(万元)": "年度预算数（万元）",
    "年度预算数(元)": "年度预算数（元）",
    "年初预算": "年初\n预算",
    "调整后预算数": " 调整后 预算数",
    "预算执行数": "预算执行数 ",
    "预算执行率": "预算执行率\n",
    "原因": "原 因",
    "总额": " 总额",
    "其中:财政资金": "其中：财政资金",
    "财政专户管理资金": "财政专户\n管理资金",
    "绩效指标(90分)": "绩效指标（90分）",
    "一级指标": "一级\n指标",
    "指标性质": "指标\n性质",
    "度量单位": "度量\n单位",
    "完成值": " 完成值",
    "未完成原因分析": "未完成原因\n分析",
    "合计": "合  计",
    "评价结论": "评价结论：",
    "改进措施": "改进 措施",
}

FULLWIDTH = str.maketrans("0123456789.,-%", "０１２３４５６７８９．，－％")


# --------------------------------------------------------------------------- value conversion

def as_number(text):
    """'20' -> 20, '7.1' -> 7.1; anything that is not a plain decimal stays as it is."""
    if isinstance(text, str) and re.fullmatch(r"-?\d+(\.\d+)?", text):
        value = Decimal(text)
        return int(value) if value == value.to_integral_value() else float(value)
    return text


def _amount(text, mode, zero_as, sub_row):
    """Returns (value, number_format) for one 万元 amount cell."""
    if text is None:
        return None, None
    if sub_row and zero_as != "0.00" and Decimal(text) == 0:
        return zero_as, None
    if mode == "number":
        return float(Decimal(text)), "0.00"
    if mode == "text":
        return text, None
    if mode == "wan_suffix":
        return text + "万元", None
    if mode == "yuan":
        return f"{Decimal(text) * 10000:,.2f}", None
    if mode == "fullwidth":
        return text.translate(FULLWIDTH), None
    raise ValueError(f"unknown amounts mode {mode!r}")


def _rate(row, mode):
    """Returns (value, number_format) for one 预算执行率 cell."""
    text = row["rate"]
    if text is None:
        return None, None
    if mode == "text":
        return text, None
    if mode == "fullwidth_percent":
        return text.replace("%", "％"), None
    percent = Decimal(text.rstrip("%"))
    if mode == "fraction":
        return float(percent / 100), "0.00%"
    if mode == "percent_number":
        return float(percent), "0.00"
    if mode == "full_precision":
        adjusted = Decimal(row["adjusted"])
        fraction = Decimal(row["executed"]) / adjusted if adjusted else Decimal(0)
        return float(fraction), "0.00%"
    raise ValueError(f"unknown rates mode {mode!r}")


def apply_path_overrides(form, overrides):
    """Return a copy of `form` with every tuple-keyed override applied (("budget", 0, "score"): "8")."""
    form = copy.deepcopy(form)
    for key, value in (overrides or {}).items():
        if isinstance(key, tuple):
            target = form
            for step in key[:-1]:
                target = target[step]
            target[key[-1]] = value
    return form


# --------------------------------------------------------------------------- canonical grid

class Grid:
    """The form in canonical coordinates: cells {(row, col): (value, kind, number_format)} and merges."""

    def __init__(self):
        self.cells = {}
        self.merges = []

    def put(self, row, col, value, kind="text", fmt=None, to_row=None, to_col=None):
        self.cells[(row, col)] = (value, kind, fmt)
        to_row, to_col = to_row or row, to_col or col
        if (to_row, to_col) != (row, col):
            self.merges.append((row, col, to_row, to_col))


def render(form, *, amounts="number", rates="text", zero_as="0.00"):
    """Lay the form out in canonical coordinates (A1 = (1, 1)). Returns (grid, last_row)."""
    g = Grid()
    g.put(1, 1, TITLE, "title", to_col=10)
    g.put(2, 1, "项目名称", "label", to_col=2)
    g.put(2, 3, form["project"], to_col=10)
    g.put(3, 1, "主管部门", "label", to_col=2)
    g.put(3, 3, form["department"], to_col=5)
    g.put(3, 6, "实施单位(盖章)", "label", to_col=7)
    g.put(3, 8, form["unit"], to_col=10)
    g.put(4, 1, "项目基本情况", "label", to_row=7)
    g.put(4, 2, "1.项目年度目标完成情况", "label", to_col=10)
    g.put(5, 2, "项目年度目标", "label", to_col=5)
    g.put(5, 6, "年度目标完成情况", "label", to_col=10)
    g.put(6, 2, form["goal"], "long", to_col=5)
    g.put(6, 6, form["goal_done"], "long", to_col=10)
    g.put(7, 2, "2.项目实施内容及过程概述", "label", to_col=3)
    g.put(7, 4, form["content"] or None, "long", to_col=10)

    g.put(8, 1, "预算执行情况(10分)", "label", to_col=10)
    g.put(9, 1, "年度预算数(元)" if amounts == "yuan" else "年度预算数(万元)", "label", to_col=2)
    for col, header in enumerate(BUDGET_HEADERS, start=3):
        g.put(9, col, header, "label")
    g.put(9, 9, "原因", "label", to_col=10)
    for i, row in enumerate(form["budget"]):
        r = ROW_BUDGET_FIRST + i
        g.put(r, 1, row["label"], "label", to_col=2)
        for col, key in ((3, "initial"), (4, "adjusted"), (5, "executed")):
            value, fmt = _amount(row[key], amounts, zero_as, sub_row=i > 0)
            g.put(r, col, value, "number", fmt)
        value, fmt = _rate(row, rates)
        g.put(r, 6, value, "number", fmt)
        g.put(r, 7, as_number(row["weight"]), "number")
        g.put(r, 8, as_number(row["score"]), "number")
    g.put(ROW_BUDGET_FIRST, 9, form["reason"] or None, "long", to_row=ROW_BUDGET_FIRST + 4, to_col=10)

    g.put(ROW_INDICATOR_TITLE, 1, "绩效指标(90分)", "label", to_col=10)
    for col, header in enumerate(INDICATOR_HEADERS, start=1):
        g.put(ROW_INDICATOR_HEADER, col, header, "label")
    indicators = form["indicators"]
    first = ROW_INDICATOR_FIRST
    for i, ind in enumerate(indicators):
        r = first + i
        g.put(r, 3, ind["level3"], "long")
        g.put(r, 4, ind["nature"] or None, "label")
        for col, key in ((5, "target"), (6, "unit"), (7, "actual"), (8, "weight"), (9, "score")):
            g.put(r, col, as_number(ind[key]) if ind[key] != "" else None, "number")
        g.put(r, 10, ind["reason"] or None, "long")
    # 一级 merged over its whole group, 二级 over consecutive rows with the same 二级 inside it.
    for col, key_of in ((1, lambda x: x["level1"]), (2, lambda x: (x["level1"], x["level2"]))):
        start = 0
        for i in range(1, len(indicators) + 1):
            if i == len(indicators) or key_of(indicators[i]) != key_of(indicators[start]):
                label = indicators[start]["level1" if col == 1 else "level2"]
                g.put(first + start, col, label, "label", to_row=first + i - 1)
                start = i

    r = first + len(indicators)
    g.put(r, 1, "合计", "label", to_col=7)
    g.put(r, 8, as_number(form["total_weight"]), "number")
    g.put(r, 9, as_number(form["total_score"]), "number")
    g.put(r, 10, None)
    for offset, (label, key) in enumerate((("评价结论", "conclusion"), ("存在问题", "problems"),
                                           ("改进措施", "measures")), start=1):
        g.put(r + offset, 1, label, "label", to_col=2)
        g.put(r + offset, 3, form[key] or None, "long", to_col=10)
    g.put(r + 4, 1, form["leader"], "long", to_col=5)
    g.put(r + 4, 6, form["finance"], "long", to_col=10)
    return g, r + 4


# --------------------------------------------------------------------------- writing

def _style(cell, kind, fmt, bordered):
    if kind == "title":
        cell.font = Font(name=FONT, size=16, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        return
    cell.font = Font(name=FONT, size=11)
    horizontal = "left" if kind == "long" else "center"
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    if fmt:
        cell.number_format = fmt
    if bordered:
        cell.border = BORDER


def _height(*text_and_width):
    """Row height (points) for wrapped texts, given pairs (text, CJK characters per line)."""
    pairs = zip(text_and_width[::2], text_and_width[1::2])
    lines = max(-(-len(text or "") // per_line) for text, per_line in pairs)
    return max(30, 15 * lines)


def write_form(ws, form, *, origin=(0, 0), sheet_name=None, blank_rows_at=(), unmerged=False,
               label_noise=False, amounts="number", rates="text", zero_as="0.00", overrides=None):
    """Write one form onto `ws`. Returns {canonical row: actual row} for the rows written."""
    if sheet_name:
        ws.title = sheet_name
    form = apply_path_overrides(form, overrides)
    grid, last_row = render(form, amounts=amounts, rates=rates, zero_as=zero_as)
    row_offset, col_offset = origin

    row_map, shift = {}, 0
    for r in range(1, last_row + 1):
        row_map[r] = r + row_offset + shift
        shift += list(blank_rows_at).count(r)

    def place(r, c):
        return row_map[r], c + col_offset

    merged_cover = {}  # covered canonical cell -> anchor, for unmerged mode
    for r1, c1, r2, c2 in grid.merges:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                merged_cover[(r, c)] = (r1, c1)

    # Every canonical cell of rows 2..last gets a border; covered cells repeat the anchor when unmerged.
    for r in range(1, last_row + 1):
        for c in range(1, 11):
            anchor = merged_cover.get((r, c), (r, c))
            if anchor not in grid.cells:
                continue
            value, kind, fmt = grid.cells[anchor]
            if anchor != (r, c) and not unmerged:
                value = None
            if label_noise and kind in ("label", "title") and isinstance(value, str):
                value = LABEL_NOISE.get(value, value)
            cell = ws.cell(*place(r, c))
            if value is not None:
                cell.value = value
            _style(cell, kind, fmt, bordered=r > ROW_TITLE)

    if not unmerged:
        for r1, c1, r2, c2 in grid.merges:
            (top, left), (bottom, right) = place(r1, c1), place(r2, c2)
            ws.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)

    for key, value in (overrides or {}).items():
        if isinstance(key, str):
            letters, number = coordinate_from_string(key)
            ws.cell(*place(number, column_index_from_string(letters))).value = value

    for i, width in enumerate(COLUMN_WIDTHS, start=1 + col_offset):
        ws.column_dimensions[get_column_letter(i)].width = width
    heights = {ROW_TITLE: 30,
               6: _height(form["goal"], 34, form["goal_done"], 30),
               7: _height(form["content"], 30)}
    for i, ind in enumerate(form["indicators"]):
        heights[ROW_INDICATOR_FIRST + i] = _height(ind["level3"], 16)
    for r, key in zip(range(last_row - 3, last_row), ("conclusion", "problems", "measures")):
        heights[r] = _height(form[key], 40)
    for r, height in heights.items():
        ws.row_dimensions[row_map[r]].height = height
    fit_to_page_width(ws)
    return row_map


def fit_to_page_width(ws):
    """Print landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


COVER_LINES = (
    "眉山市政务服务管理局",
    "2023年度部门决算",
    "附件1.2 部门预算项目支出绩效自评表",
    "(项目共12个,每个项目一张表)",
    "编制单位:眉山市政务服务管理局",
)

INSTRUCTIONS = (
    "填报说明",
    "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);",
    "2.年中发生预算调整的(追加或调减),应单独说明理由;",
    "3.其他资金包括:社会投入资金、银行贷款;",
    "4.预算执行情况权重10分,绩效指标权重合计90分,合计100分;",
    "5.指标性质填写=、≥、≤或定性;定性指标按达成年度指标、部分达成年度指标并具有一定效果、"
    "未达成年度指标且效果较差三档评分;",
    "6.报表说明:该报表查询项目信息、绩效目标信息、预算及执行情况,用于预算单位查询导出开展项目自评。",
    "适用地区:全省范围",
)


def _text_sheet(wb, title, lines, bold_first=False):
    ws = wb.create_sheet(title)
    ws.column_dimensions["A"].width = 100
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(i, 1, line)
        cell.font = Font(name=FONT, size=14 if bold_first and i == 1 else 11, bold=bold_first and i == 1)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return ws


def new_workbook():
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "perfeval_xl sample_data"
    wb.properties.lastModifiedBy = "perfeval_xl sample_data"
    return wb


def save_deterministic(wb, path):
    """Save with fixed properties and zip timestamps, so rebuilding gives byte-identical files."""
    wb.properties.created = wb.properties.created or FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps properties.modified
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))


def build_workbook(path, forms, *, sheet_names=None, cover_sheet=False, instructions_sheet=False,
                   **layout):
    """Write `forms` one per sheet. Sheet names: `sheet_names`, else layout sheet_name / default for a
    single form, else 自评表1..n."""
    wb = new_workbook()
    if cover_sheet:
        _text_sheet(wb, "封面", COVER_LINES, bold_first=True)
    if instructions_sheet:
        _text_sheet(wb, "填报说明", INSTRUCTIONS, bold_first=True)
    single_name = layout.pop("sheet_name", None) or SHEET_NAME
    if sheet_names is None:
        sheet_names = [single_name] if len(forms) == 1 else [f"自评表{i}" for i in range(1, len(forms) + 1)]
    for form, name in zip(forms, sheet_names):
        write_form(wb.create_sheet(name), form, **layout)
    save_deterministic(wb, path)
    return path


GRADE_BANDS = ((90, "优"), (80, "良"), (60, "中"), (0, "差"))


def expected_values(form):
    """The numeric fields of expected.json for one form, computed from its printed values."""
    total = form["budget"][0]
    adjusted, executed = Decimal(total["adjusted"]), Decimal(total["executed"])
    rate = (executed / adjusted).quantize(Decimal("0.0001"), ROUND_HALF_UP) if adjusted else Decimal(0)
    indicator_total = sum(Decimal(ind["score"]) for ind in form["indicators"])
    total_score = Decimal(form["total_score"])
    return {
        "execution_rate": float(rate),
        "execution_score": as_number(total["score"]),
        "indicator_score_total": as_number(str(indicator_total)),
        "total_score": as_number(form["total_score"]),
        "grade": next(label for floor, label in GRADE_BANDS if total_score >= floor),
    }


def main():
    from sample_data.seed004 import FORMS

    here = Path(__file__).resolve().parent
    for form in FORMS:
        print(build_workbook(here / "meishan_2023" / f"{form['slug']}.xlsx", [form]))
    print(build_workbook(here / "meishan_2023_all.xlsx", FORMS, cover_sheet=True, instructions_sheet=True))

    # expected.json is hand-maintained (its notes are prose); make sure its numbers still match the data.
    expected = json.loads((here / "expected.json").read_text(encoding="utf-8"))
    for form in FORMS:
        recorded = {key: expected.get(form["slug"], {}).get(key) for key in expected_values(form)}
        if recorded != expected_values(form):
            print(f"WARNING expected.json out of date for {form['slug']}: {expected_values(form)}")


if __name__ == "__main__":
    main()
