"""Helpers for the auth tests."""

from conftest import post_login_as


def post_login(client, username, password, next="", environ_base=None):
    address = (environ_base or {}).get("REMOTE_ADDR", "10.0.0.1")
    return post_login_as(client, username, password, next, address)
