"""Write the 部门整体支出绩效评价 tables of sample_data.frameworks into workbooks, one table per sheet.

Sheet layout (1-based Excel rows): row 1 the title (merged over all columns), then the table's `before` lines
(merged over all columns), then the header row, the body rows and the `after` rows. So in
sample_data/frameworks/xundian_2024_dept.xlsx the 指标 body starts in row 3 (合计 in row 38) and the 问卷
body in row 4 (问卷总分 in row 34); in anning_2023_dept.xlsx the body starts in row 3 (合计 in row 37).
Plain decimals ("2", "1.5", "1000") are written as numbers, everything else as text; blank cells stay empty.

Run `python -m sample_data.build_frameworks` from the repo root.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from sample_data.build import BORDER, FONT, as_number, fit_to_page_width, new_workbook, save_deterministic
from sample_data.frameworks import WORKBOOKS

# Column widths and, per column, whether its text is long prose (left-aligned) rather than a label or number.
LAYOUTS = {
    7: ([12, 14, 24, 7, 40, 48, 26], [False, False, False, False, True, True, True]),
    5: ([8, 36, 22, 10, 14], [False, True, False, False, False]),
}


def _row_height(texts, widths):
    """Row height (points) for wrapped texts: about one CJK character per 2 width units."""
    lines = max(-(-len(text) * 2 // max(width - 1, 1)) for text, width in zip(texts, widths))
    return max(20, 15 * lines)


def write_table(ws, table):
    """Write one table (a dict as in sample_data.frameworks) onto `ws` from A1. Returns the first body row."""
    ncols = len(table["columns"])
    widths, prose = LAYOUTS[ncols]
    body = table["rows"] + table["after"]

    ws.cell(1, 1, table["title"]).font = Font(name=FONT, size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 30
    row = 2
    for line in table["before"]:
        cell = ws.cell(row, 1, line)
        cell.font = Font(name=FONT, size=11)
        cell.alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        row += 1

    header_row = row
    for col, text in enumerate(table["columns"], start=1):
        cell = ws.cell(header_row, col, text)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    ws.row_dimensions[header_row].height = 30
    first = header_row + 1

    # Text that spans several rows (merged labels) does not decide a row's height.
    multi_row = {(r, c) for r1, c1, r2, c2 in table["merges"] if r2 > r1
                 for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for i, texts in enumerate(body):
        for col, text in enumerate(texts):
            cell = ws.cell(first + i, col + 1)
            if text != "":
                cell.value = as_number(text)
            cell.font = Font(name=FONT, size=10)
            cell.alignment = Alignment(horizontal="left" if prose[col] else "center", vertical="center",
                                       wrap_text=True)
            cell.border = BORDER
        own = ["" if (i, col) in multi_row else text for col, text in enumerate(texts)]
        ws.row_dimensions[first + i].height = _row_height(own, widths)

    for r1, c1, r2, c2 in table["merges"]:
        ws.merge_cells(start_row=first + r1, start_column=c1 + 1, end_row=first + r2, end_column=c2 + 1)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = f"{header_row}:{header_row}"
    fit_to_page_width(ws)
    return first


# --------------------------------------------------------------------------- recomputed sums

WEIGHT = re.compile(r"\((\d+(?:\.\d+)?)分\)")


def _number(text):
    return Decimal(text) if re.fullmatch(r"-?\d+(\.\d+)?", text or "") else None


def _plain(value):
    return None if value is None else (int(value) if value == value.to_integral_value() else float(value))


def _anchor(table, r, c):
    """The top-left cell of the merge covering (r, c), or (r, c) itself."""
    for r1, c1, r2, c2 in table["merges"]:
        if r1 <= r <= r2 and c1 <= c <= c2:
            return r1, c1
    return r, c


def recompute_indicators(table, first_row):
    """Σ leaf scores and weights, and per 一级/二级 group its printed weight next to Σ of its children's.

    A row's leaf is the cell covering its 三级 column; its groups are the other cells covering its 一级 and
    二级 columns. Weights are read from "(N分)" in the labels; a label without one is listed as missing."""
    rows = table["rows"]

    def ref(cell):
        return f"{get_column_letter(cell[1] + 1)}{first_row + cell[0]}"

    def weight(cell):
        found = WEIGHT.search(rows[cell[0]][cell[1]])
        return Decimal(found[1]) if found else None

    def score(r):
        return _number(rows[r][3])

    leaf = [_anchor(table, r, 2) for r in range(len(rows))]
    members = {}  # group cell -> its rows
    for r in range(len(rows)):
        for c in (0, 1):
            cell = _anchor(table, r, c)
            if cell != leaf[r] and r not in members.setdefault(cell, []):
                members[cell].append(r)

    def weights(cells):
        known = [weight(cell) for cell in cells if weight(cell) is not None]
        return _plain(sum(known, Decimal(0))), [ref(cell) for cell in cells if weight(cell) is None]

    total, missing = weights(leaf)
    out = {"leaf_count": len(rows), "leaf_weight_sum_known": total, "leaf_weights_missing": missing,
           "score_sum": _plain(sum(score(r) for r in range(len(rows)))), "groups": []}
    for cell, group_rows in sorted(members.items(), key=lambda item: (item[0][1], item[0][0])):
        children = []
        for r in group_rows:
            child = _anchor(table, r, 1) if cell[1] == 0 and _anchor(table, r, 1) != cell else leaf[r]
            if child not in children:
                children.append(child)
        child_sum, child_missing = weights(children)
        out["groups"].append({
            "cell": ref(cell), "label": rows[cell[0]][cell[1]], "weight": _plain(weight(cell)),
            "children": [ref(child) for child in children],
            "children_weight_sum_known": child_sum, "children_weights_missing": child_missing,
            "score_sum": _plain(sum(score(r) for r in group_rows))})
    return out


def recompute_questionnaire(table):
    """Σ(count × points) and Σ count per question; blank counts count as 0."""
    questions, current = [], None
    for row in table["rows"]:
        if row[0]:
            current = {"no": row[0], "counts_printed": 0, "count_sum": Decimal(0), "points": Decimal(0),
                       "max_points": Decimal(0)}
            questions.append(current)
        points, count = _number(row[3]), _number(row[4])
        current["max_points"] = max(current["max_points"], points)
        if count is not None:
            current["counts_printed"] += 1
            current["count_sum"] += count
            current["points"] += count * points
    return {
        "standard_total": _plain(sum(q["max_points"] for q in questions)),
        "tally_total": _plain(sum(q["points"] for q in questions)),
        "per_question": [{"no": q["no"], "counts_printed": q["counts_printed"],
                          "count_sum": _plain(q["count_sum"]), "points": _plain(q["points"])}
                         for q in questions],
    }


def recomputed(tables):
    """{sheet: recomputed sums} for one workbook, in the coordinates write_table uses."""
    out = {}
    for table in tables:
        if len(table["columns"]) == 7:
            out[table["sheet"]] = recompute_indicators(table, first_row=3 + len(table["before"]))
        else:
            out[table["sheet"]] = recompute_questionnaire(table)
    return out


# --------------------------------------------------------------------------- main

def build(path, tables):
    wb = new_workbook()
    for table in tables:
        write_table(wb.create_sheet(table["sheet"]), table)
    save_deterministic(wb, path)
    return path


def main():
    out = Path(__file__).resolve().parent / "frameworks"
    for name, tables in WORKBOOKS.items():
        print(build(out / name, tables))

    # frameworks_expected.json is hand-maintained (stated figures and notes are prose); check its sums.
    expected_path = Path(__file__).resolve().parent / "frameworks_expected.json"
    expected = json.loads(expected_path.read_text(encoding="utf-8")) if expected_path.exists() else {}
    for name, tables in WORKBOOKS.items():
        if expected.get(name, {}).get("recomputed") != recomputed(tables):
            print(f"WARNING frameworks_expected.json out of date for {name}:")
            print(json.dumps(recomputed(tables), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
