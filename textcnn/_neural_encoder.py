"""The neural encoders' base (not public): tokens, word vectors, one training loop.

:class:`_NeuralEncoder` is what :class:`~textcnn.TextCNNEncoder` and
:class:`~textcnn.TextRNNEncoder` share; they differ only in the network they build
(:meth:`_NeuralEncoder._build_module`). Cross-fitting is the base's
(:mod:`textcnn._crossfit_encoder`); training and prediction are the torch
sub-package's (:mod:`textcnn._torch`); threads follow :mod:`textcnn._threads`; model
files are :mod:`textcnn._model_file`'s, which calls :meth:`_NeuralEncoder._network_from_weights`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from . import _embeddings, _input, _model_file, _ngram, _plan, _text, _threads
from ._constraints import DeviceString
from ._crossfit_encoder import ColumnLearner, _CrossFitEncoder
from ._neural_column import NeuralColumn, torch_package

if TYPE_CHECKING:  # torch loads on first fit or transform: the CLI checks inputs before it
    from torch import nn

    from ._torch import FittedNet, TrainConfig, WordEmbedding

logger = logging.getLogger(__name__)


_torch = torch_package  # the torch sub-package, imported on first use


def _is_subword(embeddings: Any) -> bool:
    return isinstance(embeddings, str) and embeddings in _embeddings.SUBWORD


class _NeuralEncoder(_CrossFitEncoder):
    """The neural encoders (not public): tokens, word vectors, one training loop."""

    #: What ``"auto"`` means per parameter: (classification, regression) values.
    _auto: dict[str, tuple[Any, Any]] = {}

    _parameter_constraints: dict[str, list[Any]] = {
        **_CrossFitEncoder._parameter_constraints,
        "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "linear_blend": [Interval(Real, 0, 1, closed="both")],
        "embeddings": [str, os.PathLike, HasMethods(["__getitem__", "__contains__"]), None],
        "embedding_mode": [StrOptions(set(_embeddings.EMBEDDING_MODES))],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "level": [StrOptions(set(_text.LEVELS))],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "lowercase": ["boolean"],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "lr_schedule": [StrOptions({"onecycle", "constant"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_norm": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "device": [DeviceString()],
        "n_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "step_aside": ["boolean"],
        "checkpoint_dir": [str, os.PathLike, None],
    }

    #: The parameter the budget planner may narrow (the CNN's ``n_filters``), or None.
    _width_param: str | None = None

    def _build_module(
        self, embedding: WordEmbedding, n_outputs: int, task: str, width: int | None = None
    ) -> nn.Module:
        raise NotImplementedError

    def _width_of(self, weights: dict[str, Any]) -> int | None:
        """The width (``_width_param``) of a network from its arrays (None: the encoder's)."""
        return None

    # ------------------------------------------------------------------ fitting
    def _train_config(self, device: str, task: str) -> TrainConfig:
        return _torch().TrainConfig(
            batch_size=self._task_default("batch_size", task),
            lr=self._task_default("lr", task),
            weight_decay=self.weight_decay,
            max_norm=self.max_norm,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            patience=self._task_default("patience", task),
            device=device,
            progress=bool(self.verbose),
            schedule=self.lr_schedule,
        )

    def _base_plan(self, folds: int, n_rows: int, task: str) -> _plan.Plan:
        """What a fit trains without a budget: ``cv`` folds, ``max_epochs`` (or its rule)."""
        share = (1 - 1 / folds) if folds else 1.0
        held = self.validation_fraction if self.early_stopping and folds else 0.0
        epochs = self.max_epochs
        if epochs == "auto":
            rows = int(n_rows * share * (1 - held))
            epochs = _plan.auto_epochs(rows, task == _input.REGRESSION)
        width = None if self._width_param is None else int(getattr(self, self._width_param))
        return _plan.Plan(folds=folds, epochs=int(epochs), width=width)

    def _plan(
        self,
        learners: list[ColumnLearner],
        target: _input.Target,
        folds: list[tuple[np.ndarray, np.ndarray]],
        setup: dict[str, Any],
    ) -> _plan.Plan:
        """The budget planner (:mod:`textcnn._plan`): probe, predict, degrade, log.

        With a checkpoint, the plan is the first run's (kept in the checkpoint): the units
        it finished were trained on it, so a resumed run -- with more time, or none --
        trains the rest of the same plan, ``max_time`` moving only its deadline.
        """
        store = setup.get("checkpoint")
        kept = None if store is None else store.recall("plan")
        if kept is not None:
            plan = _plan.Plan(**{k: tuple(v) if isinstance(v, list) else v
                                 for k, v in kept.items()})  # fmt: skip
            logger.info(
                "%s: resuming a checkpoint: its plan is kept (%s); to plan anew for this "
                "max_time, start over (delete the checkpoint; CLI: --force)",
                type(self).__name__,
                plan.describe(),
            )
            return plan
        plan = self._make_plan(learners, target, folds, setup)
        if store is not None:
            store.record("plan", asdict(plan))
        return plan

    def _make_plan(
        self,
        learners: list[ColumnLearner],
        target: _input.Target,
        folds: list[tuple[np.ndarray, np.ndarray]],
        setup: dict[str, Any],
    ) -> _plan.Plan:
        """Probe, predict and degrade: what this fit can afford (see :meth:`_plan`)."""
        n = len(target.values)
        base = self._base_plan(len(folds), n, target.task)
        if self.max_time is None or not learners:
            return base
        probe_rows = folds[0][0] if folds else np.arange(n)
        started = time.time()
        costs = [learner.probe(probe_rows, base) for learner in learners]
        for name, cost in zip(self._column_names(), costs, strict=True):
            logger.debug("column %r: %s", name, cost)
        # the fit's time left, less what the probe left out and the reserve
        left = setup["started"] + float(self.max_time) - time.time()
        cv_fixed = not isinstance(self.cv, Integral) or isinstance(self.cv, bool)
        plan = _plan.make_plan(
            base,
            left * (1 - _plan.RESERVE),
            costs,
            n,
            self.validation_fraction if self.early_stopping and folds else 0.0,
            bool(self.refit),
            min_folds=len(folds) if cv_fixed else min(len(folds), 2),
            least=_plan.min_passes(target.task == _input.REGRESSION),
        )
        level = logging.WARNING if plan.cuts or not plan.train else logging.INFO
        logger.log(
            level,
            "%s, max_time %.0f s: %d rows x %d text column(s): %s (probe %.1f s)",
            type(self).__name__,
            self.max_time,
            n,
            len(learners),
            plan.describe(),
            time.time() - started,
        )
        heads = all(learner.fitted["ngram_vectorizers_"] for learner in learners)
        if plan.train:
            return plan
        if heads and self.step_aside:  # the heads alone, on the folds asked for
            return replace(base, predicted_s=plan.predicted_s, budget_s=plan.budget_s,
                           train=False, cuts=plan.cuts)  # fmt: skip
        logger.warning(
            "%s: %s: the networks train the cheapest plan and stop at the deadline",
            type(self).__name__,
            "step_aside=False" if heads else "no n-gram branch to step aside to",
        )
        return replace(plan, train=True)

    def _planned_folds(self, plan: Any) -> int | None:
        return None if plan is None or not plan.folds else plan.folds

    def _effective_mode(self) -> str:
        if self.embeddings is None or self.level == "char":
            return "rand"
        return self.embedding_mode

    def _wordpieces(self) -> bool:
        """Whether texts are split into the embedding source's own word-pieces."""
        return self.level == "word" and _is_subword(self.embeddings)

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        if self._wordpieces():
            return _embeddings.wordpiece_tokenize(texts)
        return _text.tokenize_all(texts, self.lowercase, self.level)

    def _task_default(self, name: str, task: str) -> Any:
        """A parameter's value, with ``"auto"`` resolved for the task (see ``_auto``)."""
        value = getattr(self, name)
        if isinstance(value, str) and value == "auto":
            return self._auto[name][task == _input.REGRESSION]
        return value

    def _blend(self, net: FittedNet, pred: np.ndarray | None, ngrams: Any) -> np.ndarray:
        """The network's output averaged with its n-gram linear model's (``linear_blend``).

        A network that stepped aside (the budget planner) gives its n-gram model's alone.
        """
        if net.module is None:
            return net.linear.predict(ngrams)
        if net.linear is None:
            return pred
        weight = float(self.linear_blend)
        return (1.0 - weight) * pred + weight * net.linear.predict(ngrams)

    def _prepare_column(
        self, docs: list[list[str]], vectors: Any, seed: int
    ) -> tuple[list[str], np.ndarray | None, float | None]:
        """Vocabulary, pristine embedding matrix and coverage of one tokenised column.

        These steps see only the texts (never the target), so they are fitted once
        on all training rows and shared by the folds.
        """
        itos = _text.build_vocabulary(docs, self.min_count)
        if vectors is None:
            return itos, None, None
        if isinstance(vectors, str):  # "train": word2vec / fastText trained on this column
            vectors, _ = _embeddings.resolve_vectors(
                self.embeddings, docs, self.embedding_dim, seed
            )
        matrix, coverage = _embeddings.build_matrix(
            itos, vectors, docs, np.random.RandomState(seed)
        )
        return itos, matrix, coverage

    def _builder(
        self,
        vocab_size: int,
        dim: int,
        n_outputs: int,
        task: str,
        matrix: np.ndarray | None,
        width: int | None = None,
    ) -> Callable[[], nn.Module]:
        """A factory of fresh networks; each copies the pristine ``matrix`` (if any).

        ``width``: the planner's (e.g. fewer filters), None for the encoder's own.
        """
        import torch

        mode = self._effective_mode()
        if mode == "rand":
            pretrained = None
        elif matrix is not None:
            pretrained = torch.from_numpy(matrix)
        else:  # a model file's network: its weights are loaded over these
            pretrained = torch.zeros(vocab_size, dim)

        def build() -> nn.Module:
            # WordEmbedding copies `pretrained`: every fold starts from the same pristine matrix.
            embedding = _torch().WordEmbedding(vocab_size, dim, mode, pretrained)
            return self._build_module(embedding, n_outputs, task, width)

        return build

    def _device(self) -> str:
        try:
            return _torch().resolve_device(self.device)
        except ValueError:  # fitted with device="cuda", used where there is no GPU
            if hasattr(self, "models_"):
                return "cpu"
            raise

    def _set_fitted(
        self,
        target: _input.Target,
        learners: list[ColumnLearner],
        models: list[list[Any]],
        plan: Any = None,
    ) -> None:
        super()._set_fitted(target, learners, models, plan)
        names = self._column_names()
        self.epochs_trained_ = {
            name: [round(float(net.epochs_trained), 3) for net in nets]
            for name, nets in zip(names, models, strict=True)
        }
        cut = tuple(
            f"column {name!r}: the deadline stopped its networks after "
            f"{min(self.epochs_trained_[name]):.2g} of {plan.epochs} planned epochs"
            for name, nets in zip(names, models, strict=True)
            if any(net.deadline_cut for net in nets)
        )
        aside = tuple(
            name
            for name, nets in zip(names, models, strict=True)
            if any(net.module is None for net in nets)
        )
        self.plan_ = replace(plan, cuts=plan.cuts + cut, aside=aside)

    def _compute_context(self) -> Any:
        """Torch threads for this fit or transform: the thread policy, in force in a block."""
        import torch

        return _threads.torch_threads(
            self.n_threads, self.n_jobs, torch.get_num_threads, torch.set_num_threads
        )

    def transform(self, X: Any) -> np.ndarray:  # noqa: D102 (the base class's docstring)
        self._validate_params()  # n_threads / device may have been set since fit
        return super().transform(X)

    transform.__doc__ = _CrossFitEncoder.transform.__doc__

    def _fit_setup(self) -> dict[str, Any]:
        device = _torch().resolve_device(self.device)
        vectors: Any = None
        if self._effective_mode() != "rand":
            if isinstance(self.embeddings, str) and self.embeddings in _embeddings.TRAINED:
                vectors = "train"  # per column, on its own texts
            else:
                vectors, _ = _embeddings.resolve_vectors(self.embeddings, [], self.embedding_dim, 0)
        return {"device": device, "vectors": vectors}

    def _column_learner(
        self,
        name: str,
        texts: list[str],
        target: _input.Target,
        n_outputs: int,
        seed: int,
        setup: dict[str, Any],
    ) -> ColumnLearner:
        task = target.task
        docs = self._tokenize(texts)
        itos, matrix, coverage = self._prepare_column(docs, setup["vectors"], seed)
        if coverage is not None:
            logger.info(
                "column %r: %d words, embedding coverage %.1f%%", name, len(itos), 100 * coverage
            )
        ids, lengths = _text.encode(docs, itos, self.max_length)  # once, for every fold
        cut = sum(len(doc) > self.max_length for doc in docs) if self.max_length else 0
        if cut:  # the networks read the first tokens only (the n-gram branch reads all)
            logger.info(
                "column %r: %d of %d texts are longer than max_length=%d tokens: the networks "
                "read their first %d (the longest has %d)",
                name, cut, len(docs), self.max_length, self.max_length, max(map(len, docs)),
            )  # fmt: skip
        vectorizer, ngrams = self._fit_ngrams(name, texts)
        dim = self.embedding_dim if matrix is None else matrix.shape[1]
        cfg = replace(self._train_config(setup["device"], task), name=f"column {name!r}")
        column = NeuralColumn(self, (len(itos), dim, n_outputs), matrix, ids, lengths, ngrams,
                              target, cfg, seed, setup)  # fmt: skip
        fitted = {
            "vocabularies_": itos,
            "ngram_vectorizers_": vectorizer,
            "embedding_coverage_": {} if coverage is None else {name: coverage},
        }
        return ColumnLearner(column.fit, column.predict, fitted, column.probe, column.guard)

    def _fit_ngrams(self, name: str, texts: list[str]) -> tuple[Any, Any]:
        """The blend branch's TF-IDF vectorizer and matrix (texts only, so once per column)."""
        if not self.linear_blend:
            return None, None
        vectorizer = _ngram.make_vectorizer(**_ngram.BLEND_VECTORIZER, lowercase=self.lowercase)
        try:
            return vectorizer, vectorizer.fit_transform(texts)
        except ValueError as exc:  # no n-gram in >= 2 texts: nothing to blend
            logger.warning("column %r: no linear blend branch (%s)", name, exc)
            return None, None

    def _predict_column(self, c: int, texts: list[str]) -> np.ndarray:
        if self._wordpieces():  # ids, no strings
            ids, lengths = _embeddings.encode_wordpieces(
                texts, self.vocabularies_[c], self.max_length
            )
        else:
            ids, lengths = _text.encode(
                self._tokenize(texts), self.vocabularies_[c], self.max_length
            )
        vectorizer = self.ngram_vectorizers_[c]
        ngrams = None if vectorizer is None else _ngram.transform(vectorizer, texts)
        nets = self.models_[c]
        if any(net.module is None for net in nets):  # stepped aside: the n-gram heads alone
            return np.mean([net.linear.predict(ngrams) for net in nets], axis=0)
        # every network reads each batch in one pass (the texts are tokenised once)
        # token space: each token projected through the filters once per call (exact)
        preds = _torch().predict_many(nets, ids, lengths, device=self._device(), token_space=True)
        return np.mean(
            [self._blend(m, p, ngrams) for m, p in zip(nets, preds, strict=True)], axis=0
        )

    # ------------------------------------------------------------------ state and files
    def _pack_models(self, models: list[Any]) -> tuple[list, dict[str, np.ndarray]]:
        """A checkpoint unit's networks: the model file's facts and arrays (column 0)."""
        arrays: dict[str, np.ndarray] = {}
        info = _model_file.state.column_arrays(self, 0, models, arrays)
        for facts, net in zip(info, models, strict=True):  # what model files leave out
            facts["epochs_trained"] = float(net.epochs_trained)
            facts["deadline_cut"] = bool(net.deadline_cut)
        return info, arrays

    def _unpack_models(self, info: list, arrays: dict[str, np.ndarray]) -> list[Any]:
        """The inverse of :meth:`_pack_models` (CPU, eval mode, as a model file loads)."""
        nets = _model_file.state.column_nets(self, 0, info, arrays)
        return [
            replace(net, epochs_trained=facts["epochs_trained"], deadline_cut=facts["deadline_cut"])
            for net, facts in zip(nets, info, strict=True)
        ]

    def _network_from_weights(
        self,
        shapes: tuple[int, int, int] | None,
        info: dict[str, Any],
        weights: dict[str, Any],
        linear: Any = None,
    ) -> FittedNet:
        """A fitted network (CPU, eval mode) from a model file's arrays (its own layout).

        Parameters
        ----------
        shapes : (int, int, int) or None
            Vocabulary size, embedding dim, outputs; None: no network (it stepped aside
            for its n-gram head).
        info : dict
            ``task``, ``target_mean``, ``target_scale``, ``best_epoch``.
        weights : dict of str to ndarray
            The module's state, by its own names.
        linear : LinearHead or None, default=None
            The blend branch's n-gram model.
        """
        if shapes is None:
            return _torch().FittedNet(None, info["task"], linear=linear)
        import torch

        build = self._builder(
            shapes[0], shapes[1], shapes[2], info["task"], None, self._width_of(weights)
        )
        module = build()
        module.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in weights.items()})
        return _torch().FittedNet(module.eval(), **info, linear=linear)

    def get_model_state(self) -> dict[str, Any]:
        """Everything a model file stores (see :func:`textcnn._model_file.encoder_state`).

        Returns
        -------
        dict
            ``"class"``, ``"params"``, ``"output_config"``, ``"fitted"`` and ``"arrays"``.
        """
        return _model_file.encoder_state(self)

    @classmethod
    def from_model_state(cls, state: dict[str, Any]) -> _NeuralEncoder:
        """A fitted encoder (CPU, eval mode) from what :meth:`get_model_state` gave.

        Parameters
        ----------
        state : dict
            As returned by :meth:`get_model_state` (arrays may be numpy arrays).

        Returns
        -------
        TextCNNEncoder or TextRNNEncoder
        """
        return _model_file.encoder_from_state(cls, state)

    def save(self, path: Any) -> None:
        """Save to a model file that runs no code when loaded (see :func:`textcnn.load`).

        Parameters
        ----------
        path : str or os.PathLike
            Destination (zip of a JSON manifest, vocabularies and ``.npz`` weights),
            written atomically.
        """
        _model_file.save(self, path)
