"""Sections other domains add to the resident page (letters, recording bookings).

The resident page belongs to `residents`, which must not import the domains built
on it; each of those registers a provider here that returns what its section shows
for this actor and resident (or None to show nothing), and the view passes the
result to the page. No template queries the database itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desa.auth.actor import Actor
from desa.residents.models import Resident


@dataclass(frozen=True)
class Section:
    """One section of the resident page: its template and what it shows."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Actor, Resident], Section | None]
_providers: list[tuple[int, str, Provider]] = []


def register_section(order: int, name: str, provider: Provider) -> None:
    """Adds (or replaces) the section `name`, shown in `order`."""
    _providers[:] = [p for p in _providers if p[1] != name]
    _providers.append((order, name, provider))
    _providers.sort(key=lambda p: (p[0], p[1]))


def sections_for(actor: Actor, resident: Resident) -> list[Section]:
    """The sections this actor sees on this resident's page, in order."""
    found = (provider(actor, resident) for _order, _name, provider in _providers)
    return [section for section in found if section is not None]
