"""The thread policy, in one place: how many threads the networks and BLAS use.

Used by fit and transform of the neural encoders (and so by the CLI's ``--threads``,
the AutoML plugins and Dask workers, which all go through them). Two thread pools
sharing the cores slow each other down many times over (OpenMP threads spin-wait for
each other), so the networks take the cores that are free now (``n_threads="auto"``),
an explicit count that oversubscribes the cores logs a warning, and the linear models
and the PCA of the word vectors run BLAS on one thread. Torch-free: the caller passes
torch's getter and setter (:func:`torch_threads`), so ``TfidfLinearEncoder`` never
imports torch.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

_threads_warned = False  # warn_if_oversubscribed speaks once per process


def running_elsewhere(samples: int = 5) -> int | None:
    """Threads running on the machine now besides the caller (Linux), else None.

    The 4th field of ``/proc/loadavg`` counts the threads running at this instant
    (the reader included); the least of a few readings 1 ms apart ignores blips.
    """
    counts = []
    try:
        for _ in range(samples):
            with open("/proc/loadavg", encoding="ascii") as fh:
                counts.append(int(fh.read().split()[3].split("/")[0]))
            time.sleep(0.001)
    except (OSError, ValueError, IndexError):
        return None
    return max(0, min(counts) - 1)


def warn_if_oversubscribed(torch_threads: int, n_jobs: int | None) -> bool:
    """Warn (once per process) when training would oversubscribe the cores.

    Training uses ``torch_threads`` threads; the threads already running on the
    machine -- other processes, and thread pools of this process busy beside the
    training (e.g. HistGradientBoosting's OpenMP pool in another thread) -- compete
    with them. When the sum exceeds ``os.cpu_count()``, every pool slows down, often
    many times over (OpenMP threads spin-wait for each other), so the warning names
    this process's thread pools (``threadpoolctl.threadpool_info()``) and how to
    limit them. With ``n_jobs`` > 1 the folds run in joblib workers, which limit
    their own threads: nothing to check here.

    Parameters
    ----------
    torch_threads : int
        ``torch.get_num_threads()`` of the training process.
    n_jobs : int or None
        The encoder's ``n_jobs``.

    Returns
    -------
    bool
        Whether this call warned.
    """
    global _threads_warned
    if _threads_warned or n_jobs not in (None, 1):
        return False
    cores = os.cpu_count() or 1
    busy = running_elsewhere()
    if busy is None or torch_threads + busy <= cores:
        return False
    from threadpoolctl import threadpool_info

    pools = ", ".join(
        f"{Path(p['filepath']).name} ({p['internal_api']}, {p['num_threads']})"
        for p in threadpool_info()
    )
    _threads_warned = True
    logger.warning(
        "training with %d torch threads while %d other thread(s) run on %d cores: the cores "
        "are oversubscribed and timings can be several times slower. This process's thread "
        "pools: %s. Limit them: torch.set_num_threads(k) (or OMP_NUM_THREADS=k before "
        "start) for training, threadpoolctl.threadpool_limits(k) for scikit-learn models "
        "such as HistGradientBoosting; see the documentation's 'Timings and threads' page",
        torch_threads,
        busy,
        cores,
        pools or "-",
    )
    return True


def choose_threads(n_threads: int | str, torch_threads: int, n_jobs: int | None) -> int:
    """Threads for the networks: ``n_threads`` as given, or the ``"auto"`` choice.

    ``"auto"`` takes torch's thread count (all cores unless set otherwise), less the
    threads already running on the machine besides the caller, at least 1. Two
    thread pools sharing the cores slow each other down many times over (OpenMP
    threads spin-wait for each other), so on a loaded 2-core machine one thread is
    much faster than two. With ``n_jobs`` > 1 the folds run in joblib workers, which
    limit their own threads. An explicit count that oversubscribes the cores logs a
    warning (:func:`warn_if_oversubscribed`).

    Parameters
    ----------
    n_threads : int or "auto"
        The encoder's ``n_threads``.
    torch_threads : int
        ``torch.get_num_threads()`` now.
    n_jobs : int or None
        The encoder's ``n_jobs``.

    Returns
    -------
    int
        Threads to train and predict with.
    """
    if n_threads != "auto":
        warn_if_oversubscribed(int(n_threads), n_jobs)
        return int(n_threads)
    if n_jobs not in (None, 1):
        return torch_threads
    busy = running_elsewhere()
    if busy is None:
        return torch_threads
    chosen = max(1, min(torch_threads, (os.cpu_count() or 1) - busy))
    if chosen < torch_threads:
        logger.info(
            "%d other thread(s) running on %d cores: the networks use %d thread(s) instead "
            "of %d (n_threads='auto')",
            busy,
            os.cpu_count(),
            chosen,
            torch_threads,
        )
    return chosen


def dask_worker_threads() -> int | None:
    """Threads of the Dask worker running this task (None outside a worker).

    Examples
    --------
    >>> dask_worker_threads() is None  # not inside a Dask worker
    True
    """
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return None


@contextmanager
def torch_threads(
    n_threads: int | str,
    n_jobs: int | None,
    get_threads: Callable[[], int],
    set_threads: Callable[[int], None],
) -> Iterator[int]:
    """Run the block with the policy's thread count, then restore the previous count.

    The count starts from the Dask worker's threads inside a Dask worker (two
    single-thread workers on two cores must not fight over them), else from torch's
    own count, and goes through :func:`choose_threads`.

    Parameters
    ----------
    n_threads : int or "auto"
        The encoder's ``n_threads``.
    n_jobs : int or None
        The encoder's ``n_jobs``.
    get_threads, set_threads : callable
        ``torch.get_num_threads`` and ``torch.set_num_threads``.

    Yields
    ------
    int
        The thread count in force.

    Examples
    --------
    >>> count = [4]
    >>> with torch_threads(1, None, lambda: count[0], lambda n: count.__setitem__(0, n)) as n:
    ...     n, count[0]
    (1, 1)
    >>> count[0]
    4
    """
    before = get_threads()
    chosen = choose_threads(n_threads, dask_worker_threads() or before, n_jobs)
    if chosen != before:
        set_threads(chosen)
    try:
        yield chosen
    finally:
        if chosen != before:
            set_threads(before)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS on one thread (linear models, the PCA of word vectors).

    Their solvers gain little from more threads at these sizes, and idle OpenBLAS
    threads spin and starve the networks' threads afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.ones((2, 2)) @ np.ones(2) @ np.ones(2))
    4.0
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        yield
