"""The budget planner: what a neural fit can afford within its ``max_time`` (torch-free).

A fit with ``max_time`` first prepares its columns (tokens, vectors, n-grams), then runs a
few real training steps per column (the *probe*, :class:`ColumnCost`) and predicts what
the full plan costs: every fold network's epochs over its rows, validation, the n-gram
heads and the out-of-fold predictions. When the prediction exceeds the time left, the plan
degrades in this order (:data:`DEGRADE_ORDER`), each step only as far as needed:

1. **fewer epochs** (the learning-rate schedule spans the planned epochs, so a shorter
   plan still warms up and decays), down to one;
2. **fewer folds** (with an integer ``cv``: 5 -> 4 -> 3 -> 2; each network then trains on
   a smaller share of the rows, and there are fewer networks: 5 folds train 4 "rows' worth"
   of networks, 3 folds 2, 2 folds 1) -- the out-of-fold contract is unchanged;
3. **a row sample per epoch** (each network trains on a random share of its rows, drawn
   anew each epoch), down to :data:`MIN_SAMPLE`;
4. **shorter texts** for training (the first tokens of each row), down to
   :data:`MIN_LENGTH` tokens; predictions still read whole texts.

If even the cheapest plan does not fit, the networks cannot train enough to beat the
n-gram model they are blended with, so they **step aside**: each column's output is its
n-gram linear model's alone (the same as ``TfidfLinearEncoder``'s, on the same folds).
The order and the floors come from ``benchmarks/budget.py`` (docs/benchmarks/speed.md):
at equal cost, fewer folds kept more accuracy than a row sample, and below the floors the
blend fell under the n-gram model alone.

Everything here is arithmetic on measured costs, so the tests drive it with made-up
probes (a fake clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

#: The order in which a plan that does not fit is made cheaper.
DEGRADE_ORDER = ("epochs", "folds", "sample", "max_length")
#: The smallest share of its rows a network trains on per epoch.
MIN_SAMPLE = 0.25
#: The fewest tokens per row kept for training.
MIN_LENGTH = 32
#: Rows a network's learning-rate schedule aims to pass over with ``max_epochs="auto"``,
#: (classification, regression): the planned epochs are this over the rows a network trains
#: on, rounded, from 2 to 10 (MR, 7,700 rows per fold network: 2; SST-2: 3; airline: 2;
#: wine reviews, regression: 5; a few hundred rows: 10). Measured in docs/benchmarks/speed.md.
EPOCH_ROWS = (16_000, 20_000)
#: Share of the time left kept back for what the probe does not time (the n-gram heads'
#: variance, joblib, assembling the output).
RESERVE = 0.1


def auto_epochs(rows: int, regression: bool = False) -> int:
    """The epochs of ``max_epochs="auto"`` for a network training on ``rows`` rows.

    Examples
    --------
    >>> auto_epochs(7_700), auto_epochs(5_000), auto_epochs(200), auto_epochs(1_000_000)
    (2, 3, 10, 2)
    >>> auto_epochs(3_700, regression=True)
    5
    """
    return int(min(10, max(2, round(EPOCH_ROWS[regression] / max(1, rows)))))


@dataclass(frozen=True)
class ColumnCost:
    """What the probe measured of one text column.

    Parameters
    ----------
    train_s_per_token : float
        Seconds per token of one network's training step (forward, backward, update),
        measured on real batches of the column in lockstep with the other fold networks.
    predict_s_per_token : float
        Seconds per token of a forward pass (validation, out-of-fold predictions).
    lengths : ndarray of int
        Tokens of each row (already cut at the encoder's ``max_length``).
    head_s : float, default=0.0
        Seconds of one n-gram head fitted on ``head_rows`` rows.
    head_rows : int, default=1
        Rows that head was fitted on.
    """

    train_s_per_token: float
    predict_s_per_token: float
    lengths: np.ndarray
    head_s: float = 0.0
    head_rows: int = 1

    def tokens(self, max_length: int | None) -> float:
        """Mean tokens per row, with rows cut at ``max_length`` (None: as they are)."""
        if max_length is None:
            return float(np.mean(self.lengths)) if len(self.lengths) else 0.0
        return float(np.mean(np.minimum(self.lengths, max_length))) if len(self.lengths) else 0.0


@dataclass(frozen=True)
class Plan:
    """What a neural fit trains: folds, epochs, row sample and training length.

    Attributes
    ----------
    folds : int
        Fold networks per column (0: no cross-fitting, ``fit`` with ``refit=True``).
    epochs : int
        Epochs the learning-rate schedule spans (early stopping may stop sooner).
    sample : float
        Share of each network's rows trained on per epoch.
    max_length : int or None
        Tokens per row kept for training (None: the encoder's ``max_length``).
    predicted_s : float or None
        Predicted seconds of the training part of the fit (None: no probe ran).
    budget_s : float or None
        Seconds the plan had to fit in (None: no ``max_time``).
    train : bool
        False: the networks step aside, the n-gram models alone give the features.
    cuts : tuple of str
        What the budget changed, in order (empty: nothing).
    """

    folds: int
    epochs: int
    sample: float = 1.0
    max_length: int | None = None
    predicted_s: float | None = None
    budget_s: float | None = None
    train: bool = True
    cuts: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """The plan in one line, as logged.

        Examples
        --------
        >>> Plan(5, 2).describe()
        'train 5 folds x 2 epochs on all rows'
        >>> for part in Plan(3, 1, 0.5, 64, 12.0, 15.0).describe().split(", "):
        ...     print(part)
        train 3 folds x 1 epoch on 50% of the rows per epoch
        texts cut at 64 tokens; predicted 12 s of 15 s
        >>> Plan(5, 1, train=False, predicted_s=90.0, budget_s=10.0).describe()
        'step aside (n-gram features only): the cheapest plan needs 90 s of 10 s'
        """
        if not self.train:
            return (
                "step aside (n-gram features only): the cheapest plan needs "
                f"{self.predicted_s:.0f} s of {self.budget_s:.0f} s"
            )
        text = (
            f"train {self.folds} folds x {self.epochs} epoch{'s' if self.epochs > 1 else ''} "
            + ("on all rows" if self.sample >= 1 else f"on {self.sample:.0%} of the rows per epoch")
        )
        if self.max_length is not None:
            text += f", texts cut at {self.max_length} tokens"
        if self.predicted_s is not None and self.budget_s is not None:
            text += f"; predicted {self.predicted_s:.0f} s of {self.budget_s:.0f} s"
        return text


def predict_seconds(
    plan: Plan,
    costs: list[ColumnCost],
    n_rows: int,
    validation_fraction: float,
    refit: bool,
) -> float:
    """Seconds the plan's training part takes: every column's networks, heads and predictions.

    Per column, each of the ``folds`` networks trains ``epochs`` times on ``sample`` of its
    ``(1 - 1/folds) * (1 - validation_fraction)`` share of the rows (tokens cut at the
    plan's ``max_length``), validates each epoch on its validation slice, and predicts its
    held-out fold once; its n-gram head is fitted once. ``refit`` adds one network on all
    rows (no validation slice).

    Examples
    --------
    >>> cost = ColumnCost(1e-3, 2e-4, np.full(100, 10))
    >>> round(predict_seconds(Plan(2, 1), [cost], 100, 0.0, False), 3)  # 2 x 50 x 10 x 1e-3
    1.2
    """
    total = 0.0
    for cost in costs:
        full = cost.tokens(None)
        cut = cost.tokens(plan.max_length)
        head_per_row = cost.head_s / max(1, cost.head_rows)
        if plan.folds:
            fold_rows = n_rows * (1 - 1 / plan.folds)
            fit_rows = fold_rows * (1 - validation_fraction)
            val_rows = fold_rows * validation_fraction
            per_net = (
                plan.epochs * plan.sample * fit_rows * cut * cost.train_s_per_token
                + plan.epochs * val_rows * full * cost.predict_s_per_token
                + fold_rows * head_per_row
            )
            total += plan.folds * per_net + n_rows * full * cost.predict_s_per_token
        if refit:
            total += (
                plan.epochs * plan.sample * n_rows * cut * cost.train_s_per_token
                + n_rows * head_per_row
            )
    return total


def _fits(plan: Plan, budget: float, cost: dict) -> tuple[bool, float]:
    seconds = predict_seconds(plan, **cost)
    return seconds <= budget, seconds


def make_plan(
    base: Plan,
    budget_s: float | None,
    costs: list[ColumnCost],
    n_rows: int,
    validation_fraction: float,
    refit: bool,
    min_folds: int = 2,
) -> Plan:
    """The plan to train: ``base`` if it fits ``budget_s``, else degraded in order.

    Parameters
    ----------
    base : Plan
        What the encoder would train without a budget (its ``cv``, planned epochs).
    budget_s : float or None
        Seconds left for training (None: no limit, ``base`` is returned).
    costs : list of ColumnCost
        The probe's measurements, one per text column.
    n_rows : int
        Training rows.
    validation_fraction : float
        Share of each network's rows held out for early stopping (0 without it).
    refit : bool
        Whether one network per column is also trained on all rows.
    min_folds : int, default=2
        Fewest folds (``base.folds`` when ``cv`` is a splitter, which cannot change).

    Returns
    -------
    Plan
        With ``predicted_s``, ``budget_s`` and the ``cuts`` made, or ``train=False``
        when not even the cheapest plan fits.

    Examples
    --------
    Each token costs 1 ms to train: 5 folds x 2 epochs of 100 ten-token rows is 8 s.

    >>> cost = [ColumnCost(1e-3, 0.0, np.full(100, 10))]
    >>> make_plan(Plan(5, 2), 100.0, cost, 100, 0.0, False).cuts
    ()
    >>> make_plan(Plan(5, 2), 4.0, cost, 100, 0.0, False).describe()
    'train 5 folds x 1 epoch on all rows; predicted 4 s of 4 s'
    >>> make_plan(Plan(5, 2), 2.0, cost, 100, 0.0, False).describe()
    'train 3 folds x 1 epoch on all rows; predicted 2 s of 2 s'
    >>> make_plan(Plan(5, 2), 0.1, cost, 100, 0.0, False).train
    False
    """
    args = {
        "costs": costs,
        "n_rows": n_rows,
        "validation_fraction": validation_fraction,
        "refit": refit,
    }
    if budget_s is None:
        return base
    budget = max(0.0, budget_s)
    plan = base
    ok, seconds = _fits(plan, budget, args)
    if ok:
        return replace(plan, predicted_s=seconds, budget_s=budget_s)
    cuts: list[str] = []
    for step in DEGRADE_ORDER:
        plan, cut = _degrade(step, plan, budget, args, min_folds)
        if cut:
            cuts.append(cut)
        ok, seconds = _fits(plan, budget, args)
        if ok:
            return replace(plan, predicted_s=seconds, budget_s=budget_s, cuts=tuple(cuts))
    return replace(base, predicted_s=seconds, budget_s=budget_s, train=False, cuts=tuple(cuts))


def _degrade(
    step: str, plan: Plan, budget: float, args: dict, min_folds: int
) -> tuple[Plan, str | None]:
    """The plan made cheaper by one kind of cut, as little as fits (or to its floor)."""
    if step == "epochs":
        tried = [replace(plan, epochs=e) for e in range(plan.epochs - 1, 0, -1)]
        what = "epochs"
    elif step == "folds":
        tried = [replace(plan, folds=k) for k in range(plan.folds - 1, min_folds - 1, -1)]
        what = "folds"
    elif step == "sample":
        # cost is linear in the sample: the share that just fits, floored
        full = predict_seconds(plan, **args)
        none = predict_seconds(replace(plan, sample=0.0), **args)
        share = (budget - none) / (full - none) if full > none else 1.0
        share = math.floor(max(MIN_SAMPLE, min(1.0, share)) * 100) / 100
        tried = [replace(plan, sample=share)] if share < plan.sample else []
        what = "sample"
    else:  # max_length
        lengths = np.concatenate([c.lengths for c in args["costs"]])
        longest = int(lengths.max()) if len(lengths) else 0
        tried = [
            replace(plan, max_length=cut)
            for cut in _length_cuts(longest)
            if plan.max_length is None or cut < plan.max_length
        ]
        what = "max_length"
    if not tried or plan.folds == 0 and what == "folds":
        return plan, None
    chosen = tried[-1]  # the floor, unless a milder cut fits
    for candidate in tried:
        if predict_seconds(candidate, **args) <= budget:
            chosen = candidate
            break
    return chosen, _describe_cut(what, plan, chosen)


def _length_cuts(longest: int) -> list[int]:
    """Training lengths to try, longest first: halving from ``longest`` to the floor.

    Examples
    --------
    >>> _length_cuts(300)
    [150, 75, 37, 32]
    >>> _length_cuts(40)
    [32]
    >>> _length_cuts(20)
    []
    """
    cuts, cut = [], longest // 2
    while cut > MIN_LENGTH:
        cuts.append(cut)
        cut //= 2
    if longest > MIN_LENGTH:
        cuts.append(MIN_LENGTH)
    return cuts


def _describe_cut(what: str, before: Plan, after: Plan) -> str:
    if what == "epochs":
        return f"epochs {before.epochs} -> {after.epochs}"
    if what == "folds":
        return f"folds {before.folds} -> {after.folds}"
    if what == "sample":
        return f"row sample {before.sample:.0%} -> {after.sample:.0%} per epoch"
    return f"training texts cut at {after.max_length} tokens"
