"""Sign-in, throttling, sign-out, password change, and the resident's NIK + PIN."""

import datetime as dt

from conftest import PASSWORD, csrf_from, csrf_token, post_login_as
from sqlalchemy import select

from desa.auth.models import AuditEvent, LoginThrottle, User


def post_login(client, username, password, next="", environ_base=None):
    address = (environ_base or {}).get("REMOTE_ADDR", "10.0.0.1")
    return post_login_as(client, username, password, next, address)


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


def test_sign_out_ends_every_session_of_the_account(app, make_user):
    user = make_user("clerk")
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, user.username, PASSWORD)
    post_login(phone, user.username, PASSWORD)
    assert phone.get("/account/password").status_code == 200
    resp = laptop.post("/logout", data={"csrf_token": csrf_token(laptop)})
    assert resp.status_code == 302
    assert laptop.get("/account/password").status_code == 302  # back to sign-in
    assert phone.get("/account/password").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(app, make_user, db):
    user = make_user("clerk")
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, user.username, PASSWORD)
    post_login(phone, user.username, PASSWORD)
    page = laptop.get("/account/password").get_data(as_text=True)
    resp = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "sandi-baru-yang-panjang",
            "confirm": "sandi-baru-yang-panjang",
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 302
    assert laptop.get("/account/password").status_code == 200
    assert phone.get("/account/password").status_code == 302
    row = db.session.get(User, user.id)
    assert row.password_hash.startswith("$argon2id$")
    assert post_login(app.test_client(), user.username, PASSWORD).status_code == 401


def test_weak_new_password_is_refused_with_the_field_named(client, login):
    user = login("clerk")
    page = client.get("/account/password").get_data(as_text=True)
    resp = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": user.username + "123",
            "confirm": user.username + "123",
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 200
    assert "nama pengguna" in resp.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, make_user, db):
    user = make_user("clerk")
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert post_login(client, user.username, PASSWORD).status_code == 401


def test_resident_signs_in_with_nik_and_pin(client, make_resident, issue_pin):
    resident = make_resident(
        name="SITI AMINAH", sex="P", birth_date=dt.date(1995, 3, 5)
    )
    pin = issue_pin(resident)
    assert len(pin) == 6 and pin.isdigit()
    token = csrf_from(client.get("/resident/login").get_data(as_text=True))
    resp = client.post(
        "/resident/login",
        data={
            "nik": resident.nik[:4] + " " + resident.nik[4:],
            "pin": pin,
            "csrf_token": token,
        },
    )
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "SITI AMINAH" in page and resident.nik in page


def test_unknown_nik_and_wrong_pin_answer_alike(client, make_resident, issue_pin):
    resident = make_resident()
    issue_pin(resident)
    answers = []
    for nik, pin in (
        (resident.nik, "000000"),
        ("6101120101900099", "123456"),
        ("abc", "1"),
    ):
        token = csrf_from(client.get("/resident/login").get_data(as_text=True))
        resp = client.post(
            "/resident/login", data={"nik": nik, "pin": pin, "csrf_token": token}
        )
        answers.append(
            (resp.status_code, "NIK atau PIN salah." in resp.get_data(as_text=True))
        )
    assert answers == [(401, True)] * 3


def test_reissued_pin_ends_the_old_one(app, make_resident, issue_pin):
    resident = make_resident()
    old = issue_pin(resident)
    issue_pin(resident)
    c = app.test_client()
    token = csrf_from(c.get("/resident/login").get_data(as_text=True))
    resp = c.post(
        "/resident/login", data={"nik": resident.nik, "pin": old, "csrf_token": token}
    )
    assert resp.status_code == 401
