"""One training loop for every network kind, and batched prediction (torch + numpy).

The loop trains a *group* of networks in lockstep -- the K fold networks of a column,
or the one refit network -- as one computation (:func:`textcnn._group.make_group`): at
each step every member takes its own next batch of its own rows, and one batched
forward/backward pass and one optimiser step serve them all. The per-step overhead of
eager PyTorch is then paid once per step instead of K times. Members stay
independent: own rows, own validation slice, own early stopping, own weights,
dropout masks and batch order, so a member trains exactly as it would alone (up to
floating-point summation order; ``tests/test_group.py``).

A member is built by a zero-argument factory *inside* a forked torch RNG seeded with
its own seed, so the same seed gives the same weights, dropout masks and batch order
on CPU, and the caller's global RNG state is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ._batching import _pad_batch, lockstep_schedule
from ._device import _autocast, _to_device
from ._group import make_group
from ._input import CLASSIFICATION, REGRESSION
from ._optim import GroupAdam

logger = logging.getLogger(__name__)


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
        Max L2 norm of each row of the ``output`` layer's weight (Kim 2014).
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
        Show a tqdm bar over epochs.
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


def _split_validation(
    y: np.ndarray, task: str, fraction: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Carve a (stratified, for classification) validation slice from training rows."""
    n = len(y)
    if task == CLASSIFICATION:
        val = []
        for cls in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == cls))
            val.append(members[: int(round(fraction * len(members)))])
        val_idx = np.sort(np.concatenate(val))
    else:
        val_idx = np.sort(rng.permutation(n)[: int(round(fraction * n))])
    train_mask = np.ones(n, dtype=bool)
    train_mask[val_idx] = False
    return np.flatnonzero(train_mask), val_idx


#: Token positions (summed over the members) in one prediction pass: small enough for the
#: windows to stay in cache (MR, 5 folds: 6,900 rows/s against 4,600 at 2**15).
MAX_POSITIONS = 2**14


