from django.urls import path

from services import activity_views, unit_views, views

app_name = "services"
urlpatterns = [
    path("activities/", activity_views.activity_list, name="activities"),
    path("activities/new/", activity_views.activity_new, name="activity_new"),
    path("activities/member-search/", activity_views.member_search, name="member_search"),
    path("activities/participant-row/", activity_views.participant_row, name="participant_row"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", activity_views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/participants/", activity_views.activity_participants, name="activity_participants"),
    path("activities/<int:pk>/sign-in-sheet/", activity_views.sign_in_sheet, name="sign_in_sheet"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/join/", views.team_join, name="team_join"),
    path("teams/<int:pk>/members/<int:membership_pk>/leave/", views.team_leave, name="team_leave"),
    # Resident units, co-building agreements and the services' ledgers (services/unit_views.py).
    path("units/", unit_views.unit_list, name="units"),
    path("units/new/", unit_views.unit_new, name="unit_new"),
    path("units/<int:pk>/", unit_views.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", unit_views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/agreements/new/", unit_views.agreement_new, name="agreement_new"),
    path("agreements/", unit_views.agreement_list, name="agreements"),
    path("agreements/<int:pk>/", unit_views.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", unit_views.agreement_edit, name="agreement_edit"),
    path("ledgers/", unit_views.ledgers, name="ledgers"),
    path("ledgers/<slug:kind>.xlsx", unit_views.ledger_download, name="ledger"),
]
