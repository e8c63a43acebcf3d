"""Peak resident memory of a process tree, sampled from /proc."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from customer_health.bench.common import SAMPLE_INTERVAL_S


def _children_by_parent() -> dict[int, list[int]]:
    """Return the live processes grouped by parent pid (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields follow the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        children[int(fields[1])].append(int(entry.name))
    return children


def process_tree_rss(root_pid: int) -> int:
    """Return the summed resident set size (bytes) of a process and all its descendants."""
    children = _children_by_parent()
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue  # the process ended between the listing and the read
        todo.extend(children.get(pid, ()))
    return total


class PeakTreeRss:
    """Context manager: a thread samples the process tree's RSS and keeps the peak."""

    def __init__(self, pid: int, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        """Sample the tree rooted at pid every interval_s seconds."""
        self.pid = pid
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, process_tree_rss(self.pid))
        self.samples += 1

    def _loop(self) -> None:
        self._sample()
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> PeakTreeRss:
        if Path("/proc").is_dir():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
