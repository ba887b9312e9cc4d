"""Tiny synthetic text data: the target is readable from the words, with noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

POS = ["good", "great", "superb", "lovely", "fine", "wonderful"]
NEG = ["bad", "awful", "poor", "dull", "boring", "terrible"]
NEUTRAL = ["film", "plot", "actor", "the", "a", "scene", "story", "movie", "and", "was"]


def make_texts(labels: np.ndarray, rng: np.random.RandomState) -> list[str]:
    texts = []
    for lab in labels:
        words = list(rng.choice(NEUTRAL, size=rng.randint(3, 12)))
        cue = POS if lab == 1 else NEG
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randint(len(words) + 1), cue[rng.randint(len(cue))])
        texts.append(" ".join(words))
    return texts


@pytest.fixture
def binary_data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 2, size=160)
    X = pd.DataFrame({"review": make_texts(labels, rng)})
    y = np.where(labels == 1, "pos", "neg")
    return X, y


#: Four short reviews (word-piece tests), six times over, and their labels.
REVIEWS = [
    "A gorgeous, witty, seductive movie.",
    "The plot is a tedious mess and the acting is worse.",
    "An unforgettable performance; I loved every minute!",
    "Dull, lifeless and far too long.",
] * 6
LABELS = ["pos", "neg", "pos", "neg"] * 6

FAST = dict(
    embeddings=None,
    embedding_mode="rand",
    embedding_dim=16,
    n_filters=8,
    kernel_sizes=(2, 3),
    max_epochs=4,
    early_stopping=False,
    batch_size=16,
    lr=1e-2,
    cv=3,
    random_state=0,
    # the tiny networks rarely beat their n-gram models on these word-cue texts: keep them
    # (tests/test_plan.py covers stepping aside)
    step_aside=False,
    # one thread: "auto" follows the machine's load, and another thread count sums in
    # another order, so equality tests would depend on what else runs (test_threads.py
    # covers "auto")
    n_threads=1,
)

FAST_RNN = {k: v for k, v in FAST.items() if k not in ("kernel_sizes", "n_filters")}
FAST_RNN["hidden_size"] = 12


def _kinds():
    from textcnn import TextCNNEncoder, TextRNNEncoder

    return {
        "cnn": lambda **kw: TextCNNEncoder(**{**FAST, **kw}),
        "bigru": lambda **kw: TextRNNEncoder(**{**FAST_RNN, "cell": "gru", **kw}),
        "bilstm": lambda **kw: TextRNNEncoder(
            **{**FAST_RNN, "cell": "lstm", "hidden_size": 16, "max_epochs": 8, **kw}
        ),
        "char-cnn": lambda **kw: TextCNNEncoder(
            **{
                **FAST,
                "level": "char",
                "kernel_sizes": (3, 5),
                "n_filters": 16,
                "max_epochs": 8,
                **kw,
            }
        ),
    }


@pytest.fixture(params=["cnn", "bigru", "bilstm", "char-cnn"])
def make(request):
    """Factory of a tiny encoder of each network kind (same contract for all)."""
    return _kinds()[request.param]


@pytest.fixture
def umask():
    """Run the test under umask 027 (files 0640, directories 0750); restored after."""
    import os

    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)
