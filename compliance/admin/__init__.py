"""The compliance back office: rules, the alert queue, sanctions loads, tier upgrades and
dormancy. Every write goes through the compliance services."""

from compliance.admin import alerts, dormancy, rules, sanctions, upgrades

__all__ = ["alerts", "dormancy", "rules", "sanctions", "upgrades"]
