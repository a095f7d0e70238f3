"""The campaign planner at Kabupaten Sambas's scale: every desa of 61.01 at the hub,
about 30,000 residents still to record, 10 teams (issue 16, point 6).

Run with the project's venv: `.venv/bin/python bench/campaign.py [--residents
634000] [--small] --database-url postgresql+psycopg://postgres@127.0.0.1/postgres`
(the hub's real engine; `sqlite` works too). Prints one line per figure:
`name: value unit (target ≤ X) ok|MISS`.

The kabupaten is bench/hub.py's (every desa of the Kemendagri region list, each
with its own key; `--small`: two kecamatan and 20,000 residents), reshaped for a
campaign before the villages write their full bundles:

- the pending (wajib KTP on the campaign's first day, e-KTP status empty, 1 or 2)
  are cut to about 30,000 (in proportion to `--residents`): a seeded sample of
  each village's own pending list, so the demo's mix stays (the 17-year-olds,
  the men working away, the elderly); the others are recorded (status 3);
- 2 % of the pending younger than 60 are marked disabled; with the elderly they
  are the frail the planner sends home visits to;
- about 15 % of the villages have one or two employers whose confirmed staff are
  5 to 120 of the village's pending (evening sessions);
- up to a tenth of each RT's pending hold a booking already (`booked` on their
  resident line, as a village sends it), whom the plan leaves out.

The hub is made as bench/hub.py makes it and every full bundle is applied by
`desa hub import` in a child process (its time is printed as a comment only).
Then 10 teams (2 operators, 2 kits each, their bases spread over the kecamatan)
and one campaign over the whole kabupaten, from the first Monday at least a week
ahead, for six months.

- Planning the kabupaten: `desa.campaign.services.plan_campaign` (the demand
  query, the planner, the sessions written) and the commit; run 3 times, each
  replacing the last draft plan; the worst of the 3.
- The plan's team-days against the lower bound (every pending person's minutes
  divided by a team's minutes in a day): within 15 %. Where the days above the
  bound go is printed per kind of shift.

The planner's demand is checked against the generated villages (the pending by
kind, less the booked and those recorded in another village), nothing may be left
uncovered, the planned sessions' places must add up to the demand, and every
kind of session (village hall, kecamatan office, home visits, employer evenings)
must be in the plan; a wrong one ends the run with exit status 1. A slow figure
only prints MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from typing import Any

from _common import add_options, baseline, figure, temp_instance
from hub import (
    FULL_MADE,
    KABUPATEN,
    Village,
    _now_text,
    check,
    full_lines,
    is_wajib,
    keys_document,
    make_villages,
    run_sync,
    write_bundle,
)

FULL_RESIDENTS = 634_000
FULL_PENDING = 30_000
PENDING_SLACK = 0.25  # at full size, the planner's demand within 25 % of 30,000
TEAMS = 10
OPERATORS = KITS = 2
CAMPAIGN_DAYS = 182
PLAN_RUNS = 3
DISABLED_SHARE = 0.02
EMPLOYER_SHARE = 0.15
STAFF = (5, 120)
STAFF_CAP = 2 / 3  # employers take at most this share of a village's non-frail pending
BOOKED_SHARE = 0.1
PENDING_STATUSES = (None, 1, 2)


# --- the kabupaten, reshaped for a campaign -----------------------------------------


def _cutoffs(start: dt.date) -> tuple[str, str]:
    """(wajib KTP, elderly) birth-date cut-offs on the campaign's first day."""
    from desa.residents.rules import ELDERLY_AGE, WAJIB_AGE, years_before

    return (
        years_before(start, WAJIB_AGE).isoformat(),
        years_before(start, ELDERLY_AGE).isoformat(),
    )


def _is_pending(line: dict[str, Any], wajib_cutoff: str) -> bool:
    return line["ektp_status"] in PENDING_STATUSES and is_wajib(line, wajib_cutoff)


def _is_frail(line: dict[str, Any], elderly_cutoff: str) -> bool:
    """desa.campaign.services.demand's frail: disabled, or 60 or older."""
    born = line["birth_date"]
    return line.get("disabled") is True or (born is not None and born <= elderly_cutoff)


