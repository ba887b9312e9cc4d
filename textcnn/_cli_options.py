"""The ``fit-transform`` encoder options, derived from the encoder classes.

Every option comes from an encoder parameter: name and default from the signature, the
value kind and help from the numpydoc "Parameters" section. A parameter added to an
encoder is an option without a CLI edit. :func:`make_encoder` turns parsed options into
an encoder.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable
from typing import Any


class UserError(Exception):
    """A problem with the user's input: reported as one line, exit code 1."""


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
RENAMED = {
    "random_state": ("--seed", "--random-state"),
    "n_threads": ("--threads", "--n-threads"),
    "checkpoint_dir": ("--checkpoint", "--checkpoint-dir"),
}
#: CLI defaults that differ from the encoders' (unset options take the encoder's default).
CLI_DEFAULTS = {"random_state": 0}  # repeatable runs unless asked otherwise


#: Settings of the character-level CNN: ``--kind char`` (and the benchmarks' char-CNN).
CHAR_CNN_PARAMS = dict(
    level="char", embedding_dim=16, kernel_sizes=(3, 5, 7), n_filters=64, max_length=300
)
#: ``--kind`` -> (encoder class name, preset parameters); explicit options win over presets.
KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "cnn": ("TextCNNEncoder", {}),
    "bigru": ("TextRNNEncoder", {"cell": "gru"}),
    "bilstm": ("TextRNNEncoder", {"cell": "lstm"}),
    "char": ("TextCNNEncoder", CHAR_CNN_PARAMS),
    "tfidf": ("TfidfLinearEncoder", {}),
}


def _kinds() -> dict[str, tuple[type, dict[str, Any]]]:
    """:data:`KINDS` with the encoder classes (imports them)."""
    import textcnn

    return {kind: (getattr(textcnn, name), dict(preset)) for kind, (name, preset) in KINDS.items()}


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


def make_encoder(args: argparse.Namespace) -> Any:
    """The encoder the command-line options describe.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit-transform`` arguments: ``--kind`` and the encoder options given.

    Returns
    -------
    TextCNNEncoder, TextRNNEncoder or TfidfLinearEncoder
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
    # bars on a terminal, progress lines elsewhere (logs, CI); -q: neither
    return cls(**{**preset, **params, "verbose": not args.quiet})


def _positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value
