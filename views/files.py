"""Writing the product's files whole or not at all.

Each file is written beside its target under a temporary name, flushed to the disk, and
renamed over the target (``os.replace``, atomic within a file system): a reader never sees
half a file, and a failure (a full disk, a folder one may not write) leaves the target as it
was and removes the temporary file. A set of files, such as a period's statements, is renamed
into place only once every one of them is written, so the set is written whole or not at
all. A failure is a ``FileWriteError`` naming the file, the system's reason and what to do.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterator

from views.errors import FileWriteError

ADVICE = {errno.ENOSPC: "free some space or write to another disk",
          errno.EDQUOT: "free some space or write to another disk",
          errno.EACCES: "check that you may write to that folder",
          errno.EPERM: "check that you may write to that folder",
          errno.EROFS: "the disk is read-only: write to another one",
          errno.EISDIR: "it is a folder: give a file name",
          errno.ENOENT: "its folder does not exist: create it or fix the path",
          errno.ENOTDIR: "a part of the path is a file, not a folder",
          errno.EEXIST: "a file of that name is in the way",
          errno.ENAMETOOLONG: "the name is too long: choose a shorter path"}


class StagedFiles:
    """Files written under temporary names beside their targets, to be renamed over them
    together (``commit``) or removed (``discard``)."""

    def __init__(self, untouched: str):
        self.untouched = untouched  # what a failure leaves unwritten, said in its message
        self.staged: dict[Path, Path] = {}  # target -> its temporary file

    def write(self, path: Path, data: str | bytes) -> None:
        if path in self.staged:
            raise AssertionError(f"{path} would be written twice in one go: two outputs "
                                 "share a name")
        temporary = path.with_name(f".{path.name[:64]}.{secrets.token_hex(4)}.tmp")
        try:
            if path.is_dir():  # found now, before any file of the set is renamed
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            with open(temporary, "xb") as handle:  # x: never over a file that is not ours
                self.staged[path] = temporary
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
                handle.flush()
                os.fsync(handle.fileno())
            if path.is_file():
                shutil.copymode(path, temporary)  # a private file stays private
        except OSError as error:
            raise self.failure(path, error) from None

    def commit(self) -> None:
        for renamed, (path, temporary) in enumerate(self.staged.items()):
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise self.failure(path, error, renamed) from None
        for folder in {path.parent for path in self.staged}:
            _sync_folder(folder)
        self.staged.clear()

    def discard(self) -> None:
        for temporary in self.staged.values():
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        self.staged.clear()

    def failure(self, path: Path, error: OSError, renamed: int = 0) -> FileWriteError:
        """The error of ``path``; ``renamed`` files of the set were already in place (only
        when a rename itself fails, which a full disk does not cause)."""
        outcome = f"{renamed} file(s) before it were written" if renamed else self.untouched
        return FileWriteError(f"cannot write {path}: {_reason(error)}; {outcome}")


@contextlib.contextmanager
def staged_files(untouched: str) -> Iterator[StagedFiles]:
    """Files written in the ``with`` block land together when it ends without an error;
    otherwise none does, and the error says ``untouched``."""
    files = StagedFiles(untouched)
    try:
        yield files
        files.commit()
    finally:
        files.discard()


class StagingFolder:
    """Files of one set, written by name into a hidden folder inside ``directory`` (by this
    process or by workers forked from it), then moved into ``directory`` together
    (``commit``) or removed with the folder (``discard``), so a failure anywhere, a worker
    killed half-way included, leaves ``directory`` as it was."""

    def __init__(self, directory: Path, untouched: str):
        self.directory, self.untouched = directory, untouched
        self.path = directory / f".icm-staging-{secrets.token_hex(4)}"
        try:
            self.path.mkdir()
        except OSError as error:
            raise FileWriteError(f"cannot write in {directory}: {_reason(error)}; "
                                 f"{untouched}") from None

    def write(self, name: str, data: str | bytes) -> None:
        """One file of the set; no sync yet (``commit`` syncs them all at once)."""
        try:
            with open(self.path / name, "xb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        except OSError as error:
            raise self.failure(self.directory / name, error) from None

    def commit(self, names: list[str]) -> None:
        """Move the files ``names`` (all written) into place: first on the disk, then each
        renamed over its target, an existing target's mode kept."""
        targets = [self.directory / name for name in names]
        for target in targets:
            if target.is_dir():  # found now, before any file of the set is renamed
                raise self.failure(target, IsADirectoryError(errno.EISDIR,
                                                              os.strerror(errno.EISDIR)))
        _sync_files(self.path / name for name in names)
        for renamed, (name, target) in enumerate(zip(names, targets)):
            try:
                if target.is_file():
                    shutil.copymode(target, self.path / name)  # a private file stays private
                os.replace(self.path / name, target)
            except OSError as error:
                raise self.failure(target, error, renamed) from None
        _sync_folder(self.directory)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def failure(self, path: Path, error: OSError, renamed: int = 0) -> FileWriteError:
        outcome = f"{renamed} file(s) before it were written" if renamed else self.untouched
        return FileWriteError(f"cannot write {path}: {_reason(error)}; {outcome}")


@contextlib.contextmanager
def staging_folder(directory: Path, untouched: str) -> Iterator[StagingFolder]:
    """A set of files for ``directory`` (created if missing, and removed again if it was
    and the set failed); the block commits it, and an error discards it."""
    created = not directory.is_dir()
    make_folder(directory)
    staging = StagingFolder(directory, untouched)
    try:
        yield staging
    except BaseException:
        staging.discard()
        if created:
            with contextlib.suppress(OSError):
                directory.rmdir()  # only when empty: the set failed, and it was ours
        raise
    finally:
        staging.discard()


def write_file(path: Path, data: str | bytes) -> None:
    """One file, whole or not at all."""
    with staged_files("nothing was written") as files:
        files.write(path, data)


def make_folder(folder: Path) -> None:
    """``folder`` and its parents, or a FileWriteError that says why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileWriteError(f"cannot create the folder {folder}: {_reason(error)}") from None


def _reason(error: OSError) -> str:
    reason = error.strerror or str(error)
    advice = ADVICE.get(error.errno)
    return f"{reason} ({advice})" if advice else reason


def _sync_files(paths) -> None:
    """Put written files on the disk before they are renamed into place: one ``sync`` of the
    system where there is one (10,000 statements: 0.3 s, against 20 s for a ``fsync``
    each on this machine's disk), else a ``fsync`` each."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        with open(path, "rb+") as handle:
            os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the renames durable, where the system lets a folder be synced."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
