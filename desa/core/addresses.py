"""The address printed in QR codes and links, and where it comes from.

Every letter QR, ticket link, PIN slip, calendar feed, the OpenAPI document and the
offline verifier take their address from `base_url()`. In this order:

1. `DESA_BASE_URL` when it is set: it overrides everything (CONTRACT §2);
2. the village's stored address (`desa init --base-url`, or the admin on the
   settings page);
3. where `make run` serves (`DESA_HOST`, `DESA_PORT`), with 0.0.0.0 turned into
   this laptop's address on the office network, so the QR follows `PORT`;
4. `http://127.0.0.1:5000`, the documented default.

A loopback address (127.0.0.1, localhost) opens only on the laptop itself: a
resident's phone that scans it reaches nothing. The admin home, `desa init`,
`make run` and `desa doctor` say so.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from flask_babel import gettext as _

from desa.core.errors import ValidationError
from desa.core.i18n import N_
from desa.core.models import Village
from desa.extensions import db

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
MAX_LENGTH = 200
EXAMPLE = "http://192.168.1.10:5000"
# A bind address that means "every interface": phones reach the LAN address.
_EVERY_INTERFACE = {"0.0.0.0", "::", "*"}  # noqa: S104 - compared, not bound  # nosec B104
# Not sent anywhere: connecting a UDP socket only makes the kernel choose the
# route, and with it the source address other machines on that network reach.
_ROUTE_PROBE = ("10.254.254.254", 9)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class Source(StrEnum):
    """Where the address in use came from."""

    ENV = "env"
    VILLAGE = "village"
    SERVING = "serving"
    DEFAULT = "default"


SOURCE_LABELS = {
    Source.ENV: N_("dari variabel lingkungan DESA_BASE_URL"),
    Source.VILLAGE: N_(
        "disimpan untuk desa ini lewat halaman pengaturan atau desa init --base-url"
    ),
    Source.SERVING: N_("mengikuti HOST dan PORT dari make run"),
    Source.DEFAULT: N_("bawaan, belum diatur"),
}


@dataclass(frozen=True)
class BaseAddress:
    """The address in use and where it came from."""

    url: str
    source: Source

    @property
    def host(self) -> str:
        """`192.168.1.10`, `desa.example.id`."""
        return urlsplit(self.url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        """True when only this computer can open it (a phone cannot)."""
        return is_loopback_host(self.host)

    @property
    def chosen(self) -> bool:
        """Set on purpose (DESA_BASE_URL or stored), not derived or the default."""
        return self.source in (Source.ENV, Source.VILLAGE)

    @property
    def source_label(self) -> str:
        """Where it came from, in the reader's language."""
        return _(SOURCE_LABELS[self.source])


def resolve() -> BaseAddress:
    """The address printed in QR codes and links, with its source (order above)."""
    cfg = current_app.config
    if _env_is_set(cfg):
        return BaseAddress(str(cfg["BASE_URL"]).rstrip("/"), Source.ENV)
    village = db.session.get(Village, 1)
    if village is not None and village.base_url:
        return BaseAddress(village.base_url, Source.VILLAGE)
    served = serving_url(cfg.get("SERVE_HOST"), cfg.get("SERVE_PORT"))
    if served:
        return BaseAddress(served, Source.SERVING)
    return BaseAddress(DEFAULT_BASE_URL, Source.DEFAULT)


def base_url() -> str:
    """`http://192.168.1.10:5000`: what QR codes and links start with (no slash)."""
    return resolve().url


def _env_is_set(cfg) -> bool:
    if "BASE_URL_SET" in cfg:
        return bool(cfg["BASE_URL_SET"])
    # A configuration object of its own (not config.Config): a BASE_URL that is
    # not the default was set on purpose.
    return bool(cfg.get("BASE_URL")) and cfg["BASE_URL"] != DEFAULT_BASE_URL


