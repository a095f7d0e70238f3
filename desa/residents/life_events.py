"""Listeners other domains register to follow a resident's population events.

`residents` must not import the domains built on it (appointments, …); when a
death or a move-out must reach a booking, that domain registers a listener here at
import, and `registry.record_event` calls every listener in the same transaction,
after the event is applied. A listener never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desa.auth.actor import Actor

if TYPE_CHECKING:
    from desa.residents.models import Resident, ResidentEvent

Listener = Callable[[Actor, "Resident", "ResidentEvent"], None]
_listeners: dict[str, Listener] = {}


def register_listener(name: str, listener: Listener) -> None:
    """Adds (or replaces) the listener `name`."""
    _listeners[name] = listener


def notify(actor: Actor, resident: Resident, event: ResidentEvent) -> None:
    """Calls every listener, in the order they were registered."""
    for listener in list(_listeners.values()):
        listener(actor, resident, event)
