from django.urls import path

from services import activity_views, inservice_views, views

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
    # In-service members registered in their home community (双报到), the yearly target, the letters
    path("in-service/", inservice_views.registration_list, name="in_service"),
    path("in-service/new/", inservice_views.registration_new, name="in_service_new"),
    path("in-service/member-search/", inservice_views.member_search, name="in_service_member_search"),
    path("in-service/below-target/", inservice_views.below_target, name="in_service_below_target"),
    path("in-service/<int:pk>/", inservice_views.registration_detail, name="in_service_registration"),
    path("in-service/<int:pk>/edit/", inservice_views.registration_edit, name="in_service_edit"),
    path("in-service/<int:pk>/end/", inservice_views.registration_end, name="in_service_end"),
    path("in-service/<int:pk>/letter/", inservice_views.letter_new, name="in_service_letter_new"),
    path("in-service/targets/", inservice_views.target_list, name="in_service_targets"),
    path("in-service/targets/new/", inservice_views.target_new, name="in_service_target_new"),
    path("in-service/targets/<int:pk>/edit/", inservice_views.target_edit, name="in_service_target_edit"),
    path("in-service/letters/", inservice_views.letter_list, name="in_service_letters"),
    path("in-service/letters/<int:pk>/", inservice_views.letter_detail, name="in_service_letter"),
    path("in-service/letters/<int:pk>/print/", inservice_views.letter_print, name="in_service_letter_print"),
    path("in-service/letters/<int:pk>/letter.xlsx", inservice_views.letter_xlsx, name="in_service_letter_xlsx"),
]
