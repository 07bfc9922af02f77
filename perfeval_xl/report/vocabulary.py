"""The words report prose uses for what the forms hold (vocabulary.yaml), validated into one frozen spec.

`vocabulary()` is the shipped one; `load_vocabulary(path)` reads another file of the same shape (a bureau whose
reports word things differently). A malformed file raises ProfileError naming every problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import ProfileError
from ..profile import read_data_file

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
KINDS = ("amount", "rate", "score")
OPS = (">", "<", "≥", "≤")


@dataclass(frozen=True)
class Metric:
    key: str  # 'budget', 'executed', 'rate', 'total', …
    kind: str  # 'amount' | 'rate' | 'score'
    words: tuple[str, ...]


@dataclass(frozen=True)
class FrameworkKind:
    key: str  # 'dept' | 'special'
    words: tuple[str, ...]  # how prose names it
    profiles: tuple[str, ...]  # what its profile's name or title holds


@dataclass(frozen=True)
class Vocabulary:
    ignore: str
    prefixes: tuple[re.Pattern, ...]
    suffixes: tuple[str, ...]
    min_length: int
    mention_ends: tuple[str, ...]
    max_blocks: int
    min_block: int
    mention_starts: tuple[str, ...]
    code: re.Pattern
    metrics: tuple[Metric, ...]
    connectors: tuple[str, ...]
    blockers: tuple[str, ...]
    other_subjects: tuple[str, ...]
    approximate_before: tuple[str, ...]
    approximate_after: tuple[str, ...]
    grade_words: dict[str, str]
    grade_explicit: tuple[str, ...]
    grade_loose: tuple[str, ...]
    grade_after: tuple[str, ...]
    frameworks: tuple[FrameworkKind, ...]
    questionnaire_words: tuple[str, ...]
    group_size: tuple[re.Pattern, ...]
    aggregate_markers: tuple[str, ...]
    count_metrics: dict[str, tuple[str, ...]]
    comparisons: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # op -> (words before, words after)
    count: re.Pattern

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)


def _words(x, where: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(x, str):
        x = [x]
    if not isinstance(x, list) or not all(isinstance(w, str) and w for w in x):
        problems.append(f"{where} 应为非空文字的列表 / {where} must be a list of non-empty words")
        return ()
    return tuple(x)


def _regex(x, where: str, problems: list[str], group: str | None = None) -> re.Pattern | None:
    try:
        pattern = re.compile(str(x))
    except re.error as e:
        problems.append(f"{where} 不是有效的正则表达式 / {where} is not a valid regular expression: {e}")
        return None
    if group and group not in pattern.groupindex:
        problems.append(f"{where} 缺少分组 (?P<{group}>…) / {where} needs a (?P<{group}>…) group")
        return None
    return pattern


def parse_vocabulary(data: object, source: str) -> Vocabulary:
    """The vocabulary in `data` (a mapping read from YAML), or ProfileError naming every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ProfileError(source, ["文件内容应为映射 / the file must hold a mapping"])
    for key in ("names", "metrics", "grades", "frameworks", "aggregates"):
        if not isinstance(data.get(key), dict):
            problems.append(f"缺少 {key} / missing {key}")
    if problems:
        raise ProfileError(source, problems)
    names, grades, agg = data["names"], data["grades"], data["aggregates"]
    metrics = []
    for key, m in data["metrics"].items():
        if not isinstance(m, dict) or m.get("kind") not in KINDS:
            problems.append(f"metrics.{key}.kind 应为 {'/'.join(KINDS)} / metrics.{key}.kind must be one of {KINDS}")
            continue
        metrics.append(Metric(key, m["kind"], _words(m.get("words"), f"metrics.{key}.words", problems)))
    grade_words = grades.get("words")
    if not isinstance(grade_words, dict) or not grade_words:
        problems.append("grades.words 应为“文字: 等次”的映射 / grades.words must map words to grades")
        grade_words = {}
    frameworks = []
    for key, fw in data["frameworks"].items():
        if not isinstance(fw, dict):
            problems.append(f"frameworks.{key} 应为映射 / frameworks.{key} must be a mapping")
            continue
        frameworks.append(FrameworkKind(key, _words(fw.get("words"), f"frameworks.{key}.words", problems),
                                        _words(fw.get("profiles"), f"frameworks.{key}.profiles", problems)))
    comparisons = {}
    for op, spec in (agg.get("comparisons") or {}).items():
        if op not in OPS or not isinstance(spec, dict):
            problems.append(f"aggregates.comparisons 的键应为 {' '.join(OPS)} / comparison keys must be {OPS}")
            continue
        comparisons[op] = (tuple(spec.get("before") or ()), tuple(spec.get("after") or ()))
    count_metrics = {k: _words(v, f"aggregates.count_metrics.{k}", problems)
                     for k, v in (agg.get("count_metrics") or {}).items()}
    known = {m.key for m in metrics}
    problems += [f"aggregates.count_metrics.{k} 不是已定义的 metrics / not a metric" for k in count_metrics
                 if k not in known]
    vocab = dict(
        ignore=str(names.get("ignore", "")),
        prefixes=tuple(p for i, x in enumerate(names.get("prefixes") or ())
                       if (p := _regex(x, f"names.prefixes[{i}]", problems)) is not None),
        suffixes=_words(names.get("suffixes") or [], "names.suffixes", problems),
        min_length=int(names.get("min_length", 4)),
        mention_ends=_words(names.get("mention_ends"), "names.mention_ends", problems),
        max_blocks=int(names.get("max_blocks", 3)),
        min_block=int(names.get("min_block", 2)),
        mention_starts=_words(names.get("mention_starts"), "names.mention_starts", problems),
        code=_regex(names.get("code", r"$^"), "names.code", problems),
        metrics=tuple(metrics),
        connectors=_words(data.get("connectors") or [], "connectors", problems),
        blockers=_words(data.get("blockers") or [], "blockers", problems),
        other_subjects=_words(data.get("other_subjects") or [], "other_subjects", problems),
        approximate_before=_words(data.get("approximate_before") or [], "approximate_before", problems),
        approximate_after=_words(data.get("approximate_after") or [], "approximate_after", problems),
        grade_words={str(k): str(v) for k, v in grade_words.items()},
        grade_explicit=_words(grades.get("explicit"), "grades.explicit", problems),
        grade_loose=_words(grades.get("loose") or [], "grades.loose", problems),
        grade_after=tuple(str(x) for x in grades.get("after") or ("",)),
        frameworks=tuple(frameworks),
        questionnaire_words=_words(data.get("questionnaire_words") or [], "questionnaire_words", problems),
        group_size=tuple(p for i, x in enumerate(agg.get("group_size") or ())
                         if (p := _regex(x, f"aggregates.group_size[{i}]", problems, "n")) is not None),
        aggregate_markers=_words(agg.get("markers"), "aggregates.markers", problems),
        count_metrics=count_metrics,
        comparisons=comparisons,
        count=_regex(agg.get("count", r"$^"), "aggregates.count", problems, "n"),
    )
    for key in ("budget", "executed", "rate", "total"):
        if key not in known:
            problems.append(f"metrics 缺少 {key} / metrics must define {key}")
    if problems:
        raise ProfileError(source, problems)
    return Vocabulary(**vocab)


def load_vocabulary(path: str | Path) -> Vocabulary:
    return parse_vocabulary(read_data_file(path), str(path))


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary."""
    return load_vocabulary(VOCABULARY_FILE)
