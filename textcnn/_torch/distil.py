"""Static word-piece vectors distilled from a sentence-transformer (the model2vec recipe)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch


def distil_minilm(
    model_dir: Path,
    vocab: Mapping[str, int],
    ids: Sequence[int] | None = None,
    batch_size: int = 512,
) -> np.ndarray:
    """Static vectors (n, hidden size): each word-piece alone through the model, mean-pooled.

    ``[CLS] piece [SEP]`` gives three output states; their mean is what the
    sentence-transformer itself returns for a one-piece text (before normalising).

    Parameters
    ----------
    model_dir : pathlib.Path
        A local ``transformers`` model (loaded with ``local_files_only=True``).
    vocab : mapping of str to int
        The model's word-piece vocabulary (with ``[CLS]`` and ``[SEP]``).
    ids : sequence of int or None, default=None
        Word-pieces to embed (None: every id of ``vocab``, in id order).
    batch_size : int, default=512
        Pieces per forward pass.

    Returns
    -------
    ndarray of shape (n, hidden size), float32
    """
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise here
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    pieces = torch.arange(len(vocab)) if ids is None else torch.as_tensor(list(ids))
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    table = np.zeros((len(pieces), int(model.config.hidden_size)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(pieces), batch_size):
            batch = pieces[start : start + batch_size]  # (B,)
            x = torch.stack(
                [torch.full_like(batch, cls_id), batch, torch.full_like(batch, sep_id)], 1
            )
            states = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            table[start : start + len(batch)] = states.mean(dim=1).float().numpy()  # (B, 384)
    return table
