"""Account, token and sign-in services. They never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.models import ApiToken, Employer, LoginThrottle, TokenPrincipal, User
from desa.auth.passwords import hash_secret, needs_rehash, verify_secret
from desa.auth.permissions import STAFF_ROLES, TOKEN_ROLES, Role
from desa.core.db import driver_fetchone, insert_ignore
from desa.core.errors import Conflict, NotFound, ServiceError, ValidationError
from desa.extensions import db

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")
_RT = re.compile(r"\d{1,3}")
_AREA = re.compile(r"\d{2}\.\d{2}(?:\.\d{2})?")
_KECAMATAN = re.compile(r"\d{2}\.\d{2}\.\d{2}")
MIN_PASSWORD = 10

# Session ids look like "u:12:3"; each kind of principal registers its loader here,
# so that auth need not import the domains that define residents.
_loaders: dict[str, Callable[[str, int], Any]] = {}


class ThrottledError(ServiceError):
    status, code = 429, "too_many_attempts"
    keeps_changes = True  # the refusal's audit line stays


class SignInError(ServiceError):
    status, code = 401, "invalid_credentials"
    keeps_changes = True  # the failure count and its audit line stay


def register_principal_loader(prefix: str, loader: Callable[[str, int], Any]) -> None:
    """Registers `loader(id, epoch)` for session ids starting with `prefix:`."""
    _loaders[prefix] = loader


def load_principal(session_id: str) -> Any:
    """Resolves a session id to a principal, or None when stale or unknown."""
    try:
        prefix, ident, epoch = session_id.split(":")
        loader = _loaders[prefix]
        return loader(ident, int(epoch))
    except (ValueError, KeyError):
        return None


def _load_user(ident: str, epoch: int) -> User | None:
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


register_principal_loader("u", _load_user)


def pad3(value: str | int | None) -> str | None:
    """RW/RT numbers as three digits: `2` → `002`."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not _RT.fullmatch(text) or int(text) == 0:
        raise ValidationError(
            _("Nomor RW/RT harus angka 1–999."),
            fields={"rt": [_("Nomor tidak valid.")]},
        )
    return f"{int(text):03d}"


def check_password_strength(password: str, username: str = "") -> None:
    """Refuses passwords a village laptop's visitor could guess."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(_("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD))
    if username and username.lower() in password.lower():
        problems.append(_("Kata sandi tidak boleh memuat nama pengguna."))
    if len(set(password)) < 4:
        problems.append(_("Kata sandi terlalu mudah ditebak."))
    if problems:
        raise ValidationError(" ".join(problems), fields={"password": problems})


def get_or_create_employer(name: str) -> Employer:
    """The employer of that name, created when new."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(
            _("Nama pemberi kerja wajib diisi."),
            fields={"employer": [_("Wajib diisi.")]},
        )
    employer = db.session.scalar(
        select(Employer).where(func.lower(Employer.name) == name.lower())
    )
    if employer is None:
        employer = Employer(name=name)
        db.session.add(employer)
        db.session.flush()
    return employer


