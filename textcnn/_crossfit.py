"""The one place for cross-fitting: splitter choice, the fold loop, out-of-fold assembly.

Knows no torch: it takes ``fit_fold`` / ``predict_fold`` callables, so its coverage and
leakage tests run in milliseconds with a dummy model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
)
from tqdm.auto import tqdm

from ._progress import ProgressLog, as_lines

logger = logging.getLogger(__name__)


class TimeBudget:
    """What is left of a fit's ``max_time``, shared by the trainings still to run.

    A fit runs ``trainings`` trainings one after another (a column's fold group, a
    refit); each gets an equal share of the time left when it starts, so one that ends
    early leaves more to the next. Under ``n_jobs`` every worker holds a copy, and its
    share is the time left over the trainings not yet started there (conservative).

    Parameters
    ----------
    max_time : float or None
        Seconds for the whole fit (None: no limit).
    started : float
        ``time.time()`` when the fit started.
    trainings : int
        Trainings the fit will run.

    Examples
    --------
    >>> budget = TimeBudget(100.0, started=0.0, trainings=2)
    >>> budget.deadline(now=10.0)  # (100 - 10) / 2 s, less the prediction reserve
    50.5
    >>> budget.deadline(now=50.0)
    95.0
    >>> TimeBudget(None, 0.0, 2).deadline() is None
    True
    """

    #: Share of each training's time kept for predicting its held-out rows and its linear head.
    RESERVE = 0.1

    def __init__(self, max_time: float | None, started: float, trainings: int) -> None:
        self.max_time, self.started, self.left = max_time, started, max(1, trainings)

    def deadline(self, now: float | None = None) -> float | None:
        """When the next training must stop (``time.time()`` scale), or None."""
        if self.max_time is None:
            return None
        now = time.time() if now is None else now
        share = max(0.0, self.started + self.max_time - now) / self.left
        self.left = max(1, self.left - 1)
        return now + share * (1.0 - self.RESERVE)


def make_splitter(
    cv: Any, classification: bool, groups: np.ndarray | None, random_state: int
) -> Any:
    """Choose the fold splitter, as sklearn's ``TargetEncoder`` does.

    Parameters
    ----------
    cv : int or splitter
        Number of folds, or a KFold-family splitter (non-overlapping test folds).
    classification : bool
        Stratify on the target.
    groups : ndarray or None
        Group labels; rows of a group never straddle train and test.
    random_state : int
        Seed for shuffling splitters.

    Returns
    -------
    splitter
        Object with ``split(X, y, groups)``.

    Examples
    --------
    >>> type(make_splitter(3, True, None, 0)).__name__
    'StratifiedKFold'
    """
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds, got {cv}")
        if groups is not None:
            if classification:
                return StratifiedGroupKFold(cv, shuffle=True, random_state=random_state)
            return GroupKFold(cv, shuffle=True, random_state=random_state)
        if classification:
            return StratifiedKFold(cv, shuffle=True, random_state=random_state)
        return KFold(cv, shuffle=True, random_state=random_state)
    return check_cv(cv)


def make_folds(
    splitter: Any, n_samples: int, y: np.ndarray, groups: np.ndarray | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Materialise and check the folds: every row in exactly one test fold.

    Parameters
    ----------
    splitter : splitter
        From :func:`make_splitter`.
    n_samples : int
        Number of rows.
    y : ndarray of shape (n_samples,)
        Target (for stratification).
    groups : ndarray or None
        Group labels.

    Returns
    -------
    list of (train_idx, test_idx)
        The folds.
    """
    folds = [
        (np.asarray(tr), np.asarray(te))
        for tr, te in splitter.split(np.zeros((n_samples, 1)), y, groups)
    ]
    counts = np.zeros(n_samples, dtype=np.int64)
    for _, test in folds:
        np.add.at(counts, test, 1)
    if len(folds) < 2 or not np.all(counts == 1):
        raise ValueError(
            "cv must give non-overlapping test folds that cover every row exactly once "
            f"(KFold-family splitters); {type(splitter).__name__} covers "
            f"{int((counts == 0).sum())} rows zero times and "
            f"{int((counts > 1).sum())} more than once"
        )
    return folds


