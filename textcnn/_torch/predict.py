"""Batched prediction with a group of trained networks (torch + numpy).

The fold networks of a column predict together: each batch of length-sorted rows is
tokenised once and run through every member in one pass (:func:`group_scores`), and
the output of a row never depends on the other rows of its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .._input import CLASSIFICATION
from .batching import pad_batch
from .device import autocast
from .group import make_group

#: Token positions (summed over the members) in one prediction pass: small enough for the
#: windows to stay in cache (MR, 5 folds: 6,900 rows/s against 4,600 at 2**15).
MAX_POSITIONS = 2**14


def prediction_batches(lengths: np.ndarray, batch_size: int, budget: int) -> list[np.ndarray]:
    """Length-sorted batches of positions into ``lengths``, each within a token budget.

    A batch holds at most ``batch_size`` rows and, padded to its longest row, at most
    ``budget`` token positions (a single row may exceed it).

    Examples
    --------
    >>> [b.tolist() for b in prediction_batches(np.array([5, 1, 3, 2]), 3, 9)]
    [[1, 3, 2], [0]]
    >>> [b.tolist() for b in prediction_batches(np.array([5, 1, 3, 2]), 3, 6)]  # halved
    [[1], [3], [2], [0]]
    """
    order = np.argsort(lengths, kind="stable")
    lens = lengths[order]
    batches, start = [], 0
    while start < len(order):
        stop = min(start + batch_size, len(order))
        while stop - start > 1 and (stop - start) * max(1, lens[stop - 1]) > budget:
            stop = start + max(1, (stop - start) // 2)
        batches.append(order[start:stop])
        start = stop
    return batches


def group_scores(
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

    Returns
    -------
    list of Tensor of shape (len(rows), n_outputs)
        Per member.
    """
    group.eval()
    chosen = list(range(group.n_members)) if members is None else list(members)
    shared = isinstance(rows, np.ndarray)
    row_sets = [rows] if shared else list(rows)
    budget = max(1, MAX_POSITIONS // len(chosen))  # token positions per member and pass
    lengths_np = lengths.numpy()
    batches = [prediction_batches(lengths_np[r], batch_size, budget) for r in row_sets]
    outs: list[torch.Tensor] = []
    with torch.inference_mode():
        for step in range(max(len(b) for b in batches)):
            here = [j for j, b in enumerate(batches) if step < len(b)]
            parts = [row_sets[j][batches[j][step]] for j in here]
            x, lens, flat = pad_batch(ids, lengths, parts)
            sel = torch.tensor(chosen if shared else [chosen[j] for j in here]).to(device)
            with autocast(device):
                if shared:
                    out = group(x[0].to(device), lens[0].to(device), members=sel)
                else:
                    out = group(x.to(device), lens.to(device), members=sel)
            out = out.float().cpu()  # (G', B, O)
            if not outs:
                n_out = out.shape[2]
                width = len(chosen) if shared else 1
                outs = [torch.empty((width, len(r), n_out)) for r in row_sets]
            if shared:
                outs[0][:, torch.from_numpy(batches[0][step])] = out[:, : len(parts[0])]
                continue
            flat_out = out.reshape(-1, out.shape[2])[torch.from_numpy(flat)]
            start = 0
            for j, part in zip(here, parts, strict=True):
                outs[j][0, torch.from_numpy(batches[j][step])] = flat_out[start : start + len(part)]
                start += len(part)
    return list(outs[0]) if shared else [o[0] for o in outs]


def predict_many(
    nets: Sequence,
    ids: np.ndarray,
    lengths: np.ndarray,
    rows: Sequence[np.ndarray] | None = None,
    batch_size: int = 1024,
    device: str = "cpu",
    token_space: bool = False,
) -> list[np.ndarray]:
    """Predict with several trained networks of one shape in one pass per batch.

    Parameters
    ----------
    nets : sequence of FittedNet
        From :func:`~textcnn._torch.training.train_many` (e.g. the fold networks of a
        column).
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
    token_space : bool, default=False
        CNNs: project each distinct token of these rows through every member's
        filters once for the whole call (:meth:`~textcnn._torch.cnn.TextCNN.project`)
        instead of once per batch; the same outputs. ``transform`` uses it (all members
        read every row); out-of-fold predictions and validation, where each member reads
        its own rows, project per batch as training does.

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
        if token_space and hasattr(group, "project"):
            group.project(ids_t if rows is None else ids_t[np.concatenate(which)])
        scores = group_scores(group, ids_t, lengths_t, which, batch_size, device)
    finally:
        group.to("cpu")
        for net in nets:
            net.module.to("cpu")
    return [
        outputs(sc, net.task, net.target_mean, net.target_scale)
        for net, sc in zip(nets, scores, strict=True)
    ]


def outputs(scores: torch.Tensor, task: str, mean: float, scale: float) -> np.ndarray:
    """A network's raw scores as its output: class probabilities, or the estimate.

    Examples
    --------
    >>> outputs(torch.tensor([[0.0, 0.0]]), "classification", 0.0, 1.0).tolist()
    [[0.5, 0.5]]
    >>> outputs(torch.tensor([[1.0]]), "regression", 10.0, 2.0).tolist()
    [[12.0]]
    """
    if task == CLASSIFICATION:
        return torch.softmax(scores.double(), dim=1).numpy()  # float64: rows sum to 1
    return scores.numpy() * scale + mean


def predict(
    net: object,
    ids: np.ndarray,
    lengths: np.ndarray,
    batch_size: int = 1024,
    device: str = "cpu",
) -> np.ndarray:
    """Predict with one trained network (:func:`predict_many` with one).

    Parameters
    ----------
    net : FittedNet
        From :func:`~textcnn._torch.training.train`.
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
