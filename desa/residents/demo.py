"""Demo residents: a believable Desa Merubung (Tekarang, Sambas, West Kalimantan).

`build_rows` is pure and deterministic for a seed: it makes the resident rows of
about one family per 3.3 people, with valid NIKs and KK numbers, a rural age
pyramid, Sambas Malay names (and a few Chinese-Indonesian and Dayak families),
and the e-KTP picture of a border village: most adults recorded, a group recorded
without a printed card (the blank-card shortage), and the rest still pending.
`populate` inserts those rows with Core inserts and never commits.

The village itself (names, dusun and lanes, kecamatan, and every weighted table)
is data in `demo_data/*.json`, read once on import; this module only generates.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import insert, select

from desa.extensions import db
from desa.residents.models import Resident

INSERT_CHUNK = 5000

# The registry's words that the generation logic itself branches on.
KEPALA = "KEPALA KELUARGA"
ISTRI = "ISTRI"
ANAK = "ANAK"
ORANG_TUA = "ORANG TUA"
MERTUA = "MERTUA"
FAMILI = "FAMILI LAIN"
CUCU = "CUCU"

SINGLE = "BELUM KAWIN"
MARRIED = "KAWIN"
DIVORCED = "CERAI HIDUP"
WIDOWED = "CERAI MATI"

SLTP = "SLTP/SEDERAJAT"
SLTA = "SLTA/SEDERAJAT"
D3 = "AKADEMI/DIPLOMA III/S. MUDA"
S1 = "DIPLOMA IV/STRATA I"

NOT_WORKING = "BELUM/TIDAK BEKERJA"
STUDENT = "PELAJAR/MAHASISWA"
HOUSEWIFE = "MENGURUS RUMAH TANGGA"
FARMER = "PETANI/PEKEBUN"
LABOURER = "BURUH HARIAN LEPAS"
EMPLOYEE = "KARYAWAN SWASTA"

MALAY, CHINESE, DAYAK = "malay", "chinese", "dayak"

DEATHS_UNDER_60 = 0.002  # share of residents under 60 recorded as deceased
DAYS_PER_YEAR = 365.2425
# "0001".."9999" ready-made: formatting with a spec is slow in a hot loop.
SERIALS = tuple(f"{n:04d}" for n in range(10_000))

TABLE_BITS = 12
SLOTS = 1 << TABLE_BITS


@cache
def load(name: str) -> dict[str, Any]:
    """One file of `demo_data/` (its `about` lines say what it holds), parsed once."""
    data = resources.files("desa.residents") / "demo_data" / f"{name}.json"
    return json.loads(data.read_text(encoding="utf-8"))


def _table(pairs: Sequence[Sequence[Any]]) -> tuple[Any, ...]:
    """A weighted choice as a lookup table: `table[getrandbits(TABLE_BITS)]`.

    One index per draw is much cheaper than a bisect; weights are kept to 1/4096.
    """
    items = [item for item, _ in pairs]
    cum: list[float] = []
    total = 0.0
    for _, weight in pairs:
        total += weight
        cum.append(total)
    return tuple(
        items[min(bisect(cum, (slot + 0.5) / SLOTS * total), len(items) - 1)]
        for slot in range(SLOTS)
    )


_places = load("places")
EMPLOYERS = tuple(_places["employers"])
SAMBAS_DISTRICTS: dict[str, str] = _places["districts"]
MOVED_IN = _table(_places["moved_in_from"])
# Dusun → (main road, lanes); two RW per dusun, three RT per RW.
DUSUN = tuple((d["name"], d["road"], tuple(d["lanes"])) for d in _places["dusun"])
_born = _places["birth_places"]
BIRTH_PLACE_OLD = _table(_born["malay_before_2005"])
BIRTH_PLACE_YOUNG = _table(_born["malay_from_2005"])
BIRTH_PLACE_CHINESE = _table(_born["chinese"])
BIRTH_PLACE_DAYAK = _table(_born["dayak"])

_names = load("names")
MALAY_NAMES = {
    (sex, young): tuple(map(tuple, by_age["younger" if young else "older"]))
    for sex, by_age in _names["malay"].items()
    for young in (False, True)
}
# Hakka family names with the Indonesian surname their younger generation carries.
CHINESE_FAMILIES = tuple(map(tuple, _names["chinese_families"]))
CHINESE_OLD = {sex: tuple(n["older"]) for sex, n in _names["chinese"].items()}
CHINESE_NEW = {sex: tuple(n["younger"]) for sex, n in _names["chinese"].items()}
DAYAK_NAMES = {sex: tuple(map(tuple, n)) for sex, n in _names["dayak"].items()}

_households = load("households")
KINDS = _table(_households["kinds"])
COUPLE_HEAD_AGE = _table(_households["couple_head_age"])
WIDOW_HEAD_AGE = _table(_households["widow_head_age"])
ETHNICITY = _table(_households["ethnicity"])
CHINESE_RELIGION = _table(_households["religion"]["chinese"])
DAYAK_RELIGION = _table(_households["religion"]["dayak"])
KIDS_BORN = _table(_households["children_born"])
# Share of grown-up members registered first in another kecamatan, by relation.
MOVED_IN_SHARE: dict[str, float] = _households["moved_in_share"]

_jobs = load("jobs")
JOBS_MAN = _table(_jobs["man"])
JOBS_WOMAN = _table(_jobs["woman"])
JOBS_YOUNG_MAN = _table(_jobs["young_man"])
JOBS_YOUNG_WOMAN = _table(_jobs["young_woman"])
JOBS_OLD_MAN = _table(_jobs["old_man"])
JOBS_OLD_WOMAN = _table(_jobs["old_woman"])
JOBS_CHINESE_MAN = _table(_jobs["chinese_man"])
JOBS_CHINESE_WOMAN = _table(_jobs["chinese_woman"])
# Jobs of men who are away at the plantation or across the border on work days.
AWAY_JOBS = frozenset(_jobs["away"])
QUALIFIED_JOBS = frozenset(_jobs["qualified"])

_education = load("education")
EDUCATION_BY_COHORT = tuple(  # (born before year, table)
    (cohort["born_before"], _table(cohort["weights"]))
    for cohort in _education["by_cohort"]
)
EDUCATION_QUALIFIED = _table(_education["qualified"])
# Schooling of a child by age in whole years (0–16).
CHILD_EDUCATION = tuple(
    level for level, years in _education["child_by_age"] for _ in range(years)
)

_contacts = load("contacts")
MOBILE_PREFIXES = tuple(_contacts["mobile_prefixes"])
RECORDED = _table(_contacts["ektp_recorded"])


@dataclass
class DemoResult:
    """Who is who in the demo village, for `desa demo` to make accounts with."""

    rt_head_area: tuple[str, str]
    employers: list[str]
    head_name: str
    self_service_resident_id: int


def build_rows(
    count: int, seed: int, today: dt.date, village_code: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Resident rows for a Core insert (keys are Resident columns) and their meta.

    Pure and deterministic for (count, seed, today, village_code). The meta holds
    `rt_head_area` (rw, rt), `employers`, `head_nik`, `head_name` and
    `self_service_nik`.
    """
    if count < 2:
        raise ValueError("count must be at least 2")
    # Hundreds of thousands of new dicts that all live on would make the cyclic
    # garbage collector rescan them over and over; none of them form cycles.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # Seeded on purpose: the same demo village every time, not a secret.
        rng = random.Random(seed)  # nosec B311
        return _Builder(rng, today, village_code).build(count)
    finally:
        if gc_was_enabled:
            gc.enable()


