"""Staff pages: sign-out, password change, the admin's users (add, change scope,
deactivate, reset a password), API tokens and the audit log."""

from conftest import PASSWORD, csrf_from, csrf_token
from sqlalchemy import select

from desa.auth import audit
from desa.auth.models import ApiToken, AuditEvent, User

from .conftest import post_login


def test_admin_adds_an_rt_head_bound_to_one_rt(client, login, db):
    login("admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    resp = client.post(
        "/admin/users/new",
        data={
            "username": "rt0301",
            "full_name": "Ketua RT 001 RW 003",
            "role": "rt",
            "rw": "3",
            "rt": "1",
            "password": "sandi-awal-ketua",
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "rt0301"))
    assert (user.role, user.rw, user.rt) == ("rt", "003", "001")
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "users.create")
    )


def test_rt_role_without_rt_is_refused_with_the_field_named(client, login):
    login("admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    resp = client.post(
        "/admin/users/new",
        data={
            "username": "rtx",
            "full_name": "X",
            "role": "rt",
            "password": "sandi-awal-ketua",
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 200
    assert "Ketua RT harus terikat pada satu RW/RT." in resp.get_data(as_text=True)


def test_deactivating_an_account_ends_its_session(app, client, login, make_user, db):
    from conftest import post_login_as

    login("admin")
    clerk = make_user("clerk")
    other = app.test_client()
    post_login_as(other, clerk.username, PASSWORD)
    assert other.get("/account/password").status_code == 200
    page = client.get(f"/admin/users/{clerk.id}").get_data(as_text=True)
    resp = client.post(
        f"/admin/users/{clerk.id}",
        data={
            "username": clerk.username,
            "full_name": clerk.full_name,
            "role": "clerk",
            "save": "1",
            "csrf_token": csrf_from(page),
        },  # active unchecked
    )
    assert resp.status_code == 302
    assert other.get("/account/password").status_code == 302
    assert post_login_as(app.test_client(), clerk.username, PASSWORD).status_code == 401


def test_admin_resets_a_password(app, client, login, make_user):
    from conftest import post_login_as

    login("admin")
    clerk = make_user("clerk")
    page = client.get(f"/admin/users/{clerk.id}").get_data(as_text=True)
    resp = client.post(
        f"/admin/users/{clerk.id}",
        data={
            "do_reset": "1",
            "reset-password": "sandi-baru-dari-admin",
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 302
    assert (
        post_login_as(
            app.test_client(), clerk.username, "sandi-baru-dari-admin"
        ).status_code
        == 302
    )


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


def test_admin_makes_and_revokes_a_token_in_the_ui(client, login, db):
    login("admin")
    page = client.get("/admin/tokens").get_data(as_text=True)
    resp = client.post(
        "/admin/tokens",
        data={
            "name": "Kecamatan Tekarang",
            "role": "district",
            "csrf_token": csrf_from(page),
        },
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "desa_" in body
    token = db.session.scalar(select(ApiToken))
    resp = client.post(
        f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(body)}
    )
    assert resp.status_code == 302
    db.session.rollback()  # end the test's read snapshot
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_audit_page_filters_and_csv(client, login, db, make_actor):
    admin = login("admin")
    audit.record(
        make_actor(),
        "residents.update",
        detail="=cmd|' /C calc'!A0",
        actor_name="operator",
    )
    db.session.commit()
    page = client.get("/admin/audit?action=auth.sign_in").get_data(as_text=True)
    assert "auth.sign_in" in page and "residents.update" not in page
    resp = client.get("/admin/audit.csv?action=residents")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    csv_text = resp.get_data().decode("utf-8-sig")
    assert "'=cmd" in csv_text  # formula injection escaped
    assert "auth.sign_in" not in csv_text
    # Downloading the log is itself audited.
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "audit.export", AuditEvent.actor_id == admin.id
        )
    )


def test_audit_page_rejects_bad_dates_without_500(client, login):
    login("head")
    assert client.get("/admin/audit?date_from=kemarin").status_code == 422


def test_audit_page_walks_by_berikutnya_and_by_page_number(
    client, login, db, make_actor
):
    import re
    from html import unescape

    login("admin")
    for i in range(120):
        audit.record(make_actor(), f"uji.baris{i:03d}")
    db.session.commit()
    url, seen = "/admin/audit?action=uji.", []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"<code>(uji\.baris\d+)</code>", html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = unescape(found.group(1)) if found else None
    assert seen == [f"uji.baris{i:03d}" for i in reversed(range(120))]
    third = client.get("/admin/audit?action=uji.&page=3").get_data(as_text=True)
    assert re.findall(r"<code>(uji\.baris\d+)</code>", third) == [
        f"uji.baris{i:03d}" for i in reversed(range(20))
    ]
    assert client.get("/admin/audit?after=rusak").status_code == 200
