"""The public neural encoders: :class:`TextCNNEncoder` and :class:`TextRNNEncoder`.

Each says which network it builds and its parameters; everything else is shared
(:mod:`textcnn._neural_encoder`, :mod:`textcnn._crossfit_encoder`). :func:`load` reads
their model files (:mod:`textcnn._model_file`).
"""

from __future__ import annotations

import os
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _model_file, _text
from ._constraints import IntTuple
from ._neural_encoder import _NeuralEncoder

if TYPE_CHECKING:  # torch loads on first use: parsing the CLI and checking inputs need none
    from torch import nn

    from ._torch import TextCNN, WordEmbedding


class TextCNNEncoder(_NeuralEncoder):
    """Cross-fitted Kim (2014) text-CNN features for tabular models.

    One CNN per text column predicts the target from the words (or characters).

    {contract}

    Parameters
    ----------
    kernel_sizes : tuple of int, default=(3, 4, 5)
        Filter widths.
    n_filters : int, default=100
        Feature maps per filter width.
    dropout : float or "auto", default="auto"
        Dropout before the output layer; ``"auto"``: 0.5 for classification (Kim
        2014), 0.2 for regression (0.5 under-fits a continuous target).
    {network_params}
    max_epochs : int or "auto", default="auto"
        Epochs the learning-rate schedule spans (early stopping may stop sooner).
        ``"auto"``: 16,000 over the rows each network trains on, rounded, from 2 to 10
        (MR: 2, SST-2: 3, wine reviews: 4; a few hundred rows: 10); see
        docs/benchmarks/speed.md for the measurements behind it.
    batch_size : int or "auto", default="auto"
        Rows per training step; ``"auto"``: 100 for classification, 50 for regression.
    lr : float or "auto", default="auto"
        Peak Adam learning rate; ``"auto"``: 5e-3 for classification, 3e-3 for
        regression (with ``lr_schedule="onecycle"``).
    lr_schedule : {"onecycle", "constant"}, default="onecycle"
        ``"onecycle"``: the learning rate warms up linearly over the first 10% of the
        planned steps to ``lr``, then decays linearly to 0 at the end of the last planned
        epoch, so the best epoch comes sooner; early stopping still keeps the best epoch.
        ``"constant"``: ``lr`` throughout (Kim 2014).
    {fit_params}

    Examples
    --------
    >>> import pandas as pd
    >>> from textcnn import TextCNNEncoder
    >>> X = pd.DataFrame({"review": ["good film", "bad film", "great", "awful"] * 5})
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TextCNNEncoder(embeddings=None, max_epochs=2, cv=2, random_state=0)
    >>> enc.fit_transform(X, y).shape
    (20, 1)
    >>> enc.get_feature_names_out().tolist()
    ['review__textcnn_pos']
    """

    _prefix = "textcnn"
    _width_param = "n_filters"
    # Regression values set on wine reviews, confirmed on SST-1 scored 0-4
    # (docs/benchmarks/defaults.md).
    _auto = {
        "dropout": (0.5, 0.2),
        "patience": (1, 2),
        "lr": (5e-3, 3e-3),
        "batch_size": (100, 50),
    }
    _parameter_constraints: dict[str, list[Any]] = {
        **_NeuralEncoder._parameter_constraints,
        "kernel_sizes": [IntTuple(1)],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        kernel_sizes: tuple[int, ...] = (3, 4, 5),
        n_filters: int = 100,
        dropout: float | str = "auto",
        linear_blend: float = 0.5,
        embeddings: Any = "mpnet-base",
        embedding_mode: str = "non-static",
        embedding_dim: int = 128,
        level: str = "word",
        max_length: int | None = 400,
        min_count: int = 1,
        lowercase: bool = True,
        cv: Any = 5,
        refit: bool = False,
        target_type: str = "auto",
        empty_text: str = "prior",
        empty_columns: str = "error",
        max_epochs: int | str = "auto",
        batch_size: int | str = "auto",
        lr: float | str = "auto",
        lr_schedule: str = "onecycle",
        weight_decay: float = 0.0,
        max_norm: float | None = 3.0,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int | str = "auto",
        device: str = "auto",
        n_threads: int | str = "auto",
        max_time: float | None = None,
        step_aside: bool = True,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self.kernel_sizes = kernel_sizes
        self.n_filters = n_filters
        self.dropout = dropout
        self.linear_blend = linear_blend
        self.embeddings = embeddings
        self.embedding_mode = embedding_mode
        self.embedding_dim = embedding_dim
        self.level = level
        self.max_length = max_length
        self.min_count = min_count
        self.lowercase = lowercase
        self.cv = cv
        self.refit = refit
        self.target_type = target_type
        self.empty_text = empty_text
        self.empty_columns = empty_columns
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.max_norm = max_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.n_threads = n_threads
        self.max_time = max_time
        self.step_aside = step_aside
        self.checkpoint_dir = checkpoint_dir
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _build_module(
        self, embedding: WordEmbedding, n_outputs: int, task: str, width: int | None = None
    ) -> nn.Module:
        from ._torch import TextCNN

        dropout = self._task_default("dropout", task)
        filters = self.n_filters if width is None else width
        return TextCNN(embedding, n_outputs, tuple(self.kernel_sizes), filters, dropout)

    def _width_of(self, weights: dict[str, Any]) -> int | None:
        return int(np.asarray(weights["weight"]).shape[2]) // len(self.kernel_sizes)

    def top_ngrams(
        self,
        X: Any,
        *,
        column: int | str = 0,
        n_filters: int = 5,
        n_ngrams: int = 3,
        model: int = 0,
        batch_size: int = 1024,
    ) -> pd.DataFrame:
        """The n-grams that most activate the filters driving each output.

        A filter's drive towards an output is its output-layer weight for that output
        (binary: ``w[1] - w[0]``, and the opposite for ``classes_[0]``; multiclass: the
        weight minus the mean over classes; regression: ``w`` for higher and ``-w`` for
        lower values) times its mean max-pooled activation over ``X``. For the
        ``n_filters`` strongest filters of each output, the n-grams of ``X`` that reach
        the highest activations are listed (each n-gram is where a document's max-pool
        picked it). Only the CNN has this: its features are n-gram detectors.

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like
            Texts to search (e.g. the training texts), with the columns seen in fit.
        column : int or str, default=0
            Which text column (position or name).
        n_filters : int, default=5
            Filters listed per output.
        n_ngrams : int, default=3
            Distinct n-grams listed per filter.
        model : int, default=0
            Which of the column's networks: the refit one (``refit=True``) or a fold's.
        batch_size : int, default=1024
            Rows per forward pass.

        Returns
        -------
        pandas.DataFrame
            One row per (output, filter): ``column``, ``output`` (class label, or
            ``"higher"`` / ``"lower"``), ``rank``, ``filter``, ``width``, ``drive``,
            ``weight``, ``mean_activation`` and ``ngrams`` (a list of str, strongest first).
        """
        check_is_fitted(self, "models_")
        names = self._column_names()
        c = names.index(str(column)) if isinstance(column, str) else int(column)
        texts = self._encoded(self._texts(X, reset=False))[c]
        docs = [doc[: self.max_length] for doc in self._tokenize(texts)]
        ids, lengths = _text.encode(docs, self.vocabularies_[c], self.max_length)
        net: TextCNN = self.models_[c][model].module
        if net is None:
            raise ValueError(
                f"column {names[c]!r} has no network: it stepped aside for its n-gram model "
                "(see plan_); its features are that model's"
            )
        act, pos = net.max_activations(ids, lengths, batch_size)  # (N, nk * F) each
        w = net.output_weight()  # (n_outputs, nk * F)
        if self.target_type_ == "continuous":
            directions = {"higher": w[0], "lower": -w[0]}
        elif self.target_type_ == "binary":
            directions = {self.classes_[1]: w[1] - w[0], self.classes_[0]: w[0] - w[1]}
        else:
            directions = {cls: w[i] - w.mean(axis=0) for i, cls in enumerate(self.classes_)}
        mean_act = act.mean(axis=0)
        widths = net.filter_widths()
        rows = []
        for output, direction in directions.items():
            drive = direction * mean_act
            for rank, f in enumerate(np.argsort(-drive)[:n_filters], start=1):
                width = int(widths[f])
                ngrams: list[str] = []
                for d in np.argsort(-act[:, f], kind="stable"):
                    if act[d, f] <= 0 or len(ngrams) == n_ngrams:
                        break
                    end = int(pos[d, f])  # the window ends at token `end`
                    tokens = docs[d][max(0, end - width + 1) : end + 1]
                    gram = " ".join(tokens).replace(" ##", "").removeprefix("##")  # pieces
                    if gram and gram not in ngrams:
                        ngrams.append(gram)
                rows.append(
                    {
                        "column": names[c],
                        "output": output.item() if isinstance(output, np.generic) else output,
                        "rank": rank,
                        "filter": int(f),
                        "width": width,
                        "drive": float(drive[f]),
                        "weight": float(direction[f]),
                        "mean_activation": float(mean_act[f]),
                        "ngrams": ngrams,
                    }
                )
        return pd.DataFrame(rows)


class TextRNNEncoder(_NeuralEncoder):
    """Cross-fitted recurrent (BiGRU / BiLSTM) text features for tabular models.

    The same contract, embeddings and training as :class:`TextCNNEncoder`; only the
    network differs: a (bidirectional) GRU or LSTM over packed sequences with masked
    max-over-time pooling, so a row's output does not depend on its batch.

    {contract}

    Parameters
    ----------
    cell : {"gru", "lstm"}, default="gru"
        Recurrent cell.
    bidirectional : bool, default=True
        Read each text in both directions.
    hidden_size : int, default=64
        Units per direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float or "auto", default="auto"
        Dropout before the output layer (and between stacked layers); ``"auto"``: 0.5.
    {network_params}
    max_epochs : int or "auto", default=10
        Epoch budget per network; ``"auto"``: as :class:`TextCNNEncoder`'s.
    batch_size : int or "auto", default=50
        Rows per training step; ``"auto"``: 50.
    lr : float or "auto", default=1e-3
        Adam learning rate; ``"auto"``: 1e-3.
    lr_schedule : {"onecycle", "constant"}, default="constant"
        ``"constant"``: ``lr`` throughout; ``"onecycle"``: warm-up over the first 10%
        of the planned steps, then a linear decay to 0 at the last planned epoch.
    {fit_params}

    Examples
    --------
    >>> from textcnn import TextRNNEncoder
    >>> X = ["good film", "bad film", "great", "awful"] * 5
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TextRNNEncoder(embeddings=None, max_epochs=2, cv=2, random_state=0)
    >>> enc.fit_transform(X, y).shape
    (20, 1)
    >>> enc.get_feature_names_out().tolist()
    ['x0__textrnn_pos']
    """

    _prefix = "textrnn"
    _auto = {"dropout": (0.5, 0.5), "patience": (2, 2), "lr": (1e-3, 1e-3), "batch_size": (50, 50)}
    _parameter_constraints: dict[str, list[Any]] = {
        **_NeuralEncoder._parameter_constraints,
        "cell": [StrOptions({"gru", "lstm"})],
        "bidirectional": ["boolean"],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        cell: str = "gru",
        bidirectional: bool = True,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float | str = "auto",
        linear_blend: float = 0.5,
        embeddings: Any = "mpnet-base",
        embedding_mode: str = "non-static",
        embedding_dim: int = 128,
        level: str = "word",
        max_length: int | None = 400,
        min_count: int = 1,
        lowercase: bool = True,
        cv: Any = 5,
        refit: bool = False,
        target_type: str = "auto",
        empty_text: str = "prior",
        empty_columns: str = "error",
        max_epochs: int | str = 10,
        batch_size: int | str = 50,
        lr: float | str = 1e-3,
        lr_schedule: str = "constant",
        weight_decay: float = 0.0,
        max_norm: float | None = 3.0,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int | str = "auto",
        device: str = "auto",
        n_threads: int | str = "auto",
        max_time: float | None = None,
        step_aside: bool = True,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self.cell = cell
        self.bidirectional = bidirectional
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.linear_blend = linear_blend
        self.embeddings = embeddings
        self.embedding_mode = embedding_mode
        self.embedding_dim = embedding_dim
        self.level = level
        self.max_length = max_length
        self.min_count = min_count
        self.lowercase = lowercase
        self.cv = cv
        self.refit = refit
        self.target_type = target_type
        self.empty_text = empty_text
        self.empty_columns = empty_columns
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.max_norm = max_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.n_threads = n_threads
        self.max_time = max_time
        self.step_aside = step_aside
        self.checkpoint_dir = checkpoint_dir
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _build_module(
        self, embedding: WordEmbedding, n_outputs: int, task: str, width: int | None = None
    ) -> nn.Module:
        from ._torch import TextRNN

        return TextRNN(
            embedding,
            n_outputs,
            self.cell,
            self.hidden_size,
            self.num_layers,
            self.bidirectional,
            self._task_default("dropout", task),
        )


def load(path: str | os.PathLike[str]) -> Any:
    """Load an encoder saved by ``encoder.save(path)`` (on the CPU, ready to ``transform``).

    Any of the three encoders; a ``TfidfLinearEncoder`` file loads without torch.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    TextCNNEncoder, TextRNNEncoder or TfidfLinearEncoder
        The fitted encoder.

    Raises
    ------
    ValueError
        Not a textcnn model file, damaged, of a format version this release cannot
        read, or of an unknown encoder class.
    FileNotFoundError
        No such file.

    Examples
    --------
    A model file runs no code when loaded (zip of JSON and ``.npz`` arrays, no pickle):

    >>> import pathlib, tempfile
    >>> import textcnn
    >>> from textcnn import TextCNNEncoder
    >>> X = ["good film", "bad film", "great", "awful"] * 5
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TextCNNEncoder(embeddings=None, max_epochs=1, cv=2, random_state=0).fit(X, y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "review.textcnn"
    >>> enc.save(path)
    >>> loaded = textcnn.load(path)
    >>> bool((loaded.transform(X) == enc.transform(X)).all())
    True
    >>> textcnn.load(path.with_suffix(".missing"))
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...
    """
    from ._linear import TfidfLinearEncoder

    return _model_file.load(path, (TextCNNEncoder, TextRNNEncoder, TfidfLinearEncoder))
