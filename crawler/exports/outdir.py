"""The export folder: refuses to overwrite, and keeps every file it writes inside itself.

Files are created with exclusive mode (`xb`), so an existing file or a
symbolic link planted in the folder is never followed or replaced. `--force`
removes only a previous export (the files its manifest names and, for a
bag, the bag's tag files); anything else in the folder stops the export.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from crawler.errors import ExportError

MANIFEST = "manifest.json"
# The files bagit adds around `data/` (sha256 only, as `make_bag` is called).
BAG_TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt")


class OutDir:
    """A folder being written by one export; `discard` undoes it after a failure."""

    def __init__(self, root: Path, made_root: bool = False) -> None:
        self.root = root.resolve()
        self.created: list[Path] = []
        self.made_root = made_root

    @classmethod
    def prepare(cls, root: Path, force: bool) -> OutDir:
        """An empty folder at `root`: created, or emptied of a previous export when `force`."""
        if root.exists() and not root.is_dir():
            raise ExportError(f"--out {root} is a file, not a folder")
        if root.is_dir() and any(root.iterdir()):
            if not force:
                raise ExportError(f"{root} is not empty; pass --force to replace the export in it")
            remove_previous_export(root)
        made = not root.exists()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ExportError(f"cannot create {root}: {err.strerror}") from err
        return cls(root, made_root=made)

    def path(self, name: str) -> Path:
        """Where `name` (a relative POSIX path) goes; a name leading outside the folder is an error."""
        relative = PurePosixPath(name)
        if not name or relative.is_absolute() or ".." in relative.parts:
            raise ExportError(f"refusing to write {name!r}: not a path inside {self.root}")
        target = self.root.joinpath(*relative.parts)
        if not target.parent.resolve().is_relative_to(self.root):
            raise ExportError(f"refusing to write {name!r}: its folder leads outside {self.root}")
        return target

    def create(self, name: str) -> BinaryIO:
        """A new file for binary writing; an existing path (file or link) is never replaced."""
        target = self.path(name)
        for parent in reversed(target.relative_to(self.root).parents[:-1]):
            folder = self.root / parent
            if not folder.is_dir():
                folder.mkdir()
                self.created.append(folder)
        self.path(name)  # the folders now exist: check again that none of them leads outside
        try:
            handle = open(target, "xb")
        except FileExistsError as err:
            raise ExportError(f"{target} already exists; not overwriting it") from err
        self.created.append(target)
        return handle

    def discard(self) -> None:
        """Remove every file and folder this export created (after a failure)."""
        for path in reversed(self.created):
            if path.is_dir() and not path.is_symlink():
                _rmdir_if_empty(path)
            else:
                path.unlink(missing_ok=True)
        if self.made_root:
            _rmdir_if_empty(self.root)


def previous_export(root: Path) -> tuple[Path, set[str]] | None:
    """(folder holding manifest.json, the paths it names) of an export in `root`, or None."""
    from crawler.exports.manifest import load_manifest

    base = root / "data" if (root / "bagit.txt").is_file() else root
    if not (base / MANIFEST).is_file():
        return None
    manifest = load_manifest(base)
    return base, {str(entry["path"]) for entry in manifest["files"]}


def remove_previous_export(root: Path) -> None:
    """Delete the export in `root`, or refuse when `root` holds anything an export did not write."""
    found = previous_export(root)
    if found is None:
        raise ExportError(f"{root} is not empty and holds no export (no manifest.json); not replacing it")
    base, listed = found
    ours = {base / MANIFEST, *(base / PurePosixPath(p) for p in listed)}
    if base != root:
        ours.update(root / name for name in BAG_TAG_FILES)
    files = [  # every file, and every link to a folder (os.walk does not enter those)
        Path(folder) / name for folder, dirs, names in os.walk(root)
        for name in names + [d for d in dirs if (Path(folder) / d).is_symlink()]
    ]
    foreign = sorted(str(f.relative_to(root)) for f in files if f not in ours)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise ExportError(f"{root} holds files that no export wrote ({shown}); not replacing them")
    for path in files:
        path.unlink()
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if Path(folder) != root:
            _rmdir_if_empty(Path(folder))


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