def create_user(
    actor: Actor,
    username: str,
    password: str,
    role: str,
    *,
    full_name: str | None = None,
    rw: str | None = None,
    rt: str | None = None,
    employer: str | None = None,
    phone: str | None = None,
    area: str | None = None,
) -> User:
    """Adds a staff account after checking its name, role, scope and password
    (`area`: a kecamatan officer's kecamatan, at a hub)."""
    username = username.strip().lower()
    fields: dict[str, list[str]] = {}
    if not _USERNAME.fullmatch(username):
        fields["username"] = [
            _("3–60 huruf kecil, angka, titik, garis bawah atau tanda minus.")
        ]
    if role not in STAFF_ROLES and role != Role.KECAMATAN:
        fields["role"] = [_("Peran tidak dikenal.")]
    if role == Role.KECAMATAN and not (area and _KECAMATAN.fullmatch(area)):
        fields["area"] = [
            _("Petugas kecamatan harus terikat pada satu kecamatan (61.01.12).")
        ]
    if role == Role.RT and not (rw and rt):
        fields["rt"] = [_("Ketua RT harus terikat pada satu RW/RT.")]
    if role == Role.EMPLOYER and not employer:
        fields["employer"] = [
            _("Akun pemberi kerja harus terikat pada satu pemberi kerja.")
        ]
    if fields:
        raise ValidationError(_("Data akun belum benar."), fields=fields)
    check_password_strength(password, username)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(
            _("Nama pengguna %(u)s sudah dipakai.", u=username),
            code="duplicate",
            fields={"username": [_("Sudah dipakai.")]},
        )
    user = User(
        username=username,
        full_name=(full_name or username).strip(),
        role=role,
        rw=pad3(rw) if role == Role.RT else None,
        rt=pad3(rt) if role == Role.RT else None,
        employer=get_or_create_employer(employer) if role == Role.EMPLOYER else None,
        area=area if role == Role.KECAMATAN else None,
        phone=phone,
        password_hash=hash_secret(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "users.create",
        object_type="user",
        object_id=user.id,
        detail=f"{username} ({role}{' ' + user.scope_label if user.scope_label else ''})",
    )
    return user


def update_user(actor: Actor, user: User, **changes: Any) -> User:
    """Changes an account's name, role, scope or active flag; ends its sessions."""
    before = f"{user.role} {user.scope_label} active={user.active}"
    if "full_name" in changes:
        user.full_name = changes["full_name"].strip() or user.full_name
    if "phone" in changes:
        user.phone = changes["phone"] or None
    role = changes.get("role", user.role)
    if role not in STAFF_ROLES:
        raise ValidationError(
            _("Peran tidak dikenal."), fields={"role": [_("Tidak dikenal.")]}
        )
    user.role = role
    if role == Role.RT:
        user.rw, user.rt = (
            pad3(changes.get("rw", user.rw)),
            pad3(changes.get("rt", user.rt)),
        )
        if not (user.rw and user.rt):
            raise ValidationError(
                _("Ketua RT harus terikat pada satu RW/RT."),
                fields={"rt": [_("Wajib.")]},
            )
    else:
        user.rw = user.rt = None
    if role == Role.EMPLOYER:
        name = changes.get("employer") or (user.employer.name if user.employer else "")
        user.employer = get_or_create_employer(name)
    else:
        user.employer = None
    if "active" in changes:
        user.active = bool(changes["active"])
    user.session_epoch += 1
    audit.record(
        actor,
        "users.update",
        object_type="user",
        object_id=user.id,
        detail=f"{user.username}: {before} → {user.role} {user.scope_label} "
        f"active={user.active}",
    )
    return user


def set_password(
    actor: Actor, user: User, password: str, *, by_admin: bool = False
) -> None:
    """Sets a new password and ends every other session of that account."""
    check_password_strength(password, user.username)
    user.password_hash = hash_secret(password)
    user.password_changed_at = actor.utcnow
    user.session_epoch += 1
    audit.record(
        actor,
        "users.password_reset" if by_admin else "auth.password_change",
        object_type="user",
        object_id=user.id,
        detail=user.username,
    )


def change_own_password(actor: Actor, user: User, current: str, new: str) -> None:
    """The signed-in user changes their password, proving the current one."""
    if not verify_secret(user.password_hash, current):
        raise ValidationError(
            _("Kata sandi sekarang salah."),
            fields={"current_password": [_("Kata sandi salah.")]},
        )
    set_password(actor, user, new)


# --- sign-in throttling -------------------------------------------------------------


def throttle_key(kind: str, value: str) -> str:
    """A throttle key that does not store the raw NIK or name (keyed hash)."""
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), value.encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"{kind}:{digest}"


def locked_minutes(keys: list[str], now: dt.datetime) -> int:
    """Minutes left on the longest lock among `keys`, or 0 when none is locked."""
    until = db.session.scalar(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    )
    if until is None:
        return 0
    return max(1, math.ceil((until - now).total_seconds() / 60))


def register_failure(keys: list[str], now: dt.datetime) -> None:
    """Counts a failed sign-in against each key; the fifth in a window locks it.

    Done with one insert-if-missing and conditional updates, so that concurrent
    workers cannot lose a count.
    """
    cfg = current_app.config
    window = dt.timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    table = LoginThrottle.__table__
    dialect = db.session.get_bind().dialect.name
    for key in keys:
        db.session.execute(
            insert_ignore(table, dialect).values(
                key=key, failures=0, window_started_at=now
            )
        )
        expired = LoginThrottle.window_started_at < now - window
        db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(
                failures=case((expired, 1), else_=LoginThrottle.failures + 1),
                window_started_at=case(
                    (expired, now), else_=LoginThrottle.window_started_at
                ),
            )
        )
        db.session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.key == key,
                LoginThrottle.failures >= cfg["LOGIN_MAX_FAILURES"],
                (LoginThrottle.locked_until.is_(None))
                | (LoginThrottle.locked_until < now),
            )
            .values(locked_until=now + window)
        )


