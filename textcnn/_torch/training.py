"""One training loop for every network kind.

The loop trains a *group* of networks in lockstep -- the K fold networks of a column,
or the one refit network -- as one computation (:func:`~textcnn._torch.group.make_group`):
at each step every member takes its own next batch of its own rows, and one batched
forward/backward pass and one optimiser step serve them all. The per-step overhead of
eager PyTorch is then paid once per step instead of K times. Members stay
independent: own rows, own validation slice, own early stopping, own weights,
dropout masks and batch order, so a member trains exactly as it would alone (up to
floating-point summation order; ``tests/test_group.py``).

Read it top-down, as skorch's ``fit_loop`` / ``train_step`` / ``validation_step``:
:func:`train_many` prepares the members (:func:`prepare_members`, :func:`build_group`)
and runs :func:`fit_loop`, which runs :func:`train_epoch` (one :func:`train_step` per
lockstep step) and :func:`validation_step` (validation loss, best checkpoint, early
stopping) per epoch; :func:`finish` puts back each member's best weights. With
``cfg.resume`` (a checkpoint), the loop's whole state is saved after each epoch
(:func:`loop_state`) and a former run's is picked up (:func:`restore_loop`), so a fit
killed mid-training goes on at the next epoch exactly as if it had not stopped.

A member is built by a zero-argument factory *inside* a forked torch RNG seeded with
its own seed, so the same seed gives the same weights, dropout masks and batch order
on CPU, and the caller's global RNG state is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .._input import CLASSIFICATION, REGRESSION
from .batching import epoch_sample, lockstep_schedule, pad_batch, split_validation
from .clock import Clock
from .config import FittedNet, TrainConfig
from .device import autocast, to_device
from .group import make_group
from .optim import GroupAdam, lr_factor
from .predict import group_scores, outputs
from .resume import loop_state, restore_loop

logger = logging.getLogger(__name__)


@dataclass
class Member:
    """One network of a group while it trains: its rows, scaling, RNGs and best epoch."""

    rows: np.ndarray  # training rows
    val_rows: np.ndarray  # validation slice (empty without early stopping)
    mean: float
    scale: float
    rng: np.random.RandomState  # validation slice, then batch order
    best_epoch: int
    best_loss: float = np.inf
    stale: int = 0
    epochs_trained: float = 0.0
    deadline_cut: bool = False  # the deadline stopped it before its own rules did
    best_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)


@dataclass
class Data:
    """The rows every member draws from, as tensors on the CPU."""

    ids: torch.Tensor  # (n, L) int64
    lengths: torch.Tensor  # (n,) int64
    y: np.ndarray  # (n,) class indices or float targets, as given
    task: str
    train_lengths: torch.Tensor | None = None  # (n,): lengths cut for training steps

    def __post_init__(self) -> None:
        if self.train_lengths is None:
            self.train_lengths = self.lengths

    def targets(self, rows: np.ndarray, mean: float, scale: float) -> torch.Tensor:
        """Targets of ``rows`` for the loss: class indices, or the standardised value."""
        if self.task == REGRESSION:
            return torch.from_numpy(((self.y[rows] - mean) / scale).astype(np.float32))
        return torch.from_numpy(self.y[rows].astype(np.int64))


def row_losses(scores: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    """Per-row losses of (..., O) scores: cross-entropy, or squared error."""
    if task == CLASSIFICATION:
        flat = nn.functional.cross_entropy(
            scores.reshape(-1, scores.shape[-1]), target.reshape(-1), reduction="none"
        )
        return flat.view(target.shape)
    return (scores[..., 0] - target).square()


def prepare_members(
    jobs: Sequence[tuple[np.ndarray, int]],
    y: np.ndarray,
    task: str,
    cfg: TrainConfig,
    n_epochs: int,
    validate: bool,
) -> list[Member]:
    """Per job: its validation slice (drawn from its own seed) and target scaling."""
    members = []
    for rows, seed in jobs:
        rng = np.random.RandomState(seed)
        rows = np.asarray(rows)
        fit_rows, held = rows, rows[:0]
        if validate:
            fit_pos, val_pos = split_validation(y[rows], task, cfg.validation_fraction, rng)
            fit_rows, held = rows[fit_pos], rows[val_pos]
        mean, scale = 0.0, 1.0
        if task == REGRESSION:
            mean = float(np.mean(y[fit_rows]))
            scale = float(np.std(y[fit_rows])) or 1.0
        members.append(Member(fit_rows, held, mean, scale, rng, n_epochs))
    return members


def build_group(
    build: Callable[[], nn.Module], seeds: Sequence[int], device: str
) -> tuple[nn.Module, list[torch.Generator]]:
    """The members' networks, each built under its own seed, stacked; dropout generators."""
    cuda = [torch.device(device).index or 0] if device.startswith("cuda") else []
    networks = []
    with torch.random.fork_rng(devices=cuda):
        for seed in seeds:
            torch.manual_seed(seed)
            networks.append(build())
    generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]
    return make_group(networks).to(device), generators


