"""Where and how the networks run: device choice, mixed precision, transfers."""

from __future__ import annotations

import torch


def resolve_device(device: str) -> str:
    """Resolve ``"auto"`` to ``"cuda"`` when a GPU is present, else ``"cpu"``.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (any torch device string).

    Returns
    -------
    str
        A concrete device.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)  # raises on nonsense
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available; use 'auto' or 'cpu'")
    return str(dev)


def amp_dtype(device: str) -> torch.dtype | None:
    """Mixed-precision dtype for ``device``: bf16 on CUDA GPUs that have it, else None.

    On CPU the networks run in fp32: at these layer sizes bf16 autocast costs more in
    casts than it saves (measured; see docs/benchmarks/speed.md). GPUs without bf16
    run fp32 too (fp16 would need loss scaling).

    Examples
    --------
    >>> amp_dtype("cpu") is None
    True
    """
    if not device.startswith("cuda"):
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else None


def autocast(device: str) -> torch.autocast:
    """Mixed precision on CUDA where :func:`amp_dtype` says so; a no-op elsewhere."""
    dtype = amp_dtype(device)
    if dtype is None:
        return torch.autocast(device_type="cpu", enabled=False)
    return torch.autocast(device_type="cuda", dtype=dtype)


def to_device(t: torch.Tensor, device: str) -> torch.Tensor:
    """``t`` on ``device`` (pinned, non-blocking copy to a GPU; as is on the CPU)."""
    if device == "cpu":
        return t
    return t.pin_memory().to(device, non_blocking=True)