def clear_failures(key: str) -> None:
    """Forgets an account's failures after it signs in."""
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=0, locked_until=None)
    )


def throttled_message(minutes: int) -> str:
    return _(
        "Terlalu banyak percobaan masuk yang gagal. Tunggu %(m)d menit lalu coba lagi.",
        m=minutes,
    )


def check_sign_in(
    actor: Actor,
    keys: list[str],
    find: Callable[[], Any],
    secret_of: Callable[[Any], str | None],
    secret: str,
    *,
    wrong_message: str,
    subject: str,
) -> Any:
    """The shared sign-in path: throttle, verify (constant work), audit.

    Returns the principal; raises ThrottledError or SignInError. An unknown account
    and a wrong secret take the same time and get the same answer.
    """
    minutes = locked_minutes(keys, actor.utcnow)
    if minutes:
        audit.record(actor, "auth.sign_in_locked", detail=subject, actor_name=subject)
        raise ThrottledError(throttled_message(minutes))
    principal = find()
    stored = secret_of(principal) if principal is not None else None
    ok = verify_secret(stored, secret)
    if not ok or principal is None or not principal.is_active:
        register_failure(keys, actor.utcnow)
        audit.record(actor, "auth.sign_in_failed", detail=subject, actor_name=subject)
        raise SignInError(wrong_message)
    clear_failures(keys[0])
    audit.record(actor.as_(principal), "auth.sign_in")
    return principal


def authenticate(actor: Actor, username: str, password: str) -> User:
    """Signs a staff member in by name and password."""
    username = (username or "").strip().lower()
    keys = [throttle_key("user", username), throttle_key("ip", actor.ip or "-")]

    def find() -> User | None:
        return db.session.scalar(select(User).where(User.username == username))

    user = check_sign_in(
        actor,
        keys,
        find,
        lambda u: u.password_hash,
        password or "",
        wrong_message=_("Nama pengguna atau kata sandi salah."),
        subject=username[:60],
    )
    user.last_login_at = actor.utcnow
    if needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    return user


def sign_out(actor: Actor) -> None:
    """Ends every session of the account (a copied cookie stops working too)."""
    principal = actor.principal
    if hasattr(principal, "session_epoch"):
        principal.session_epoch += 1
    elif hasattr(principal, "pin_epoch"):
        principal.pin_epoch += 1
    audit.record(actor, "auth.sign_out")


# --- API tokens ---------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    actor: Actor, name: str, role: str, area: str | None = None
) -> tuple[ApiToken, str]:
    """Makes a token; returns the row and the secret, which is shown only once.
    `area`: a district token for one kecamatan (its code, 61.01.12) or kabupaten."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(
            _("Nama token wajib diisi."), fields={"name": [_("Wajib.")]}
        )
    if role not in TOKEN_ROLES:
        raise ValidationError(
            _("Peran token harus salah satu dari: %(r)s.", r=", ".join(TOKEN_ROLES)),
            fields={"role": [_("Tidak dikenal.")]},
        )
    if area is not None and (role != "district" or not _AREA.fullmatch(area)):
        raise ValidationError(
            _(
                "Wilayah token hanya untuk peran district, berbentuk kode "
                "Kemendagri 61.01 atau 61.01.12."
            ),
            fields={"area": [_("Tidak valid.")]},
        )
    secret = "desa_" + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=role,
        token_hash=_token_digest(secret),
        prefix=secret[:12],
        area=area,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "tokens.create",
        object_type="token",
        object_id=token.id,
        detail=f"{name} ({role}{', ' + area if area else ''})",
    )
    return token, secret


def resolve_token(secret: str) -> TokenPrincipal | None:
    """The active token with that secret, or None.

    Read straight from the driver into a plain principal: every API call pays for it.
    """
    if not secret.startswith("desa_") or len(secret) > 100:
        return None
    row = driver_fetchone(
        "SELECT id, name, role, area FROM api_tokens"
        " WHERE token_hash = ? AND revoked_at IS NULL",
        (_token_digest(secret),),
    )
    return None if row is None else TokenPrincipal(*row)


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Revokes a token at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("Token tidak ditemukan."))
    if token.revoked_at is None:
        token.revoked_at = actor.utcnow
        audit.record(
            actor,
            "tokens.revoke",
            object_type="token",
            object_id=token.id,
            detail=token.name,
        )
    return token
