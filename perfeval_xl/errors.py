"""Every error the toolkit raises on purpose: one base, a closed set of refusal codes, Chinese and English text.

    PerfevalError          something the user can act on; `zh` and `en` say what
      Refused              the input cannot be checked (a stable `code`; `perfeval` exits 3)
      ProfileError         a profile that cannot be used (file and every problem named)
      UsageError           a command given wrongly (`perfeval` exits 2)
    TimedOut               a time limit ran out (a BaseException, so that no catch-all swallows it)

The wording lives in `messages.REFUSALS`; `refuse(code)` builds a Refused from it.
"""

from __future__ import annotations

from enum import StrEnum

from .messages import COPY_REFUSALS, REFUSALS


class RefusalCode(StrEnum):
    """Why an input was not checked. Stable: scripts and the batch summary rely on these names; every one is
    documented in docs/security.md."""

    NOT_FOUND = "not_found"
    UNREADABLE = "unreadable"
    NOT_A_FILE = "not_a_file"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_SPREADSHEET = "not_spreadsheet"
    UNSUPPORTED_FORMAT = "unsupported_format"
    CORRUPT = "corrupt"
    ZIP_BOMB = "zip_bomb"
    XML_ENTITIES = "xml_entities"
    ENCRYPTED = "encrypted"
    WRONG_PASSWORD = "wrong_password"
    NO_FORM = "no_form"
    INTERNAL_ERROR = "internal_error"
    # met while unpacking archives and e-mails, or running a batch
    UNSAFE_PATH = "unsafe_path"
    CORRUPT_ARCHIVE = "corrupt_archive"
    UNSUPPORTED = "unsupported"
    TOO_MANY_MEMBERS = "too_many_members"
    TOO_DEEP = "too_deep"
    NO_WORKBOOK = "no_workbook"
    NO_ATTACHMENT = "no_attachment"
    BAD_EMAIL = "bad_email"
    CRASH = "crash"
    TIMEOUT = "timeout"


class PerfevalError(Exception):
    """An error the user can act on, said in Chinese (`zh`) and English (`en`)."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


class Refused(PerfevalError):
    """The file cannot be checked. `code` is stable; the messages tell the user what to do."""

    def __init__(self, code: RefusalCode | str, zh: str, en: str):
        self.code = RefusalCode(code)
        super().__init__(zh, en)

    def as_dict(self) -> dict:
        """The refusal as JSON reports give it: {"code", "message": "中文 / English"}."""
        return {"code": self.code, "message": f"{self.zh} / {self.en}"}


class ProfileError(PerfevalError, ValueError):
    """A profile that cannot be used; the message names the file and every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"配置文件 {source} 有误：\n{listed}", f"invalid profile {source} (problems listed above)")

    def __str__(self) -> str:
        return f"配置文件 {self.source} 有误 / invalid profile:\n" + "\n".join(f"  - {p}" for p in self.problems)


class UsageError(PerfevalError):
    """A command given wrongly. Built from one bilingual sentence 'zh / en' or from both halves."""

    def __init__(self, zh: str, en: str = ""):
        if not en and " / " in zh:
            zh, en = zh.split(" / ", 1)
        super().__init__(zh, en)

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}" if self.en else self.zh


class CannotAnnotate(PerfevalError, ValueError):
    """The check stands, but no annotated copy can be written of this workbook (`code` says why: 'strict',
    'format', 'damaged'). A ValueError too, for callers that catch what the writer raises."""

    def __init__(self, code: str, **kw):
        self.code = code
        zh, en = COPY_REFUSALS[code]
        super().__init__(zh.format(**kw), en.format(**kw))


class TimedOut(BaseException):
    """A time limit around a check ran out (perfeval batch). A BaseException that every catch-all lets through,
    like KeyboardInterrupt."""


PASS_THROUGH = (KeyboardInterrupt, SystemExit, TimedOut)  # never turned into a refusal by a catch-all


def refuse(code: RefusalCode | str, variant: str = "", **kw) -> Refused:
    """A Refused with the catalogue's wording of `code` (or of `code.variant`), its {placeholders} filled from kw."""
    zh, en = REFUSALS[f"{code}.{variant}" if variant else str(code)]
    return Refused(code, zh.format(**kw), en.format(**kw))
