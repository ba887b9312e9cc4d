"""AutoGluon plugin: out-of-fold text-CNN features as an AutoGluon feature generator.

:class:`TextCNNFeatureGenerator` is a feature generator in AutoGluon's own plugin API (a
subclass of ``autogluon.features.generators.AbstractFeatureGenerator``). Pass it to
``TabularPredictor.fit(feature_generator=...)``: it finds the text columns, adds the
cross-fitted text features of textcnn's encoders to the table, and hands the whole table
on to AutoGluon's default pipeline (``AutoMLPipelineFeatureGenerator``), which treats
the other columns -- and the text itself -- exactly as it would without the plugin::

    from autogluon.tabular import TabularPredictor
    from textcnn.autogluon import TextCNNFeatureGenerator

    predictor = TabularPredictor(label="sentiment").fit(
        train, feature_generator=TextCNNFeatureGenerator()
    )
    predictor.predict(test)  # the text features of new rows: the fold models' average

**The stacking contract.** AutoGluon fits its feature generator once, on all training
rows (with ``tuning_data`` appended), and passes it the label AutoGluon was given (after
its own label cleaning: class codes ``0..K-1``, or the regression target). The
generator returns *out-of-fold* features for those rows: each row's value comes from
networks that never saw it. AutoGluon's holdout split, its bagging folds and its stack
levels are then all taken over these generated features, so every validation score it
reports is honest, and no bag refits a network: the plugin costs one textcnn
``fit_transform``. New rows (``predict``, ``transform_features``, ``score``) get the
average of the K fold networks. Two AutoGluon features do fit the feature generator
again: dynamic stacking (``dynamic_stacking=True``, or ``"auto"`` in the
``best_quality`` / ``high_quality`` / ``good_quality`` presets) runs a complete sub-fit
-- generator included -- on part of the data first, and ``groups`` given to
``TabularPredictor`` is not seen by the generator (AutoGluon drops that column before
feature generation), so grouped rows are not kept together in the generator's folds.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from . import _input

try:
    from autogluon.common.features.types import S_TEXT
    from autogluon.features.generators import (
        AbstractFeatureGenerator,
        AutoMLPipelineFeatureGenerator,
    )
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "textcnn.autogluon needs AutoGluon's tabular package: pip install 'textcnn[autogluon]'"
    ) from exc

__all__ = ["TextCNNFeatureGenerator"]

logger = logging.getLogger(__name__)

#: Share of a preprocessing time limit from AutoGluon (``time_limit_preprocessing``) that the
#: encoders may spend; AutoGluon's own generators (n-grams, types) need the rest.
PREPROCESSING_SHARE = 0.6

#: AutoGluon problem type -> the encoders' ``target_type``.
_TARGET_TYPES = {
    "binary": "binary",
    "multiclass": "multiclass",
    "regression": "continuous",
    "quantile": "continuous",
}


def _predictor_time_limit() -> float | None:
    """The ``time_limit`` of the ``TabularPredictor.fit`` calling this generator, if any.

    AutoGluon hands feature generators no time limit (unless ``time_limit_preprocessing``
    is set), but its learner keeps the fit's in ``_time_limit`` from the start of ``fit``;
    the learner is a caller of the generator, so it is found up the call stack.
    """
    frame = inspect.currentframe()
    while frame is not None:
        owner = frame.f_locals.get("self")
        limit = getattr(owner, "_time_limit", None)
        if type(owner).__module__.startswith("autogluon.") and isinstance(limit, (int, float)):
            return float(limit) if limit > 0 else None
        frame = frame.f_back
    return None


class TextCNNFeatureGenerator(AbstractFeatureGenerator):
    """Out-of-fold text-CNN (and other textcnn) features in front of AutoGluon's pipeline.

    At fit, every encoder in ``encoders`` is cloned and fitted with ``fit_transform`` on
    the text columns and the label AutoGluon passes: its **out-of-fold** predictions
    (class probabilities, or the regression estimate) become new float32 columns, named
    as the encoder names them (``review__textcnn_1``, ``review__tfidf``, ...). At
    transform (``predict`` on new rows) each encoder's ``transform`` gives the average of
    its fold models. The input columns pass through unchanged, and the table then goes
    through ``post_generators`` -- by default AutoGluon's own
    ``AutoMLPipelineFeatureGenerator``, so numbers, categories, dates and the raw text
    (its n-gram and text-statistics features) are handled as usual.

    Rows whose label is missing (``unlabeled_data``) are predicted with the fold models'
    average, like new rows.

    Parameters
    ----------
    text_columns : list of str or None, default=None
        Columns to encode. None: the columns AutoGluon's type inference marks with its
        ``text`` special type (object columns with many distinct values of 3+ words
        on average). Naming a column that is not in the training data is an error.
    encoders : list of textcnn encoders or None, default=None
        Templates, cloned at fit: any of :class:`~textcnn.TextCNNEncoder`,
        :class:`~textcnn.TextRNNEncoder`, :class:`~textcnn.TfidfLinearEncoder` with the
        parameters you want. None: ``[TextCNNEncoder()]`` (its defaults). A template
        whose ``target_type`` is ``"auto"`` gets the one implied by AutoGluon's problem
        type; one whose ``random_state`` is None gets this generator's ``random_state``.
    time_limit : float or None, default=None
        The predictor's ``time_limit`` (seconds), for the time budget below. None: the
        limit given to ``TabularPredictor.fit`` -- AutoGluon passes feature generators
        a limit only with ``time_limit_preprocessing`` (then that one is used), so
        otherwise it is read from the learner running the fit (its ``_time_limit``,
        set when ``fit`` starts; AutoGluon 1.6). No limit anywhere: no budget.
    time_share : float, default=0.3
        Share of ``time_limit`` the encoders may spend; of a preprocessing limit from
        AutoGluon, they take :data:`PREPROCESSING_SHARE` (AutoGluon's own generators
        need the rest). Within that budget, and in this order of fallbacks, each logged
        at WARNING and listed in ``fallbacks_``: the n-gram encoders fit first
        (seconds); a neural encoder gets ``max_time`` = the budget left, and its budget
        planner trains **less** (narrower networks, fewer epochs, a row sample, fewer
        folds, shorter texts: every cut listed); if even that does not fit, its
        networks **step aside** and its features are its n-gram models' (as
        ``TfidfLinearEncoder``'s; also where a deadline stopped them under the
        planner's floor); if it fails, it is dropped and **the n-gram encoder alone**
        (``TfidfLinearEncoder``) stands in; an encoder reached with no budget left is
        skipped, and if none is left **no text features** are added. AutoGluon's fit
        then always has the rest of its time.
    post_generators : list of AbstractFeatureGenerator or "auto", default="auto"
        Generators applied, in order, to the output (input columns + text features).
        ``"auto"``: ``[AutoMLPipelineFeatureGenerator()]``, AutoGluon's default
        pipeline. Pass ``[AutoMLPipelineFeatureGenerator(enable_text_ngram_features=
        False)]`` to drop AutoGluon's own n-grams, for instance.
    **kwargs
        Passed to ``AbstractFeatureGenerator`` (``random_state``, default 0;
        ``verbosity``; ``target_type`` to fit outside a ``TabularPredictor`` without
        ``problem_type``; ...).

    Attributes
    ----------
    text_columns_ : list of str
        The encoded columns.
    encoders_ : list
        The fitted encoders (their ``transform`` serves new rows).
    text_features_ : list of str
        The columns this generator added (before ``post_generators``).
    encoder_fit_time_ : float
        Seconds spent in the encoders' ``fit_transform`` (the plugin's cost).
    time_budget_ : float or None
        Seconds the encoders were allowed (None: no limit known).
    fallbacks_ : list of str
        What the time budget changed, in order (empty when nothing did).

    Examples
    --------
    >>> from autogluon.tabular import TabularPredictor  # doctest: +SKIP
    >>> from textcnn import TextCNNEncoder, TfidfLinearEncoder
    >>> from textcnn.autogluon import TextCNNFeatureGenerator
    >>> generator = TextCNNFeatureGenerator(
    ...     encoders=[TextCNNEncoder(), TfidfLinearEncoder()]
    ... )
    >>> predictor = TabularPredictor(label="points").fit(  # doctest: +SKIP
    ...     train, feature_generator=generator, time_limit=600
    ... )
    """

    def __init__(
        self,
        text_columns: Sequence[str] | None = None,
        encoders: Sequence[Any] | None = None,
        time_limit: float | None = None,
        time_share: float = 0.3,
        post_generators: list[AbstractFeatureGenerator] | str | None = "auto",
        **kwargs: Any,
    ) -> None:
        if isinstance(post_generators, str):
            if post_generators != "auto":
                raise ValueError(
                    "post_generators must be 'auto' or a list of generators, "
                    f"got {post_generators!r}"
                )
            post_generators = [AutoMLPipelineFeatureGenerator()]
        super().__init__(post_generators=post_generators, **kwargs)
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit must be > 0 seconds or None, got {time_limit!r}")
        if not 0 < time_share <= 1:
            raise ValueError(f"time_share must be in (0, 1], got {time_share!r}")
        self.text_columns = text_columns
        self.encoders = encoders
        self.time_limit = time_limit
        self.time_share = time_share

    @staticmethod
    def get_default_infer_features_in_args() -> dict:
        """Take every input column (the non-text ones pass through)."""
        return {}

    # ------------------------------------------------------------------ fitting
    def _encoder_templates(self) -> list[Any]:
        if self.encoders is None:
            from . import TextCNNEncoder

            return [TextCNNEncoder()]
        templates = list(self.encoders)
        if not templates:
            raise ValueError("encoders is empty: give at least one textcnn encoder")
        return templates

    def _find_text_columns(self, X: pd.DataFrame) -> list[str]:
        if self.text_columns is not None:
            if isinstance(self.text_columns, str):
                raise ValueError(f"text_columns must be a list, got {self.text_columns!r}")
            names = [str(c) for c in self.text_columns]  # AutoGluon makes column names str
            missing = [c for c in names if c not in X.columns]
            if missing:
                raise ValueError(
                    f"text column(s) {missing} not in the training data "
                    f"(columns: {list(X.columns)})"
                )
            return names
        return list(self.feature_metadata_in.get_features(required_special_types=[S_TEXT]))

    def _target_type(self, problem_type: str | None) -> str | None:
        problem_type = problem_type or getattr(self, "target_type", None)  # set by AutoGluon >= 1.6
        if problem_type is None:
            return None
        if problem_type not in _TARGET_TYPES:
            raise ValueError(
                f"{type(self).__name__} supports the problem types {sorted(_TARGET_TYPES)}, "
                f"got {problem_type!r}"
            )
        return _TARGET_TYPES[problem_type]

    def _fit_transform(
        self, X: pd.DataFrame, y: pd.Series | None = None, **kwargs: Any
    ) -> tuple[pd.DataFrame, dict]:
        self.text_columns_ = self._find_text_columns(X)
        special = dict(self.feature_metadata_in.type_group_map_special)
        self.encoders_, self.text_features_, self.encoder_fit_time_ = [], [], 0.0
        self.time_budget_, self.fallbacks_ = None, []
        if not self.text_columns_:
            logger.warning(
                "%s: no text column found (none has AutoGluon's 'text' type): no text "
                "features added; name them with text_columns=[...]",
                type(self).__name__,
            )
            return X, special
        if y is None:
            raise ValueError(
                f"{type(self).__name__} needs the label: fit it through "
                "TabularPredictor.fit(..., feature_generator=...) or call fit_transform(X, y)"
            )
        y = pd.Series(np.asarray(y), index=X.index)
        labelled = y.notna().to_numpy()
        if not labelled.any():
            raise ValueError("every label is missing: the text features need labelled rows")
        target_type = self._target_type(kwargs.get("problem_type"))
        blank = [c for c in self.text_columns_ if not _has_text(X.loc[labelled, c])]
        if blank:  # an encoder would refuse the column, and every column with it
            self.fallbacks_.append(f"text column(s) {blank} blank in every labelled row: dropped")
            logger.warning("%s: %s", type(self).__name__, self.fallbacks_[-1])
            self.text_columns_ = [c for c in self.text_columns_ if c not in blank]
            if not self.text_columns_:
                return X, special
        texts = X[self.text_columns_]
        self.time_budget_ = self._budget(kwargs.get("time_limit"))
        start = time.perf_counter()
        fitted = self._fit_encoders(texts, y, labelled, target_type, start)
        self.encoder_fit_time_ = time.perf_counter() - start
        if not fitted:
            self._fallback("no text features: no encoder fitted within the time budget")
            return X, special
        self.encoders_ = [encoder for encoder, _ in fitted]
        blocks = [block for _, block in fitted]
        self.text_features_ = [str(n) for e in self.encoders_ for n in e.get_feature_names_out()]
        clash = sorted(set(self.text_features_) & set(X.columns))
        repeated = sorted({n for n in self.text_features_ if self.text_features_.count(n) > 1})
        if clash or repeated:
            raise ValueError(
                f"text feature names {clash or repeated} "
                + ("are already input columns" if clash else "repeat across encoders")
                + ": rename the column(s) or use encoders of different kinds"
            )
        if self.time_budget_ is not None and self.encoder_fit_time_ > 1.2 * self.time_budget_:
            logger.warning(
                "%s: the text encoders took %.0f s, over their %.0f s budget",
                type(self).__name__,
                self.encoder_fit_time_,
                self.time_budget_,
            )
        logger.info(
            "%s: %d text feature(s) from %s in %.1f s",
            type(self).__name__,
            len(self.text_features_),
            self.text_columns_,
            self.encoder_fit_time_,
        )
        return self._join(X, np.hstack(blocks)), special

    def _budget(self, preprocessing_limit: float | None) -> float | None:
        """Seconds the encoders may spend: see ``time_limit`` and ``time_share``."""
        if preprocessing_limit is not None:
            return PREPROCESSING_SHARE * float(preprocessing_limit)
        limit = self.time_limit if self.time_limit is not None else _predictor_time_limit()
        return None if limit is None else self.time_share * float(limit)

    def _fallback(self, what: str) -> None:
        self.fallbacks_.append(what)
        logger.warning("%s: time budget: %s", type(self).__name__, what)

    def _prepared(self, template: Any, target_type: str | None) -> Any:
        """A clone of ``template`` with the target type and seed AutoGluon implies."""
        encoder = clone(template)
        overrides: dict[str, Any] = {}
        params = encoder.get_params(deep=False)
        if target_type is not None and params.get("target_type") == "auto":
            overrides["target_type"] = target_type
        if params.get("random_state", 0) is None:
            overrides["random_state"] = self.random_state
        encoder.set_params(**overrides)
        if hasattr(encoder, "set_output"):
            encoder.set_output(transform="default")
        return encoder

    def _fit_one(
        self, encoder: Any, texts: pd.DataFrame, y: pd.Series, labelled: np.ndarray
    ) -> np.ndarray:
        """Out-of-fold features of the labelled rows, fold averages for the others."""
        oof = np.asarray(encoder.fit_transform(texts[labelled], y[labelled].to_numpy()))
        block = np.empty((len(texts), oof.shape[1]), dtype=np.float32)
        block[labelled] = oof
        if not labelled.all():  # unlabeled rows: like new rows, the fold average
            block[~labelled] = encoder.transform(texts[~labelled])
        return block

    def _fit_encoders(
        self,
        texts: pd.DataFrame,
        y: pd.Series,
        labelled: np.ndarray,
        target_type: str | None,
        start: float,
    ) -> list[tuple[Any, np.ndarray]]:
        """Fit the encoders within the time budget, with the documented fallbacks.

        The n-gram encoders (no ``max_time``) fit first; the neural ones get the budget
        left as ``max_time``. Returns (encoder, block) pairs in the templates' order.
        """
        templates = [self._prepared(t, target_type) for t in self._encoder_templates()]
        neural = [i for i, e in enumerate(templates) if "max_time" in e.get_params()]
        order = [i for i in range(len(templates)) if i not in neural] + neural
        has_ngrams = len(neural) < len(templates)
        results: dict[int, tuple[Any, np.ndarray]] = {}
        for i in order:
            encoder, name = templates[i], type(templates[i]).__name__
            left = None
            if self.time_budget_ is not None:
                left = self.time_budget_ - (time.perf_counter() - start)
                if left <= 0:
                    self._fallback(f"{name} skipped: the {self.time_budget_:.0f} s are spent")
                    continue
                if i in neural:  # its planner fits its plan to what is left
                    given = encoder.get_params()["max_time"]
                    encoder.set_params(max_time=left if given is None else min(given, left))
            try:
                block = self._fit_one(encoder, texts, y, labelled)
            except Exception as exc:  # never make the AutoML run fail
                self._fallback(f"{name} failed ({type(exc).__name__}: {exc}): dropped")
                continue
            self._list_cuts(name, encoder)
            results[i] = (encoder, block)
        if neural and not results and not has_ngrams:
            results.update(self._ngram_stand_in(texts, y, labelled, target_type))
        return [results[i] for i in sorted(results)]

    def _list_cuts(self, name: str, encoder: Any) -> None:
        """List (and log) what the budget changed in a neural encoder's fit.

        Every cut of its plan (narrower networks, fewer epochs, a row sample, fewer folds,
        shorter texts, a deadline stop) is a fallback entry, and so are the columns whose
        networks stepped aside: their features are their n-gram models' (as
        ``TfidfLinearEncoder``'s), under the encoder's names.
        """
        plan = getattr(encoder, "plan_", None)
        if plan is None:
            return
        for cut in plan.cuts:
            self._fallback(f"{name}: {cut}")
        if plan.aside:
            self._fallback(
                f"{name} stepped aside on column(s) {list(plan.aside)}: their features are "
                "their n-gram models' (as TfidfLinearEncoder's)"
                + ("" if plan.train else f"; {plan.describe().split(': ', 1)[-1]}")
            )

    def _ngram_stand_in(
        self, texts: pd.DataFrame, y: pd.Series, labelled: np.ndarray, target_type: str | None
    ) -> dict[int, tuple[Any, np.ndarray]]:
        """The n-gram encoder alone, in place of neural encoders that did not fit."""
        from . import TfidfLinearEncoder

        encoder = self._prepared(TfidfLinearEncoder(), target_type)
        try:
            block = self._fit_one(encoder, texts, y, labelled)
        except Exception as exc:  # never make the AutoML run fail
            self._fallback(f"TfidfLinearEncoder failed ({type(exc).__name__}: {exc})")
            return {}
        self._fallback("TfidfLinearEncoder stands in for the neural encoder(s)")
        return {0: (encoder, block)}

    # ------------------------------------------------------------------ transform
    def _join(self, X: pd.DataFrame, features: np.ndarray) -> pd.DataFrame:
        block = pd.DataFrame(
            features.astype(np.float32, copy=False), index=X.index, columns=self.text_features_
        )
        return pd.concat([X, block], axis=1)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Input columns plus the fold-averaged text features, then ``post_generators``.

        Parameters
        ----------
        X : DataFrame
            New rows with the training columns (the text columns at least).

        Returns
        -------
        DataFrame
            What the last post-generator returns.
        """
        if self.is_fit():
            missing = [c for c in self.text_columns_ if c not in X.columns.astype(str)]
            if missing:
                raise ValueError(
                    f"text column(s) {missing} missing from the data to transform: "
                    f"{type(self).__name__} was fitted on them (columns given: "
                    f"{list(X.columns)})"
                )
        return super().transform(X)

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        if not self.encoders_:
            return X
        texts = X[self.text_columns_]
        features = np.hstack([np.asarray(e.transform(texts)) for e in self.encoders_])
        return self._join(X, features)


def _has_text(column: pd.Series) -> bool:
    """Whether any value of ``column`` is a non-blank text (missing values are blank)."""
    return not _input.blank_rows([_input.to_text(v) for v in column]).all()
