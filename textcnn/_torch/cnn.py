"""The Kim (2014) CNN, written once for a group of G networks (a single network is G = 1)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .layers import (
    WordEmbedding,
    bag_max,
    distinct_tokens,
    invalid_steps,
    masked_max,
    max_over_time,
)

#: Memory cap of :meth:`TextCNN.project`'s per-token projections (bytes).
PROJECTION_BYTES = 512 * 2**20
#: Train and predict in token space (:meth:`TextCNN._token_tables`); False: the windowed
#: product (the reference the token space is tested against).
TOKEN_SPACE = True


def tap_mask(kernel_sizes: tuple[int, ...], n_filters: int, channels: int) -> torch.Tensor:
    """Which entries of the stacked filter matrix are real filter taps.

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


class TextCNN(nn.Module):
    """Kim (2014) CNN -- wide convolutions, ReLU, masked max-over-time, dropout, linear.

    Written once for G members of one shape (a single network is G = 1;
    :meth:`stack` joins networks, :meth:`unstack` splits them): the members' weights
    lie on a leading axis -- embedding tables side by side in one ``(G * V, D)``
    table, all filter widths as one ``(G, K * C, n_kernels * F)`` matrix over windows
    of the widest width ``K`` (narrow filters left-padded with zeros, so every
    filter's window ends at the same position) -- so a step of all members is a few
    batched matrix products. Each member keeps its own weights, and its rows never
    meet another member's.

    The convolution runs in token space (:meth:`_token_tables`), in training and
    prediction; the windowed product (:meth:`pre_activations`) is its tested reference.

    Parameters
    ----------
    embedding : WordEmbedding
        Input layer (its tables are taken over).
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
        sizes = tuple(int(k) for k in kernel_sizes)
        # torch's own initialisation, drawn in Kim's layer order
        convs = [nn.Conv1d(embedding.out_dim, n_filters, k) for k in sizes]
        output = nn.Linear(n_filters * len(sizes), n_outputs)
        widest = max(sizes)
        weight = torch.cat(
            [
                nn.functional.pad(c.weight.detach(), (widest - k, 0))
                for k, c in zip(sizes, convs, strict=True)
            ]
        )  # (nk * F, C, K)
        frozen = None if embedding.frozen is None else embedding.frozen.weight.detach()
        self._set_weights(
            sizes,
            float(dropout),
            [embedding.tuned.weight.detach()],
            embedding.tuned.weight.requires_grad,
            frozen,
            weight.permute(2, 1, 0).reshape(1, -1, weight.shape[0]),  # (1, K * C, nk * F)
            torch.cat([c.bias.detach() for c in convs])[None],  # (1, nk * F)
            output.weight.detach().T[None],  # (1, nk * F, O)
            output.bias.detach()[None],  # (1, O)
        )

    def _set_weights(
        self,
        kernel_sizes: tuple[int, ...],
        dropout: float,
        tables: Sequence[torch.Tensor],
        trainable: bool,
        frozen: torch.Tensor | None,
        weight: torch.Tensor,
        bias: torch.Tensor,
        out_weight: torch.Tensor,
        out_bias: torch.Tensor,
    ) -> None:
        """Register the (copied) stacked weights of ``len(weight)`` members."""
        self.kernel_sizes, self.dropout = kernel_sizes, dropout
        self.n_members = weight.shape[0]
        self.vocab_size, dim = tables[0].shape
        self.n_features = weight.shape[2]
        if trainable:  # one table per member, looked up with offsets
            self.table = nn.Parameter(torch.cat([t.detach() for t in tables]))  # (G * V, D)
        else:  # frozen and identical in every member: one shared copy
            self.register_buffer("table", tables[0].detach().clone())  # (V, D)
        self.stacked_table = trainable
        self.register_buffer("frozen", None if frozen is None else frozen.clone())  # (V, D)
        channels = weight.shape[1] // max(kernel_sizes)
        self.weight = nn.Parameter(weight.clone())  # (G, K * C, nk * F)
        self.bias = nn.Parameter(bias.clone())  # (G, nk * F)
        # Narrow filters are zero-padded to the widest: the mask keeps those zeros (and
        # gives them no gradient, so Adam never moves them).
        mask = tap_mask(kernel_sizes, self.n_features // len(kernel_sizes), channels)[None]
        self.register_buffer("weight_mask", mask, persistent=False)  # (1, K * C, nk * F)
        self.out_weight = nn.Parameter(out_weight.clone())  # (G, nk * F, O)
        self.out_bias = nn.Parameter(out_bias.clone())  # (G, O)
        self.projection: tuple[torch.Tensor, list[torch.Tensor], int] | None = None  # see project()

    @classmethod
    def stack(cls, members: Sequence[TextCNN]) -> TextCNN:
        """One network of all the members' weights (copied), in order."""
        group = cls.__new__(cls)
        nn.Module.__init__(group)
        first = members[0]
        group._set_weights(
            first.kernel_sizes,
            first.dropout,
            [m.table for m in members] if first.stacked_table else [first.table],
            first.stacked_table,
            first.frozen,
            torch.cat([m.weight.detach() for m in members]),
            torch.cat([m.bias.detach() for m in members]),
            torch.cat([m.out_weight.detach() for m in members]),
            torch.cat([m.out_bias.detach() for m in members]),
        )
        return group.to(first.weight.device)

    def unstack(self) -> list[TextCNN]:
        """The members as single networks (copies of their weights)."""
        v, parts = self.vocab_size, []
        for k in range(self.n_members):
            one = type(self).__new__(type(self))
            nn.Module.__init__(one)
            table = self.table[k * v : (k + 1) * v] if self.stacked_table else self.table
            one._set_weights(
                self.kernel_sizes,
                self.dropout,
                [table.detach()],
                self.stacked_table,
                self.frozen,
                self.weight.detach()[k : k + 1],
                self.bias.detach()[k : k + 1],
                self.out_weight.detach()[k : k + 1],
                self.out_bias.detach()[k : k + 1],
            )
            parts.append(one.to(self.weight.device))
        return parts

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

    def _select(self, members: torch.Tensor | None, device: torch.device) -> torch.Tensor:
        if members is None:
            return torch.arange(self.n_members, device=device)
        return members

    def pre_activations(
        self, ids: torch.Tensor, lengths: torch.Tensor, members: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Filter outputs before bias and ReLU at every position, and the invalid ones.

        Parameters
        ----------
        ids : Tensor of shape (G', B, W)
            Right-padded token ids, per selected member.
        lengths : Tensor of shape (G', B)
            Tokens per row.
        members : Tensor of int of shape (G',)
            The selected members.

        Returns
        -------
        a : Tensor of shape (G' * B, T, nk * F)
            Output ``t`` of every filter is its window ending at token ``t``
            (``T = W + K - 1``).
        invalid : Tensor of shape (G' * B, T, nk), bool
            Positions past each row's end, per filter width.
        """
        g, b, _ = ids.shape
        widest = max(self.kernel_sizes)
        x = self._embed(nn.functional.pad(ids, (widest - 1, widest - 1)), members)
        win = x.unfold(2, widest, 1)  # (G', B, T, C, K)
        steps = win.shape[2]
        win = win.transpose(3, 4).reshape(g, b * steps, -1)  # (G', B * T, K * C)
        weight = self.weight * self.weight_mask
        if g != self.n_members:
            weight = weight[members]
        # one product for all widths (narrow filters multiply their zero padding)
        a = torch.bmm(win, weight).view(g * b, steps, -1)  # (G' * B, T, nk * F)
        widths = torch.tensor(self.kernel_sizes, device=ids.device)
        ends = lengths.reshape(-1, 1) + widths - 1  # (G' * B, nk)
        return a, invalid_steps(ends, steps)

    def project(self, tokens: torch.Tensor, max_bytes: int | None = None) -> bool:
        """Project ``tokens`` through every member's filters once, for token-space inference.

        :meth:`features` then reads these instead of per-batch tables. Inference only.

        Parameters
        ----------
        tokens : Tensor of int
            Token ids that will be looked up (any shape, repeats allowed).
        max_bytes : int or None, default=None
            Memory cap of the projections (G x (U + 1) x sum(kernel_sizes) x F floats;
            None: :data:`PROJECTION_BYTES`); above it, nothing is projected and each
            batch projects its own tokens.

        Returns
        -------
        bool
            Whether the projections are in place. They live on this object (the
            prediction group, a temporary copy), never on a fitted network.
        """
        uniq = torch.unique(torch.cat([tokens.reshape(-1), tokens.new_zeros(1)]))  # (U,), PAD in
        g, n = self.n_members, len(uniq)
        per_width = self.n_features // len(self.kernel_sizes)
        cap = PROJECTION_BYTES if max_bytes is None else max_bytes
        if g * (n + 1) * sum(self.kernel_sizes) * per_width * 4 > cap:
            return False
        device = self.weight.device
        with torch.inference_mode():
            members = torch.arange(g, device=device)
            tables = self._token_tables(uniq.to(device).expand(g, -1), members, in_place=True)
            lookup = torch.full((self.vocab_size,), -1, dtype=torch.long, device=device)
            lookup[uniq.to(device)] = torch.arange(n, device=device)  # id -> u (PAD -> 0)
        self.projection = (lookup, tables, n)
        return True

    def _token_tables(
        self, tokens: torch.Tensor, members: torch.Tensor, in_place: bool = False
    ) -> list[torch.Tensor]:
        """Per filter width, each slot's tokens projected through its member's filters.

        A width-``k`` convolution over embeddings is a sum of per-token projections:
        the window ending at token ``t`` gives ``sum_i E[x_(t-k+1+i)] W_i``. With
        ``P_i = E W_i`` computed once per distinct token, an output is ``k`` lookups
        summed (:func:`~textcnn._torch.layers.bag_max`) instead of a ``k * C``-long
        product per filter (real taps only). Each slot's "end" token stands for the
        positions past a row's end: its offset-0 rows are ``-inf`` (a window starting
        there drops out of the max, no mask), its others PAD's.

        Parameters
        ----------
        tokens : Tensor of int of shape (S, U)
            Per slot, its distinct token ids, PAD (0) first.
        members : Tensor of int of shape (S,)
            The member of each slot.
        in_place : bool, default=False
            Write each table once into its final buffer (inference only: the tables of
            :meth:`project` are the big ones); else build them differentiably.

        Returns
        -------
        list of Tensor of shape ((S * U + S) * k, F)
            Per width ``k``: row ``(s * U + u) * k + i`` is offset ``i`` of token ``u`` of
            slot ``s``, and row ``(S * U + s) * k + i`` that of slot ``s``'s end token.
        """
        slots, n = tokens.shape
        widest = max(self.kernel_sizes)
        per_width = self.n_features // len(self.kernel_sizes)
        x = self._embed(tokens[:, None, :], members)[:, 0]  # (S, U, C)
        weight = self.weight if slots == self.n_members else self.weight[members]
        weight = weight.view(slots, widest, x.shape[2], -1)  # (S, K, C, nk * F)
        tables = []
        for c, k in enumerate(self.kernel_sizes):
            taps = weight[:, widest - k :, :, c * per_width : (c + 1) * per_width]
            taps = taps.permute(0, 2, 1, 3).reshape(slots, x.shape[2], k * per_width)
            rows = slots * n * k
            if in_place:  # project(): the big tables, written once (no copy)
                table = x.new_empty((rows + slots * k, per_width))
                torch.bmm(x, taps, out=table[:rows].view(slots, n, k * per_width))
                end = table[rows:].view(slots, k, per_width)
                end[:, 0] = float("-inf")
                end[:, 1:] = table[:rows].view(slots, n, k, per_width)[:, 0, 1:]  # PAD's
            else:  # differentiable
                proj = torch.bmm(x, taps).view(slots, n, k, per_width)
                blocked = proj.new_full((slots, 1, per_width), float("-inf"))
                end = torch.cat([blocked, proj[:, 0, 1:]], dim=1)  # (S, k, F)
                table = torch.cat([proj.reshape(rows, per_width), end.view(-1, per_width)])
            tables.append(table)
        return tables

    def _token_space(
        self,
        tokens: torch.Tensor,
        lengths: torch.Tensor,
        slots: torch.Tensor,
        tables: list[torch.Tensor],
        shape: tuple[int, int],
    ) -> torch.Tensor:
        """Max-pooled pre-activations (S' * B, nk * F) from :meth:`_token_tables`' tables.

        ``tokens`` (S', B, W): each row's token positions ``u`` in its slot (right-padded);
        ``slots`` (S',): the slot of each row set; ``shape``: the tables' (S, U).
        """
        s, b, w = tokens.shape
        n_slots, n = shape
        base = (slots * n)[:, None, None]  # PAD of each slot (u = 0)
        end = (n_slots * n + slots)[:, None, None]  # the slot's end token
        past = torch.arange(w, device=tokens.device) >= lengths[..., None]
        seq = torch.where(past, end, base + tokens)  # past a row's end: the end token
        pooled = []
        for k, table in zip(self.kernel_sizes, tables, strict=True):
            padded = torch.cat([base.expand(s, b, k - 1), seq, end.expand(s, b, k - 1)], 2)
            bags = padded.unfold(2, k, 1) * k + torch.arange(k, device=tokens.device)
            pooled.append(bag_max(table, bags.reshape(s * b, w + k - 1, k)))  # (S' * B, F)
        return torch.cat(pooled, dim=1)

    def _pooled(
        self, ids: torch.Tensor, lengths: torch.Tensor, members: torch.Tensor
    ) -> torch.Tensor:
        """Max-pooled pre-activations (G' * B, nk * F) of the selected members.

        From :meth:`project`'s tables when they are in place (inference), else in token
        space from this batch's own distinct tokens (:data:`TOKEN_SPACE`), else by the
        windowed product.
        """
        if self.projection is not None and not torch.is_grad_enabled():
            lookup, tables, n = self.projection
            tokens = lookup[ids]  # (G', B, W)
            if bool((tokens < 0).any()):
                raise ValueError("a token was not projected: call project() with the rows' ids")
            return self._token_space(tokens, lengths, members, tables, (self.n_members, n))
        if TOKEN_SPACE:
            uniq, tokens = distinct_tokens(ids)
            slots = torch.arange(len(uniq), device=ids.device)
            tables = self._token_tables(uniq, members)
            return self._token_space(tokens, lengths, slots, tables, tuple(uniq.shape))
        a, invalid = self.pre_activations(ids, lengths, members)
        return masked_max(a, invalid)

    def features(
        self, ids: torch.Tensor, lengths: torch.Tensor, members: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Pooled filter activations (G', B, nk * F) of the selected members, before dropout.

        ``ids`` (G', B, W) and ``lengths`` (G', B), or (B, W) and (B,) for the same rows
        in every selected member; ``members`` (G',): which members run (None: all).
        """
        members = self._select(members, ids.device)
        g = len(members)
        if ids.dim() == 2:  # shared rows: every member reads the same batch
            ids, lengths = ids.expand(g, *ids.shape), lengths.expand(g, *lengths.shape)
        bias = self.bias if g == self.n_members else self.bias[members]
        # max_t relu(a_t + b) = relu(max_t a_t + b): pool the pre-activations, then add
        # the bias and rectify the small pooled tensor (fewer passes over the big one).
        pooled = self._pooled(ids, lengths, members).view(g, ids.shape[1], -1)
        return (pooled + bias[:, None, :]).relu()  # (G', B, nk * F)

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
        members = self._select(members, ids.device)
        pooled = self.features(ids, lengths, members)
        if keep is not None:
            pooled = pooled * keep
        every = len(members) == self.n_members
        out_w = self.out_weight if every else self.out_weight[members]
        out_b = self.out_bias if every else self.out_bias[members]
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

    def filter_widths(self) -> np.ndarray:
        """Width of each pooled feature's filter, (n_kernels * F,) in feature order."""
        return np.repeat(np.asarray(self.kernel_sizes), self.n_features // len(self.kernel_sizes))

    def output_weight(self, k: int = 0) -> np.ndarray:
        """Member ``k``'s output-layer weight, (n_outputs, n_kernels * F), float64."""
        return self.out_weight[k].detach().cpu().numpy().T.astype(np.float64)

    @torch.inference_mode()
    def max_activations(
        self, ids: np.ndarray, lengths: np.ndarray, batch_size: int = 1024, k: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Member ``k``'s max-pooled filter activations per row, and where they were reached.

        Parameters
        ----------
        ids : ndarray of shape (N, L)
            Token ids.
        lengths : ndarray of shape (N,)
            Tokens per row.
        batch_size : int, default=1024
            Rows per forward pass.
        k : int, default=0
            The member.

        Returns
        -------
        values : ndarray of shape (N, n_kernels * F)
            The pooled features (ReLU'd, masked max over time).
        ends : ndarray of shape (N, n_kernels * F)
            The first position reaching the max: the window of a width-``w`` filter
            covers tokens ``end - w + 1 .. end``.
        """
        values, ends = [], []
        member = torch.tensor([k])
        for start in range(0, len(ids), batch_size):
            ids_b = torch.from_numpy(ids[start : start + batch_size].astype(np.int64))[None]
            lens_b = torch.from_numpy(lengths[start : start + batch_size].astype(np.int64))[None]
            a, invalid = self.pre_activations(ids_b, lens_b, member)
            pooled, index = max_over_time(a, invalid)  # (B, nk * F), (B, nk * F, 1)
            values.append((pooled + self.bias[k]).relu().numpy())
            ends.append(index[..., 0].numpy())
        return np.concatenate(values), np.concatenate(ends)
