"""Permissions (`resource:action`) mapped to roles, in this one place."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """Who a principal is; staff roles are stored on `users.role`."""

    ADMIN = "admin"
    CLERK = "clerk"
    HEAD = "head"
    RT = "rt"
    EMPLOYER = "employer"
    RESIDENT = "resident"
    DISTRICT = "district"
    KECAMATAN = "kecamatan"  # at a hub: an officer of one kecamatan (users.area)


class Permission(StrEnum):
    """What a principal may do, named `resource:action`."""

    AUDIT_READ = "audit:read"
    BACKUPS_MANAGE = "backups:manage"
    BOOKINGS_CANCEL = "bookings:cancel"
    BOOKINGS_CREATE = "bookings:create"
    BOOKINGS_GROUP = "bookings:group"
    BOOKINGS_MANAGE = "bookings:manage"
    BOOKINGS_OUTCOME = "bookings:outcome"
    BOOKINGS_READ = "bookings:read"
    BOOKS_READ = "books:read"
    EMPLOYEES_MANAGE = "employees:manage"
    EXPORTS_READ = "exports:read"
    HUB_CAMPAIGN = "hub:campaign"
    HUB_CARDS = "hub:cards"
    HUB_FIGURES = "hub:figures"
    HUB_IMPORT = "hub:import"
    HUB_RESIDENTS = "hub:residents"
    HUB_TEAMS = "hub:teams"
    LETTER_TYPES_MANAGE = "letter_types:manage"
    LETTERS_DRAFT = "letters:draft"
    LETTERS_ISSUE = "letters:issue"
    LETTERS_READ = "letters:read"
    LETTERS_REQUESTS = "letters:requests"
    LETTERS_REVOKE = "letters:revoke"
    PINS_ISSUE = "pins:issue"
    PINS_SLIPS = "pins:slips"
    RECORDING_EXPORT = "recording:export"
    RECORDING_PENDING = "recording:pending"
    RECORDING_RESULTS = "recording:results"
    RECORDING_STATS = "recording:stats"
    RESIDENTS_EVENTS = "residents:events"
    RESIDENTS_IMPORT = "residents:import"
    RESIDENTS_READ = "residents:read"
    RESIDENTS_WRITE = "residents:write"
    SELF_BOOK = "self:book"
    SELF_LETTERS = "self:letters"
    SELF_PASSWORD = "self:password"  # noqa: S105 - a permission name  # nosec B105
    SELF_READ = "self:read"
    SESSIONS_MANAGE = "sessions:manage"
    SESSIONS_READ = "sessions:read"
    SETTINGS_MANAGE = "settings:manage"
    TICKETS_READ = "tickets:read"
    TOKENS_MANAGE = "tokens:manage"
    USERS_MANAGE = "users:manage"


STAFF_ROLES = (Role.ADMIN, Role.CLERK, Role.HEAD, Role.RT, Role.EMPLOYER)
TOKEN_ROLES = (Role.ADMIN, Role.CLERK, Role.HEAD, Role.DISTRICT)
ALL_ROLES = (*STAFF_ROLES, Role.RESIDENT, Role.DISTRICT, Role.KECAMATAN)
# Accounts a hub has: Disdukcapil's admin and operators, kecamatan officers.
HUB_STAFF_ROLES = (Role.ADMIN, Role.CLERK, Role.KECAMATAN)

ROLE_LABELS = {
    Role.ADMIN: _l("Admin (sekretaris desa)"),
    Role.CLERK: _l("Operator desa"),
    Role.HEAD: _l("Kepala desa"),
    Role.RT: _l("Ketua RT"),
    Role.EMPLOYER: _l("Pemberi kerja"),
    Role.RESIDENT: _l("Warga"),
    Role.DISTRICT: _l("Disdukcapil / kecamatan"),
    Role.KECAMATAN: _l("Petugas kecamatan"),
}

# At a hub the same roles are Disdukcapil's staff.
HUB_ROLE_LABELS = {
    Role.ADMIN: _l("Admin Disdukcapil"),
    Role.CLERK: _l("Operator Disdukcapil"),
}

_READ_ALL = {
    Permission.RESIDENTS_READ,
    Permission.LETTERS_READ,
    Permission.SESSIONS_READ,
    Permission.BOOKINGS_READ,
    Permission.RECORDING_PENDING,
    Permission.RECORDING_STATS,
    Permission.EXPORTS_READ,
    Permission.BOOKS_READ,
}
_CLERK = _READ_ALL | {
    Permission.RESIDENTS_WRITE,
    Permission.RESIDENTS_IMPORT,
    Permission.RESIDENTS_EVENTS,
    Permission.LETTERS_DRAFT,
    Permission.LETTERS_REQUESTS,
    Permission.SESSIONS_MANAGE,
    Permission.BOOKINGS_MANAGE,
    Permission.BOOKINGS_OUTCOME,
    Permission.RECORDING_EXPORT,
    Permission.RECORDING_RESULTS,
    Permission.PINS_ISSUE,
    Permission.BOOKINGS_CREATE,
    Permission.BOOKINGS_CANCEL,
    Permission.TICKETS_READ,
    # At a hub, the clerk is Disdukcapil's operator.
    Permission.HUB_FIGURES,
    Permission.HUB_RESIDENTS,
    Permission.HUB_CAMPAIGN,
    Permission.HUB_TEAMS,
    Permission.HUB_CARDS,
}

_STAFF_SELF = {Permission.SELF_PASSWORD}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        _CLERK
        | _STAFF_SELF
        | {
            Permission.USERS_MANAGE,
            Permission.TOKENS_MANAGE,
            Permission.SETTINGS_MANAGE,
            Permission.BACKUPS_MANAGE,
            Permission.AUDIT_READ,
            Permission.LETTER_TYPES_MANAGE,
            Permission.LETTERS_ISSUE,
            Permission.LETTERS_REVOKE,
            Permission.HUB_FIGURES,
            Permission.HUB_IMPORT,
            Permission.HUB_RESIDENTS,
        }
    ),
    Role.CLERK: frozenset(_CLERK | _STAFF_SELF),
    Role.HEAD: frozenset(
        _READ_ALL
        | _STAFF_SELF
        | {
            Permission.LETTERS_ISSUE,
            Permission.LETTERS_REVOKE,
            Permission.AUDIT_READ,
            Permission.TICKETS_READ,
        }
    ),
    Role.RT: frozenset(
        _STAFF_SELF
        | {
            Permission.RESIDENTS_READ,
            Permission.SESSIONS_READ,
            Permission.BOOKINGS_GROUP,
            Permission.RECORDING_STATS,
            Permission.PINS_SLIPS,
            Permission.BOOKINGS_CREATE,
            Permission.BOOKINGS_CANCEL,
            Permission.TICKETS_READ,
        }
    ),
    Role.EMPLOYER: frozenset(
        _STAFF_SELF
        | {
            Permission.SESSIONS_READ,
            Permission.EMPLOYEES_MANAGE,
            Permission.BOOKINGS_GROUP,
            Permission.BOOKINGS_CREATE,
            Permission.BOOKINGS_CANCEL,
            Permission.TICKETS_READ,
        }
    ),
    Role.RESIDENT: frozenset(
        {
            Permission.SELF_READ,
            Permission.SELF_BOOK,
            Permission.SELF_LETTERS,
            Permission.SESSIONS_READ,
            Permission.BOOKINGS_CREATE,
            Permission.BOOKINGS_CANCEL,
            Permission.TICKETS_READ,
        }
    ),
    Role.DISTRICT: frozenset(
        # sessions:read: CONTRACT §4 lists sessions for any signed-in role.
        {
            Permission.RECORDING_PENDING,
            Permission.RECORDING_STATS,
            Permission.RECORDING_RESULTS,
            Permission.SESSIONS_READ,
            Permission.HUB_FIGURES,
            Permission.HUB_IMPORT,
        }
    ),
    Role.KECAMATAN: frozenset(
        _STAFF_SELF
        | {Permission.HUB_FIGURES, Permission.HUB_RESIDENTS, Permission.HUB_CAMPAIGN}
    ),
}


def role_can(role: str, permission: str) -> bool:
    """True when `role` holds `permission`."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
