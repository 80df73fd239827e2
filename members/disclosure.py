"""What a user may see of a member's ID number, birth date and phone: the one rule, applied here.

The rule (issue 10)
-------------------
Roles WITHOUT the reveal right on the member's organization (branch secretary, viewer; see
``Role.can_reveal_id``) see, on every page, print view, export, search result, admin page and
message:

- the ID number as its last four characters only: ``**************123X``;
- the birth date as year and month only: ``1958年3月`` on pages, ``1958-03`` in files; the age is
  counted from the first of the birth month, so that it does not move on the birthday;
- the phone as its first three and last four digits: ``138****8000``; an edit form shows it so and
  keeps the stored number unless a new one is typed;
- search by ID number or phone matches a complete number only, never its last digits.

Roles WITH the right (street staff, community secretary, superuser) see:

- the ID number masked as ``320102********123X``; the full number only through an audited reveal:
  the reveal button, the edit form's "修改身份证号", the print view and the xlsx exports (each
  audited as a reveal or an export);
- the full birth date and phone; search also by the last digits of either.

For everyone: every search whose term is a number (digits) is audited with the term masked and
the count found; a message about a duplicate ID number names the other record only when it lies
in the user's scope.

Why the last four only: an ID number is area code (6) + birth date (8) + sequence and check
character (4). Every page shows the birth year and month; with the area code shown as well only
the day would be left, about 31 candidates of which the check character keeps one in eleven.
Even so, an area code can be guessed (most members of a street share it): year, month and last
four then leave about three candidates, sometimes one; the complete-number search that would tell
them apart is audited, which is why every number search is.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from members.roster import parse_date, text
from organizations.access import can_reveal_id, covers, organizations_for, scope_paths
from portal.identity import mask_id_number, mask_id_tail, mask_phone, normalize_phone, number_term
from portal.models import AuditEntry

# A full date in text (1958-03-02, 1958.3.2, 1958/03/02, 1958年3月2日): reduced to year and month.
DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})([-./年])(\d{1,2})[-./月](\d{1,2})日?(?!\d)")
ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@dataclass(frozen=True)
class Shown:
    """A member's ID number, birth date, phone and age as one user may see them."""

    full: bool  # the user has the reveal right on the member's organization
    id_number: str
    birth_date: str  # for pages: 1958年3月2日, or 1958年3月
    birth_cell: object  # for files: the date, or "1958-03"
    birth_month: str  # 1958年3月, for everyone (rosters print the month)
    phone: str
    age: int


def may_see_full(user, member):
    """The reveal right on the member's organization; ``user`` None is the operator at the command
    line (``export_roster``), who holds the database anyway."""
    return user is None or can_reveal_id(user, member.organization)


def disclose(member, user, reveal_id=False):
    """``member`` as ``user`` may see it; ``reveal_id``: the caller has audited a reveal."""
    return disclose_as(member, may_see_full(user, member), reveal_id)


def disclose_as(member, full, reveal_id=False):
    """``member`` as seen with (``full``) or without the reveal right."""
    birth = member.birth_date
    month = f"{birth.year}年{birth.month}月"
    if full:
        id_number = member.id_number if reveal_id else mask_id_number(member.id_number)
        day = f"{month}{birth.day}日"
        return Shown(True, id_number, day, birth, month, member.phone, member.age)
    today = datetime.date.today()
    return Shown(
        False,
        mask_id_tail(member.id_number),
        month,
        f"{birth:%Y-%m}",
        month,
        mask_phone(member.phone),
        today.year - birth.year - (today.month < birth.month),
    )


def attach_shown(members, user):
    """Give each member a ``shown`` (a list page's rows)."""
    for member in members:
        member.shown = disclose(member, user)
    return members


def blur_numbers(words):
    """``words`` with any ID number or mobile number in them masked as for a role without the right."""
    words = ID_IN_TEXT.sub(lambda m: mask_id_tail(m.group(0)), words)
    return MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), words)


def blur(words):
    """``words`` with numbers masked and every full date reduced to year and month."""
    return DATE_IN_TEXT.sub(_year_and_month, blur_numbers(words))


def _year_and_month(match):
    year, separator, month = match.group(1, 2, 3)
    return f"{year}{separator}{month}{'月' if separator == '年' else ''}"


def duplicate_message(other, user):
    """The message for an ID number already on the register as ``other``."""
    if user is not None and covers(user, other.organization):
        return _("该身份证号已登记在册：%(name)s（%(org)s）。") % {"name": other.name, "org": other.organization}
    return _("该身份证号已在其他社区登记，请联系街道党工委")


def finds_tails(user):
    """Whether ``user`` may search by the last digits of a number anywhere (the search box's hint)."""
    return scope_paths(user, reveal=True) != []


def tails_scope(user):
    """Organizations whose members ``user`` may find by the last digits of a number."""
    return organizations_for(user, reveal=True)


def search(members, term, user):
    """``members`` matching ``term`` under the rule (tails only where the user may see numbers)."""
    return members.search(term, tails_in=tails_scope(user))


def audit_number_search(actor, term, found, where):
    """Audit a search by number (``found``: a count or a queryset); names and pinyin are not audited."""
    number = number_term(term or "")
    if not number:
        return
    count = found if isinstance(found, int) else found.count()
    masked = mask_id_tail(number)
    AuditEntry.record(
        actor,
        AuditEntry.Action.SEARCH,
        summary=f"{where}按号码查询：{masked}（找到{count}名）",
        changes={"term": masked, "found": count, "where": where},
    )


def file_cells(headers, cells, user, organization):
    """Roster cells (an import's rejected row) as ``user`` may see them: for a role without the reveal
    right on ``organization``, the ID number, phone and birth date columns masked, and any ID number
    or mobile number typed into another column as well."""
    if user is None or can_reveal_id(user, organization):
        return list(cells)
    headers = list(headers) + [""] * (len(cells) - len(headers))
    return [_file_cell(header, cell) for header, cell in zip(headers, cells, strict=False)]


def _file_cell(header, cell):
    if cell is None or cell == "":
        return cell
    if header == "身份证号":
        return mask_id_tail(text(cell))
    if header == "联系电话":
        return mask_phone(normalize_phone(text(cell)))
    if header == "出生日期":
        day = parse_date(cell)
        return f"{day:%Y-%m}" if day else blur(text(cell))
    if not isinstance(cell, (str, int, float)):
        return cell
    blurred = blur_numbers(text(cell))
    return cell if blurred == text(cell) else blurred


def rejected_row(entry, headers, user, organization):
    """An import's rejected row for download, ``[row number, problems, *cells]``, as ``user`` may see it."""
    problems = "；".join(f"{column}：{reason}" for column, reason in entry["problems"])
    cells = file_cells(headers, entry["cells"], user, organization)
    return [entry["row"], file_text(problems, user, organization), *cells]


def file_text(message, user, organization):
    """A message about a roster row (it may quote a birth date or a number) as ``user`` may see it."""
    if user is None or can_reveal_id(user, organization):
        return message
    return blur(message)
