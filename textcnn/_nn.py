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
        # optimiser updates only those (lazy Adam, see ``_training.GroupAdam``).
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


def tap_mask(kernel_sizes: tuple[int, ...], n_filters: int, channels: int) -> torch.Tensor:
    """Which entries of :meth:`TextCNN.stacked_weight` are real filter taps.

    A width-``k`` filter is left-padded with zeros to the widest width ``K``; its first
    ``K - k`` offsets are padding.

    Returns
    -------
    Tensor of shape (K * C, n_kernels * n_filters), float
        1 for a tap, 0 for padding; rows ordered (offset, channel).

    Examples
    --------
    >>> tap_mask((1, 2), 1, 1).tolist()
    [[0.0, 1.0], [1.0, 1.0]]
    """
    widest = max(kernel_sizes)
    offsets = torch.arange(widest)[:, None, None]  # (K, 1, 1)
    starts = torch.tensor([widest - k for k in kernel_sizes for _ in range(n_filters)])
    mask = (offsets >= starts[None, None, :]).expand(widest, channels, len(starts))
    return mask.reshape(widest * channels, len(starts)).float()


class _MaskedMaxOverTime(torch.autograd.Function):
    """Max over axis 1 of ``a`` (N, T, C), ignoring ``invalid`` (N, T, n_groups) positions.

    The C channels are ``n_groups`` equal groups (filter widths), each with its own
    valid positions.

    ``a`` is overwritten (-inf where invalid): it is a fresh matrix product that
    nothing else reads. A row with no valid position gives -inf. The gradient goes to
    the first maximal position, by one scatter. ``adaptive_max_pool1d`` finds values
    and positions 7x faster on CPU than ``max(dim=1)`` (measured at (250, 34, 300)).
    """

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, invalid: torch.Tensor) -> torch.Tensor:
        a = a.detach()
        n, steps, channels = a.shape
        a.view(n, steps, invalid.shape[2], -1).masked_fill_(invalid[..., None], float("-inf"))
        values, index = nn.functional.adaptive_max_pool1d(
            a.transpose(1, 2), 1, return_indices=True
        )  # (N, C, 1) each
        ctx.save_for_backward(index)
        ctx.shape = a.shape
        return values.squeeze(2)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (index,) = ctx.saved_tensors
        out = grad.new_zeros(ctx.shape)
        return out.scatter_(1, index.transpose(1, 2), grad.unsqueeze(1)), None


