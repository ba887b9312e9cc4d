"""Command line: parse -> library -> write. Every user error is one line and exit code 1.

``textcnn fit-transform``, ``transform`` (streamed in chunks), ``info``, ``demo``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import _demo
from ._cli_options import (  # noqa: F401 (re-exported: the CLI's public names)
    CHAR_CNN_PARAMS,
    CLI_DEFAULTS,
    KINDS,
    NOT_OPTIONS,
    RENAMED,
    EncoderOption,
    UserError,
    _add_encoder_options,
    _LazyParser,
    _positive_int,
    _progress,
    make_encoder,
)
from ._info import describe_target, human, model_lines

__all__ = ["CHAR_CNN_PARAMS", "NOT_OPTIONS", "build_parser", "main"]

logger = logging.getLogger("textcnn")


def _check_output(path: Path, force: bool) -> None:
    """Refuse, before any work, a destination that exists (without --force) or can't be written."""
    from ._atomic import check_writable

    if path.exists() and not force:
        raise UserError(f"{path}: already exists; use --force to overwrite")
    if not path.parent.exists():
        raise UserError(f"{path.parent}: no such directory")
    try:
        check_writable(path)
    except OSError as exc:
        raise UserError(f"{path}: cannot be written ({exc.strerror or exc})") from exc


def _passthrough(columns: Sequence[str], args: argparse.Namespace) -> list[str]:
    """Columns copied to the output: ``--id`` first, then ``--keep`` (bare: all)."""
    cols = [args.id] if args.id else []
    if args.keep is not None:
        cols += [c for c in (args.keep or columns) if c not in cols]
    return cols


