"""Batches of similar-length rows for a lockstep group, and their padding.

:func:`lockstep_schedule` aligns the batches of the members of a group step by step, and
:func:`pad_batch` stacks the members' rows of one step into one right-padded tensor;
:func:`split_validation` carves a member's validation slice from its training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .._input import CLASSIFICATION


def lockstep_schedule(
    lengths: Sequence[np.ndarray],
    batch_size: int,
    rngs: Sequence[np.random.RandomState],
    order_seed: Any,
) -> list[list[tuple[int, np.ndarray]]]:
    """One epoch's steps for a group: each member's batches, aligned by length.

    Member ``k`` shuffles its rows with ``rngs[k]``, cuts them into chunks of 50
    batches, sorts each chunk by length and cuts it into batches: batch ``j`` of any
    chunk holds rows of about the same length quantile. The batches are visited in
    an order given by keys drawn from ``order_seed`` per (chunk, j) slot, shared by the
    members, so at each step every member takes a batch of similar width (little
    padding when they are stacked). A member's batches and their order depend only
    on its own rows, its own ``rng`` and ``order_seed`` -- not on the other members --
    so it trains the same in any group.

    Parameters
    ----------
    lengths : sequence of ndarray
        Per member, the lengths of its training rows.
    batch_size : int
        Rows per batch.
    rngs : sequence of numpy.random.RandomState
        Per member, its shuffling source.
    order_seed : int or sequence of int
        Seed of the shared slot order (e.g. (seed, epoch)).

    Returns
    -------
    list of steps
        Each step a list of (member, positions into that member's rows).

    Examples
    --------
    >>> rng = [np.random.RandomState(0), np.random.RandomState(1)]
    >>> steps = lockstep_schedule([np.array([3, 1, 2]), np.array([5, 4])], 2, rng, 0)
    >>> [[k for k, _ in step] for step in steps]
    [[0, 1], [0]]
    """
    chunk = batch_size * 50
    slots: list[dict[tuple[int, int], np.ndarray]] = []
    n_chunks = 1
    for member_lengths, rng in zip(lengths, rngs, strict=True):
        perm = rng.permutation(len(member_lengths))
        mine = {}
        for c, start in enumerate(range(0, len(perm), chunk)):
            part = perm[start : start + chunk]
            part = part[np.argsort(member_lengths[part], kind="stable")]
            for j, i in enumerate(range(0, len(part), batch_size)):
                mine[c, j] = part[i : i + batch_size]
            n_chunks = max(n_chunks, c + 1)
        slots.append(mine)
    # Row-major draws: the keys of the first chunks do not depend on how many there are.
    keys = np.random.RandomState(order_seed).random_sample((n_chunks, 50))
    order = sorted(set().union(*slots), key=lambda slot: keys[slot])
    return [[(k, mine[slot]) for k, mine in enumerate(slots) if slot in mine] for slot in order]


def epoch_sample(n: int, fraction: float, rng: np.random.RandomState) -> np.ndarray:
    """Positions of the rows a member trains on in one epoch: all, or a random share.

    Examples
    --------
    >>> epoch_sample(4, 1.0, np.random.RandomState(0)).tolist()
    [0, 1, 2, 3]
    >>> len(epoch_sample(10, 0.3, np.random.RandomState(0)))
    3
    """
    if fraction >= 1.0:
        return np.arange(n)
    size = max(1, int(round(fraction * n)))
    return np.sort(rng.choice(n, size=size, replace=False))


def pad_batch(
    ids: torch.Tensor, lengths: torch.Tensor, parts: Sequence[np.ndarray]
) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """Stack per-member row sets into right-padded (G', B, W) ids and (G', B) lengths.

    Also returns the flat positions (member * B + i) of the real rows.
    """
    b = max(len(rows) for rows in parts)
    flat = np.concatenate([j * b + np.arange(len(rows)) for j, rows in enumerate(parts)])
    rows = torch.from_numpy(np.concatenate(parts))
    lens = lengths[rows]
    width = max(1, int(lens.max()))
    out_ids = ids.new_zeros((len(parts) * b, width))
    out_lens = lengths.new_zeros(len(parts) * b)
    index = torch.from_numpy(flat)
    out_ids[index] = ids[rows, :width]
    out_lens[index] = lens
    return out_ids.view(len(parts), b, width), out_lens.view(len(parts), b), flat


def split_validation(
    y: np.ndarray, task: str, fraction: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Carve a (stratified, for classification) validation slice from training rows.

    Returns
    -------
    train : ndarray of int
        Positions kept for training.
    validation : ndarray of int
        Positions held out.
    """
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
