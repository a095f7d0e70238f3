"""Reading printed codes the way a phone or an office scanner does.

Pages are rasterised with poppler's `pdftoppm` and decoded with `zbarimg`, never
with the code that drew them. CI installs both (DESA_REQUIRE_BROWSER=1 makes a
missing tool a failure instead of a skip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def binary(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    if Path(path).exists():
        return path
    if os.environ.get("DESA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{name} is not installed (DESA_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(f"{name} is not installed")


def zbar_decode(png: Path) -> list[str]:
    """What zbarimg reads in an image: one entry per QR symbol, [] when none."""
    result = subprocess.run(
        [binary("zbarimg"), "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        check=False,
    )
    assert result.returncode in (0, 4), result.stderr  # 4: no symbol found
    return result.stdout.decode().splitlines()


def render(
    pdf: bytes | Path, dpi: int, folder: Path, *, first_page_only=True
) -> list[Path]:
    """The PDF's pages as PNG files at `dpi` (`pdftoppm -r`)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = pdf if isinstance(pdf, Path) else folder / "document.pdf"
    if not isinstance(pdf, Path):
        source.write_bytes(pdf)
    pages = ["-f", "1", "-l", "1"] if first_page_only else []
    prefix = folder / f"page-{dpi}"
    subprocess.run(
        [binary("pdftoppm"), "-png", "-r", str(dpi), *pages, str(source), str(prefix)],
        check=True,
    )
    found = sorted(folder.glob(f"page-{dpi}*.png"))
    assert found, "pdftoppm wrote no page"
    return found


def scan_pdf(
    pdf: bytes | Path, dpi: int, folder: Path | None = None, *, first_page_only=True
) -> list[str]:
    """Every QR text zbar finds on the rendered page(s)."""
    if folder is None:
        with tempfile.TemporaryDirectory() as tmp:
            return scan_pdf(pdf, dpi, Path(tmp), first_page_only=first_page_only)
    return [
        text
        for png in render(pdf, dpi, folder, first_page_only=first_page_only)
        for text in zbar_decode(png)
    ]


def pdf_qr_codes(pdf: bytes, folder: Path, dpi: int) -> list[list[str]]:
    """What zbarimg reads on each page of `pdf` rendered at `dpi`: one list a page."""
    return [zbar_decode(png) for png in render(pdf, dpi, folder, first_page_only=False)]


def pdf_text(pdf: bytes, folder: Path, *, raw: bool = False, keep: str = "") -> str:
    """What poppler's `pdftotext` reads in `pdf`: `-layout` (columns kept) or
    `-raw` (content order); pages separated by form feeds. With DESA_KEEP_PDFS set,
    `keep` names a copy left there for a person to open."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"text-{len(list(folder.glob('text-*.pdf')))}.pdf"
    source.write_bytes(pdf)
    if keep and os.environ.get("DESA_KEEP_PDFS"):
        Path(os.environ["DESA_KEEP_PDFS"], f"{keep}.pdf").write_bytes(pdf)
    mode = "-raw" if raw else "-layout"
    return subprocess.run(
        [binary("pdftotext"), mode, str(source), "-"], capture_output=True, check=True
    ).stdout.decode()
