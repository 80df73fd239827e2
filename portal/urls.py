from django.contrib import admin
from django.urls import include, path

from portal import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("members/", include("members.urls")),
    path("organizations/", include("organizations.urls")),
    path("services/", include("services.urls")),
    path("councils/", include("councils.urls")),
    # 社区议事园: the council's public consultation pages, for residents without an account.
    path("yishi/", include("councils.public_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("session/remaining/", views.session_remaining, name="session_remaining"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler429 = "portal.views.too_many_requests"  # allauth's rate limits
handler500 = "portal.views.server_error"
