"""The data-quality list the clerk reads before exporting: wajib KTP residents whose
data the district would trip over."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select

from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.extensions import db
from desa.residents.models import LifeStatus, Resident
from desa.residents.rules import wajib_clause, years_before

LIMIT = 200
OLD_AGE = 100


@dataclass
class QualityList:
    """One kind of problem: how many, and the first residents with it."""

    code: str
    title: Any
    hint: Any
    total: int = 0
    residents: list[Any] = field(default_factory=list)


def _base(actor: Actor) -> Select:
    stmt = select(
        Resident.id,
        Resident.nik,
        Resident.name,
        Resident.birth_date,
        Resident.dusun,
        Resident.rw,
        Resident.rt,
        Resident.nik_warnings,
        Resident.nik_temporary,
    ).where(Resident.life_status == LifeStatus.ACTIVE, wajib_clause(actor.today))
    return scopes.restrict(stmt, actor, Resident)


def _filled(item: QualityList, stmt: Select, order: tuple) -> QualityList:
    counted = stmt.with_only_columns(func.count(), maintain_column_froms=True)
    item.total = db.session.scalar(counted) or 0
    item.residents = db.session.execute(stmt.order_by(*order).limit(LIMIT)).all()
    return item


def quality_lists(actor: Actor) -> list[QualityList]:
    """Wajib KTP residents with a NIK warning, a temporary NIK, no birth date, age 100
    or more, or a likely duplicate (same name and birth date)."""
    base, day = _base(actor), actor.today
    by_name = (Resident.name_key, Resident.id)
    lists = [
        _filled(
            QualityList(
                "warnings",
                _l("NIK dengan peringatan"),
                _l(
                    "Kode wilayah, tanggal lahir atau jenis kelamin di NIK tidak "
                    "cocok; pastikan dengan KK atau KTP."
                ),
            ),
            base.where(Resident.nik_warnings.not_in(("[]", ""))),
            by_name,
        ),
        _filled(
            QualityList(
                "temporary",
                _l("NIK sementara"),
                _l("Belum punya NIK asli; Disdukcapil tidak dapat mencocokkannya."),
            ),
            base.where(Resident.nik_temporary.is_(True)),
            by_name,
        ),
        _filled(
            QualityList(
                "no_birth_date",
                _l("Tanpa tanggal lahir"),
                _l("Umur tidak dapat dihitung."),
            ),
            base.where(Resident.birth_date.is_(None)),
            by_name,
        ),
        _filled(
            QualityList(
                "old",
                _l("Umur 100 tahun atau lebih (perlu dicek)"),
                _l("Mungkin sudah meninggal atau pindah tanpa dilaporkan."),
            ),
            base.where(Resident.birth_date <= years_before(day, OLD_AGE)),
            (Resident.birth_date, Resident.id),
        ),
    ]
    twins = (
        scopes.restrict(select(Resident.name_key, Resident.birth_date), actor, Resident)
        .where(
            Resident.life_status == LifeStatus.ACTIVE,
            wajib_clause(day),
            Resident.birth_date.is_not(None),
        )
        .group_by(Resident.name_key, Resident.birth_date)
        .having(func.count() > 1)
        .subquery()
    )
    duplicates = base.join(
        twins,
        and_(
            twins.c.name_key == Resident.name_key,
            twins.c.birth_date == Resident.birth_date,
        ),
    )
    lists.append(
        _filled(
            QualityList(
                "duplicates",
                _l("Kemungkinan data ganda"),
                _l(
                    "Nama dan tanggal lahir sama; periksa apakah orang yang sama "
                    "tercatat dua kali."
                ),
            ),
            duplicates,
            (Resident.name_key, Resident.birth_date, Resident.id),
        )
    )
    return lists
