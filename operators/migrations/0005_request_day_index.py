"""An index for reconciliation: an operator's requests of one day.

Reconciliation reads a day's requests (operator, created_at range); without this index that
read scans every request ever made, which grows by up to a million rows a day. Built
CONCURRENTLY, so that a large table keeps taking requests while it builds (hence
atomic = False); the model declares it (OperatorRequest.Meta.indexes).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("operators", "0004_request_escalation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="operatorrequest",
                    index=models.Index(
                        fields=["operator", "created_at"], name="operator_request_day"
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=(
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS operator_request_day"
                        " ON operators_operatorrequest (operator_id, created_at)"
                    ),
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS operator_request_day",
                ),
            ],
        ),
    ]
