"""`desa sync push` over a link that breaks: the bundle goes in chunks, a lost
chunk is retried, a new process resumes where the hub stands, and the hub's
acknowledgement is kept in the village."""

from __future__ import annotations

import hashlib

import pytest
from conftest import system

from desa.extensions import db as _db
from desa.hub.models import HubResident, HubUpload
from desa.sync.models import SyncState


@pytest.fixture
def hub_token(hub_app):
    from desa.auth.services import create_token

    with hub_app.app_context():
        _t, secret = create_token(system(), "Desa Merubung", "district")
        _db.session.commit()
    return secret


class Link:
    """A transport to the hub app through its test client, that can break."""

    def __init__(self, hub_app, fail_every: int = 0, die_after: int | None = None):
        self.client = hub_app.test_client()
        self.calls = 0
        self.fail_every, self.die_after = fail_every, die_after
        self.puts: list[str] = []

    def __call__(self, method, url, headers, body):
        self.calls += 1
        if self.die_after is not None and self.calls > self.die_after:
            raise ConnectionResetError("the laptop went off")
        if self.fail_every and self.calls % self.fail_every == 0:
            raise TimeoutError("timed out")
        path = url.split("http://hub.test", 1)[1]
        if method == "PUT":
            self.puts.append(headers["Content-Range"])
        answer = self.client.open(path, method=method, headers=headers, data=body)
        return answer.status_code, answer.get_json(silent=True)


def _push(app, link, token, **kwargs):
    """As `desa sync push` runs: the bundle made and committed, sent with no
    transaction open, the acknowledgement kept."""
    from desa.core.db import mark_write_intent
    from desa.sync import push

    with app.app_context():
        mark_write_intent()
        path = push.prepare(system(), "http://hub.test", app.instance_path)
        _db.session.commit()
        assert not _db.session().in_transaction()
        result, resumed_at = push.send(
            path,
            "http://hub.test",
            token,
            transport=link,
            wait=lambda _s: None,
            **kwargs,
        )
        got = push.acknowledge(system(), path, result, resumed_at)
        _db.session.commit()
        return got


def test_a_bundle_goes_in_chunks_over_a_breaking_link(
    app, sync, make_resident, hub_token
):
    for i in range(40):
        make_resident(name=f"WARGA PERBATASAN {i}")
    link = Link(sync.hub, fail_every=3)
    got = _push(app, link, hub_token, chunk=256)
    assert got.line.startswith("applied 40 changes from 61.01.12.2002 seq 1..")
    assert len(link.puts) > 2  # more than one chunk went
    assert len(sync.hub_rows(HubResident)) == 40
    with app.app_context():
        assert _db.session.get(SyncState, 1).acked_seq == got.acked_seq > 0
    # Nothing new: the next push sends an empty bundle the hub holds already.
    again = _push(app, Link(sync.hub), hub_token)
    assert again.line == "already applied"


def test_a_new_process_resumes_where_the_hub_stands(
    app, sync, make_resident, hub_token
):
    for i in range(40):
        make_resident(name=f"WARGA {i}")
    first = Link(sync.hub, die_after=3)  # start, two chunks, then the power goes
    with pytest.raises(Exception, match="tidak dapat dihubungi"):
        _push(app, first, hub_token, chunk=256)
    (upload,) = sync.hub_rows(HubUpload)
    assert upload.received == 512 and not upload.done
    assert sync.hub_rows(HubResident) == []
    second = Link(sync.hub)
    got = _push(app, second, hub_token, chunk=256)
    assert got.resumed_at == 512
    assert second.puts[0].startswith("bytes 512-")
    assert got.line.startswith("applied 40 changes")


def test_the_hub_takes_chunks_in_order_once(hub_app, sync, make_resident, hub_token):
    make_resident()
    raw = sync.export().read_bytes()
    client = hub_app.test_client()
    auth = {"Authorization": f"Bearer {hub_token}"}
    sha = hashlib.sha256(raw).hexdigest()
    made = client.post(
        "/api/v1/hub/uploads", json={"size": len(raw), "sha256": sha}, headers=auth
    )
    assert made.status_code == 201
    upload_id = made.get_json()["id"]
    again = client.post(
        "/api/v1/hub/uploads", json={"size": len(raw), "sha256": sha}, headers=auth
    )
    assert again.get_json()["id"] == upload_id  # the same upload, resumed

    def put(first, last):
        return client.put(
            f"/api/v1/hub/uploads/{upload_id}",
            data=raw[first : last + 1],
            headers={**auth, "Content-Range": f"bytes {first}-{last}/{len(raw)}"},
        )

    half = len(raw) // 2
    ahead = put(half, len(raw) - 1)
    assert ahead.status_code == 409 and ahead.get_json()["received"] == 0
    assert put(0, half - 1).get_json()["received"] == half
    assert put(0, half - 1).get_json()["received"] == half  # a repeat: ignored
    done = put(half, len(raw) - 1).get_json()
    assert done["done"] and done["result"]["applied"] and done["result"]["changes"] == 1
    # Another token does not see it.
    from desa.auth.services import create_token

    with hub_app.app_context():
        _t, other = create_token(system(), "Lain", "district")
        _db.session.commit()
    seen = client.get(
        f"/api/v1/hub/uploads/{upload_id}", headers={"Authorization": f"Bearer {other}"}
    )
    assert seen.status_code == 404


def test_bytes_that_do_not_match_their_digest_are_refused(
    hub_app, sync, make_resident, hub_token
):
    make_resident()
    raw = sync.export().read_bytes()
    client = hub_app.test_client()
    auth = {"Authorization": f"Bearer {hub_token}"}
    made = client.post(
        "/api/v1/hub/uploads",
        json={"size": len(raw), "sha256": hashlib.sha256(b"other").hexdigest()},
        headers=auth,
    ).get_json()
    answer = client.put(
        f"/api/v1/hub/uploads/{made['id']}",
        data=raw,
        headers={**auth, "Content-Range": f"bytes 0-{len(raw) - 1}/{len(raw)}"},
    )
    assert (
        answer.status_code == 422 and "sha256" in answer.get_json()["error"]["message"]
    )
    assert sync.hub_rows(HubResident) == [] and sync.hub_rows(HubUpload) == []


def test_the_command_needs_a_token_and_an_http_address(app, runner, monkeypatch):
    monkeypatch.delenv("DESA_HUB_TOKEN", raising=False)
    out = runner.invoke(args=["sync", "push", "http://hub.test"])
    assert out.exit_code == 2 and "DESA_HUB_TOKEN" in out.output
    monkeypatch.setenv("DESA_HUB_TOKEN", "desa_x")
    out = runner.invoke(args=["sync", "push", "ftp://hub.test"])
    assert out.exit_code == 1 and "http://" in out.output


def test_a_lost_last_answer_is_given_again(app, sync, make_resident, hub_token):
    """The hub applied the bundle but its answer never came: the next push is
    told so at once, without sending the bundle again."""
    make_resident()

    class LoseLast(Link):
        def __call__(self, method, url, headers, body):
            status, answer = super().__call__(method, url, headers, body)
            if method == "PUT" and isinstance(answer, dict) and answer.get("done"):
                raise ConnectionResetError("the answer was lost")
            return status, answer

    with pytest.raises(Exception, match="tidak dapat dihubungi|belum menjawab"):
        _push(app, LoseLast(sync.hub), hub_token)
    again = Link(sync.hub)
    got = _push(app, again, hub_token)
    assert got.line.startswith("applied 1 changes") and again.puts == []
