"""Writes made in Django admin are audited like writes made anywhere else."""

from django.contrib import admin

from .audit import Actor, record


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records written only by actions: the admin shows them and nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            f"admin.{'changed' if change else 'created'}",
            actor=Actor.of_user(request.user),
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            fields=form.changed_data,
            request=request,
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            record(
                "admin.changed",
                actor=Actor.of_user(request.user),
                object_type=form.instance._meta.label_lower,
                object_id=form.instance.pk,
                fields=[formset.model._meta.model_name],
                request=request,
            )

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        record(
            "admin.deleted",
            actor=Actor.of_user(request.user),
            object_type=obj._meta.label_lower,
            object_id=pk,
            request=request,
        )
