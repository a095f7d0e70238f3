"""The admin's user pages: add, change scope, deactivate, reset a password."""

from conftest import PASSWORD, csrf_from
from sqlalchemy import select

from desa.auth.models import AuditEvent, User


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
