"""What the training loop carries from one epoch to the next, saved and put back.

A checkpoint (``cfg.resume``) keeps a unit's training state after each epoch, so that a fit
killed mid-training goes on at the next epoch exactly as if it had not stopped:
:func:`loop_state` turns the state into JSON-able facts and named arrays (the checkpoint
writes them), :func:`restore_loop` puts them back into a freshly built group. ``members``
are the loop's :class:`~textcnn._torch.training.Member` records (this module does not import
the loop, which imports it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .optim import GroupAdam


def loop_state(
    group: nn.Module,
    optimizer: GroupAdam,
    members: list[Any],
    generators: list[torch.Generator],
    epoch: int,
    running: list[int],
    n_epochs: int,
) -> tuple[dict, dict[str, np.ndarray]]:
    """Everything the loop carries from one epoch to the next, as facts and arrays.

    The group's weights, the optimiser's moments and step counts, and per member its
    best weights, early-stopping counters, batch-order RNG and dropout generator: what
    :func:`restore_loop` needs for the next epoch to run as if the loop had not stopped.
    """
    arrays = {f"group/{k}": v.detach().cpu().numpy() for k, v in group.state_dict().items()}
    for i, (m, v) in enumerate(optimizer.moments):
        arrays[f"adam/{i}/m"], arrays[f"adam/{i}/v"] = m.cpu().numpy(), v.cpu().numpy()
    arrays["adam/steps"] = optimizer.steps.copy()
    facts = []
    for k, member in enumerate(members):
        kind, keys, pos, has_gauss, cached = member.rng.get_state()
        arrays[f"rng/{k}"] = keys
        arrays[f"generator/{k}"] = generators[k].get_state().numpy()
        for name, t in (member.best_state or {}).items():
            arrays[f"best/{k}/{name}"] = t.cpu().numpy()
        facts.append(
            {
                "best_loss": member.best_loss,
                "best_epoch": member.best_epoch,
                "stale": member.stale,
                "epochs_trained": member.epochs_trained,
                "deadline_cut": member.deadline_cut,
                "best_state": member.best_state is not None,
                "rng": [kind, int(pos), int(has_gauss), float(cached)],
            }
        )
    info = {
        "epoch": epoch,
        "n_epochs": n_epochs,
        "running": list(running),
        "deadline_cut": any(m.deadline_cut for m in members),
        "members": facts,
    }
    return info, arrays


def restore_loop(
    saved: tuple[dict, dict[str, np.ndarray]],
    group: nn.Module,
    optimizer: GroupAdam,
    members: list[Any],
    generators: list[torch.Generator],
) -> tuple[int, list[int]]:
    """Put back what :func:`loop_state` saved; the epochs done and the members running.

    Members the deadline had stopped run on (a resumed run has its own deadline). A
    state that does not fit this group (another shape) is refused with ``ValueError``.
    """
    info, arrays = saved
    weights = {k[len("group/") :]: v for k, v in arrays.items() if k.startswith("group/")}
    own = group.state_dict()
    if len(info["members"]) != len(members) or {k: v.shape for k, v in weights.items()} != {
        k: tuple(v.shape) for k, v in own.items()
    }:
        raise ValueError("the saved training state is of another group of networks")
    group.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    device = own[next(iter(own))].device
    with torch.no_grad():
        for i, (m, v) in enumerate(optimizer.moments):
            m.copy_(torch.from_numpy(arrays[f"adam/{i}/m"]))
            v.copy_(torch.from_numpy(arrays[f"adam/{i}/v"]))
    optimizer.steps[:] = arrays["adam/steps"]
    for k, (member, facts) in enumerate(zip(members, info["members"], strict=True)):
        kind, pos, has_gauss, cached = facts["rng"]
        member.rng.set_state((kind, arrays[f"rng/{k}"], pos, has_gauss, cached))
        generators[k].set_state(torch.from_numpy(arrays[f"generator/{k}"]))
        member.best_loss, member.best_epoch = float(facts["best_loss"]), facts["best_epoch"]
        member.stale, member.epochs_trained = facts["stale"], float(facts["epochs_trained"])
        member.deadline_cut = False  # it trains on
        prefix = f"best/{k}/"
        member.best_state = (
            {n[len(prefix) :]: torch.from_numpy(v).to(device) for n, v in arrays.items()
             if n.startswith(prefix)}
            if facts["best_state"] else None
        )  # fmt: skip
    return int(info["epoch"]), [int(k) for k in info["running"]]