def train_step(
    group: nn.Module,
    optimizer: GroupAdam,
    data: Data,
    members: list[Member],
    step: list[tuple[int, np.ndarray]],
    generators: list[torch.Generator],
    cfg: TrainConfig,
) -> torch.Tensor:
    """One optimiser step of the members in ``step`` (member, positions into its rows).

    Each member's loss is the mean over its own rows, so the summed loss gives each
    member the gradient it would get alone. Returns the summed loss (detached, CPU).
    """
    sel = [k for k, _ in step]
    parts = [members[k].rows[pos] for k, pos in step]
    x, lens, flat = pad_batch(data.ids, data.train_lengths, parts)
    g, b = len(parts), x.shape[1]
    flat_t = torch.from_numpy(flat)
    rows_t = torch.from_numpy(np.concatenate(parts))
    owner = torch.from_numpy(np.repeat(np.arange(g), [len(p) for p in parts]))
    weight = torch.zeros(g * b)
    weight[flat_t] = 1.0 / torch.tensor([len(p) for p in parts], dtype=torch.float32)[owner]
    kind = np.float32 if data.task == REGRESSION else np.int64
    y = torch.from_numpy(data.y[rows_t.numpy()].astype(kind))
    target = y.new_zeros(g * b)
    if data.task == REGRESSION:
        mean = torch.tensor([members[k].mean for k in sel], dtype=torch.float32)
        scale = torch.tensor([members[k].scale for k in sel], dtype=torch.float32)
        target[flat_t] = (y - mean[owner]) / scale[owner]
    else:
        target[flat_t] = y
    keep = None
    device, dropout = cfg.device, group.dropout
    if dropout > 0:
        keep = torch.zeros((g, b, group.n_features), device=device)
        for j, (k, part) in enumerate(zip(sel, parts, strict=True)):
            draw = torch.rand((len(part), group.n_features), generator=generators[k], device=device)
            keep[j, : len(part)] = (draw >= dropout).float() / (1.0 - dropout)
    optimizer.zero_grad()
    with autocast(device):
        scores = group(
            to_device(x, device),
            to_device(lens, device),
            keep,
            to_device(torch.tensor(sel), device),
        ).float()  # (G', B, O)
    losses = row_losses(scores, to_device(target.view(g, b), device), data.task)
    loss = (losses * to_device(weight.view(g, b), device)).sum()
    loss.backward()
    optimizer.step(sel)
    if cfg.max_norm is not None:
        group.renorm_output(cfg.max_norm)
    return loss.detach().cpu()


