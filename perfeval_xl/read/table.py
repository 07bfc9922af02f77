"""Read a weighted indicator framework (一级 / 二级 / 三级 … 得分) laid out on a sheet, by its labels.

Weights may be written inside the labels ('A11…(2分)'), in a 分值 column beside each level (五华), or in one
分值 column for the leaves (眉山). Level cells may be merged over their rows, repeated, or left blank below the
first row of their group; a score merged over several rows belongs to the first of them. A weight cell merged down
over several groups (or rows) of one level belongs to all of them together (`Node.shared_weight`: 五华 prints one 40
for 决策 and 过程). Totals and grades stated outside the grid (`stated`: labelled cells, sentences, a ticked row) are
read too, and a questionnaire tally anywhere in the workbook, and the labelled fields above the table (项目名称,
单位名称, 主管部门, 年度: the profile's `fields`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..model import Cell, Framework, Node, Question, Questionnaire
from ..profile import Profile
from ..values import norm_label, parse
from .labels import Aliases, cell_at, find_labelled, labels_for
from .locate import framework_budget
from .registry import Reader, register
from .stated import GRADE_LINE, TOTAL_LINE, StatedLabels, sentences, stated_cells
from .workbook import Grid

_WEIGHT = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")
_NOT_APPLICABLE = {"不涉及", "不适用", "无"}
LEVELS = ("level1", "level2", "level3")


def _strip(label: str) -> str:
    """An indicator name without its weight: 'A11部门目标(2分)' -> 'A11部门目标'."""
    return _WEIGHT.sub("", norm_label(label)).strip()


def _label_weight(text: str) -> Decimal | None:
    m = _WEIGHT.search(text)
    return Decimal(m.group(1)) if m else None


def _header(grid: Grid, aliases: Aliases) -> tuple[int, dict[str, int], list[int]] | None:
    """(last header row, key -> column, weight columns) of the first row (or pair of rows) naming the levels."""
    for r in range(grid.height):
        cols: dict[str, int] = {}
        weights: list[int] = []
        for rr in (r, r + 1):
            if rr >= grid.height:
                break
            for c in range(grid.width):
                if grid.is_follower(rr, c) and grid.home(rr, c)[0] == rr:
                    continue
                key = aliases.match(grid.label(rr, c))
                if key == "weight":
                    if c not in weights:
                        weights.append(c)
                elif key and key not in cols:
                    cols[key] = c
            if "level1" in cols and "score" in cols and ("level2" in cols or "level3" in cols):
                return rr, cols, sorted(weights)
    return None


def read_framework(grid: Grid, profile: Profile) -> Framework | None:
    """The framework table on this sheet, or None when its header is not there."""
    aliases = labels_for(profile).table_cols
    found = _header(grid, aliases)
    if found is None:
        return None
    header, cols, weight_cols = found
    levels = [(k, cols[k]) for k in LEVELS if k in cols]
    level_weight: dict[str, int] = {}  # a 分值 column right of a level column is that level's weight
    leaf_weight = None
    for wc in weight_cols:
        left = [k for k, c in levels if c < wc]
        if left and all(c < wc for _, c in levels) and not level_weight:
            leaf_weight = wc
        elif left:
            level_weight[left[-1]] = wc
    if len(level_weight) == len(levels) and leaf_weight is None:
        pass
    elif leaf_weight is None and weight_cols and not level_weight:
        leaf_weight = weight_cols[-1]
    deduction = {norm_label(x) for x in profile.table.deduction}
    total_labels = {norm_label(x) for x in profile.total_labels}
    stated = StatedLabels.of(profile)
    header_texts = {grid.label(r, c) for r in range(max(0, header - 1), header + 1) for c in range(grid.width)}
    top = max(0, header - 1)
    right = _last_column(grid, (top, header), min(c for _, c in levels))  # labelled cells right of it are beside
    header_texts |= {"指标", "指标名称"}
    fw = Framework(sheet=grid.name, profile_id=profile.id, header_row=header)
    nodes: dict[tuple[str, ...], Node] = {}
    current: list[str] = [""] * len(levels)
    anchors: list[tuple[int, int] | None] = [None] * len(levels)
    owners: dict[tuple[int, int], Node] = {}  # a weight cell -> the node it was first read for
    end = grid.height
    for r in range(header + 1, grid.height):
        texts = [grid.label(r, c) for c in range(grid.width) if grid.label(r, c)]
        if texts and any(_strip(t) in total_labels for t in texts[:2]):
            _total_row(grid, r, cols, fw)
            end = r + 1
            break
        if texts and all(t in header_texts for t in texts):
            continue  # the second line of a two-line header ('一级' over '指标')
        inside = next((grid.label(r, c) for c in range(min(right + 1, grid.width)) if grid.label(r, c)), "")
        if inside and (TOTAL_LINE.search(inside) or GRADE_LINE.search(inside) or stated.ends_table(inside)):
            end = r
            break  # a sentence or a labelled total under the table ('综合评分为92分…', '综合评分 | 92') ends it
        path_changed = False
        for i, (key, c) in enumerate(levels):
            raw = grid.raw(r, c)
            text = str(raw).strip() if isinstance(raw, str) and raw.strip() else ""
            left = levels[i - 1][1] if i else None
            if i and (grid.home(r, c) == grid.home(r, left) or (text and text == str(grid.raw(r, left) or "").strip())):
                text = ""  # one label across two level columns ('个性指标' over 一级 and 二级), merged or repeated
            home = grid.home(r, c)
            prev = anchors[i]
            regroup = text and _strip(text) == current[i] and home != prev and (
                prev in grid.span  # the same name after a merged group ended
                or (key in level_weight and _new_weight(grid, r, level_weight[key], nodes, current[: i + 1]))
            )
            if regroup:  # a second group of the same name, not the first one continued
                text = f"{text}({sum(1 for p in nodes if len(p) == i + 1 and p[i].startswith(_strip(text))) + 1})"
            if text:
                anchors[i] = home
            if text and _strip(text) != current[i]:
                current[i] = _strip(text)
                current[i + 1:] = [""] * (len(levels) - i - 1)
                path_changed = True
                node = _ensure(nodes, fw, tuple(x for x in current[: i + 1] if x), grid, r, c, text, deduction)
                w = _label_weight(norm_label(text))
                if w is not None and node.weight.row is None:
                    hr, hc = grid.home(r, c)
                    node.weight = Cell(hr, hc, parse(w))
                if key in level_weight and node.weight.row is None:
                    _column_weight(grid, r, level_weight[key], node, owners)
        for i, (key, _) in enumerate(levels):  # a group weight written lower down its rows (五华's 9 on a 3rd row)
            group = nodes.get(tuple(x for x in current[: i + 1] if x)) if current[i] else None
            if key in level_weight and group is not None and group.weight.row is None \
                    and grid.home(r, level_weight[key])[0] == r:
                _column_weight(grid, r, level_weight[key], group, owners)
        path = tuple(x for x in current if x)
        if not path:
            continue
        if path[-1] in _NOT_APPLICABLE and cell_at(grid, r, cols["score"]).blank:
            nodes[path].not_applicable = True
            continue
        leaf = nodes[path]
        score = cell_at(grid, r, cols["score"])
        if leaf_weight is not None and leaf.weight.row is None:
            _column_weight(grid, r, leaf_weight, leaf, owners)
        if not score.blank and leaf.score.row is None:
            leaf.score = score
        elif not path_changed and score.blank and grid.is_follower(r, cols["score"]):
            continue  # a continuation row of a merged score
    _drop_continuations(fw)
    labelled = stated_cells(grid, stated, end, (top, right))
    said, ticked = sentences(grid, end, {(s.cell.row, s.cell.col) for s in labelled})
    fw.summaries = labelled + said
    fw.grade = ticked or Cell()
    return fw


def _last_column(grid: Grid, rows: tuple[int, int], first: int) -> int:
    """The table's last column: where the run of header cells from its first column ends (a blank column between the
    header and a '总分 | 95.5' beside it ends the run). Of the line above the header, only cells that start right of
    the first column count: a title merged from column A across the page is not the header."""
    top, header = rows

    def headed(c: int) -> bool:
        return bool(grid.label(header, c)) or (top < header and bool(grid.label(top, c))
                                               and grid.home(top, c)[1] > first)

    c = first
    while c + 1 < grid.width and headed(c + 1):
        c += 1
    return c


def _column_weight(grid: Grid, r: int, c: int, node: Node, owners: dict[tuple[int, int], Node]) -> None:
    """A node's weight from column c on row r: the cell there, or — where that cell is merged down from an earlier
    sibling's row (one 40 for 决策 and 过程) — the weight it shares with that sibling."""
    home = grid.home(r, c)
    if home[0] == r:
        cell = cell_at(grid, r, c)
        if not cell.blank:
            node.weight = cell
            owners.setdefault(home, node)
        return
    owner = owners.get(home)
    if owner is not None and owner is not node and owner.path[:-1] == node.path[:-1]:
        node.weight, node.shared_weight = owner.weight, True


