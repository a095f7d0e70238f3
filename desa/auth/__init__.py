"""Accounts, roles, permissions, sign-in, API tokens and the audit log."""
