"""The cross-fitting estimator base shared by every encoder (torch-free).

Encoders differ only in how they learn one text column (:meth:`_CrossFitEncoder._column_learner`
returns a :class:`ColumnLearner`) and predict new texts (``_predict_column``);
parameter validation, the target, folds, seeding, out-of-fold assembly, output columns
and names are here, once. Fitted state is assigned in one place
(:meth:`_CrossFitEncoder._set_fitted`) from what the hooks return, after everything
succeeded: a fit that fails leaves a fitted encoder as it was.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _crossfit, _docs, _input
from ._model_file.checkpoint import Checkpoint, run_facts

_MAX_SEED = 2**31 - 1
logger = logging.getLogger(__name__)


class ColumnLearner(NamedTuple):
    """How an encoder learns one text column (returned by ``_column_learner``).

    ``fit([(rows, seed), ...]) -> models`` trains one model per job on that job's rows
    (the folds of a column, batched; encoders with ``checkpoint_dir`` take a second
    argument, the unit's :class:`~textcnn._model_file.checkpoint.Progress`);
    ``predict(models, rows_list) -> preds`` gives each model's ``(len(rows), k)``
    predictions for its own rows; ``fitted`` holds the column's fitted attributes by
    name (e.g. ``{"vocabularies_": itos}``): list-valued attributes get one entry per
    column, dict-valued ones are merged. ``probe(rows, plan)``,
    where given, measures what training costs (:class:`textcnn._plan.ColumnCost`) for the
    budget planner; ``guard(models, folds, oof) -> (models, oof)``, where given, may swap
    the column's cross-fitted models and out-of-fold output for others (the neural
    encoders' n-gram heads alone, where the networks did not pay), before any refit.
    """

    fit: Callable[..., list[Any]]
    predict: Callable[..., list[np.ndarray]]
    fitted: dict[str, Any]
    probe: Callable[..., Any] | None = None
    guard: Callable[..., tuple[list[Any], np.ndarray]] | None = None


class _CrossFitEncoder(TransformerMixin, BaseEstimator):
    """Cross-fitting shared by every encoder (not public): validation, target, folds."""

    _prefix = "text"

    #: Every parameter's domain, checked by ``fit`` / ``fit_transform`` before any work.
    _parameter_constraints: dict[str, list[Any]] = {
        "cv": ["cv_object"],
        "refit": ["boolean"],
        "target_type": [StrOptions(set(_input.TARGET_TYPES))],
        "empty_text": [StrOptions({"prior", "nan"})],
        "empty_columns": [StrOptions({"error", "drop"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Fill the shared docstring blocks (:mod:`textcnn._docs`) of each new class."""
        super().__init_subclass__(**kwargs)
        if "__doc__" in cls.__dict__:
            cls.__doc__ = _docs.fill(cls.__doc__)

    # ------------------------------------------------------------------ subclass hooks
    def _fit_setup(self) -> dict[str, Any]:
        """Per-fit resources shared by the columns (device, vectors, ...); no state."""
        return {}

    def _column_learner(
        self,
        name: str,
        texts: list[str],
        target: _input.Target,
        n_outputs: int,
        seed: int,
        setup: dict[str, Any],
    ) -> ColumnLearner:
        """How to learn column ``name`` (see :class:`ColumnLearner`)."""
        raise NotImplementedError

    def _predict_column(self, c: int, texts: list[str]) -> np.ndarray:
        """Predictions of column ``c``'s models for new texts, (n, k)."""
        raise NotImplementedError

    def _plan(
        self,
        learners: list[ColumnLearner],
        target: _input.Target,
        folds: list[tuple[np.ndarray, np.ndarray]],
        setup: dict[str, Any],
    ) -> Any:
        """What to train, given the time left (the neural encoders' budget planner)."""
        return None

    def _planned_folds(self, plan: Any) -> int | None:
        """Folds the plan asks for where they differ from ``cv`` (None: as ``cv`` says)."""
        return None

    # ------------------------------------------------------------------ helpers
    def _texts(self, X: Any, reset: bool) -> list[list[str]]:
        """Validate ``X`` and return its columns as lists of str."""
        X = validate_data(
            self,
            _input.as_2d(X),
            dtype=None,
            ensure_all_finite=False,
            reset=reset,
            ensure_min_features=1,
        )
        return [[_input.to_text(v) for v in X[:, j]] for j in range(X.shape[1])]

    def _input_names(self) -> list[str]:
        """Every input column's name (``x0``, ``x1``, ... for unnamed input)."""
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return [f"x{j}" for j in range(self.n_features_in_)]
        return [str(n) for n in names]

    def _column_names(self) -> list[str]:
        """The encoded columns' names: the input's, less those ``empty_columns`` dropped."""
        return self._encoded(self._input_names())

    def _set_kept(self, kept: list[int]) -> None:
        """Record the encoded columns (``kept_columns_``) and the dropped ones' names."""
        self.kept_columns_ = kept
        self.dropped_columns_ = [n for j, n in enumerate(self._input_names()) if j not in kept]

    def _encoded(self, columns: list[Any]) -> list[Any]:
        """The entries of the columns that are encoded (``empty_columns="drop"``)."""
        kept = getattr(self, "kept_columns_", None)  # None: every one (and older files)
        return list(columns) if kept is None else [columns[j] for j in kept]

    def _set_fitted(
        self,
        target: _input.Target,
        learners: list[ColumnLearner],
        models: list[list[Any]],
        plan: Any = None,
    ) -> None:
        """Assign the fitted state -- the one place a fit changes the estimator."""
        self.target_type_ = target.target_type
        if target.classes is not None:
            self.classes_ = target.classes
        elif "classes_" in self.__dict__:
            del self.classes_  # refitted on a continuous target
        for key in learners[0].fitted if learners else ():
            values = [learner.fitted[key] for learner in learners]
            if all(isinstance(v, dict) for v in values):
                setattr(self, key, {k: v for d in values for k, v in d.items()})
            else:
                setattr(self, key, values)
        self.models_ = models
        self.empty_value_ = _empty_value(target, self.empty_text)

    # ------------------------------------------------------------------ fitting
    def _compute_context(self) -> contextlib.AbstractContextManager:
        """Where the models train and predict (the neural encoders: the thread policy)."""
        return contextlib.nullcontext()

    def _fit(self, X: Any, y: Any, groups: Any, oof: bool) -> np.ndarray | None:
        started = time.time()  # max_time counts from here
        columns = self._texts(X, reset=True)
        names = self._input_names()
        blanks = _input.check_text_columns(names, columns, self.empty_columns)
        # which columns are encoded: an input fact, set with feature_names_in_ (above)
        self._set_kept([j for j, blank in enumerate(blanks) if not blank.all()])
        columns, names, blanks = (self._encoded(v) for v in (columns, names, blanks))
        n = len(columns[0])
        target = _input.encode_target(y, n, self.target_type, type(self).__name__)
        n_outputs = 1 if target.classes is None else len(target.classes)
        _input.check_fold_sizes(self.cv, target)
        rng = check_random_state(self.random_state)
        split_seed = int(rng.randint(_MAX_SEED))
        # Per column: a seed for its unsupervised steps, one for the refit model, one for
        # the folds' seeds -- drawn before the folds exist, so fit() and fit_transform() agree.
        column_seeds = rng.randint(_MAX_SEED, size=(len(columns), 3))

        run_cv = oof or not self.refit
        group_arr = None if groups is None else np.asarray(groups)
        if run_cv and group_arr is not None and len(group_arr) != n:
            raise ValueError(f"groups has {len(group_arr)} entries for {n} rows")

        def split(cv: Any) -> list[tuple[np.ndarray, np.ndarray]]:
            if not run_cv:
                return []
            classification = target.task == _input.CLASSIFICATION
            splitter = _crossfit.make_splitter(cv, classification, group_arr, split_seed)
            return _crossfit.make_folds(splitter, n, target.values, group_arr)

        folds = split(self.cv)
        store = self._open_checkpoint(columns, target, group_arr)
        with self._compute_context():  # checks done: only now the models' machinery loads
            setup = {**self._fit_setup(), "started": started, "checkpoint": store}
            learners = [
                self._column_learner(name, texts, target, n_outputs, int(column_seeds[c, 0]), setup)
                for c, (name, texts) in enumerate(zip(names, columns, strict=True))
            ]
            plan = self._plan(learners, target, folds, setup)
            planned = self._planned_folds(plan)
            if planned is not None and planned != len(folds):
                folds = split(planned)  # fewer folds: the same splitter kind, the same seed
            trainings = len(columns) * len(_crossfit.fold_chunks(len(folds), self.n_jobs))
            setup["plan"] = plan
            setup["budget"] = _crossfit.TimeBudget(
                getattr(self, "max_time", None), started, trainings + len(columns) * self.refit
            )
            models, blocks = self._fit_columns(learners, n, target, folds, column_seeds, store)
        self._set_fitted(target, learners, models, plan)
        if not oof:
            return None
        blocks = [block.astype(np.float64) for block in blocks]  # as transform's
        for name, block, blank in zip(names, blocks, blanks, strict=True):
            block[blank] = self.empty_value_
            if blank.any():
                logger.info(
                    "text column %r: %d of %d rows are blank; they get one value (empty_text)",
                    name, int(blank.sum()), len(blank),
                )  # fmt: skip
        return np.hstack(blocks)

    def _fit_columns(
        self,
        learners: list[ColumnLearner],
        n: int,
        target: _input.Target,
        folds: list[tuple[np.ndarray, np.ndarray]],
        column_seeds: np.ndarray,
        store: Checkpoint | None = None,
    ) -> tuple[list[list[Any]], list[np.ndarray]]:
        """Cross-fit every column on the folds (if any), then refit (if asked).

        With a checkpoint (``checkpoint_dir``), each unit -- a column's group of fold
        models, its refit model -- is loaded where a former run finished it, else trained
        and written as soon as it is done (in the worker that trained it).
        """
        # only a checkpoint's jobs carry the encoder (its codec) to the workers
        codec = None if store is None else (self._pack_models, self._unpack_models)
        fold_learners = []
        for c, learner in enumerate(learners):
            fold_seeds = np.random.RandomState(int(column_seeds[c, 2])).randint(
                _MAX_SEED, size=len(folds)
            )

            def fit_folds(
                numbers: list[int], rows: list[np.ndarray], fit=learner.fit, s=fold_seeds, c=c
            ) -> list[Any]:
                jobs = [(r, int(s[i])) for i, r in zip(numbers, rows, strict=True)]
                if store is None:
                    return fit(jobs)
                name = f"column{c}-folds{'-'.join(str(i + 1) for i in numbers)}"
                return store.fit(name, fit, jobs, *codec)

            fold_learners.append((fit_folds, learner.predict))
        # every column's folds in one batch of jobs (side by side under n_jobs / Dask)
        results = (
            _crossfit.cross_fit_many(folds, n, fold_learners, bool(self.verbose), self.n_jobs)
            if folds
            else [(None, [])] * len(learners)
        )
        models, blocks = [], []
        for c, ((block, fold_models), learner) in enumerate(zip(results, learners, strict=True)):
            if folds and learner.guard is not None:
                fold_models, block = learner.guard(fold_models, folds, block)
            if folds:
                blocks.append(_output_columns(block, target.target_type))
            if self.refit:
                jobs = [(np.arange(n), int(column_seeds[c, 1]))]
                fit = learner.fit
                fold_models = (
                    fit(jobs) if store is None else store.fit(f"column{c}-refit", fit, jobs, *codec)
                )
            models.append(fold_models)
        return models, blocks

    def _open_checkpoint(
        self, columns: list[list[str]], target: _input.Target, groups: np.ndarray | None
    ) -> Checkpoint | None:
        """The fit's checkpoint directory (``checkpoint_dir``), opened and checked, or None."""
        directory = getattr(self, "checkpoint_dir", None)
        if directory is None:
            return None
        facts = run_facts(columns, target.values, groups, self.get_params())
        return Checkpoint(directory, facts)

    def _pack_models(self, models: list[Any]) -> tuple[list, dict[str, np.ndarray]]:
        """A unit's models as JSON-able facts and named arrays (encoders with checkpoints)."""
        raise NotImplementedError

    def _unpack_models(self, info: list, arrays: dict[str, np.ndarray]) -> list[Any]:
        """The inverse of :meth:`_pack_models`."""
        raise NotImplementedError

    # ------------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, groups: Any = None) -> _CrossFitEncoder:
        """Fit the fold models (or, with ``refit=True``, one model on all rows).

        ``fit(X, y).transform(X)`` is **not** equal to ``fit_transform(X, y)``: the
        latter returns out-of-fold predictions (see the class docstring).

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like of shape (n_samples, n_columns)
            Text columns.
        y : array-like of shape (n_samples,)
            Target.
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels for a grouped splitter.

        Returns
        -------
        self
            The fitted encoder.
        """
        self._fit(X, y, groups, oof=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X: Any, y: Any = None, groups: Any = None) -> np.ndarray:
        """Fit, and return **out-of-fold** predictions for the training rows.

        Each row's output comes from a model trained on the other folds only, so a
        downstream model can be trained on it without target leakage.
        ``fit(X, y).transform(X)`` differs: there every row was seen in training.

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like of shape (n_samples, n_columns)
            Text columns.
        y : array-like of shape (n_samples,)
            Target.
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels for a grouped splitter.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            Out-of-fold features, see :meth:`get_feature_names_out`.
        """
        return self._fit(X, y, groups, oof=True)

    def transform(self, X: Any) -> np.ndarray:
        """Predict new rows with the average of the fold models (or the refit model).

        Not the same as the training rows' ``fit_transform`` output, which is
        out-of-fold.

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like of shape (n_samples, n_columns)
            The same text columns as in fit.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            Features, see :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "models_")
        columns = self._encoded(self._texts(X, reset=False))
        with self._compute_context():
            blocks = [
                _output_columns(self._predict_column(c, t), self.target_type_)
                for c, t in enumerate(columns)
            ]
        blocks = [block.astype(np.float64) for block in blocks]
        value = getattr(self, "empty_value_", None)  # None: fitted before the rule
        if value is not None:
            for block, texts in zip(blocks, columns, strict=True):
                block[_input.blank_rows(texts)] = value
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names, e.g. ``review__textcnn_pos``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Must match ``feature_names_in_`` if given.

        Returns
        -------
        ndarray of str
            One name per output column.
        """
        check_is_fitted(self, "models_")
        names = self._input_names()
        if input_features is not None:
            input_features = [str(f) for f in input_features]
            if len(input_features) != len(names) or (
                hasattr(self, "feature_names_in_") and input_features != names
            ):
                raise ValueError(f"input_features {input_features} do not match {names}")
            names = input_features
        names = self._encoded(names)
        if self.target_type_ == "continuous":
            suffixes = [""]
        elif self.target_type_ == "binary":
            suffixes = [f"_{self.classes_[1]}"]
        else:
            suffixes = [f"_{c}" for c in self.classes_]
        return np.asarray(
            [f"{n}__{self._prefix}{s}" for n in names for s in suffixes], dtype=object
        )

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _output_columns(pred: np.ndarray, target_type: str) -> np.ndarray:
    """Binary: keep P(positive class) only."""
    if target_type == "binary":
        return pred[:, 1:2]
    return pred


def _empty_value(target: _input.Target, rule: str) -> np.ndarray:
    """The output row of a blank text: the target's prior (class shares or mean), or NaN.

    Examples
    --------
    >>> codes, labels = np.array([0, 1, 1, 1]), np.array(["a", "b"])
    >>> t = _input.Target(codes, _input.CLASSIFICATION, "binary", labels)
    >>> _empty_value(t, "prior").tolist(), _empty_value(t, "nan").tolist()
    ([0.75], [nan])
    """
    if target.classes is None:
        prior = np.array([float(np.mean(target.values))])
    else:
        counts = np.bincount(target.values, minlength=len(target.classes))
        prior = counts / counts.sum()
    value = _output_columns(prior[None, :], target.target_type)[0].astype(np.float64)
    return np.full_like(value, np.nan) if rule == "nan" else value
