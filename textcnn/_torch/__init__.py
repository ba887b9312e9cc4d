"""Everything that runs on torch, behind one small interface.

The rest of the package enters here only -- the neural estimator modules
(:mod:`textcnn._neural_encoder`, :mod:`textcnn._encoders`) and the MiniLM distillation
of :mod:`textcnn._embeddings` -- and never imports torch itself. Inside:

- :mod:`.layers`: Kim's embedding variants (:class:`WordEmbedding`) and the one masked
  max-over-time;
- :mod:`.cnn`: :class:`TextCNN`, written once for G networks (a single network is a
  group of one); :mod:`.rnn`: :class:`TextRNN`;
- :mod:`.group`: :func:`make_group`, the fold networks of a column as one computation
  (the CNN stacked, other kinds member by member);
- :mod:`.training`: the one training loop (:func:`train_many`), its :mod:`.clock`
  (deadline, progress) and :mod:`.config` (:class:`TrainConfig`, :class:`FittedNet`);
- :mod:`.predict`: batched prediction (:func:`predict_many`);
- :mod:`.optim`, :mod:`.batching`, :mod:`.device`: Adam for a group, lockstep batches,
  device and mixed precision;
- :mod:`.distil`: static word-piece vectors from a sentence-transformer.
"""

from .cnn import TextCNN
from .config import FittedNet, TrainConfig
from .device import resolve_device
from .distil import distil_pieces
from .layers import WordEmbedding
from .predict import predict, predict_many
from .probe import probe
from .rnn import TextRNN
from .training import train, train_many

__all__ = [
    "FittedNet",
    "TextCNN",
    "TextRNN",
    "TrainConfig",
    "WordEmbedding",
    "distil_pieces",
    "predict",
    "predict_many",
    "resolve_device",
    "train",
    "train_many",
    "probe",
]
