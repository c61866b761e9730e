from django.urls import path

from . import self_views, views

app_name = "volunteers"
urlpatterns = [
    path("", views.index, name="index"),
    path("open-data.json", views.open_data, name="open-data"),
    path("roster/", views.roster, name="roster"),
    path("roster.xlsx", views.roster_xlsx, name="roster-xlsx"),
    path("hours/", views.hours, name="hours"),
    path("volunteers/<int:volunteer_pk>/certificate/", views.issue_certificate, name="issue-certificate"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
    # Volunteers' own pages: the token in the address is their proof (see volunteers.self_views).
    path("join/", self_views.join, name="join"),
    path("me/<str:token>/", self_views.personal_page, name="me"),
    path("me/<str:token>/certificates/<str:number>/", self_views.my_certificate, name="my-certificate"),
    path("checkin/<str:code>/", self_views.check_in, name="check-in"),
    path("volunteers/<int:volunteer_pk>/link/", self_views.personal_link, name="personal-link"),
    path("posts/<int:post_pk>/check-in-sign/", self_views.check_in_sign, name="check-in-sign"),
    path("roster/confirm/<int:assignment_pk>/", self_views.confirm_attendance, name="confirm-attendance"),
]
