from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.params import EARLIEST_DAY, LATEST_DAY


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("用户名或手机号")
        login.widget.attrs.update({"placeholder": _("用户名或手机号"), "autocomplete": "username"})


class DateInput(forms.DateInput):
    """The browser's own date picker; its value must be ISO whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class QuickSelect(forms.Select):
    """A select rendered in Python rather than one template per option: a district's thousands of
    organizations render in milliseconds instead of most of a second."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label) for key, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)


class DryRun(Exception):
    """Raised to roll a trial run back."""


def errors_of_dry_run(action):
    """Run ``action`` in a savepoint that is always rolled back; return its ValidationError or None.

    Lets a form show the domain's own errors next to its fields before anything is written.
    """
    try:
        with transaction.atomic():
            action()
            raise DryRun
    except DryRun:
        return None
    except ValidationError as error:
        return error


def add_domain_errors(form, error, renames=None):
    """Put a domain ValidationError on the form: by field where the form has it, else on top. A
    field that already has an error keeps that one (it is what the user must fix first)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    renames = renames or {}
    for field, messages in error.message_dict.items():
        field = renames.get(field, field)
        if field not in form.errors:
            form.add_error(field if field in form.fields else None, messages)


class DomainErrorsOnFields:
    """A ModelForm whose model's clean() names fields the form edits under other names, or lacks:
    ``model_error_fields`` renames them and the rest go on top. Django's own ``_update_errors``
    raises ValueError (a server error) for a name the form has no field for."""

    model_error_fields = {}

    def _update_errors(self, errors):
        add_domain_errors(self, errors, self.model_error_fields)


class BoundedDates:
    """A form whose every date keeps to EARLIEST_DAY..LATEST_DAY: a far-off day is nobody's record,
    and arithmetic on it (a pairing's next visit, a period's end) runs past the year 9999."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            day = cleaned.get(name)
            if isinstance(field, forms.DateField) and day and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(
                    name,
                    _("请填写 %(first)s 至 %(last)s 之间的日期。")
                    % {"first": f"{EARLIEST_DAY:%Y-%m-%d}", "last": f"{LATEST_DAY:%Y-%m-%d}"},
                )
        return cleaned
