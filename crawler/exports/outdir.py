"""The export folder: refuses to overwrite, and keeps every file it writes inside itself.

Files are created with exclusive mode (`xb`), so an existing file or a
symbolic link planted in the folder is never followed or replaced. Until
the manifest is written the folder holds `IN_PROGRESS`, listing every path
the export writes, so a folder left by a killed export (SIGKILL, a power
cut) is still known as ours; the running export holds a lock on it, so a
folder another export is writing is never taken for a dead one. `--force`
replaces only a previous export (the files its manifest names and, for a
bag, the bag's tag files; or the paths an unfinished export's `IN_PROGRESS`
lists, and what its scratch folder holds); anything else stops the export.
A finished export it replaces is moved aside into `PREVIOUS`, removed once
the new manifest is written and moved back if the new export fails before
that, so a failed `--force` (or a killed one, at the next `--force`) leaves
the old export as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from crawler.errors import ExportError
from crawler.interrupts import interrupts_deferred

MANIFEST = "manifest.json"
# Written first and removed once the manifest is: the paths an export has begun writing, one per line.
IN_PROGRESS = ".newsarchive-export-in-progress"
# An export's list of its files is this long at most (a few hundred names); a larger "marker" is no export's.
MAX_MARKER_BYTES = 1 << 20
# Scratch folder inside the export for WACZ inputs, sort spills and the bag being made (files of any name); removed
# before the export is finished.
SCRATCH = ".scratch"
# Where `--force` keeps the export it replaces until the new one is whole (unmarked: it is never "written").
PREVIOUS = ".newsarchive-previous-export"
# The files bagit adds around `data/` (sha256 only, as `make_bag` is called).
BAG_TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt")


class OutDir:
    """A folder being written by one export; `discard` undoes it after a failure."""

    def __init__(self, root: Path, made_root: bool = False) -> None:
        """`root` resolved, as `prepare` gives it."""
        self.root = root
        self.created: list[Path] = []
        self.made_root = made_root
        self.journal: Path | None = None
        """`IN_PROGRESS` while the export runs (`prepare` to `finish`): each new path is listed in it."""
        self.listed: set[str] = set()
        self._lock: IO[bytes] | None = None
        self.previous: Path | None = None
        """`PREVIOUS`, holding the export this one replaces, until `finish` removes it or `discard` puts it back."""

    @classmethod
    def prepare(cls, root: Path, force: bool) -> OutDir:
        """A folder at `root` holding `IN_PROGRESS` (and, when `force` replaces an export, `PREVIOUS`), or an error."""
        root = root.resolve()
        if root.exists() and not root.is_dir():
            raise ExportError(f"--out {root} is a file, not a folder")
        replaced: list[Path] = []
        if root.is_dir() and any(root.iterdir()):
            if not force:
                raise ExportError(f"{root} is not empty; pass --force to replace the export in it")
            replaced = replaceable_export(root)
        made = not root.exists()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ExportError(f"cannot create {root}: {err.strerror}") from err
        out = cls(root, made_root=made)
        out._begin()
        try:
            out._set_aside(replaced)
        except BaseException:
            out.discard()
            raise
        return out

    def _set_aside(self, files: list[Path]) -> None:
        """Move the export being replaced into `PREVIOUS`, after the mark: a killed export's next `--force` restores it."""
        if files:
            self.previous = self.root / PREVIOUS
            _move(self.root, self.previous, files)

    def _begin(self) -> None:
        """Mark the folder as an unfinished export, before anything else is written in it, and hold the mark's lock.

        The mark appears already locked (made and locked under a name of its own, then linked into place), so
        no `--force` can take it for a dead export's between its making and its locking.
        """
        marker = self.root / IN_PROGRESS
        unlinked = self.root / f"{IN_PROGRESS}.{os.getpid()}"
        try:
            self._lock = unlinked.open("xb")
        except OSError as err:  # a folder the user may not write in, a read-only mount
            raise ExportError(f"cannot write in {self.root}: {err.strerror or err}") from err
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
        """The manifest is written: the folder is a finished export, no longer marked as unfinished; the replaced one goes.

        From here on the export is kept (a bag, too, is made before): a later failure does not remove it, nor
        bring back the one it replaced. A Ctrl-C meanwhile waits until that one is gone; killed meanwhile, the
        next `--force` removes the rest.
        """
        with interrupts_deferred():
            if self.journal is not None:
                self.journal.unlink()
                self.journal = None
            self._unlock()
            self.created = []
            previous, self.previous = self.previous, None
            if previous is not None:
                _remove_tree(previous)

    @property
    def finished(self) -> bool:
        """Whether `finish` has taken the in-progress mark away: from then on the export is kept, whatever stops it."""
        return self.journal is None

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def path(self, name: str) -> Path:
        """Where `name` (a relative POSIX path) goes, listed in the journal; a name leading outside the folder is an error."""
        if not _written_name(name):
            raise ExportError(f"refusing to write {name!r}: not a path inside {self.root}")
        relative = PurePosixPath(name)
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
        target = self._new_path(name)
        try:
            handle = open(target, "xb")
        except FileExistsError as err:
            raise ExportError(f"{target} already exists; not overwriting it") from err
        self.created.append(target)
        return handle

    def _new_path(self, name: str) -> Path:
        """Where `name` goes, listed in the journal, its missing folders made (and recorded as created)."""
        target = self.path(name)
        for parent in reversed(target.relative_to(self.root).parents[:-1]):
            folder = self.root / parent
            if not folder.is_dir():
                folder.mkdir()
                self.created.append(folder)
        self.path(name)  # the folders now exist: check again that none of them leads outside
        return target

    @contextlib.contextmanager
    def scratch(self) -> Iterator[Path]:
        """`SCRATCH`, listed as the export's, also made the temporary folder (so sort spills stay under --out);
        removed afterwards with all it holds, whatever stops the block (a second Ctrl-C waits until it is gone)."""
        folder = self.path(SCRATCH)
        folder.mkdir(exist_ok=True)
        previous = tempfile.tempdir
        tempfile.tempdir = str(folder)
        try:
            yield folder
        finally:
            tempfile.tempdir = previous
            with interrupts_deferred():
                for path in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):
                    path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
                folder.rmdir()

    @contextlib.contextmanager
    def rebuilt(self, names: list[str]) -> Iterator[Path]:
        """The files `names` moved into a scratch folder, to be remade there (into a bag); what that folder then
        holds moves to the same paths at the top.

        Until `finish` the export is unfinished, so a stop midway needs no undoing here: the files are either
        at the top, which `discard` (or a killed export's next `--force`) removes, or in the scratch folder,
        which goes with it. The move back waits for a Ctrl-C, so every file it moved is recorded as created.
        """
        with self.scratch() as folder:
            _move(self.root, folder, [self.root / name for name in names])
            yield folder
            with interrupts_deferred():
                for source in _files(folder):
                    target = self._new_path(source.relative_to(folder).as_posix())
                    if target.exists() or target.is_symlink():
                        raise ExportError(f"{target} already exists; not overwriting it")
                    source.rename(target)
                    self.created.append(target)

    def discard(self) -> None:
        """Remove every file and folder this export created (after a failure), put back the export it was
        replacing, and remove its locked mark last.

        Unlocked first, the folder would look like a dead export's to a `--force` meanwhile, whose new files
        this would then delete. A second Ctrl-C waits until the folder is as it was.
        """
        with interrupts_deferred():
            for path in reversed(self.created):
                if path.is_dir() and not path.is_symlink():
                    _rmdir_if_empty(path)
                else:
                    path.unlink(missing_ok=True)
            if self.previous is not None:
                if self.journal is not None:
                    os.truncate(self.journal, 0)  # its files are gone: what is in the folder from now on is the old export's
                _restore(self.previous, self.root)
                self.previous = None
            if self.journal is not None:
                self.journal.unlink(missing_ok=True)
                self.journal = None
            self._unlock()
            if self.made_root:
                _rmdir_if_empty(self.root)


