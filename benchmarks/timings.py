"""The one source of the set-up timings the docs quote: the demo, the quickstart, the tests.

Every figure of the getting-started and timings pages comes from the file this script
writes, ``benchmarks/results/timings.json``: the docs read its ``substitutions`` (MyST
``{{ name }}``, loaded by ``docs/conf.py``), so a page cannot quote another run's figure, and
each figure carries the date and the machine of its run. Measured one after the other, on a
quiet machine, each in a child process as a user runs it:

- the fp32 matmul peak of this host (``benchmarks/speed.py``'s), to read the seconds by;
- ``textcnn demo`` and ``textcnn demo --no-step-aside``: wall time, and what they print;
- ``examples/quickstart.py``: its ``fit`` time and held-out accuracy (needs the data);
- with ``--suite``: ``python -m pytest -q`` (the suite ``make test`` runs), its own total;
- with ``--ci``: ``bash .ci/run`` on a fresh clone of this repository's ``HEAD``.

Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/timings.py --suite --ci

Options not given keep the figures of the file's previous run (with their own dates).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _results import publish
from speed import matmul_peak

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
DEMO = re.compile(
    r"OOF accuracy (?P<accuracy>[\d.]+)\s+OOF log-loss (?P<log_loss>[\d.]+)\s+"
    r"fit_transform (?P<fit_s>[\d.]+) s"
)


def _run(command: list[str], cwd: Path = ROOT) -> tuple[float, str]:
    """Run ``command``; its wall seconds and its stdout (an error if it fails)."""
    started = time.perf_counter()
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({out.returncode}): {out.stderr[-2000:]}")
    return seconds, out.stdout


def _when() -> str:
    return f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"


def demo(*extra: str) -> dict[str, Any]:
    """``textcnn demo``: wall seconds and the figures it prints."""
    wall, stdout = _run([sys.executable, "-m", "textcnn.cli", "demo", *extra])
    found = DEMO.search(stdout)
    if found is None:
        raise RuntimeError(f"textcnn demo printed no figures: {stdout[-500:]}")
    figures = {k: float(v) for k, v in found.groupdict().items()}
    return {"when": _when(), "wall_s": round(wall, 1), **figures}


def quickstart() -> dict[str, Any]:
    """``examples/quickstart.py``: its fit time and held-out accuracy."""
    wall, stdout = _run([sys.executable, "examples/quickstart.py"])
    fit = re.search(r"fit: ([\d.]+) s", stdout)
    accuracy = re.search(r"held-out accuracy: ([\d.]+)", stdout)
    if fit is None or accuracy is None:
        raise RuntimeError(f"the quickstart printed no figures: {stdout[-500:]}")
    return {
        "when": _when(),
        "wall_s": round(wall, 1),
        "fit_s": float(fit.group(1)),
        "accuracy": float(accuracy.group(1)),
    }


def suite() -> dict[str, Any]:
    """The test suite as ``make test`` runs it (pytest only): its counts and total."""
    _, stdout = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    last = stdout.strip().splitlines()[-1]
    total = re.search(r"in ([\d.]+)s", last)
    counts = dict(
        (k, int(v)) for v, k in re.findall(r"(\d+) (passed|skipped|xfailed|failed)", last)
    )
    return {"when": _when(), "seconds": float(total.group(1)), **counts}


def ci() -> dict[str, Any]:
    """``bash .ci/run`` on a fresh clone of ``HEAD``: wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        _run(["git", "clone", "-q", str(ROOT), str(clone)])
        commit = _run(["git", "rev-parse", "--short", "HEAD"], cwd=clone)[1].strip()
        wall, _ = _run(["bash", ".ci/run"], cwd=clone)
    return {"when": _when(), "seconds": round(wall, 1), "commit": commit}


def _minutes(seconds: float) -> str:
    """``5 min 15 s`` (or ``44.7 s`` under a minute)."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {round(seconds % 60):d} s"


#: What a page shows for a figure not measured yet (``--suite`` / ``--ci`` not run).
NOT_MEASURED = "not measured"


def substitutions(runs: dict[str, Any]) -> dict[str, str]:
    """What the docs pages quote, as text (MyST ``{{ name }}``); every name, always."""
    out = {"timings_host": runs["host"], "timings_peak": f"{runs['peak_gflops']:.0f} GFLOP/s"}
    for name in ("demo", "demo_no_step_aside"):
        r = runs.get(name)
        out |= {
            f"{name}_when": r["when"] if r else NOT_MEASURED,
            f"{name}_wall": f"{r['wall_s']:.1f} s" if r else NOT_MEASURED,
            f"{name}_fit": f"{r['fit_s']:.1f} s" if r else NOT_MEASURED,
            f"{name}_accuracy": f"{r['accuracy']:.4f}" if r else NOT_MEASURED,
            f"{name}_log_loss": f"{r['log_loss']:.4f}" if r else NOT_MEASURED,
        }
    r = runs.get("quickstart")
    out |= {
        "quickstart_when": r["when"] if r else NOT_MEASURED,
        "quickstart_fit": f"{r['fit_s']:.1f} s" if r else NOT_MEASURED,
        "quickstart_accuracy": f"{r['accuracy']:.4f}" if r else NOT_MEASURED,
    }
    r = runs.get("suite")
    counts = ("passed", "skipped", "xfailed", "failed")
    out |= {
        "suite_when": r["when"] if r else NOT_MEASURED,
        "suite_time": _minutes(r["seconds"]) if r else NOT_MEASURED,
        "suite_counts": ", ".join(f"{r[k]} {k}" for k in counts if r.get(k)) if r else NOT_MEASURED,
    }
    r = runs.get("ci")
    out |= {
        "ci_when": r["when"] if r else NOT_MEASURED,
        "ci_time": _minutes(r["seconds"]) if r else NOT_MEASURED,
        "ci_commit": r["commit"] if r else NOT_MEASURED,
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time the test suite")
    parser.add_argument("--ci", action="store_true", help="also time .ci/run on a fresh clone")
    parser.add_argument("--no-quickstart", action="store_true", help="skip the quickstart")
    parser.add_argument("--out", default=str(RESULTS / "timings"))
    args = parser.parse_args()
    out = Path(args.out)
    previous = out.with_suffix(".json")
    runs = json.loads(previous.read_text())["runs"] if previous.is_file() else {}
    runs["host"] = f"{platform.machine()}, {os.cpu_count()} cores"
    runs["peak_gflops"] = round(matmul_peak(), 1)
    runs["demo"] = demo()
    runs["demo_no_step_aside"] = demo("--no-step-aside")
    if not args.no_quickstart:
        runs["quickstart"] = quickstart()
    if args.suite:
        runs["suite"] = suite()
    if args.ci:
        runs["ci"] = ci()
    subs = substitutions(runs)
    table = "\n".join(
        ["Set-up timings (benchmarks/timings.py): the figures the docs quote\n",
         "| name | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in subs.items())]
    )  # fmt: skip
    publish(out, table + "\n", {"runs": runs, "substitutions": subs})


if __name__ == "__main__":
    main()
