"""Keeping an installation safe: backups, restore, and `desa doctor`."""
