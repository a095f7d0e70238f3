"""Peak memory: of a command run in a fresh process (ru_maxrss), or of a stretch of
this process's own work (Linux's resettable high-water mark).

A small Python parent runs the command and reports RUSAGE_CHILDREN, so the figure
is the command's own peak, not that of the benchmark that started it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

_PROBE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"\\nPEAK_KB={peak}\\n")
sys.exit(done.returncode)
"""


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_measured(cmd: list[str], env: dict[str, str], timeout: float = 900) -> Measured:
    """Runs `cmd` and returns its exit code, output, wall time and peak RSS in MB."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    seconds = time.perf_counter() - start
    stderr, _, peak = done.stderr.rpartition("PEAK_KB=")
    return Measured(
        done.returncode, done.stdout, stderr, seconds, int(peak.split()[0]) / 1024
    )


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> float:
    """Resets this process's peak resident set to its current one (Linux); returns
    that, in MB, for peak_mb() to be compared with."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_kb("VmRSS") / 1024


def peak_mb() -> float:
    """This process's peak resident set since the last reset_peak(), in MB."""
    return _status_kb("VmHWM") / 1024