def train_epoch(
    group: nn.Module,
    optimizer: GroupAdam,
    data: Data,
    members: list[Member],
    running: list[int],
    generators: list[torch.Generator],
    cfg: TrainConfig,
    order: list[int],
    clock: Clock,
) -> tuple[float, float]:
    """One pass of the running members over their rows.

    At the deadline every running member stops at the same step (after one at least).

    Returns
    -------
    loss : float
        The summed loss.
    done : float
        The share of the epoch's steps run (1.0 unless the deadline cut it).
    """
    group.train()
    clock.start_epoch()
    lengths = data.train_lengths.numpy()
    subsets = [epoch_sample(len(members[k].rows), cfg.sample, members[k].rng) for k in running]
    schedule = lockstep_schedule(
        [lengths[members[k].rows[sub]] for k, sub in zip(running, subsets, strict=True)],
        cfg.batch_size,
        [members[k].rng for k in running],
        order,
    )
    total = torch.zeros(())
    # each member's learning rate follows its own steps (as it would alone)
    steps_of = np.bincount([j for step in schedule for j, _ in step], minlength=len(running))
    taken = np.zeros(len(running))
    for i, step in enumerate(schedule):
        if i and clock.out_of_time():
            if order[-1] == 1:  # cut before the estimate could warn
                clock.warn_short_epoch(len(schedule))
            return float(total), i / len(schedule)
        mine = [(running[j], subsets[j][pos]) for j, pos in step]
        for j, _ in step:
            progress = (order[-1] - 1 + (taken[j] + 0.5) / steps_of[j]) / clock.n_epochs
            if clock.behind:  # decay to 0 at the deadline (see clock.py)
                progress = max(progress, clock.time_progress())
            optimizer.lr_factors[running[j]] = lr_factor(cfg.schedule, progress, cfg.warmup)
            taken[j] += 1
        total += train_step(group, optimizer, data, members, mine, generators, cfg)
        clock.step(order[-1], i + 1, len(schedule), len(running))
    return float(total), 1.0


def validation_step(
    group: nn.Module,
    data: Data,
    members: list[Member],
    running: list[int],
    epoch: int,
    cfg: TrainConfig,
) -> list[int]:
    """Validation loss of the running members: keep each one's best, stop the stale.

    Returns
    -------
    list of int
        The members still running after this epoch.
    """
    with_val = [k for k in running if len(members[k].val_rows)]
    if not with_val:
        return running
    rows = [members[k].val_rows for k in with_val]
    scores = group_scores(
        group, data.ids, data.lengths, rows, cfg.batch_size * 4, cfg.device, with_val
    )
    still = list(running)
    for k, sc in zip(with_val, scores, strict=True):
        member = members[k]
        target = data.targets(member.val_rows, member.mean, member.scale)
        val_loss = float(row_losses(sc, target, data.task).mean())
        logger.debug("epoch %d, member %d: val loss %.4f", epoch, k, val_loss)
        if val_loss < member.best_loss:
            member.best_loss, member.best_epoch, member.stale = val_loss, epoch, 0
            member.best_state = group.member_state(k)
        else:
            member.stale += 1
            if member.stale >= cfg.patience:
                still.remove(k)
    return still


def member_outputs(
    group: nn.Module, data: Data, members: list[Member], rows: list[np.ndarray], cfg: TrainConfig
) -> list[np.ndarray]:
    """Each member's current output for its own ``rows``: probabilities, or the estimate."""
    scores = group_scores(group, data.ids, data.lengths, rows, cfg.batch_size * 4, cfg.device)
    return [outputs(sc, data.task, m.mean, m.scale) for sc, m in zip(scores, members, strict=True)]


