"""Shared helpers for the benchmark scripts: a throwaway instance and figure lines."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def figure(
    name: str, value: float, unit: str, target: float, higher_is_better: bool = False
):
    """Prints `name: value unit (target ≤ X) ok|MISS` and returns whether it met the target."""
    ok = value >= target if higher_is_better else value <= target
    sign = "≥" if higher_is_better else "≤"
    print(
        f"{name}: {value:.2f} {unit} (target {sign} {target:g}) {'ok' if ok else 'MISS'}"
    )
    return ok


def baseline(name: str, value: float, unit: str) -> None:
    """Prints a yardstick measured in the same run: `name: value unit (baseline)`."""
    print(f"{name}: {value:.2f} {unit} (baseline)")


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) of the samples."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]


def temp_instance() -> Path:
    """A fresh instance folder for one benchmark run."""
    path = Path(tempfile.mkdtemp(prefix="desa-bench-"))
    os.environ["DESA_INSTANCE_PATH"] = str(path)
    os.environ.setdefault("DESA_DATABASE_URL", f"sqlite:///{path / 'desa.sqlite'}")
    return path
