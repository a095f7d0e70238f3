"""Staff sign-in (desa/auth/signin.py): same answer for every failure, throttling,
the lock kept in the database, audit lines, and `next` kept on this site."""

import datetime as dt

from conftest import PASSWORD, csrf_token
from sqlalchemy import select

from desa.auth.models import AuditEvent, LoginThrottle, User

from .conftest import post_login


def test_sign_in_and_home_shows_role_and_village(client, make_user):
    user = make_user("rt", rw="003", rt="001")
    resp = post_login(client, user.username, PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Desa Merubung" in page
    assert "RT 001 / RW 003" in page
    assert "Ketua RT" in page


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user("clerk")
    wrong = post_login(client, user.username, "salah-salah-salah")
    unknown = post_login(client, "tidak.ada", "salah-salah-salah")
    assert wrong.status_code == unknown.status_code == 401
    msg = "Nama pengguna atau kata sandi salah."
    assert msg in wrong.get_data(as_text=True) and msg in unknown.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user, db):
    user = make_user("clerk")
    for _ in range(5):
        assert post_login(client, user.username, "salah-salah-salah").status_code == 401
    # Even the right password is refused now, with the wait said in Indonesian.
    resp = post_login(client, user.username, PASSWORD)
    assert resp.status_code == 429
    assert "Tunggu 15 menit" in resp.get_data(as_text=True)
    # The lock lives in the database, so it survives a restart and holds across workers.
    assert db.session.scalar(select(LoginThrottle).where(LoginThrottle.failures >= 5))
    # After the lock runs out, the right password works again.
    for row in db.session.scalars(select(LoginThrottle)):
        row.locked_until = row.window_started_at = dt.datetime(2000, 1, 1)
    db.session.commit()
    assert post_login(client, user.username, PASSWORD).status_code == 302


def test_lock_survives_a_new_app_instance(
    app, client, make_user, database_url, tmp_path
):
    from conftest import _test_config

    from desa import create_app

    user = make_user("clerk")
    for _ in range(5):
        post_login(client, user.username, "salah-salah-salah")
    other_app = create_app(_test_config(tmp_path / "other", database_url))
    other_app.test_client_class = type(app.test_client())
    other = other_app.test_client()
    assert post_login(other, user.username, PASSWORD).status_code == 429


def test_one_address_cannot_try_many_accounts(client, make_user):
    users = [make_user("clerk") for _ in range(6)]
    for user in users[:5]:
        post_login(client, user.username, "salah-salah-salah")
    resp = post_login(client, users[5].username, PASSWORD)
    assert resp.status_code == 429
    # Another address is not affected.
    resp = post_login(
        client, users[5].username, PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert resp.status_code == 302


def test_sign_in_and_failures_are_audited(client, make_user, db):
    user = make_user("clerk")
    post_login(client, user.username, "salah-salah-salah")
    post_login(client, user.username, PASSWORD)
    actions = db.session.scalars(
        select(AuditEvent.action).order_by(AuditEvent.id)
    ).all()
    assert "auth.sign_in_failed" in actions and actions[-1] == "auth.sign_in"


def test_next_is_followed_only_on_this_site(client, make_user):
    user = make_user("admin")
    resp = post_login(client, user.username, PASSWORD, next="//evil.example/")
    assert resp.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    resp = post_login(client, user.username, PASSWORD, next="/admin/users")
    assert resp.headers["Location"] == "/admin/users"


def test_deactivated_account_cannot_sign_in(client, make_user, db):
    user = make_user("clerk")
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert post_login(client, user.username, PASSWORD).status_code == 401