def fit_loop(
    group: nn.Module,
    data: Data,
    members: list[Member],
    generators: list[torch.Generator],
    cfg: TrainConfig,
    n_epochs: int,
    order_seed: int,
) -> None:
    """Epochs of lockstep training and validation until every member has stopped.

    With a deadline, no epoch starts that would end after it (judged by the last one),
    and one that reaches it ends at once for every member (see :func:`train_epoch`).
    """
    optimizer = GroupAdam(group.parameter_owners(), len(members), cfg.lr, cfg.weight_decay)
    running = list(range(len(members)))
    done_epochs = 0
    if cfg.resume is not None:
        saved = cfg.resume.load()
        if saved is not None:
            try:
                done_epochs, running = restore_loop(saved, group, optimizer, members, generators)
            except (ValueError, KeyError) as exc:
                raise ValueError(
                    f"{cfg.name}: the checkpoint's training state cannot be resumed ({exc}); "
                    "delete the checkpoint directory (CLI: --force) to start over"
                ) from exc
            logger.info(
                "%s: resumed from a checkpoint after epoch %d of %d", cfg.name, done_epochs,
                n_epochs,
            )  # fmt: skip
    clock = Clock(cfg, n_epochs)
    bar = tqdm(
        range(done_epochs + 1, n_epochs + 1),
        desc="epochs",
        leave=False,
        disable=None if cfg.progress else True,  # None: off when not a TTY
    )
    for epoch in bar:
        # behind the plan, the rate follows the clock: train on until the deadline
        if not clock.room_for_epoch() and not (clock.behind and not clock.out_of_time()):
            logger.warning(
                "%s: max_time: no room for epoch %d of %d, stopped", cfg.name, epoch, n_epochs
            )
            for k in running:
                members[k].deadline_cut = True
            break
        order = [order_seed, epoch]
        loss, done = train_epoch(
            group, optimizer, data, members, running, generators, cfg, order, clock
        )
        logger.debug("epoch %d: train loss %.4f (sum over members)", epoch, loss)
        for k in running:
            members[k].epochs_trained += done
        running = validation_step(group, data, members, running, epoch, cfg)
        clock.end_epoch(epoch)
        bar.set_postfix(running=len(running))
        if done < 1.0:
            for k in running:
                members[k].deadline_cut = True
        elif cfg.judge is not None and epoch == 1 < n_epochs and running:

            def outputs_of(rows: list[np.ndarray]) -> list[np.ndarray]:
                return member_outputs(group, data, members, rows, cfg)

            if cfg.judge(outputs_of):  # not worth more epochs: the caller sets them aside
                break
        if cfg.resume is not None and running and (epoch < n_epochs or done < 1.0):
            # more to train (now or, cut by the deadline, in a resumed run): keep the state
            cfg.resume.save(*loop_state(group, optimizer, members, generators, epoch, running,
                                        n_epochs))  # fmt: skip
        if done < 1.0:
            logger.warning(
                "%s: max_time reached in epoch %d of %d (%.0f%% of it)",
                cfg.name,
                epoch,
                n_epochs,
                100 * done,
            )
            break
        if not running:
            break


def finish(group: nn.Module, members: list[Member], task: str, device: str) -> list[FittedNet]:
    """Each member's best weights, as single networks on the CPU in eval mode."""
    for k, member in enumerate(members):
        if member.best_state is not None:
            group.load_member_state(k, member.best_state)
    modules = group.unstack()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()  # do not let GPU memory grow fold after fold
    return [
        FittedNet(
            m.to("cpu").eval(),
            task,
            members[k].mean,
            members[k].scale,
            members[k].best_epoch,
            epochs_trained=members[k].epochs_trained,
            deadline_cut=members[k].deadline_cut,
        )
        for k, m in enumerate(modules)
    ]


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
    n_epochs = epochs if epochs is not None else cfg.max_epochs
    validate = epochs is None and cfg.early_stopping
    members = prepare_members(jobs, y, task, cfg, n_epochs, validate)
    group, generators = build_group(build, [seed for _, seed in jobs], cfg.device)
    data = make_data(ids, lengths, y, task, cfg)
    fit_loop(group, data, members, generators, cfg, n_epochs, order_seed)
    return finish(group, members, task, cfg.device)


def make_data(
    ids: np.ndarray, lengths: np.ndarray, y: np.ndarray, task: str, cfg: TrainConfig
) -> Data:
    """The rows as tensors; training steps read at most ``cfg.max_length`` tokens of each."""
    lengths_t = torch.from_numpy(lengths.astype(np.int64))
    cut = None if cfg.max_length is None else lengths_t.clamp(max=cfg.max_length)
    return Data(
        torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64)),
        lengths_t,
        np.asarray(y),
        task,
        cut,
    )


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
