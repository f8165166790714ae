from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/assign/", views.assign, name="assign"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/take/", views.take, name="take"),
    path("<uuid:case_id>/contacts/", views.log_contact, name="log_contact"),
    path("<uuid:case_id>/tasks/", views.add_task, name="add_task"),
    path("<uuid:case_id>/tasks/<uuid:task_id>/done/", views.complete_task, name="complete_task"),
    path("<uuid:case_id>/goals/", views.set_goal, name="add_goal"),
    path("<uuid:case_id>/goals/<int:goal_id>/", views.set_goal, name="update_goal"),
    path("<uuid:case_id>/status/", views.change_status, name="status"),
    path("<uuid:case_id>/flags/clear/", views.clear_flag, name="clear_flag"),
    path("<uuid:case_id>/safety-plan/", views.revise_safety_plan, name="safety_plan"),
    path("<uuid:case_id>/safety-plan/print/", views.print_safety_plan, name="safety_plan_print"),
]
