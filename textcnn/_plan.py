"""The budget planner: what a neural fit can afford within its ``max_time`` (torch-free).

A fit with ``max_time`` first prepares its columns (tokens, vectors, n-grams), then runs a
few real training steps per column (the *probe*, :class:`ColumnCost`) and predicts what
the full plan costs: every fold network's epochs over its rows, validation, the n-gram
heads and the out-of-fold predictions. When the prediction exceeds the time left, the plan
is made cheaper in this order (:data:`DEGRADE_ORDER`), each step only as far as needed:

1. **narrower networks** (the CNN's filters per width halved, down to :data:`MIN_WIDTH`);
2. **less training**: fewer passes over the rows, in twentieths of an epoch -- 2 epochs
   become 2 epochs on 80 % of the rows each (a row sample drawn anew each epoch), then 1
   epoch on all rows, ...; the learning-rate schedule spans what is planned, so a shorter
   plan still warms up and decays;
3. **fewer folds** (an integer ``cv`` only: down to 2; each network trains on a smaller
   share of the rows, and there are fewer of them) -- the out-of-fold contract holds;
4. **shorter training texts** (the first tokens of each row, halving, not below the
   median row); predictions still read whole texts.

Steps 2-3 stop where a network would pass over fewer rows than :func:`min_passes` (about
half the rows ``max_epochs="auto"`` plans for): below that, measured on MR, airline tweets
and wine reviews, the network blended with its n-gram model scored *under* the n-gram model
alone. If even the cheapest plan does not fit, the networks **step aside**: each column's
output is its n-gram linear model's alone (the same as ``TfidfLinearEncoder``'s, on the same
folds). The order and the floors come from ``benchmarks/budget.py``
(docs/benchmarks/speed.md): at equal cost, halving the filters lost least, then less
training (fewer epochs and a row sample scored alike at equal passes); fewer folds lost most.

Everything here is arithmetic on measured costs, so the tests drive it with made-up
probes (a fake clock).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

#: The order in which a plan that does not fit is made cheaper.
DEGRADE_ORDER = ("width", "training", "folds", "max_length")
#: The narrowest network (filters per width) a plan trains.
MIN_WIDTH = 25
#: Share of a step's cost that does not shrink with the width (lookups, the optimiser on
#: the embedding rows, dropout): measured on MR, 100 -> 50 -> 25 filters.
WIDTH_FIXED = 0.15
#: The fewest tokens per row kept for training (and never below the median row).
MIN_LENGTH = 32
#: Rows a network's learning-rate schedule aims to pass over with ``max_epochs="auto"``,
#: (classification, regression): the planned epochs are this over the rows a network trains
#: on, rounded, from 2 to 10 (MR, 7,700 rows per fold network: 2; SST-2: 3; airline: 2;
#: wine reviews, regression: 5; a few hundred rows: 10). Measured in docs/benchmarks/speed.md.
EPOCH_ROWS = (16_000, 20_000)
#: The fewest row passes a plan leaves each network, (classification, regression): see
#: :func:`min_passes`.
MIN_PASSES = (7_500, 11_000)
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


def min_passes(regression: bool = False) -> float:
    """The fewest row passes (rows x epochs x sample) a plan leaves each network.

    Below it, the blend fell under the n-gram model alone (``benchmarks/budget.py``; MR:
    one epoch of 7,700 rows was +0.4 points over it, half an epoch +0.0; airline: 10,500
    passes +0.3, 5,200 -1.1; wine reviews, regression: three epochs of 3,700 rows +0.013
    R², 9,200 passes in a 50% row sample -0.011, one epoch -0.05).

    Examples
    --------
    >>> min_passes(), min_passes(regression=True)
    (7500, 11000)
    """
    return MIN_PASSES[regression]


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
    width : int or None, default=None
        The network width the probe ran (None: not a width the planner changes).
    """

    train_s_per_token: float
    predict_s_per_token: float
    lengths: np.ndarray
    head_s: float = 0.0
    head_rows: int = 1
    width: int | None = None

    def tokens(self, max_length: int | None) -> float:
        """Mean tokens per row, with rows cut at ``max_length`` (None: as they are)."""
        if not len(self.lengths):
            return 0.0
        if max_length is None:
            return float(np.mean(self.lengths))
        return float(np.mean(np.minimum(self.lengths, max_length)))

    def scale(self, width: int | None) -> float:
        """The cost of a step at ``width`` relative to the probed one."""
        if width is None or self.width is None:
            return 1.0
        return WIDTH_FIXED + (1.0 - WIDTH_FIXED) * width / self.width


