"""One training loop for every network kind, and batched prediction (torch + numpy).

A model is built by a zero-argument factory *inside* a forked, seeded torch RNG, so
the same seed gives the same weights, dropout masks and batch order on CPU, and the
caller's global RNG state is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

CLASSIFICATION = "classification"
REGRESSION = "regression"


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


def resolve_device(device: str) -> str:
    """Resolve ``"auto"`` to ``"cuda"`` when a GPU is present, else ``"cpu"``.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (any torch device string).

    Returns
    -------
    str
        A concrete device.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)  # raises on nonsense
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available; use 'auto' or 'cpu'")
    return str(dev)


def length_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.RandomState | None
) -> Iterator[np.ndarray]:
    """Index batches of similar-length rows.

    With ``rng``: shuffle, cut into chunks of 50 batches, sort each chunk by length,
    and shuffle the batch order (little padding, still random). Without: sorted by
    length (for prediction).

    Parameters
    ----------
    lengths : ndarray of shape (n,)
        Row lengths.
    batch_size : int
        Rows per batch.
    rng : numpy.random.RandomState or None
        Shuffling source; None for deterministic sorted order.

    Yields
    ------
    ndarray of int
        Positions into ``lengths``.

    Examples
    --------
    >>> [b.tolist() for b in length_batches(np.array([5, 1, 3]), 2, None)]
    [[1, 2], [0]]
    """
    n = len(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        yield from (order[i : i + batch_size] for i in range(0, n, batch_size))
        return
    perm = rng.permutation(n)
    chunk = batch_size * 50
    batches = []
    for start in range(0, n, chunk):
        part = perm[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    for i in rng.permutation(len(batches)):
        yield batches[i]


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


def _loss_fn(task: str) -> nn.Module:
    return nn.CrossEntropyLoss() if task == CLASSIFICATION else nn.MSELoss()


def amp_dtype(device: str) -> torch.dtype | None:
    """Mixed-precision dtype for ``device``: bf16 (or fp16 on older GPUs) on CUDA, else None.

    On CPU the networks run in fp32: at these layer sizes bf16 autocast costs more in
    casts than it saves (measured; see the README's speed section).

    Examples
    --------
    >>> amp_dtype("cpu") is None
    True
    """
    if not device.startswith("cuda"):
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _autocast(device: str) -> torch.autocast:
    dtype = amp_dtype(device)
    if dtype is None:
        return torch.autocast(device_type="cpu", enabled=False)
    return torch.autocast(device_type="cuda", dtype=dtype)


def _adam(params: list[nn.Parameter], cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam with the fused kernel (one pass over all parameters; 1.6x faster steps on CPU).

    Fused Adam runs on CPU from torch 2.4; older releases get the ``foreach`` version.
    """
    try:
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):  # torch < 2.4 on CPU
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, foreach=True)


def _to_device(t: torch.Tensor, device: str) -> torch.Tensor:
    if device == "cpu":
        return t
    return t.pin_memory().to(device, non_blocking=True)


def _run_epoch(
    module: nn.Module,
    ids: torch.Tensor,
    lengths: torch.Tensor,
    target: torch.Tensor,
    rows: np.ndarray,
    cfg: TrainConfig,
    rng: np.random.RandomState,
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module,
    scaler: torch.amp.GradScaler,
) -> float:
    module.train()
    total, count = 0.0, 0
    for batch in length_batches(lengths[rows].numpy(), cfg.batch_size, rng):
        idx = torch.from_numpy(rows[batch])
        lens = lengths[idx]
        width = max(1, int(lens.max()))
        x = _to_device(ids[idx, :width], cfg.device)  # (B, L)
        lens_d = _to_device(lens, cfg.device)  # (B,)
        t = _to_device(target[idx], cfg.device)  # (B,) or (B, 1)
        optimizer.zero_grad(set_to_none=True)
        with _autocast(cfg.device):
            loss = loss_fn(module(x, lens_d).float(), t)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if cfg.max_norm is not None:
            with torch.no_grad():
                w = module.output.weight
                w.copy_(torch.renorm(w, p=2, dim=0, maxnorm=cfg.max_norm))
        total += loss.item() * len(idx)
        count += len(idx)
    return total / max(count, 1)


def _scores(
    module: nn.Module,
    ids: torch.Tensor,
    lengths: torch.Tensor,
    rows: np.ndarray,
    batch_size: int,
    device: str,
) -> torch.Tensor:
    """Raw network outputs for ``rows`` (in that order), on CPU, float32."""
    module.eval()
    out = torch.empty((len(rows), module.output.out_features), dtype=torch.float32)
    with torch.inference_mode():
        for batch in length_batches(lengths[rows].numpy(), batch_size, None):
            idx = torch.from_numpy(rows[batch])
            lens = lengths[idx]
            width = max(1, int(lens.max()))
            x = _to_device(ids[idx, :width], device)
            with _autocast(device):
                out[torch.from_numpy(batch)] = module(x, _to_device(lens, device)).float().cpu()
    return out


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
    """Train one network on all rows given.

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
        Train exactly this many epochs on all rows (no validation slice); None:
        up to ``cfg.max_epochs`` with early stopping if enabled.

    Returns
    -------
    FittedNet
        The module on CPU in eval mode, target scaling, best epoch (1-based).
    """
    rng = np.random.RandomState(seed)
    rows = np.arange(len(y))
    val_rows = np.empty(0, dtype=np.int64)
    if epochs is None and cfg.early_stopping:
        rows, val_rows = _split_validation(y, task, cfg.validation_fraction, rng)
    mean, scale = 0.0, 1.0
    if task == REGRESSION:
        mean = float(np.mean(y[rows]))
        scale = float(np.std(y[rows])) or 1.0
        target = torch.from_numpy(((y - mean) / scale).astype(np.float32))[:, None]  # (n, 1)
    else:
        target = torch.from_numpy(y.astype(np.int64))  # (n,)
    ids_t = torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64))
    lengths_t = torch.from_numpy(lengths.astype(np.int64))
    n_epochs = epochs if epochs is not None else cfg.max_epochs
    devices = [torch.device(cfg.device).index or 0] if cfg.device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        module = build().to(cfg.device)
        params = [p for p in module.parameters() if p.requires_grad]
        optimizer = _adam(params, cfg)
        # fp16 needs loss scaling; bf16 and fp32 do not.
        scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype(cfg.device) == torch.float16)
        loss_fn = _loss_fn(task)
        best_loss, best_epoch, best_state, stale = np.inf, n_epochs, None, 0
        bar = tqdm(
            range(1, n_epochs + 1),
            desc="epochs",
            leave=False,
            disable=None if cfg.progress else True,  # None: off when not a TTY
        )
        for epoch in bar:
            train_loss = _run_epoch(
                module, ids_t, lengths_t, target, rows, cfg, rng, optimizer, loss_fn, scaler
            )
            if len(val_rows) == 0:
                logger.debug("epoch %d: train loss %.4f", epoch, train_loss)
                continue
            scores = _scores(module, ids_t, lengths_t, val_rows, cfg.batch_size * 4, cfg.device)
            val_loss = float(loss_fn(scores, target[torch.from_numpy(val_rows)]))
            logger.debug("epoch %d: train loss %.4f, val loss %.4f", epoch, train_loss, val_loss)
            bar.set_postfix(val_loss=f"{val_loss:.4f}")
            if val_loss < best_loss:
                best_loss, best_epoch, stale = val_loss, epoch, 0
                best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                stale += 1
                if stale >= cfg.patience:
                    break
        if best_state is not None:
            module.load_state_dict(best_state)
    module.to("cpu").eval()
    if cfg.device.startswith("cuda"):
        torch.cuda.empty_cache()  # do not let GPU memory grow fold after fold
    return FittedNet(module, task, mean, scale, best_epoch)


def predict(
    net: FittedNet,
    ids: np.ndarray,
    lengths: np.ndarray,
    batch_size: int = 1024,
    device: str = "cpu",
) -> np.ndarray:
    """Predict with a trained network.

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
        Where to run; the module is returned to CPU afterwards.

    Returns
    -------
    ndarray of shape (n, n_classes) or (n, 1)
        Class probabilities, or the regression estimate in the target's units.
    """
    ids_t = torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64))
    lengths_t = torch.from_numpy(lengths.astype(np.int64))
    module = net.module.to(device)
    try:
        scores = _scores(module, ids_t, lengths_t, np.arange(len(ids)), batch_size, device)
    finally:
        net.module.to("cpu")
    if net.task == CLASSIFICATION:
        return torch.softmax(scores.double(), dim=1).numpy()  # float64: rows sum to 1
    return scores.numpy() * net.target_scale + net.target_mean
