"""The model-file format, in one home: a zip that runs no code when loaded.

- :mod:`.container`: the zip -- manifest (format version, parameters as JSON,
  checksums), vocabularies, n-grams and ``tensors.npz`` -- written atomically, read
  with every check;
- :mod:`.state`: what is stored of a fitted encoder, every array's name included, and
  how an encoder is rebuilt from it (files of format versions 1-3 load).

The estimators delegate here (``encoder.save``, :func:`textcnn.load`), as do the CLI's
``fit-transform`` and ``info``. Torch-free: ``textcnn info`` never imports torch.
"""

from .container import MODEL_FORMAT, MODEL_FORMAT_VERSION, decode_param, read_manifest
from .state import encoder_from_state, encoder_state, load, save

__all__ = [
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "decode_param",
    "encoder_from_state",
    "encoder_state",
    "load",
    "read_manifest",
    "save",
]
