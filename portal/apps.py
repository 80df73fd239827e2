from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "账号与审计"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal.middleware import record_login

        user_logged_in.connect(record_login, dispatch_uid="portal.record_login")
        # Each app plugs its parts into portal.registry from its own portal_parts module.
        autodiscover_modules("portal_parts")


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "portal.admin_site.PortalAdminSite"
