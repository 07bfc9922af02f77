"""Report outlines (outlines/*.yaml): the sections of an official report, the blocks each holds and the sentences
a draft says its figures with, validated into a frozen spec. `get_outline(None)` is the shipped default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ProfileError
from ..profile import read_data_file

OUTLINE_DIR = Path(__file__).with_name("outlines")
DEFAULT_OUTLINE = "project_selfeval"
BLOCKS = ("text", "placeholder", "overview", "frameworks", "conclusions", "budgets", "tables", "deviations",
          "findings")
SENTENCES = ("overview", "framework", "conclusion", "budget", "deviation", "no_deviation", "no_reason",
             "no_findings", "findings_intro", "table_total", "table_grade")
TABLES = ("table_budget", "table_indicators", "findings_columns")


@dataclass(frozen=True)
class Block:
    kind: str
    text: str = ""


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Outline:
    id: str
    name: str
    title: str
    sections: tuple[Section, ...]
    sentences: dict[str, str]
    framework_kinds: dict[str, str]
    columns: dict[str, tuple[str, ...]]


def parse_outline(data: object, source: str) -> Outline:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ProfileError(source, ["文件内容应为映射 / the file must hold a mapping"])
    sections = []
    for i, s in enumerate(data.get("sections") or []):
        if not isinstance(s, dict) or not isinstance(s.get("heading"), str):
            problems.append(f"sections[{i}] 缺少 heading / sections[{i}] needs a heading")
            continue
        blocks = []
        for j, b in enumerate(s.get("blocks") or []):
            kind = b.get("kind") if isinstance(b, dict) else None
            if kind not in BLOCKS:
                problems.append(f"sections[{i}].blocks[{j}].kind 应为 {'/'.join(BLOCKS)} / unknown block kind")
                continue
            if kind in ("text", "placeholder") and not str(b.get("text") or "").strip():
                problems.append(f"sections[{i}].blocks[{j}] 缺少 text / needs a text")
                continue
            blocks.append(Block(kind, str(b.get("text") or "")))
        sections.append(Section(s["heading"], tuple(blocks)))
    if not sections:
        problems.append("缺少 sections / no sections")
    sentences = data.get("sentences") if isinstance(data.get("sentences"), dict) else {}
    problems += [f"sentences 缺少 {k} / sentences.{k} missing" for k in SENTENCES
                 if not isinstance(sentences.get(k), str)]
    problems += [f"sentences 缺少表头 {k} / sentences.{k} must list column titles" for k in TABLES
                 if not isinstance(sentences.get(k), list)]
    for key in ("id", "name", "title"):
        if not isinstance(data.get(key), str):
            problems.append(f"缺少 {key} / missing {key}")
    if problems:
        raise ProfileError(source, problems)
    return Outline(data["id"], data["name"], data["title"], tuple(sections),
                   {k: sentences[k] for k in SENTENCES},
                   {str(k): str(v) for k, v in (sentences.get("framework_kinds") or {}).items()},
                   {k: tuple(str(x) for x in sentences[k]) for k in TABLES})


def get_outline(name: str | None = None) -> Outline:
    """A shipped outline by id (default: the project self-evaluation report), or an outline file by path."""
    name = name or DEFAULT_OUTLINE
    path = OUTLINE_DIR / f"{name}.yaml"
    if not path.is_file():
        path = Path(name)
    if not path.is_file():
        shipped = ", ".join(p.stem for p in sorted(OUTLINE_DIR.glob("*.yaml")))
        raise ProfileError(name, [f"没有名为 “{name}” 的提纲，可用：{shipped} / unknown outline"])
    return parse_outline(read_data_file(path), str(path))
