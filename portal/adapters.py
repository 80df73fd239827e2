import re

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "该账号密码错误次数过多，已暂时锁定，请 15 分钟后再试。如忘记密码，请联系街道党工委的系统管理员重置。"
        ),
    }

    def is_open_for_signup(self, request):
        # Accounts are handed out by the street committee; nobody signs themselves up.
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        # One count of wrong passwords per account, whether its username or its phone number was typed
        # (portal.backends.PhoneBackend): otherwise each way of writing it would get its own five tries.
        login = re.sub(r"[\s\-]+", "", credentials.get("username") or "")
        if _MOBILE.match(login):
            username = get_user_model().objects.filter(phone=login).values_list("username", flat=True).first()
            if username:
                credentials = {**credentials, "username": username}
        return super()._get_login_attempts_cache_key(request, **credentials)
