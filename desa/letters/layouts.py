"""Letter types drawn in another office's layout instead of the village letter.

Most types are a village letter (letterhead, body, the resident's data, signature,
QR). A few are forms whose layout the receiving office fixes: the KUA's N-1…N-6,
Disdukcapil's family card sheet F-1.09 and the biodata F-1.01/F-1.02. They are
issued, numbered, signed and verified exactly like letters; only the page differs.
A layout module registers a drawer for its type codes with `@layout("N1", ...)`;
`render` picks the drawer for a type's code, or the village letter.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The modules that register layouts (imported on first use: they import letters).
LAYOUT_MODULES = ("desa.papers.kua", "desa.papers.family")


@dataclass(frozen=True)
class Paper:
    """Everything a drawer may put on the page; `number` and `qr_url` are None
    on a draft (the drawer then marks the page as a draft)."""

    letter_type: Any
    resident: Any
    purpose: str
    fields: dict[str, Any]
    village: Any
    on: dt.date
    signer_name: str
    signer_title: str
    draft: bool
    number: str | None = None
    qr_url: str | None = None
    valid_until: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Drawer = Callable[[Paper], bytes]
_DRAWERS: dict[str, Drawer] = {}
_loaded = False


def layout(*codes: str) -> Callable[[Drawer], Drawer]:
    """Registers the decorated function as the drawer for these type codes."""

    def register(drawer: Drawer) -> Drawer:
        for code in codes:
            _DRAWERS[code] = drawer
        return drawer

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in LAYOUT_MODULES:
            importlib.import_module(name)
        _loaded = True


def drawer_for(code: str | None) -> Drawer | None:
    """The drawer registered for a type code, or None (a village letter)."""
    _load()
    return _DRAWERS.get(code or "")


def has_layout(code: str | None) -> bool:
    """Whether this type is a form in another office's layout (its body unused)."""
    return drawer_for(code) is not None


def render(paper: Paper) -> bytes:
    """The PDF of a letter of any type: its own layout, or the village letter."""
    drawer = drawer_for(getattr(paper.letter_type, "code", None))
    if drawer is not None:
        return drawer(paper)
    from desa.letters import documents
    from desa.letters.pdf import render_letter

    return render_letter(
        documents.build_document(
            letter_type=paper.letter_type,
            resident=paper.resident,
            purpose=paper.purpose,
            fields=paper.fields,
            village=paper.village,
            on=paper.on,
            signer_name=paper.signer_name,
            signer_title=paper.signer_title,
            number=paper.number,
            qr_url=paper.qr_url,
            valid_until=paper.valid_until,
            draft=paper.draft,
        )
    )
