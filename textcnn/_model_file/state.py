"""An encoder's fitted state as JSON-able values and named arrays, and back.

The only place that names what a model file stores: the fitted attributes, the
vocabularies, the blend branch's n-gram vocabularies and idf, the linear heads and the
networks' tensors. Tensor names are those of format 3 (``"<column>/<network>/<name>"``,
with torch-layer names such as ``convs.0.weight``); :class:`~textcnn._torch.TextCNN`
keeps its filters stacked, and :func:`cnn_to_file` / :func:`cnn_from_file` convert.
Torch-free: the encoder builds its networks from arrays (``_network_from_weights``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import _ngram
from . import container

logger = logging.getLogger(__name__)


def cnn_to_file(weights: dict[str, np.ndarray], kernel_sizes: Sequence[int]) -> dict[str, Any]:
    """A single :class:`~textcnn._torch.TextCNN`'s weights under the file's names.

    The stacked filter matrix ``weight`` (1, K * C, n_kernels * F), rows ordered
    (offset, channel), narrow filters left-padded to the widest width K, becomes one
    ``convs.<i>.weight`` (F, C, k) per width, as ``torch.nn.Conv1d`` holds it.

    Examples
    --------
    >>> w = {"table": np.zeros((3, 1)), "weight": np.arange(4.0).reshape(1, 2, 2),
    ...      "bias": np.zeros((1, 2)), "out_weight": np.ones((1, 2, 1)),
    ...      "out_bias": np.zeros((1, 1))}
    >>> file = cnn_to_file(w, (1, 2))
    >>> file["convs.0.weight"].tolist(), file["convs.1.weight"].tolist()
    ([[[2.0]]], [[[1.0, 3.0]]])
    >>> cnn_from_file(file, (1, 2))["weight"].tolist()
    [[[0.0, 1.0], [2.0, 3.0]]]
    """
    out = {"embedding.tuned.weight": weights["table"]}
    if "frozen" in weights:
        out["embedding.frozen.weight"] = weights["frozen"]
    widest = max(kernel_sizes)
    stacked = weights["weight"][0]  # (K * C, nk * F)
    per_width = stacked.shape[1] // len(kernel_sizes)
    full = stacked.reshape(widest, -1, stacked.shape[1]).transpose(2, 1, 0)  # (nk * F, C, K)
    for i, k in enumerate(kernel_sizes):
        part = slice(i * per_width, (i + 1) * per_width)
        out[f"convs.{i}.weight"] = np.ascontiguousarray(full[part, :, widest - k :])
        out[f"convs.{i}.bias"] = weights["bias"][0, part]
    out["output.weight"] = np.ascontiguousarray(weights["out_weight"][0].T)
    out["output.bias"] = weights["out_bias"][0]
    return out


def cnn_from_file(arrays: dict[str, Any], kernel_sizes: Sequence[int]) -> dict[str, np.ndarray]:
    """The inverse of :func:`cnn_to_file`: file names to the stacked layout (one member)."""
    widest = max(kernel_sizes)
    convs = [np.asarray(arrays[f"convs.{i}.weight"]) for i in range(len(kernel_sizes))]
    full = np.concatenate(
        [
            np.pad(w, ((0, 0), (0, 0), (widest - k, 0)))
            for k, w in zip(kernel_sizes, convs, strict=True)
        ]
    )  # (nk * F, C, K)
    native = {
        "table": np.asarray(arrays["embedding.tuned.weight"]),
        "weight": full.transpose(2, 1, 0).reshape(1, -1, full.shape[0]),
        "bias": np.concatenate([arrays[f"convs.{i}.bias"] for i in range(len(convs))])[None],
        "out_weight": np.asarray(arrays["output.weight"]).T[None],
        "out_bias": np.asarray(arrays["output.bias"])[None],
    }
    if "embedding.frozen.weight" in arrays:
        native["frozen"] = np.asarray(arrays["embedding.frozen.weight"])
    return native


def state_shapes(arrays: dict[str, Any]) -> tuple[int, int, int]:
    """(vocabulary size, embedding dim, outputs) of a network's arrays under the file's names."""
    vocab_size, dim = arrays["embedding.tuned.weight"].shape
    return int(vocab_size), int(dim), int(arrays["output.weight"].shape[0])


def _is_cnn(encoder: Any) -> bool:
    return hasattr(encoder, "kernel_sizes")


def _network_arrays(encoder: Any, net: Any) -> dict[str, Any]:
    weights = net.weights()
    if _is_cnn(encoder):
        return cnn_to_file(weights, tuple(encoder.kernel_sizes))
    return weights  # the RNN's own layer names are the file's


def column_arrays(encoder: Any, c: int, nets: Sequence[Any], arrays: dict[str, Any]) -> list:
    """Write one column's networks (tensors and linear heads) into ``arrays``; their facts.

    Shared by the model file (every column) and the checkpoints (one unit's networks).
    """
    column = []
    for m, net in enumerate(nets):
        weights = {} if net.module is None else _network_arrays(encoder, net)
        for name, values in weights.items():
            arrays[f"{c}/{m}/{name}"] = values
        if net.linear is not None:
            arrays[f"linear/{c}/{m}/coef"] = net.linear.coef
            arrays[f"linear/{c}/{m}/intercept"] = net.linear.intercept
        if net.module is None:  # stepped aside (the budget planner): the head alone
            column.append({"task": net.task, "network": False})
            continue
        vocab_size, dim, n_outputs = state_shapes(weights)
        column.append(
            {
                "task": net.task,
                "target_mean": net.target_mean,
                "target_scale": net.target_scale,
                "best_epoch": net.best_epoch,
                "vocab_size": vocab_size,
                "embedding_dim": dim,
                "n_outputs": n_outputs,
            }
        )
    return column


def _networks(encoder: Any, arrays: dict[str, np.ndarray]) -> list[list[dict[str, Any]]]:
    """Write every network's tensors and linear head into ``arrays``; their facts."""
    return [column_arrays(encoder, c, nets, arrays) for c, nets in enumerate(encoder.models_)]


def _is_neural(encoder: Any) -> bool:
    return hasattr(encoder, "_network_from_weights")


def _fitted_common(encoder: Any) -> dict[str, Any]:
    """The fitted attributes every encoder has: columns, target, blank-text value."""
    names = getattr(encoder, "feature_names_in_", None)
    classes = getattr(encoder, "classes_", None)
    return {
        "n_features_in": int(encoder.n_features_in_),
        "feature_names_in": None if names is None else [str(n) for n in names],
        "target_type": encoder.target_type_,
        "classes": None if classes is None else classes.tolist(),
        "empty_value": _empty_to_file(getattr(encoder, "empty_value_", None)),
        "kept_columns": getattr(encoder, "kept_columns_", None),
    }


def _set_common(encoder: Any, fitted: dict[str, Any]) -> None:
    """Put back what :func:`_fitted_common` stored."""
    encoder.n_features_in_ = fitted["n_features_in"]
    if fitted["feature_names_in"] is not None:
        encoder.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
    encoder.target_type_ = fitted["target_type"]
    if fitted["classes"] is not None:
        encoder.classes_ = np.asarray(fitted["classes"])
    if fitted.get("kept_columns") is not None:  # files before empty_columns: every column
        encoder._set_kept([int(j) for j in fitted["kept_columns"]])
    if fitted.get("empty_value") is not None:  # files before the rule: the models' value
        encoder.empty_value_ = np.array(
            [np.nan if v is None else v for v in fitted["empty_value"]], dtype=np.float64
        )


def _vectorizer_arrays(vectorizer: Any, c: int, arrays: dict[str, Any]) -> list[str]:
    """A fitted TF-IDF's idf into ``arrays``; its vocabulary in column order."""
    arrays[f"ngrams/{c}/idf"] = vectorizer.idf_.astype(np.float64)
    return vectorizer.get_feature_names_out().tolist()


def _vectorizer_from(arrays: dict[str, Any], c: int, vocabulary: list[str], **params: Any) -> Any:
    """A TF-IDF rebuilt from :func:`_vectorizer_arrays` (``params``: make_vectorizer's)."""
    vectorizer = _ngram.make_vectorizer(**params, vocabulary=vocabulary)
    vectorizer.idf_ = np.asarray(arrays[f"ngrams/{c}/idf"])
    return vectorizer


def _linear_arrays(model: Any, prefix: str, arrays: dict[str, Any]) -> dict[str, Any]:
    """A fitted scikit-learn linear model's attributes: arrays into ``arrays``, the rest JSON.

    Every public fitted attribute (``coef_``, ``intercept_``, ``classes_``, ``n_iter_``,
    ...) is kept exactly, so the rebuilt model predicts bit for bit as the fitted one.
    """
    plain: dict[str, Any] = {}
    for name, value in vars(model).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            arrays[f"{prefix}{name}"] = value
        elif isinstance(value, np.generic):
            plain[name] = value.item()
        elif isinstance(value, (int, float, str, bool)) or value is None:
            plain[name] = value
    return plain


def _linear_from(model: Any, plain: dict[str, Any], prefix: str, arrays: dict[str, Any]) -> Any:
    """Set :func:`_linear_arrays`' attributes on an unfitted ``model``; the model."""
    for name, value in plain.items():
        setattr(model, name, value)
    for key, value in arrays.items():
        if key.startswith(prefix) and "/" not in key[len(prefix) :]:
            setattr(model, key[len(prefix) :], np.asarray(value))
    return model


def linear_encoder_state(encoder: Any) -> dict[str, Any]:
    """Everything a model file stores of a fitted :class:`~textcnn.TfidfLinearEncoder`.

    Per text column its TF-IDF (vocabulary in ``ngrams.json``, idf in the arrays) and
    per fold model (or the refit one) the linear model's fitted attributes.
    """
    check_is_fitted(encoder, "models_")
    arrays: dict[str, np.ndarray] = {}
    ngrams, models = [], []
    for c, column in enumerate(encoder.models_):
        ngrams.append(_vectorizer_arrays(column[0][0], c, arrays))
        models.append(
            [_linear_arrays(m[-1], f"linear/{c}/{k}/", arrays) for k, m in enumerate(column)]
        )
    fitted = {
        **_fitted_common(encoder),
        "models": models,
        "vocabularies": [None] * len(models),
        "ngrams": ngrams,
    }
    return _state(encoder, fitted, arrays)


def linear_encoder_from_state(cls: type, state: dict[str, Any]) -> Any:
    """A fitted :class:`~textcnn.TfidfLinearEncoder` from :func:`linear_encoder_state`'s."""
    from sklearn.pipeline import Pipeline

    encoder = cls(**state["params"])
    encoder.set_output(transform=state.get("output_config", {}).get("transform"))
    fitted, arrays = state["fitted"], state["arrays"]
    task = "regression" if fitted["target_type"] == "continuous" else "classification"
    encoder.models_ = []
    for c, (vocabulary, column) in enumerate(zip(fitted["ngrams"], fitted["models"], strict=True)):
        vectorizer = _vectorizer_from(
            arrays, c, vocabulary, analyzer=encoder.analyzer,
            ngram_range=tuple(encoder.ngram_range), min_df=encoder.min_df,
            max_features=encoder.max_features, sublinear_tf=encoder.sublinear_tf,
            lowercase=encoder.lowercase,
        )  # fmt: skip
        encoder.models_.append(
            [
                Pipeline(
                    [
                        ("tfidf", vectorizer),
                        (
                            "linear",
                            _linear_from(
                                _ngram.make_linear(task, encoder.C, encoder.alpha),
                                plain,
                                f"linear/{c}/{k}/",
                                arrays,
                            ),
                        ),
                    ]
                )  # fmt: skip
                for k, plain in enumerate(column)
            ]
        )
    _set_common(encoder, fitted)
    return encoder


def _state(encoder: Any, fitted: dict[str, Any], arrays: dict[str, Any]) -> dict[str, Any]:
    """The state a model file holds: class, parameters, ``set_output`` choice, fitted, arrays."""
    output_config = {
        k: v
        for k, v in getattr(encoder, "_sklearn_output_config", {}).items()
        if isinstance(v, str)
    }
    return {
        "class": type(encoder).__name__,
        "params": encoder.get_params(),
        "output_config": output_config,
        "fitted": fitted,
        "arrays": arrays,
    }


def encoder_state(encoder: Any) -> dict[str, Any]:
    """Everything a model file stores of a fitted neural encoder.

    Parameters
    ----------
    encoder : TextCNNEncoder, TextRNNEncoder or TfidfLinearEncoder
        Fitted.

    Returns
    -------
    dict
        ``"class"`` (name), ``"params"`` (:meth:`get_params`, as they are),
        ``"output_config"`` (``set_output``), ``"fitted"`` (JSON-able fitted
        attributes, vocabularies, n-gram vocabularies and per-network facts) and
        ``"arrays"`` (name -> ndarray: network weights, linear heads, idf).
    """
    if not _is_neural(encoder):
        return linear_encoder_state(encoder)
    check_is_fitted(encoder, "models_")
    arrays: dict[str, np.ndarray] = {}
    networks = _networks(encoder, arrays)
    ngrams = [  # in column order
        None if vectorizer is None else _vectorizer_arrays(vectorizer, c, arrays)
        for c, vectorizer in enumerate(encoder.ngram_vectorizers_)
    ]
    fitted = {
        **_fitted_common(encoder),
        "embedding_mode": encoder._effective_mode(),
        "embedding_coverage": encoder.embedding_coverage_,
        "networks": networks,
        "vocabularies": encoder.vocabularies_,
        "ngrams": ngrams,
    }
    return _state(encoder, fitted, arrays)


def column_nets(encoder: Any, c: int, column: list[dict[str, Any]], arrays: dict[str, Any]) -> list:
    """One column's networks, built by the encoder from their arrays (see :func:`column_arrays`)."""
    nets = []
    for m, info in enumerate(column):
        head = None
        if f"linear/{c}/{m}/coef" in arrays:
            head = _ngram.LinearHead(
                np.asarray(arrays[f"linear/{c}/{m}/coef"]),
                np.asarray(arrays[f"linear/{c}/{m}/intercept"]),
                info["task"],
            )
        if info.get("network") is False:  # stepped aside: the n-gram head alone
            nets.append(encoder._network_from_weights(None, info, {}, head))
            continue
        prefix = f"{c}/{m}/"
        weights = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        shapes = info.get("vocab_size"), info.get("embedding_dim"), info.get("n_outputs")
        if None in shapes:  # files of format versions 1 and 2
            shapes = state_shapes(weights)
        if _is_cnn(encoder):
            weights = cnn_from_file(weights, tuple(encoder.kernel_sizes))
        info = {k: info[k] for k in ("task", "target_mean", "target_scale", "best_epoch")}
        nets.append(encoder._network_from_weights(shapes, info, weights, head))
    return nets


def _load_networks(encoder: Any, fitted: dict[str, Any], arrays: dict[str, Any]) -> list[list]:
    """Every column's networks, built by the encoder from their arrays."""
    return [column_nets(encoder, c, column, arrays) for c, column in enumerate(fitted["networks"])]


def encoder_from_state(cls: type, state: dict[str, Any]) -> Any:
    """A fitted encoder (CPU, eval mode) from what :func:`encoder_state` gave.

    Parameters
    ----------
    cls : type
        ``TextCNNEncoder`` or ``TextRNNEncoder``.
    state : dict
        As returned by :func:`encoder_state` (arrays may be numpy arrays).

    Returns
    -------
    TextCNNEncoder, TextRNNEncoder or TfidfLinearEncoder
    """
    if not _is_neural(cls):
        return linear_encoder_from_state(cls, state)
    encoder = cls(**state["params"])
    encoder.set_output(transform=state.get("output_config", {}).get("transform"))
    fitted, arrays = state["fitted"], state["arrays"]
    models = _load_networks(encoder, fitted, arrays)
    encoder.ngram_vectorizers_ = [
        None
        if vocabulary is None
        else _vectorizer_from(
            arrays, c, vocabulary, **_ngram.BLEND_VECTORIZER, lowercase=encoder.lowercase
        )
        for c, vocabulary in enumerate(fitted.get("ngrams") or [None] * len(models))
    ]
    _set_common(encoder, fitted)
    encoder.embedding_coverage_ = fitted["embedding_coverage"]
    encoder.vocabularies_ = fitted["vocabularies"]
    encoder.models_ = models
    return encoder


def _empty_to_file(value: np.ndarray | None) -> list[float | None] | None:
    """The blank texts' output row as JSON (NaN as null), or None where there is none."""
    if value is None:
        return None
    return [None if np.isnan(v) else float(v) for v in value]


def save(
    encoder: Any, path: str | os.PathLike[str], metrics: dict[str, float] | None = None
) -> None:
    """Write a fitted encoder to a model file that runs no code when loaded.

    Parameters
    ----------
    encoder : TextCNNEncoder, TextRNNEncoder or TfidfLinearEncoder
        Fitted.
    path : str or os.PathLike
        Destination, written atomically.
    metrics : dict of str to float or None, default=None
        Figures to keep with the model (e.g. out-of-fold accuracy), shown by
        ``textcnn info``.
    """
    container.write(encoder_state(encoder), path, metrics)


def load(path: str | os.PathLike[str], classes: Sequence[type]) -> Any:
    """Read a model file into a fitted encoder of one of ``classes`` (by class name).

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    classes : sequence of type
        The encoder classes a file may name.

    Returns
    -------
    TextCNNEncoder, TextRNNEncoder or TfidfLinearEncoder
        The fitted encoder, on the CPU.
    """
    state = container.read(path)
    cls = {c.__name__: c for c in classes}.get(state["class"])
    if cls is None:
        raise ValueError(f"{path}: unknown encoder class {state['class']!r}")
    encoder = encoder_from_state(cls, state)
    logger.info(
        "loaded %s: %s for column(s) %s, %d network(s) each",
        path,
        state["class"],
        state["fitted"]["feature_names_in"] or state["fitted"]["n_features_in"],
        len(encoder.models_[0]),
    )
    return encoder
