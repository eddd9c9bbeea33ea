"""The warehouse and the snapshot hold record-level data: their files are readable by their
owner and group only. Give the engineers (warehouse) and the analysts (snapshot) a group each
and make the files' group theirs (`chgrp`, or a setgid folder); others get nothing.

DuckDB creates its files (the database, its WAL, temp files) with the process umask, so a
process that writes them narrows its umask to at least 027 (no write for the group, nothing for
others), and a new warehouse file is set to 0640 explicitly in case it was created elsewhere.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PRIVATE_UMASK = 0o027
PRIVATE_FILE = 0o640  # warehouse: the owner writes, the group reads
PRIVATE_READ_ONLY = 0o440  # snapshot: nobody writes (analysts open it read-only), the group reads


def restrict_umask() -> int:
    """Narrow the process umask to at least 027 (never widen it); returns the previous one."""
    previous = os.umask(PRIVATE_UMASK)
    os.umask(previous | PRIVATE_UMASK)
    return previous


@contextmanager
def private_umask() -> Iterator[None]:
    """Files created inside are at most 0640 (a temp snapshot before its final chmod)."""
    previous = restrict_umask()
    try:
        yield
    finally:
        os.umask(previous)


def make_private(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Take group write and every permission of others off `path` (and its WAL, if any)."""
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            current = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if current & ~mode:
            file.chmod(current & mode)