@dataclass(frozen=True)
class Plan:
    """What a neural fit trains: folds, epochs, width, row sample and training length.

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
    width : int or None
        The CNN's filters per width (None: a network the planner does not narrow).
    predicted_s : float or None
        Predicted seconds of the training part of the fit (None: no probe ran).
    budget_s : float or None
        Seconds the plan had to fit in (None: no ``max_time``).
    train : bool
        False: the networks step aside, the n-gram models alone give the features.
    cuts : tuple of str
        What the budget changed, in order (empty: nothing).
    aside : tuple of str
        The text columns whose networks stepped aside (all of them when ``train`` is
        False; else those a deadline stopped under the floor of row passes). Set after
        the fit.
    """

    folds: int
    epochs: int
    sample: float = 1.0
    max_length: int | None = None
    width: int | None = None
    predicted_s: float | None = None
    budget_s: float | None = None
    train: bool = True
    cuts: tuple[str, ...] = field(default=())
    aside: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """The plan in one line, as logged.

        Examples
        --------
        >>> Plan(5, 2).describe()
        'train 5 folds x 2 epochs on all rows'
        >>> cut = Plan(3, 1, 0.5, 64, 25, 12.0, 15.0, cuts=("filters per width 100 -> 25",))
        >>> for part in cut.describe().split(", "):
        ...     print(part)
        train 3 folds x 1 epoch on 50% of the rows per epoch
        25 filters per width
        texts cut at 64 tokens; predicted 12 s of 15 s
        >>> Plan(5, 1, train=False, predicted_s=90.0, budget_s=10.0).describe()
        'step aside (n-gram features only): the cheapest plan needs 90 s of 10 s'
        """
        if not self.train:
            return (
                "step aside (n-gram features only): the cheapest plan needs "
                f"{self.predicted_s:.0f} s of {max(0.0, self.budget_s):.0f} s"
            )
        text = (
            f"train {self.folds} folds x {self.epochs} epoch{'s' if self.epochs > 1 else ''} "
            + ("on all rows" if self.sample >= 1 else f"on {self.sample:.0%} of the rows per epoch")
        )
        if any(cut.startswith("filters") for cut in self.cuts):
            text += f", {self.width} filters per width"
        if self.max_length is not None:
            text += f", texts cut at {self.max_length} tokens"
        if self.predicted_s is not None and self.budget_s is not None:
            text += f"; predicted {self.predicted_s:.0f} s of {max(0.0, self.budget_s):.0f} s"
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
    plan's ``max_length``, steps scaled to the plan's width), validates each epoch on its
    validation slice, and predicts its held-out fold once; its n-gram head is fitted once.
    ``refit`` adds one network on all rows (no validation slice).

    Examples
    --------
    >>> cost = ColumnCost(1e-3, 2e-4, np.full(100, 10))
    >>> round(predict_seconds(Plan(2, 1), [cost], 100, 0.0, False), 3)  # 2 x 50 x 10 x 1e-3
    1.2
    """
    total = 0.0
    for cost in costs:
        full, cut = cost.tokens(None), cost.tokens(plan.max_length)
        train_s = cost.train_s_per_token * cost.scale(plan.width)
        predict_s = cost.predict_s_per_token * cost.scale(plan.width)
        head_per_row = cost.head_s / max(1, cost.head_rows)
        if plan.folds:
            fold_rows = n_rows * (1 - 1 / plan.folds)
            fit_rows = fold_rows * (1 - validation_fraction)
            val_rows = fold_rows * validation_fraction
            per_net = (
                plan.epochs * plan.sample * fit_rows * cut * train_s
                + plan.epochs * val_rows * full * predict_s
                + fold_rows * head_per_row
            )
            total += plan.folds * per_net + n_rows * full * predict_s
        if refit:
            total += plan.epochs * plan.sample * n_rows * cut * train_s + n_rows * head_per_row
    return total


def passes(plan: Plan, n_rows: int, validation_fraction: float) -> float:
    """Rows each network passes over: epochs x sample x the rows it trains on."""
    share = (1 - 1 / plan.folds) * (1 - validation_fraction) if plan.folds else 1.0
    return plan.epochs * plan.sample * n_rows * share


def make_plan(
    base: Plan,
    budget_s: float | None,
    costs: list[ColumnCost],
    n_rows: int,
    validation_fraction: float,
    refit: bool,
    min_folds: int = 2,
    least: float = 0.0,
) -> Plan:
    """The plan to train: ``base`` if it fits ``budget_s``, else made cheaper in order.

    Parameters
    ----------
    base : Plan
        What the encoder would train without a budget (its ``cv``, planned epochs, width).
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
    least : float, default=0.0
        The fewest rows a network may pass over (:func:`min_passes`); a plan that
        already trains less than that is not cut in training or folds.

    Returns
    -------
    Plan
        With ``predicted_s``, ``budget_s`` and the ``cuts`` made; where not even the
        cheapest plan fits, that plan with ``train=False`` (the networks step aside).

    Examples
    --------
    Each token costs 1 ms to train: 5 folds x 4 epochs of 100 ten-token rows is 16 s.

    >>> cost = [ColumnCost(1e-3, 0.0, np.full(100, 10))]
    >>> make_plan(Plan(5, 4), 100.0, cost, 100, 0.0, False).cuts
    ()
    >>> make_plan(Plan(5, 4), 8.0, cost, 100, 0.0, False).describe()
    'train 5 folds x 2 epochs on all rows; predicted 8 s of 8 s'
    >>> make_plan(Plan(5, 4), 2.0, cost, 100, 0.0, False).cuts
    ('training 4 -> 0.5 epochs (1 epoch on 50% of the rows)',)
    >>> make_plan(Plan(5, 4), 0.1, cost, 100, 0.0, False).describe()
    'train 2 folds x 1 epoch on 5% of the rows per epoch; predicted 0 s of 0 s'

    With a floor of 80 row passes per network, one epoch of 80 rows is the least:

    >>> make_plan(Plan(5, 4), 0.1, cost, 100, 0.0, False, least=80).describe()
    'step aside (n-gram features only): the cheapest plan needs 4 s of 0 s'
    """
    if budget_s is None:
        return base
    args = {
        "costs": costs,
        "n_rows": n_rows,
        "validation_fraction": validation_fraction,
        "refit": refit,
    }
    budget = max(0.0, budget_s)
    floor = min(least, passes(base, n_rows, validation_fraction))
    plan, cuts = base, []
    seconds = predict_seconds(plan, **args)
    for step in DEGRADE_ORDER:
        if seconds <= budget:
            return replace(plan, predicted_s=seconds, budget_s=budget_s, cuts=tuple(cuts))
        # candidates run from mildest to cheapest: their cost and their row passes fall
        # along the list, so both searches are bisections (max_epochs=100_000 makes
        # two million candidates of less training)
        tried = _candidates(step, plan, costs, min_folds)
        n = len(tried)
        if step in ("training", "folds"):  # those above the floor of row passes
            n = _first(lambda i, t=tried: passes(t[i], n_rows, validation_fraction) < floor, n)
        if not n:
            continue
        fits = _first(lambda i, t=tried: predict_seconds(t[i], **args) <= budget, n)
        chosen = tried[min(fits, n - 1)]
        cuts.append(_describe_cut(step, plan, chosen))
        plan, seconds = chosen, predict_seconds(chosen, **args)
    done = replace(plan, predicted_s=seconds, budget_s=budget_s, cuts=tuple(cuts))
    return done if seconds <= budget else replace(done, train=False)


def _first(condition: Callable[[int], bool], n: int) -> int:
    """The first ``i < n`` where ``condition(i)`` holds (and so for every later ``i``), else n."""
    low, high = 0, n
    while low < high:
        middle = (low + high) // 2
        if condition(middle):
            high = middle
        else:
            low = middle + 1
    return low


class _LessTraining(Sequence):
    """Plans of less training than ``plan``, one twentieth of an epoch less each, built on demand.

    Item ``i`` trains ``T - 1 - i`` twentieths of an epoch, ``T`` being the plan's: as
    ``ceil(t / 20)`` epochs on ``t / (20 * epochs)`` of the rows each.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.total = round(plan.epochs * plan.sample * 20)

    def __len__(self) -> int:
        return max(0, self.total - 1)

    def __getitem__(self, i: int) -> Plan:  # type: ignore[override]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        twentieths = self.total - 1 - i
        epochs = math.ceil(twentieths / 20)
        return replace(self.plan, epochs=epochs, sample=twentieths / (20 * epochs))