def _unfinished(root: Path) -> set[str] | None:
    """The paths an export killed before its manifest began writing in `root` (its `IN_PROGRESS` included), or None."""
    marker = root / IN_PROGRESS
    if not marker.is_file() or marker.is_symlink():
        return None
    with marker.open("rb") as handle:
        _refuse_if_locked(handle, root)
        listed = handle.read(MAX_MARKER_BYTES + 1)
    if len(listed) > MAX_MARKER_BYTES:
        raise ExportError(f"{marker} is larger than an export's list of files; not replacing {root}")
    return {IN_PROGRESS, *listed.decode("utf-8", "replace").splitlines()}


def _finished(root: Path, ignore: frozenset[str] = frozenset()) -> set[Path] | None:
    """The files of the finished export in `root` by its manifest (and, for a bag, its tag files), or None.

    A bag is known by its `bagit.txt` or by its `data/manifest.json`, either of which may be the only one
    left where an export stopped while moving it. Names in `ignore` are another export's, not this one's.
    """
    from crawler.exports.manifest import load_manifest

    bag = any((root / name).is_file() and name not in ignore for name in ("bagit.txt", f"data/{MANIFEST}"))
    base = root / "data" if bag else root
    if not (base / MANIFEST).is_file() or (base / MANIFEST).relative_to(root).as_posix() in ignore:
        return None
    ours = _listed_paths(base, {MANIFEST, *(str(entry["path"]) for entry in load_manifest(base)["files"])})
    if base != root:
        ours.update(root / name for name in BAG_TAG_FILES)
    return ours


