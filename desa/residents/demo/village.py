"""One run of the demo generator: households, their people and numbers, and roles.

All randomness comes from the one seeded `random.Random`; the data comes from
`tables`, one person's attributes from `people`.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from desa.residents.demo import people
from desa.residents.demo.tables import (
    ANAK,
    BIRTH_PLACE_CHINESE,
    BIRTH_PLACE_DAYAK,
    BIRTH_PLACE_OLD,
    BIRTH_PLACE_YOUNG,
    CHILD_EDUCATION,
    CHINESE,
    CHINESE_FAMILIES,
    CHINESE_RELIGION,
    COUPLE_HEAD_AGE,
    CUCU,
    DAYAK_RELIGION,
    DAYS_PER_YEAR,
    DEATHS_UNDER_60,
    DIVORCED,
    DUSUN,
    EMPLOYERS,
    ETHNICITY,
    FAMILI,
    ISTRI,
    KEPALA,
    KIDS_BORN,
    KINDS,
    MALAY,
    MARRIED,
    MERTUA,
    MOVED_IN,
    MOVED_IN_SHARE,
    NOT_WORKING,
    ORANG_TUA,
    S1,
    SAMBAS_DISTRICTS,
    SERIALS,
    SINGLE,
    SLTA,
    STUDENT,
    TABLE_BITS,
    WIDOW_HEAD_AGE,
    WIDOWED,
    lookup_table,
)


class Builder:
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
        self.area_pick = lookup_table([(area, area[5]) for area in self.areas])
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

    # -- people ------------------------------------------------------------------

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
                phone = people.phone(r)
            occupation = people.occupation(r, bits, age, sex, marital, ethnicity)
            education = people.education(bits, age, birth.year, occupation)
            life = people.life_status(r, age, relation)
            ektp = people.ektp_status(r, bits, age, sex, marital, occupation, life)
        surname = family[2]
        if ethnicity == CHINESE and relation in (ISTRI, MERTUA):
            # Married in: her own family's name, not her husband's.
            surname = int(r() * len(CHINESE_FAMILIES))
        young = birth.year >= (1995 if ethnicity == MALAY else 1985)
        name = people.name(r, sex, young, ethnicity, surname)
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
            phone=head["phone"] or people.phone(self.rand),
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
