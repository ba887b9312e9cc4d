"""Command line: parse -> library -> write. Every user error is one line and exit code 1.

``textcnn fit-transform``, ``transform`` (streamed in chunks), ``info``, ``demo``.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger("textcnn")

KINDS = ("cnn", "bigru", "bilstm", "char")


class UserError(Exception):
    """A problem with the user's input: reported as one line, exit code 1."""


def _check_output(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise UserError(f"{path}: already exists; use --force to overwrite")
    if not path.parent.exists():
        raise UserError(f"{path.parent}: no such directory")


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


def _human(value: Any) -> str:
    """A metric for people: 4 significant digits (``0.4395``, ``59.43``); others as str."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _progress(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


# ----------------------------------------------------------------------------- encoder options
# Every `fit-transform` encoder option is derived from the encoder classes: the parameter
# names and defaults from their signatures, the value kinds and help from the numpydoc
# "Parameters" section. A parameter added to an encoder is an option without a CLI edit.

#: Encoder parameters that are not ``fit-transform`` options, and why.
NOT_OPTIONS = {
    "cell": "set by --kind bigru / bilstm",
    "verbose": "progress bars follow the terminal and -q; -v turns on INFO logs",
}
#: Option strings that differ from ``--<parameter-name>``.
RENAMED = {"random_state": ("--seed", "--random-state"), "n_threads": ("--threads", "--n-threads")}
#: CLI defaults that differ from the encoders' (unset options take the encoder's default).
CLI_DEFAULTS = {"random_state": 0}  # repeatable runs unless asked otherwise


def _kinds() -> dict[str, tuple[type, dict[str, Any]]]:
    """``--kind`` -> (encoder class, preset parameters); explicit options win over presets."""
    from . import TextCNNEncoder, TextRNNEncoder
    from ._encoders import CHAR_CNN_PARAMS

    return {
        "cnn": (TextCNNEncoder, {}),
        "bigru": (TextRNNEncoder, {"cell": "gru"}),
        "bilstm": (TextRNNEncoder, {"cell": "lstm"}),
        "char": (TextCNNEncoder, dict(CHAR_CNN_PARAMS)),
    }


def _numpydoc_parameters(cls: type) -> dict[str, tuple[str, str]]:
    """``name -> (type, description)`` from the numpydoc "Parameters" section of ``cls``."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    found: dict[str, tuple[str, list[str]]] = {}
    name = None
    start = lines.index("Parameters") + 2 if "Parameters" in lines else len(lines)
    for line in lines[start:]:
        if line and not line[0].isspace():
            if " : " not in line:
                break  # the next section
            name, kind = line.split(" : ", 1)
            found[name] = (kind.split(", default=")[0], [])
        elif name is not None and line.strip():
            found[name][1].append(line.strip())
    return {k: (kind, " ".join(text)) for k, (kind, text) in found.items()}


def _scalar(text: str) -> Any:
    """Command-line text as a value: int, then float, else the string itself."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _shown(value: Any) -> str:
    """A default as typed on the command line: ``3 4 5``, ``none``, ``auto``."""
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    return "none" if value is None else str(value)


class EncoderOption:
    """One encoder parameter as a ``fit-transform`` option.

    Parameters
    ----------
    name : str
        The parameter.
    defaults : dict of str to Any
        ``--kind`` -> the encoder's default (kinds whose class has the parameter).
    doc_type : str
        The numpydoc type, e.g. ``int or None`` or ``{"word", "char"}``.
    description : str
        The numpydoc description, the option's help.
    """

    def __init__(
        self, name: str, defaults: dict[str, Any], doc_type: str, description: str
    ) -> None:
        self.name = name
        self.defaults = defaults
        self.doc_type = doc_type
        self.description = description
        default = next(iter(defaults.values()))
        self.flags = RENAMED.get(name, (f"--{name.replace('_', '-')}",))
        self.is_bool = isinstance(default, bool)
        self.is_tuple = isinstance(default, tuple)
        self.choices = re.findall(r'"([^"]*)"', doc_type)  # {"word", "char"}, or "auto"
        words = set(re.findall(r"[A-Za-z]+", re.sub(r'"[^"]*"', "", doc_type)))
        scalar = default[0] if self.is_tuple and default else default
        self.allow_none = default is None or "None" in words
        self.allow_int = "int" in words or isinstance(scalar, int)
        self.allow_float = "float" in words or isinstance(scalar, float)
        self.allow_str = bool({"str", "path"} & words) or (
            isinstance(scalar, str) and not self.choices
        )

    def parse(self, text: str) -> Any:
        """One command-line value: "none", a number or a string, as the type allows.

        Parameters
        ----------
        text : str
            The value as typed.

        Returns
        -------
        Any
            None, int, float or str.
        """
        if self.allow_none and text.lower() == "none":
            return None
        value = _scalar(text)
        if isinstance(value, int) and not self.allow_int:
            value = float(value)  # "1" for a float parameter
        if isinstance(value, float) and not self.allow_float:
            value = text  # not a number here (e.g. a vectors file named "2024")
        if isinstance(value, str) and not (self.allow_str or value in self.choices):
            raise argparse.ArgumentTypeError(f"expected {self.doc_type}, got {text!r}")
        return value

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add the option (``default=SUPPRESS``: unset options keep the encoder's default).

        Parameters
        ----------
        parser : argparse.ArgumentParser
            The ``fit-transform`` parser.
        """
        notes = []
        if len(self.defaults) < len(_kinds()):
            notes.append(f"--kind {'/'.join(self.defaults)} only")
        groups: dict[str, list[str]] = {}
        for kind, value in self.defaults.items():
            groups.setdefault(_shown(CLI_DEFAULTS.get(self.name, value)), []).append(kind)
        if len(groups) == 1:
            notes.append(f"default: {next(iter(groups))}")
        else:
            notes.append("default: " + ", ".join(f"{v} ({'/'.join(k)})" for v, k in groups.items()))
        if self.allow_none:
            notes.append("none for None")
        text = f"{self.description} ({'; '.join(notes)})".replace("``", "").replace("%", "%%")
        options: dict[str, Any] = dict(
            dest=self.name, default=CLI_DEFAULTS.get(self.name, argparse.SUPPRESS), help=text
        )
        if self.is_bool:
            options["action"] = argparse.BooleanOptionalAction
        else:
            options["type"] = self.parse
            options["metavar"] = (
                "{" + ",".join(self.choices) + "}"
                if self.choices and not (self.allow_int or self.allow_float or self.allow_str)
                else self.flags[0].lstrip("-").replace("-", "_").upper()
            )
            if self.is_tuple:
                options["nargs"] = "+"
        parser.add_argument(*self.flags, **options)


def _encoder_options() -> dict[str, EncoderOption]:
    """The ``fit-transform`` options of every encoder parameter (minus :data:`NOT_OPTIONS`).

    Returns
    -------
    dict of str to EncoderOption
        Parameter name -> option, in the classes' signature order.
    """
    params: dict[str, dict[str, Any]] = {}
    docs: dict[str, tuple[str, str]] = {}
    for kind, (cls, preset) in _kinds().items():
        docs = {**_numpydoc_parameters(cls), **docs}  # the first class's text wins
        for name, param in inspect.signature(cls).parameters.items():
            if name not in NOT_OPTIONS:
                params.setdefault(name, {})[kind] = preset.get(name, param.default)
    # cv also takes splitter objects and embeddings KeyedVectors: the CLI passes what a
    # command line can say (an int, a name, a path or "none"); the rest is Python-only
    return {
        name: EncoderOption(name, defaults, *docs.get(name, ("", "")))
        for name, defaults in params.items()
    }


def _add_encoder_options(parser: argparse.ArgumentParser) -> None:
    """Add :func:`_encoder_options` to ``fit-transform``'s parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``fit-transform`` parser.
    """
    group = parser.add_argument_group("encoder options (from the encoder classes' parameters)")
    for option in _encoder_options().values():
        option.add_to(group)  # type: ignore[arg-type]


class _LazyParser(argparse.ArgumentParser):
    """A subcommand parser that runs ``on_first_parse(self)`` when it is first used.

    ``fit-transform`` adds its encoder options so: deriving them imports the encoders
    (and torch), which ``textcnn --help``, ``info`` and ``transform`` parsing do not need.
    """

    on_first_parse: Callable[[argparse.ArgumentParser], None] | None = None

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:  # noqa: D102
        hook, self.on_first_parse = self.on_first_parse, None
        if hook is not None:
            hook(self)
        return super().parse_known_args(args, namespace)


# ----------------------------------------------------------------------------- commands
def make_encoder(args: argparse.Namespace) -> Any:
    """The encoder the command-line options describe.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit-transform`` arguments: ``--kind`` and the encoder options given.

    Returns
    -------
    TextCNNEncoder or TextRNNEncoder
        Unfitted; parameters not given keep the class's (or the kind's preset) default.
    """
    cls, preset = _kinds()[args.kind]
    options = _encoder_options()
    given = {name: getattr(args, name) for name in options if hasattr(args, name)}
    accepted = inspect.signature(cls).parameters
    for name, value in given.items():
        if name not in accepted:
            if name in CLI_DEFAULTS and value == CLI_DEFAULTS[name]:
                continue
            raise UserError(
                f"{options[name].flags[0]} applies to --kind {'/'.join(options[name].defaults)}, "
                f"not {args.kind}"
            )
        if options[name].is_tuple:
            given[name] = tuple(value)
    params = {k: v for k, v in given.items() if k in accepted}
    return cls(**{**preset, **params, "verbose": _progress(args)})


def _oof_metrics(enc: Any, oof: Any, y: Any) -> dict[str, float]:
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss, r2_score

    metrics = {}
    k = 1 if enc.target_type_ != "multiclass" else len(enc.classes_)
    for c, name in enumerate(enc._column_names()):
        block = oof[:, c * k : (c + 1) * k]
        if enc.target_type_ == "continuous":
            metrics[f"{name}: oof_r2"] = float(r2_score(y, block[:, 0]))
            continue
        proba = block if k > 1 else np.column_stack([1 - block[:, 0], block[:, 0]])
        pred = enc.classes_[proba.argmax(1)]
        metrics[f"{name}: oof_accuracy"] = float(accuracy_score(y, pred))
        metrics[f"{name}: oof_log_loss"] = float(log_loss(y, proba, labels=enc.classes_))
    return metrics


def cmd_fit_transform(args: argparse.Namespace) -> int:
    """Train on TRAIN, write the out-of-fold features and the model."""
    import pandas as pd

    from .io import TableWriter, atomic_path, read_chunks, save_model

    src, out, model_out = Path(args.train), Path(args.out), Path(args.model_out)
    _check_output(out, args.force)
    _check_output(model_out, args.force)
    columns, required = _columns(args, [*args.text, args.target])
    frame = next(read_chunks(src, columns, required, args.text, None, args.sep, args.encoding))
    y = frame[args.target]
    missing = y.isna().to_numpy().nonzero()[0]
    if len(missing):
        raise UserError(
            f"{src}: target column {args.target!r} is empty in {len(missing)} row(s) "
            f"(first: data row {missing[0] + 1}); drop or fill them"
        )
    for col in args.text:
        if frame[col].fillna("").astype(str).str.strip().eq("").all():
            raise UserError(f"{src}: text column {col!r} is empty in every row")
    enc = make_encoder(args)  # default output: the model file keeps the Python default
    start = time.perf_counter()
    try:
        oof = enc.fit_transform(frame[args.text], y.to_numpy())
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
    save_model(enc, model_out, metrics={**metrics, "fit_seconds": round(seconds, 2)})
    if not args.quiet:
        shown = "  ".join(f"{k} {_human(v)}" for k, v in metrics.items())
        sys.stdout.write(
            f"{len(frame)} rows -> {out} ({feats.shape[1]} feature columns), model -> "
            f"{model_out}; {shown}; {seconds:.1f} s\n"
        )
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    """Apply a saved model to DATA, chunk by chunk (bounded memory)."""
    from tqdm.auto import tqdm

    from .io import TableWriter, atomic_path, load_model, read_chunks

    out = Path(args.out)
    _check_output(out, args.force)
    try:
        enc = load_model(args.model)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    text = enc._column_names()
    if getattr(enc, "feature_names_in_", None) is None:
        raise UserError(f"{args.model}: model was not trained on named columns")
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
    if out.suffix not in (".parquet", ".csv", ".tsv"):
        raise UserError(f"{out}: with Dask, write .parquet (a directory of parts) or .csv/.tsv")
    start = time.perf_counter()
    try:
        files = tdask.expand(args.data)
        columns, required = _columns(args, text)
        ddf = tdask.read_table(files, columns, text, args.sep, args.encoding)
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from exc
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
    """Print what a model file holds."""
    from .io import read_manifest

    try:
        m = read_manifest(args.model)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    params = m["params"]
    n_nets = len(m["networks"][0])
    scheme = "refit on all rows" if params.get("refit") else f"{n_nets} fold models averaged"
    lines = [
        f"model:        {args.model}",
        f"class:        {m['class']} (textcnn {m['textcnn_version']}, "
        f"format {m['format_version']})",
        f"text columns: {', '.join(m['feature_names_in'] or [])}",
        f"target:       {m['target_type']}"
        + (f", classes {m['classes']}" if m["classes"] is not None else ""),
        f"networks:     {n_nets} per text column ({scheme}); cv={params.get('cv')}",
        f"embeddings:   {params.get('embeddings')} ({m['embedding_mode']})",
        "coverage:     "
        + (", ".join(f"{k} {v:.1%}" for k, v in m["embedding_coverage"].items()) or "-"),
    ]
    lines += [f"metric:       {k} = {_human(v)}" for k, v in (m.get("metrics") or {}).items()]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Out-of-fold features on the embedded BBC News data, with their OOF accuracy."""
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss

    from . import TextCNNEncoder
    from .datasets import load_bbc_news

    frame = load_bbc_news()
    enc = TextCNNEncoder(
        cv=args.cv,
        max_length=args.max_length,
        max_epochs=args.max_epochs,
        random_state=args.seed,
        verbose=_progress(args),
    )
    start = time.perf_counter()
    features = enc.set_output(transform="pandas").fit_transform(frame[["text"]], frame["category"])
    seconds = time.perf_counter() - start
    proba = features.to_numpy()
    pred = enc.classes_[np.argmax(proba, axis=1)]
    out = sys.stdout
    out.write(
        f"BBC News: {len(frame)} articles, {len(enc.classes_)} classes, {args.cv}-fold "
        f"out-of-fold TextCNN features ({enc.embeddings}, {enc.embedding_mode}, "
        f"coverage {enc.embedding_coverage_.get('text', float('nan')):.1%})\n"
    )
    out.write(features.head().round(3).to_string() + "\n")
    out.write(
        f"OOF accuracy {accuracy_score(frame['category'], pred):.4f}  "
        f"OOF log-loss {log_loss(frame['category'], proba, labels=enc.classes_):.4f}  "
        f"fit_transform {seconds:.1f} s\n"
    )
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    from . import __version__

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
        choices=KINDS,
        default="cnn",
        help="network: TextCNNEncoder (cnn), TextRNNEncoder with a GRU or LSTM cell "
        "(bigru, bilstm), or TextCNNEncoder with the character-level settings CHAR_CNN_PARAMS "
        "(char; the defaults below show them, options given override them) (default: cnn)",
    )
    _add_io_options(fit)
    fit.on_first_parse = _add_encoder_options  # when fit-transform is parsed (imports torch)
    fit.set_defaults(func=cmd_fit_transform)

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
        "--dask",
        action="store_true",
        help="run on Dask: a local cluster of --workers processes, or --scheduler",
    )
    tr.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler to use (implies --dask)")
    tr.add_argument("--workers", type=int, default=None, help="local Dask workers (default: cores)")
    _add_io_options(tr)
    tr.set_defaults(func=cmd_transform)

    info = sub.add_parser("info", parents=[common], help="describe a model file")
    info.add_argument("model")
    info.set_defaults(func=cmd_info)

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="out-of-fold features on the embedded BBC News data, with OOF accuracy",
    )
    demo.add_argument("--cv", type=int, default=5, help="folds (default: 5)")
    demo.add_argument("--max-length", type=int, default=200, help="tokens per article")
    demo.add_argument("--max-epochs", type=int, default=10, help="epochs per fold")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``textcnn`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except UserError as exc:
        sys.stderr.write(f"textcnn: error: {exc}\n")
        return 1
    except (ValueError, FileNotFoundError, ImportError) as exc:
        sys.stderr.write(f"textcnn: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("textcnn: interrupted; no output written\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