def populate(count: int, seed: int, today: dt.date, village_code: str) -> DemoResult:
    """Inserts `build_rows()` in chunks, flushes, and says who is who. Never commits."""
    rows, meta = build_rows(count, seed, today, village_code)
    table = Resident.__table__
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(insert(table), rows[start : start + INSERT_CHUNK])
    db.session.flush()
    resident_id = db.session.scalar(
        select(Resident.id).where(Resident.nik == meta["self_service_nik"])
    )
    if resident_id is None:  # pragma: no cover - the rows were just inserted
        raise RuntimeError("demo resident not found after insert")
    return DemoResult(
        rt_head_area=meta["rt_head_area"],
        employers=list(meta["employers"]),
        head_name=meta["head_name"],
        self_service_resident_id=resident_id,
    )


class _Builder:
    """One generation run; all randomness comes from `rng`."""

    def __init__(self, rng: random.Random, today: dt.date, village_code: str) -> None:
        digits = village_code.replace(".", "")
        if len(digits) != 10 or not digits.isdigit():
            raise ValueError(f"village code must have 10 digits: {village_code!r}")
        self.rng = rng
        self.rand = rng.random
        self.bits = rng.getrandbits
        self.today = today
        self.today_ord = today.toordinal()
        self.village_digits = digits
        self.home = digits[:6]
        # Birth years before 1930 (or a century before today) would make the NIK's
        # two-digit year ambiguous.
        self.min_birth_ord = dt.date(max(1930, today.year - 99), 1, 1).toordinal()
        self.max_age = (self.today_ord - self.min_birth_ord) / DAYS_PER_YEAR - 0.01
        self.kk_first_ord = max(dt.date(2008, 1, 1).toordinal(), self.min_birth_ord)
        self.nik_serials: dict[str, int] = {}
        self.days: dict[int, tuple[dt.date, int, str, str]] = {}
        self.kk_serials: dict[str, int] = {}
        self.areas = self._areas()
        self.area_pick = _table([(area, area[5]) for area in self.areas])
        self.house_numbers: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.ages: list[int] = []
        self.households: list[int] = []

    # -- geography ---------------------------------------------------------------

    def _areas(self) -> list[tuple[str, str, str, str, str, float]]:
        """(dusun, rw, rt, road, lane, weight) of the 18 RT; RTs differ in size."""
        areas = []
        for d, (dusun, road, lanes) in enumerate(DUSUN):
            for r in range(2):
                rw = f"{d * 2 + r + 1:03d}"
                for t in range(3):
                    lane = lanes[r * 3 + t]
                    weight = 0.6 + self.rand() * 0.8
                    areas.append((dusun, rw, f"{t + 1:03d}", road, lane, weight))
        return areas

    def _address(self, road: str, lane: str) -> str:
        street = road if self.rand() < 0.4 else lane
        number = self.house_numbers.get(street, 0) + 1 + int(self.rand() * 3)
        self.house_numbers[street] = number
        return f"{street} No. {number}"

    # -- numbers -----------------------------------------------------------------

    def _day(self, birth_ord: int) -> tuple[dt.date, int, str, str]:
        """(birth date, age today, NIK date part for a man, for a woman), cached."""
        known = self.days.get(birth_ord)
        if known is None:
            birth = dt.date.fromordinal(birth_ord)
            today = self.today
            age = today.year - birth.year
            if (today.month, today.day) < (birth.month, birth.day):
                age -= 1
            tail = f"{birth.month:02d}{birth.year % 100:02d}"
            known = (birth, age, f"{birth.day:02d}{tail}", f"{birth.day + 40}{tail}")
            self.days[birth_ord] = known
        return known

    def _kk(self, youngest_birth_ord: int) -> str:
        first = max(self.kk_first_ord, youngest_birth_ord)
        issued = first + int(self.rand() * max(self.today_ord - first, 1))
        key = (self.days.get(issued) or self._day(issued))[2]  # DDMMYY
        serial = self.kk_serials.get(key, 0) + 1
        if serial % 1000 == 0:  # as for NIKs: `…000` reads like an Excel rounding
            serial += 1
            if serial > 9999:
                raise ValueError("too many family cards issued on one day")
        self.kk_serials[key] = serial
        return self.home + key + SERIALS[serial]

    def _phone(self) -> str:
        prefix = MOBILE_PREFIXES[int(self.rand() * len(MOBILE_PREFIXES))]
        # Stored as the registry stores phones: E.164 (what fields.phone returns).
        return f"+62{prefix[1:]}{10_000_000 + int(self.rand() * 90_000_000)}"

    # -- people ------------------------------------------------------------------

    def _name(self, sex: str, young: bool, ethnicity: str, family: int) -> str:
        r = self.rand
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

    def _occupation(self, age: int, sex: str, marital: str, ethnicity: str) -> str:
        """The job of a grown-up (17 or older, or married)."""
        r = self.rand
        bits = self.bits
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
            return (JOBS_YOUNG_MAN if sex == "L" else JOBS_YOUNG_WOMAN)[
                bits(TABLE_BITS)
            ]
        if sex == "L":
            return JOBS_MAN[bits(TABLE_BITS)]
        job = JOBS_WOMAN[bits(TABLE_BITS)]
        if job == HOUSEWIFE and marital == SINGLE:
            return NOT_WORKING if r() < 0.6 else EMPLOYEE
        return job

    def _education(self, age: int, birth_year: int, occupation: str) -> str:
        """The schooling of a grown-up (married minors have left school early)."""
        if age < 17:
            return CHILD_EDUCATION[age]
        if age < 19:
            return SLTP
        if occupation in QUALIFIED_JOBS:
            return EDUCATION_QUALIFIED[self.bits(TABLE_BITS)]
        for before, table in EDUCATION_BY_COHORT:
            if birth_year < before:
                education = table[self.bits(TABLE_BITS)]
                if age < 22 and education in (S1, D3):
                    return SLTA
                return education
        return SLTA  # pragma: no cover

    def _life_status(self, age: int, relation: str) -> str:
        p = self.rand()
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

    def _ektp(
        self, age: int, sex: str, marital: str, occupation: str, life: str
    ) -> int | None:
        """The e-KTP status of a grown-up: wajib KTP, recorded or not."""
        r = self.rand
        bits = self.bits
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

    def _person(
        self,
        relation: str,
        sex: str,
        age_years: float,
        marital: str,
        family: tuple[str, str, int, str, str, str, str, str],
    ) -> dict[str, Any]:
        """One resident; `family` is (ethnicity, religion, surname index, kk, address,
        dusun, rw, rt)."""
        r = self.rand
        bits = self.bits
        ethnicity = family[0]
        birth_ord = self.today_ord - 1 - int(age_years * DAYS_PER_YEAR)
        if birth_ord < self.min_birth_ord:
            birth_ord = self.min_birth_ord
        elif birth_ord >= self.today_ord:
            birth_ord = self.today_ord - 1
        birth, age, nik_man, nik_woman = self.days.get(birth_ord) or self._day(
            birth_ord
        )
        district = self.home
        if ethnicity == MALAY:
            if birth.year >= 2005:
                place = BIRTH_PLACE_YOUNG[bits(TABLE_BITS)]
            else:
                place = BIRTH_PLACE_OLD[bits(TABLE_BITS)]
        elif ethnicity == CHINESE:
            place = BIRTH_PLACE_CHINESE[bits(TABLE_BITS)]
        else:
            place = BIRTH_PLACE_DAYAK[bits(TABLE_BITS)]
        if age < 17 and marital == SINGLE:
            # A child (about a third of rows): age decides school; not wajib KTP yet.
            phone = None
            occupation = STUDENT if age >= 5 and r() < 0.96 else NOT_WORKING
            education = CHILD_EDUCATION[age]
            life = "deceased" if r() < DEATHS_UNDER_60 else "active"
            ektp = 1 if r() < 0.75 else None
        else:
            phone = None
            if relation != ANAK and relation != CUCU and r() < MOVED_IN_SHARE[relation]:
                district = MOVED_IN[bits(TABLE_BITS)]
                if r() < 0.7:
                    place = SAMBAS_DISTRICTS[district]
            if age >= 17 and r() < (0.62 if age < 60 else 0.3):
                phone = self._phone()
            occupation = self._occupation(age, sex, marital, ethnicity)
            education = self._education(age, birth.year, occupation)
            life = self._life_status(age, relation)
            ektp = self._ektp(age, sex, marital, occupation, life)
        surname = family[2]
        if ethnicity == CHINESE and relation in (ISTRI, MERTUA):
            # Married in: her own family's name, not her husband's.
            surname = int(r() * len(CHINESE_FAMILIES))
        young = birth.year >= (1995 if ethnicity == MALAY else 1985)
        name = self._name(sex, young, ethnicity, surname)
        prefix = district + (nik_woman if sex == "P" else nik_man)
        serials = self.nik_serials
        serial = serials.get(prefix, 0) + 1
        if serial % 1000 == 0:  # `…000` reads like an NIK rounded by Excel
            serial += 1
            if serial > 9999:
                raise ValueError("too many residents share one birth date")
        serials[prefix] = serial
        self.ages.append(age)
        return {
            "nik": prefix + SERIALS[serial],
            "nik_temporary": False,
            "kk": family[3],
            "family_relation": relation,
            "name": name,
            "name_key": name,  # names are made upper case, as Disdukcapil writes them
            "sex": sex,
            "birth_place": place,
            "birth_date": birth,
            "religion": family[1],
            "marital_status": marital,
            "occupation": occupation,
            "education": education,
            "citizenship": "WNI",
            "address": family[4],
            "dusun": family[5],
            "rw": family[6],
            "rt": family[7],
            "phone": phone,
            "life_status": life,
            "ektp_status": ektp,
            "pin_epoch": 0,
        }

    # -- households ---------------------------------------------------------------

    def _band_age(self, table: tuple[float, ...]) -> float:
        return table[self.bits(TABLE_BITS)] + self.rand() * 5

    def _children(self, mother_age: float, room: int) -> list[float]:
        """Ages of the children still living at home, oldest first."""
        r = self.rand
        bits = self.bits
        born = KIDS_BORN[bits(TABLE_BITS)]
        if mother_age > 50 and r() < 0.3:  # older cohorts had more children
            born += 1
        at = 18 + r() * 5
        ages: list[float] = []
        for _ in range(born):
            age = mother_age - at
            if age < 0 or at > 44:
                break
            if age < 18:
                stays = 1.0
            elif age < 22:
                stays = 0.8
            elif age < 26:
                stays = 0.55
            elif age < 32:
                stays = 0.35
            elif age < 40:
                stays = 0.12
            else:
                stays = 0.02
            if r() < stays:
                ages.append(age)
            at += 1.6 + r() * 3.6
        return ages[-room:] if room > 0 else []

    def _household(self, hh: int) -> list[dict[str, Any]]:
        r = self.rand
        bits = self.bits
        if hh == 0:
            kind, ethnicity = "couple", MALAY  # the village head's family
        elif hh % 160 == 7:
            kind, ethnicity = "young", MALAY  # a married minor in every few hundred
        else:
            kind, ethnicity = KINDS[bits(TABLE_BITS)], ETHNICITY[bits(TABLE_BITS)]
        if ethnicity == MALAY:
            religion = "ISLAM"
        elif ethnicity == CHINESE:
            religion = CHINESE_RELIGION[bits(TABLE_BITS)]
        else:
            religion = DAYAK_RELIGION[bits(TABLE_BITS)]
        surname = int(r() * len(CHINESE_FAMILIES))

        # (relation, sex, age, marital)
        specs: list[tuple[str, str, float, str]] = []
        mother_age: float | None = None
        if kind == "couple":
            head_age = 44 + r() * 12 if hh == 0 else self._band_age(COUPLE_HEAD_AGE)
            wife_age = head_age - 2 + r() * -8 + r() * 4
            if wife_age < 17.2:
                wife_age = 17.2 + r() * 3
            specs.append((KEPALA, "L", head_age, MARRIED))
            specs.append((ISTRI, "P", wife_age, MARRIED))
            mother_age = wife_age
        elif kind == "young":
            head_age = 18.5 + r() * 5
            specs.append((KEPALA, "L", head_age, MARRIED))
            specs.append((ISTRI, "P", 16.1 + r() * 0.7, MARRIED))
            if r() < 0.4:
                specs.append((ANAK, "L" if r() < 0.5 else "P", r() * 0.9, SINGLE))
        elif kind == "widow":
            head_age = self._band_age(WIDOW_HEAD_AGE)
            specs.append((KEPALA, "P", head_age, WIDOWED))
            mother_age = head_age
        elif kind == "divorced":
            head_age = 24 + r() * 26
            specs.append((KEPALA, "P", head_age, DIVORCED))
            mother_age = head_age
        elif kind == "widower":
            head_age = 50 + r() * 35
            specs.append((KEPALA, "L", head_age, WIDOWED))
            mother_age = head_age - 4
        else:  # single
            head_age = 22 + r() * 40
            sex = "L" if r() < 0.8 else "P"
            marital = SINGLE if head_age < 40 and r() < 0.8 else DIVORCED
            specs.append((KEPALA, sex, head_age, marital))

        if 26 <= head_age <= 55 and kind in ("couple", "divorced") and r() < 0.14:
            relation = ORANG_TUA if kind == "divorced" or r() < 0.5 else MERTUA
            sex = "P" if r() < 0.75 else "L"
            specs.append((relation, sex, head_age + 22 + r() * 12, WIDOWED))
        if mother_age is not None:
            for age in self._children(mother_age, 7 - len(specs)):
                marital = SINGLE
                if age >= 22 and r() < 0.05:
                    marital = DIVORCED
                specs.append((ANAK, "L" if r() < 0.51 else "P", age, marital))
        if head_age >= 45 and len(specs) < 7 and r() < 0.25:
            # Grandchildren left with grandparents by parents working in Malaysia.
            for _ in range(1 + (r() < 0.35)):
                if len(specs) < 7:
                    age = r() * min(12.0, head_age - 40)
                    specs.append((CUCU, "L" if r() < 0.51 else "P", age, SINGLE))
        if len(specs) < 7 and r() < 0.035:
            specs.append((FAMILI, "L" if r() < 0.5 else "P", 8 + r() * 22, SINGLE))

        youngest = min(age for _, _, age, _ in specs)
        kk = self._kk(self.today_ord - 1 - int(max(youngest, 0.0) * DAYS_PER_YEAR))
        dusun, rw, rt, road, lane, _ = self.area_pick[bits(TABLE_BITS)]
        family = (
            ethnicity,
            religion,
            surname,
            kk,
            self._address(road, lane),
            dusun,
            rw,
            rt,
        )
        members = [
            self._person(relation, sex, age, marital, family)
            for relation, sex, age, marital in specs
        ]
        if hh == 0:
            members[0]["life_status"] = "active"
        self.households.extend([hh] * len(members))
        return members

    # -- the whole village ----------------------------------------------------------

    def build(self, count: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rows = self.rows
        hh = 0
        while len(rows) < count:
            rows.extend(self._household(hh))
            hh += 1
        del rows[count:]
        del self.ages[count:]
        del self.households[count:]
        self._survey()
        wanted = max(1, round(count / 1000))
        temporary = self._temporary_niks(wanted)
        missing = self._missing(wanted, temporary)
        head = self._village_head(temporary | missing)
        resident = self._self_service(temporary | missing | {head})
        return rows, {
            "rt_head_area": self._busiest_rt(),
            "employers": list(EMPLOYERS),
            "head_nik": rows[head]["nik"],
            "head_name": rows[head]["name"],
            "self_service_nik": rows[resident]["nik"],
        }

    def _survey(self) -> None:
        """One pass over all rows: who could play which part, and pending per RT."""
        ages, households = self.ages, self.households
        self.born_abroad: list[int] = []
        self.working_men: list[int] = []
        self.head_candidates: list[int] = []
        self.pending_adults: list[int] = []
        pending = self.pending_per_rt = {}
        for i, row in enumerate(self.rows):
            if row["life_status"] != "active":
                continue
            age = ages[i]
            ektp = row["ektp_status"]
            if (ektp is None or ektp <= 2) and (
                age >= 17 or row["marital_status"] != SINGLE
            ):
                key = (row["rw"], row["rt"])
                pending[key] = pending.get(key, 0) + 1
                if ektp == 2 and 18 <= age <= 60:
                    self.pending_adults.append(i)
            if households[i] == 0:
                continue
            if row["birth_place"] == "KUCHING":
                self.born_abroad.append(i)
            if row["sex"] == "L" and 20 <= age <= 58:
                if age <= 50:
                    self.working_men.append(i)
                if (
                    age >= 38
                    and row["family_relation"] == KEPALA
                    and row["religion"] == "ISLAM"
                    and row["marital_status"] == MARRIED
                ):
                    self.head_candidates.append(i)

    def _is_pending(self, i: int) -> bool:
        row = self.rows[i]
        return (
            row["life_status"] == "active"
            and row["ektp_status"] in (None, 1, 2)
            and (self.ages[i] >= 17 or row["marital_status"] != SINGLE)
        )

    def _update(self, i: int, **changes: Any) -> None:
        """Changes one row after the survey, keeping the pending counts right."""
        row = self.rows[i]
        key = (row["rw"], row["rt"])
        before = self._is_pending(i)
        row.update(changes)
        change = self._is_pending(i) - before
        if change:
            self.pending_per_rt[key] = self.pending_per_rt.get(key, 0) + change

    def _pick(self, candidates: list[int], n: int, skip: set[int]) -> list[int]:
        """Up to n distinct candidates not in skip."""
        candidates = [i for i in candidates if i not in skip]
        return self.rng.sample(candidates, min(n, len(candidates)))

    def _temporary_niks(self, wanted: int) -> set[int]:
        """Border residents (often born in Kuching) still waiting for a real NIK."""
        rows, households = self.rows, self.households
        chosen = self._pick(self.born_abroad, wanted, set())
        if len(chosen) < wanted:  # a small village may have no one born abroad
            rest = [
                i
                for i, row in enumerate(rows)
                if row["life_status"] == "active" and households[i] != 0
            ]
            chosen += self._pick(rest, wanted - len(chosen), set(chosen))
        for seq, i in enumerate(sorted(chosen), start=1):
            grown = self.ages[i] >= 17 or rows[i]["marital_status"] != SINGLE
            self._update(
                i,
                nik=f"0{self.village_digits}{seq:05d}",
                nik_temporary=True,
                ektp_status=2 if grown else 1,
            )
        return set(chosen)

    def _missing(self, wanted: int, skip: set[int]) -> set[int]:
        """Men who left for work across the border and lost contact."""
        chosen = self._pick(self.working_men, wanted, skip)
        for i in chosen:
            self._update(i, life_status="missing")
        return set(chosen)

    def _village_head(self, skip: set[int]) -> int:
        chosen = self._pick(self.head_candidates, 1, skip)
        # Household 0 always has a married Muslim man of that age at its head.
        i = chosen[0] if chosen else 0
        head = self.rows[i]
        self._update(
            i,
            life_status="active",
            ektp_status=8,
            occupation="KEPALA DESA",
            education=S1 if self.rand() < 0.5 else SLTA,
            phone=head["phone"] or self._phone(),
        )
        return i

    def _self_service(self, skip: set[int]) -> int:
        chosen = self._pick(self.pending_adults, 1, skip)
        if chosen:
            return chosen[0]
        # A tiny village: the head's wife (household 0 always has one) is pending.
        i = 1 if 0 in skip else 0
        self._update(i, life_status="active", ektp_status=2)
        return i

    def _busiest_rt(self) -> tuple[str, str]:
        """The RT with the most residents pending e-KTP recording."""
        pending = self.pending_per_rt
        if not any(pending.values()):
            return (self.rows[0]["rw"], self.rows[0]["rt"])
        return max(sorted(pending), key=lambda key: pending[key])
