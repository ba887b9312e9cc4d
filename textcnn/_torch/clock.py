"""The clock of a training group: its deadline (``max_time``), its pace and its progress lines.

A group whose planned epochs are seen to end after the deadline (after the first steps
of an epoch, or at an epoch's end) is *behind*: from then on its one-cycle learning rate
follows the clock -- the share of the time allowed that has passed, where that is ahead of
the share of the planned steps -- so the rate still decays to 0, at the deadline, instead
of being cut off at its height; and the group trains until the deadline rather than
stopping before an epoch it cannot finish.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .._progress import ProgressLog, as_lines

logger = logging.getLogger(__name__)

#: Steps of the first epoch timed before estimating whether a whole epoch fits the deadline.
PROBE_STEPS = 5


class Clock:
    """The time of one training group: its deadline, the first epoch's estimate, progress.

    Parameters
    ----------
    cfg : TrainConfig
        ``deadline``, ``progress`` and ``name``.
    n_epochs : int
        Most epochs the group will run.
    """

    def __init__(self, cfg: Any, n_epochs: int) -> None:
        self.deadline, self.name, self.n_epochs = cfg.deadline, cfg.name, n_epochs
        self.progress = ProgressLog(as_lines(cfg.progress))
        self.started = self.epoch_started = time.time()
        self.behind = False  # the planned epochs end after the deadline
        self.epoch_seconds: float | None = None  # the last whole epoch, validation included
        self.step_seconds: float | None = None
        self.warned = False

    def out_of_time(self) -> bool:
        """The deadline has passed."""
        return self.deadline is not None and time.time() >= self.deadline

    def room_for_epoch(self) -> bool:
        """Whether another epoch as long as the last one ends before the deadline."""
        if self.deadline is None or self.epoch_seconds is None:
            return True
        return time.time() + self.epoch_seconds <= self.deadline

    def start_epoch(self) -> None:
        """Mark an epoch's start."""
        self.epoch_started = time.time()

    def end_epoch(self, epoch: int) -> None:
        """Mark the end of epoch ``epoch`` (validation done); judge the pace."""
        self.epoch_seconds = time.time() - self.epoch_started
        self._judge(self.epoch_seconds * (self.n_epochs - epoch))

    def _judge(self, seconds_left: float) -> None:
        """Become *behind* (for good) if ``seconds_left`` of planned work end after the deadline."""
        if self.deadline is None or self.behind or time.time() + seconds_left <= self.deadline:
            return
        self.behind = True
        logger.info(
            "%s: the planned epochs would end %.1f s after max_time's deadline: the learning "
            "rate now decays to 0 at the deadline",
            self.name,
            time.time() + seconds_left - self.deadline,
        )

    def time_progress(self) -> float:
        """The share of the time from the group's start to its deadline that has passed."""
        if self.deadline is None:
            return 0.0
        span = self.deadline - self.started
        return 1.0 if span <= 0 else min(1.0, (time.time() - self.started) / span)

    def warn_short_epoch(self, steps: int) -> None:
        """Warn (once) when the first epoch will not fit before the deadline."""
        need = (self.step_seconds or 0.0) * steps
        left = max(0.0, (self.deadline or 0.0) - self.epoch_started)
        if self.warned or self.deadline is None or need <= left:
            return
        self.warned = True
        logger.warning(
            "%s: one epoch needs about %.1f s but max_time leaves %.1f s for it: the networks "
            "train on about %.0f%% of their rows (one partial epoch), then stop",
            self.name,
            need,
            left,
            100 * left / need,
        )

    def step(self, epoch: int, step: int, steps: int, running: int) -> None:
        """After a step: warn once if the first epoch will not fit; log progress when due."""
        now = time.time()
        self.step_seconds = (now - self.epoch_started) / step
        if step == min(PROBE_STEPS, steps) and self.deadline is not None:
            if epoch == 1:
                self.warn_short_epoch(steps)
            self._judge(self.step_seconds * ((steps - step) + (self.n_epochs - epoch) * steps))
        if self.progress.due():
            rest = self.step_seconds * ((steps - step) + (self.n_epochs - epoch) * steps)
            if self.deadline is not None:
                rest = min(rest, max(0.0, self.deadline - now))
            self.progress.log(
                "%s: epoch %d of at most %d, step %d/%d, %d network(s) training, %.0f s "
                "elapsed, at most about %.0f s left",
                self.name,
                epoch,
                self.n_epochs,
                step,
                steps,
                running,
                self.progress.elapsed(),
                rest,
            )
