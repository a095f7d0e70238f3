"""NIK validation: structure, Excel damage, warnings, temporary village NIKs."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desa.residents.nik import (
    Issue,
    NikCheck,
    check_nik,
    is_temporary_nik,
    normalize_nik,
    temporary_nik,
)

TODAY = dt.date(2026, 11, 23)
VILLAGE = "61.01.12.2002"  # Desa Merubung, Kecamatan Tekarang, Kabupaten Sambas
FEMALE = "6101124503090001"  # born 05-03-2009 in 61.01.12, serial 0001
MALE = "6101121708850123"  # born 17-08-1985


def check(raw: object, **kw: object) -> NikCheck:
    kw.setdefault("today", TODAY)
    return check_nik(raw, **kw)  # type: ignore[arg-type]


def codes(issues: tuple[Issue, ...]) -> list[str]:
    return [issue.code for issue in issues]


def assert_verdict_is_well_formed(result: NikCheck) -> None:
    assert isinstance(result, NikCheck)
    assert result.ok == (not result.errors)
    for issue in result.errors + result.warnings:
        assert issue.code and issue.code == issue.code.lower()
        assert "NIK" in issue.message and issue.message.endswith(".")
        issue.message.encode("utf-8")  # no lone surrogates reach a page or a CSV
    if result.nik is not None:
        assert len(result.nik) == 16 and result.nik.isascii() and result.nik.isdigit()


# --- valid NIKs ------------------------------------------------------------------


def test_female_nik_gives_birth_date_and_sex():
    result = check(FEMALE)
    assert result.ok and result.errors == () and result.warnings == ()
    assert result.nik == FEMALE
    assert result.sex == "P"
    assert result.birth_date == dt.date(2009, 3, 5)
    assert result.temporary is False


def test_male_nik_gives_birth_date_and_sex():
    result = check(MALE)
    assert result.ok and result.warnings == ()
    assert (result.sex, result.birth_date) == ("L", dt.date(1985, 8, 17))


@pytest.mark.parametrize(
    "typed",
    [
        " 6101 1245 0309 0001 ",
        "6101.1245.0309.0001",
        "61.01.12.450309.0001",
        "6101-1245-0309-0001",
        "6101\u00a01245\t0309 0001\n",
        "\ufeff6101124503090001",
    ],
)
def test_spaces_dots_and_dashes_people_type_are_ignored(typed):
    assert normalize_nik(typed) == FEMALE
    result = check(typed)
    assert result.ok and result.nik == FEMALE and result.sex == "P"


def test_normalize_nik_never_raises():
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert normalize_nik(Hostile()) == ""
    assert normalize_nik(None) == "None"
    assert normalize_nik(12) == "12"
    assert check(Hostile()).errors[0].code == "format"


def test_a_two_digit_year_after_today_is_the_previous_century():
    assert check("6101121512260001").birth_date == dt.date(1926, 12, 15)
    assert check("6101122011260001").birth_date == dt.date(2026, 11, 20)


def test_the_entered_birth_date_supplies_the_century():
    result = check("6101121708250001", birth_date=dt.date(1925, 8, 17))
    assert result.ok and result.warnings == ()
    assert result.birth_date == dt.date(1925, 8, 17)


# --- hard errors -----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", " . - ", None])
def test_empty_is_required(raw):
    result = check(raw)
    assert not result.ok
    assert result.errors == (Issue("required", "NIK wajib diisi."),)


@pytest.mark.parametrize(
    ("raw", "count"),
    [("610112450309000", 15), ("61011245030900012", 17), ("6101 1245 0309", 12)],
)
def test_wrong_length_states_the_count(raw, count):
    result = check(raw)
    assert codes(result.errors) == ["format"]
    assert result.errors[0].message == f"NIK harus 16 angka; yang diisi {count} angka."
    assert result.nik is None


def test_letters_are_named_in_the_message():
    result = check("61011245O3090001")  # a letter O for a zero
    assert codes(result.errors) == ["format"]
    assert '"O"' in result.errors[0].message


@pytest.mark.parametrize(
    "raw",
    [
        "６１０１１２４５０３０９０００１",  # full-width
        "٦١٠١١٢٤٥٠٣٠٩٠٠٠١",  # Arabic-Indic
        "۶۱۰۱۱۲۴۵۰۳۰۹۰۰۰۱",  # extended Arabic-Indic (Persian)
        "610112450309000１",  # one full-width digit among ASCII ones
    ],
)
def test_non_ascii_digits_are_refused_with_their_own_message(raw):
    result = check(raw)
    assert codes(result.errors) == ["non_ascii_digits"]
    assert "bukan angka biasa" in result.errors[0].message
    assert result.nik is None


@pytest.mark.parametrize(
    "raw",
    [
        "6.10112E+15",
        "6,10112E+15",
        " 6.101124503E+15 ",
        "6101124503090001.0",
        "6101124503090000,00",
        "6,101,124,503,090,000",
        6101124503091000,
        6101124503090010.0,
        610112450309000.5,
        61011245030900011,
        6.10112e15,
    ],
)
def test_excel_mangled_numbers_are_refused_with_the_fix(raw):
    result = check(raw)
    assert codes(result.errors) == ["excel_mangled"]
    message = result.errors[0].message
    assert "Excel" in message and "Teks" in message and "KK" in message


@pytest.mark.parametrize("raw", [6101124503090001, 6101124503090001.0])
def test_a_number_cell_with_all_sixteen_digits_is_accepted(raw):
    # An XLSX written by a program stores the NIK as an exact number; the last
    # digit is not 0, so Excel's 15-digit limit cannot have cut it.
    result = check(raw)
    assert result.errors == ()
    assert result.nik == "6101124503090001"


def test_sixteen_digits_ending_in_000_are_excel_mangled():
    result = check("6101124503091000")
    assert codes(result.errors) == ["excel_mangled"]
    assert result.nik == "6101124503091000"


def test_province_99_is_unknown():
    result = check("9901124503090001")
    assert codes(result.errors) == ["province"]
    assert "99" in result.errors[0].message


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ("6100124503090001", "kabupaten/kota"),
        ("6101004503090001", "kecamatan"),
        ("6100004503090001", "kabupaten/kota dan kecamatan"),
    ],
)
def test_regency_or_district_00(raw, where):
    result = check(raw)
    assert codes(result.errors) == ["wilayah"]
    assert where in result.errors[0].message
    assert result.warnings == ()  # no "unknown district" noise on top


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("6101123102090001", "31-02-09"),  # 31 February
        ("6101127102090001", "31-02-09"),  # 31 February, a woman (71)
        ("6101122902230001", "29-02-23"),  # 2023 is not a leap year
        ("6101120003090001", "00"),
        ("6101124003090001", "40"),
        ("6101123203090001", "32"),
        ("6101127203090001", "72"),
        ("6101121500090001", "00"),  # month 00
        ("6101121513090001", "13"),  # month 13
    ],
)
def test_impossible_birth_date(raw, shown):
    result = check(raw)
    assert codes(result.errors) == ["birth_date"]
    assert shown in result.errors[0].message
    assert result.birth_date is None and result.sex is None


def test_serial_0000():
    result = check("6101124503090000")
    assert "serial" in codes(result.errors)
    assert not result.ok


def test_several_errors_are_all_reported():
    result = check("9900004013090001")
    assert codes(result.errors) == ["province", "wilayah", "birth_date"]


def test_overlong_input_is_a_format_error_without_work():
    result = check("6" * 1_000_000)
    assert codes(result.errors) == ["format"]
    assert "64" in result.errors[0].message


def test_lone_surrogates_do_not_reach_the_message():
    result = check("6101\ud800124503090001")
    assert codes(result.errors) == ["format"]
    assert "U+D800" in result.errors[0].message


# --- warnings --------------------------------------------------------------------


def test_district_unknown_in_current_data_is_a_warning():
    result = check("6101994503090001")  # 61.01.99 does not exist (any more)
    assert result.ok
    assert codes(result.warnings) == ["wilayah_unknown"]
    assert "61.01.99" in result.warnings[0].message


def test_birth_date_mismatch_is_a_warning():
    result = check(FEMALE, birth_date=dt.date(2009, 3, 6))
    assert result.ok
    assert codes(result.warnings) == ["birth_date_mismatch"]
    assert "05-03-09" in result.warnings[0].message
    assert "06-03-2009" in result.warnings[0].message
    assert result.birth_date == dt.date(2009, 3, 5)  # what the NIK says


def test_only_day_month_and_two_digit_year_are_compared():
    assert check(FEMALE, birth_date=dt.date(1909, 3, 5)).warnings == ()
    assert codes(check(FEMALE, birth_date=dt.date(2010, 3, 5)).warnings) == [
        "birth_date_mismatch"
    ]


def test_datetime_birth_date_is_accepted():
    assert check(FEMALE, birth_date=dt.datetime(2009, 3, 5, 12, 0)).warnings == ()


@pytest.mark.parametrize(
    ("nik", "entered"), [(FEMALE, "L"), (MALE, "P"), (MALE, " p ")]
)
def test_sex_mismatch_is_a_warning(nik, entered):
    result = check(nik, sex=entered)
    assert result.ok
    assert codes(result.warnings) == ["sex_mismatch"]


@pytest.mark.parametrize("entered", ["P", "p", None, "", "X"])
def test_matching_or_unusable_sex_gives_no_warning(entered):
    assert check(FEMALE, sex=entered).warnings == ()


def test_warnings_do_not_refuse_the_nik():
    result = check("6101994503090001", birth_date=dt.date(1990, 1, 1), sex="L")
    assert result.ok
    assert set(codes(result.warnings)) == {
        "wilayah_unknown",
        "birth_date_mismatch",
        "sex_mismatch",
    }


def test_errors_refuse_even_with_warnings():
    result = check("9901123102090001", birth_date=dt.date(1990, 1, 1))
    assert not result.ok


# --- temporary NIKs --------------------------------------------------------------


def test_temporary_nik_is_zero_village_code_sequence():
    assert temporary_nik(VILLAGE, 1) == "0610112200200001"
    assert temporary_nik("6101122002", 99_999) == "0610112200299999"


@pytest.mark.parametrize("sequence", [0, -1, 100_000, True])
def test_temporary_sequence_out_of_range(sequence):
    with pytest.raises(ValueError):
        temporary_nik(VILLAGE, sequence)


@pytest.mark.parametrize("code", ["61.01.12", "61011220021", "61.01.12.200x", ""])
def test_temporary_nik_needs_a_10_digit_village_code(code):
    with pytest.raises(ValueError):
        temporary_nik(code, 1)


@given(st.integers(min_value=1, max_value=99_999))
def test_temporary_nik_round_trip(sequence):
    nik = temporary_nik(VILLAGE, sequence)
    assert len(nik) == 16 and nik.isdigit()
    assert is_temporary_nik(nik)
    assert is_temporary_nik(nik, VILLAGE)
    assert is_temporary_nik(nik, "6101122002")
    assert not is_temporary_nik(nik, "61.01.12.2003")
    result = check_nik(nik, village_code=VILLAGE, birth_date=TODAY, sex="L")
    assert result.ok and result.temporary
    assert result.nik == nik
    assert (result.birth_date, result.sex, result.warnings) == (None, None, ())


def test_real_niks_are_not_temporary():
    assert not is_temporary_nik(FEMALE)
    assert not is_temporary_nik(FEMALE, VILLAGE)
    assert not is_temporary_nik("0610112200200000")  # sequence 00000
    assert check(FEMALE, village_code=VILLAGE).temporary is False


def test_temporary_nik_of_another_village_is_refused():
    result = check(temporary_nik("61.01.12.2003", 7), village_code=VILLAGE)
    assert codes(result.errors) == ["temporary_other_village"]
    assert "61.01.12.2003" in result.errors[0].message
    assert result.temporary is False


def test_temporary_nik_without_a_village_code_is_refused():
    result = check(temporary_nik(VILLAGE, 7))
    assert codes(result.errors) == ["temporary_other_village"]


def test_temporary_sequence_00000_is_refused():
    result = check("0610112200200000", village_code=VILLAGE)
    assert codes(result.errors) == ["serial"]


def test_other_zero_niks_have_an_unknown_province():
    result = check("0012124503090001", village_code=VILLAGE)
    assert "province" in codes(result.errors)


# --- properties ------------------------------------------------------------------


@given(st.text())
def test_any_text_gives_a_verdict(raw):
    assert_verdict_is_well_formed(check_nik(raw))


@given(
    st.from_regex(r"[0-9 .\-]{12,22}", fullmatch=True),
    st.one_of(st.none(), st.dates()),
    st.one_of(st.none(), st.sampled_from(["L", "P", "x"])),
    st.one_of(st.none(), st.text(max_size=16), st.just(VILLAGE)),
)
def test_any_digit_string_gives_a_verdict(raw, birth_date, sex, village_code):
    result = check_nik(
        raw, birth_date=birth_date, sex=sex, village_code=village_code, today=TODAY
    )
    assert_verdict_is_well_formed(result)


@given(st.one_of(st.integers(), st.floats(), st.none(), st.binary()))
def test_any_value_gives_a_verdict(raw):
    result = check_nik(raw)
    assert_verdict_is_well_formed(result)
    assert not result.ok


@given(
    st.dates(min_value=dt.date(1930, 1, 1), max_value=TODAY),
    st.sampled_from(["L", "P"]),
    st.integers(min_value=1, max_value=9999).filter(lambda n: n % 1000 != 0),
)
def test_women_have_forty_added_to_the_day(born, sex, serial):
    day = born.day + (40 if sex == "P" else 0)
    nik = f"610112{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    result = check_nik(nik, birth_date=born, sex=sex, today=TODAY)
    assert result.ok and result.warnings == ()
    assert result.sex == sex
    assert result.birth_date is not None
    assert (result.birth_date.day, result.birth_date.month) == (born.day, born.month)
    assert result.birth_date == born