def shape_pending(
    villages: list[Village], start: dt.date, target: int, rng: random.Random
) -> None:
    """About `target` pending in all: each village keeps a seeded sample of its
    own pending, in proportion to its wajib KTP; the rest are recorded."""
    wajib_cutoff, _elderly = _cutoffs(start)
    wajib = {
        v.code: [i for i, line in v.residents.items() if is_wajib(line, wajib_cutoff)]
        for v in villages
    }
    share = target / max(1, sum(len(ids) for ids in wajib.values()))
    for v in villages:
        ids = wajib[v.code]
        keep = round(share * len(ids))
        pending = [i for i in ids if v.residents[i]["ektp_status"] in PENDING_STATUSES]
        if len(pending) >= keep:
            for i in set(pending) - set(rng.sample(pending, keep)):
                v.residents[i]["ektp_status"] = 3
        else:
            recorded = [i for i in ids if i not in set(pending)]
            for i in rng.sample(recorded, keep - len(pending)):
                v.residents[i]["ektp_status"] = rng.choice((None, 2))
                v.residents[i]["ektp_status_at"] = None


def mark_disabled(villages: list[Village], start: dt.date, rng: random.Random) -> int:
    """A few of the pending younger than 60 disabled (home visits); how many."""
    wajib_cutoff, elderly_cutoff = _cutoffs(start)
    marked = 0
    for v in villages:
        for line in v.residents.values():
            if (
                _is_pending(line, wajib_cutoff)
                and not _is_frail(line, elderly_cutoff)
                and rng.random() < DISABLED_SHARE
            ):
                line["disabled"] = True
                marked += 1
    return marked


def add_employers(
    villages: list[Village], start: dt.date, rng: random.Random
) -> dict[str, list[dict[str, Any]]]:
    """One or two employers in about EMPLOYER_SHARE of the villages, each with
    5 to 120 of the village's pending (not frail) as confirmed staff: their
    `employer` bundle lines by village code."""
    wajib_cutoff, elderly_cutoff = _cutoffs(start)
    chosen = rng.sample(villages, max(1, round(EMPLOYER_SHARE * len(villages))))
    out: dict[str, list[dict[str, Any]]] = {}
    for v in sorted(chosen, key=lambda v: v.code):
        free = [
            i
            for i, line in v.residents.items()
            if _is_pending(line, wajib_cutoff) and not _is_frail(line, elderly_cutoff)
        ]
        rng.shuffle(free)
        free = free[: int(len(free) * STAFF_CAP)]
        lines = []
        for local_id in range(1, rng.randint(1, 2) + 1):
            size = min(rng.randint(*STAFF), len(free))
            if size < STAFF[0]:
                break
            staff, free = free[:size], free[size:]
            lines.append(
                {
                    "t": "employer",
                    "id": local_id,
                    "name": f"PT Sawit {v.name} {local_id}"[:150],
                    "address": f"Kebun {local_id}, {v.name}"[:250],
                    "staff": sorted(staff),
                }
            )
        if lines:
            out[v.code] = lines
    return out


def _groups(
    v: Village,
    employers: list[dict[str, Any]],
    start: dt.date,
    recorded_in: dict[str, set[str]],
    ends: dt.date | None = None,
) -> tuple[int, int, int, dict[tuple[str, str], list[int]]]:
    """The village's pending as the planner sees them: (pending on the first day,
    frail, staff, the others' ids by RT). The planner takes those wajib KTP by the
    last day (`ends`; 16 or older on the first may record), not booked, and not
    recorded in another village."""
    wajib_cutoff, elderly_cutoff = _cutoffs(start)
    plan_cutoff = _cutoffs(ends)[0] if ends else wajib_cutoff
    staff = {r for e in employers for r in e["staff"]}
    pending = frail = on_staff = 0
    by_rt: dict[tuple[str, str], list[int]] = {}
    for local_id, line in v.residents.items():
        if _is_pending(line, wajib_cutoff):
            pending += 1
        if not _is_pending(line, plan_cutoff) or line.get("booked") is True:
            continue
        if recorded_in.get(line["nik"], set()) - {v.code}:
            continue
        if _is_frail(line, elderly_cutoff):
            frail += 1
        elif local_id in staff:
            on_staff += 1
        else:
            area = (line["rw"] or "", line["rt"] or "")
            by_rt.setdefault(area, []).append(local_id)
    return pending, frail, on_staff, by_rt


def _recorded_in(villages: list[Village]) -> dict[str, set[str]]:
    from desa.residents.models import RECORDED_CODES

    out: dict[str, set[str]] = {}
    for v in villages:
        for line in v.residents.values():
            if line["ektp_status"] in RECORDED_CODES:
                out.setdefault(line["nik"], set()).add(v.code)
    return out


def set_booked(
    villages: list[Village],
    employers: dict[str, list[dict[str, Any]]],
    start: dt.date,
    rng: random.Random,
) -> None:
    """Up to BOOKED_SHARE of each RT's pending hold a booking already (their
    resident line says so, as a village's does): the plan leaves them out."""
    recorded_in = _recorded_in(villages)
    for v in villages:
        *_counts, by_rt = _groups(v, employers.get(v.code, []), start, recorded_in)
        for ids in by_rt.values():
            for local_id in rng.sample(
                ids, rng.randint(0, int(len(ids) * BOOKED_SHARE))
            ):
                v.residents[local_id]["booked"] = True


