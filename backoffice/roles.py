"""The back-office roles as data: which Django permissions each staff group holds.

Each role is a Django group of the same name. The groups are created by a migration and their
permissions are set from this module after every `migrate` and by `manage.py sync_roles`
(`backoffice.sync`), so this file is the one place to read or change who may do what: a
permission added to a group by hand in the admin is taken away at the next sync.

Least privilege, model by model:

- Support (customer care): customers and their wallets, transactions and holds read-only;
  unlocking a PIN, and resetting one after an ID check; customers' reversal requests (reject,
  or ask for a forced reversal, which someone else approves); SMS and USSD sessions
  read-only; merchants, their numbers and settlements read-only, customers' mandates (cancel
  one) and merchants' webhooks (replay one). Never compliance alerts or the audit log (an
  alert must not reach anyone who talks to the customer: no tipping off).
- Agent operations: the agent network (aggregators, agents, stores, assistants, documents,
  devices), issuing float to aggregators (the aggregator admin's action, which its "change"
  permission grants), drawers and cash counts read-only, commission tables read-only,
  agents' flags; onboarding merchants (details, tills and pay-bills, KYB verification,
  partner credentials), their mandates and webhooks read-only; suspending, reactivating or
  closing an agent or a merchant (maker-checker, asked and approved within the team as for
  agents: the approvals app refuses the maker approving their own).
- Finance: operators and their requests and callbacks read-only, reconciliations, breaks
  (propose and approve: the database refuses the same person doing both), trust bank
  balances, safeguarding checks, fee and commission statements, the dashboard and exports,
  merchants and their settlements read-only.
- Compliance: alerts, rules, sanctions lists, tier upgrades and their documents, dormancy
  and reactivation, wallet freezes (maker-checker), agents' KYC documents, the audit log;
  merchants, their mandates and settlements read-only.
- Superusers (Django's `is_superuser`) hold every permission; they are not a group.

What nobody holds: add, change or delete of the ledger (`LEDGER_MODELS`). Balances and
postings change only through `wallets.services`; `backoffice.sync` refuses a role that would
grant such a permission. Nobody but superusers deletes anything either: records with a
history are closed, not deleted. Operator connections (URLs to which credentials are sent)
and the tariffs and limits in force are changed by superusers or through maker-checker.

Permissions are named "app_label.codename". Some belong to apps still being built
(`compliance`, `approvals`); a permission that does not exist (yet) is skipped with a warning
by the sync, never an error, so the roles can name them ahead of the models.
"""

from __future__ import annotations

from dataclasses import dataclass

# Ledger rows: shown, never added, changed or deleted by a person.
LEDGER_MODELS = ("wallets.account", "wallets.transaction", "wallets.posting",
                 "wallets.housebalance", "wallets.hold")  # fmt: skip
LEDGER_WRITES = ("add", "change", "delete")

# Permissions this project needs that no model declares yet: "app.codename" -> (model, name).
# The sync creates them on that model's content type (as Django's docs show for custom
# permissions), so a role can hold them before the owning app declares them in its Meta.
EXTRA_PERMISSIONS = {
    "wallets.unlock_pin": ("customer", "Can unlock a customer's PIN"),
    "wallets.reset_pin": ("customer", "Can reset a customer's PIN after an ID check"),
    "merchants.verify_kyb": ("merchant", "Can verify a merchant's KYB and activate it"),
}


@dataclass(frozen=True)
class Role:
    group: str
    summary: str
    permissions: frozenset[str]


def view(app: str, *models: str) -> set[str]:
    """Read-only: the list and the detail pages."""
    return {f"{app}.view_{model}" for model in models}


def edit(app: str, *models: str) -> set[str]:
    """Read, add and change (never delete: a record with a history is closed instead)."""
    return {f"{app}.{action}_{model}" for model in models for action in ("view", "add", "change")}


def decide(app: str, *models: str) -> set[str]:
    """Read, and the "change" that the admin's decision actions (approve, review, revoke,
    propose) require; these models' admins offer no other change."""
    return {f"{app}.{action}_{model}" for model in models for action in ("view", "change")}


def grant(app: str, *codenames: str) -> set[str]:
    return {f"{app}.{codename}" for codename in codenames}


def maker_checker(*kinds: str, approve: bool = True) -> set[str]:
    """Change requests (approvals.ChangeRequest) of the given kinds: ask, and approve those
    asked by someone else (the approvals app refuses a maker approving their own). Seeing
    every kind of request (`approvals.view_changerequest`) is not included: a freeze request
    tells of an investigation, which customer-facing staff must not learn."""
    actions = ("request", "approve") if approve else ("request",)
    return {f"approvals.{action}_{kind}" for kind in kinds for action in actions}


