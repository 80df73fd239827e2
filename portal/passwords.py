from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterKindsValidator:
    """At least ``min_kinds`` of: capital letters, small letters, digits, other characters — the
    complexity rule of China's graded protection (等保) for systems holding personal data."""

    def __init__(self, min_kinds=3):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        kinds = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(kinds) < self.min_kinds:
            raise ValidationError(self._text(), code="password_too_simple")

    def get_help_text(self):
        return self._text()

    def _text(self):
        return ngettext(
            "密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 种。",
            "密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 种。",
            self.min_kinds,
        ) % {"n": self.min_kinds}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, saying it in Chinese (Django 5.2's reworded message has no Chinese translation yet)."""

    def get_error_message(self):
        return _("密码太短，至少包含 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return _("密码至少包含 %(min_length)d 个字符。") % {"min_length": self.min_length}