def _group_scores(
    group: nn.Module,
    ids: torch.Tensor,
    lengths: torch.Tensor,
    rows: Sequence[np.ndarray] | np.ndarray,
    batch_size: int,
    device: str,
    members: Sequence[int] | None = None,
) -> list[torch.Tensor]:
    """Raw outputs of group members on CPU, float32, each for its rows (in that order).

    ``rows`` is one array of positions (every member reads them: tokenised once, each
    batch looked up in every member's table) or, per member, its own array.
    """
    group.eval()
    chosen = list(range(group.n_members)) if members is None else list(members)
    shared = isinstance(rows, np.ndarray)
    row_sets = [rows] if shared else list(rows)
    n_out = None
    batches = []
    budget = max(1, MAX_POSITIONS // len(chosen))  # token positions per member and pass
    for member_rows in row_sets:  # length-sorted batches within the budget
        order = np.argsort(lengths[torch.from_numpy(member_rows)].numpy(), kind="stable")
        mine, start = [], 0
        lens = lengths[torch.from_numpy(member_rows[order])].numpy()
        while start < len(order):
            stop = min(start + batch_size, len(order))
            while stop - start > 1 and (stop - start) * max(1, lens[stop - 1]) > budget:
                stop = start + max(1, (stop - start) // 2)
            mine.append(order[start:stop])
            start = stop
        batches.append(mine)
    outs: list[torch.Tensor] = []
    with torch.inference_mode():
        for step in range(max(len(b) for b in batches)):
            here = [j for j, b in enumerate(batches) if step < len(b)]
            parts = [row_sets[j][batches[j][step]] for j in here]
            x, lens, flat = _pad_batch(ids, lengths, parts)
            sel = torch.tensor([chosen[j] for j in here] if not shared else chosen)
            with _autocast(device):
                if shared:
                    out = group(x[0].to(device), lens[0].to(device), members=sel.to(device))
                else:
                    out = group(x.to(device), lens.to(device), members=sel.to(device))
            out = out.float().cpu()  # (G', B, O)
            if n_out is None:
                n_out = out.shape[2]
                sizes = [len(r) for r in row_sets]
                outs = [torch.empty((len(chosen) if shared else 1, s, n_out)) for s in sizes]
            if shared:
                outs[0][:, torch.from_numpy(batches[0][step])] = out[:, : len(parts[0])]
            else:
                flat_out = out.reshape(-1, n_out)[torch.from_numpy(flat)]
                start = 0
                for j, part in zip(here, parts, strict=True):
                    outs[j][0, torch.from_numpy(batches[j][step])] = flat_out[
                        start : start + len(part)
                    ]
                    start += len(part)
    if shared:
        return list(outs[0])
    return [o[0] for o in outs]


def _member_targets(
    y: np.ndarray, rows: np.ndarray, task: str, mean: float, scale: float
) -> torch.Tensor:
    if task == REGRESSION:
        return torch.from_numpy(((y[rows] - mean) / scale).astype(np.float32))
    return torch.from_numpy(y[rows].astype(np.int64))


def _row_losses(scores: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    """Per-row losses of (..., O) scores: cross-entropy, or squared error."""
    if task == CLASSIFICATION:
        flat = nn.functional.cross_entropy(
            scores.reshape(-1, scores.shape[-1]), target.reshape(-1), reduction="none"
        )
        return flat.view(target.shape)
    return (scores[..., 0] - target).square()


def train_many(
    build: Callable[[], nn.Module],
    ids: np.ndarray,
    lengths: np.ndarray,
    y: np.ndarray,
    task: str,
    cfg: TrainConfig,
    jobs: Sequence[tuple[np.ndarray, int]],
    epochs: int | None = None,
    order_seed: int = 0,
) -> list[FittedNet]:
    """Train one network per job, all in lockstep as one group.

    Parameters
    ----------
    build : callable
        Returns a fresh module (called under each job's seeded RNG).
    ids : ndarray of shape (n, L), int
        Right-padded token ids of all rows.
    lengths : ndarray of shape (n,)
        Tokens per row.
    y : ndarray of shape (n,)
        Class indices (``task="classification"``) or float targets.
    task : {"classification", "regression"}
        Loss and output kind.
    cfg : TrainConfig
        Settings.
    jobs : sequence of (rows, seed)
        Per network: the rows it trains on, and its seed for weights, dropout,
        shuffling and the validation slice.
    epochs : int or None, default=None
        Train exactly this many epochs on all rows (no validation slice); None:
        up to ``cfg.max_epochs`` with early stopping if enabled.
    order_seed : int, default=0
        Seed of the shared batch order (see :func:`lockstep_schedule`).

    Returns
    -------
    list of FittedNet
        Per job: the module on CPU in eval mode, target scaling, best epoch (1-based).
    """
    device = cfg.device
    rngs, train_rows, val_rows, means, scales = [], [], [], [], []
    for rows, seed in jobs:
        rng = np.random.RandomState(seed)
        rows = np.asarray(rows)
        fit_rows, held = rows, rows[:0]
        if epochs is None and cfg.early_stopping:
            fit_pos, val_pos = _split_validation(y[rows], task, cfg.validation_fraction, rng)
            fit_rows, held = rows[fit_pos], rows[val_pos]
        mean, scale = 0.0, 1.0
        if task == REGRESSION:
            mean = float(np.mean(y[fit_rows]))
            scale = float(np.std(y[fit_rows])) or 1.0
        rngs.append(rng)
        train_rows.append(fit_rows)
        val_rows.append(held)
        means.append(mean)
        scales.append(scale)
    ids_t = torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64))
    lengths_t = torch.from_numpy(lengths.astype(np.int64))
    n_epochs = epochs if epochs is not None else cfg.max_epochs
    cuda = [torch.device(device).index or 0] if device.startswith("cuda") else []
    members = []
    with torch.random.fork_rng(devices=cuda):
        for _, seed in jobs:
            torch.manual_seed(seed)
            members.append(build())
    group = make_group(members).to(device)
    dropout = float(members[0].dropout.p)
    n_features = members[0].output.in_features
    generators = [torch.Generator(device=device).manual_seed(int(s)) for _, s in jobs]
    optimizer = GroupAdam(group.parameter_owners(), len(jobs), cfg.lr, cfg.weight_decay)
    g = len(jobs)
    best_loss, stale = np.full(g, np.inf), np.zeros(g, dtype=np.int64)
    best_epoch = np.full(g, n_epochs)
    best_state: list[dict | None] = [None] * g
    running = list(range(g))
    y_t = torch.from_numpy(y.astype(np.float32 if task == REGRESSION else np.int64))
    mean_t = torch.tensor(means, dtype=torch.float32)
    scale_t = torch.tensor(scales, dtype=torch.float32)
    bar = tqdm(
        range(1, n_epochs + 1),
        desc="epochs",
        leave=False,
        disable=None if cfg.progress else True,  # None: off when not a TTY
    )
    for epoch in bar:
        group.train()
        schedule = lockstep_schedule(
            [lengths[train_rows[k]] for k in running],
            cfg.batch_size,
            [rngs[k] for k in running],
            [order_seed, epoch],
        )
        total = torch.zeros(())
        for step in schedule:
            sel = [running[j] for j, _ in step]
            parts = [train_rows[k][pos] for k, (_, pos) in zip(sel, step, strict=True)]
            x, lens, flat = _pad_batch(ids_t, lengths_t, parts)
            b = x.shape[1]
            flat_t = torch.from_numpy(flat)
            rows_t = torch.from_numpy(np.concatenate(parts))
            owner = torch.from_numpy(np.repeat(np.arange(len(parts)), [len(p) for p in parts]))
            weight = torch.zeros(len(parts) * b)
            weight[flat_t] = 1.0 / torch.tensor([len(p) for p in parts], dtype=torch.float32)[owner]
            target = y_t.new_zeros(len(parts) * b)
            if task == REGRESSION:
                sel_t = torch.tensor(sel)
                target[flat_t] = (y_t[rows_t] - mean_t[sel_t][owner]) / scale_t[sel_t][owner]
            else:
                target[flat_t] = y_t[rows_t]
            keep = None
            if dropout > 0:
                keep = torch.zeros((len(parts), b, n_features), device=device)
                for j, (k, part) in enumerate(zip(sel, parts, strict=True)):
                    draw = torch.rand(
                        (len(part), n_features), generator=generators[k], device=device
                    )
                    keep[j, : len(part)] = (draw >= dropout).float() / (1.0 - dropout)
            optimizer.zero_grad()
            with _autocast(device):
                scores = group(
                    _to_device(x, device),
                    _to_device(lens, device),
                    keep,
                    _to_device(torch.tensor(sel), device),
                ).float()  # (G', B, O)
            losses = _row_losses(scores, _to_device(target.view(len(parts), b), device), task)
            loss = (losses * _to_device(weight.view(len(parts), b), device)).sum()
            loss.backward()
            optimizer.step(sel)
            if cfg.max_norm is not None:
                group.renorm_output(cfg.max_norm)
            total += loss.detach().cpu()
        logger.debug("epoch %d: train loss %.4f (sum over members)", epoch, float(total))
        with_val = [k for k in running if len(val_rows[k])]
        if not with_val:
            continue
        scores = _group_scores(
            group,
            ids_t,
            lengths_t,
            [val_rows[k] for k in with_val],
            cfg.batch_size * 4,
            device,
            with_val,
        )
        for k, sc in zip(with_val, scores, strict=True):
            target = _member_targets(y, val_rows[k], task, means[k], scales[k])
            val_loss = float(_row_losses(sc, target, task).mean())
            logger.debug("epoch %d, member %d: val loss %.4f", epoch, k, val_loss)
            if val_loss < best_loss[k]:
                best_loss[k], best_epoch[k], stale[k] = val_loss, epoch, 0
                best_state[k] = group.member_state(k)
            else:
                stale[k] += 1
                if stale[k] >= cfg.patience:
                    running.remove(k)
        bar.set_postfix(running=len(running))
        if not running:
            break
    for k, state in enumerate(best_state):
        if state is not None:
            group.load_member_state(k, state)
    modules = group.unstack()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()  # do not let GPU memory grow fold after fold
    return [
        FittedNet(m.to("cpu").eval(), task, means[k], scales[k], int(best_epoch[k]))
        for k, m in enumerate(modules)
    ]


def train(
    build: Callable[[], nn.Module],
    ids: np.ndarray,
    lengths: np.ndarray,
    y: np.ndarray,
    task: str,
    cfg: TrainConfig,
    seed: int,
    epochs: int | None = None,
) -> FittedNet:
    """Train one network on all rows given (:func:`train_many` with one job).

    Parameters
    ----------
    build : callable
        Returns a fresh module (called under the seeded RNG).
    ids : ndarray of shape (n, L), int
        Right-padded token ids.
    lengths : ndarray of shape (n,)
        Tokens per row.
    y : ndarray of shape (n,)
        Class indices (``task="classification"``) or float targets.
    task : {"classification", "regression"}
        Loss and output kind.
    cfg : TrainConfig
        Settings.
    seed : int
        Seed for weights, dropout, shuffling and the validation slice.
    epochs : int or None, default=None
        Train exactly this many epochs on all rows; None: early stopping if enabled.

    Returns
    -------
    FittedNet
        The module on CPU in eval mode, target scaling, best epoch (1-based).
    """
    jobs = [(np.arange(len(y)), seed)]
    return train_many(build, ids, lengths, y, task, cfg, jobs, epochs, order_seed=seed)[0]


def predict_many(
    nets: Sequence[FittedNet],
    ids: np.ndarray,
    lengths: np.ndarray,
    rows: Sequence[np.ndarray] | None = None,
    batch_size: int = 1024,
    device: str = "cpu",
) -> list[np.ndarray]:
    """Predict with several trained networks of one shape in one pass per batch.

    Parameters
    ----------
    nets : sequence of FittedNet
        From :func:`train_many` (e.g. the fold networks of a column).
    ids : ndarray of shape (n, L), int
        Right-padded token ids.
    lengths : ndarray of shape (n,)
        Tokens per row.
    rows : sequence of ndarray or None, default=None
        Per network, the rows it predicts; None: every network predicts every row
        (each batch is then looked up in every network's table and run once).
    batch_size : int, default=1024
        Rows per forward pass; the output does not depend on it.
    device : str, default="cpu"
        Where to run; the modules are returned to CPU afterwards.

    Returns
    -------
    list of ndarray of shape (n_rows, n_classes) or (n_rows, 1)
        Per network: class probabilities, or the estimate in the target's units.
    """
    ids_t = torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64))
    lengths_t = torch.from_numpy(lengths.astype(np.int64))
    group = make_group([net.module for net in nets]).to(device)
    try:
        which = np.arange(len(ids)) if rows is None else [np.asarray(r) for r in rows]
        scores = _group_scores(group, ids_t, lengths_t, which, batch_size, device)
    finally:
        group.to("cpu")
        for net in nets:
            net.module.to("cpu")
    out = []
    for net, sc in zip(nets, scores, strict=True):
        if net.task == CLASSIFICATION:
            out.append(torch.softmax(sc.double(), dim=1).numpy())  # float64: rows sum to 1
        else:
            out.append(sc.numpy() * net.target_scale + net.target_mean)
    return out


def predict(
    net: FittedNet,
    ids: np.ndarray,
    lengths: np.ndarray,
    batch_size: int = 1024,
    device: str = "cpu",
) -> np.ndarray:
    """Predict with one trained network (:func:`predict_many` with one).

    Parameters
    ----------
    net : FittedNet
        From :func:`train`.
    ids : ndarray of shape (n, L), int
        Right-padded token ids.
    lengths : ndarray of shape (n,)
        Tokens per row.
    batch_size : int, default=1024
        Rows per forward pass; the output does not depend on it.
    device : str, default="cpu"
        Where to run.

    Returns
    -------
    ndarray of shape (n, n_classes) or (n, 1)
        Class probabilities, or the regression estimate in the target's units.
    """
    return predict_many([net], ids, lengths, None, batch_size, device)[0]
