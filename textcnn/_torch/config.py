"""What the training loop takes and gives: :class:`TrainConfig` and :class:`FittedNet`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn


@dataclass
class TrainConfig:
    """Optimisation settings shared by all network kinds.

    Parameters
    ----------
    max_epochs : int, default=10
        Upper bound on passes over the training rows.
    batch_size : int, default=64
        Rows per step.
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    max_norm : float or None, default=3.0
        Max L2 norm of each row of the output layer's weight (Kim 2014).
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training rows and keep the epoch
        with the lowest validation loss.
    validation_fraction : float, default=0.1
        Size of the held-out slice.
    patience : int, default=2
        Epochs without improvement before stopping.
    device : str, default="cpu"
        Resolved torch device.
    progress : bool, default=False
        Show a tqdm bar over epochs (on a terminal), else log a line at a bounded rate
        (:mod:`textcnn._progress`).
    deadline : float or None, default=None
        ``time.time()`` by which training stops (the fit's ``max_time``): every member
        stops at the same step, is validated, and keeps its best checkpoint.
    name : str, default="networks"
        What trains, for log lines (e.g. ``"column 'review'"``).
    schedule : {"onecycle", "constant"}, default="constant"
        The learning rate over the planned epochs: ``"onecycle"`` warms up linearly over
        the first ``warmup`` of the steps to ``lr``, then decays linearly to 0 at the end
        of the last planned epoch (:func:`~textcnn._torch.optim.lr_factor`);
        ``"constant"``: ``lr`` throughout.
    warmup : float, default=0.1
        Share of the planned steps spent warming up (``"onecycle"``).
    sample : float, default=1.0
        Share of its rows each network trains on per epoch, drawn anew each epoch.
    max_length : int or None, default=None
        Tokens per row kept for training steps (validation reads whole rows).
    resume : object or None, default=None
        Where the loop keeps its state between epochs and finds a former run's
        (``load() -> (info, arrays) | None``, ``save(info, arrays)``: a checkpoint's
        :class:`~textcnn._model_file.checkpoint.Progress`); None: nothing kept.
    judge : callable or None, default=None
        Asked once, after the first epoch (when more are planned), whether training
        is worth going on: ``judge(outputs_of) -> bool``, where ``outputs_of(rows_list)``
        gives each member's current output for its rows; True stops every member
        (the caller then sets the networks aside). None: never asked.
    """

    max_epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    max_norm: float | None = 3.0
    early_stopping: bool = True
    validation_fraction: float = 0.1
    patience: int = 2
    device: str = "cpu"
    progress: bool = False
    deadline: float | None = None
    name: str = "networks"
    schedule: str = "constant"
    warmup: float = 0.1
    sample: float = 1.0
    max_length: int | None = None
    resume: Any = None
    judge: Any = None


@dataclass
class FittedNet:
    """A trained module (CPU, eval mode) with what is needed to read its output."""

    module: nn.Module
    task: str
    target_mean: float = 0.0
    target_scale: float = 1.0
    best_epoch: int = 0
    #: The n-gram linear model blended with the network's output (``linear_blend``), or None.
    linear: Any = None
    #: Epochs trained, a fraction where the time budget cut an epoch short (not stored in files).
    epochs_trained: float = 0.0
    #: Whether ``max_time``'s deadline stopped it before its own rules did (not stored in files).
    deadline_cut: bool = False

    def weights(self) -> dict[str, np.ndarray]:
        """The module's state as numpy arrays, by the module's own names."""
        return {k: v.detach().cpu().numpy() for k, v in self.module.state_dict().items()}