def replaceable_export(root: Path) -> list[Path]:
    """The files of the finished export in `root`, which `--force` replaces, or an error when `root` holds anything else.

    First, what an export stopped midway left is tidied, so that the last
    whole export is at the top again. A folder with a dead `IN_PROGRESS`:
    the files it lists at the top are the dead export's and go; every other
    file at the top is the export it was replacing (not yet wholly set aside,
    or partly put back), as is what `PREVIOUS` holds, which goes back. The
    list is emptied before anything goes back, so a stop at any point leaves
    a folder this reads the same way. Without `IN_PROGRESS`, a `PREVIOUS`
    is what an export stopped after its manifest had not yet removed.
    """
    _remove_stray_marks(root)
    previous = root / PREVIOUS
    kept = previous.is_dir() and not previous.is_symlink()
    listed = _unfinished(root)
    if listed is not None:
        new = _listed_paths(root, listed)
        top = _export_files(root, new | {root / name for name in _replaced(root, frozenset(listed))})
        marker, scratch = root / IN_PROGRESS, root / SCRATCH
        _delete(root, [f for f in top if f != marker and (f in new or (scratch in new and scratch in f.parents))])
        os.truncate(marker, 0)
        if kept:
            _restore(previous, root)
        marker.unlink()
    found = _finished(root)
    files = _export_files(root, found)
    if listed is None and kept and found is not None:
        _remove_tree(previous, _export_files(previous, _finished(previous) or set()))
    return files


def _replaced(root: Path, listed: frozenset[str]) -> set[str]:
    """The names of the export a dead one was replacing, by its manifest: at the top, unless the dead one
    wrote that name, or in `PREVIOUS`."""
    for where, ignore in ((root, listed), (root / PREVIOUS, frozenset())):
        owned = _finished(where, ignore) if where.is_dir() and not where.is_symlink() else None
        if owned is not None:
            return {f.relative_to(where).as_posix() for f in owned}
    return set()


def _listed_paths(root: Path, listed: set[str]) -> set[Path]:
    """The paths under `root` of the names an export listed, those naming nothing ours (`_written_name`) left out."""
    return {root.joinpath(*PurePosixPath(p).parts) for p in listed if _written_name(p)}


