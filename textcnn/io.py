"""Files: atomic writes, chunked CSV/Parquet tables, model files that run no code on load."""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import logging
import os
import secrets
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched,
    so readers never see a half-written file.

    Parameters
    ----------
    path : str or os.PathLike
        The final destination.

    Yields
    ------
    pathlib.Path
        Where to write.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temp_file(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_temp_file(path: Path) -> Path:
    """Create an empty, uniquely named file beside ``path`` and return its path.

    Created like ``open(name, "x")``: with mode ``0o666 & ~umask``, the mode a plain
    write gives, which the final file keeps after the rename. (``tempfile.mkstemp``
    creates mode 0600, meant for shared temp directories; here the file sits in the
    destination's own directory and becomes the destination.)
    """
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"{path.parent}: no free temporary name for {path.name}")


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO]:
    """``open`` a temporary file that replaces ``path`` when the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode) as fh:
        yield fh


# ---------------------------------------------------------------------------- tables
def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _sniff_sep(path: Path, encoding: str) -> str:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:
        sample = fh.read(65536)
    if not sample.strip():
        raise ValueError(f"{path}: the file is empty")
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _check_columns(path: Path, available: Sequence[str], wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in available]
    if missing:
        shown = ", ".join(map(str, list(available)[:20]))
        raise ValueError(f"{path}: no column {missing[0]!r} (columns: {shown})")


def read_chunks(
    path: Path,
    columns: Sequence[str] | None,
    required: Sequence[str],
    text_columns: Sequence[str],
    chunksize: int | None,
    sep: str | None,
    encoding: str,
) -> Iterator[Any]:
    """Yield DataFrames from a CSV (optionally gzip'd) or Parquet file.

    ``columns`` are read (None: all); each of ``required`` must exist. Text columns
    are read as strings (so "007" stays "007"); empty cells become NaN, which the
    encoders read as "". With ``chunksize=None`` one DataFrame holds the whole file.
    """
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty")
    if _is_parquet(path):
        import pyarrow.parquet as pq

        try:
            pfile = pq.ParquetFile(path)
        except Exception as exc:
            raise ValueError(f"{path}: not a readable Parquet file ({exc})") from exc
        _check_columns(path, pfile.schema_arrow.names, required)
        if pfile.metadata.num_rows == 0:
            raise ValueError(f"{path}: no data rows")
        cols = None if columns is None else list(columns)
        for batch in pfile.iter_batches(batch_size=chunksize or 1 << 30, columns=cols):
            yield batch.to_pandas()
        return
    try:
        sep = sep or _sniff_sep(path, encoding)
        header = pd.read_csv(path, sep=sep, encoding=encoding, nrows=0).columns.tolist()
        _check_columns(path, header, required)
        reader = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            usecols=None if columns is None else list(columns),
            dtype={c: str for c in text_columns},
            chunksize=chunksize,
        )
        if chunksize is None:
            if reader.empty:
                raise ValueError(f"{path}: no data rows")
            yield reader
            return
        with reader:
            yield from reader
    except UnicodeDecodeError as exc:
        hint = "cp1252" if encoding.lower().replace("-", "") == "utf8" else "utf-8"
        raise ValueError(
            f"{path}: cannot decode byte {exc.object[exc.start : exc.start + 1]!r} at position "
            f"{exc.start} as {encoding}; try encoding {hint} or latin-1 (CLI: --encoding {hint})"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{path}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: cannot parse as CSV ({exc}); try --sep") from exc


def csv_floats(frame: Any, features: Sequence[str]) -> Any:
    """``frame`` as written to CSV: the ``features`` columns at float32, their precision.

    The networks compute in float32, and pandas writes a float32 value as the shortest
    decimal text that reads back as that same float32 (``3.0780716``, not the float64
    text ``3.0780715942382812``). Other columns (``--id``, ``--keep``) are unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame or dask.dataframe.DataFrame
        A chunk (or Dask frame) about to be written to CSV.
    features : sequence of str
        The encoder's output columns in ``frame``.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        The same frame with those columns as float32.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": [7], "x__textcnn": [3.0780715942382812]})
    >>> print(csv_floats(frame, ["x__textcnn"]).to_csv(index=False), end="")
    id,x__textcnn
    7,3.0780716
    """
    return frame.astype({c: np.float32 for c in features})


class TableWriter:
    """Append DataFrame chunks to a CSV (``.csv``, ``.tsv``, ``.csv.gz``) or Parquet file.

    Parameters
    ----------
    path : pathlib.Path
        Where to write (e.g. the temporary path of :func:`atomic_path`).
    final_name : pathlib.Path
        The destination, whose suffix says the format.
    features : sequence of str, default=()
        Feature columns, written to CSV at float32 precision (see :func:`csv_floats`);
        Parquet keeps the frame's types.
    """

    def __init__(self, path: Path, final_name: Path, features: Sequence[str] = ()) -> None:
        self.path = path
        self.parquet = _is_parquet(final_name)
        self.sep = "\t" if ".tsv" in final_name.suffixes else ","
        self.gzip = final_name.suffix.lower() == ".gz"
        self.features = list(features)
        self._writer: Any = None
        self._fh: Any = None

    def write(self, frame: Any) -> None:
        """Append one chunk."""
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
            return
        frame = csv_floats(frame, self.features)
        if self._fh is None:
            opener = gzip.open if self.gzip else open
            self._fh = opener(self.path, "wt", encoding="utf-8", newline="")
            frame.to_csv(self._fh, sep=self.sep, index=False)
        else:
            frame.to_csv(self._fh, sep=self.sep, index=False, header=False)

    def close(self) -> None:
        """Flush and close."""
        if self._writer is not None:
            self._writer.close()
        if self._fh is not None:
            self._fh.close()


# ---------------------------------------------------------------------------- model files
MODEL_FORMAT = "textcnn-model"
MODEL_FORMAT_VERSION = 2  # 2: n-gram vocabularies of the linear blend branch
_READABLE_VERSIONS = (1, 2)
_MEMBERS = ("vocabularies.json", "tensors.npz")
_MEMBERS_V2 = (*_MEMBERS, "ngrams.json")


def _jsonable(value: Any) -> Any:
    """Parameters as JSON: plain values kept, tuples as lists, objects as their repr."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.generic):
        return value.item()
    return {"repr": repr(value)}


def save_model(
    encoder: Any, path: str | os.PathLike[str], metrics: dict[str, float] | None = None
) -> None:
    """Write a fitted encoder to a model file that runs no code when loaded.

    The file is a zip of ``manifest.json`` (format version, class, parameters,
    ``set_output`` configuration, fitted attributes, sha256 of the other members),
    ``vocabularies.json`` and ``tensors.npz`` (the networks' weights, read back with
    ``allow_pickle=False``).

    Parameters
    ----------
    encoder : TextCNNEncoder or TextRNNEncoder
        A fitted encoder.
    path : str or os.PathLike
        Destination, written atomically.
    metrics : dict of str to float or None, default=None
        Figures to keep with the model (e.g. out-of-fold accuracy), shown by
        ``textcnn info``.
    """
    from . import __version__

    tensors: dict[str, np.ndarray] = {}
    nets = []
    for c, models in enumerate(encoder.models_):
        column = []
        for m, net in enumerate(models):
            for name, tensor in net.module.state_dict().items():
                tensors[f"{c}/{m}/{name}"] = tensor.detach().cpu().numpy()
            if net.linear is not None:
                tensors[f"linear/{c}/{m}/coef"] = net.linear.coef
                tensors[f"linear/{c}/{m}/intercept"] = net.linear.intercept
            column.append(
                {
                    "task": net.task,
                    "target_mean": net.target_mean,
                    "target_scale": net.target_scale,
                    "best_epoch": net.best_epoch,
                }
            )
        nets.append(column)
    ngrams = []
    for c, vectorizer in enumerate(getattr(encoder, "ngram_vectorizers_", [])):
        if vectorizer is None:
            ngrams.append(None)
            continue
        ngrams.append(vectorizer.get_feature_names_out().tolist())  # in column order
        tensors[f"ngrams/{c}/idf"] = vectorizer.idf_.astype(np.float64)
    buf = io.BytesIO()
    np.savez(buf, **tensors)
    blobs = {
        "vocabularies.json": json.dumps(encoder.vocabularies_, ensure_ascii=False).encode(),
        "tensors.npz": buf.getvalue(),
        "ngrams.json": json.dumps(ngrams, ensure_ascii=False).encode(),
    }
    names = getattr(encoder, "feature_names_in_", None)
    classes = getattr(encoder, "classes_", None)
    manifest = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "textcnn_version": __version__,
        "class": type(encoder).__name__,
        "params": {k: _jsonable(v) for k, v in encoder.get_params().items()},
        "embedding_mode": encoder._effective_mode(),
        "n_features_in": int(encoder.n_features_in_),
        "feature_names_in": None if names is None else [str(n) for n in names],
        "target_type": encoder.target_type_,
        "classes": None if classes is None else classes.tolist(),
        "embedding_coverage": encoder.embedding_coverage_,
        "networks": nets,
        "metrics": metrics or {},
        # set_output(transform=...) as sklearn keeps it, e.g. {"transform": "pandas"}
        "output_config": {
            k: v
            for k, v in getattr(encoder, "_sklearn_output_config", {}).items()
            if isinstance(v, str)
        },
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
        A file written by :func:`save_model`.

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
            members = _MEMBERS if version == 1 else _MEMBERS_V2
            if version in _READABLE_VERSIONS:
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


def load_model(path: str | os.PathLike[str]) -> Any:
    """Load an encoder saved by :func:`save_model` (on the CPU, ready to ``transform``).

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    TextCNNEncoder or TextRNNEncoder
        The fitted encoder.
    """
    import torch

    from . import _encoders, _ngram, _training
    from ._nn import WordEmbedding

    manifest = read_manifest(path)
    classes = {
        "TextCNNEncoder": _encoders.TextCNNEncoder,
        "TextRNNEncoder": _encoders.TextRNNEncoder,
    }
    cls = classes.get(manifest["class"])
    if cls is None:
        raise ValueError(f"{path}: unknown encoder class {manifest['class']!r}")
    params = {
        k: (None if isinstance(v, dict) else tuple(v) if isinstance(v, list) else v)
        for k, v in manifest["params"].items()
    }
    encoder = cls(**params)
    # set_output(transform="pandas") survives the file (no "output_config" in older files)
    encoder.set_output(transform=manifest.get("output_config", {}).get("transform"))
    encoder.n_features_in_ = manifest["n_features_in"]
    if manifest["feature_names_in"] is not None:
        encoder.feature_names_in_ = np.asarray(manifest["feature_names_in"], dtype=object)
    encoder.target_type_ = manifest["target_type"]
    if manifest["classes"] is not None:
        encoder.classes_ = np.asarray(manifest["classes"])
    encoder.embedding_coverage_ = manifest["embedding_coverage"]
    encoder.vocabularies_ = json.loads(manifest["_blobs"]["vocabularies.json"])
    with np.load(io.BytesIO(manifest["_blobs"]["tensors.npz"]), allow_pickle=False) as npz:
        tensors = {k: torch.from_numpy(npz[k]) for k in npz.files}
    mode = manifest["embedding_mode"]
    encoder.models_ = []
    for c, column in enumerate(manifest["networks"]):
        nets = []
        for m, info in enumerate(column):
            state = {k.split("/", 2)[2]: v for k, v in tensors.items() if k.startswith(f"{c}/{m}/")}
            vocab, dim = state["embedding.tuned.weight"].shape
            placeholder = None if mode == "rand" else torch.zeros(vocab, dim)
            module = encoder._build_module(
                WordEmbedding(vocab, dim, mode, placeholder),
                state["output.weight"].shape[0],
                info["task"],
            )
            module.load_state_dict(state, strict=True)
            net = _training.FittedNet(module.eval(), **info)
            if f"linear/{c}/{m}/coef" in tensors:
                net.linear = _ngram.LinearHead(
                    tensors[f"linear/{c}/{m}/coef"].numpy(),
                    tensors[f"linear/{c}/{m}/intercept"].numpy(),
                    info["task"],
                )
            nets.append(net)
        encoder.models_.append(nets)
    blob = manifest["_blobs"].get("ngrams.json")
    ngrams = json.loads(blob) if blob is not None else [None] * len(encoder.models_)
    encoder.ngram_vectorizers_ = []
    for c, vocabulary in enumerate(ngrams):
        vectorizer = None
        if vocabulary is not None:
            vectorizer = _ngram.make_vectorizer(
                **_ngram.BLEND_VECTORIZER, lowercase=encoder.lowercase, vocabulary=vocabulary
            )
            vectorizer.idf_ = tensors[f"ngrams/{c}/idf"].numpy()
        encoder.ngram_vectorizers_.append(vectorizer)
    logger.info(
        "loaded %s: %s for column(s) %s, %d network(s) each",
        path,
        manifest["class"],
        manifest["feature_names_in"] or manifest["n_features_in"],
        len(encoder.models_[0]),
    )
    return encoder
