"""``textcnn demo``: out-of-fold features of the embedded BBC News data (the CLI's demo)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any


def cmd_demo(args: argparse.Namespace) -> int:
    """Out-of-fold features on the embedded BBC News data, with their OOF accuracy."""
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss

    from . import TextCNNEncoder
    from .datasets import load_bbc_news

    frame = load_bbc_news()
    enc = TextCNNEncoder(
        cv=args.cv,
        max_length=args.max_length,
        max_epochs=args.max_epochs or "auto",
        random_state=args.seed,
        step_aside=args.step_aside,
        verbose=not args.quiet,  # bars on a terminal, progress lines elsewhere
    )
    start = time.perf_counter()
    features = enc.set_output(transform="pandas").fit_transform(frame[["text"]], frame["category"])
    seconds = time.perf_counter() - start
    proba = features.to_numpy()
    pred = enc.classes_[np.argmax(proba, axis=1)]
    out = sys.stdout
    out.write(
        f"BBC News: {len(frame)} articles, {len(enc.classes_)} classes, {args.cv}-fold "
        f"out-of-fold TextCNN features ({enc.embeddings}, {enc.embedding_mode}, "
        f"coverage {enc.embedding_coverage_.get('text', float('nan')):.1%})\n"
    )
    out.write(features.head().round(3).to_string() + "\n")
    if enc.plan_.aside:
        out.write(
            "The networks stepped aside: out of fold they did not rank the articles better "
            "than their n-gram model alone, so these are the n-gram model's features "
            "(TfidfLinearEncoder's); `textcnn demo --no-step-aside` shows the networks'.\n"
        )
    out.write(
        f"OOF accuracy {accuracy_score(frame['category'], pred):.4f}  "
        f"OOF log-loss {log_loss(frame['category'], proba, labels=enc.classes_):.4f}  "
        f"fit_transform {seconds:.1f} s\n"
    )
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``demo`` command to the CLI's sub-parsers ``sub``."""
    demo = sub.add_parser("demo", parents=[common], help="features of the BBC News data")
    demo.add_argument("--cv", type=int, default=5, help="folds (default: 5)")
    demo.add_argument("--max-length", type=int, default=200, help="tokens per article")
    demo.add_argument("--max-epochs", type=int, default=None, help="epochs (default: auto)")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.add_argument(
        "--step-aside",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="let the networks give way to their n-gram model where they do not beat it "
        "out of fold (default: yes, as the encoder)",
    )
    demo.set_defaults(func=cmd_demo)
