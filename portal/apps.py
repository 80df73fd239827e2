from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "账号与审计"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal.middleware import record_login

        user_logged_in.connect(record_login, dispatch_uid="portal.record_login")


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "portal.admin_site.PortalAdminSite"
