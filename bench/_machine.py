"""The machine line every bench prints first: figures mean little without the box they ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model(unknown: str = "unknown") -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows, else `unknown`."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or unknown


def machine(unknown: str = "unknown") -> str:
    """`nproc=… cpu='…' python=…`."""
    return f"nproc={os.cpu_count()} cpu={cpu_model(unknown)!r} python={platform.python_version()}"


def load() -> str:
    """`load=1m/5m/15m`, or "" where the OS has no load average: other processes on a small box
    change every figure."""
    return "load={:.2f}/{:.2f}/{:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