def _candidates(step: str, plan: Plan, costs: list[ColumnCost], min_folds: int) -> Sequence[Plan]:
    """Cheaper variants of ``plan`` by one kind of cut, mildest first."""
    if step == "width":
        if plan.width is None:
            return []
        widths, width = [], plan.width
        while width // 2 >= MIN_WIDTH:
            width //= 2
            widths.append(width)
        if plan.width > MIN_WIDTH and (not widths or widths[-1] > MIN_WIDTH):
            widths.append(MIN_WIDTH)
        return [replace(plan, width=w) for w in widths]
    if step == "training":  # epochs x sample, in twentieths of an epoch
        return _LessTraining(plan)
    if step == "folds":
        return [replace(plan, folds=k) for k in range(plan.folds - 1, min_folds - 1, -1)]
    lengths = np.concatenate([c.lengths for c in costs]) if costs else np.zeros(0)
    if not len(lengths):
        return []
    floor = max(MIN_LENGTH, int(np.median(lengths)))
    current = plan.max_length or int(lengths.max())
    cuts, cut = [], current // 2
    while cut > floor:
        cuts.append(cut)
        cut //= 2
    if current > floor:
        cuts.append(floor)
    return [replace(plan, max_length=c) for c in cuts]


def _passes(plan: Plan) -> str:
    return f"{plan.epochs * plan.sample:.3g}"


def _describe_cut(step: str, before: Plan, after: Plan) -> str:
    if step == "width":
        return f"filters per width {before.width} -> {after.width}"
    if step == "training":
        done = f"{after.epochs} epoch{'s' if after.epochs > 1 else ''}"
        if after.sample < 1:
            done += f" on {after.sample:.0%} of the rows"
        return f"training {before.epochs * before.sample:.3g} -> {_passes(after)} epochs ({done})"
    if step == "folds":
        return f"folds {before.folds} -> {after.folds}"
    return f"texts cut at {after.max_length} tokens for training"
