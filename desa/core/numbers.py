"""Whole numbers typed or sent by people: ASCII digits only, within bounds.

`str.isdigit()` also takes "²" or "٣", which `int()` then refuses (a 500), and
`type=int` takes any size, which the database then refuses as an OFFSET or an id
(a 500 again). These helpers say "not a number" instead.
"""

from __future__ import annotations

import re

from flask import request

_DIGITS = re.compile(r"[0-9]{1,18}")
ID_MAX = 2**31 - 1  # PostgreSQL INTEGER, the id columns
PAGE_MAX = 10**9  # far past any list; the OFFSET it makes fits every database


def whole_number(raw: object, low: int = 0, high: int = ID_MAX) -> int | None:
    """`raw` as an int when it is plain digits between `low` and `high`, else None."""
    text = str(raw if raw is not None else "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def page_number(name: str = "page") -> int:
    """`?page=` of an HTML list: 1 when missing or not a number, at most PAGE_MAX."""
    raw = request.args.get(name, "")
    if _DIGITS.fullmatch(raw.strip()):
        return min(max(int(raw), 1), PAGE_MAX)
    return 1
