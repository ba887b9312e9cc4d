"""Scale-out on Dask: partition-wise ``transform`` of a Dask DataFrame, and the cluster I/O.

Fold training needs nothing from here: the encoders dispatch their folds through joblib,
so under ``joblib.parallel_config(backend="dask")`` (with a ``distributed.Client``) the
folds run on the Dask workers. This module covers batch featurization::

    import dask.dataframe as dd
    from textcnn.dask import transform

    ddf = dd.read_parquet("reviews/*.parquet")
    features = transform(ddf, encoder, keep=["id"])   # lazy, one task per partition
    features.to_parquet("features/")

Needs the ``dask`` extra (``pip install 'textcnn[dask]'``).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .io import csv_floats, csv_options

__all__ = [
    "WORKER_ENV",
    "check_destination",
    "expand",
    "local_cluster",
    "read_table",
    "transform",
    "transform_partition",
    "write_table",
]

logger = logging.getLogger(__name__)


#: Environment of worker processes started by :func:`local_cluster`. Dask's default sets
#: ``MALLOC_TRIM_THRESHOLD_=65536``, which (as any explicit glibc trim threshold) turns off
#: the dynamic mmap threshold: every tensor over 128 KiB is then mmap'ed and unmapped again,
#: and training ran 1.4x slower per fold on the workers here. Unset, the default rules.
WORKER_ENV = {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1}


def local_cluster(n_workers: int | None = None, **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` set up for torch work on this machine.

    One single-threaded worker process per core (``n_workers``), loopback only, no
    dashboard, and worker processes started without Dask's ``MALLOC_TRIM_THRESHOLD_``
    (see :data:`WORKER_ENV`). For your own clusters, set the Dask config key
    ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_`` to null likewise.

    Parameters
    ----------
    n_workers : int or None, default=None
        Worker processes (None: one per core).
    **kwargs
        Passed to ``LocalCluster``.

    Returns
    -------
    distributed.LocalCluster

    Examples
    --------
    Its workers run single-threaded, without Dask's glibc trim threshold:

    >>> import os
    >>> from distributed import Client
    >>> from textcnn.dask import local_cluster
    >>> with local_cluster(n_workers=1) as cluster, Client(cluster) as client:
    ...     print(client.submit(os.environ.get, "MALLOC_TRIM_THRESHOLD_").result())
    ...     print(list(client.nthreads().values()))
    None
    [1]
    """
    import dask
    from distributed import LocalCluster

    options = dict(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with dask.config.set({"distributed.nanny.pre-spawn-environ": WORKER_ENV}):
        return LocalCluster(**{**options, **kwargs})


def transform_partition(
    part: pd.DataFrame, encoder: Any, text: Sequence[str], keep: Sequence[str]
) -> pd.DataFrame:
    """Featurize one partition: ``keep`` columns, then the encoder's output columns.

    The encoder's thread policy (:mod:`textcnn._threads`) gives torch at most as many
    threads as the worker has (so two single-thread workers on a two-core machine do
    not fight over the cores).

    Parameters
    ----------
    part : pandas.DataFrame
        One partition.
    encoder : fitted encoder
        A fitted :class:`~textcnn.TextCNNEncoder` (or sibling).
    text : sequence of str
        Its text columns.
    keep : sequence of str
        Columns copied to the output first.

    Returns
    -------
    pandas.DataFrame
        Same index as ``part``.

    Examples
    --------
    >>> import pandas as pd
    >>> from textcnn import TfidfLinearEncoder
    >>> from textcnn.dask import transform_partition
    >>> train = pd.DataFrame({"review": ["good film", "bad film", "great", "awful"] * 5})
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TfidfLinearEncoder(cv=2, random_state=0).fit(train, y)
    >>> part = pd.DataFrame({"id": [7, 8], "review": ["good", "bad"]}, index=[10, 11])
    >>> out = transform_partition(part, enc, ["review"], ["id"])
    >>> out.columns.tolist(), out.index.tolist()
    (['id', 'review__tfidf_pos'], [10, 11])
    >>> transform_partition(part.iloc[:0], enc, ["review"], ["id"]).dtypes.tolist()
    [dtype('int64'), dtype('float64')]
    """
    names = [str(n) for n in encoder.get_feature_names_out()]
    if len(part) == 0:
        features = pd.DataFrame({n: pd.Series(dtype="float64") for n in names}, index=part.index)
    else:
        features = pd.DataFrame(
            encoder.transform(part[list(text)]), index=part.index, columns=names
        )
    return pd.concat([part[list(keep)], features], axis=1)


def transform(ddf: Any, encoder: Any, *, keep: Sequence[str] = ()) -> Any:
    """Lazily featurize a Dask DataFrame, partition by partition.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Holds the text columns the encoder was fitted on (by name).
    encoder : fitted encoder
        Shipped to the workers once (as one graph key), not once per partition.
    keep : sequence of str, default=()
        Columns copied to the output before the features (e.g. an id).

    Returns
    -------
    dask.dataframe.DataFrame
        ``keep`` columns then ``encoder.get_feature_names_out()`` (float64), with the
        partitions and index of ``ddf``.

    Raises
    ------
    ValueError
        If the encoder was not fitted on named columns, or a column is missing.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from textcnn import TfidfLinearEncoder
    >>> from textcnn.dask import transform
    >>> train = pd.DataFrame({"review": ["good film", "bad film", "great", "awful"] * 5})
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TfidfLinearEncoder(cv=2, random_state=0).fit(train, y)
    >>> new = pd.DataFrame({"id": range(6), "review": ["good film", "awful"] * 3})
    >>> ddf = dd.from_pandas(new, npartitions=3)
    >>> features = transform(ddf, enc, keep=["id"])      # lazy: nothing computed yet
    >>> features.npartitions, list(features.columns)
    (3, ['id', 'review__tfidf_pos'])
    >>> computed = features.compute(scheduler="sync")
    >>> expected = enc.transform(new[["review"]])[:, 0]
    >>> bool((computed["review__tfidf_pos"].to_numpy() == expected).all())
    True
    """
    import dask

    text = getattr(encoder, "feature_names_in_", None)
    if text is None:
        raise ValueError("the encoder was not fitted on named columns (fit it on a DataFrame)")
    text = [str(c) for c in text]
    missing = [c for c in [*text, *keep] if c not in ddf.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in the data (has {list(ddf.columns)})")
    meta = transform_partition(ddf._meta, encoder, text, keep)
    shipped = dask.delayed(encoder, pure=True, traverse=False)
    return ddf.map_partitions(
        transform_partition, shipped, text, list(keep), meta=meta, align_dataframes=False
    )


def expand(patterns: Sequence[str]) -> list[str]:
    r"""Files named by paths or glob patterns, sorted; an error names what matched nothing.

    Parameters
    ----------
    patterns : sequence of str
        Paths or glob patterns (``logs/2026-11-*.csv``).

    Returns
    -------
    list of str
        The files, each pattern's matches sorted, in the order of ``patterns``.

    Raises
    ------
    FileNotFoundError
        If a path does not exist or a pattern matches nothing (naming it).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.dask import expand
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.csv", "notes.txt"):
    ...     _ = (folder / name).write_text("id\n1\n")
    >>> [pathlib.Path(f).name for f in expand([str(folder / "*.csv")])]
    ['a.csv', 'b.csv']
    >>> expand([str(folder / "*.parquet")])
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...*.parquet: no such file
    """
    files: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        found = [f for f in found if os.path.exists(f)]
        if not found:
            raise FileNotFoundError(f"{pattern}: no such file")
        files.extend(found)
    return files


def read_table(
    files: Sequence[str],
    columns: Sequence[str] | None = None,
    text: Sequence[str] = (),
    sep: str | None = None,
    encoding: str = "utf-8",
    blocksize: str = "64MB",
) -> Any:
    r"""One Dask DataFrame over many CSV/TSV or Parquet files (all of one kind).

    Parameters
    ----------
    files : sequence of str
        Paths (see :func:`expand`).
    columns : sequence of str or None, default=None
        Columns to read (None: all).
    text : sequence of str, default=()
        Text columns, read as strings (CSV); the others' types are inferred.
    sep : str or None, default=None
        CSV delimiter (None: sniffed from the first file). CSV is read by the rule of
        :func:`textcnn.io.csv_options`, as the single-file reader does.
    encoding : str, default="utf-8"
        CSV encoding.
    blocksize : str, default="64MB"
        CSV bytes per partition.

    Returns
    -------
    dask.dataframe.DataFrame

    Examples
    --------
    Two CSV files, the text column read as strings:

    >>> import pathlib, tempfile
    >>> from textcnn.dask import read_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("id,review\n1,007\n")
    >>> _ = (folder / "b.csv").write_text("id,review\n2,NA\n")
    >>> ddf = read_table([str(folder / "a.csv"), str(folder / "b.csv")], text=["review"])
    >>> ddf.npartitions
    2
    >>> ddf.compute(scheduler="sync")["review"].tolist()
    ['007', 'NA']
    """
    import dask.dataframe as dd

    parquet = [f.endswith((".parquet", ".pq")) for f in files]
    if any(parquet) and not all(parquet):
        raise ValueError("mix of Parquet and CSV inputs; give one kind")
    cols = None if columns is None else list(columns)
    if all(parquet):
        return dd.read_parquet(list(files), columns=cols)
    # the rule of the single-file reader (textcnn.io.csv_options), from the first file
    options = csv_options(files[0], sep, encoding, text)
    options["dtype"] = {c: "object" for c in text}
    compressed = any(f.endswith(".gz") for f in files)
    return dd.read_csv(
        list(files),
        usecols=cols,
        blocksize=None if compressed else blocksize,
        **options,
    )


def check_destination(out: str | os.PathLike[str]) -> Path:
    """``out`` if Dask can write it (``.parquet``, ``.csv``, ``.tsv``), else a ValueError.

    Parameters
    ----------
    out : str or os.PathLike
        The destination of :func:`write_table`.

    Returns
    -------
    pathlib.Path
        ``out`` as a path.

    Raises
    ------
    ValueError
        For any other suffix (e.g. ``.csv.gz``: Dask writes one file per partition or
        one plain text file).

    Examples
    --------
    >>> from textcnn.dask import check_destination
    >>> check_destination("features.parquet").name
    'features.parquet'
    >>> check_destination("features.csv.gz")
    Traceback (most recent call last):
    ...
    ValueError: features.csv.gz: with Dask, write .parquet (a directory of parts) or .csv/.tsv
    """
    out = Path(out)
    if out.suffix not in (".parquet", ".csv", ".tsv"):
        raise ValueError(f"{out}: with Dask, write .parquet (a directory of parts) or .csv/.tsv")
    return out


def write_table(ddf: Any, out: str | os.PathLike[str], features: Sequence[str] = ()) -> int:
    """Compute ``ddf`` and write it atomically; return the number of rows.

    ``.parquet``: a directory of part files (one per partition); ``.csv`` / ``.tsv``:
    one file. Written beside ``out`` under a temporary name, then renamed.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        What to write.
    out : str or os.PathLike
        Destination.
    features : sequence of str, default=()
        Feature columns, written to CSV at float32 precision
        (:func:`textcnn.io.csv_floats`); Parquet keeps the frame's types.

    Returns
    -------
    int
        Rows written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from textcnn.dask import write_table
    >>> frame = pd.DataFrame({"id": [1, 2, 3], "x__textcnn": [0.1, 0.5, 3.0780715942382812]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "features.csv"
    >>> write_table(dd.from_pandas(frame, npartitions=2), out, features=["x__textcnn"])
    3
    >>> print(out.read_text(), end="")
    id,x__textcnn
    1,0.1
    2,0.5
    3,3.0780716
    """
    import dask

    out = check_destination(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        target = tmp / out.name
        if out.suffix == ".parquet":
            write = ddf.to_parquet(target, write_index=False, compute=False)
        else:
            sep = "\t" if out.suffix == ".tsv" else ","
            write = csv_floats(ddf, features).to_csv(
                target, single_file=True, index=False, sep=sep, compute=False
            )
        # one pass: the row count shares the transform tasks with the write (to_csv gives
        # delayed objects, the count an expression: dask warns about mixing the two)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Computing mixed collections")
            _, rows = dask.compute(write, ddf.map_partitions(len).sum())
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        os.replace(target, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return int(rows)
