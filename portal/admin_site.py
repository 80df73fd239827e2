from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.registry import scopes


class PortalAdminSite(admin.AdminSite):
    """The admin, open to every account with a role (scoped per model admin), not only staff."""

    site_header = _("社区党建工作平台 · 管理后台")
    site_title = _("社区党建工作平台")
    index_title = _("数据管理")

    def has_permission(self, request):
        return request.user.is_active and scopes().has_any(request.user)

    def login(self, request, extra_context=None):
        # One login page for the whole portal: allauth's, with its rate limits.
        return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("account_login"))