def _columns(args: argparse.Namespace, needed: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """(columns to read -- None for all, with a bare ``--keep`` --, columns that must exist)."""
    required = list(dict.fromkeys([*([args.id] if args.id else []), *needed, *(args.keep or [])]))
    return (None if args.keep == [] else required), required


def _in_cli_words(exc: BaseException) -> str:
    """An error's message, its fix worded as a flag (``textcnn.io.ReadError``)."""
    option = getattr(exc, "option", None)
    if option is None:
        return str(exc)
    flag = f"--{option}" + ("" if exc.value is None else f" {exc.value}")
    return f"{exc.message}; try {flag}"


# ----------------------------------------------------------------------------- commands
def _oof_metrics(enc: Any, oof: Any, y: Any) -> dict[str, float]:
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss, r2_score

    metrics = {}
    k = 1 if enc.target_type_ != "multiclass" else len(enc.classes_)
    for c, name in enumerate(enc._column_names()):  # the encoded columns (empty_columns)
        block = oof[:, c * k : (c + 1) * k]
        if enc.target_type_ == "continuous":
            metrics[f"{name}: oof_r2"] = float(r2_score(y, block[:, 0]))
            continue
        proba = block if k > 1 else np.column_stack([1 - block[:, 0], block[:, 0]])
        pred = enc.classes_[proba.argmax(1)]
        metrics[f"{name}: oof_accuracy"] = float(accuracy_score(y, pred))
        metrics[f"{name}: oof_log_loss"] = float(log_loss(y, proba, labels=enc.classes_))
    return metrics


def _fit_resuming(enc: Any, X: Any, y: Any, force: bool) -> Any:
    """``enc.fit_transform``; a checkpoint of another run is cleared under ``--force``."""
    from ._model_file import checkpoint

    try:
        return enc.fit_transform(X, y)
    except checkpoint.StaleCheckpoint as exc:
        if not force:
            raise
        removed = checkpoint.clear(enc.checkpoint_dir)
        logger.warning("%s; --force: removed its %d files, starting over", exc, removed)
        return enc.fit_transform(X, y)


def cmd_fit_transform(args: argparse.Namespace) -> int:
    """Train on TRAIN, write the out-of-fold features and the model."""
    import pandas as pd

    from ._model_file import save
    from .io import TableWriter, atomic_path, read_chunks

    src, out, model_out = Path(args.train), Path(args.out), Path(args.model_out)
    _check_output(out, args.force)
    _check_output(model_out, args.force)
    columns, required = _columns(args, [*args.text, args.target])
    frame = next(read_chunks(src, columns, required, args.text, None, args.sep, args.encoding))
    y = frame[args.target]
    enc = make_encoder(args)  # default output: the model file keeps the Python default
    start = time.perf_counter()
    try:  # the encoder checks the target and the text columns (and names them)
        oof = _fit_resuming(enc, frame[args.text], y, args.force)
    except ValueError as exc:
        raise UserError(f"{src}: {exc}") from exc
    seconds = time.perf_counter() - start
    metrics = _oof_metrics(enc, oof, y.to_numpy())
    feats = pd.DataFrame(oof, columns=enc.get_feature_names_out())
    passthrough = frame[_passthrough(list(frame.columns), args)].reset_index(drop=True)
    result = pd.concat([passthrough, feats], axis=1)
    with atomic_path(out) as tmp:
        writer = TableWriter(tmp, out, features=feats.columns)
        writer.write(result)
        writer.close()
    save(enc, model_out, metrics={**metrics, "fit_seconds": round(seconds, 2)})
    if not args.quiet:
        shown = "  ".join(f"{k} {human(v)}" for k, v in metrics.items())
        classes = getattr(enc, "classes_", None)
        task = describe_target(enc.target_type_, None if classes is None else classes.tolist())
        sys.stdout.write(
            f"{len(frame)} rows -> {out} ({feats.shape[1]} feature columns), model -> "
            f"{model_out}; {task}; {shown}; {seconds:.1f} s\n"
        )
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    """Apply a saved model to DATA, chunk by chunk (bounded memory)."""
    from tqdm.auto import tqdm

    from ._encoders import load
    from ._progress import ProgressLog, as_lines
    from .io import TableWriter, atomic_path, read_chunks

    out = Path(args.out)
    _check_output(out, args.force)
    try:
        enc = load(args.model)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    if getattr(enc, "feature_names_in_", None) is None:
        raise UserError(f"{args.model}: model was not trained on named columns")
    if args.threads is not None and "n_threads" in enc.get_params():
        enc.set_params(n_threads=args.threads)  # the thread policy (textcnn._threads)
    text = [str(c) for c in enc.feature_names_in_]
    if args.dask or args.scheduler:
        return _transform_on_dask(args, enc, text, out)
    if len(args.data) > 1:
        raise UserError("several input files need --dask (or one file per call)")
    src = Path(args.data[0])
    enc.set_output(transform="pandas")
    logger.info("reading %s in chunks of %d rows", src, args.chunksize)
    rows = 0
    start = time.perf_counter()
    columns, required = _columns(args, text)
    chunks = read_chunks(src, columns, required, text, args.chunksize, args.sep, args.encoding)
    bar = tqdm(desc="rows", unit="row", disable=None if _progress(args) else True)
    lines = ProgressLog(as_lines(not args.quiet))
    with atomic_path(out) as tmp:
        writer = TableWriter(tmp, out, features=enc.get_feature_names_out())
        try:
            for chunk in chunks:
                feats = enc.transform(chunk[text])
                keep = chunk[_passthrough(list(chunk.columns), args)].reset_index(drop=True)
                writer.write(keep.join(feats.reset_index(drop=True)))
                rows += len(chunk)
                bar.update(len(chunk))
                logger.info("%d rows featurized (%.1f s)", rows, time.perf_counter() - start)
                if lines.due():
                    lines.log("transform: %d rows, %.0f s elapsed", rows, lines.elapsed())
        finally:
            writer.close()
            bar.close()
    seconds = time.perf_counter() - start
    logger.info("wrote %s", out)
    if not args.quiet:
        sys.stdout.write(
            f"{rows} rows -> {out} in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s)\n"
        )
    return 0


def _transform_on_dask(args: argparse.Namespace, enc: Any, text: list[str], out: Path) -> int:
    """``transform --dask``: partitions on a Dask cluster, parts written atomically."""
    try:
        from distributed import Client

        from . import dask as tdask
    except ImportError as exc:
        raise UserError(
            f"--dask needs the dask extra: pip install 'textcnn[dask]' ({exc})"
        ) from exc
    start = time.perf_counter()
    try:
        tdask.check_destination(out)
        files = tdask.expand(args.data)
        columns, required = _columns(args, text)
        ddf = tdask.read_table(files, columns, text, args.sep, args.encoding)
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(_in_cli_words(exc)) from exc
    missing = [c for c in required if c not in ddf.columns]
    if missing:
        raise UserError(f"{files[0]}: no column(s) {missing} (has {list(ddf.columns)})")
    features = tdask.transform(ddf, enc, keep=_passthrough(list(ddf.columns), args))
    logger.info(
        "Dask: %d file(s), %d partition(s), scheduler %s",
        len(files),
        ddf.npartitions,
        args.scheduler or "local cluster",
    )
    cluster = None if args.scheduler else tdask.local_cluster(args.workers, silence_logs=40)
    client = Client(args.scheduler or cluster)
    try:
        rows = tdask.write_table(features, out, features=enc.get_feature_names_out())
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    seconds = time.perf_counter() - start
    if not args.quiet:
        sys.stdout.write(
            f"{rows} rows from {len(files)} file(s) -> {out} in {seconds:.1f} s "
            f"({rows / max(seconds, 1e-9):,.0f} rows/s, Dask)\n"
        )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Print what a model file (or a checkpoint directory) holds."""
    from ._model_file import checkpoint, read_manifest

    if Path(args.model).is_dir():
        try:
            lines = checkpoint.describe(args.model)
        except (OSError, ValueError) as exc:
            raise UserError(f"{args.model}: not a checkpoint directory ({exc})") from exc
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
    try:
        m = read_manifest(args.model)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    lines = model_lines(m, args.model)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


# ----------------------------------------------------------------------------- parser
def _add_io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="features file (.csv, .tsv, .csv.gz, .parquet)")
    p.add_argument("--id", help="column copied to the output first")
    p.add_argument(
        "--keep",
        nargs="*",
        metavar="COL",
        help="columns copied to the output (bare --keep: all columns)",
    )
    p.add_argument("--sep", help="CSV delimiter (default: sniffed)")
    p.add_argument("--encoding", default="utf-8", help="CSV encoding (default: utf-8)")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")


def _verbosity_options(default: Any) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log progress (INFO)"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="no progress bars or summary"
    )
    return common


def _add_fit_transform(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``fit-transform`` command (its encoder options are added when it is parsed)."""
    fit = sub.add_parser(
        "fit-transform",
        parents=[common],
        help="train on a table, write out-of-fold features and a model file",
    )
    fit.add_argument("train", help="training table (.csv, .tsv, .csv.gz, .parquet)")
    fit.add_argument(
        "--text",
        action="append",
        required=True,
        metavar="COL",
        help="text column (repeat for several)",
    )
    fit.add_argument("--target", required=True, metavar="COL", help="target column")
    fit.add_argument("--model-out", required=True, help="model file to write")
    fit.add_argument(
        "--kind",
        choices=list(KINDS),
        default="cnn",
        help="encoder: TextCNNEncoder (cnn), TextRNNEncoder with a GRU or LSTM cell "
        "(bigru, bilstm), TextCNNEncoder with the character-level settings CHAR_CNN_PARAMS "
        "(char; the defaults below show them, options given override them), or the cheap "
        "peer TfidfLinearEncoder (tfidf: TF-IDF + a linear model, seconds, no torch) "
        "(default: cnn)",
    )
    _add_io_options(fit)
    fit.on_first_parse = _add_encoder_options  # when fit-transform is parsed (imports torch)
    fit.set_defaults(func=cmd_fit_transform)


def _add_transform(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``transform`` command."""
    tr = sub.add_parser("transform", parents=[common], help="apply a model file to a table")
    tr.add_argument(
        "data",
        nargs="+",
        help="table to featurize (.csv, .tsv, .csv.gz, .parquet); with --dask, several "
        "files or glob patterns",
    )
    tr.add_argument("--model", required=True, help="model file from fit-transform")
    tr.add_argument("--chunksize", type=int, default=50_000, help="rows per chunk (50000)")
    tr.add_argument(
        "--threads",
        "--n-threads",
        type=_positive_int,
        default=None,
        help="torch threads per process (default: the model's n_threads, usually auto: "
        "the cores free now; on Dask, at most each worker's threads)",
    )
    tr.add_argument(
        "--dask",
        action="store_true",
        help="run on Dask: a local cluster of --workers processes, or --scheduler",
    )
    tr.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler to use (implies --dask)")
    tr.add_argument("--workers", type=int, default=None, help="local Dask workers (default: cores)")
    _add_io_options(tr)
    tr.set_defaults(func=cmd_transform)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs).

    Examples
    --------
    >>> from textcnn.cli import build_parser
    >>> args = build_parser().parse_args(["info", "m.textcnn", "-v"])
    >>> args.command, args.model, args.verbose
    ('info', 'm.textcnn', True)
    """
    from ._version import __version__

    # -v / -q before or after the command: a subcommand's defaults would overwrite a
    # `textcnn -v transform ...` given before it, so theirs are SUPPRESS (not set)
    parser = argparse.ArgumentParser(
        prog="textcnn",
        description="Cross-fitted text-CNN features for tabular data.",
        parents=[_verbosity_options(default=False)],
    )
    common = _verbosity_options(default=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"textcnn {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_LazyParser)

    _add_fit_transform(sub, common)
    _add_transform(sub, common)
    info = sub.add_parser(
        "info", parents=[common], help="describe a model file, or a checkpoint directory"
    )
    info.add_argument("model", help="model file, or a --checkpoint directory")
    info.set_defaults(func=cmd_info)

    _demo.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``textcnn`` console script.

    Examples
    --------
    The same as ``textcnn -q transform new.csv --model review.textcnn --out features.csv``
    on the command line:

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from textcnn import TextCNNEncoder
    >>> from textcnn.cli import main
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> X = pd.DataFrame({"review": ["good film", "bad film", "great", "awful"] * 5})
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TextCNNEncoder(embeddings=None, max_epochs=1, cv=2, random_state=0).fit(X, y)
    >>> enc.save(folder / "review.textcnn")
    >>> X.head(3).to_csv(folder / "new.csv", index=False)
    >>> main(["-q", "transform", str(folder / "new.csv"), "--model",
    ...       str(folder / "review.textcnn"), "--out", str(folder / "features.csv")])
    0
    >>> pd.read_csv(folder / "features.csv").shape
    (3, 1)
    >>> main(["-q", "transform", str(folder / "new.csv"), "--model",
    ...       str(folder / "review.textcnn"), "--out", str(folder / "features.csv")])
    1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # progress lines (where no terminal shows bars) at the default verbosity; -q: none
    logging.getLogger("textcnn.progress").setLevel(logging.WARNING if args.quiet else logging.INFO)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except UserError as exc:
        sys.stderr.write(f"textcnn: error: {exc}\n")
        return 1
    except (ValueError, FileNotFoundError, ImportError) as exc:
        sys.stderr.write(f"textcnn: error: {_in_cli_words(exc)}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("textcnn: interrupted; no output written\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
