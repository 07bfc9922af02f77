"""The checkers by form kind. A checker module registers itself (`@checker("framework")`); `check.check_form`
looks the kind up here, so adding a form kind adds a module and never edits the dispatcher."""

from __future__ import annotations

from collections.abc import Callable

from .findings import Result

Checker = Callable[[object, object], Result]  # (form, profile) -> Result

CHECKERS: dict[str, Checker] = {}


def checker(kind: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of profiles of `kind`."""

    def register(fn: Checker) -> Checker:
        if kind in CHECKERS:
            raise ValueError(f"two checkers for kind {kind!r}")
        CHECKERS[kind] = fn
        return fn

    return register
