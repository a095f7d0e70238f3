"""The address in QR codes and links (desa/core/addresses.py): its order, its checks,
and what `make run`'s HOST and PORT turn into."""

from __future__ import annotations

import socket

import pytest
from conftest import LAN

from config import Config
from desa.core import addresses
from desa.core.addresses import Source, normalize_base_url, serving_url
from desa.core.errors import ValidationError
from desa.core.models import Village


def _store(db, value):
    db.session.get(Village, 1).base_url = value
    db.session.flush()


def test_desa_base_url_overrides_the_stored_and_the_served_address(app, db):
    # conftest sets DESA_BASE_URL=http://desa.test, as an operator would.
    app.config.update(SERVE_HOST="0.0.0.0", SERVE_PORT="8080")
    _store(db, "http://192.168.1.10:5000")
    found = addresses.resolve()
    assert (found.url, found.source) == ("http://desa.test", Source.ENV)
    assert addresses.base_url() == "http://desa.test"


def test_the_stored_address_comes_before_the_served_one(unset, db):
    unset.update(SERVE_HOST="0.0.0.0", SERVE_PORT="8080")
    _store(db, "http://192.168.1.10:5000")
    found = addresses.resolve()
    assert (found.url, found.source) == ("http://192.168.1.10:5000", Source.VILLAGE)
    assert found.chosen and not found.is_loopback


def test_the_served_address_follows_port_and_host(unset, db):
    unset.update(SERVE_HOST="127.0.0.1", SERVE_PORT="8080")
    found = addresses.resolve()
    assert (found.url, found.source) == ("http://127.0.0.1:8080", Source.SERVING)
    assert found.is_loopback and not found.chosen
    unset.update(SERVE_HOST="0.0.0.0")
    assert addresses.base_url() == f"http://{LAN}:8080"


def test_with_nothing_set_the_documented_default_is_left(unset, db):
    found = addresses.resolve()
    assert (found.url, found.source) == ("http://127.0.0.1:5000", Source.DEFAULT)
    assert found.is_loopback and found.host == "127.0.0.1"
    assert found.source_label == "bawaan, belum diatur"


def test_config_reads_desa_host_and_port_and_whether_base_url_was_set(tmp_path):
    base = {"DESA_INSTANCE_PATH": str(tmp_path), "DESA_SECRET_KEY": "x" * 40}
    plain = Config(base)
    assert plain.BASE_URL == "http://127.0.0.1:5000" and not plain.BASE_URL_SET
    assert plain.SERVE_HOST is None and plain.SERVE_PORT is None
    served = Config({**base, "DESA_HOST": "0.0.0.0", "DESA_PORT": "8080"})
    assert (served.SERVE_HOST, served.SERVE_PORT) == ("0.0.0.0", "8080")
    chosen = Config({**base, "DESA_BASE_URL": "https://desa.example.id/"})
    assert chosen.BASE_URL == "https://desa.example.id" and chosen.BASE_URL_SET


def test_a_config_object_without_the_flag_counts_a_non_default_base_url(app, db):
    app.config.pop("BASE_URL_SET")
    assert addresses.resolve().source == Source.ENV  # http://desa.test
    app.config["BASE_URL"] = addresses.DEFAULT_BASE_URL
    assert addresses.resolve().source == Source.DEFAULT


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (None, None, None),  # not started by make run
        ("127.0.0.1", "5000", "http://127.0.0.1:5000"),
        ("127.0.0.1", "8080", "http://127.0.0.1:8080"),
        (None, "8080", "http://127.0.0.1:8080"),
        ("0.0.0.0", None, f"http://{LAN}:5000"),
        ("0.0.0.0", "8080", f"http://{LAN}:8080"),
        ("::", "8080", f"http://{LAN}:8080"),
        ("192.168.1.10", "5000", "http://192.168.1.10:5000"),
        ("Laptop-Desa.local", "5000", "http://laptop-desa.local:5000"),
        ("fe80::1", "5000", "http://[fe80::1]:5000"),
        ("10.0.0.5", "80", "http://10.0.0.5"),
        ("10.0.0.5", "not-a-port", "http://10.0.0.5:5000"),
        ("bad host!", "5000", None),
    ],
)
def test_serving_url_derivation(host, port, expected):
    assert serving_url(host, port, lan=lambda: LAN) == expected


