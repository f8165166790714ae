from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("", views.board, name="board"),
    path("live/", views.board_live, name="board_live"),
    path("calls/<uuid:call_id>/send/<int:team_id>/", views.send, name="send"),
    path("teams/<int:team_id>/status/", views.move, name="move"),
    path("teams/<int:team_id>/undo/", views.undo, name="undo"),
    path("field/", views.field, name="field"),
    path("field/live/", views.field_live, name="field_live"),
]
