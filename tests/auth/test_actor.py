"""The Actor: one party at one moment, built at each boundary, passed to services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from desa.auth.actor import PUBLIC, SYSTEM, Actor, Via

WIB = ZoneInfo("Asia/Pontianak")


def test_an_actor_needs_a_moment():
    with pytest.raises(TypeError):
        Actor()


def test_a_date_means_office_hours_in_the_village():
    actor = Actor(today=dt.date(2026, 11, 23))
    assert actor.today == dt.date(2026, 11, 23)
    assert actor.now == dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    assert actor.utcnow == dt.datetime(2026, 11, 23, 2, 0)  # naive UTC for columns


def test_the_village_date_is_not_the_utc_date():
    # 06:30 WIB on 1 December is still 30 November in UTC.
    actor = Actor(now=dt.datetime(2026, 12, 1, 6, 30, tzinfo=WIB))
    assert actor.today == dt.date(2026, 12, 1)
    assert actor.utcnow.date() == dt.date(2026, 11, 30)


def test_without_a_principal_the_cli_is_the_system_and_the_web_is_nobody():
    cli = Actor(today=dt.date(2026, 1, 5), via=Via.CLI)
    web = Actor(today=dt.date(2026, 1, 5), via=Via.WEB)
    assert (cli.role, cli.kind, cli.display_name) == (SYSTEM, "system", "sistem")
    assert cli.can("letters:revoke") and cli.is_system
    assert web.role == PUBLIC and not web.can("sessions:read")
    assert not web.is_signed_in


def test_a_principal_brings_its_role_and_permissions(make_user, make_actor):
    rt_head = make_user("rt", rw="001", rt="003")
    actor = make_actor(rt_head, today=dt.date(2026, 11, 23))
    assert actor.role == "rt" and actor.kind == "user" and actor.id == rt_head.id
    assert actor.can("bookings:group") and not actor.can("residents:write")
    # The same moment, acted by someone else (a sign-in).
    other = actor.as_(None)
    assert other.now == actor.now and other.principal is None


def test_the_request_builds_one_moment_from_the_one_clock(app, client, freeze):
    """`freeze` stops the app's clock; the request's actor (and so every page and
    service below it) sees that moment, here through the public session calendar's
    first day."""
    freeze(dt.datetime(2027, 3, 1, 23, 30))  # 23:30 WIB
    with app.test_request_context("/"):
        from desa.auth.actor import current_actor

        actor = current_actor()
        assert actor.now == dt.datetime(2027, 3, 1, 23, 30, tzinfo=WIB)
        assert actor.today == dt.date(2027, 3, 1)
        assert actor.via == Via.WEB and actor.role == PUBLIC


def test_a_command_gets_the_system_actor_at_the_frozen_moment(app, freeze):
    freeze(dt.date(2027, 5, 4))
    with app.app_context():
        from desa.auth.actor import command_actor

        actor = command_actor()
        assert actor.today == dt.date(2027, 5, 4) and actor.is_system


def test_audit_takes_who_when_and_where_from_the_actor(db, make_user, make_actor):
    from desa.auth import audit

    clerk = make_user("clerk", full_name="Operator Uji")
    actor = make_actor(
        clerk, now=dt.datetime(2026, 11, 23, 10, 15), ip="10.1.2.3", via=Via.WEB
    )
    event = audit.record(actor, "test.event", detail="NIK 6101124503090001")
    db.session.flush()
    assert (event.actor_kind, event.actor_id, event.role) == ("user", clerk.id, "clerk")
    assert event.actor_name == "Operator Uji" and event.ip == "10.1.2.3"
    assert event.created_at == dt.datetime(2026, 11, 23, 3, 15)  # UTC
    assert "6101124503090001" not in event.detail