def _new_weight(grid: Grid, r: int, c: int, nodes: dict, path: list[str]) -> bool:
    """A weight written on this row for a group that already has its own: the row starts another group."""
    node = nodes.get(tuple(x for x in path if x))
    cell = cell_at(grid, r, c)
    return node is not None and node.weight.row is not None and not cell.blank and cell.row != node.weight.row


def _ensure(nodes, fw, path, grid, r, c, text, deduction) -> Node:
    if path in nodes:
        return nodes[path]
    hr, hc = grid.home(r, c)
    parent = nodes.get(path[:-1]) if len(path) > 1 else None
    node = Node(path=path, label=Cell(hr, hc, parse(text)),
                deduction=(parent.deduction if parent else any(d in path[0] for d in deduction)))
    nodes[path] = node
    (parent.children if parent else fw.roots).append(node)
    return node


def _drop_continuations(fw: Framework) -> None:
    """Leaves that share a merged score (and weight) with the leaf above them (眉山 履职效能) are one scored unit;
    rows marked 不涉及 with no weight and no score are not indicators (R14: their weight went elsewhere), nor is a
    group made only of them."""

    def keep(children: list[Node]) -> list[Node]:
        kept = []
        for child in children:
            unscored = child.is_leaf and child.score.row is None and (child.weight.row is None or child.shared_weight)
            if unscored and (kept or child.not_applicable):
                continue
            kept.append(child)
        return kept

    for node in reversed(list(fw.walk())):  # children before their parents
        if node.children:
            node.children = keep(node.children)
            node.not_applicable = not node.children
    fw.roots = keep(fw.roots)


