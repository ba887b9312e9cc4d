"""Tables: chunked CSV/Parquet reading (one rule, shared with the Dask reader) and writing.

The atomic-write helpers of :mod:`textcnn._atomic` are re-exported here, the public home
of the package's file helpers. Model files are :mod:`textcnn._model_file`'s.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_open, atomic_path, write_text_atomic

__all__ = [
    "ReadError",
    "TableWriter",
    "atomic_open",
    "atomic_path",
    "csv_floats",
    "csv_options",
    "read_chunks",
    "write_text_atomic",
]

logger = logging.getLogger(__name__)

#: pandas' default missing-value markers (``read_csv``'s ``na_values``), for the
#: columns that are not text.
_DEFAULT_NA = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
               "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan",
               "null"]  # fmt: skip


class ReadError(ValueError):
    r"""A table that cannot be read as given, and the option that would fix it.

    ``str()`` is the message with the fix in Python terms (``try encoding='cp1252'``);
    the CLI words the same fix as its flag (``try --encoding cp1252``).

    Parameters
    ----------
    message : str
        What went wrong, naming the file.
    option : str
        The reading option to change (``"sep"``, ``"encoding"``).
    value : str or None
        A value to try, or None to say "give it".

    Examples
    --------
    A Windows-1252 file read as UTF-8:

    >>> import pathlib, tempfile
    >>> from textcnn.io import ReadError, read_chunks
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_bytes(b"text,label\ncaf\xe9,1\n")
    >>> try:
    ...     next(read_chunks(path, None, ["text"], ["text"], None, None, "utf-8"))
    ... except ReadError as exc:
    ...     print(exc.option, exc.value)
    ...     print(str(exc).split(": ", 1)[1])
    encoding cp1252
    cannot decode byte b'\xe9' at position 14 as utf-8; try encoding='cp1252'
    """

    def __init__(self, message: str, option: str, value: str | None) -> None:
        self.message, self.option, self.value = message, option, value
        fix = f"{option}={value!r}" if value is not None else f"giving {option}"
        super().__init__(f"{message}; try {fix}")


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _sniff_sep(path: Path, encoding: str) -> str:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding=encoding, newline="") as fh:
            sample = fh.read(65536)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    if not sample.strip():
        raise ValueError(f"{path}: the file is empty")
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> ReadError:
    hint = "cp1252" if encoding.lower().replace("-", "") == "utf8" else "utf-8"
    return ReadError(
        f"{path}: cannot decode byte {exc.object[exc.start : exc.start + 1]!r} at position "
        f"{exc.start} as {encoding}",
        "encoding",
        hint,
    )


def csv_options(
    path: str | os.PathLike[str],
    sep: str | None,
    encoding: str,
    text_columns: Sequence[str],
) -> dict[str, Any]:
    r"""The ``read_csv`` options of the one CSV reading rule (pandas and Dask alike).

    - **Delimiter:** ``sep``, else sniffed from the first 64 KiB of ``path`` among
      comma, tab, semicolon and bar (comma when unsure), whatever the extension.
    - **Text columns** are read as strings ("007" stays "007"), and only an empty cell
      is missing (read as "" by the encoders): a text that says "NA" or "null" is text.
    - **Other columns** (target, ``--id``, ``--keep``) get pandas' default missing
      markers ("NA", "null", "n/a", ...), so a numeric column with "NA" stays numeric.

    Parameters
    ----------
    path : str or os.PathLike
        The (first) CSV file; its header names the columns.
    sep : str or None
        Delimiter, or None to sniff it.
    encoding : str
        Text encoding.
    text_columns : sequence of str
        Columns holding text.

    Returns
    -------
    dict
        Keyword arguments for ``pandas.read_csv`` / ``dask.dataframe.read_csv``:
        ``sep``, ``encoding``, ``dtype``, ``keep_default_na`` and ``na_values``.

    Examples
    --------
    A semicolon-separated file: the delimiter is sniffed, "NA" stays text in the text
    column and is missing in the others:

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from textcnn.io import csv_options
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text("review;stars\nNA;NA\ngreat;5\n")
    >>> options = csv_options(path, None, "utf-8", ["review"])
    >>> options["sep"]
    ';'
    >>> pd.read_csv(path, **options).to_dict("list")
    {'review': ['NA', 'great'], 'stars': [nan, 5.0]}
    """
    import pandas as pd

    path = Path(path)
    sep = sep or _sniff_sep(path, encoding)
    try:
        header = pd.read_csv(path, sep=sep, encoding=encoding, nrows=0).columns.tolist()
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{path}: the file is empty") from exc
    text = set(text_columns)
    return {
        "sep": sep,
        "encoding": encoding,
        "dtype": {c: str for c in text_columns},
        "keep_default_na": False,
        "na_values": {c: [""] if c in text else _DEFAULT_NA for c in header},
    }


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
    r"""Yield DataFrames from a CSV (optionally gzip'd) or Parquet file.

    CSV follows :func:`csv_options` (the rule the Dask reader shares): text columns are
    strings and only their empty cells are missing (NaN, which the encoders read as "").

    Parameters
    ----------
    path : pathlib.Path
        A ``.csv``, ``.tsv``, ``.csv.gz`` or ``.parquet`` file.
    columns : sequence of str or None
        Columns to read; None reads all.
    required : sequence of str
        Columns that must exist: a missing one is a ``ValueError`` naming the file.
    text_columns : sequence of str
        Columns holding text (CSV only: read as strings).
    chunksize : int or None
        Rows per chunk; None yields one DataFrame with the whole file.
    sep : str or None
        CSV delimiter; None sniffs it.
    encoding : str
        CSV text encoding.

    Yields
    ------
    pandas.DataFrame
        The next chunk of rows.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    ValueError
        If the file is empty, has no data rows, lacks a required column or cannot be
        decoded (a :class:`ReadError` names the option to change).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.io import read_chunks
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text("id,review\n1,great\n2,\n3,null\n")
    >>> for chunk in read_chunks(path, None, ["review"], ["review"], 2, None, "utf-8"):
    ...     print(chunk["review"].tolist())
    ['great', nan]
    ['null']
    >>> next(read_chunks(path, None, ["text"], ["text"], None, None, "utf-8"))
    Traceback (most recent call last):
    ...
    ValueError: ...reviews.csv: no column 'text' (columns: id, review)
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
        options = csv_options(path, sep, encoding, text_columns)
        _check_columns(path, list(options["na_values"]), required)
        reader = pd.read_csv(
            path,
            usecols=None if columns is None else list(columns),
            chunksize=chunksize,
            **options,
        )
        if chunksize is None:
            if reader.empty:
                raise ValueError(f"{path}: no data rows")
            yield reader
            return
        with reader:
            yield from reader
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{path}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        raise ReadError(f"{path}: cannot parse as CSV ({exc})", "sep", None) from exc


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
    r"""Append DataFrame chunks to a CSV (``.csv``, ``.tsv``, ``.csv.gz``) or Parquet file.

    Parameters
    ----------
    path : pathlib.Path
        Where to write (e.g. the temporary path of :func:`atomic_path`).
    final_name : pathlib.Path
        The destination, whose suffix says the format.
    features : sequence of str, default=()
        Feature columns, written to CSV at float32 precision (see :func:`csv_floats`);
        Parquet keeps the frame's types.

    Examples
    --------
    Two chunks into one CSV, written atomically (the destination appears only when the
    block succeeds):

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from textcnn.io import TableWriter, atomic_path
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "features.csv"
    >>> with atomic_path(out) as tmp:
    ...     writer = TableWriter(tmp, out, features=["x__textcnn"])
    ...     writer.write(pd.DataFrame({"id": [1], "x__textcnn": [0.1]}))
    ...     writer.write(pd.DataFrame({"id": [2], "x__textcnn": [0.25]}))
    ...     writer.close()
    >>> print(out.read_text(), end="")
    id,x__textcnn
    1,0.1
    2,0.25
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
