"""Write the tables of sample_data.frameworks_b into workbooks and recompute their sums into
sample_data/frameworks_b_expected.json.

Sheet layout (1-based Excel rows, one table per workbook, columns from A): the `above` lines, the title (merged over
all columns), the `before` lines, the header rows, the body rows, the `after` lines. Every header and body cell has
a thin border and wraps; level labels are centred, prose columns are left-aligned. Plain decimals are written as
numbers ("0.00" when printed with two decimals), percentages ("73.68%", "8%") as fractions with a percent format,
everything else as text; blank cells stay empty.

After saving, every workbook is reopened with openpyxl and compared cell by cell and merge by merge with the data;
the recomputation (Σ leaf scores, Σ child weights per level, grade by 90/80/60) is then done on the reopened sheet,
i.e. on what a reader of the file sees (a weight typed "8%" is 0.08 there).

Run `python -m sample_data.build_frameworks_b` from the repo root.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from sample_data.build import BORDER, FONT, as_number, fit_to_page_width, new_workbook, save_deterministic
from sample_data.frameworks_b import TABLES
from sample_data.frameworks_b import WUHUA_FIRST_INDICATOR as WUHUA_FIRST, WUHUA_LAST_INDICATOR as WUHUA_LAST

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "frameworks"
EXPECTED = HERE / "frameworks_b_expected.json"

GRADE_BANDS = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))
LABEL_WEIGHT = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]")


# --------------------------------------------------------------------------- values

def cell_value(text):
    """(value, number_format) for one cell text as the unit's Excel would hold it."""
    if text == "":
        return None, None
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        decimals = len(text.split(".")[1]) if "." in text else 0
        return as_number(text), ("0." + "0" * decimals if decimals else None)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%", text)
    if match:
        decimals = len(match.group(1).split(".")[1]) if "." in match.group(1) else 0
        return float(Decimal(match.group(1)) / 100), ("0." + "0" * decimals + "%" if decimals else "0%")
    return text, None


def grade(total):
    return None if total is None else next(label for floor, label in GRADE_BANDS if total >= floor)


