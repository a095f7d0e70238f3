"""`desa demo`: a believable Desa Merubung with an account for every role."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from desa.appointments import demo as appointment_demo
from desa.auth import services as auth
from desa.auth.actor import Actor
from desa.auth.models import User
from desa.core.errors import Conflict
from desa.core.village import get_village, set_village
from desa.extensions import db
from desa.letters import demo as letter_demo
from desa.residents import demo as resident_demo
from desa.residents import services as residents
from desa.residents.models import Resident

DEMO_PASSWORD = "demo-merubung-2026"  # noqa: S105 - demo sign-ins, by design  # nosec B105


def database_is_empty() -> bool:
    """No residents and no accounts yet."""
    return not (
        db.session.scalar(select(func.count(Resident.id)))
        or db.session.scalar(select(func.count(User.id)))
    )


def load_demo(actor: Actor, count: int, seed: int) -> list[str]:
    """Fills an empty database; returns the sign-in lines to print."""
    if not database_is_empty():
        raise Conflict(
            _(
                "Basis data sudah berisi data. Data contoh hanya dimuat ke basis data kosong."
            )
        )
    village = get_village() or set_village("61.01.12.2002")
    db.session.flush()
    result = resident_demo.populate(
        count=count, seed=seed, today=actor.today, village_code=village.code
    )
    rw, rt = result.rt_head_area
    plantation, school = result.employers
    accounts = [
        ("admin", "admin", {"full_name": "Sekretaris Desa"}),
        ("operator", "clerk", {"full_name": "Operator Desa"}),
        ("kades", "head", {"full_name": result.head_name}),
        (
            f"rt{rw}{rt}",
            "rt",
            {"full_name": f"Ketua RT {rt} RW {rw}", "rw": rw, "rt": rt},
        ),
        ("sawit", "employer", {"full_name": "HRD Perkebunan", "employer": plantation}),
        (
            "sekolah",
            "employer",
            {"full_name": "Tata Usaha Sekolah", "employer": school},
        ),
    ]
    lines = []
    users, by_name = {}, {}
    for username, role, extra in accounts:
        password = DEMO_PASSWORD
        users[role] = by_name[username] = auth.create_user(
            actor, username, password, role, **extra
        )
        lines.append(f"{role:<9} {username:<12} kata sandi: {password}")
    village.head_name = result.head_name
    village.head_title = "Kepala Desa " + village.name
    resident = db.session.get(Resident, result.self_service_resident_id)
    pin = residents.issue_pin(actor, resident)
    lines.append(f"{'resident':<9} NIK {resident.nik}  PIN: {pin}  ({resident.name})")
    letter_demo.populate(
        actor.as_(users["head"]), actor.as_(users["clerk"]), resident.id
    )
    appointment_demo.populate(
        {
            "rt": actor.as_(users["rt"]),
            "clerk": actor.as_(users["clerk"]),
            "employer": actor.as_(by_name["sawit"]),
        },
        result.rt_head_area,
        plantation,
    )
    return lines
