"""Permissions (`resource:action`) mapped to roles, in this one place."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAFF_ROLES = ("admin", "clerk", "head", "rt", "employer")
TOKEN_ROLES = ("admin", "clerk", "head", "district")
ALL_ROLES = (*STAFF_ROLES, "resident", "district")

ROLE_LABELS = {
    "admin": _l("Admin (sekretaris desa)"),
    "clerk": _l("Operator desa"),
    "head": _l("Kepala desa"),
    "rt": _l("Ketua RT"),
    "employer": _l("Pemberi kerja"),
    "resident": _l("Warga"),
    "district": _l("Disdukcapil / kecamatan"),
}

_READ_ALL = {
    "residents:read",
    "letters:read",
    "sessions:read",
    "bookings:read",
    "recording:pending",
    "recording:stats",
    "exports:read",
}
_CLERK = _READ_ALL | {
    "residents:write",
    "residents:import",
    "residents:events",
    "letters:draft",
    "letters:requests",
    "sessions:manage",
    "bookings:manage",
    "bookings:outcome",
    "recording:export",
    "recording:results",
    "pins:issue",
    "bookings:create",
    "bookings:cancel",
    "tickets:read",
}

_STAFF_SELF = {"self:password"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        _CLERK
        | _STAFF_SELF
        | {
            "users:manage",
            "tokens:manage",
            "settings:manage",
            "backups:manage",
            "audit:read",
            "letter_types:manage",
            "letters:issue",
            "letters:revoke",
        }
    ),
    "clerk": frozenset(_CLERK | _STAFF_SELF),
    "head": frozenset(
        _READ_ALL
        | _STAFF_SELF
        | {"letters:issue", "letters:revoke", "audit:read", "tickets:read"}
    ),
    "rt": frozenset(
        _STAFF_SELF
        | {
            "residents:read",
            "sessions:read",
            "bookings:group",
            "recording:stats",
            "pins:slips",
            "bookings:create",
            "bookings:cancel",
            "tickets:read",
        }
    ),
    "employer": frozenset(
        _STAFF_SELF
        | {
            "sessions:read",
            "employees:manage",
            "bookings:group",
            "bookings:create",
            "bookings:cancel",
            "tickets:read",
        }
    ),
    "resident": frozenset(
        {
            "self:read",
            "self:book",
            "self:letters",
            "sessions:read",
            "bookings:create",
            "bookings:cancel",
            "tickets:read",
        }
    ),
    "district": frozenset(
        # sessions:read: CONTRACT §4 lists sessions for any signed-in role.
        {"recording:pending", "recording:stats", "recording:results", "sessions:read"}
    ),
}


def role_can(role: str, permission: str) -> bool:
    """True when `role` holds `permission`."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
