"""Progress that reaches logs: a line at a bounded rate where no terminal shows a bar.

Long fits and transforms report through the ``textcnn.progress`` logger at INFO, at
most once per :data:`EVERY` seconds, when progress is asked for (``verbose=True``; the
CLI asks unless ``-q``) and standard error is not a terminal (there tqdm draws bars).
The CLI shows these lines at its default verbosity.
"""

from __future__ import annotations

import logging
import sys
import time

LOGGER = logging.getLogger("textcnn.progress")
#: Seconds between two lines of one run.
EVERY = 30.0


def as_lines(verbose: bool) -> bool:
    """Whether a run asked to show progress should log lines (no terminal for bars)."""
    return bool(verbose) and not sys.stderr.isatty()


class ProgressLog:
    """Log ``message % args`` at most once per ``every`` seconds.

    Parameters
    ----------
    enabled : bool
        Log at all (see :func:`as_lines`).
    every : float, default=EVERY
        Seconds between two lines (the first comes after ``every`` seconds too).

    Examples
    --------
    >>> progress = ProgressLog(True, every=0.0)
    >>> progress.due()
    True
    >>> ProgressLog(False).due()
    False
    """

    def __init__(self, enabled: bool, every: float = EVERY) -> None:
        self.enabled, self.every = enabled, every
        self.started = self.last = time.monotonic()

    def elapsed(self) -> float:
        """Seconds since this log was made."""
        return time.monotonic() - self.started

    def due(self) -> bool:
        """Whether a line may be logged now (then the clock restarts)."""
        if not self.enabled:
            return False
        now = time.monotonic()
        if now - self.last < self.every:
            return False
        self.last = now
        return True

    def log(self, message: str, *args: object) -> None:
        """Log a line now, whatever the rate (e.g. a run's last line)."""
        if self.enabled:
            LOGGER.info(message, *args)
