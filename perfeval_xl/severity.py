"""How serious a finding is: its JSON name, its rank and its Chinese label, in one closed type."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """error > warning > info. The value is the stable name in JSON reports; `label` is what a user reads;
    `rank` orders them (compare members, or ranks, never names)."""

    ERROR = ("error", 3, "错误")
    WARNING = ("warning", 2, "警告")
    INFO = ("info", 1, "提示")

    def __new__(cls, name: str, rank: int, label: str):
        obj = str.__new__(cls, name)
        obj._value_ = name
        obj.rank = rank
        obj.label = label
        return obj

    @property
    def marks_cell(self) -> bool:
        """Errors and warnings fill their cell; an info finding is a note only."""
        return self.rank >= Severity.WARNING.rank

    @classmethod
    def by_rank(cls) -> list[Severity]:
        """Most serious first."""
        return sorted(cls, key=lambda s: -s.rank)
