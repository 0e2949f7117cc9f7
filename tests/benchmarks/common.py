"""What every benchmark here needs alike: the machine it ran on, how busy it was, percentiles and peak memory.

One module, so that the figures of ``suite.py`` and of the single benchmarks are described and computed the same way.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from pathlib import Path


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: the value that ``share`` of the samples do not exceed."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, float]:
    """Count, p50, p95 and maximum of the samples."""
    return {"n": len(samples), "p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95),
            "max": max(samples)}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss; PeakWorkingSetSize on Windows)."""
    if sys.platform == "win32":
        return _windows_peak_working_set() / 2**20
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, kilobytes on Linux


def rss_now_mb() -> float:
    """The current resident set (not the peak), from /proc where there is one, else the peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()


def _windows_peak_working_set() -> int:
    """PeakWorkingSetSize from GetProcessMemoryInfo: Windows' counterpart of ru_maxrss."""
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    *((name, ctypes.c_size_t) for name in (
                        "PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage", "QuotaPagedPoolUsage",
                        "QuotaPeakNonPagedPoolUsage", "QuotaNonPagedPoolUsage", "PagefileUsage", "PeakPagefileUsage"))]

    counters = Counters(cb=ctypes.sizeof(Counters))
    process = ctypes.windll.kernel32.GetCurrentProcess()
    ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb)
    return counters.PeakWorkingSetSize


def load_average() -> float | None:
    """The 1-minute load average (how busy the machine was); None where the system has none (Windows)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def load_text(values: list[float | None]) -> str:
    return " / ".join("n/a" if v is None else f"{v:.2f}" for v in values)


def _proc_field(path: str, field: str) -> str | None:
    source = Path(path)
    if not source.exists():
        return None
    return next((line.split(":", 1)[1].strip() for line in source.read_text().splitlines()
                 if line.startswith(field)), None)


def machine(**extra: str) -> dict[str, str]:
    """CPU, cores, memory, system, Python (and whatever the caller adds: library versions) and the date."""
    about = {"cpus": str(os.cpu_count()),
             "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "?",
             "memory": _proc_field("/proc/meminfo", "MemTotal") or "?", "python": sys.version.split()[0],
             "system": platform.platform()}
    about.update(extra)
    about["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
    return about
