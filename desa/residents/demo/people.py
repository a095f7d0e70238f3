"""One resident's attributes, drawn from the demo tables.

Each function takes the run's `random()` (`r`) and `getrandbits` (`bits`), so the
same calls in the same order give the same village.
"""

from __future__ import annotations

from collections.abc import Callable

from desa.residents.demo.tables import (
    ANAK,
    AWAY_JOBS,
    CHILD_EDUCATION,
    CHINESE,
    CHINESE_FAMILIES,
    CHINESE_NEW,
    CHINESE_OLD,
    D3,
    DAYAK_NAMES,
    DEATHS_UNDER_60,
    EDUCATION_BY_COHORT,
    EDUCATION_QUALIFIED,
    EMPLOYEE,
    FAMILI,
    FARMER,
    HOUSEWIFE,
    JOBS_CHINESE_MAN,
    JOBS_CHINESE_WOMAN,
    JOBS_MAN,
    JOBS_OLD_MAN,
    JOBS_OLD_WOMAN,
    JOBS_WOMAN,
    JOBS_YOUNG_MAN,
    JOBS_YOUNG_WOMAN,
    LABOURER,
    MALAY,
    MALAY_NAMES,
    MOBILE_PREFIXES,
    NOT_WORKING,
    QUALIFIED_JOBS,
    RECORDED,
    S1,
    SINGLE,
    SLTA,
    SLTP,
    TABLE_BITS,
)

Rand = Callable[[], float]
Bits = Callable[[int], int]


def phone(r: Rand) -> str:
    """A mobile number of one of the Indonesian operators."""
    prefix = MOBILE_PREFIXES[int(r() * len(MOBILE_PREFIXES))]
    # Stored as the registry stores phones: E.164 (what fields.phone returns).
    return f"+62{prefix[1:]}{10_000_000 + int(r() * 90_000_000)}"


def name(r: Rand, sex: str, young: bool, ethnicity: str, family: int) -> str:
    """A name as Disdukcapil writes it; `family` indexes CHINESE_FAMILIES."""
    if ethnicity == MALAY:
        first, second = MALAY_NAMES[sex, young]
        a = int(r() * len(first))
        b = int(r() * len(second))
        if first[a] == second[b]:
            b = (b + 1) % len(second)
        return f"{first[a]} {second[b]}"
    if ethnicity == CHINESE:
        old_name, new_name = CHINESE_FAMILIES[family]
        if young:
            given = CHINESE_NEW[sex]
            return f"{given[int(r() * len(given))]} {new_name}"
        given = CHINESE_OLD[sex]
        return f"{old_name} {given[int(r() * len(given))]}"
    first, second = DAYAK_NAMES[sex]
    return f"{first[int(r() * len(first))]} {second[int(r() * len(second))]}"


def occupation(
    r: Rand, bits: Bits, age: int, sex: str, marital: str, ethnicity: str
) -> str:
    """The job of a grown-up (17 or older, or married)."""
    if age < 17:  # married minors
        if sex == "P":
            return HOUSEWIFE
        return LABOURER if r() < 0.6 else FARMER
    if age >= 65:
        return (JOBS_OLD_MAN if sex == "L" else JOBS_OLD_WOMAN)[bits(TABLE_BITS)]
    if ethnicity == CHINESE and age >= 23:
        return (JOBS_CHINESE_MAN if sex == "L" else JOBS_CHINESE_WOMAN)[
            bits(TABLE_BITS)
        ]
    if marital == SINGLE and age < 26:
        return (JOBS_YOUNG_MAN if sex == "L" else JOBS_YOUNG_WOMAN)[bits(TABLE_BITS)]
    if sex == "L":
        return JOBS_MAN[bits(TABLE_BITS)]
    job = JOBS_WOMAN[bits(TABLE_BITS)]
    if job == HOUSEWIFE and marital == SINGLE:
        return NOT_WORKING if r() < 0.6 else EMPLOYEE
    return job


def education(bits: Bits, age: int, birth_year: int, occupation: str) -> str:
    """The schooling of a grown-up (married minors have left school early)."""
    if age < 17:
        return CHILD_EDUCATION[age]
    if age < 19:
        return SLTP
    if occupation in QUALIFIED_JOBS:
        return EDUCATION_QUALIFIED[bits(TABLE_BITS)]
    for before, table in EDUCATION_BY_COHORT:
        if birth_year < before:
            level = table[bits(TABLE_BITS)]
            if age < 22 and level in (S1, D3):
                return SLTA
            return level
    return SLTA  # pragma: no cover


def life_status(r: Rand, age: int, relation: str) -> str:
    """Active, deceased or moved away, by age and family relation."""
    p = r()
    if age >= 80:
        dead = 0.2
    elif age >= 70:
        dead = 0.1
    elif age >= 60:
        dead = 0.03
    else:
        dead = DEATHS_UNDER_60
    if p < dead:
        return "deceased"
    p -= dead
    if 18 <= age <= 35 and relation in (ANAK, FAMILI):
        moved = 0.085
    elif 20 <= age <= 45:
        moved = 0.004
    else:
        moved = 0.0
    return "moved" if p < moved else "active"


def ektp_status(
    r: Rand, bits: Bits, age: int, sex: str, marital: str, occupation: str, life: str
) -> int | None:
    """The e-KTP status of a grown-up: wajib KTP, recorded or not."""
    if life == "deceased" or age < 18:
        pending = 0.45
    elif age >= 70:
        pending = 0.30
    elif sex == "L" and age <= 50 and occupation in AWAY_JOBS:
        pending = 0.28
    elif occupation == HOUSEWIFE:
        pending = 0.06
    else:
        pending = 0.10
    if r() < pending:
        return 2 if r() < 0.8 else None
    return RECORDED[bits(TABLE_BITS)]
