import datetime

import pytest
from django.core.exceptions import ValidationError

from portal.identity import (
    id_birth_date,
    id_gender,
    make_id_number,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)

VALID = "11010519491231002X"  # the standard's own example


def test_it_accepts_the_standard_example():
    assert validate_id_number(VALID) == VALID
    assert id_birth_date(VALID) == datetime.date(1949, 12, 31)
    assert id_gender(VALID) == "F"


def test_it_normalises_spaces_full_width_digits_and_lower_case_x():
    typed = " １１０１０５ 19491231 002x "
    assert normalize_id_number(typed) == VALID
    assert validate_id_number(typed) == VALID


def test_it_rejects_a_wrong_check_digit_in_chinese():
    with pytest.raises(ValidationError) as error:
        validate_id_number("110105194912310021")
    assert "校验位错误" in error.value.messages[0]
    assert "X" in error.value.messages[0]


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("1101051949123100", "18位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100AX", "前17位"),
    ],
)
def test_it_rejects_malformed_numbers(value, fragment):
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert fragment in error.value.messages[0]


def test_made_numbers_are_valid_and_carry_birth_and_gender():
    number = make_id_number("320102", datetime.date(1980, 2, 29), 7, "F")
    assert validate_id_number(number) == number
    assert id_gender(number) == "F"
    assert id_birth_date(number) == datetime.date(1980, 2, 29)


def test_masks_keep_only_what_lists_show():
    assert mask_id_number("32010219800101123X") == "320102********123X"
    assert mask_phone("13812348000") == "138****8000"
    assert mask_phone("025-84561234") == "025*****1234"
    assert mask_id_number("") == mask_phone("") == ""


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("138 1234 8000", "13812348000"),
        ("138-1234-8000", "13812348000"),
        ("025 84561234", "025-84561234"),
        ("0595-2288 1234", "0595-22881234"),
        ("", ""),
    ],
)
def test_phones_are_normalised(typed, stored):
    assert normalize_phone(typed) == stored
    assert validate_phone(typed) == stored


def test_a_bad_phone_is_refused_in_chinese():
    with pytest.raises(ValidationError) as error:
        validate_phone("12345")
    assert "电话号码格式不正确" in error.value.messages[0]
