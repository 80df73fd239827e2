from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.identity import MOBILE_RE, normalize_phone


class PhoneBackend(ModelBackend):
    """Lets a user type their mobile number where the login form asks for the username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        phone = normalize_phone(username or "")
        if not MOBILE_RE.match(phone) or password is None:
            return None
        user = get_user_model().objects.filter(phone=phone).first()
        if user is None:
            get_user_model()().set_password(password)  # same work as a hit: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
