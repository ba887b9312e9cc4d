"""textcnn: cross-fitted text-CNN features for scikit-learn.

Public API: :class:`TextCNNEncoder`, :class:`TextRNNEncoder`, :func:`load` and ``__version__``.
"""

from ._encoders import TextCNNEncoder, TextRNNEncoder
from .io import load_model as load

__version__ = "0.1.0"

__all__ = ["TextCNNEncoder", "TextRNNEncoder", "load", "__version__"]
