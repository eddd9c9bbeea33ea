"""Another process writing to the warehouse the way the pipeline does: the writer lock, then a
write connection, held for the given seconds. It calls itself holder-of-the-warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.config import PROJECT_DIR

_HOLDER = """
import sys, time
from pathlib import Path
db, activity, seconds = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
sys.argv[:] = ["holder-of-the-warehouse"]
from orchestration.warehouse import connect
with connect(db, activity=activity) as con:
    con.execute("create table if not exists held (held_at timestamp)")
    print("holding", flush=True)
    time.sleep(seconds)
"""


def hold(db: Path, seconds: float, activity: str = "test load") -> subprocess.Popen:
    """The holding process, once it holds the warehouse; the caller kills it."""
    process = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db), activity, str(seconds)],
                               stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
    assert process.stdout.readline().strip() == "holding"
    return process