def _total_row(grid: Grid, r: int, cols: dict[str, int], fw: Framework) -> None:
    numbers = []
    for c in range(grid.width):
        if grid.is_follower(r, c):
            continue
        p = parse(grid.raw(r, c))
        if p.number is not None:
            numbers.append(Cell(r, c, p))
    score = cell_at(grid, r, cols["score"])
    if score.number is not None:
        fw.total_score = score
        rest = [x for x in numbers if x.col != score.col]
    else:
        fw.total_score = numbers[-1] if numbers else Cell(r, cols["score"], parse(None))
        rest = numbers[:-1]
    if rest:
        fw.total_weight = rest[0]


def read_questionnaire(grid: Grid, profile: Profile) -> Questionnaire | None:
    """A questionnaire tally (选项 | 分值 | 份数) on this sheet, with its stated totals, or None."""
    spec = profile.questionnaire
    if spec is None:
        return None
    aliases = Aliases.of(spec.columns)
    header = None
    for r in range(grid.height):
        cols = {}
        for c in range(grid.width):
            key = aliases.match(grid.label(r, c))
            if key and key not in cols:
                cols[key] = c
        if {"option", "points", "count"} <= set(cols):
            header = (r, cols)
            break
    if header is None:
        return None
    r0, cols = header
    q = Questionnaire(sheet=grid.name)
    named = {k: {norm_label(x) for x in getattr(spec, k)} for k in ("total", "valid", "score")}
    qcol = min(cols.values()) - 1
    for r in range(r0 + 1, grid.height):
        label = next((grid.label(r, c) for c in range(grid.width) if grid.label(r, c)), "")
        kind = next((k for k, names in named.items() if label in names), None)
        if kind:
            numbers = [Cell(*grid.home(r, c), parse(grid.raw(r, c))) for c in range(grid.width)
                       if not grid.is_follower(r, c) and parse(grid.raw(r, c)).number is not None]
            if kind == "total" and numbers:
                q.total_points = numbers[-1]
                q.full_marks = numbers[0] if len(numbers) > 1 else q.full_marks
            elif numbers:
                setattr(q, kind, numbers[-1])
            continue
        option = cell_at(grid, r, cols["option"])
        if option.blank:
            continue
        hr, hc = grid.home(r, max(qcol, 0))
        label = Cell(hr, hc, parse(grid.raw(hr, hc)))
        # a question starts where its text (merged, repeated or written once) first appears
        if not q.questions or (not label.blank and label.text != q.questions[-1].label.text):
            q.questions.append(Question(number=str(len(q.questions) + 1), label=label, options=[]))
        count = Cell(r, cols["count"], parse(grid.raw(r, cols["count"])))
        q.questions[-1].options.append((option, cell_at(grid, r, cols["points"]), count))
    if q.valid.row is None:
        for r in range(0, r0):
            for c in range(grid.width):
                m = re.search(r"有效问卷[:：]?\s*(\d+)", norm_label(grid.raw(r, c) or ""))
                if m:
                    q.valid = Cell(r, c, parse(m.group(1)))
    return q