LEDGER_READ = view("wallets", "account", "transaction", "posting", "hold")

SUPPORT = Role(
    group="Support",
    summary="Customer care: customers and wallets (read-only), PIN unlock, reversal requests, "
    "SMS and USSD sessions (read-only).",
    permissions=frozenset(
        view("wallets", "customer", "paymentrequest", "tariff", "tariffband")
        | LEDGER_READ
        | grant("wallets", "unlock_pin", "reset_pin")
        | decide("wallets", "reversalrequest")
        | view("sms", "smsmessage", "deliveryreport", "inboundsms")
        | view("ussd", "ussdsession", "ussdsessionend", "airtimerequest")
        | view("agents", "withdrawalcode", "registration")
        | maker_checker("forced_reversal", approve=False)
        | view("merchants", "merchant", "paymentpoint", "settlement")
        | decide("merchants", "mandate", "webhookdelivery")  # cancel a mandate, replay a webhook
    ),
)

AGENT_OPERATIONS = Role(
    group="Agent operations",
    summary="The agent network: aggregators, agents, stores, assistants, devices, float and "
    "cash drawers, commission tables (read-only), agents' flags.",
    permissions=frozenset(
        edit("agents", "aggregator", "agent", "store", "assistant", "agentdocument")
        | decide("agents", "agentdevice", "flag")
        | view("agents", "cashdrawer", "cashdrawerentry", "cashcount", "registration")
        | view("agents", "commissiontable", "commissionband", "commissionstatement")
        | LEDGER_READ
        | maker_checker("agent_status", "merchant_status")
        | edit("merchants", "merchant", "paymentpoint", "partnercredential")
        | grant("merchants", "verify_kyb")
        | view("merchants", "mandate", "webhookdelivery", "settlement")
    ),
)

FINANCE = Role(
    group="Finance",
    summary="Money in and out: operators (read-only), reconciliations and breaks, trust bank "
    "balances, safeguarding, fee and commission statements, reports and exports.",
    permissions=frozenset(
        view("operators", "operator", "operatorrequest", "operatorcallback")
        | view("operators", "reconciliation", "safeguardingcheck")
        | decide("operators", "break")
        | edit("operators", "trustbankbalance")
        | LEDGER_READ
        | view("wallets", "tariff", "tariffband", "tierlimit", "reversalrequest")
        | view("agents", "aggregator", "agent", "commissiontable", "commissionband")
        | view("agents", "commissionstatement")
        | grant("backoffice", "view_reports", "export_reports")
        | view("audit", "auditrecord")
        | view("approvals", "changerequest")
        | maker_checker("adjustment", "forced_reversal", "tariff", "break_resolution")
        | view("merchants", "merchant", "paymentpoint", "settlement")
    ),
)

COMPLIANCE = Role(
    group="Compliance",
    summary="AML/CFT: alerts, rules, sanctions lists, tier upgrades, freezes (maker-checker), "
    "agents' KYC documents, the audit log.",
    permissions=frozenset(
        decide("compliance", "alert")
        | grant("compliance", "request_freeze")
        | edit("compliance", "rule", "tierupgrade", "upgradedocument")
        | grant("compliance", "clear_sanctions_match")
        | view("compliance", "sanctionsload", "sanctionsentry", "dormancynotice")
        | grant("compliance", "add_sanctionsload", "request_reactivation")
        | view("wallets", "customer", "reversalrequest", "tierlimit")
        | LEDGER_READ
        | view("agents", "aggregator", "agent", "store", "assistant", "flag", "registration")
        | decide("agents", "agentdocument")
        | view("sms", "smsmessage", "inboundsms")
        | view("ussd", "ussdsession")
        | view("audit", "auditrecord")
        | view("approvals", "changerequest")
        | maker_checker("kyc_tier", "freeze", "unfreeze", "tier_limit")
        | view("merchants", "merchant", "paymentpoint", "mandate", "settlement")
    ),
)

ROLES: tuple[Role, ...] = (SUPPORT, AGENT_OPERATIONS, FINANCE, COMPLIANCE)


def forbidden(permission: str) -> bool:
    """Whether `permission` would let a person edit the ledger (no role may hold it)."""
    app, _, codename = permission.partition(".")
    action, _, model = codename.partition("_")
    return action in LEDGER_WRITES and f"{app}.{model}" in LEDGER_MODELS
