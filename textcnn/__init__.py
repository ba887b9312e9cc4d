"""textcnn: cross-fitted text-CNN features for scikit-learn.

Public API: :class:`TextCNNEncoder`, :class:`TextRNNEncoder`, :class:`TfidfLinearEncoder`,
:func:`load` and
``__version__``. The encoders (and with them torch) are imported on first use, so
``import textcnn`` and ``textcnn --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["TextCNNEncoder", "TextRNNEncoder", "TfidfLinearEncoder", "load", "__version__"]

if TYPE_CHECKING:  # for type checkers and IDEs
    from ._encoders import TextCNNEncoder, TextRNNEncoder
    from ._linear import TfidfLinearEncoder
    from .io import load_model as load


def __getattr__(name: str) -> Any:
    if name in ("TextCNNEncoder", "TextRNNEncoder"):
        from . import _encoders

        return getattr(_encoders, name)
    if name == "TfidfLinearEncoder":
        from ._linear import TfidfLinearEncoder

        return TfidfLinearEncoder
    if name == "load":
        from .io import load_model

        return load_model
    raise AttributeError(f"module 'textcnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
