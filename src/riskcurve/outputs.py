"""Writing an output file (an export, the report) without ever destroying what stands there.

A regular file (or a new one) is written atomically: a temporary ``.part`` file beside it is
written, flushed to disk and renamed over it, so a reader sees the old file or the new one, never
half of one, and the ``.part`` file is removed whatever fails. Anything else is treated as what it
is: a character device (``/dev/null``, a terminal, ``/dev/stdout``) or a FIFO is written through,
a symbolic link is followed (the file it points at is replaced, the link stays), and a directory,
a block device, a socket or a DuckDB store (the one in use, any store open in this process, or any
file that starts like one) is refused with one line. ``-`` means standard output.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from riskcurve.errors import OutputError

__all__ = ["STDOUT", "OutputError", "check_output", "is_stdout", "write_output"]

#: The ``--out`` value that means standard output.
STDOUT = "-"

#: Bytes 8 to 12 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"

Writer = Callable[[Path], object]


def is_stdout(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` is ``-`` (standard output)."""
    return os.fspath(target) == STDOUT


def _open_store_files() -> set[tuple[int, int]]:
    """``(device, inode)`` of every store file (and its WAL) this process opened."""
    from riskcurve.data.connection import opened_files

    found = set()
    for name in opened_files():
        for candidate in (name, f"{name}.wal"):
            try:
                info = os.stat(candidate)
            except OSError:
                continue
            found.add((info.st_dev, info.st_ino))
    return found


def _is_duckdb_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return head[8:12] == _DUCKDB_MAGIC


def check_output(target: str | os.PathLike[str], *, protected: Iterable[str | os.PathLike[str]] = ()) -> str:
    """How ``target`` would be written: ``"stdout"``, ``"atomic"`` or ``"through"``.

    Parameters
    ----------
    target
        The output path, or ``-``.
    protected
        Files that must never be written (the store in use); any store this process opened and
        any DuckDB file are refused as well.

    Raises
    ------
    OutputError
        One line naming the file and why it is refused.
    """
    if is_stdout(target):
        return "stdout"
    path = Path(target).expanduser()
    try:
        info = os.stat(path)  # follows a symbolic link: what matters is what it points at
    except FileNotFoundError:
        if path.is_symlink():
            raise OutputError(f"{path}: a symbolic link to a missing file; give the file itself as --out") from None
        return "atomic"
    except OSError as failure:
        raise OutputError(f"{path}: cannot be written ({failure.strerror or failure})") from None
    keys = {(info.st_dev, info.st_ino)}
    for other in protected:
        try:
            theirs = os.stat(Path(other).expanduser())
        except OSError:
            continue
        if (theirs.st_dev, theirs.st_ino) in keys:
            raise OutputError(f"{path}: is the store in use; choose another --out")
    if keys & _open_store_files():
        raise OutputError(f"{path}: is a store riskcurve has open; choose another --out")
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise OutputError(f"{path}: is a directory; give a file name as --out")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "through"
    if not stat.S_ISREG(mode):
        kind = "block device" if stat.S_ISBLK(mode) else "socket" if stat.S_ISSOCK(mode) else "special file"
        raise OutputError(f"{path}: is a {kind}; riskcurve writes only to files, character devices and FIFOs")
    if _is_duckdb_file(path):
        raise OutputError(f"{path}: is a DuckDB store; choose another --out")
    return "atomic"


def _failure(path: Path, failure: OSError) -> OutputError:
    if failure.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{path}: no space left on the device; nothing was written there")
    return OutputError(f"{path}: could not be written ({failure.strerror or failure})")


def write_output(
    target: str | os.PathLike[str],
    write: Writer,
    *,
    protected: Iterable[str | os.PathLike[str]] = (),
    suffix: str = "",
) -> Path | None:
    """Write an output through ``write(path)``, which fills a file at the path it is given.

    Parameters
    ----------
    target
        The output file, or ``-`` for standard output.
    write
        Writes the whole output to the path it is called with (always a new temporary file).
    protected
        See :func:`check_output`.
    suffix
        Kept at the end of the temporary file's name (``.parquet``), for writers that look at it.

    Returns
    -------
    Path or None
        The file written (its real path, after a symbolic link), or ``None`` for standard output.

    Raises
    ------
    OutputError
        The target is refused, or writing failed (a full disk names the file); nothing is left
        behind and what stood at the target is unchanged.
    """
    how = check_output(target, protected=protected)
    path = Path(target).expanduser()
    if how == "atomic":
        real = Path(os.path.realpath(path))
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=f"{suffix}.part")
        except OSError as failure:
            raise _failure(path, failure) from None
        os.close(handle)
        temporary = Path(name)
        try:
            write(temporary)
            with open(temporary, "rb+") as stream:
                os.fsync(stream.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; an output is meant to be read
            os.replace(temporary, real)
            _sync_folder(real.parent)
        except OSError as failure:
            raise _failure(path, failure) from None
        finally:
            temporary.unlink(missing_ok=True)
        return real
    # Standard output, a device or a FIFO: the output is made whole first, then copied through.
    folder = tempfile.mkdtemp(prefix="riskcurve-out-")
    try:
        scratch = Path(folder) / f"output{suffix}"
        write(scratch)
        try:
            with open(scratch, "rb") as source:
                if how == "stdout":
                    sys.stdout.flush()
                    shutil.copyfileobj(source, sys.stdout.buffer)
                    sys.stdout.buffer.flush()
                else:
                    with open(path, "wb") as sink:
                        shutil.copyfileobj(source, sink)
        except OSError as failure:
            raise _failure(Path("<stdout>") if how == "stdout" else path, failure) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return None if how == "stdout" else path


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (where the platform allows opening a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
