"""The container of a model file: a zip that runs no code when loaded.

A file holds ``manifest.json`` (format version, class, parameters, ``set_output``
configuration, fitted attributes, metrics, sha256 of the other members),
``vocabularies.json``, ``ngrams.json`` and ``tensors.npz`` (arrays, read back with
``allow_pickle=False``). It writes and reads a *state* -- ``"class"``, ``"params"``,
``"output_config"``, ``"fitted"`` (JSON-able) and ``"arrays"`` (name -> ndarray) --
which :mod:`textcnn._model_file.state` makes from an encoder and turns back into one.

Parameters are stored as JSON; a scikit-learn splitter (``cv=StratifiedKFold(...)``)
as its class and arguments, and explicit folds as index lists, so they round-trip. A
parameter that cannot be written (e.g. ``embeddings=`` a gensim ``KeyedVectors``) is
stored as None, with a warning at save and an entry under ``"replaced_params"`` in the
manifest (shown by ``textcnn info``).
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import logging
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_path
from .._version import __version__

logger = logging.getLogger(__name__)

MODEL_FORMAT = "textcnn-model"
#: 2: n-gram vocabularies of the linear blend branch; 3: network shapes, splitters.
MODEL_FORMAT_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)
_MEMBERS = {1: ("vocabularies.json", "tensors.npz")}
_MEMBERS_DEFAULT = ("vocabularies.json", "tensors.npz", "ngrams.json")
#: Manifest keys that are not fitted attributes.
_OWN_KEYS = (
    "format",
    "format_version",
    "textcnn_version",
    "class",
    "params",
    "replaced_params",
    "metrics",
    "output_config",
    "sha256",
)


class _Unstorable(Exception):
    """A parameter value with no JSON form."""


def _splitter_module() -> Any:
    import sklearn.model_selection

    return sklearn.model_selection


def encode_param(value: Any) -> Any:
    """A parameter value as JSON; raises :class:`_Unstorable` when it has none.

    Plain values as they are, tuples as lists, paths as str; a splitter of
    ``sklearn.model_selection`` as ``{"splitter": name, "params": {...}}``; explicit
    folds (a list of ``(train, test)`` index arrays) as ``{"folds": [[train, test], ...]}``.

    Examples
    --------
    >>> from sklearn.model_selection import StratifiedKFold
    >>> encode_param(StratifiedKFold(3, shuffle=True, random_state=1))
    {'splitter': 'StratifiedKFold', 'params': {'n_splits': 3, 'random_state': 1, 'shuffle': True}}
    >>> decode_param(encode_param((3, 4, 5)))
    (3, 4, 5)
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (tuple, list)) and value and all(_is_fold(f) for f in value):
        return {"folds": [[np.asarray(part).tolist() for part in fold] for fold in value]}
    if isinstance(value, (tuple, list)):
        return [encode_param(v) for v in value]
    cls = type(value)
    if getattr(_splitter_module(), cls.__name__, None) is cls and hasattr(value, "split"):
        names = [
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        params = {name: encode_param(getattr(value, name)) for name in sorted(names)}
        return {"splitter": cls.__name__, "params": params}
    raise _Unstorable(repr(value))


def _is_fold(value: Any) -> bool:
    """A ``(train, test)`` pair of index arrays."""
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(part, (np.ndarray, list)) for part in value)
    )


def decode_param(value: Any) -> Any:
    """The inverse of :func:`encode_param` (JSON lists become tuples)."""
    if isinstance(value, list):
        return tuple(decode_param(v) for v in value)
    if isinstance(value, dict) and "splitter" in value:
        cls = getattr(_splitter_module(), value["splitter"], None)
        if not (isinstance(cls, type) and hasattr(cls, "split")):
            raise ValueError(f"unknown splitter {value['splitter']!r}")
        return cls(**{k: decode_param(v) for k, v in value["params"].items()})
    if isinstance(value, dict) and "folds" in value:
        return [tuple(np.asarray(part, dtype=np.int64) for part in f) for f in value["folds"]]
    if isinstance(value, dict):  # format 1-2: an object stored as its repr
        return None
    return value


