"""Database work off the GUI thread: one worker thread, results delivered back on the GUI thread.

Like Anki's CollectionOp/QueryOp: the GUI never waits on the database, and because there is only one
worker, operations run in the order they were asked for. Tests may run operations synchronously.
"""

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from zzdesk.domain.errors import DomainError

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; a queued signal carries each result back to it."""

    finished = Signal(object, object, object)  # callback, result, error


class _Job(QRunnable):
    def __init__(self, relay: _Relay, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]):
        super().__init__()
        self._relay, self._work, self._done = relay, work, done

    def run(self) -> None:
        try:
            result, error = self._work(), None
        except Exception as caught:  # delivered to the GUI thread, which decides how to show it
            result, error = None, caught
        self._relay.finished.emit(self._done, result, error)


class DatabaseWorker(QObject):
    busy_changed = Signal(bool)

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.finished.connect(self._deliver)
        self._pending = 0

    def run(self, work: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[DomainError], None] | None = None) -> None:
        """Run ``work`` on the worker; ``on_done(result)`` or ``on_error(domain_error)`` then runs on the GUI thread.

        Anything other than a DomainError is a bug and is re-raised on the GUI thread for the global handler.
        """
        def done(result: Any, error: BaseException | None) -> None:
            if error is None:
                on_done(result)
            elif isinstance(error, DomainError) and on_error is not None:
                on_error(error)
            else:
                raise error

        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        job = _Job(self._relay, work, done)
        if self._synchronous:
            job.run()
        else:
            self._pool.start(job)

    def _deliver(self, callback: Callable[[Any, BaseException | None], None], result: Any,
                 error: BaseException | None) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        callback(result, error)

    def wait(self) -> None:
        self._pool.waitForDone()
