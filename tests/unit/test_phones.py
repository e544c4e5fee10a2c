"""Phone numbers as national digits: one customer, however their number is written."""

import pytest

from models.phones import looks_like_phone, normalize


@pytest.mark.parametrize(
    "written",
    [
        "+86 138-0013-8000",
        "13800138000",
        "138 0013 8000",
        "+8613800138000",
        "008613800138000",
        "8613800138000",
        "+86 (138) 0013.8000",
        "  138-0013-8000  ",
        "１３８００１３８０００",  # full-width, from a Chinese input method
    ],
)
def test_a_mobile_number_written_any_way_is_its_eleven_digits(written):
    assert normalize(written) == "13800138000"


@pytest.mark.parametrize("written", ["021 6888 1234", "021-68881234", "+86 21 6888 1234", "+86 (0)21 6888-1234"])
def test_a_landline_loses_the_country_code_and_the_trunk_zero(written):
    assert normalize(written) == "2168881234"


@pytest.mark.parametrize("written", ["+1 415 555 0100", "001 415-555-0100"])
def test_another_countrys_number_keeps_its_code(written):
    assert normalize(written) == "14155550100"


def test_86_without_a_plus_stays_unless_it_prefixes_a_mobile_number():
    assert normalize("86123456") == "86123456"  # a local number that begins with 86
    assert normalize("8613800138000") == "13800138000"


def test_a_text_without_digits_has_none():
    assert normalize("") == normalize("+") == normalize("Wang") == ""


@pytest.mark.parametrize("text", ["13800138000", "+86 138-0013-8000", "(021) 6888.1234", "12345"])
def test_a_number_as_people_write_it_looks_like_a_phone(text):
    assert looks_like_phone(text)


@pytest.mark.parametrize("text", ["Wang Fang", "SN-12345", "138 0013 800O", "", "+", "1+2"])
def test_names_serial_numbers_and_signs_alone_do_not(text):
    assert not looks_like_phone(text)
