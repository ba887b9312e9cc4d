"""Groups of networks run as one: the fold networks of a column trained in lockstep.

:class:`CNNGroup` stacks G :class:`~textcnn._nn.TextCNN` networks of one shape so that a
step of all of them is a few batched matrix products; :class:`ModuleGroup` gives any
other network kind (the RNNs) the same interface, run member by member;
:func:`make_group` picks one of the two.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ._nn import TextCNN


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
