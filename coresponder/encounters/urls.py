app_name = "encounters"

urlpatterns = [
    # -- field view (on scene) --
    # -- response plans --
]