def _fit_predict(
    learner: tuple[Callable[..., list[Any]], Callable[..., list[np.ndarray]]],
    chunk: Sequence[int],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> tuple[list[Any], list[np.ndarray]]:
    """One job: train the folds of ``chunk`` together, predict their held-out rows."""
    fit_folds, predict_folds = learner
    models = fit_folds(list(chunk), [folds[i][0] for i in chunk])
    preds = predict_folds(models, [folds[i][1] for i in chunk])
    return models, [np.asarray(p) for p in preds]


def one_by_one(
    fit_fold: Callable[[int, np.ndarray], Any],
    predict_fold: Callable[[Any, np.ndarray], np.ndarray],
) -> tuple[Callable[..., list[Any]], Callable[..., list[np.ndarray]]]:
    """A learner that trains its folds one at a time, from per-fold callables.

    Parameters
    ----------
    fit_fold : callable
        ``fit_fold(fold_number, train_idx) -> model``.
    predict_fold : callable
        ``predict_fold(model, test_idx) -> ndarray (len(test_idx), k)``.

    Returns
    -------
    (fit_folds, predict_folds)
        The batched form :func:`cross_fit_many` takes.
    """

    def fit_folds(numbers: list[int], rows: list[np.ndarray]) -> list[Any]:
        return [fit_fold(i, r) for i, r in zip(numbers, rows, strict=True)]

    def predict_folds(models: list[Any], rows: list[np.ndarray]) -> list[np.ndarray]:
        return [predict_fold(m, r) for m, r in zip(models, rows, strict=True)]

    return fit_folds, predict_folds


def fold_chunks(n_folds: int, n_jobs: int | None) -> list[list[int]]:
    """Split the folds into as many jobs as joblib runs at once (round-robin).

    One job trains its folds together (fold-batched); with ``n_jobs`` (or a Dask or
    Ray backend) the jobs run side by side.

    Examples
    --------
    >>> fold_chunks(5, None)
    [[0, 1, 2, 3, 4]]
    >>> fold_chunks(5, 2)
    [[0, 2, 4], [1, 3]]
    """
    n_chunks = max(1, min(n_folds, effective_n_jobs(n_jobs)))
    return [list(range(c, n_folds, n_chunks)) for c in range(n_chunks)]


def cross_fit_many(
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    n_samples: int,
    learners: Sequence[tuple[Callable[..., list[Any]], Callable[..., list[np.ndarray]]]],
    progress: bool = False,
    n_jobs: int | None = None,
) -> list[tuple[np.ndarray, list[Any]]]:
    """Out-of-fold predictions of several learners (e.g. one per text column) on shared folds.

    Each learner's folds are trained together in one job (the networks of a column
    run as one fold-batched group), or split into as many jobs as joblib runs at once
    (``n_jobs``, or a Dask or Ray backend); all jobs of all learners go to joblib at
    once, so the columns run side by side.

    Parameters
    ----------
    folds : sequence of (train_idx, test_idx)
        From :func:`make_folds`.
    n_samples : int
        Number of rows.
    learners : sequence of (fit_folds, predict_folds)
        ``fit_folds(fold_numbers, train_idx_list) -> models`` trains one model per
        fold on that fold's rows only; ``predict_folds(models, test_idx_list) ->
        predictions`` gives each model's ``(len(test_idx), k)`` predictions of its
        held-out rows. :func:`one_by_one` makes them from per-fold callables.
    progress : bool, default=False
        Show a tqdm bar over jobs on a terminal, else log a line per job done.
    n_jobs : int or None, default=None
        Jobs run at once, by joblib (None: one, unless a ``joblib.parallel_config``
        context says otherwise, e.g. the Dask backend). Each model's result depends
        only on its own seed, so any ``n_jobs`` gives the same models up to
        floating-point summation order.

    Returns
    -------
    list of (oof, models)
        Per learner: out-of-fold predictions of shape (n_samples, k) and the fold
        models in fold order.
    """
    chunks = fold_chunks(len(folds), n_jobs)
    jobs = [(c, chunk) for c in range(len(learners)) for chunk in chunks]
    try:  # results as they come, for the progress bar
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    except ValueError:  # backends without generators (e.g. Ray)
        parallel = Parallel(n_jobs=n_jobs)
    results = parallel(delayed(_fit_predict)(learners[c], chunk, folds) for c, chunk in jobs)
    bar = tqdm(
        results, total=len(jobs), desc="folds", leave=False, disable=None if progress else True
    )
    lines = ProgressLog(as_lines(progress))
    oofs: list[np.ndarray | None] = [None] * len(learners)
    written = np.zeros((len(learners), n_samples), dtype=np.int64)
    models: list[dict[int, Any]] = [{} for _ in learners]
    for (c, chunk), (chunk_models, preds) in zip(jobs, bar, strict=True):
        for i, model, pred in zip(chunk, chunk_models, preds, strict=True):
            test_idx = folds[i][1]
            if oofs[c] is None:
                oofs[c] = np.full((n_samples, pred.shape[1]), np.nan, dtype=np.float64)
            oofs[c][test_idx] = pred
            np.add.at(written[c], test_idx, 1)
            models[c][i] = model
        logger.info("learner %d, folds %s done", c, [i + 1 for i in chunk])
        lines.log(
            "column %d of %d: fold(s) %s of %d done, %.0f s elapsed",
            c + 1,
            len(learners),
            ", ".join(str(i + 1) for i in chunk),
            len(folds),
            lines.elapsed(),
        )
    if any(o is None for o in oofs) or not np.all(written == 1):
        raise AssertionError("cross-fitting wrote some rows zero or several times")
    ordered = [[m[i] for i in range(len(folds))] for m in models]
    return list(zip(oofs, ordered, strict=True))


def cross_fit(
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    n_samples: int,
    fit_fold: Callable[[int, np.ndarray], Any],
    predict_fold: Callable[[Any, np.ndarray], np.ndarray],
    progress: bool = False,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, list[Any]]:
    """Out-of-fold predictions: each row predicted once, by a model that never saw it.

    One learner's case of :func:`cross_fit_many` (see there for the parameters).

    Returns
    -------
    oof : ndarray of shape (n_samples, k)
        Out-of-fold predictions.
    models : list
        The fold models, in fold order.
    """
    learner = one_by_one(fit_fold, predict_fold)
    return cross_fit_many(folds, n_samples, [learner], progress, n_jobs)[0]
