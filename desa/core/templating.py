"""Jinja filters and globals: Indonesian dates, masking, the village, navigation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, url_for
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import UndefinedError

from desa.core import formatting


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC datetime in the village's time zone."""
    if value is None:
        return None
    zone = ZoneInfo(g.get("desa_tz") or "Asia/Pontianak")
    return value.replace(tzinfo=dt.UTC).astimezone(zone)


_NAV: list[tuple[int, str, str, object, str]] = []
# What this instance is, "village" or "hub": the hub package installs the
# question (core knows no domain), and the menu shows that place's entries.
_place: list[Any] = [lambda: "village", lambda: None]


def set_place_resolver(resolver: Any, identity: Any = None) -> None:
    """Installs the function that says whether this instance is a village or a hub,
    and the one that names a hub for its pages' header and footer
    (`{"title": …, "code": …}`, or None)."""
    _place[0] = resolver
    _place[1] = identity or (lambda: None)


def current_place() -> str:
    """ "village" or "hub", asked once per request."""
    if "desa_place" not in g:
        g.desa_place = _place[0]()
    return g.desa_place


def register_nav(
    order: int, permission: str, endpoint: str, label: object, place: str = "village"
) -> None:
    """Adds a main-menu entry shown to principals holding `permission`, on a
    village desk (the default) or on a hub."""
    entry = (order, permission, endpoint, label, place)
    if entry not in _NAV:
        _NAV.append(entry)
        _NAV.sort(key=lambda e: e[0])


def nav_items() -> list[dict[str, str]]:
    """The menu entries the current principal may open, here."""
    here = current_place()
    return [
        {"url": url_for(endpoint), "label": str(label)}
        for _order, permission, endpoint, label, place in _NAV
        if place == here and current_user.can(permission)
    ]


class TemplateEnum:
    """An enum for templates: a misspelt member raises instead of going undefined.

    Jinja turns an AttributeError into its silent Undefined, so `LetterStatus.ISSUDE`
    would just compare unequal to everything; an UndefinedError is not caught.
    """

    def __init__(self, enum: type[Enum]) -> None:
        self._enum = enum

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # probes such as `__html__` expect AttributeError
            raise AttributeError(name)
        try:
            return self._enum[name]
        except KeyError:
            raise UndefinedError(
                f"{self._enum.__name__} has no member {name!r}"
            ) from None

    def __iter__(self) -> Iterator[Enum]:
        return iter(self._enum)


def register_enums(app: Flask, *enums: type[Enum]) -> None:
    """Makes each enum a template global under its class name, strict about members."""
    for enum in enums:
        app.jinja_env.globals[enum.__name__] = TemplateEnum(enum)


def init_templating(app: Flask) -> None:
    """Registers filters and the `village` global."""
    env = app.jinja_env
    # A stored timestamp is naive UTC: its date is the village's date, not UTC's.
    env.filters["tanggal"] = lambda v: formatting.format_date(
        _local(v) if isinstance(v, dt.datetime) else v
    )
    env.filters["hari_tanggal"] = formatting.format_day_date
    env.filters["waktu"] = lambda v: formatting.format_datetime(_local(v))
    env.filters["mask_nik"] = formatting.mask_nik
    env.filters["mask_name"] = formatting.mask_name
    env.filters["ribuan"] = lambda n: f"{n:,}".replace(",", ".")
    env.globals["nav_items"] = nav_items
    env.globals["current_locale"] = lambda: str(get_locale() or "id")

    @app.context_processor
    def _village():
        from desa.core.village import get_village

        village = get_village()
        if village is not None:
            g.desa_tz = village.timezone
            return {"village": village, "hub_identity": None}
        return {"village": None, "hub_identity": _place[1]()}
