"""GroupAdam: Adam over the stacked weights of a group of networks, lazy on embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn


def lr_factor(schedule: str, progress: float, warmup: float) -> float:
    """The learning rate's multiplier at ``progress`` (0 to 1) through the planned epochs.

    ``"constant"``: 1. ``"onecycle"``: a linear warm-up over the first ``warmup`` of the
    steps, then a linear decay to 0 at the end of the last planned epoch.

    Examples
    --------
    >>> [round(lr_factor("onecycle", p, 0.25), 2) for p in (0.0, 0.125, 0.25, 0.625, 1.0)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    >>> lr_factor("constant", 0.7, 0.1)
    1.0
    """
    if schedule == "constant":
        return 1.0
    if progress < warmup:
        return progress / warmup
    return max(0.0, (1.0 - progress) / (1.0 - warmup))


class GroupAdam:
    """Adam for the stacked weights of a group, stepping only the members that ran.

    Dense weights get the usual Adam update, masked to the members active in the step
    (each keeps its own step count for bias correction). Embedding tables arrive with
    sparse gradients and are updated **lazily**: only the rows the step looked up, as
    in ``torch.optim.SparseAdam`` -- a step then costs the batch's rows, not the whole
    vocabulary of every member (the dense update over the tables was the largest
    per-step cost; see docs/benchmarks/speed.md). Weight decay, when set, applies to
    those rows only.

    Parameters
    ----------
    owners : list of (Parameter, int or None)
        Trainable weights with their member, or None when stacked on the first axis
        (dense: ``(G, ...)``; sparse: ``(G * V, D)`` with member ``row // V``).
    n_members : int
        Group size G.
    lr : float
        Learning rate.
    weight_decay : float
        L2 penalty added to the gradient.
    betas : tuple of float, default=(0.9, 0.999)
        Moment decay rates.
    eps : float, default=1e-8
        Denominator guard.
    """

    def __init__(
        self,
        owners: list[tuple[nn.Parameter, int | None]],
        n_members: int,
        lr: float,
        weight_decay: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.owners = owners
        self.n_members = n_members
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.steps = np.zeros(n_members, dtype=np.int64)
        #: Per member, the multiplier of ``lr`` at its next step (the schedule's).
        self.lr_factors = np.ones(n_members)
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p, _ in owners]

    def zero_grad(self) -> None:
        """Drop the gradients."""
        for p, _ in self.owners:
            p.grad = None

    @torch.no_grad()
    def step(self, active: Sequence[int]) -> None:
        """Update the weights of the ``active`` members from their gradients."""
        b1, b2 = self.betas
        self.steps[list(active)] += 1
        t = np.maximum(self.steps, 1)
        device = self.owners[0][0].device
        # Per member: lr / (1 - b1^t) and 1 / sqrt(1 - b2^t).
        size = self.lr * self.lr_factors / (1 - b1**t)
        step_size = torch.tensor(size, dtype=torch.float32, device=device)
        root_bc2 = torch.tensor(1 / np.sqrt(1 - b2**t), dtype=torch.float32, device=device)
        is_active = np.zeros(self.n_members, dtype=bool)
        is_active[list(active)] = True
        mask = torch.from_numpy(is_active).to(device)
        for (p, member), (m, v) in zip(self.owners, self.moments, strict=True):
            g = p.grad
            if g is None or (member is not None and not is_active[member]):
                continue
            if g.is_sparse:
                g = g.coalesce()
                rows, values = g.indices()[0], g.values()  # (U,), (U, D)
                if self.weight_decay:
                    values = values + self.weight_decay * p[rows]
                m_rows = m[rows].mul_(b1).add_(values, alpha=1 - b1)
                v_rows = v[rows].mul_(b2).addcmul_(values, values, value=1 - b2)
                m[rows], v[rows] = m_rows, v_rows
                if member is None:
                    owner = rows // (p.shape[0] // self.n_members)
                    size, scale = step_size[owner, None], root_bc2[owner, None]
                else:
                    size, scale = step_size[member], root_bc2[member]
                p.index_add_(0, rows, -size * m_rows / (v_rows.sqrt() * scale + self.eps))
                continue
            if self.weight_decay:
                g = g + self.weight_decay * p
            if member is not None:  # a whole tensor of one member
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = v.sqrt().mul_(root_bc2[member]).add_(self.eps)
                p.addcdiv_(m, denom, value=-float(step_size[member]))
                continue
            shape = (self.n_members,) + (1,) * (p.dim() - 1)
            if is_active.all():
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = v.sqrt().mul_(root_bc2.view(shape)).add_(self.eps)
                p.addcdiv_(m * step_size.view(shape), denom, value=-1.0)
                continue
            on = mask.view(shape)
            m.copy_(torch.where(on, m * b1 + (1 - b1) * g, m))
            v.copy_(torch.where(on, v * b2 + (1 - b2) * g * g, v))
            update = step_size.view(shape) * m / (v.sqrt() * root_bc2.view(shape) + self.eps)
            p.sub_(torch.where(on, update, torch.zeros_like(update)))
