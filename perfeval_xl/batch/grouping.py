"""Who is who in a batch: organisation names as they are grouped, the project a form reports on, and which of several
submissions of one project counts — the latest (by the e-mail's date, else the file's modification time, else the
order of the summary), so that a form sent twice is counted once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..values import norm_label

_CODE = re.compile(r"^\s*([0-9A-Za-z]{12,})(?=[\s\-—－_:：、.]|$)")  # 51140022T000000289349-项目名
_ORG_CODE = re.compile(r"^[\[【][0-9A-Za-z]+[\]】]")  # '[105]教育部' (主管部门及代码)
_ORG_SUFFIX = re.compile(r"(?:[(\[【](?:部门|本级|部门本级|汇总)[)\]】]|本级)+$")


def org_name(name: str | None) -> str | None:
    """An organisation's name as it is grouped: no spacing, full-width forms folded, without a leading code or a
    trailing (部门)/(本级)/本级 — '眉山市政务服务管理局（部门）', '眉山市政务服务管理局(本级)' and
    '眉山市 政务服务管理局' are one department. None for a blank name."""
    if not name or not str(name).strip():
        return None
    s = norm_label(name)
    return _ORG_SUFFIX.sub("", _ORG_CODE.sub("", s)) or s


def project_key(project: str | None, unit: str | None) -> tuple[str, str] | None:
    """(项目编码, '') when the name starts with a code, else ('', unit + normalised name); None without a name."""
    if not project:
        return None
    m = _CODE.match(project)
    if m and sum(ch.isdigit() for ch in m.group(1)) >= 8:
        return m.group(1).upper(), ""
    return "", f"{org_name(unit) or ''}|{norm_label(project)}"


MAIL, MODIFIED, ORDER = "mail", "modified", "order"


@dataclass(frozen=True)
class Submitted:
    """When a form was sent, as far as the batch can tell: the e-mail's date, else the file's modification time; to
    the second (what is shown is what is compared)."""

    at: datetime | None
    basis: str  # MAIL | MODIFIED | ORDER (nothing known)

    @classmethod
    def of(cls, mail_date: str | None, modified: float | None) -> Submitted:
        if mail_date:
            try:
                at = datetime.fromisoformat(mail_date).replace(microsecond=0)
                return cls(at if at.tzinfo else at.astimezone(), MAIL)
            except ValueError:  # a Date header that could not be parsed is shown as it was written
                pass
        if modified is not None:
            return cls(datetime.fromtimestamp(int(modified)).astimezone(), MODIFIED)
        return cls(None, ORDER)

    def shown(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M:%S") if self.at else ""


@dataclass
class Resubmitted:
    """One project (of one form kind) present on several forms: `kept` counts, `dropped` do not (indices into the
    forms of the batch, in summary order). `basis` says what decided: MAIL or MODIFIED (the kept one is strictly the
    latest), ORDER (times equal or unknown: the last in the summary's order)."""

    key: tuple
    kept: int
    dropped: list[int] = field(default_factory=list)
    basis: str = ORDER


def resubmissions(forms: list[tuple[str, tuple | None, Submitted]]) -> list[Resubmitted]:
    """For each (kind, project_key, when) — one per form, in summary order — the projects present more than once
    and which of their forms counts: the latest submitted, the last in order when the times tie or are not all
    known."""
    groups: dict[tuple, list[int]] = {}
    for i, (kind, key, _) in enumerate(forms):
        if key is not None:
            groups.setdefault((kind, key), []).append(i)
    out = []
    for key, idx in groups.items():
        if len(idx) < 2:
            continue
        times = [forms[i][2].at for i in idx]
        if all(t is not None for t in times):
            ranked = sorted(idx, key=lambda i: (forms[i][2].at, i))
            last, before = forms[ranked[-1]][2], forms[ranked[-2]][2]
            basis = last.basis if last.at > before.at else ORDER
        else:
            ranked, basis = idx, ORDER
        out.append(Resubmitted(key, ranked[-1], sorted(ranked[:-1]), basis))
    return out
