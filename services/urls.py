from django.urls import path

from services import activity_views, views, visit_views

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
    # care visits, the visits falling due, households in need and pairings (services/visit_views.py)
    path("visits/", visit_views.visit_list, name="visits"),
    path("visits/new/", visit_views.visit_new, name="visit_new"),
    path("visits/member-search/", visit_views.member_search, name="visit_member_search"),
    path("visits/member-pick/", visit_views.member_pick, name="visit_member_pick"),
    path("visits/due/", visit_views.due_list, name="visits_due"),
    path("visits/due/<int:pk>/cancel/", visit_views.due_cancel, name="visit_due_cancel"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", visit_views.visit_edit, name="visit_edit"),
    path("households/", visit_views.household_list, name="households"),
    path("households/new/", visit_views.household_new, name="household_new"),
    path("households/<int:pk>/", visit_views.household_detail, name="household"),
    path("households/<int:pk>/edit/", visit_views.household_edit, name="household_edit"),
    path("pairings/", visit_views.pairing_list, name="pairings"),
    path("pairings/new/", visit_views.pairing_new, name="pairing_new"),
    path("pairings/helpers/", visit_views.helper_list, name="helpers"),
    path("pairings/<int:pk>/edit/", visit_views.pairing_edit, name="pairing_edit"),
    path("pairings/<int:pk>/end/", visit_views.pairing_end, name="pairing_end"),
]
