"""Every block of a store file checked against its own checksum, indexes and metadata included.

A query reads only the blocks it needs, and DuckDB verifies a block's checksum when it reads
it; reading every row of every table still skips the blocks of the primary-key indexes and the
catalog, so a damaged index went unnoticed until a later write failed on it. Here each block of
the file is read as raw bytes and its checksum recomputed the way DuckDB computes it
(``storage/checksum.cpp``: 5381 xor-ed with each little-endian 64-bit word times
``0xbf58476d1ce4e5b9``, over the block after its 8-byte checksum).

File layout (DuckDB 1.x and 2.x, unencrypted): a 4 KiB main header (checksum, then ``DUCK``),
two 4 KiB database headers (the newer valid one is in use), then blocks of ``block_size`` bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BlockReport", "verify_blocks"]

_HEADER = 4096
_FIRST_BLOCK = 3 * _HEADER
_CHECKSUM_BYTES = 8
_MULTIPLIER = 0xBF58476D1CE4E5B9
_SEED = 5381
#: Blocks read per chunk (64 MiB with the default 256 KiB blocks).
_CHUNK_BLOCKS = 256


@dataclass(frozen=True)
class BlockReport:
    """What :func:`verify_blocks` found.

    Attributes
    ----------
    blocks
        Blocks checked (every one after the headers).
    bad
        Numbers of the blocks whose checksum does not match (empty when sound).
    headers_ok
        Whether the main header and at least one database header are sound.
    unchecked
        Why the blocks could not be checked (an unknown layout), else ``None``.
    """

    blocks: int
    bad: tuple[int, ...]
    headers_ok: bool
    unchecked: str | None = None


def _checksum(raw: bytes) -> int:
    import numpy as np

    with np.errstate(over="ignore"):
        mixed = np.frombuffer(raw, dtype="<u8") * np.uint64(_MULTIPLIER)
    return _SEED ^ int(np.bitwise_xor.reduce(mixed))


def _block_checksums(chunk: bytes, block_size: int) -> tuple[list[int], list[int]]:
    """Stored and computed checksums of each whole block in ``chunk``."""
    import numpy as np

    words = np.frombuffer(chunk, dtype="<u8").reshape(-1, block_size // 8)
    stored = words[:, 0]
    with np.errstate(over="ignore"):
        mixed = words[:, 1:] * np.uint64(_MULTIPLIER)
    computed = np.bitwise_xor.reduce(mixed, axis=1) ^ np.uint64(_SEED)
    return [int(v) for v in stored], [int(v) for v in computed]


def _header_ok(raw: bytes) -> bool:
    if len(raw) < _HEADER:
        return False
    return int.from_bytes(raw[:_CHECKSUM_BYTES], "little") == _checksum(raw[_CHECKSUM_BYTES:_HEADER])


def verify_blocks(path: str | os.PathLike[str], block_size: int) -> BlockReport:
    """Recompute the checksum of every block of the DuckDB file at ``path``.

    Parameters
    ----------
    path
        The store file (read as bytes; DuckDB need not have it open).
    block_size
        Its block size (``pragma_database_size()``'s ``block_size``).

    Returns
    -------
    BlockReport
    """
    file = Path(path)
    if block_size <= _CHECKSUM_BYTES or block_size % 8:
        return BlockReport(0, (), True, f"block size {block_size} is not one this check knows")
    with open(file, "rb") as handle:
        headers = handle.read(_FIRST_BLOCK)
        if headers[8:12] != b"DUCK":
            return BlockReport(0, (), False, "the file does not start like a DuckDB database")
        main_ok = _header_ok(headers[:_HEADER])
        database_ok = _header_ok(headers[_HEADER : 2 * _HEADER]) or _header_ok(headers[2 * _HEADER :])
        bad: list[int] = []
        number = 0
        while True:
            chunk = handle.read(block_size * _CHUNK_BLOCKS)
            whole = len(chunk) // block_size * block_size
            if whole:
                stored, computed = _block_checksums(chunk[:whole], block_size)
                bad.extend(number + i for i, (a, b) in enumerate(zip(stored, computed, strict=True)) if a != b)
                number += whole // block_size
            if len(chunk) < block_size * _CHUNK_BLOCKS:
                break
    return BlockReport(number, tuple(bad), main_ok and database_ok)
