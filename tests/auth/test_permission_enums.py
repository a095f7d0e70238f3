"""The permission and role enums: typos fail at import, values stay plain strings."""

import json

import pytest

from desa.auth.permissions import ROLE_PERMISSIONS, Permission, Role, role_can
from desa.core.security import require
from desa.residents.models import EktpStatus


def test_a_misspelt_permission_is_an_error_when_the_module_loads():
    with pytest.raises(AttributeError, match="LETTERS_ISSUEE"):

        @require(Permission.LETTERS_ISSUEE)
        def issue():  # pragma: no cover - never defined
            pass


def test_permissions_are_resource_action_and_each_is_granted():
    granted = set().union(*ROLE_PERMISSIONS.values())
    for permission in Permission:
        resource, action = permission.split(":")
        assert permission.name == f"{resource}_{action}".upper()
        assert permission in granted, permission
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_roles_and_permissions_match_the_stored_strings():
    assert role_can("head", "letters:issue") and role_can(Role.HEAD, "letters:issue")
    assert not role_can("clerk", Permission.LETTERS_ISSUE)
    assert not role_can("public", Permission.SESSIONS_READ)


def test_enum_members_serialise_as_plain_json():
    value = {Role.RT: [Permission.LETTERS_ISSUE, EktpStatus.SUDAH_REKAM]}
    assert json.dumps(value) == '{"rt": ["letters:issue", 3]}'