def write(
    state: dict[str, Any], path: str | os.PathLike[str], metrics: dict[str, float] | None = None
) -> None:
    """Write an encoder's state to a model file, atomically.

    Parameters
    ----------
    state : dict
        ``"class"``, ``"params"``, ``"output_config"``, ``"fitted"`` (with
        ``"vocabularies"`` and ``"ngrams"``) and ``"arrays"``.
    path : str or os.PathLike
        Destination.
    metrics : dict of str to float or None, default=None
        Figures to keep with the model (e.g. out-of-fold accuracy), shown by
        ``textcnn info``.
    """
    params, replaced = {}, {}
    for name, value in state["params"].items():
        try:
            params[name] = encode_param(value)
        except _Unstorable as exc:
            params[name], replaced[name] = None, str(exc)
            logger.warning(
                "%s: parameter %s=%s has no form a model file can hold; stored None "
                "instead (the fitted networks do not need it; set it again before a refit)",
                path,
                name,
                exc,
            )
    fitted = dict(state["fitted"])
    arrays = state["arrays"]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    blobs = {
        "vocabularies.json": json.dumps(fitted.pop("vocabularies"), ensure_ascii=False).encode(),
        "tensors.npz": buf.getvalue(),
        "ngrams.json": json.dumps(fitted.pop("ngrams"), ensure_ascii=False).encode(),
    }
    manifest = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "textcnn_version": __version__,
        "class": state["class"],
        "params": params,
        "replaced_params": replaced,
        **fitted,
        "metrics": metrics or {},
        "output_config": state.get("output_config", {}),
        "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in blobs.items()},
    }
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
            for name, blob in blobs.items():
                zf.writestr(name, blob)


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a model file's manifest (format, version, checksums).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`write`.

    Returns
    -------
    dict
        The manifest, plus the verified member blobs under ``"_blobs"``.

    Raises
    ------
    ValueError
        Not a textcnn model file, truncated or tampered with, or a format version
        this release cannot read.
    FileNotFoundError
        No such file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if not isinstance(manifest, dict) or manifest.get("format") != MODEL_FORMAT:
                raise ValueError(f"{path}: not a textcnn model file (no {MODEL_FORMAT!r} manifest)")
            version = manifest.get("format_version")
            if version in _READABLE_VERSIONS:
                members = _MEMBERS.get(version, _MEMBERS_DEFAULT)
                blobs = {name: zf.read(name) for name in members}
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, EOFError, OSError) as exc:
        raise ValueError(f"{path}: not a textcnn model file, or truncated ({exc})") from exc
    if version not in _READABLE_VERSIONS:
        raise ValueError(
            f"{path}: model format version {version!r}; this textcnn reads versions "
            f"{_READABLE_VERSIONS} (saved by textcnn {manifest.get('textcnn_version')})"
        )
    for name, blob in blobs.items():
        if hashlib.sha256(blob).hexdigest() != manifest.get("sha256", {}).get(name):
            raise ValueError(f"{path}: checksum mismatch in {name}: the file is damaged")
    manifest["_blobs"] = blobs
    return manifest


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An encoder's state from a model file (the inverse of :func:`write`).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`write`.

    Returns
    -------
    dict
        ``"class"``, ``"params"`` (decoded), ``"output_config"``, ``"fitted"`` and
        ``"arrays"`` (name -> ndarray), as they were written.
    """
    manifest = read_manifest(path)
    blobs = manifest.pop("_blobs")
    try:
        params = {k: decode_param(v) for k, v in manifest["params"].items()}
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: unreadable parameters ({exc})") from exc
    fitted = {k: v for k, v in manifest.items() if k not in _OWN_KEYS}
    fitted["vocabularies"] = json.loads(blobs["vocabularies.json"])
    ngrams = blobs.get("ngrams.json")
    fitted["ngrams"] = None if ngrams is None else json.loads(ngrams)
    with np.load(io.BytesIO(blobs["tensors.npz"]), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    logger.debug(
        "read %s: %s for column(s) %s",
        path,
        manifest["class"],
        fitted.get("feature_names_in") or fitted.get("n_features_in"),
    )
    return {
        "class": manifest["class"],
        "params": params,
        "output_config": manifest.get("output_config", {}),
        "fitted": fitted,
        "arrays": arrays,
    }
