"""Keyset pages for long lists: the next page is an index seek, never a deep OFFSET.

A list is a (scoped, filtered) select ordered by a unique key, such as
`(name_key, id)`. Three ways in:

- the first page, or page N by number (the pager's numbers, old links): the
  total is counted, and for a deep page its first key is found by an OFFSET over
  the key columns alone (an index-only scan), from whichever end is nearer; the
  rows are then read from that key on;
- `after=` a cursor: `WHERE (name_key, id) > (:k, :id) ORDER BY … LIMIT n`;
- `before=` a cursor: the same backwards, for "Sebelumnya".

The pager's page links carry the total too (`t=`, a token like a cursor without
a key), so only a page opened afresh (the list's own link, a bookmark, new
filters) counts its rows.

A cursor is an opaque, URL-safe token: the key of the row at the page's edge,
that row's position, and the total counted when the list was opened, so walking a
long list does not count it on every page (PostgreSQL's count(*) visits every
row; a total is counted again once it is TOTAL_TTL old). It is sealed with
AES-GCM under a key derived from the app's secret and bound to the list, its
filters and who asked: sealed, not only signed, because the key holds a
resident's name, which must not be readable from an access log. A token that
was changed, belongs to another list or does not open is refused (`BadCursor`):
the API answers 400, an HTML list starts again from its first page.

Rows come out exactly once in key order however rows are added or removed between
pages; only the page numbers shown are then approximate until the list is opened
again. Documented in docs/api.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import Select, and_, false, func, or_, select, tuple_

from desa.extensions import db

_SALT = b"desa.pages.cursor"
_NONCE = 12
AFTER, BEFORE, TOTAL = "a", "b", "t"
# A cursor longer than this was not made here (the longest key is a 120-character
# name); refused before it is decoded.
MAX_CURSOR = 1000
# How long a cursor's total is shown before it is counted again (seconds).
TOTAL_TTL = 300


class BadCursor(ValueError):
    """A cursor that was not made for this list (changed, stale key, garbage)."""


@dataclass(frozen=True)
class Key:
    """The order of a list: unique columns, all ascending or all descending."""

    columns: tuple[Any, ...]
    descending: bool = False

    def order_by(self, *, reverse: bool = False) -> list[Any]:
        down = self.descending != reverse
        return [c.desc() if down else c.asc() for c in self.columns]

    def values(self, item: Any) -> list[Any]:
        """The key of one row (ORM object or Core row)."""
        return [getattr(item, c.key) for c in self.columns]

    def beyond(
        self, values: Sequence[Any], *, reverse: bool = False, inclusive: bool = False
    ) -> Any:
        """Rows after `values` in this order (before them with `reverse`); with
        `inclusive`, the row with that key too."""
        down = self.descending != reverse
        if not any(_nullable(c) for c in self.columns):
            # One row-value comparison: the index seeks straight to it.
            left, right = tuple_(*self.columns), tuple_(*values)
            if inclusive:
                return left <= right if down else left >= right
            return left < right if down else left > right
        after = _beyond_with_nulls(self.columns, values, down)
        if inclusive:
            same = [
                c.is_(None) if v is None else c == v
                for c, v in zip(self.columns, values, strict=True)
            ]
            return or_(after, and_(*same))
        return after


def _nullable(column: Any) -> bool:
    return bool(getattr(getattr(column, "expression", column), "nullable", False))


def _beyond_with_nulls(columns: Sequence[Any], values: Sequence[Any], down: bool):
    """Lexicographic "after" that places NULL where this engine sorts it.

    PostgreSQL sorts NULL above every value, SQLite below: NULL comes first in
    a descending order on the one and in an ascending order on the other.
    """
    nulls_first = (db.session.get_bind().dialect.name == "postgresql") == down
    clause = false()
    for column, value in reversed(list(zip(columns, values, strict=True))):
        if value is None:
            after = column.is_not(None) if nulls_first else false()
            same = column.is_(None)
        else:
            after = column < value if down else column > value
            if not nulls_first:
                after = or_(after, column.is_(None))
            same = column == value
        clause = or_(after, and_(same, clause))
    return clause


@dataclass
class Page:
    """One page of a list; also what the pager macro reads (as Flask-SQLAlchemy's)."""

    items: list[Any]
    total: int
    offset: int  # position of the first item in the whole list, from 0
    per_page: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    more: bool = field(default=False, repr=False)
    # The total, sealed for the page links (`t=`): they need not count again.
    total_token: str | None = field(default=None, repr=False)

    @property
    def page(self) -> int:
        return self.offset // self.per_page + 1

    @property
    def pages(self) -> int:
        counted = -(-self.total // self.per_page) if self.total else 0
        if not self.items:
            return counted
        # Rows added since the total was counted still get their page.
        return max(counted, self.page + (1 if self.more else 0))

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    @property
    def prev_num(self) -> int:
        return max(self.page - 1, 1)

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """Page numbers for the pager, None for a gap (as Flask-SQLAlchemy's)."""
        last = self.pages
        spans = (
            (1, left_edge),
            (self.page - left_current, self.page + right_current),
            (last - right_edge + 1, last),
        )
        shown = 0
        for low, high in spans:
            low, high = max(low, shown + 1, 1), min(high, last)
            if low > high:
                continue
            if shown and low > shown + 1:
                yield None
            yield from range(low, high + 1)
            shown = high


def _cipher() -> AESGCM:
    secret = str(current_app.secret_key).encode()
    return AESGCM(hashlib.sha256(_SALT + secret).digest())


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    return value


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, list):
        kind, text = raw
        parse = dt.datetime if kind == "t" else dt.date
        return parse.fromisoformat(text)
    if raw is None or isinstance(raw, str | int) and not isinstance(raw, bool):
        return raw
    raise BadCursor(raw)


def make_cursor(
    direction: str,
    values: Sequence[Any],
    offset: int,
    total: int,
    context: str,
    counted_at: int = 0,
) -> str:
    """The token for the rows after (or before) the row whose key is `values`;
    `counted_at` is when `total` was counted (Unix seconds)."""
    payload = [direction, [_encode_value(v) for v in values], offset, total, counted_at]
    plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    nonce = os.urandom(_NONCE)
    sealed = nonce + _cipher().encrypt(nonce, plain, context.encode())
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Cursor:
    direction: str
    values: list[Any]
    offset: int  # position of the row the cursor names
    total: int
    counted_at: int = 0


def read_cursor(token: str, key: Key, context: str) -> Cursor:
    """A cursor made for this list, or BadCursor."""
    if not token or len(token) > MAX_CURSOR or not token.isascii():
        raise BadCursor(token)
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = _cipher().decrypt(sealed[:_NONCE], sealed[_NONCE:], context.encode())
        direction, raw, offset, total, counted_at = json.loads(plain)
        values = [_decode_value(v) for v in raw]
    except (InvalidTag, binascii.Error, ValueError, TypeError) as err:
        raise BadCursor(token) from err
    if (
        direction not in (AFTER, BEFORE, TOTAL)
        or len(values) != (0 if direction == TOTAL else len(key.columns))
        or not all(type(n) is int and n >= 0 for n in (offset, total, counted_at))
    ):
        raise BadCursor(token)
    return Cursor(direction, values, offset, total, counted_at)


def count(stmt: Select) -> int:
    """How many rows `stmt` gives, asked the cheapest way the database answers."""
    if stmt._group_by_clauses or stmt._distinct:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    else:
        # A plain `SELECT count(*) … WHERE …` is answered from an index alone; the
        # subquery form makes SQLite read every matching row.
        counted = stmt.with_only_columns(
            func.count(), maintain_column_froms=True
        ).order_by(None)
    return db.session.scalar(counted) or 0


def _scalars(stmt: Select) -> list[Any]:
    return list(db.session.scalars(stmt))


def _key_at(stmt: Select, key: Key, offset: int, total: int) -> list[Any] | None:
    """The key of the row at `offset`, read over the key columns alone.

    Counted from whichever end is nearer, so the last pages cost as little as the
    first; over a covering index PostgreSQL answers it with an index-only scan.
    """
    keys = stmt.with_only_columns(*key.columns, maintain_column_froms=True)
    from_end = offset > (total - 1) // 2
    position = total - 1 - offset if from_end else offset
    row = db.session.execute(
        keys.order_by(None)
        .order_by(*key.order_by(reverse=from_end))
        .offset(position)
        .limit(1)
    ).first()
    return list(row) if row is not None else None


def keyset_page(
    stmt: Select,
    key: Key,
    *,
    per_page: int,
    context: str,
    page: int = 1,
    cursor: Cursor | None = None,
    known: Cursor | None = None,
    now: int = 0,
    fetch: Callable[[Select], list[Any]] = _scalars,
    counter: Callable[[], int] | None = None,
) -> Page:
    """One page of `stmt` in `key` order, by page number or from a cursor.

    `context` names the list, its filters and who asks: a cursor is only taken
    back by the list it was made for. `known` is a TOTAL token: a page by number
    takes its total instead of counting. `now` (Unix seconds) decides whether a
    carried total is still fresh. `fetch` runs a select into items (ORM objects
    by default); `counter` counts the list when `count(stmt)` is not the cheapest
    way.
    """
    walk = _Walk(stmt.order_by(None), key, per_page, context, fetch)
    carried = cursor or known
    if carried is not None and now - carried.counted_at <= TOTAL_TTL:
        total, counted_at = carried.total, carried.counted_at
    else:
        total, counted_at = (counter or (lambda: count(walk.stmt)))(), now
    if cursor is None:
        result = walk.by_number(page, total, counted_at)
    elif cursor.direction == BEFORE:
        result = walk.before(cursor, total, counted_at)
    else:
        result = walk.after(cursor, total, counted_at)
    result.total_token = make_cursor(TOTAL, [], 0, result.total, context, counted_at)
    return result


@dataclass
class _Walk:
    stmt: Select
    key: Key
    per_page: int
    context: str
    fetch: Callable[[Select], list[Any]]

    def _rows(self, where: Any, *, reverse: bool = False) -> list[Any]:
        ordered = self.stmt.order_by(*self.key.order_by(reverse=reverse))
        if where is not None:
            ordered = ordered.where(where)
        return self.fetch(ordered.limit(self.per_page + 1))

    def by_number(self, page: int, total: int, counted_at: int) -> Page:
        """Page `page`, `total` rows in all."""
        offset = (page - 1) * self.per_page
        if offset >= total:
            # Past the end: no query, so a huge page number never reaches the
            # database as an OFFSET it cannot hold.
            return Page([], total, offset, self.per_page)
        where = None
        if offset:
            first = _key_at(self.stmt, self.key, offset, total)
            if first is None:  # rows went since they were counted
                return Page([], total, offset, self.per_page)
            where = self.key.beyond(first, inclusive=True)
        rows = self._rows(where)
        return self._page(rows, total, counted_at, offset, has_prev=offset > 0)

    def after(self, cursor: Cursor, total: int, counted_at: int) -> Page:
        """The rows after the cursor's."""
        rows = self._rows(self.key.beyond(cursor.values))
        result = self._page(rows, total, counted_at, cursor.offset + 1, has_prev=True)
        if not result.items:  # the rows went meanwhile: still a way back
            result.prev_cursor = make_cursor(
                BEFORE,
                cursor.values,
                cursor.offset + 1,
                total,
                self.context,
                counted_at,
            )
        return result

    def before(self, cursor: Cursor, total: int, counted_at: int) -> Page:
        """The rows before the cursor's, or the first page when they are the first."""
        rows = self._rows(self.key.beyond(cursor.values, reverse=True), reverse=True)
        if len(rows) <= self.per_page:
            # Back at the start (rows may have gone meanwhile): the first page, full.
            return self.by_number(1, total, counted_at)
        items = rows[: self.per_page][::-1]
        offset = max(cursor.offset - self.per_page, 0)
        result = self._page(items, total, counted_at, offset, has_prev=True)
        result.more = True  # the cursor's own row follows
        result.next_cursor = make_cursor(
            AFTER,
            self.key.values(items[-1]),
            offset + len(items) - 1,
            total,
            self.context,
            counted_at,
        )
        return result

    def _page(
        self,
        rows: list[Any],
        total: int,
        counted_at: int,
        offset: int,
        *,
        has_prev: bool,
    ) -> Page:
        """`rows` as read (one past the page when there is more) → the Page."""
        items = rows[: self.per_page]
        result = Page(items, total, offset, self.per_page, more=len(rows) > len(items))
        if not items:
            return result
        if result.more:
            result.next_cursor = make_cursor(
                AFTER,
                self.key.values(items[-1]),
                offset + len(items) - 1,
                total,
                self.context,
                counted_at,
            )
        if has_prev:
            result.prev_cursor = make_cursor(
                BEFORE,
                self.key.values(items[0]),
                offset,
                total,
                self.context,
                counted_at,
            )
        return result


PAGING_ARGS = frozenset({"page", "per_page", "after", "before", "t"})


def list_context() -> str:
    """The list a cursor belongs to: this endpoint, its filters, and who asks.

    A cursor passed on to someone else is not theirs to use: it carries the
    total the first one saw, which may count rows outside the other's scope.
    """
    from flask_login import current_user

    filters = sorted(
        (name, value)
        for name, value in request.args.items(multi=True)
        if name not in PAGING_ARGS
    )
    who = (
        [current_user.kind, str(current_user.id)]
        if current_user.is_authenticated
        else []
    )
    return json.dumps([request.endpoint, who, filters], ensure_ascii=False)


_PARAMS = {"after": AFTER, "before": BEFORE, "t": TOTAL}


def requested_cursor(
    key: Key, context: str, names: Sequence[str] = ("after", "before")
) -> Cursor | None:
    """The `after=` or `before=` cursor of this request (or the `t=` total, with
    `names=("t",)`), None without one (or an empty one); BadCursor when it does not
    open for this list."""
    for name in names:
        token = request.args.get(name)
        if not token:  # `?after=` as a form sends it empty: the first page
            continue
        cursor = read_cursor(token, key, context)
        if cursor.direction != _PARAMS[name]:
            raise BadCursor(token)
        return cursor
    return None


def html_page(
    stmt: Select,
    key: Key,
    *,
    per_page: int,
    fetch: Callable[[Select], list[Any]] = _scalars,
    counter: Callable[[], int] | None = None,
) -> Page:
    """The page an HTML list's query string asks for: `?page=N`, `?after=`,
    `?before=`. A cursor that does not open (an old bookmark after the key
    changed, a mangled link) is ignored: the list opens at its page by number."""
    from desa.core.numbers import page_number

    context = list_context()
    try:
        cursor = requested_cursor(key, context)
    except BadCursor:
        cursor = None
    try:
        known = requested_cursor(key, context, ("t",))
    except BadCursor:
        known = None
    return keyset_page(
        stmt,
        key,
        per_page=per_page,
        context=context,
        page=page_number(),
        cursor=cursor,
        known=known,
        now=now_seconds(),
        fetch=fetch,
        counter=counter,
    )


def now_seconds() -> int:
    """The app clock's Unix time, for the age of a cursor's total."""
    from desa.core import clock

    return int(clock.utc_now().timestamp())


def bad_cursor_message() -> str:
    """What a client is told about a cursor this list did not make."""
    return _(
        "Penanda halaman tidak valid atau sudah kedaluwarsa. "
        "Mulai lagi dari halaman pertama."
    )
