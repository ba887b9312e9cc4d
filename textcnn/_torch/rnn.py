"""The recurrent network: a (bidirectional) GRU or LSTM, run member by member in a group."""

from __future__ import annotations

import torch
from torch import nn

from .layers import WordEmbedding, invalid_steps, masked_max


class TextRNN(nn.Module):
    """Bidirectional GRU/LSTM over packed sequences, masked max-over-time, dropout, linear.

    Parameters
    ----------
    embedding : WordEmbedding
        Input layer.
    n_outputs : int
        Scores per row.
    cell : {"gru", "lstm"}, default="gru"
        Recurrent cell.
    hidden_size : int, default=128
        Units per direction.
    num_layers : int, default=1
        Stacked layers.
    bidirectional : bool, default=True
        Read the text both ways.
    dropout : float, default=0.5
        Dropout on the pooled features (and between stacked layers).
    """

    def __init__(
        self,
        embedding: WordEmbedding,
        n_outputs: int,
        cell: str = "gru",
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.embedding = embedding
        rnn_cls = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]  # checked by the estimator
        self.rnn = rnn_cls(
            embedding.out_dim,
            hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Scores (N, n_outputs)."""
        return self.output(self.dropout(self.features(ids, lengths)))

    def features(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Max-pooled recurrent states (N, hidden_size * directions), before dropout."""
        x = self.embedding(ids)  # (N, L, D)
        steps = lengths.clamp(min=1)  # an empty text reads one padding token
        packed = nn.utils.rnn.pack_padded_sequence(
            x, steps.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = self.rnn(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(
            out, batch_first=True, total_length=ids.shape[1]
        )  # (N, L, H * directions)
        return masked_max(h, invalid_steps(steps[:, None], h.shape[1]))
