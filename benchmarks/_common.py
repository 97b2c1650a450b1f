"""Helpers shared by the benchmarks: memory sampling and a JSON result line."""

from __future__ import annotations

import json
import os
import threading
import time


def read_status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (e.g. RssAnon, RssFile, VmHWM); 0 elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """Samples anonymous and file-backed RSS in a thread; peaks are relative to the start."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak_anon = self.peak_file = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakMemory:
        self.base_anon = read_status_kib("RssAnon")
        self.base_file = read_status_kib("RssFile")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_anon = max(self.peak_anon, read_status_kib("RssAnon") - self.base_anon)
            self.peak_file = max(self.peak_file, read_status_kib("RssFile") - self.base_file)
            time.sleep(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def print_result(name: str, **fields) -> None:
    print(json.dumps({"benchmark": name, "cores": os.cpu_count(), **fields}))
