"""bandit finds nothing in desa/: real findings are fixed, deliberate ones are
marked in place with `# nosec BXXX` and a reason (see [tool.bandit])."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANDIT = Path(sys.executable).parent / "bandit"


@pytest.mark.skipif(
    not BANDIT.exists() and not shutil.which("bandit"), reason="bandit not installed"
)
def test_bandit_is_clean():
    exe = str(BANDIT if BANDIT.exists() else shutil.which("bandit"))
    done = subprocess.run(  # noqa: S603 - our own arguments
        [exe, "-r", "desa", "-q", "-c", "pyproject.toml", "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stdout)
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
    ]
    assert findings == []
    assert report["errors"] == []
    assert done.returncode == 0