class CNNGroup(nn.Module):
    """G :class:`TextCNN` networks of one shape run as one computation.

    The members' weights are stacked on a leading axis -- embedding tables side by side
    in one ``(G * V, D)`` table, filters as ``(G, K * C, n_kernels * F)`` -- so a step
    of all members is a handful of batched matrix products instead of G small ones:
    per-step overhead is paid once. Each member still has its own weights, and its
    rows never meet another member's: every operation is per member.

    Parameters
    ----------
    members : list of TextCNN
        Networks with identical shapes (vocabulary, widths, filters, outputs). Their
        weights are copied in; :meth:`unstack` copies the trained ones back.
    """

    def __init__(self, members: list[TextCNN]) -> None:
        super().__init__()
        first = members[0]
        self.members = list(members)  # a plain list: not registered, not in parameters()
        self.kernel_sizes = first.kernel_sizes
        self.n_members = len(members)
        emb = first.embedding
        self.vocab_size, dim = emb.tuned.weight.shape
        self.per_width = first.convs[0].out_channels
        tuned = [m.embedding.tuned.weight.detach() for m in members]
        if emb.tuned.weight.requires_grad:  # one table per member, looked up with offsets
            self.table = nn.Parameter(torch.cat(tuned))  # (G * V, D)
            self.stacked_table = True
        else:  # frozen and identical in every member: one shared copy
            self.register_buffer("table", tuned[0].clone())  # (V, D)
            self.stacked_table = False
        frozen = None if emb.frozen is None else emb.frozen.weight.detach().clone()
        self.register_buffer("frozen", frozen)  # (V, D) or None (multichannel only)
        weights, biases = zip(*(m.stacked_weight() for m in members), strict=True)
        self.weight = nn.Parameter(torch.stack([w.detach() for w in weights]))  # (G, KC, nk*F)
        self.bias = nn.Parameter(torch.stack([b.detach() for b in biases]))  # (G, nk * F)
        # Narrow filters are zero-padded to the widest: the mask keeps those zeros (and
        # gives them no gradient, so Adam never moves them).
        self.register_buffer(
            "weight_mask", tap_mask(self.kernel_sizes, self.per_width, emb.out_dim)[None]
        )  # (1, K * C, nk * F)
        self.out_weight = nn.Parameter(
            torch.stack([m.output.weight.detach().T for m in members])
        )  # (G, nk * F, O)
        self.out_bias = nn.Parameter(torch.stack([m.output.bias.detach() for m in members]))

    def parameter_owners(self) -> list[tuple[nn.Parameter, int | None]]:
        """Trainable parameters, each with its member (None: stacked on the first axis)."""
        return [(p, None) for p in self.parameters() if p.requires_grad]

    def _embed(self, ids: torch.Tensor, members: torch.Tensor) -> torch.Tensor:
        """(G', B, W) ids -> (G', B, W, C) vectors of each member's own table."""
        if self.stacked_table:
            flat = ids + (members * self.vocab_size)[:, None, None]
            x = nn.functional.embedding(flat, self.table, sparse=True)
            if torch.is_grad_enabled():  # no gradient into the padding rows
                x = x * (ids != 0)[..., None]
        else:
            x = nn.functional.embedding(ids, self.table)
        if self.frozen is not None:
            x = torch.cat([nn.functional.embedding(ids, self.frozen), x], dim=-1)
        return x  # (G', B, W, C)

    def forward(
        self,
        ids: torch.Tensor,
        lengths: torch.Tensor,
        keep: torch.Tensor | None = None,
        members: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Scores of the selected members, each on its own rows.

        Parameters
        ----------
        ids : Tensor of shape (G', B, W), or (B, W) for the same rows in every member
            Right-padded token ids.
        lengths : Tensor of shape (G', B), or (B,)
            Tokens per row.
        keep : Tensor of shape (G', B, nk * F) or None, default=None
            Dropout keep-mask already scaled by ``1 / (1 - p)`` (training), or None.
        members : Tensor of int of shape (G',) or None, default=None
            Which members run (None: all, in order).

        Returns
        -------
        Tensor of shape (G', B, n_outputs)
        """
        if members is None:
            members = torch.arange(self.n_members, device=ids.device)
        g = len(members)
        if ids.dim() == 2:  # shared rows: every member reads the same batch
            ids = ids.expand(g, *ids.shape)
            lengths = lengths.expand(g, *lengths.shape)
        every = g == self.n_members
        widest = max(self.kernel_sizes)
        _, b, _ = ids.shape
        x = self._embed(nn.functional.pad(ids, (widest - 1, widest - 1)), members)
        win = x.unfold(2, widest, 1)  # (G', B, T, C, K)
        steps = win.shape[2]
        win = win.transpose(3, 4).reshape(g, b * steps, -1)  # (G', B * T, K * C)
        weight = self.weight * self.weight_mask
        weight, bias = (weight, self.bias) if every else (weight[members], self.bias[members])
        # One product for all widths: narrow filters multiply zeros in their left padding
        # (20% more FLOPs at widths 3-4-5), still faster than a product per width, whose
        # backward must sum three partial gradients of the windows (measured).
        a = torch.bmm(win, weight).view(g * b, steps, -1)  # (G' * B, T, nk * F)
        ends = lengths.reshape(-1, 1) + torch.tensor(self.kernel_sizes, device=ids.device) - 1
        invalid = torch.arange(steps, device=ids.device)[None, :, None] >= ends[:, None, :]
        # max_t relu(a_t + b) = relu(max_t a_t + b): pool the pre-activations, then add
        # the bias and rectify the small pooled tensor (fewer passes over the big one).
        pooled = _MaskedMaxOverTime.apply(a, invalid).view(g, b, -1)
        pooled = (pooled + bias[:, None, :]).relu()  # (G', B, nk * F)
        if keep is not None:
            pooled = pooled * keep
        out_w, out_b = (
            (self.out_weight, self.out_bias)
            if every
            else (self.out_weight[members], self.out_bias[members])
        )
        return torch.baddbmm(out_b[:, None, :], pooled, out_w)  # (G', B, O)

    def renorm_output(self, max_norm: float) -> None:
        """Kim's max-norm: cap the L2 norm of each member's output weight rows."""
        with torch.no_grad():
            norms = self.out_weight.norm(dim=1, keepdim=True)  # (G, 1, O)
            self.out_weight.mul_((max_norm / norms.clamp(min=1e-7)).clamp(max=1.0))

    def member_state(self, k: int) -> dict[str, torch.Tensor]:
        """A copy of member ``k``'s trainable weights."""
        state = {n: p[k].detach().clone() for n, p in self.named_parameters() if n != "table"}
        if self.stacked_table:
            v = self.vocab_size
            state["table"] = self.table[k * v : (k + 1) * v].detach().clone()
        return state

    def load_member_state(self, k: int, state: dict[str, torch.Tensor]) -> None:
        """Put back what :meth:`member_state` copied."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name == "table":
                    v = self.vocab_size
                    p[k * v : (k + 1) * v].copy_(state["table"])
                else:
                    p[k].copy_(state[name])

    def unstack(self) -> list[TextCNN]:
        """Copy the stacked weights back into the member networks and return them."""
        widest = max(self.kernel_sizes)
        v, f = self.vocab_size, self.per_width
        with torch.no_grad():
            for k, m in enumerate(self.members):
                m.to(self.weight.device)
                if self.stacked_table:
                    m.embedding.tuned.weight.copy_(self.table[k * v : (k + 1) * v])
                w = self.weight[k].view(widest, -1, self.weight.shape[2]).permute(2, 1, 0)
                for i, (width, conv) in enumerate(zip(self.kernel_sizes, m.convs, strict=True)):
                    conv.weight.copy_(w[i * f : (i + 1) * f, :, widest - width :])
                    conv.bias.copy_(self.bias[k, i * f : (i + 1) * f])
                m.output.weight.copy_(self.out_weight[k].T)
                m.output.bias.copy_(self.out_bias[k])
        return self.members


class ModuleGroup(nn.Module):
    """G networks of any kind behind the :class:`CNNGroup` interface, run one by one.

    For networks whose steps do not stack (packed RNN sequences): the training loop is
    the same, only the per-step overhead is paid per member.

    Parameters
    ----------
    members : list of nn.Module
        Networks with ``features(ids, lengths)`` and an ``output`` layer.
    """

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.n_members = len(members)

    def parameter_owners(self) -> list[tuple[nn.Parameter, int | None]]:
        """Trainable parameters, each with the member it belongs to."""
        return [
            (p, k) for k, m in enumerate(self.members) for p in m.parameters() if p.requires_grad
        ]

    def forward(
        self,
        ids: torch.Tensor,
        lengths: torch.Tensor,
        keep: torch.Tensor | None = None,
        members: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Scores (G', B, n_outputs); the arguments are those of :meth:`CNNGroup.forward`."""
        chosen = range(self.n_members) if members is None else members.tolist()
        outs = []
        for j, k in enumerate(chosen):
            x, n = (ids, lengths) if ids.dim() == 2 else (ids[j], lengths[j])
            h = self.members[k].features(x, n)  # (B, H)
            if keep is not None:
                h = h * keep[j]
            outs.append(self.members[k].output(h))
        return torch.stack(outs)  # (G', B, O)

    def renorm_output(self, max_norm: float) -> None:
        """Kim's max-norm on each member's output weight rows."""
        with torch.no_grad():
            for m in self.members:
                w = m.output.weight
                w.copy_(torch.renorm(w, p=2, dim=0, maxnorm=max_norm))

    def member_state(self, k: int) -> dict[str, torch.Tensor]:
        """A copy of member ``k``'s weights."""
        return {n: t.detach().clone() for n, t in self.members[k].state_dict().items()}

    def load_member_state(self, k: int, state: dict[str, torch.Tensor]) -> None:
        """Put back what :meth:`member_state` copied."""
        self.members[k].load_state_dict(state)

    def unstack(self) -> list[nn.Module]:
        """The member networks."""
        return list(self.members)


def make_group(members: list[nn.Module]) -> CNNGroup | ModuleGroup:
    """Stack networks for lockstep training or prediction.

    Parameters
    ----------
    members : list of nn.Module
        Networks of one kind and shape.

    Returns
    -------
    CNNGroup or ModuleGroup
        Stacked weights for CNNs, a one-by-one wrapper for anything else.
    """
    if all(isinstance(m, TextCNN) for m in members):
        return CNNGroup(members)
    return ModuleGroup(members)
