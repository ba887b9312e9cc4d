"""Static word-piece vectors distilled from a sentence-transformer (the model2vec recipe)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch


def distil_pieces(
    model_dir: Path,
    ids: Sequence[int],
    bos_id: int,
    eos_id: int,
    batch_size: int = 512,
) -> np.ndarray:
    """Static vectors (n, hidden size): each word-piece alone through the model, mean-pooled.

    ``bos piece eos`` (``[CLS] piece [SEP]`` for BERT, ``<s> piece </s>`` for MPNet)
    gives three output states; their mean is what a mean-pooling sentence-transformer
    itself returns for a one-piece text (before normalising).

    Parameters
    ----------
    model_dir : pathlib.Path
        A local ``transformers`` model (loaded with ``local_files_only=True``).
    ids : sequence of int
        The model's ids of the word-pieces to embed, in the order of the rows returned.
    bos_id, eos_id : int
        The model's ids of the tokens that open and close a text.
    batch_size : int, default=512
        Pieces per forward pass.

    Returns
    -------
    ndarray of shape (len(ids), hidden size), float32
    """
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise here
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    pieces = torch.as_tensor(list(ids), dtype=torch.long)
    table = np.zeros((len(pieces), int(model.config.hidden_size)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(pieces), batch_size):
            batch = pieces[start : start + batch_size]  # (B,)
            x = torch.stack(
                [torch.full_like(batch, bos_id), batch, torch.full_like(batch, eos_id)], 1
            )
            states = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            table[start : start + len(batch)] = states.mean(dim=1).float().numpy()  # (B, H)
    return table
