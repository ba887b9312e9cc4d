"""Groups of networks run as one: the fold networks of a column trained in lockstep.

:class:`~textcnn._torch.cnn.TextCNN` is its own group (G members stacked in one
network); :class:`ModuleGroup` gives any other network kind (the RNNs) the same
interface, run member by member; :func:`make_group` picks one of the two.
"""

from __future__ import annotations

import torch
from torch import nn

from .cnn import TextCNN


class ModuleGroup(nn.Module):
    """G networks of any kind behind the :class:`TextCNN` group interface, run one by one.

    For networks whose steps do not stack (packed RNN sequences): the training loop is
    the same, only the per-step overhead is paid per member.

    Parameters
    ----------
    members : list of nn.Module
        Networks with ``features(ids, lengths)``, a ``dropout`` layer and an ``output``
        layer.
    """

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.n_members = len(members)
        self.dropout = float(members[0].dropout.p)
        self.n_features = int(members[0].output.in_features)

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
        """Scores (G', B, n_outputs); the arguments are those of :meth:`TextCNN.forward`."""
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


def make_group(members: list[nn.Module]) -> TextCNN | ModuleGroup:
    """Stack networks for lockstep training or prediction.

    Parameters
    ----------
    members : list of nn.Module
        Networks of one kind and shape.

    Returns
    -------
    TextCNN or ModuleGroup
        The CNNs' weights stacked in one network (copies), or a one-by-one wrapper.
    """
    if all(isinstance(m, TextCNN) for m in members):
        return TextCNN.stack(members)
    return ModuleGroup(members)
