"""Torch modules. They know nothing of text or scikit-learn: ids in, scores out.

Every module takes ``(ids, lengths)`` -- ids of shape (N, L), right-padded with 0 --
and returns (N, n_outputs). Every module names its last layer ``output`` (an
``nn.Linear``): the training loop applies the max-norm constraint to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

EMBEDDING_MODES = ("rand", "static", "non-static", "multichannel")


def conv_output_mask(lengths: torch.Tensor, width: int, kernel_size: int) -> torch.Tensor:
    """Valid positions of a 'wide' convolution (zero padding ``kernel_size - 1`` both sides).

    A document of ``n`` tokens has ``n + kernel_size - 1`` windows that touch at least
    one of its positions (or, for ``n == 0``, ``kernel_size - 1`` all-padding windows);
    later positions only see batch padding and are masked so that a row's output does
    not depend on the longest row of its batch.

    Parameters
    ----------
    lengths : Tensor of shape (N,)
        Tokens per document.
    width : int
        Padded length L of the batch.
    kernel_size : int
        Filter width.

    Returns
    -------
    Tensor of shape (N, L + kernel_size - 1), dtype bool
        True where the position is valid.

    Examples
    --------
    >>> conv_output_mask(torch.tensor([1, 3]), 3, 2).int().tolist()
    [[1, 1, 0, 0], [1, 1, 1, 1]]
    """
    positions = torch.arange(width + kernel_size - 1, device=lengths.device)  # (T,)
    return positions[None, :] < (lengths[:, None] + kernel_size - 1)  # (N, T)


class WordEmbedding(nn.Module):
    """Kim 2014's four embedding variants.

    Parameters
    ----------
    vocab_size : int
        Number of ids (row 0 is padding and stays zero).
    embedding_dim : int
        Vector size.
    mode : {"rand", "static", "non-static", "multichannel"}
        ``rand``: random, trained; ``static``: pretrained, frozen; ``non-static``:
        pretrained, fine-tuned; ``multichannel``: a frozen and a fine-tuned copy side
        by side (output has ``2 * embedding_dim`` channels).
    pretrained : Tensor of shape (vocab_size, embedding_dim) or None, default=None
        Initial vectors; *copied*, so one pristine matrix can seed many models.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        mode: str = "non-static",
        pretrained: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        if mode != "rand" and pretrained is None:
            raise ValueError(f"embedding_mode={mode!r} needs pretrained vectors")
        self.mode = mode
        # sparse=True: a step's gradient holds only the rows its batch looked up, and the
        # optimiser updates only those (lazy Adam, see ``_optim.GroupAdam``).
        self.tuned = nn.Embedding(vocab_size, embedding_dim, padding_idx=0, sparse=True)
        if pretrained is not None:
            with torch.no_grad():
                self.tuned.weight.copy_(pretrained)  # a copy: never share the caller's tensor
        else:
            nn.init.uniform_(self.tuned.weight, -0.25, 0.25)
            with torch.no_grad():
                self.tuned.weight[0].zero_()
        self.tuned.weight.requires_grad_(mode in ("rand", "non-static", "multichannel"))
        self.frozen: nn.Embedding | None = None
        if mode == "multichannel":
            self.frozen = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            with torch.no_grad():
                self.frozen.weight.copy_(pretrained)
            self.frozen.weight.requires_grad_(False)
        self.out_dim = embedding_dim * (2 if mode == "multichannel" else 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Embed ids (N, L) -> (N, L, out_dim)."""
        x = self.tuned(ids)  # (N, L, D)
        if self.frozen is not None:
            x = torch.cat([self.frozen(ids), x], dim=-1)  # (N, L, 2D)
        return x


def pool_wide(
    h: torch.Tensor, lengths: torch.Tensor, kernel_sizes: tuple[int, ...]
) -> torch.Tensor:
    """Masked max over time of ReLU'd wide-convolution outputs, all filter widths at once.

    Output ``t`` of a width-``k`` filter is valid while ``t < length + k - 1`` (see
    :func:`conv_output_mask`); later positions see only batch padding.

    Parameters
    ----------
    h : Tensor of shape (N, T, n_kernels * F)
        Non-negative activations, filters grouped by width in ``kernel_sizes`` order.
    lengths : Tensor of shape (N,)
        Tokens per document.
    kernel_sizes : tuple of int
        Filter widths.

    Returns
    -------
    Tensor of shape (N, n_kernels * F)

    Examples
    --------
    >>> h = torch.tensor([[[1.0, 1.0], [3.0, 3.0], [9.0, 9.0]]])
    >>> pool_wide(h, torch.tensor([1]), (1, 2)).tolist()
    [[1.0, 3.0]]
    """
    n, steps, channels = h.shape
    nk = len(kernel_sizes)
    h = h.view(n, steps, nk, channels // nk)
    positions = torch.arange(steps, device=h.device)  # (T,)
    ends = lengths[:, None] + torch.tensor(kernel_sizes, device=h.device) - 1  # (N, nk)
    mask = positions[None, :, None] < ends[:, None, :]  # (N, T, nk)
    # ReLU output is >= 0, so zeroing invalid positions masks them for the max.
    # Without autograd, in place: these are the largest tensors of the forward pass.
    fill = h.masked_fill if torch.is_grad_enabled() else h.masked_fill_
    # max(dim) rather than amax: its backward is one scatter, not a tie-sharing pass.
    return fill(~mask[..., None], 0.0).max(dim=1).values.reshape(n, channels)


class TextCNN(nn.Module):
    """Kim (2014) CNN: parallel convolutions, ReLU, masked max-over-time, dropout, linear.

    Parameters
    ----------
    embedding : WordEmbedding
        Input layer.
    n_outputs : int
        Scores per row (classes, or 1 for regression).
    kernel_sizes : tuple of int, default=(3, 4, 5)
        Filter widths.
    n_filters : int, default=100
        Feature maps per width.
    dropout : float, default=0.5
        Dropout on the pooled features.
    """

    def __init__(
        self,
        embedding: WordEmbedding,
        n_outputs: int,
        kernel_sizes: tuple[int, ...] = (3, 4, 5),
        n_filters: int = 100,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.embedding = embedding
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.convs = nn.ModuleList(
            nn.Conv1d(embedding.out_dim, n_filters, k, padding=k - 1) for k in self.kernel_sizes
        )
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(n_filters * len(self.kernel_sizes), n_outputs)

    def stacked_weight(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All filters as one matrix over windows of the widest kernel.

        A width-``k`` filter is left-padded with zeros to width ``K = max(kernel_sizes)``,
        so every filter's window *ends* at the same position: output ``t`` of the wide
        width-``K`` convolution equals output ``t`` of each filter's own wide convolution.

        Returns
        -------
        weight : Tensor of shape (K * C, n_kernels * F)
            Rows ordered (offset, channel), matching :meth:`windows`.
        bias : Tensor of shape (n_kernels * F,)
        """
        widest = max(self.kernel_sizes)
        weight = torch.cat(
            [
                nn.functional.pad(conv.weight, (widest - k, 0))
                for k, conv in zip(self.kernel_sizes, self.convs, strict=True)
            ],
            dim=0,
        )  # (n_kernels * F, C, K)
        bias = torch.cat([conv.bias for conv in self.convs])
        return weight.permute(2, 1, 0).reshape(-1, weight.shape[0]), bias

    def windows(self, ids: torch.Tensor) -> torch.Tensor:
        """Embedded windows of the widest kernel, (N, L + K - 1, K * C) (a strided view)."""
        widest = max(self.kernel_sizes)
        x = self.embedding(nn.functional.pad(ids, (widest - 1, widest - 1)))  # (N, L+2K-2, C)
        win = x.unfold(1, widest, 1)  # (N, L + K - 1, C, K)
        return win.transpose(2, 3).reshape(ids.shape[0], -1, widest * x.shape[2])

    def pool(self, h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ReLU'd activations (N, T, n_kernels * F) -> masked max (N, n_kernels * F).

        See :func:`pool_wide`.
        """
        return pool_wide(h, lengths, self.kernel_sizes)

    def features(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Pooled filter activations (N, n_filters * len(kernel_sizes)).

        All filter widths run as **one** matrix product over im2col windows (1.2-1.3x
        faster on CPU than one ``conv1d`` per width; see ``benchmarks/speed.py``).
        """
        return self.pool(self.activations(ids), lengths)

    def activations(self, ids: torch.Tensor) -> torch.Tensor:
        """ReLU'd filter outputs at every position, (N, L + K - 1, n_kernels * F), unmasked."""
        weight, bias = self.stacked_weight()
        win = self.windows(ids)  # (N, T, K * C)
        h = torch.addmm(bias, win.reshape(-1, win.shape[2]), weight).relu_()
        return h.view(win.shape[0], win.shape[1], -1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Scores (N, n_outputs)."""
        return self.output(self.dropout(self.features(ids, lengths)))

    def filter_widths(self) -> np.ndarray:
        """Width of each pooled feature's filter, (n_kernels * F,) in feature order."""
        per_width = self.convs[0].out_channels
        return np.repeat(np.asarray(self.kernel_sizes), per_width)

    def output_weight(self) -> np.ndarray:
        """The output layer's weight, (n_outputs, n_kernels * F), float64."""
        return self.output.weight.detach().cpu().numpy().astype(np.float64)

    @torch.inference_mode()
    def max_activations(
        self, ids: np.ndarray, lengths: np.ndarray, batch_size: int = 1024
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each filter's max-pooled activation per row, and where it was reached.

        Parameters
        ----------
        ids : ndarray of shape (N, L)
            Token ids.
        lengths : ndarray of shape (N,)
            Tokens per row.
        batch_size : int, default=1024
            Rows per forward pass.

        Returns
        -------
        values : ndarray of shape (N, n_kernels * F)
            Masked max over time of the ReLU'd filter outputs (the pooled features).
        ends : ndarray of shape (N, n_kernels * F)
            The first position reaching it: the window of a width-``k`` filter covers
            tokens ``end - k + 1 .. end``.
        """
        values, ends = [], []
        for start in range(0, len(ids), batch_size):
            ids_b = torch.from_numpy(ids[start : start + batch_size].astype(np.int64))
            lens_b = torch.from_numpy(lengths[start : start + batch_size])
            h = self.activations(ids_b)  # (B, T, nk * F)
            pooled = self.pool(h.clone(), lens_b)  # (B, nk * F), masked
            best = (h == pooled[:, None, :]).float().argmax(dim=1)  # first position of max
            values.append(pooled.numpy())
            ends.append(best.numpy())
        return np.concatenate(values), np.concatenate(ends)


def state_shapes(state: dict[str, Any]) -> tuple[int, int, int]:
    """(vocabulary size, embedding dim, outputs) of a TextCNN's or TextRNN's state dict."""
    vocab_size, dim = state["embedding.tuned.weight"].shape
    return int(vocab_size), int(dim), int(state["output.weight"].shape[0])


def masked_max(h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Max over time of (N, T, C) activations, ignoring steps at or after each length.

    Rows of length 0 count their first step (the padding token) so the result is defined.

    Examples
    --------
    >>> h = torch.tensor([[[1.0], [5.0]], [[2.0], [-1.0]]])
    >>> masked_max(h, torch.tensor([1, 2])).tolist()
    [[1.0], [2.0]]
    """
    steps = torch.arange(h.shape[1], device=h.device)  # (T,)
    valid = steps[None, :] < lengths.clamp(min=1)[:, None]  # (N, T)
    return h.masked_fill(~valid[:, :, None], float("-inf")).amax(dim=1)  # (N, C)


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
        steps = lengths.clamp(min=1).cpu()  # an empty text reads one padding token
        packed = nn.utils.rnn.pack_padded_sequence(x, steps, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(
            out, batch_first=True, total_length=ids.shape[1]
        )  # (N, L, H * directions)
        return masked_max(h, lengths)
