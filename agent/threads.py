"""``in_worker_thread``: the async twin of a blocking method, with the same signature.

``Agent.aask``/``asummarize``/``abrief`` are ``ask``/``summarize``/``brief`` run in a worker
thread so an event loop stays free. The twin is made from the method itself, so ``help()`` and
``inspect.signature`` show the method's parameters and a new keyword reaches both at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def in_worker_thread(
    method: Callable[Concatenate[S, P], R], doc: str
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """An ``async def`` that runs ``self.<method name>(...)`` in ``asyncio.to_thread``.

    The method is looked up on the instance at call time, so a subclass's override is the one
    run. ``doc`` is the twin's own docstring (what differs: threads, cancellation, callbacks).
    """
    name = method.__name__

    @functools.wraps(method)
    async def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = await asyncio.to_thread(getattr(self, name), *args, **kwargs)
        return result

    call.__name__ = f"a{name}"
    call.__qualname__ = call.__qualname__.rsplit(".", 1)[0] + f".a{name}"
    call.__doc__ = doc
    return call