def read_data_items(grid: Grid) -> dict[str, Cell]:
    """Data entered for scoring rules: rows under a 数据项 | 数值 header, by item name."""
    for r in range(grid.height):
        labels = {grid.label(r, c): c for c in range(grid.width) if grid.label(r, c)}
        if "数据项" in labels and "数值" in labels:
            name_col, value_col = labels["数据项"], labels["数值"]
            items = {}
            for rr in range(r + 1, grid.height):
                name = grid.label(rr, name_col)
                if name:
                    items[name] = cell_at(grid, rr, value_col)
            return items
    return {}


# what the value of a 单位 label is when the line gives the unit of the amounts ('单位：万元'), not an organisation
_MEASURE = re.compile(r"(人民币)?[亿千百万]*元|%|个|人|分")
# the last characters of an organisation's name standing alone on a line of the title area ('永州市行政审批服务局')
_ORGANISATION = re.compile(r"(局|委员会|委|办公室|办|中心|厅|院|所|站|馆|队|学校|政府|部|处|署|会|公司)$")
_NOT_A_NAME = re.compile(r"[表指标评价附件年度0-9:：]")


def header_fields(grid: Grid, profile: Profile, top: int) -> dict[str, Cell]:
    """项目名称 / 单位名称 / 主管部门 / 年度 above the table (rows before `top`), by the profile's field labels;
    where no unit is labelled, an organisation's name alone on a line of the title area (永州's second line) is
    the unit."""
    labels = labels_for(profile).fields
    found = {k: c for k, c in find_labelled(grid, range(top), labels, labels.all(), below=False).items()
             if c.text and not (k != "project" and _MEASURE.fullmatch(c.text))}
    if "unit" not in found:
        for r in range(min(top, 8)):
            cells = [(c, grid.raw(r, c)) for c in range(grid.width)
                     if not grid.is_follower(r, c) and grid.raw(r, c) is not None]
            if len(cells) == 1 and isinstance(cells[0][1], str):
                text = norm_label(cells[0][1])
                if len(text) <= 30 and _ORGANISATION.search(text) and not _NOT_A_NAME.search(text):
                    found["unit"] = Cell(r, cells[0][0], parse(cells[0][1]))
                    break
    return found


def read_sheet(grid: Grid, profile: Profile) -> list[Framework]:
    """The framework table on this sheet (with the budget block above it, if any), or nothing."""
    fw = read_framework(grid, profile)
    if fw is None or not fw.roots:
        return []
    fw.budget = framework_budget(grid, profile, fw.header_row)
    fw.fields = header_fields(grid, profile, fw.header_row)
    return [fw]


def join_workbook(frameworks: list[Framework], grids: list[Grid], profile: Profile) -> None:
    """Questionnaire tallies and 基础数据 anywhere in the workbook join its first framework."""
    fw = frameworks[0]
    for grid in grids:
        q = read_questionnaire(grid, profile)
        if q is not None and q.questions:
            fw.questionnaires.append(q)
        fw.data.update(read_data_items(grid))


register("framework", Reader(sheet=read_sheet, workbook=join_workbook))
