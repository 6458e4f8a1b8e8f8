"""The menu engine shared by USSD (and later SMS): screens are data, actions are code.

A hop brings the whole input so far (`1*0712345678*500`); only the tokens after the ones
already consumed are applied, so a shortcut dial (`*384*1*0712345678#`) works, and a hop
whose `text` equals the last one is a retry that gets the stored reply with no side effect.
`0` goes back, `00` goes home, `98` shows the next page of a long screen. Bad input never
ends the session: the same screen comes back with a short notice above it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

BACK, HOME, MORE = "0", "00", "98"
MAX_TOKEN = 40  # Safaricom lets a user type 80 characters; nothing we ask for needs 40


class InputError(Exception):
    """A token that does not fit the screen; the message is shown above the screen again."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))


@dataclass(frozen=True)
class Goto:
    """Continue at `screen` (after the current one, unless `push` is False)."""

    screen: str
    notice: str = ""
    push: bool = True


@dataclass(frozen=True)
class End:
    """Close the session with `text`. A `secret` text (it shows a one-time code) is shown once:
    the session keeps it with the code masked, and SMS never carries it."""

    text: str
    secret: bool = False


def stay(notice: str) -> Goto:
    """Show the current screen again with `notice` above it."""
    return Goto("", notice, push=False)


Outcome = Goto | End
Action = Callable[["Context", str], Outcome]


@dataclass(frozen=True)
class Screen:
    """One screen. `text` is a translatable template filled from the session's values.

    A menu screen has `options` (token -> screen). An input screen has `then`: a screen to go
    to, after `parse` turned the token into the value saved as `save_as`, or an action that
    receives the token and decides. A `secret` token (a PIN) only ever reaches the action.
    """

    text: str | Promise
    options: dict[str, str | Action] = field(default_factory=dict)
    then: str | Action | None = None
    save_as: str = ""
    parse: Callable[[Context, str], Any] | None = None
    secret: bool = False


@dataclass
class Context:
    """What an action may read and change: the session's values and who is dialling.

    `profile` holds facts about the customer for the screens (their first name); unlike
    `values`, going home does not clear them.
    """

    phone: str
    session_key: str
    values: dict[str, Any]
    customer: Any = None
    assistant: Any = None  # in the agent menu: the agent's assistant dialling
    hop: int = 0
    profile: dict[str, Any] = field(default_factory=dict)

    def idempotency_key(self, step: str) -> str:
        """The same key for a retried hop, a new one for each new input."""
        return f"ussd:{self.session_key}:{self.hop}:{step}"


@dataclass
class State:
    screen: str
    stack: list[str]
    values: dict[str, Any]
    consumed: int = 0
    page: int = 0
    secret_end: bool = False


