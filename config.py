"""Configuration read from the environment (CONTRACT §2)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_path(env: dict[str, str]) -> Path:
    return Path(env.get("DESA_INSTANCE_PATH") or "instance").resolve()


def _secret_key(instance: Path) -> str:
    """Reads the session key, generating it once into the instance folder (0600)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Config:
    """Settings for a running village office."""

    TESTING = False
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Pontianak"
    LANGUAGES = ("id", "en")
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024  # imports of a whole regency fit
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "desa_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_CHECK_DEFAULT = False  # checked in core.security, bearer tokens exempt
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False
    SQLALCHEMY_RECORD_QUERIES = False
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # argon2id; RFC 9106 "second recommended" profile scaled to a village laptop.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 2
    API_MAX_PER_PAGE = 500

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(os.environ if env is None else env)
        instance = _instance_path(env)
        self.INSTANCE_PATH = str(instance)
        self.SQLALCHEMY_DATABASE_URI = env.get("DESA_DATABASE_URL") or (
            f"sqlite:///{instance / 'desa.sqlite'}"
        )
        self.SECRET_KEY = env.get("DESA_SECRET_KEY") or _secret_key(instance)
        self.BASE_URL = (env.get("DESA_BASE_URL") or "http://127.0.0.1:5000").rstrip(
            "/"
        )
        # Set on purpose, DESA_BASE_URL wins over the village's stored address and
        # the one derived from where `make run` serves (desa/core/addresses.py).
        self.BASE_URL_SET = bool(env.get("DESA_BASE_URL"))
        # Where `make run` serves (its HOST and PORT): the QR address follows them.
        self.SERVE_HOST = env.get("DESA_HOST") or None
        self.SERVE_PORT = env.get("DESA_PORT") or None
        self.HTTPS = env.get("DESA_HTTPS", "0") == "1"
        self.SESSION_COOKIE_SECURE = self.HTTPS
        self.REMEMBER_COOKIE_SECURE = self.HTTPS
        self.PREFERRED_URL_SCHEME = "https" if self.HTTPS else "http"
        # How many reverse proxies stand in front (nginx: 1); 0 trusts no X-Forwarded-*.
        self.PROXY_COUNT = int(env.get("DESA_PROXY_COUNT") or 0)
        # E-mail to booked residents only when an SMTP server is configured.
        self.SMTP_HOST = env.get("DESA_SMTP_HOST") or None
        self.SMTP_PORT = int(env.get("DESA_SMTP_PORT") or 587)
        self.SMTP_USER = env.get("DESA_SMTP_USER") or None
        self.SMTP_PASSWORD = env.get("DESA_SMTP_PASSWORD") or None
        self.SMTP_FROM = env.get("DESA_SMTP_FROM") or None
        # Where `desa backup --auto` and the daily automatic backup write (a flash
        # disk), and how many they keep; the admin may choose another folder and
        # count on the backup page. DESA_BACKUP_AUTO=0 leaves backups to a timer.
        self.BACKUP_AUTO = env.get("DESA_BACKUP_AUTO", "1") != "0"
        self.BACKUP_DIR = env.get("DESA_BACKUP_DIR") or str(instance / "backups")
        self.BACKUP_KEEP = int(env.get("DESA_BACKUP_KEEP") or 14)


class TestConfig(Config):
    """Fast hashing and a throwaway instance; CSRF stays on."""

    TESTING = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8 * 1024
    ARGON2_PARALLELISM = 1
