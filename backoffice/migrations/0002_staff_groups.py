"""The four staff groups. Their permissions are set after every migrate from
backoffice/roles.py (backoffice.sync): other apps' permissions exist only after their own
migrations, and the roles change more often than a migration should be written."""

from django.db import migrations

GROUPS = ["Support", "Agent operations", "Finance", "Compliance"]


def create_groups(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name in GROUPS:
        group_model.objects.using(schema_editor.connection.alias).get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("backoffice", "0001_initial"),
    ]

    # Going back keeps the groups: deleting them would silently drop staff memberships.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
