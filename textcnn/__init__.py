"""textcnn: cross-fitted text-CNN features for scikit-learn.

Public API: :class:`TextCNNEncoder` and ``__version__``.
"""

from ._encoders import TextCNNEncoder

__version__ = "0.1.0"

__all__ = ["TextCNNEncoder", "__version__"]
