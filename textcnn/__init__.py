"""textcnn: cross-fitted text-CNN features for scikit-learn.

Public API: :class:`TextCNNEncoder`, :class:`TextRNNEncoder`, :class:`TfidfLinearEncoder`,
:func:`load` and ``__version__``. The encoders are imported on first use, so
``import textcnn`` and ``textcnn --help`` stay fast, and ``TfidfLinearEncoder`` never
imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["TextCNNEncoder", "TextRNNEncoder", "TfidfLinearEncoder", "load", "__version__"]

if TYPE_CHECKING:  # for type checkers and IDEs
    from ._encoders import TextCNNEncoder, TextRNNEncoder, load
    from ._linear import TfidfLinearEncoder


def __getattr__(name: str) -> Any:
    if name in ("TextCNNEncoder", "TextRNNEncoder", "load"):
        from . import _encoders

        return getattr(_encoders, name)
    if name == "TfidfLinearEncoder":
        from ._linear import TfidfLinearEncoder

        return TfidfLinearEncoder
    raise AttributeError(f"module 'textcnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