def test_every_interface_without_a_network_falls_back_to_loopback():
    assert serving_url("0.0.0.0", "5000", lan=lambda: None) == "http://127.0.0.1:5000"


class _Probe:
    """A UDP socket whose connect() picks `source`, or fails (no route)."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.connected_to = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def connect(self, address):
        if self.source is None:
            raise OSError("Network is unreachable")
        self.connected_to = address

    def getsockname(self):
        return (self.source, 40000)


@pytest.fixture
def machine(monkeypatch):
    """machine(route=…, names=[…]): what the kernel and /etc/hosts say."""

    def set_up(route, names=()):
        probe = _Probe(route)
        monkeypatch.setattr(socket, "socket", lambda *a, **k: probe)
        monkeypatch.setattr(socket, "gethostname", lambda: "laptop-desa")
        infos = [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", (n, 0)) for n in names]
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: infos)
        return probe

    return set_up


def test_lan_address_is_the_routes_source_address(machine):
    probe = machine("192.168.1.23", names=["127.0.1.1"])
    assert addresses.lan_address() == "192.168.1.23"
    # A UDP connect sends nothing; the probe is a private address, never the internet.
    host, _port = probe.connected_to
    import ipaddress

    assert ipaddress.ip_address(host).is_private


def test_lan_address_without_a_route_uses_the_hosts_names(machine):
    machine(None, names=["127.0.1.1", "169.254.3.4", "10.42.0.1"])
    assert addresses.lan_address() == "10.42.0.1"


def test_lan_address_is_none_when_only_loopback_is_known(machine):
    machine(None, names=["127.0.1.1"])
    assert addresses.lan_address() is None
    machine("127.0.0.1")
    assert addresses.lan_address() is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("http://192.168.1.10:5000", "http://192.168.1.10:5000"),
        ("  http://192.168.1.10:5000/  ", "http://192.168.1.10:5000"),
        ("HTTPS://Desa.Example.ID", "https://desa.example.id"),
        ("https://sambas.go.id/merubung/", "https://sambas.go.id/merubung"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("http://laptop-desa:8080", "http://laptop-desa:8080"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_typed_addresses_are_stored_plain(typed, stored):
    assert normalize_base_url(typed) == stored


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("192.168.1.10:5000", "harus diawali http:// atau https://"),
        ("ftp://192.168.1.10", "harus diawali http:// atau https://"),
        ("javascript:alert(1)", "harus diawali http:// atau https://"),
        ("http:/192.168.1.10", "harus diawali http:// atau https://"),
        ("http://", "harus memuat nama atau alamat IP"),
        ("http://:5000", "harus memuat nama atau alamat IP"),
        ("http://192.168.1.300", "harus memuat nama atau alamat IP"),
        ("http://desa_merubung.id", "harus memuat nama atau alamat IP"),
        ("http://192.168.1.10:5000/?a=1", "tanda ? atau #"),
        ("http://192.168.1.10:5000#qr", "tanda ? atau #"),
        ("http://admin:rahasia@192.168.1.10", "nama pengguna atau kata sandi"),
        ("http://192.168.1.10:99999", "Nomor port"),
        ("http://192.168.1.10:0", "Nomor port"),
        ("http://desa merubung", "spasi"),
        ("http://désa.id", "spasi atau huruf di luar ASCII"),
        ("http://a.id/" + "x" * 200, "paling panjang 200"),
    ],
)
def test_bad_addresses_are_refused_in_indonesian(typed, says):
    with pytest.raises(ValidationError) as refused:
        normalize_base_url(typed)
    assert says in refused.value.message
    assert refused.value.fields == {"base_url": [refused.value.message]}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("desa.localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", True),
        ("192.168.1.10", False),
        ("desa.example.id", False),
        ("", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert addresses.is_loopback_host(host) is loopback


def test_the_suggestion_is_the_lan_address_or_the_example(app, monkeypatch):
    with app.app_context():
        monkeypatch.setattr(addresses, "lan_address", lambda: LAN)
        assert addresses.suggested_url() == f"http://{LAN}:5000"
        assert addresses.suggested_url(8080) == f"http://{LAN}:8080"
        monkeypatch.setattr(addresses, "lan_address", lambda: None)
        assert addresses.suggested_url() == "http://192.168.1.10:5000"
