"""Reading printed QR codes back: a PDF rendered by poppler, decoded by zbar.

The same tools and the same skip rule as tests/letters/test_pdf.py and
tests/documents/test_qr.py, at a resolution the test chooses (72 dpi is a
cheap phone photo of a printout, 100 dpi CONTRACT §8's rendering).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def binary(name: str) -> str:
    """A poppler/zbar tool; CI installs them (DESA_REQUIRE_BROWSER=1 makes a miss fail)."""
    path = shutil.which(name) or f"/usr/bin/{name}"
    if Path(path).exists():
        return path
    if os.environ.get("DESA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{name} is not installed (DESA_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(f"{name} is not installed")


def pdf_qr_codes(pdf: bytes, folder: Path, dpi: int) -> list[list[str]]:
    """What zbarimg reads on each page of `pdf` rendered at `dpi`: one list a page."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "scan.pdf"
    source.write_bytes(pdf)
    prefix = folder / f"page-{dpi}"
    subprocess.run(
        [binary("pdftoppm"), "-png", "-r", str(dpi), str(source), str(prefix)],
        check=True,
    )
    pages = sorted(folder.glob(f"page-{dpi}*.png"))
    assert pages
    found = []
    for png in pages:
        result = subprocess.run(
            [
                binary("zbarimg"),
                "--raw",
                "-q",
                "-Sdisable",
                "-Sqrcode.enable",
                str(png),
            ],
            capture_output=True,
            check=False,
        )
        assert result.returncode in (0, 4), result.stderr  # 4: no symbol on the page
        found.append(result.stdout.decode().splitlines())
    return found