def _remove_stray_marks(root: Path) -> None:
    """Remove the `IN_PROGRESS.<pid>` an export killed inside `_begin` left; one still locked is a live export's."""
    for stray in root.glob(f"{IN_PROGRESS}.*"):
        if not stray.name.rpartition(".")[2].isdigit() or not stray.is_file() or stray.is_symlink():
            continue
        with stray.open("rb") as handle:
            _refuse_if_locked(handle, root)
        stray.unlink(missing_ok=True)


def _refuse_if_locked(handle: IO[bytes], root: Path) -> None:
    """A mark a running export holds locked is not a dead export's: stop rather than take its folder."""
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ExportError(f"another export is writing {root}; not replacing it") from None


def _export_files(root: Path, ours: set[Path] | None) -> list[Path]:
    """Every file (and link to a folder) in `root` outside `PREVIOUS`, its markers last: all `ours` (None: no export's
    files at all), or an error."""
    files = [path for path in _files(root) if root / PREVIOUS not in path.parents]
    if ours is None:
        if files:
            raise ExportError(f"{root} is not empty and holds no export (no manifest.json); not replacing it")
        return []
    scratch = root / SCRATCH if root / SCRATCH in ours else None  # an unfinished export's spills, of any name
    foreign = sorted(str(f.relative_to(root)) for f in files if f not in ours and (scratch is None or scratch not in f.parents))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise ExportError(f"{root} holds files that no export wrote ({shown}); not replacing them")
    return _markers_last(root, files)


def _markers_last(root: Path, files: list[Path], *, first: bool = False) -> list[Path]:
    """`files` with those `_marks_an_export` last (or, with `first`, first)."""
    return sorted(files, key=lambda f: _marks_an_export(root, f) != first)


def _marks_an_export(root: Path, path: Path) -> bool:
    """The files by which an export is known (its manifest, a bag's bagit.txt, the marker): moved and removed last,
    put back first, so that one stopped midway is still known by them."""
    return path in (root / IN_PROGRESS, root / MANIFEST, root / "data" / MANIFEST, root / "bagit.txt")


def _files(root: Path) -> list[Path]:
    """Every file under `root`, and every link to a folder (os.walk does not enter those)."""
    return [Path(folder) / name for folder, dirs, names in os.walk(root)
            for name in names + [d for d in dirs if (Path(folder) / d).is_symlink()]]


def _delete(root: Path, files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)  # another --force may be removing it too
    _prune(root, files)


def _move(root: Path, target: Path, files: list[Path]) -> None:
    """Move `files`, under `root`, to the same paths under `target`, in order; the folders they leave empty go."""
    for path in files:
        moved = target / path.relative_to(root)
        moved.parent.mkdir(parents=True, exist_ok=True)
        path.rename(moved)
    _prune(root, files)


def _restore(previous: Path, root: Path) -> None:
    """Put the export kept in `previous` back into `root`, which holds nothing of its paths, and remove `previous`."""
    files = _markers_last(previous, _files(previous), first=True)
    clash = [str(f.relative_to(previous)) for f in files if (root / f.relative_to(previous)).exists()]
    if clash:
        raise ExportError(f"cannot put the replaced export back from {previous}: {root} has {clash[0]} again")
    _move(previous, root, files)
    _rmdir_if_empty(previous)


def _remove_tree(folder: Path, files: list[Path] | None = None) -> None:
    """Remove `files` (by default all `folder` holds, its export's markers last), then `folder` once empty."""
    _delete(folder, files if files is not None else _markers_last(folder, _files(folder)))
    _rmdir_if_empty(folder)


def _prune(root: Path, removed: list[Path]) -> None:
    """The folders under `root` that removing `removed` left empty, deepest first (no other: a user's empty folder stays)."""
    folders = {parent for path in removed for parent in path.parents if root in parent.parents}
    for folder in sorted(folders, key=lambda f: -len(f.parts)):
        _rmdir_if_empty(folder)


def _written_name(name: str) -> bool:
    """A name an export writes: relative, inside its folder, naming something (a listed "/" or ".." names nothing ours)."""
    relative = PurePosixPath(name)
    return bool(name) and not relative.is_absolute() and ".." not in relative.parts and relative.parts != ()


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
