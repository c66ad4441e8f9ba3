"""Files replaced whole: a write that fails halfway (a full disk) or is interrupted leaves the old file as it was."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, text: str) -> None:
    """Replace `path` with `text` at once: written beside it first, then renamed over it (atomic on one file system),
    so a reader sees the old file or the new one, never one cut short."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
