"""The export folder: refuses to overwrite, and keeps every file it writes inside itself.

Files are created with exclusive mode (`xb`), so an existing file or a
symbolic link planted in the folder is never followed or replaced. Until
the manifest is written the folder holds `IN_PROGRESS`, listing every path
the export writes, so a folder left by a killed export (SIGKILL, a power
cut) is still known as ours; the running export holds a lock on it, so a
folder another export is writing is never taken for a dead one. `--force`
removes only a previous export (the files its manifest names and, for a
bag, the bag's tag files; or the paths an unfinished export's `IN_PROGRESS`
lists, and what its scratch folder holds); anything else stops the export.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from crawler.errors import ExportError

MANIFEST = "manifest.json"
# Written first and removed once the manifest is: the paths an export has begun writing, one per line.
IN_PROGRESS = ".newsarchive-export-in-progress"
# An export's list of its files is this long at most (a few hundred names); a larger "marker" is no export's.
MAX_MARKER_BYTES = 1 << 20
# Scratch folder inside the export for WACZ inputs and sort spills (files of any name); removed before the manifest.
SCRATCH = ".scratch"
# The files bagit adds around `data/` (sha256 only, as `make_bag` is called).
BAG_TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt")


class OutDir:
    """A folder being written by one export; `discard` undoes it after a failure."""

    def __init__(self, root: Path, made_root: bool = False) -> None:
        self.root = root.resolve()
        self.created: list[Path] = []
        self.made_root = made_root
        self.journal: Path | None = None
        """`IN_PROGRESS` while the export runs (`prepare` to `finish`): each new path is listed in it."""
        self.listed: set[str] = set()
        self._lock: IO[bytes] | None = None

    @classmethod
    def prepare(cls, root: Path, force: bool) -> OutDir:
        """A folder at `root` holding only `IN_PROGRESS`: created, or emptied of a previous export when `force`."""
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
        out = cls(root, made_root=made)
        out._begin()
        return out

    def _begin(self) -> None:
        """Mark the folder as an unfinished export, before anything else is written in it, and hold the mark's lock.

        The mark appears already locked (made and locked under a name of its own, then linked into place), so
        no `--force` can take it for a dead export's between its making and its locking.
        """
        marker = self.root / IN_PROGRESS
        unlinked = self.root / f"{IN_PROGRESS}.{os.getpid()}"
        self._lock = unlinked.open("xb")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a file just made: nobody else holds it
            os.link(unlinked, marker)
        except FileExistsError as err:
            self._unlock()
            raise ExportError(f"{marker} already exists; is another export writing {self.root}?") from err
        finally:
            unlinked.unlink()
        self.journal = marker

    def finish(self) -> None:
        """The manifest is written: the folder is a finished export, no longer marked as unfinished."""
        if self.journal is not None:
            self.journal.unlink()
            self.journal = None
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def path(self, name: str) -> Path:
        """Where `name` (a relative POSIX path) goes, listed in the journal; a name leading outside the folder is an error."""
        relative = PurePosixPath(name)
        if not name or relative.is_absolute() or ".." in relative.parts:
            raise ExportError(f"refusing to write {name!r}: not a path inside {self.root}")
        target = self.root.joinpath(*relative.parts)
        if not target.parent.resolve().is_relative_to(self.root):
            raise ExportError(f"refusing to write {name!r}: its folder leads outside {self.root}")
        self._list(relative.as_posix())
        return target

    def _list(self, name: str) -> None:
        """Add `name` to the journal before it is written, so that a killed export's files are known as ours."""
        if self.journal is None or name in self.listed:
            return
        # O_NOFOLLOW: a link put in the marker's place is refused, never written through
        with os.fdopen(os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW), "ab") as journal:
            journal.write(name.encode("utf-8") + b"\n")
        self.listed.add(name)

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
        """Remove every file and folder this export created (after a failure), its locked mark last.

        Unlocked first, the folder would look like a dead export's to a `--force` meanwhile, whose new files
        this would then delete.
        """
        for path in reversed(self.created):
            if path.is_dir() and not path.is_symlink():
                _rmdir_if_empty(path)
            else:
                path.unlink(missing_ok=True)
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
            self.journal = None
        self._unlock()
        if self.made_root:
            _rmdir_if_empty(self.root)


def previous_export(root: Path) -> tuple[Path, set[str]] | None:
    """(its folder, the paths it wrote) of an export in `root`, unfinished (`IN_PROGRESS`) or finished, or None."""
    from crawler.exports.manifest import load_manifest

    marker = root / IN_PROGRESS
    if marker.is_file() and not marker.is_symlink():  # killed before its manifest: the paths it began writing
        with marker.open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ExportError(f"another export is writing {root}; not replacing it") from None
            listed = handle.read(MAX_MARKER_BYTES + 1)
        if len(listed) > MAX_MARKER_BYTES:
            raise ExportError(f"{marker} is larger than an export's list of files; not replacing {root}")
        return root, {IN_PROGRESS, *listed.decode("utf-8", "replace").splitlines()}
    base = root / "data" if (root / "bagit.txt").is_file() else root
    if not (base / MANIFEST).is_file():
        return None
    manifest = load_manifest(base)
    return base, {MANIFEST, *(str(entry["path"]) for entry in manifest["files"])}


def remove_previous_export(root: Path) -> None:
    """Delete the export in `root`, or refuse when `root` holds anything an export did not write."""
    found = previous_export(root)
    if found is None:
        raise ExportError(f"{root} is not empty and holds no export (no manifest.json); not replacing it")
    base, listed = found
    ours = {base.joinpath(*PurePosixPath(p).parts) for p in listed if _written_name(p)}
    if base != root:
        ours.update(root / name for name in BAG_TAG_FILES)
    files = [  # every file, and every link to a folder (os.walk does not enter those)
        Path(folder) / name for folder, dirs, names in os.walk(root)
        for name in names + [d for d in dirs if (Path(folder) / d).is_symlink()]
    ]
    scratch = root / SCRATCH if root / SCRATCH in ours else None  # an unfinished export's spills, of any name
    foreign = sorted(str(f.relative_to(root)) for f in files if f not in ours and (scratch is None or scratch not in f.parents))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise ExportError(f"{root} holds files that no export wrote ({shown}); not replacing them")
    last = {root / IN_PROGRESS, base / MANIFEST, root / "bagit.txt"}  # what marks an export: gone last, if stopped meanwhile
    for path in sorted(files, key=lambda f: f in last):
        path.unlink(missing_ok=True)  # another --force may be removing it too
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if Path(folder) != root:
            _rmdir_if_empty(Path(folder))


def _written_name(name: str) -> bool:
    """A name an export writes: relative, inside its folder, naming something (a listed "/" or ".." names nothing ours)."""
    relative = PurePosixPath(name)
    return bool(name) and not relative.is_absolute() and ".." not in relative.parts and relative.parts != ()


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
