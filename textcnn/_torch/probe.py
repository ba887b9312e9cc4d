"""The probe of the budget planner: what a training step and a prediction pass cost.

:func:`probe` runs a few real steps of a throwaway group of networks and times them, so
the planner (:mod:`textcnn._plan`) can predict a whole fit before it starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from torch import nn

from .batching import lockstep_schedule
from .clock import PROBE_STEPS
from .config import TrainConfig
from .optim import GroupAdam
from .predict import group_scores
from .training import build_group, make_data, prepare_members, train_step


def probe(
    build: Callable[[], nn.Module],
    ids: np.ndarray,
    lengths: np.ndarray,
    y: np.ndarray,
    task: str,
    cfg: TrainConfig,
    jobs: Sequence[tuple[np.ndarray, int]],
    steps: int = PROBE_STEPS,
) -> tuple[float, float]:
    """Seconds per token of a training step and of a prediction pass, measured.

    A throwaway group of the ``jobs``' networks (as :func:`train_many` builds it) runs
    one step to warm up, then ``steps`` training steps of its first epoch's batches
    chosen across the range of batch widths (shortest to longest texts), then predicts
    a few hundred rows. Nothing of it is kept; the caller's RNG state is untouched.

    Returns
    -------
    train_s_per_token : float
        Seconds per real token (summed over the members) of a training step.
    predict_s_per_token : float
        Seconds per real token of a prediction pass.
    """
    members = prepare_members(jobs, y, task, cfg, 1, cfg.early_stopping)
    group, generators = build_group(build, [seed for _, seed in jobs], cfg.device)
    data = make_data(ids, lengths, y, task, cfg)
    cut = data.train_lengths.numpy()
    schedule = lockstep_schedule(
        [cut[m.rows] for m in members], cfg.batch_size, [m.rng for m in members], 0
    )
    size = [sum(int(cut[members[k].rows[pos]].sum()) for k, pos in step) for step in schedule]
    order = np.argsort(size, kind="stable")
    picks = order[np.linspace(0, len(order) - 1, min(steps, len(order))).round().astype(int)]
    optimizer = GroupAdam(group.parameter_owners(), len(members), cfg.lr, cfg.weight_decay)
    group.train()
    warm = schedule[int(order[len(order) // 2])]
    train_step(group, optimizer, data, members, warm, generators, cfg)
    started = time.perf_counter()
    for i in picks:
        train_step(group, optimizer, data, members, schedule[int(i)], generators, cfg)
    train_s = (time.perf_counter() - started) / max(1, sum(size[int(i)] for i in picks))
    rng = np.random.RandomState(0)
    rows = [rng.choice(m.rows, size=min(len(m.rows), 200), replace=False) for m in members]
    started = time.perf_counter()
    group_scores(group, data.ids, data.lengths, rows, cfg.batch_size * 4, cfg.device)
    predict_s = (time.perf_counter() - started) / max(1, sum(int(lengths[r].sum()) for r in rows))
    return train_s, predict_s
