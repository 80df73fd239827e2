"""Resident ID numbers (GB 11643-1999) and phone numbers: normalise, validate, mask."""

import datetime
import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import numdb

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Area codes 010 and 02x have three digits, all others four.
LANDLINE_RE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})$")
LOCAL_RE = re.compile(r"^[2-9]\d{6,7}$")


def _half_width(value):
    # NFKC turns full-width digits, letters and the ideographic space into their ASCII forms.
    return unicodedata.normalize("NFKC", str(value or ""))


def normalize_id_number(value):
    """Upper-case X, half-width digits, no spaces: the one form stored and compared."""
    return re.sub(r"\s+", "", _half_width(value)).upper()


def id_check_char(first17):
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_birth_date(id_number):
    try:
        return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_gender(id_number):
    """'M' or 'F' from the 17th digit (odd for men)."""
    return "M" if int(id_number[16]) % 2 else "F"


def validate_id_number(value):
    """Raise a ValidationError in Chinese unless ``value`` is a valid, normalised ID number."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(_("身份证号应为18位，现为%(n)d位。") % {"n": len(number)}, code="id_length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号前17位应为数字，最后一位为数字或X。"), code="id_chars")
    if not region_existed(number[:6]):
        raise ValidationError(
            _("身份证号前6位（%(code)s）不是曾经存在过的行政区划代码，请核对号码。") % {"code": number[:6]},
            code="id_region",
        )
    birth = id_birth_date(number)
    if birth is None or birth > datetime.date.today() or birth.year < 1900:
        raise ValidationError(_("身份证号中的出生日期（第7–14位）不是有效日期。"), code="id_birth")
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("身份证号校验位错误：最后一位应为%(c)s，请核对号码。") % {"c": expected}, code="id_check"
        )
    return number


@functools.cache
def region_existed(code):
    """Whether ``code`` was ever an administrative division code. python-stdnum ships the history
    (codes abolished since, and those created after an old member's birth, are all fine)."""
    return code.isdigit() and any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def make_id_number(area, birth_date, sequence, gender):
    """A valid ID number; used by the demo data and the tests."""
    seq = (sequence * 2 + (1 if gender == "M" else 0)) % 1000  # the 17th digit is odd for men
    first17 = f"{area}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def normalize_phone(value):
    """Digits of a mobile number, or ``AREA-NUMBER`` for a landline; '' for blank."""
    digits = re.sub(r"[\s\-()（）]+", "", _half_width(value))
    match = LANDLINE_RE.match(digits)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    return digits


def validate_phone(value):
    phone = normalize_phone(value)
    if not phone:
        return phone
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone.replace("-", "")) or LOCAL_RE.match(phone):
        return phone
    raise ValidationError(_("电话号码格式不正确：手机号为1开头的11位数字，座机如 025-84561234。"), code="phone")


def mask_id_number(value):
    """``320102********123X``: the area code and the last four (for roles with the reveal right)."""
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:]


def mask_id_tail(value):
    """``**************123X``: the last four only (for roles without the reveal right)."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_phone(value):
    """``138****8000``: the first three and the last four digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * (len(value) - 4) + value[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def number_term(term):
    """The digits of a search term that looks like (part of) an ID number or phone, else ''.

    ``1234``, ``320102 1958``, ``123x``, ``025-8456`` are numbers; ``zwh`` and ``张卫华`` are not."""
    digits = re.sub(r"[\s\-]+", "", normalize_id_number(term))
    if digits.isascii() and (digits.isdigit() or (len(digits) > 1 and digits[:-1].isdigit() and digits[-1] == "X")):
        return digits
    return ""
