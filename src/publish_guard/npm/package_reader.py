"""Reading a package tarball on a thread of its own while its bytes are handed over.

``TarballScan`` decodes a publish's tarball as the body arrives; ``PackageReader`` takes those
decoded pieces and runs ``tarball.read_package_pieces`` on them as they come, so that inflating
and walking the tar overlap the reading of the body instead of following it (zlib lets go of
the GIL while it inflates). The outcome — the package, or the ``TarballError`` it is refused
for — is exactly what ``read_package`` gives for the same bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from queue import SimpleQueue

from publish_guard.npm.tarball import Limits, Package, TarballError, read_package_pieces

_STEP = 16 * 1024  # bytes of a piece inflated between looks at ``cancel`` (a bomb inflates
# about a thousandfold: at most some 16 MiB of work after a cancel)


class _Cancelled(Exception):
    pass


class PackageReader:
    """Hand it the tarball's bytes in order (``update``), then ask for ``result``, which waits
    for the reading to end (call it off the event loop). ``cancel`` drops the work. Once the
    reading has ended early (a refused tarball), further pieces are dropped, not queued.
    ``cancel`` does not wait for the thread, which stops within a step of its work: it is
    called on the event loop."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._queue: SimpleQueue[bytes | None] = SimpleQueue()
        self._cancelled = False
        self._ended = False
        self._drained = False  # the end of the pieces (None) was taken off the queue
        self._outcome: Package | TarballError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def update(self, piece: bytes) -> None:
        if not self._ended:
            self._queue.put(piece)

    def result(self) -> Package | TarballError | None:
        """The package or why it is refused; ``None`` if the reading failed otherwise (the
        caller then reads the tarball itself, and meets the same failure)."""
        self._stop()
        return self._outcome

    def cancel(self) -> None:
        self._cancelled = True
        self._queue.put(None)

    def _stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _pieces(self) -> Iterator[bytes]:
        while (piece := self._queue.get()) is not None:
            with memoryview(piece) as view:
                for start in range(0, len(view), _STEP):
                    if self._cancelled:
                        raise _Cancelled
                    yield bytes(view[start : start + _STEP])
        self._drained = True

    def _run(self) -> None:
        try:
            self._outcome = read_package_pieces(self._pieces(), self._limits)
        except TarballError as exc:
            self._outcome = exc
        except Exception:
            self._outcome = None
        finally:
            self._ended = True
            while not self._drained:  # free what is queued, up to the end
                self._drained = self._queue.get() is None