def plain(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --------------------------------------------------------------------------- layout

def layout(table):
    """Excel rows of each part of the sheet."""
    row = 1 + len(table["above"])
    title = row
    row += 1 + len(table["before"])
    header = list(range(row, row + len(table["header"])))
    first = row + len(table["header"])
    last = first + len(table["rows"]) - 1
    return {"title_row": title, "header_rows": header, "first_body_row": first, "last_body_row": last,
            "after_rows": list(range(last + 1, last + 1 + len(table["after"])))}


def _lines(text, width):
    """Printed lines of a wrapped text in a cell `width` units wide (a CJK character takes about 2 units)."""
    if not text:
        return 0
    per_line = max(int(width) - 1, 2)
    return sum(max(1, -(-sum(2 if ord(ch) > 0x2e80 else 1 for ch in part) // per_line))
               for part in str(text).split("\n"))


def write_table(ws, table):
    ncols = len(table["columns"])
    widths = table["widths"]
    lay = layout(table)

    def line(row, text, size=11, bold=False, center=False):
        cell = ws.cell(row, 1, text)
        cell.font = Font(name=FONT, size=size, bold=bold)
        cell.alignment = Alignment(horizontal="center" if center else "left", vertical="center",
                                   wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)

    for i, text in enumerate(table["above"]):
        line(1 + i, text)
    line(lay["title_row"], table["title"], size=16, bold=True, center=True)
    ws.row_dimensions[lay["title_row"]].height = 30
    for i, text in enumerate(table["before"]):
        line(lay["title_row"] + 1 + i, text, center=True)

    grid = [(lay["header_rows"][i], row, True) for i, row in enumerate(table["header"])]
    grid += [(lay["first_body_row"] + i, row, i in table["bold_rows"]) for i, row in enumerate(table["rows"])]
    prose_cells = {(lay["first_body_row"] + r, c) for r, c in table.get("prose_cells", [])}
    for excel_row, texts, bold in grid:
        for c, text in enumerate(texts):
            cell = ws.cell(excel_row, c + 1)
            value, fmt = cell_value(text)
            if value is not None:
                cell.value = value
            if fmt:
                cell.number_format = fmt
            prose = (c in table["prose_cols"] and excel_row >= lay["first_body_row"]) or \
                (excel_row, c) in prose_cells
            cell.font = Font(name=FONT, size=10, bold=bold)
            cell.alignment = Alignment(horizontal="left" if prose else "center", vertical="center",
                                       wrap_text=True)
            cell.border = BORDER

    merges = [(lay["header_rows"][0] + r0, c0, lay["header_rows"][0] + r1, c1)
              for r0, c0, r1, c1 in table["header_merges"]]
    merges += [(lay["first_body_row"] + r0, c0, lay["first_body_row"] + r1, c1)
               for r0, c0, r1, c1 in table["merges"]]
    for r0, c0, r1, c1 in merges:
        ws.merge_cells(start_row=r0, start_column=c0 + 1, end_row=r1, end_column=c1 + 1)
    for i, text in enumerate(table["after"]):
        line(lay["after_rows"][i], text)

    # Row heights: single-row cells first, then multi-row merges get the missing height spread over their rows.
    covered = {}
    for r0, c0, r1, c1 in merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                covered[(r, c)] = (r0, c0, r1, c1)
    heights = {}
    tall = []
    for excel_row, texts, _ in grid:
        for c, text in enumerate(texts):
            if not text:
                continue
            r0, c0, r1, c1 = covered.get((excel_row, c), (excel_row, c, excel_row, c))
            need = 14 * _lines(text, sum(widths[c0:c1 + 1])) + 4
            if r1 == r0:
                heights[excel_row] = max(heights.get(excel_row, 18), need)
            else:
                tall.append((r0, r1, need))
    for excel_row, _, _ in grid:
        heights.setdefault(excel_row, 18)
    for r0, r1, need in tall:
        have = sum(heights[r] for r in range(r0, r1 + 1))
        if have < need:
            for r in range(r0, r1 + 1):
                heights[r] += (need - have) / (r1 - r0 + 1)
    for r, height in heights.items():
        ws.row_dimensions[r].height = round(min(height, 409), 1)
    for r in [*range(1, lay["title_row"]), *range(lay["title_row"] + 1, lay["title_row"] + 1 + len(table["before"])),
              *lay["after_rows"]]:
        text = ws.cell(r, 1).value or ""
        ws.row_dimensions[r].height = max(18, 14 * _lines(text, sum(widths)) + 4)

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if lay["header_rows"]:
        ws.print_title_rows = f"{lay['header_rows'][0]}:{lay['header_rows'][-1]}"
    fit_to_page_width(ws)
    return lay


def build(table):
    wb = new_workbook()
    write_table(wb.create_sheet(table["sheet"]), table)
    path = OUT_DIR / table["file"]
    save_deterministic(wb, path)
    return path


# --------------------------------------------------------------------------- verification

def verify(table, ws):
    """Compare the reopened sheet with the data: values, number formats, merges. Returns a list of problems."""
    lay = layout(table)
    problems = []
    rows = [(lay["header_rows"][i], row) for i, row in enumerate(table["header"])]
    rows += [(lay["first_body_row"] + i, row) for i, row in enumerate(table["rows"])]
    for excel_row, texts in rows:
        for c, text in enumerate(texts):
            value, fmt = cell_value(text)
            cell = ws.cell(excel_row, c + 1)
            if cell.value != value or (fmt and cell.number_format != fmt):
                problems.append(f"{cell.coordinate}: {cell.value!r} != {value!r}")
    want = {(lay["header_rows"][0] + r0, c0 + 1, lay["header_rows"][0] + r1, c1 + 1)
            for r0, c0, r1, c1 in table["header_merges"]}
    want |= {(lay["first_body_row"] + r0, c0 + 1, lay["first_body_row"] + r1, c1 + 1)
             for r0, c0, r1, c1 in table["merges"]}
    want |= {(r, 1, r, len(table["columns"])) for r in
             [*range(1, lay["title_row"] + 1 + len(table["before"])), *lay["after_rows"]]}
    have = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges}
    if want != have:
        problems.append(f"merges differ: missing {sorted(want - have)}, extra {sorted(have - want)}")
    if ws.cell(lay["title_row"], 1).value != table["title"]:
        problems.append("title row")
    return problems


# --------------------------------------------------------------------------- recomputation on the sheet

def _number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    return None


def analyse(table, ws):
    """Rebuild the indicator tree from the reopened sheet and recompute its sums.

    `scoring.levels` lists, per level, (label column, weight source): "label" = the weight is the "（N分）" inside
    the label, an int = the weight is the value of that column. A level's node is the merged cell holding its
    weight (or its label); a level whose node is the parent's cell (扣分项 over 一级+二级, 二级 over B:C) is skipped.
    Leaves are the last level; scores are read from `score_col` at the leaf's rows (one score per leaf)."""
    spec = table["scoring"]
    lay = layout(table)
    first = lay["first_body_row"]
    anchor = {}
    for m in ws.merged_cells.ranges:
        for r in range(m.min_row, m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                anchor[(r, c)] = (m.min_row, m.min_col)

    def at(r, c):  # 0-based column
        return anchor.get((r, c + 1), (r, c + 1))

    def ref(cell):
        return f"{get_column_letter(cell[1])}{cell[0]}"

    nodes, order = {}, []
    for r in range(first + spec["body"][0], first + spec["body"][1] + 1):
        parent = None
        depth = len(spec["levels"])
        for level, (label_col, wsrc) in enumerate(spec["levels"]):
            label_cell = at(r, label_col)
            key = label_cell if wsrc == "label" else at(r, wsrc)
            label = ws.cell(*label_cell).value
            if parent is not None and (key == parent or label_cell == nodes[parent]["label_cells"][0]):
                continue
            if wsrc == "label" and not label:
                continue
            node = nodes.get(key)
            if node is None:
                raw = ws.cell(*key).value if wsrc != "label" else None
                if wsrc == "label":
                    match = LABEL_WEIGHT.search(str(label or ""))
                    weight = Decimal(match.group(1)) if match else None
                else:
                    weight = _number(raw)
                node = {"key": key, "level": level, "label_cells": [], "labels": [], "weight": weight,
                        "weight_raw": raw, "parent": parent, "children": [], "rows": [],
                        "is_leaf": level == depth - 1}
                nodes[key] = node
                order.append(key)
                if parent is not None:
                    nodes[parent]["children"].append(key)
            if label_cell not in node["label_cells"]:
                node["label_cells"].append(label_cell)
                node["labels"].append(label)
            node["rows"].append(r)
            parent = key

    deduct_roots = {k for k in order if nodes[k]["parent"] is None and "扣分" in str(nodes[k]["labels"][0])}
    pick_one = {k for k in order if nodes[k]["labels"][0] in spec.get("pick_one", [])}

    def score_of(leaf):
        cells = {at(r, spec["score_col"]) for r in nodes[leaf]["rows"]}
        values = [ws.cell(*cell).value for cell in sorted(cells)]
        numbers = [_number(v) for v in values if v is not None]
        return sorted(cells)[0], (sum(numbers, Decimal(0)) if numbers else None), values

    leaves = [k for k in order if nodes[k]["is_leaf"]]
    for leaf in leaves:
        nodes[leaf]["score_cell"], nodes[leaf]["score"], _ = score_of(leaf)

    def root(key):
        while nodes[key]["parent"] is not None:
            key = nodes[key]["parent"]
        return key

    def subtree_leaves(key):
        if nodes[key]["is_leaf"]:
            return [key]
        return [leaf for child in nodes[key]["children"] for leaf in subtree_leaves(child)]

    def score_sum(key):
        scores = [nodes[leaf]["score"] for leaf in subtree_leaves(key) if nodes[leaf]["score"] is not None]
        return sum(scores, Decimal(0))

    # pick-one blocks: the alternative with the highest score sum counts, the others are not applicable
    not_applicable = set()
    chosen = {}
    for key in order:
        if key in pick_one:
            alternatives = nodes[key]["children"]
            best = max(alternatives, key=lambda k: (score_sum(k), -alternatives.index(k)))
            chosen[key] = best
            for alt in alternatives:
                if alt != best:
                    not_applicable.update(subtree_leaves(alt))
    # "不涉及" rows: no weight and no score anywhere below
    empty = {k for k in order if root(k) not in deduct_roots
             and all(nodes[leaf]["weight"] is None and nodes[leaf]["score"] is None for leaf in subtree_leaves(k))}
    not_applicable |= {k for k in leaves if k in empty}
    unweighted_level = {k for k in order if spec["levels"][nodes[k]["level"]][1] == "label"
                        and nodes[k]["weight"] is None and nodes[k]["parent"] is not None}

    def effective_weight(key):
        """The printed weight; for a sub-level printed without one (在建项目), Σ of its children."""
        node = nodes[key]
        if node["weight"] is not None or key not in unweighted_level:
            return node["weight"]
        kids = [chosen[key]] if key in pick_one else node["children"]
        weights = [effective_weight(k) for k in kids]
        return None if any(w is None for w in weights) else sum(weights, Decimal(0))

    groups = []
    for key in order:
        node = nodes[key]
        if node["is_leaf"]:
            continue
        kids = [k for k in node["children"] if k not in empty]
        counted_kids = [chosen[key]] if key in pick_one else kids
        kid_weights = [effective_weight(k) for k in counted_kids]
        known = [w for w in kid_weights if w is not None]
        missing = [ref(k) for k in counted_kids if effective_weight(k) is None]
        weight = node["weight"]
        if root(key) in deduct_roots or key in empty or key in unweighted_level:
            matches = None
        else:
            matches = weight is not None and not missing and weight == sum(known, Decimal(0))
        groups.append({
            "cell": ref(node["label_cells"][0]),
            "weight_cell": ref(key),
            "label": node["labels"][0],
            "level": node["level"] + 1,
            "weight": plain(weight),
            **({"weight_derived": plain(effective_weight(key))} if key in unweighted_level else {}),
            "children": [ref(nodes[k]["label_cells"][0]) for k in node["children"]],
            "children_weight_sum": plain(sum(known, Decimal(0))),
            "children_weights_missing": missing,
            **({"pick_one": True, "chosen": ref(nodes[chosen[key]]["label_cells"][0])} if key in pick_one else {}),
            **({"not_applicable": True} if key in empty else {}),
            "score_sum": plain(score_sum(chosen[key]) if key in pick_one else score_sum(key)),
            "weight_matches_children": matches,
        })

    leaf_rows = []
    for leaf in leaves:
        node = nodes[leaf]
        deduct = root(leaf) in deduct_roots
        leaf_rows.append({
            "cell": ref(node["label_cells"][0]),
            "label": " / ".join(str(x) for x in node["labels"]),
            "weight_cell": ref(leaf) if spec["levels"][-1][1] != "label" else ref(node["label_cells"][0]),
            "weight": plain(node["weight"]) if node["weight"] is not None else node["weight_raw"],
            "score_cell": ref(node["score_cell"]),
            "score": plain(node["score"]),
            **({"deduction": True} if deduct else {}),
            **({"not_applicable": True} if leaf in not_applicable else {}),
        })

    counted = [leaf for leaf in leaves if leaf not in not_applicable]
    positive = [leaf for leaf in counted if root(leaf) not in deduct_roots]
    deductions = [leaf for leaf in counted if root(leaf) in deduct_roots]
    score_total = sum((nodes[k]["score"] for k in positive if nodes[k]["score"] is not None), Decimal(0)) \
        - sum((abs(nodes[k]["score"]) for k in deductions if nodes[k]["score"] is not None), Decimal(0))
    weight_total = sum((nodes[k]["weight"] for k in positive if nodes[k]["weight"] is not None), Decimal(0))
    top = [k for k in order if nodes[k]["parent"] is None and k not in deduct_roots]

    return {
        "leaf_count": len(leaves),
        "leaf_count_counted": len(positive),
        "leaf_weight_sum": plain(weight_total),
        "level1_weight_sum": plain(sum((nodes[k]["weight"] for k in top if nodes[k]["weight"] is not None),
                                       Decimal(0))),
        "level1_weights_missing": [ref(k) for k in top if nodes[k]["weight"] is None],
        "leaf_score_sum": plain(score_total),
        "leaves_without_score": [ref(nodes[k]["score_cell"]) for k in positive if nodes[k]["score"] is None
                                 and nodes[k]["weight"] is not None],
        "leaves_without_weight": [ref(nodes[k]["label_cells"][0]) for k in positive if nodes[k]["weight"] is None],
        "scores_above_weight": [ref(nodes[k]["score_cell"]) for k in positive
                                if nodes[k]["score"] is not None and nodes[k]["weight"] is not None
                                and nodes[k]["score"] > nodes[k]["weight"]],
        "groups": groups,
        "groups_weight_mismatch": [g["weight_cell"] for g in groups if g["weight_matches_children"] is False],
        "leaves": leaf_rows,
    }


# --------------------------------------------------------------------------- notes

class Refs:
    """Excel references into one built table: a body row is found by the text its cells start with."""

    def __init__(self, table):
        self.table = table
        self.lay = layout(table)
        self.col = {name: i for i, name in reversed(list(enumerate(table["columns"])))}
        self.col["score"] = table["scoring"]["score_col"]
        if isinstance(table["scoring"]["levels"][-1][1], int):
            self.col["weight"] = table["scoring"]["levels"][-1][1]

    def row(self, text, nth=0):
        hits = [i for i, row in enumerate(self.table["rows"]) if any(cell.startswith(text) for cell in row)]
        return self.lay["first_body_row"] + hits[nth]

    def body(self, index):
        return self.lay["first_body_row"] + index

    def __call__(self, text, col, nth=0):
        c = col if isinstance(col, int) else self.col[col]
        return f"{get_column_letter(c + 1)}{self.row(text, nth)}"


def notes_yongzhou(t, computed):
    R = Refs(t)
    summary = f"A{layout(t)['after_rows'][0]}"
    unscored = R("实际完成率", "score")
    return [
        f"{unscored}: 实际完成率（7分） has no score (blank merged cell {unscored}:F{R.row('计划产出数')}); every other "
        f"indicator is scored.",
        f"{summary} vs F{R.lay['first_body_row']}:F{R.lay['last_body_row']}: the stated 综合评分 92 is not the sum of "
        f"the 得分 column, Σ = {computed['leaf_score_sum']} (投入 19 + 过程 26 + 产出 20 + 效果 20). 92 − 85 = 7 = the full "
        f"weight of the unscored 实际完成率 ({unscored}): the total was presumably taken with it at full marks, or its "
        f"score was lost from the table.",
        f"{summary}: grade '良' does not match the stated total 92 (90–100 is 优 by the 90/80/60 bands); it matches the "
        f"recomputed Σ 85.",
        f"{R('经济效益', 'score')}, {R('生态效益', 'score')}: 经济效益 4/4 and 生态效益 3/3 for a 政务服务/电子政务 "
        f"operating fund with no economic or ecological target; {R('经济效益', '指标说明')} says these 共性要素 are set "
        f"'有选择的' (N/A scored full, C28).",
        f"{R('质量达标率', '指标说明')}: formula '（质量达标产出数/实际产出数）/100%' should be ×100%; "
        f"{R('完成及时率', '指标说明')} lacks the '＝' ('完成及时率[ (计划完成时间-实际完成时间）/计划完成时间] ×100%').",
        "Narrative (seed lines 19, 47): 项目支出491万元 = 政务中心运转及设备维护 449 + 12345热线和网格联动 43 = 492, "
        "not 491 (C17).",
        "Narrative (seed lines 14, 18): 核定编制20名 but 现有在编在岗23人 (C18).",
        f"{R('资金到位率', 'score')}: 资金到位率 4/4 agrees with the narrative (市财政拨款491万元, 到位率100%).",
    ]


def notes_wuhua(t, computed):
    R = Refs(t)
    g = {x["cell"]: x for x in computed["groups"]}
    total, detail, district = R.row("总分"), R.body(5), R.row("区级财政")
    goal = R.body(17)
    decision, process, output = R.row("决策"), R.row("过程"), R.row("产出")
    zero = ", ".join(R(text, "score") for text in ("档案电子化整理", "咨询台新建数量", "免费刻制印章数量", "组织培训次数",
                                                  "周三值班次数", "公众号发布信息期数"))
    return [
        f"G{total}: 总分 91 = Σ 三级得分 G{R.row('立项依据充分性')}:G{R.row('社会公众或服务对象满意度')} (决策 20 + 过程 19 + "
        f"产出 34 + 效益 18); B/D/F{total} 100 = Σ 二级 and Σ 三级 weights.",
        f"B{decision}: 一级 决策 weight 40, but its 二级 weights D{decision}:D{R.row('资金分配合理性')} sum to "
        f"{g[f'A{decision}']['children_weight_sum']} (项目立项 7 + 绩效目标 6 + 资金投入 7); 40 = 决策 20 + 过程 20.",
        f"B{process}: 一级 过程 has no weight (blank merged cell B{process}:B{R.row('制度执行有效性')}); its 二级 "
        f"weights sum to {g[f'A{process}']['children_weight_sum']}.",
        f"A{output}: no 效益 一级 label is printed: rows {R.row('经济效益')}-{R.row('社会公众或服务对象满意度')} (经济效益…满意度) "
        f"fall under 产出 60 = 产出 42 (数量 27 + 质量 9 + 时效 4 + 成本 2) + 效益 18; the printed 一级 weights (40 / blank / 60) "
        f"look entered for two pairs (决策+过程, 产出+效益) instead of 20 / 20 / 42 / 18.",
        f"C{process}, C{R.row('资金使用合规性')}: two different 二级 groups under 过程 are both named 资金管理 (6 and 7); "
        f"C{R.row('管理制度健全性')} '组织实施' has a trailing ideographic space.",
        f"G{R.row('预算执行率')}: 预算执行率 scored 2 of 3; proportional scoring gives 3 × 73.68% = 2.21 (F{detail}/D{detail} "
        f"= 293.08/397.80), so the form rounds down to an integer. G{R.row('全年预算执行进度')}, G{R.row('资金拨付及时性')}: "
        f"产出时效 scores budget execution again (1/2 and 1/2).",
        f"D{R.row('合      计')}:G{R.row('合      计')}: the 合计 row is blank while the detail row D{detail}:G{detail} and "
        f"the 区级财政 row D{district}:G{district} carry 397.80 / 397.80 / 293.08 / 73.68% (C01).",
        f"E{detail}/E{district} vs report: 实际到位数 397.80 (到位率 100%, G{R.row('资金到位率')} = 3/3), but the report says "
        f"'经费到位数为293.08万元…到位率为100%' (seed line 649); 293.08 is the amount spent.",
        f"E{goal}: 实际完成情况 restates the targets ('不低于40台(套)', '不低于12577个', '不低于24次', '投诉率不能超过5%') "
        f"instead of results, and claims 咨询台新建数量不低于1个, 免费刻制印章数量不低于12577个, 周三值班不低于24次, "
        f"公众号发布信息期数不低于24期 — yet {zero} score 0 (组织培训次数 and 档案电子化整理 are not mentioned).",
        f"E{goal} vs report: 创文考核指标达标率 '达到90%' in the form, '达到100%' in the report (seed lines 680, 689).",
        f"B{R.row('评价等次')}: the ticked 优 agrees with 总分 91 (90–100).",
        f"E{R.row('经济效益')}, E{R.row('环境效益')}: 经济效益 and 环境效益 '不涉及' with blank weights and scores; the 100 "
        f"points are spread over the other rows (R14), Σ 三级 weights = {computed['leaf_weight_sum']}.",
    ]


def notes_meishan_dept(t, computed):
    R = Refs(t)
    total = R.row("合计得分")
    return [
        f"S{total}: 合计得分 95.78 = Σ 自评得分 (总体绩效 62.03 + 项目绩效 33.75); every 二级 label weight equals the sum of "
        f"its 指标分值 and 65 + 35 = 100; no score exceeds its weight.",
        f"S{total} vs report: 95.78 is 优 by the 90/80/60 bands, but the report calls the result '自查自评结果良好' / "
        f"'评价情况良好' (seed lines 238, 450-452); 良 is 80–90. The table prints no grade.",
        f"{R('执行结果', 'score')}: 执行结果 2.75 does not follow from the report's own figures. Rule "
        f"{R('执行结果', '评分说明')}: #常年(结余率<10%)/#常年 × 2 + #阶段(结余率<10%)/#阶段 × 2. The report (seed lines "
        "424-426) gives 常年 execution 71.38/95.06/28.41/99.91/12.94/88.35/91.84/100% → 4 of 8 under 10% 结余, and 阶段 "
        "100/100/100/0% → 3 of 4: 4/8×2 + 3/4×2 = 2.50. Its counts of projects with 结余率 >10% (5 and 3) are wrong too "
        "(4 and 1); 2.75 = 5/8×2 + 3/4×2, i.e. those '>10%' counts taken as '<10%' counts.",
        f"{R('支持中小企业发展', 'score')}: 支持中小企业发展 3/3, but the 决算 says '授予中小企业合同金额0万元,占政府采购支出"
        "总额的0%' of 1143.2万元 政府采购 (seed line 228).",
        f"{R('严控一般性支出', 'score')}: 严控一般性支出 4 of 5 needs 一般性支出 execution to have fallen against 2022 (its "
        "基础分 1 + 加分 up to 2); the 决算 reports '三公'经费 +40% (4.49万元, +1.28), 公务接待 +202% and 机关运行经费 +15.18% "
        "('办公费、培训费…增加') (seed lines 190, 206, 224). If 一般性支出 execution rose, the printed rule allows at most 2 "
        "(年初预算 basic 1 + 加分 up to 1).",
        f"{R('预算年终结余', 'score')}: 预算年终结余 2/2 means 结余率 0 ('本年无结转结余资金'), but the 12 项目自评表 show "
        "调整后预算 2622.49 vs 执行 1653.50万元 (968.99 unspent, e.g. 办公用房 285 → 0, 放管服 495 → 64.03); as 注销 that is "
        "about 27% of a ~3576万元 budget → about 1.46 points.",
        f"{R('采购执行率', 'score')}: 2.98 ⇒ 采购执行率 99.33%; the report says '采购执行率为99%' (seed line 420), which "
        "gives 2.97.",
        f"{R('目标偏离', 'score')}: 目标偏离 4/4 counts 数量指标 only; 天府市民云's 时效指标 row holds a quantity target "
        "(50万户 → 67.8, +35.6%), which would fall outside the 30% band if counted.",
        "Report (seed line 424): the 8 常年 projects '共涉及预算总金额945.83万元', but the listed amounts sum to 1440.83 "
        "(945.83 leaves out 放管服 495); 110 联动 is 98万元 / 88.35% there but 86.58 / 100% on line 262; 后勤物业 21.15 / "
        "99.91% vs 21.1 / 100% on line 258 (C17).",
        f"{R('预算绩效存在问题', 'weight')}, {R('被评价部门配合度', 'weight')}: 扣分项 rows print '-' as weight and 0 as "
        f"score (no deduction taken).",
        "Report (seed line 414) names the 预算管理 aspects '预算编制质量、单位收入统筹、支出执行进度、预算年终结余'; the table has "
        "no 单位收入统筹 indicator (it has 严控一般性支出).",
    ]


def notes_meishan_special(t, computed):
    R = Refs(t)
    total = R.row("合计得分")
    sat_w, sat_s = R("服务对象满意度指标", "weight"), R("服务对象满意度指标", "score")
    return [
        f"T{total}: 合计得分 98 = 通用 54 + 专用 30 (民生保障) + 个性 14 (8 + 6), as in the report ('得分为98分', seed line "
        "4385). 98 is 优 by 90/80/60; no grade is stated.",
        f"{sat_w}: 服务对象满意度指标's weight is printed '8%' (stored 0.08, format 0%) instead of 8. Read as stored, "
        f"{sat_s} = 6 exceeds it and 个性指标(16分) sums to 8.08; with 8 the block is 8 + 8 = 16 and Σ weights 100.",
        f"{sat_s}: 6 means satisfaction in [95%, 100%) by its tier rule; 评分方法 {R('服务对象满意度指标', '评分方法')} "
        f"says 比率分值法 but the rule is tiered (分级评分法).",
        f"B{R.row('民生保障')}: the 专用 block scored is 民生保障 (区域均衡性, 对象精准性 by 抽样的支持对象人数, 标准合理性 by "
        "补贴标准, 群众满意度), which is about subsidies paid to people; 天府市民云 is a platform service contract "
        "(行政运转 or 基础设施 would fit). All four are full (30/30) with no sample or survey reported (C28).",
        f"B{R.row('产业发展')}, B{R.row('基础设施')}: the unchosen 专用 blocks print 0 scores, 行政运转 "
        f"B{R.row('行政运转')} prints none; 专用指标(30分) lists 4 × 30 = 120 weight (pick one, R14); inside 基础设施, "
        f"在建项目 (15 + 15) and 建成项目 (10 + 10 + 10) are again alternatives of 30 and print no weight of their own.",
        f"{R('群众满意度', 'score')}, {sat_s}: satisfaction is scored twice (民生保障 群众满意度 5 and 个性 服务对象满意度).",
        f"{R('运营第三年超到50万注册用户', 'score')}: 8/8 agrees with the report (总注册705,982人, seed line 4365), but the "
        "project's 自评表 gives 完成值 67.8 万户 (seed004 form 3, meishan_2023/03) and its 完成情况 '注册用户数67.8万余人': "
        "70.6万 vs 67.8万 for the same year-end count (C16).",
        f"{R('绩效管理存在问题', 'weight')}, {R('被评价部门配合度', 'weight')}: 扣分项 rows carry neither weight nor score.",
    ]


NOTES = {
    "yongzhou_2019_special": notes_yongzhou,
    "wuhua_2023_project_eval": notes_wuhua,
    "meishan_2023_dept_system": notes_meishan_dept,
    "meishan_2023_special_system": notes_meishan_special,
}


def layout_text(table):
    lay = layout(table)
    h = "-".join(str(r) for r in (lay["header_rows"][0], lay["header_rows"][-1])) if lay["header_rows"] else ""
    r = lambda i: lay["first_body_row"] + i  # noqa: E731
    slug = table["slug"]
    if slug == "yongzhou_2019_special":
        return (f"A 一级 | B 二级 | C 三级指标 | D 指标解释 | E 指标说明 | F 得分. Header rows {h} ('一级'/'指标' and "
                f"'二级'/'指标' on two rows, C:F merged over both). Weights only inside the labels of all three levels "
                f"('投入\\n（20分）', '资金到位率（4分）'). One indicator = 2-5 physical rows (评价要点 ①②…) with 三级, 指标解释 "
                f"and 得分 merged over them. No 合计 row: the stated total and grade are the line in row "
                f"{lay['after_rows'][0]}.")
    if slug == "wuhua_2023_project_eval":
        first, last = WUHUA_FIRST, WUHUA_LAST
        return (f"One A-G grid. Rows {r(0)}-{r(3)} header fields (项目名称, 主管部门 | 项目实施单位, 项目负责人 | 联系电话, "
                f"项目类型). Budget block rows {r(4)}-{r(15)}: A{r(4)}:A{r(9)} 项目资金（万元）, B:C 项目支出明细内容, D 年初预算数, "
                f"E 实际到位数, F 实际支出数, G 执行率 (fraction, 0.00%); detail rows {r(5)}-{r(9)}, 合计 {r(10)}, 其中 rows "
                f"{r(11)}-{r(15)} (labels over A:C). 年度总体目标 {r(16)}-{r(17)} (预期目标 B:D, 实际完成情况 E:G). Section "
                f"title {r(18)}; indicator header {r(19)}: 一级 | 分值 | 二级 | 分值 | 三级 | 分值 | 得分; indicators "
                f"{r(first)}-{r(last)}; 总分 {r(last + 1)}; 评价等次 {r(last + 2)} (ticked box) and band text {r(last + 3)}; "
                f"问题和建议 {r(last + 4)}; 评价人员 {r(last + 5)}-{r(last + 11)}; signatures {r(last + 12)}. Weights in the "
                f"分值 columns: B (一级), D (二级), F (三级); score in G.")
    if slug == "meishan_2023_dept_system":
        return (f"A 一级 | B 二级 | C 三级 | D 指标分值 | E 指标解释 | F 评分方法 | G 评分说明 | H-I 评价方式 (整体/样本) | "
                f"J-K 评价属性 (定性/定量) | L-R 评价标准 (7 kinds) | S 自评得分 | T 备注. Header rows {h}. 一级/二级 "
                f"weights inside the labels ('总体绩效\\n(65分)'), 三级 weights in D; the four 履职效果 rows share D:T. "
                f"扣分项(10分) over A:B with D '-'. 合计得分 in S{lay['last_body_row']}.")
    return (f"A 一级 | B:C 二级 (split into B 基础设施 | C 在建项目/建成项目 in that block, merged B:C elsewhere) | D 三级 | "
            f"E 指标分值 | F 指标解释 | G 评分方法 | H 评分说明 | I-S tick columns | T 自评得分 | U 备注. Header rows {h}. "
            f"一级/二级 weights inside the labels, 三级 in E. 专用指标 holds four pick-one blocks. 合计得分 in "
            f"T{lay['last_body_row']}.")


# --------------------------------------------------------------------------- main

def expected_for(table, ws):
    lay = layout(table)
    computed = analyse(table, ws)
    stated = table["stated"]
    stated_total = Decimal(stated["total"]) if stated["total"] else None
    leaf_sum = Decimal(str(computed["leaf_score_sum"]))
    return {
        "sheet": table["sheet"],
        "source": table["source"],
        "layout": {**lay, "columns": {get_column_letter(i + 1): name for i, name in enumerate(table["columns"])},
                   "description": layout_text(table)},
        "stated": {"total": plain(stated_total), "total_where": stated["total_where"], "grade": stated["grade"],
                   "grade_where": stated["grade_where"]},
        "computed": {
            "leaf_score_sum": computed["leaf_score_sum"],
            "stated_total_equals_sum": stated_total == leaf_sum,
            "grade_of_stated_total": grade(stated_total),
            "grade_of_leaf_score_sum": grade(leaf_sum),
            "stated_grade_matches_stated_total": None if stated["grade"] is None
            else stated["grade"] == grade(stated_total),
            **{k: v for k, v in computed.items() if k != "leaf_score_sum"},
        },
        "notes": NOTES[table["slug"]](table, computed),
    }


def main():
    expected = {}
    for table in TABLES:
        path = build(table)
        print(path)
        ws = load_workbook(path)[table["sheet"]]
        problems = verify(table, ws)
        if problems:
            raise SystemExit(f"{path.name}: " + "; ".join(problems[:10]))
        expected[table["file"]] = expected_for(table, ws)
    EXPECTED.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(EXPECTED)


if __name__ == "__main__":
    main()
