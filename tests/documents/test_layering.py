"""The shared document kit stands below the domains: it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import desa.documents

PACKAGE = Path(desa.documents.__file__).parent
ALLOWED = ("desa.core", "desa.documents")


def imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_documents_imports_only_core_from_desa():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) >= 3  # __init__, drawing, qr
    wrong = {
        f"{source.name}: {name}"
        for source in sources
        for name in imported_modules(source)
        if (name == "desa" or name.startswith("desa."))
        and not any(name == ok or name.startswith(f"{ok}.") for ok in ALLOWED)
    }
    assert wrong == set()


def test_the_kit_is_not_left_behind_in_letters():
    letters = PACKAGE.parent / "letters"
    assert not (letters / "qr.py").exists()
    assert not (letters / "pdf" / "drawing.py").exists()
