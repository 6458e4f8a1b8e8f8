from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Monitoring rules and alerts, sanctions screening, tier upgrades and dormancy."""

    name = "compliance"
    verbose_name = "Compliance"