def expected_demand(
    villages: list[Village],
    employers: dict[str, list[dict[str, Any]]],
    start: dt.date,
    ends: dt.date,
) -> tuple[int, dict[str, int]]:
    """(the pending of Table 1's rule on the first day, the planner's people by
    kind) on the villages."""
    recorded_in = _recorded_in(villages)
    pending, people = 0, {"village": 0, "frail": 0, "staff": 0, "away": 0}
    for v in villages:
        count, frail, staff, by_rt = _groups(
            v, employers.get(v.code, []), start, recorded_in, ends
        )
        pending += count
        people["frail"] += frail
        people["staff"] += staff
        people["village"] += sum(len(ids) for ids in by_rt.values())
    return pending, people


# --- where the days above the bound go ----------------------------------------------


def waste(plan: Any, stations: int, pace: Any) -> dict[str, list[float]]:
    """Per kind of shift: [shifts, short ones, team-days above the bound]. The
    team-days above the bound add up to the plan's team-days less the bound."""
    out: dict[str, list[float]] = {}
    for shift in plan.shifts:
        kind = "evening" if shift.evening else shift.slots[0].kind
        length = pace.evening_minutes if shift.evening else pace.day_minutes
        per_person = shift.slots[0].minutes_per_person
        places = (length // per_person) * stations
        work = sum(s.people * s.minutes_per_person for s in shift.slots)
        row = out.setdefault(kind, [0, 0, 0.0])
        row[0] += 1
        row[1] += shift.people < places
        row[2] += (stations * length - work) / (stations * pace.day_minutes)
    return out


# --- the run ------------------------------------------------------------------------


def first_monday(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=7)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=FULL_RESIDENTS)
    args = add_options(parser).parse_args()
    if args.small:
        args.residents = 20_000
    instance = temp_instance()
    print(f"# load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from desa import create_app
    from desa.auth.actor import Actor, Via, command_actor
    from desa.campaign import services
    from desa.campaign.models import Campaign, PlannedSession, PlannedStatus
    from desa.extensions import db
    from desa.hub import services as hub_services
    from desa.hub.models import HubResident
    from desa.hub.pending import pending_count

    app = create_app()
    with app.app_context():
        upgrade()
        start = first_monday(command_actor().today)
    ends = start + dt.timedelta(days=CAMPAIGN_DAYS)
    target = round(FULL_PENDING * args.residents / FULL_RESIDENTS)

    began = time.perf_counter()
    villages, _niks = make_villages(args.residents, args.small)
    rng = random.Random(1606)  # nosec B311 - bench data
    shape_pending(villages, start, target, rng)
    disabled = mark_disabled(villages, start, rng)
    employers = add_employers(villages, start, rng)
    set_booked(villages, employers, start, rng)
    pending, wanted = expected_demand(villages, employers, start, ends)
    folder = instance / "flashdisk"
    folder.mkdir()
    made = _now_text(FULL_MADE, 16)
    for n, village in enumerate(villages):
        lines = full_lines(village) + employers.get(village.code, [])
        path = folder / f"{n:03d}-{village.code}.gz"
        write_bundle(village, path, lines, full=True, made=made)
    residents = sum(len(v.residents) for v in villages)
    kecamatan = sorted({v.kecamatan for v in villages})
    print(
        f"# {len(villages)} villages in {len(kecamatan)} kecamatan, {residents} "
        f"residents, {pending} pending on {start} (aimed at {target}), {disabled} "
        f"of them marked disabled, {sum(len(e) for e in employers.values())} "
        f"employers in {len(employers)} villages; bundles written in "
        f"{time.perf_counter() - began:.1f} s"
    )

    with app.app_context():
        system = command_actor()
        hub_services.init_hub(system, KABUPATEN)
        for village in villages:
            hub_services.register_village(system, keys_document(village))
        db.session.commit()
    timings, _peak = run_sync(folder)
    check("bundles applied", len(timings), len(villages))
    print(
        f"# first full sync of {len(villages)} villages in "
        f"{sum(t['seconds'] for t in timings):.1f} s (not a figure here)"
    )

    with app.app_context():
        held = db.session.scalar(select(func.count()).select_from(HubResident))
        check("residents after the sync", held, residents)
        listed = pending_count(Actor(today=start, via=Via.CLI))
        check("the hub's pending list on the first day", listed, pending)
        actor = command_actor()
        names = services.kecamatan_names()
        check("kecamatan at the hub", sorted(names), kecamatan)
        codes = sorted(names)
        for n in range(TEAMS):
            services.save_team(
                actor,
                {
                    "name": f"Tim Perekaman {n + 1}",
                    "operators": str(OPERATORS),
                    "kits": str(KITS),
                    "base_kecamatan": codes[n * len(codes) // TEAMS],
                },
            )
        campaign = services.create_campaign(
            actor,
            {
                "name": "Perekaman e-KTP Kabupaten Sambas",
                "starts_on": start.isoformat(),
                "ends_on": ends.isoformat(),
            },
        )
        campaign_id = campaign.id
        db.session.commit()
        working = len(services.working_days(campaign))
    print(
        f"# {TEAMS} teams of {OPERATORS} operators and {KITS} kits; the campaign "
        f"runs {start} to {ends}, {working} working days"
    )

    runs = []
    for _ in range(PLAN_RUNS):
        with app.app_context():
            campaign = db.session.get(Campaign, campaign_id)
            actor = command_actor()
            began, began_cpu = time.perf_counter(), time.process_time()
            plan = services.plan_campaign(actor, campaign)
            db.session.commit()
            runs.append((time.perf_counter() - began, time.process_time() - began_cpu))

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        summary = services.summary(campaign) or {}
        live = (
            PlannedSession.campaign_id == campaign_id,
            PlannedSession.status == PlannedStatus.PLANNED,
        )
        places = db.session.scalar(
            select(func.sum(PlannedSession.capacity)).where(*live)
        )
        kinds = dict(
            db.session.execute(
                select(PlannedSession.kind, func.count())
                .where(*live)
                .group_by(PlannedSession.kind)
            ).all()
        )
        days_used = len(
            set(
                db.session.execute(
                    select(PlannedSession.team_id, PlannedSession.date).where(*live)
                ).all()
            )
        )
        # The demand query alone, once (what the planning run spends reading).
        began = time.perf_counter()
        demand = services.demand(command_actor(), campaign)
        demand_seconds = time.perf_counter() - began
        pace = services._pace(campaign)
        db.session.rollback()

    people = sum(plan.people.values())
    check("the planner's pending by kind", plan.people, wanted)
    check("uncovered", plan.uncovered, {"village": 0, "frail": 0, "staff": 0})
    check("places of the planned sessions", places, people)
    check("sessions in the summary", summary.get("sessions"), sum(kinds.values()))
    check(
        "kinds of session",
        sorted(kinds),
        sorted(("village", "office", "home", "employer")),
    )
    if not args.small:
        low, high = target * (1 - PENDING_SLACK), target * (1 + PENDING_SLACK)
        if not low <= people <= high:
            raise SystemExit(
                f"the planner counts {people} pending, not within "
                f"{PENDING_SLACK:.0%} of {target}"
            )
    print(
        f"# the planner's pending: {people} ({plan.people['village']} at the hall "
        f"or office, {plan.people['frail']} frail at home, {plan.people['staff']} "
        f"staff in the evening) of {pending} on the list; "
        f"{len(demand)} villages with work"
    )
    print(
        "# sessions: "
        + ", ".join(
            f"{kinds[k]} {k}" for k in ("village", "office", "home", "employer")
        )
        + f"; {len(plan.shifts)} shifts on {days_used} team-days "
        f"(a day and its evening once)"
    )

    seconds = [r[0] for r in runs]
    figure(
        f"planning the kabupaten ({people} pending, {TEAMS} teams), "
        f"worst of {PLAN_RUNS}",
        max(seconds),
        "s",
        10,
    )
    baseline("planning, median", statistics.median(seconds), "s")
    baseline("planning, CPU time median", statistics.median(r[1] for r in runs), "s")
    baseline("the demand query alone", demand_seconds, "s")
    figure(
        "plan team-days against the lower bound",
        plan.ratio * 100,
        "%",
        115,
    )
    baseline("plan team-days", plan.team_days, "team-days")
    baseline(
        f"lower bound ({plan.demand_minutes} minutes ÷ {min(OPERATORS, KITS)} "
        f"stations × {pace.day_minutes} minutes)",
        plan.lower_bound,
        "team-days",
    )
    print(f"# uncovered: {sum(plan.uncovered.values())} people (checked: none)")
    parts = waste(plan, min(OPERATORS, KITS), pace)
    print(
        "# team-days above the bound, by shift: "
        + "; ".join(
            f"{kind} {int(n)} shifts ({int(short)} short) +{extra:.1f}"
            for kind, (n, short, extra) in sorted(parts.items())
        )
    )
    print(f"# load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
