"""How a neural encoder learns one text column: fit, predict, probe, and stepping aside.

:class:`NeuralColumn` holds a prepared column (its token ids, the n-gram matrix of the blend
branch, the target) and gives the cross-fitting base (:class:`~textcnn._crossfit_encoder.
ColumnLearner`) its four steps: train the fold networks of a plan in lockstep, predict
their held-out rows, probe what training costs (for the budget planner,
:mod:`textcnn._plan`), and guard the column's output.

The networks **step aside** -- the column's features become its n-gram models' alone, as
``TfidfLinearEncoder`` gives them on the same folds -- in four cases: the planner found no
plan that fits the budget and trains enough; a deadline stopped them under the planner's
floor of row passes (:func:`aside_if_cut_short`); after their first epoch, their blend did
not beat the n-gram models on the folds' held-out rows (:meth:`NeuralColumn.early_judge`:
the rest of the training is not spent); or, trained, their blend did not beat the n-gram
models out of fold as a feature (:func:`guard_column`: AUC, or R²).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _input, _ngram, _plan

if TYPE_CHECKING:
    from ._torch import FittedNet, TrainConfig

logger = logging.getLogger(__name__)

#: Judge the networks after their first epoch (:meth:`NeuralColumn.early_judge`); the
#: benchmarks turn it off to measure what it changes.
EARLY_JUDGE = True
#: After one epoch the networks stop (and step aside) where their blend's ranking error
#: (1 - AUC, or 1 - R²) out of fold is at least this much larger than the n-gram models'
#: alone, in relative terms. Measured (benchmarks/early_judge.py, nine sets): wine reviews'
#: blend was 5 % behind after one epoch and ahead after five (the guard kept it); BBC News's
#: was 22 % behind and stayed behind (the guard set it aside after 60 s of training).
JUDGE_SHARE = 0.1


def torch_package() -> Any:
    """The torch sub-package, imported on first use (fit, transform, load)."""
    from . import _torch

    return _torch


def feature_score(pred: np.ndarray, y: np.ndarray, task: str) -> float:
    """How well out-of-fold predictions rank the rows: what a downstream model can use.

    Trees and boosting read a feature's order only, so calibration does not count: ROC AUC
    (binary: of P(class 1); multiclass: the mean one-vs-rest AUC), or for a continuous
    target the squared correlation (R² once linearly rescaled).

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.45, 0.55], [0.4, 0.6]])
    >>> feature_score(proba, np.array([0, 0, 1, 1]), "classification")  # ranks all right
    1.0
    >>> estimate = np.array([[1.0], [2.0], [3.0], [5.0]])
    >>> feature_score(estimate, 2 * estimate[:, 0], "regression")  # right once rescaled
    1.0
    """
    from sklearn.metrics import roc_auc_score

    if task == _input.REGRESSION:
        if np.std(pred[:, 0]) == 0 or np.std(y) == 0:
            return 0.0
        return float(np.corrcoef(pred[:, 0], y)[0, 1] ** 2)
    classes = np.unique(y)
    if len(classes) < 2:
        return 0.5
    scores = [roc_auc_score(y == k, pred[:, int(k)]) for k in classes if 0 < np.mean(y == k) < 1]
    return float(np.mean(scores))


def guard_column(
    nets: list[FittedNet],
    folds: list[tuple[np.ndarray, np.ndarray]],
    oof: np.ndarray,
    ngrams: Any,
    y: np.ndarray,
    name: str,
) -> tuple[list[FittedNet], np.ndarray]:
    """The networks, or their n-gram heads alone where the blend did not beat them.

    The blend and the heads alone are both out of fold on every row (a fold's head and
    network never saw its held-out rows), so they compare fairly; the column keeps the
    blend only if it scores higher as a feature (:func:`feature_score`: AUC, or R² once
    rescaled). Choosing one of two out-of-fold outputs by their score on the same rows is
    one bit of selection: no row's feature comes from a model that saw it.
    """
    heads = np.empty_like(oof)
    for net, (_, test) in zip(nets, folds, strict=True):
        heads[test] = net.linear.predict(ngrams[test])
    task = nets[0].task
    blend, alone = feature_score(oof, y, task), feature_score(heads, y, task)
    if blend > alone:
        return nets, oof
    logger.warning(
        "%s: the networks did not beat their n-gram models out of fold (%s %.4f against "
        "%.4f alone): they step aside, the n-gram models alone give the features",
        name,
        "R²" if task == _input.REGRESSION else "AUC",
        blend,
        alone,
    )
    return [replace(net, module=None, best_epoch=0) for net in nets], heads


def aside_if_cut_short(
    nets: list[FittedNet], plan: _plan.Plan, jobs: list[tuple[np.ndarray, int]], cfg: Any
) -> list[FittedNet]:
    """The networks, or their n-gram heads alone where the deadline left them too little.

    A deadline that stopped the networks before they passed over the planner's floor of
    rows (:func:`textcnn._plan.min_passes`, or half the plan where it asked for less) makes
    them step aside, as the planner would have: under it, the blend measured below the
    n-gram model alone.
    """
    if not any(net.deadline_cut for net in nets) or any(net.linear is None for net in nets):
        return nets
    share = 1 - (cfg.validation_fraction if cfg.early_stopping else 0.0)
    planned = min(plan.epochs * plan.sample * len(rows) * share for rows, _ in jobs)
    done = min(
        net.epochs_trained * plan.sample * len(rows) * share
        for net, (rows, _) in zip(nets, jobs, strict=True)
    )
    least = min(_plan.min_passes(nets[0].task == _input.REGRESSION), 0.5 * planned)
    if done >= least:
        return nets
    logger.warning(
        "%s: the deadline stopped the networks after %.0f row passes (under %.0f): they step "
        "aside, the n-gram models alone give the features",
        cfg.name,
        done,
        least,
    )
    return [replace(net, module=None, best_epoch=0) for net in nets]


class NeuralColumn:
    """One prepared text column of a neural encoder, and how its networks learn it.

    Parameters
    ----------
    encoder : _NeuralEncoder
        The encoder (its network builder and blend).
    shapes : (int, int, int)
        Vocabulary size, embedding dim, outputs.
    matrix : ndarray or None
        The pristine embedding matrix (each network copies it).
    ids, lengths : ndarray
        Token ids (n, L) and tokens per row, encoded once for every fold.
    ngrams : sparse matrix or None
        The blend branch's TF-IDF of the column (None: no blend branch).
    target : Target
        The encoded target.
    cfg : TrainConfig
        Training settings (the plan sets epochs, sample, length and the deadline).
    seed : int
        The column's seed (the shared batch order).
    setup : dict
        The fit's shared state: ``device``, then ``plan`` and ``budget`` once planned.
    """

    def __init__(
        self,
        encoder: Any,
        shapes: tuple[int, int, int],
        matrix: np.ndarray | None,
        ids: np.ndarray,
        lengths: np.ndarray,
        ngrams: Any,
        target: _input.Target,
        cfg: TrainConfig,
        seed: int,
        setup: dict[str, Any],
    ) -> None:
        self.encoder, self.shapes, self.matrix = encoder, shapes, matrix
        self.ids, self.lengths, self.ngrams = ids, lengths, ngrams
        self.y, self.task = target.values, target.task
        self.cfg, self.seed, self.setup = cfg, seed, setup
        self.probed: list[tuple[np.ndarray, Any]] = []  # the probe's head, reused by its fold
        self.guarded = False  # the guard made the networks step aside (a refit follows)

    def _build(self, width: int | None) -> Any:
        return self.encoder._builder(*self.shapes[:3], self.task, self.matrix, width)

    def head(self, rows: np.ndarray) -> Any:
        """The n-gram head of these training rows (the probe's, if it fitted the same)."""
        if self.ngrams is None:
            return None
        for done_rows, done in self.probed:
            if np.array_equal(done_rows, rows):
                return done
        return _ngram.LinearHead.fit(
            self.ngrams[rows],
            self.y[rows],
            self.task,
            _ngram.BLEND_C,
            _ngram.BLEND_ALPHA,
            self.shapes[2],
        )

    def fit(self, jobs: list[tuple[np.ndarray, int]], progress: Any = None) -> list[FittedNet]:
        """One network per job (the folds, or the refit), in lockstep as one group.

        ``progress``: a checkpoint's :class:`~textcnn._model_file.checkpoint.Progress`,
        where the training loop keeps its state between epochs (and finds a killed run's).
        """
        plan = self.setup["plan"]
        deadline = self.setup["budget"].deadline()  # this group's share of max_time
        # the linear heads first: what they take, the networks' deadline accounts for
        heads = [self.head(rows) for rows, _ in jobs]
        if not plan.train or self.guarded:  # the planner, or the guard: the heads alone
            return [torch_package().FittedNet(None, self.task, linear=h) for h in heads]
        verdict: list[tuple[float, float]] = []
        run = replace(
            self.cfg,  # the plan's epochs, row sample and training length
            max_epochs=plan.epochs,
            sample=plan.sample,
            max_length=plan.max_length,
            deadline=deadline,
            resume=progress,
            judge=self.early_judge(jobs, heads, verdict, plan.folds),
        )
        # the shared batch order is seeded by the column: a fold trains the same in any group
        nets = torch_package().train_many(
            self._build(plan.width), self.ids, self.lengths, self.y, self.task, run, jobs,
            None, self.seed,
        )  # fmt: skip
        for net, h in zip(nets, heads, strict=True):
            net.linear = h
        if verdict:  # the first epoch showed they do not pay: the heads alone, no refit
            self.guarded = True
            return [replace(net, module=None, best_epoch=0) for net in nets]
        return aside_if_cut_short(nets, plan, jobs, run) if self.encoder.step_aside else nets

    def early_judge(
        self,
        jobs: list[tuple[np.ndarray, int]],
        heads: list[Any],
        verdict: list[tuple[float, float]],
        folds: int,
    ) -> Any:
        """The training loop's judge after the first epoch, or None where none applies.

        It scores the networks as :func:`guard_column` does after training -- the blend
        against the n-gram models alone, out of fold, on the folds' held-out rows (AUC, or
        R²) -- but after one epoch: where the blend's ranking error is :data:`JUDGE_SHARE`
        or more above the heads' alone (both perfect counts too), the networks stop there
        and step aside (``verdict`` records both scores), instead of training every planned
        epoch to step aside at the end. Only a column's whole fold
        group is judged (its held-out rows are every row: one decision for the column),
        and only with ``step_aside`` and an n-gram branch; never a refit.
        """
        if not (EARLY_JUDGE and self.encoder.step_aside and self.ngrams is not None):
            return None
        if folds < 2 or len(jobs) != folds:  # a refit, or part of the folds (n_jobs)
            return None
        n = len(self.y)
        tests = [np.setdiff1d(np.arange(n), rows) for rows, _ in jobs]
        y = np.concatenate([self.y[t] for t in tests])
        weight = float(self.encoder.linear_blend)

        def judge(outputs_of: Any) -> bool:
            alone = [h.predict(self.ngrams[t]) for h, t in zip(heads, tests, strict=True)]
            nets = outputs_of(tests)
            blend = [(1 - weight) * o + weight * a for o, a in zip(nets, alone, strict=True)]
            score = feature_score(np.concatenate(blend), y, self.task)
            base = feature_score(np.concatenate(alone), y, self.task)
            kind = "R²" if self.task == _input.REGRESSION else "AUC"
            if 1 - score < (1 + JUDGE_SHARE) * (1 - base):
                logger.info(
                    "%s: after epoch 1 the networks' blend is not far behind their n-gram "
                    "models out of fold (%s %.4f against %.4f alone): training goes on",
                    self.cfg.name, kind, score, base,
                )  # fmt: skip
                return False
            logger.warning(
                "%s: after epoch 1 the networks are far behind their n-gram models out of fold "
                "(%s %.4f against %.4f alone): they step aside without training further, the "
                "n-gram models alone give the features", self.cfg.name, kind, score, base,
            )  # fmt: skip
            verdict.append((score, base))
            return True

        return judge

    def predict(self, nets: list[FittedNet], rows: list[np.ndarray]) -> list[np.ndarray]:
        """Each network's output (blended) for its own rows."""
        if any(net.module is None for net in nets):  # stepped aside: the heads alone
            return [n.linear.predict(self.ngrams[r]) for n, r in zip(nets, rows, strict=True)]
        device = self.setup["device"]
        preds = torch_package().predict_many(nets, self.ids, self.lengths, rows, device=device)
        return [
            self.encoder._blend(net, pred, None if self.ngrams is None else self.ngrams[r])
            for net, pred, r in zip(nets, preds, rows, strict=True)
        ]

    def probe(self, rows: np.ndarray, base: _plan.Plan) -> _plan.ColumnCost:
        """What training costs here: the plan's fold networks, a few steps on ``rows``."""
        jobs = [(rows, self.seed + k) for k in range(max(1, base.folds))]
        train_s, predict_s = torch_package().probe(
            self._build(base.width), self.ids, self.lengths, self.y, self.task, self.cfg, jobs
        )
        started = time.perf_counter()
        fitted_head = self.head(rows)
        head_s = time.perf_counter() - started
        self.probed.append((rows, fitted_head))
        return _plan.ColumnCost(
            train_s, predict_s, np.asarray(self.lengths), head_s, len(rows), base.width
        )

    def guard(
        self, nets: list[FittedNet], folds: list, oof: np.ndarray
    ) -> tuple[list[FittedNet], np.ndarray]:
        """The cross-fitted networks, or their heads alone if the blend did not pay."""
        if not self.encoder.step_aside or self.ngrams is None:
            return nets, oof
        if any(net.module is None for net in nets):
            return nets, oof
        kept, out = guard_column(nets, folds, oof, self.ngrams, self.y, self.cfg.name)
        self.guarded = kept is not nets  # a refit then trains no network either
        return kept, out
