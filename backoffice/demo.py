"""Demo back-office staff for `make run`: one login per staff group (`seed_demo` calls `seed`).

The demo superuser (wallets.demo) sees everything; these show what each group sees. Like the
rest of the demo, the passwords are public and a user that exists keeps its password.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from backoffice import roles

# username -> the group it belongs to; the password is "<username>-demo-2468".
STAFF = {
    "support": roles.SUPPORT.group,
    "agentops": roles.AGENT_OPERATIONS.group,
    "finance": roles.FINANCE.group,
    "compliance": roles.COMPLIANCE.group,
}


def password(username: str) -> str:
    return f"{username}-demo-2468"


def seed() -> list[str]:
    """Create the demo staff if missing and put each in its group; the lines to print."""
    users = get_user_model()
    lines = ["Back-office staff (/admin/), one per group:"]
    for username, group_name in STAFF.items():
        user = users.objects.filter(username=username).first()
        login = f"{username} / {password(username)}"
        if user is None:
            user = users.objects.create_user(
                username, f"{username}@example.com", password(username), is_staff=True
            )
        else:
            login += " (existing user: password unchanged)"
        group, _ = Group.objects.get_or_create(name=group_name)  # migrate creates it
        user.groups.add(group)
        lines.append(f"  {login:<36} {group_name}")
    return lines
