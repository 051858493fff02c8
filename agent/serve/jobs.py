"""The model's queue in ``agent serve``: one worker thread runs model jobs one at a time.

A local model answers one prompt at a time, so requests wait in line (first come, first
served) and each page can say how many are ahead of it. A job whose page was closed before its
turn is skipped. A running job is stopped from inside: llama.cpp cannot be interrupted from
another thread, so the job's ``emit`` (called at every streamed token, and at every step of a
briefing) raises ``JobStopped`` once its page is gone or the server is stopping; the model is
then free for the next page, and Ctrl-C does not wait for a whole answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from agent.errors import NewsAgentError

T = TypeVar("T")

class JobStopped(NewsAgentError):
    """Raised by a job's ``emit`` when nobody waits for its result any more."""


#: What a running job tells its page: ("started", label), ("text", streamed text),
#: ("progress", a status line).
Event = tuple[str, str]
Emit = Callable[[str, str], None]


@dataclass(eq=False)
class Job(Generic[T]):
    """One queued unit of model work and the channel its page reads."""

    label: str
    fn: Callable[[Emit], T]
    ahead: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    stopping: threading.Event
    events: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    abandoned: bool = False

    def post(self, event: Event | None) -> None:
        """From the worker thread: hand ``event`` to the page (None: the job is over)."""
        with contextlib.suppress(RuntimeError):  # the loop closed: the server is stopping
            self.loop.call_soon_threadsafe(self.events.put_nowait, event)

    def emit(self, kind: str, text: str) -> None:
        """The ``Emit`` a job's function gets: ``post`` of one event, or ``JobStopped`` when the
        page went away or the server is stopping."""
        if self.abandoned or self.stopping.is_set():
            raise JobStopped(f"{self.label}: stopped, nobody is waiting for it")
        self.post((kind, text))

    async def stream(self) -> AsyncIterator[Event]:
        """The job's events until it ends; then ``await job.future`` gives its result."""
        while (event := await self.events.get()) is not None:
            yield event


class ModelWorker:
    """The one thread that runs model work; ``pending`` counts the jobs queued or running."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="newsagent-model", daemon=True)
        self._stopping = threading.Event()
        self.pending = 0
        self.current: str | None = None
        self._thread.start()

    def submit(self, label: str, fn: Callable[[Emit], T]) -> Job[T]:
        """Queue ``fn(emit)``; call it on the event loop. ``job.ahead`` is how many jobs were
        queued or running before it."""
        loop = asyncio.get_running_loop()
        job: Job[T] = Job(label, fn, self.pending, loop, loop.create_future(), self._stopping)
        # a page that went away never reads its job's error; mark it read so asyncio stays quiet
        job.future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.pending += 1
        self._queue.put(job)
        return job

    def stop(self) -> None:
        """Stop the running job at its next ``emit``, skip the queued ones, end the thread."""
        self._stopping.set()
        self._queue.put(None)

    def _done(self, job: Job[Any]) -> None:
        with contextlib.suppress(RuntimeError):
            job.loop.call_soon_threadsafe(self._finished)

    def _finished(self) -> None:
        self.pending -= 1

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                if job.abandoned or self._stopping.is_set():
                    continue
                self.current = job.label
                job.post(("started", job.label))
                try:
                    result = job.fn(job.emit)
                except Exception as exc:  # handed to the page, which reports it
                    _settle(job, exc=exc)
                else:
                    _settle(job, result=result)
            finally:
                self.current = None
                job.post(None)
                self._done(job)


def _settle(job: Job[Any], *, result: Any = None, exc: BaseException | None = None) -> None:
    def put() -> None:
        if job.future.done():
            return
        if exc is not None:
            job.future.set_exception(exc)
        else:
            job.future.set_result(result)

    with contextlib.suppress(RuntimeError):
        job.loop.call_soon_threadsafe(put)
