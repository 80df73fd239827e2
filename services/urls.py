from django.urls import path

from services import activity_views, views

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
]
