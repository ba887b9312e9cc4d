"""What every benchmark does last: print its table, write it and its data atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textcnn.io import write_text_atomic


def publish(out: str | Path, table: str, data: Any) -> None:
    """Print ``table`` and write ``<out>.md`` (the table) and ``<out>.json`` (``data``)."""
    out = Path(out)
    print("\n" + table)
    write_text_atomic(out.with_suffix(".md"), table)
    write_text_atomic(out.with_suffix(".json"), json.dumps(data, indent=1) + "\n")