def serving_url(
    host: str | None,
    port: str | int | None,
    *,
    lan: Callable[[], str | None] | None = None,
) -> str | None:
    """The address phones use for the server `make run` starts on HOST:PORT.

    None when neither is given (not started by `make run`). A host that means
    every interface (0.0.0.0) becomes this laptop's LAN address, or 127.0.0.1
    when it has none.
    """
    if not host and not port:
        return None
    name = (host or DEFAULT_HOST).strip().lower()
    if name in _EVERY_INTERFACE:
        name = (lan or lan_address)() or DEFAULT_HOST
    number = str(port or DEFAULT_PORT).strip()
    if not number.isdigit() or not 0 < int(number) < 65536:
        number = str(DEFAULT_PORT)
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # an IPv6 literal
    url = f"http://{name}" + ("" if number == "80" else f":{int(number)}")
    try:
        return normalize_base_url(url)
    except ValidationError:
        return None


def lan_address() -> str | None:
    """This computer's IPv4 address on the office network, or None; sends nothing."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            found.append(probe.getsockname()[0])
    except OSError:
        pass  # no route at all (no network): try the names below
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        found += [str(info[4][0]) for info in infos]
    except OSError:
        pass
    usable = [a for a in dict.fromkeys(found) if _reachable_by_others(a)]
    private = [a for a in usable if ipaddress.ip_address(a).is_private]
    return (private or usable or [None])[0]


def _reachable_by_others(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (
        ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast
    )


def is_loopback_host(host: str) -> bool:
    """127.0.0.1, ::1, localhost, 0.0.0.0: names a phone cannot reach this laptop by."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def suggested_url(port: str | int | None = None) -> str:
    """What the admin could set: this laptop's LAN address and port, or the example."""
    lan = lan_address()
    port = port or current_app.config.get("SERVE_PORT") or DEFAULT_PORT
    return serving_url(lan, port) if lan else EXAMPLE


def normalize_base_url(value: str | None) -> str | None:
    """A typed address as stored: scheme and host in lower case, no trailing slash.

    None for an empty value (clears it). Refused, with an Indonesian sentence:
    anything but http/https, no host, a user name, a query or a fragment, a bad
    port, more than 200 characters.
    """
    text = (value or "").strip()
    if not text:
        return None
    if len(text.rstrip("/")) > MAX_LENGTH:
        raise _invalid(_("Alamat paling panjang %(n)d karakter.", n=MAX_LENGTH))
    if not text.isascii() or any(ch.isspace() for ch in text):
        raise _invalid(_("Alamat tidak boleh memuat spasi atau huruf di luar ASCII."))
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not text.lower().startswith(
        parts.scheme.lower() + "://"
    ):
        raise _invalid(
            _(
                "Alamat harus diawali http:// atau https://, misalnya %(e)s.",
                e=EXAMPLE,
            )
        )
    if "?" in text or "#" in text:
        raise _invalid(_("Alamat tidak boleh memuat tanda ? atau #."))
    if "@" in parts.netloc:
        raise _invalid(_("Alamat tidak boleh memuat nama pengguna atau kata sandi."))
    host = (parts.hostname or "").lower()
    if not _valid_host(host):
        raise _invalid(
            _(
                "Alamat harus memuat nama atau alamat IP komputer, misalnya %(e)s.",
                e=EXAMPLE,
            )
        )
    try:
        port = parts.port
    except ValueError:
        raise _invalid(
            _("Nomor port pada alamat tidak sah (1 sampai 65535).")
        ) from None
    if port == 0:
        raise _invalid(_("Nomor port pada alamat tidak sah (1 sampai 65535)."))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if labels[-1].isdigit():  # 192.168.1.300: meant as an IP address, and not one
        return False
    return len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def store_base_url(village: Village, value: str | None) -> str | None:
    """Sets (or, empty, clears) the village's address after checking it."""
    village.base_url = normalize_base_url(value)
    return village.base_url


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, fields={"base_url": [message]})
