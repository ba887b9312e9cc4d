"""
Airline tweets: text features inside HistGradientBoosting
=========================================================

Airline tweets (3-class sentiment): tabular columns + text features into HistGradientBoosting.

Compares, on the same 5 folds (grouped by ``tweet_id``: the file repeats some tweets),
HistGradientBoostingClassifier on the tabular columns with: no text; TF-IDF + SVD(50);
out-of-fold TF-IDF + logistic regression; skrub's StringEncoder; our out-of-fold
TextCNN features; and TextCNN + TF-IDF-linear together (the CNN blended or not). Then
lists the n-grams that drive each class in a CNN fitted on all tweets. Usage::

    TEXTCNN_DATA=../shared/data python examples/airline_tweets.py
    TEXTCNN_DATA=../shared/data python examples/airline_tweets.py --only "TextCNN (ours)"

``--only`` runs the named configurations and merges them into the saved results (each
configuration is deterministic and runs on the same folds).

The annotation columns that leak the label (``negativereason*``,
``airline_sentiment_confidence``, ``*_gold``) are dropped by the loader and never used.
Writes ``examples/results/airline_tweets.{md,json,png}``.
"""

import pandas as pd
from _tabular import compare, only_configs, timed
from sklearn.model_selection import StratifiedGroupKFold

from textcnn import TextCNNEncoder
from textcnn.datasets import load_airline_tweets

ONLY = only_configs()  # --only NAME ...: run those configurations, merged into the results

tweets = load_airline_tweets()  # drop_leaky=True
created = pd.to_datetime(tweets["tweet_created"].str[:19])  # local time of the tweet
frame = pd.DataFrame(
    {
        "text": tweets["text"].fillna(""),
        "airline": tweets["airline"],
        "user_timezone": tweets["user_timezone"],
        "retweet_count": tweets["retweet_count"],
        "hour": created.dt.hour,
        "weekday": created.dt.day_of_week,
        "day": created.dt.day,
        "sentiment": tweets["airline_sentiment"],
    }
)
compare(
    "airline_tweets",
    frame,
    target="sentiment",
    text="text",
    categorical=["airline", "user_timezone"],
    numeric=["retweet_count", "hour", "weekday", "day"],
    splitter=StratifiedGroupKFold(5, shuffle=True, random_state=0),
    groups=tweets["tweet_id"].to_numpy(),
    regression=False,
    only=ONLY,
)

if ONLY is None:  # the n-grams that drive the CNN (the full run only)
    # What the CNN learned: the n-grams that most activate the filters driving each class.
    encoder = timed(
        "CNN refit on all tweets",
        lambda: TextCNNEncoder(refit=True, random_state=0).fit(frame[["text"]], frame["sentiment"]),
    )
    top = encoder.top_ngrams(frame[["text"]], n_filters=3, n_ngrams=4)
    with pd.option_context("display.width", 160, "display.max_colwidth", 90):
        print(top[["output", "rank", "width", "drive", "ngrams"]].to_string(index=False))
