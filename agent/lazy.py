"""``lazy_part``: an attribute built on first use, once per instance, even when threads race.

The ``Agent`` builds its heavy parts only when a call needs them. ``functools.cached_property``
has no lock since Python 3.12, and ``aask``/``abrief`` run in worker threads: two first calls
would each build their own store or model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

T = TypeVar("T")

#: The instance-dict key of the per-instance lock shared by every ``lazy_part`` (and by code
#: that fills a part another way, such as ``Agent._reading``).
BUILD_LOCK = "_build_lock"


def build_lock(instance: object) -> threading.RLock:
    """The instance's lock for building its parts (re-entrant: one part's build may need another)."""
    lock: threading.RLock = instance.__dict__.setdefault(BUILD_LOCK, threading.RLock())
    return lock


class _LazyPart(Generic[T]):
    """Like ``functools.cached_property``, but built once per instance under a lock."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _LazyPart[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | _LazyPart[T]:
        if instance is None:
            return self
        cache = instance.__dict__
        if self.name in cache:
            return cache[self.name]
        with build_lock(instance):
            if self.name not in cache:
                cache[self.name] = self.build(instance)
            return cache[self.name]


if TYPE_CHECKING:
    # Type checkers are told it is ``cached_property``, which mypy reads as a property while it
    # analyses a class (a generic descriptor is resolved only later), so ``ChatSession[Agent]``
    # checks ``Agent`` against the ``ChatAgent`` protocol's ``chat_model`` property.
    from functools import cached_property as lazy_part
else:
    lazy_part = _LazyPart
