"""The demo village's words and weighted tables, read once from `data/*.json`.

Each weighted table becomes a tuple of 4096 slots (`table[getrandbits(12)]` is one
draw); everything else is kept as read, in tuples, dicts and frozensets.
"""

from __future__ import annotations

import json
from bisect import bisect
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

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
    """One file of `data/` (its `about` lines say what it holds), parsed once."""
    data = resources.files("desa.residents.demo") / "data" / f"{name}.json"
    return json.loads(data.read_text(encoding="utf-8"))


def lookup_table(pairs: Sequence[Sequence[Any]]) -> tuple[Any, ...]:
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
MOVED_IN = lookup_table(_places["moved_in_from"])
# Dusun → (main road, lanes); two RW per dusun, three RT per RW.
DUSUN = tuple((d["name"], d["road"], tuple(d["lanes"])) for d in _places["dusun"])
_born = _places["birth_places"]
BIRTH_PLACE_OLD = lookup_table(_born["malay_before_2005"])
BIRTH_PLACE_YOUNG = lookup_table(_born["malay_from_2005"])
BIRTH_PLACE_CHINESE = lookup_table(_born["chinese"])
BIRTH_PLACE_DAYAK = lookup_table(_born["dayak"])

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
KINDS = lookup_table(_households["kinds"])
COUPLE_HEAD_AGE = lookup_table(_households["couple_head_age"])
WIDOW_HEAD_AGE = lookup_table(_households["widow_head_age"])
ETHNICITY = lookup_table(_households["ethnicity"])
CHINESE_RELIGION = lookup_table(_households["religion"]["chinese"])
DAYAK_RELIGION = lookup_table(_households["religion"]["dayak"])
KIDS_BORN = lookup_table(_households["children_born"])
# Share of grown-up members registered first in another kecamatan, by relation.
MOVED_IN_SHARE: dict[str, float] = _households["moved_in_share"]

_jobs = load("jobs")
JOBS_MAN = lookup_table(_jobs["man"])
JOBS_WOMAN = lookup_table(_jobs["woman"])
JOBS_YOUNG_MAN = lookup_table(_jobs["young_man"])
JOBS_YOUNG_WOMAN = lookup_table(_jobs["young_woman"])
JOBS_OLD_MAN = lookup_table(_jobs["old_man"])
JOBS_OLD_WOMAN = lookup_table(_jobs["old_woman"])
JOBS_CHINESE_MAN = lookup_table(_jobs["chinese_man"])
JOBS_CHINESE_WOMAN = lookup_table(_jobs["chinese_woman"])
# Jobs of men who are away at the plantation or across the border on work days.
AWAY_JOBS = frozenset(_jobs["away"])
QUALIFIED_JOBS = frozenset(_jobs["qualified"])

_education = load("education")
EDUCATION_BY_COHORT = tuple(  # (born before year, table)
    (cohort["born_before"], lookup_table(cohort["weights"]))
    for cohort in _education["by_cohort"]
)
EDUCATION_QUALIFIED = lookup_table(_education["qualified"])
# Schooling of a child by age in whole years (0–16).
CHILD_EDUCATION = tuple(
    level for level, years in _education["child_by_age"] for _ in range(years)
)

_contacts = load("contacts")
MOBILE_PREFIXES = tuple(_contacts["mobile_prefixes"])
RECORDED = lookup_table(_contacts["ektp_recorded"])