def text_digest(session_key: str, text: str) -> str:
    """A keyed digest of the input so far: enough to spot a retry, useless to read a PIN."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{session_key}\n{text}".encode(), hashlib.sha256).hexdigest()


def screen_room() -> int:
    """Characters a reply may use after its `CON ` or `END ` prefix."""
    return settings.USSD_SCREEN_LIMIT - len("CON ")


# A token of exactly four digits (a PIN) or six (a one-time withdrawal code), with the spaces
# around it, bounded by `*` (USSD), whitespace (SMS) or the ends.
PIN_LIKE = re.compile(r"(?<![^\s*])\s*\d{4}(?:\d{2})?\s*(?![^\s*])")
CODE_LIKE = re.compile(r"\b\d{6}\b")


def redact_pins(text: str) -> str:
    """Mask every four- or six-digit token of user input (PINs, withdrawal codes; an amount
    of that shape too) before storing it anywhere: end-of-session reports, inbound SMS."""
    return PIN_LIKE.sub("****", text)


def mask_codes(text: str) -> str:
    """Mask six-digit numbers (one-time codes) in a reply before it is stored."""
    return CODE_LIKE.sub("******", text)


def split_tokens(text: str) -> list[str]:
    return text.split("*") if text else []


class Engine:
    def __init__(self, menu: dict[str, Screen], home: str) -> None:
        self.menu = menu
        self.home = home

    def apply(self, state: State, context: Context, tokens: list[str]) -> tuple[str, bool]:
        """Apply the new tokens; return the reply text and whether the session ends."""
        notice = ""
        # Fewer tokens than consumed is a late retry of an older hop: show the current screen
        # and keep the count, or the next hop would apply tokens already applied.
        for index in range(state.consumed, len(tokens)):
            context.hop = index + 1
            outcome = self.step(state, context, tokens[index].strip())
            state.consumed = index + 1
            if isinstance(outcome, End):
                state.secret_end = outcome.secret
                return outcome.text, True
            notice = outcome.notice
        return self.render(state, context, notice), False

    def step(self, state: State, context: Context, token: str) -> Goto | End:
        screen = self.menu[state.screen]
        if token == HOME:
            state.screen, state.stack, state.page = self.home, [], 0
            state.values.clear()
            return Goto(self.home)
        if token == BACK and (state.stack or state.page):
            if state.page:
                state.page -= 1
            else:
                state.screen = state.stack.pop()
            return Goto(state.screen)
        if token == MORE and self._has_more_pages(state, context):
            state.page += 1
            return Goto(state.screen)
        if not token and screen.options:
            return Goto(state.screen, _("Please choose one of the options."), push=False)
        if not token:
            return Goto(state.screen, _("Nothing was entered. Try again."), push=False)
        if len(token) > MAX_TOKEN:
            return Goto(state.screen, _("That is too long. Try again."), push=False)
        if screen.options:
            target = screen.options.get(token)
            if target is None:
                return Goto(state.screen, _("Invalid choice. Try again."), push=False)
            if callable(target):
                return self._act(state, context, target, token)
            return self._go(state, target)
        return self._input(state, context, screen, token)

    def _input(self, state: State, context: Context, screen: Screen, token: str) -> Goto | End:
        try:
            value = screen.parse(context, token) if screen.parse else token
        except InputError as error:
            return Goto(state.screen, str(error), push=False)
        if screen.save_as and not screen.secret:
            context.values[screen.save_as] = value
        if callable(screen.then):
            return self._act(state, context, screen.then, token)
        if screen.then is None:
            raise LookupError(f"screen {state.screen} has nowhere to go")
        return self._go(state, screen.then)

    def _act(self, state: State, context: Context, action: Action, token: str) -> Goto | End:
        outcome = action(context, token)
        if isinstance(outcome, Goto):
            if outcome.push:
                return self._go(state, outcome.screen, outcome.notice)
            state.page = 0
            if outcome.screen and outcome.screen != state.screen:
                # Going back to a screen already on the way: `0` from there must not lead to it.
                if outcome.screen in state.stack:
                    del state.stack[state.stack.index(outcome.screen) :]
                state.screen = outcome.screen
        return outcome

    def _go(self, state: State, target: str, notice: str = "") -> Goto:
        if target != state.screen:
            state.stack.append(state.screen)
        state.screen, state.page = target, 0
        return Goto(target, notice)

    def pages(self, state: State, context: Context, notice: str = "") -> list[str]:
        """The screen's text cut into pages that fit the limit with their navigation line."""
        screen = self.menu[state.screen]
        body = str(screen.text).format_map(_Values({**context.profile, **context.values}))
        if notice:
            body = f"{notice}\n{body}"
        limit = screen_room()
        if len(body) <= limit:
            return [body]
        more = "\n" + _("98. More")
        return _paginate(body, limit - len(more), more)

    def render(self, state: State, context: Context, notice: str = "") -> str:
        pages = self.pages(state, context, notice)
        state.page = min(state.page, len(pages) - 1)
        return pages[state.page]

    def _has_more_pages(self, state: State, context: Context) -> bool:
        return state.page + 1 < len(self.pages(state, context))


def _paginate(body: str, room: int, more: str) -> list[str]:
    """Cut at line ends; every page but the last ends with the `98. More` line."""
    pages: list[str] = []
    current = ""
    for line in body.split("\n"):
        line = line[:room]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > room:
            pages.append(current + more)
            current = line
        else:
            current = candidate
    pages.append(current)
    return pages


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def activate(language: str) -> translation.override:
    return translation.override(language if language in dict(settings.LANGUAGES) else "en")
