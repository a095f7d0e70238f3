"""Domain rules about residents that depend on dates: wajib KTP and pending recording."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, literal, or_

from desa.residents.models import EktpStatus, LifeStatus, Resident

WAJIB_AGE = 17
# Recording is allowed a year before: the card is printed once the person is 17.
RECORDING_AGE = 16
# From this age a resident counts as elderly (lansia) and may have a home visit.
ELDERLY_AGE = 60


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date that is `years` old on `day` (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # day is 29 February and that year has none
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years on `day`; a 29 February birthday comes on 1 March in common years."""
    return (
        day.year
        - birth_date.year
        - ((day.month, day.day) < (birth_date.month, birth_date.day))
    )


def is_wajib_ktp(resident: Resident, day: dt.date) -> bool:
    """Citizen, and 17 or older on `day` or married / ever married."""
    if resident.citizenship != "WNI":
        return False
    if resident.marital_status and resident.marital_status != "BELUM KAWIN":
        return True
    return resident.birth_date is not None and resident.birth_date <= years_before(
        day, WAJIB_AGE
    )


def may_record(resident: Resident, day: dt.date) -> bool:
    """Wajib KTP on `day`, or a citizen of RECORDING_AGE who may record early."""
    if is_wajib_ktp(resident, day):
        return True
    return (
        resident.citizenship == "WNI"
        and resident.birth_date is not None
        and resident.birth_date <= years_before(day, RECORDING_AGE)
    )


def needs_home_visit(resident: Resident, day: dt.date) -> bool:
    """Elderly (ELDERLY_AGE or older on `day`) or flagged disabled by the clerk."""
    if resident.disabled:
        return True
    return resident.birth_date is not None and (
        age_on(resident.birth_date, day) >= ELDERLY_AGE
    )


def is_pending_recording(resident: Resident, day: dt.date) -> bool:
    """Wajib KTP on `day`, alive and here, and not yet recorded (status empty, 1 or 2)."""
    return (
        resident.life_status == LifeStatus.ACTIVE
        and resident.ektp_status
        in (None, EktpStatus.BELUM_WAJIB, EktpStatus.BELUM_REKAM)
        and is_wajib_ktp(resident, day)
    )


def _of_age_or_married(day: dt.date) -> ColumnElement[bool]:
    return or_(
        and_(
            Resident.marital_status.is_not(None),
            Resident.marital_status != "BELUM KAWIN",
        ),
        Resident.birth_date <= years_before(day, WAJIB_AGE),
    )


def wajib_clause(day: dt.date) -> ColumnElement[bool]:
    """SQL twin of is_wajib_ktp."""
    return and_(Resident.citizenship == "WNI", _of_age_or_married(day))


def _inline(value: object, column: ColumnElement) -> ColumnElement:
    """`value` written into the SQL text rather than sent as a parameter."""
    return literal(value, column.type, literal_execute=True)


def not_recorded_clause() -> ColumnElement[bool]:
    """The part of pending_clause that holds whatever the day: an active citizen
    whose e-KTP status is empty, 1 or 2.

    It is the WHERE of the partial index `ix_residents_pending`. Its values are
    written into the SQL, never bound: SQLite uses a partial index only when the
    query's terms match the index's own constants, and a PostgreSQL plan made for
    any parameter value cannot prove that the index holds the rows either.
    """
    return and_(
        Resident.life_status == _inline(LifeStatus.ACTIVE, Resident.life_status),
        Resident.citizenship == _inline("WNI", Resident.citizenship),
        or_(
            Resident.ektp_status.is_(None),
            Resident.ektp_status.in_(
                [
                    _inline(code, Resident.ektp_status)
                    for code in (EktpStatus.BELUM_WAJIB, EktpStatus.BELUM_REKAM)
                ]
            ),
        ),
    )


def pending_clause(day: dt.date) -> ColumnElement[bool]:
    """SQL twin of is_pending_recording."""
    return and_(not_recorded_clause(), _of_age_or_married(day))
