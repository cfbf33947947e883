"""The user's privacy rules, how they match windows, and where they are stored.

Contract: ``PrivacyRules`` holds the exclusion list (windows blacked out), the pause list (capture
pauses while one of these is focused), and the session switches: pause when the screen is
locked, after ``idle_minutes`` without input (0 = never), on battery power. A rule matches a
window when it is a case-insensitive substring of the window's title or equals its application
name; an empty rule matches nothing. ``load_rules(store)``/``save_rules(store, rules)`` map them
to a QSettings group ``privacy`` (lists stored one rule per line); loading never raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .windows import WindowInfo


@dataclass(frozen=True)
class PrivacyRules:
    exclude: tuple[str, ...] = ()
    pause_apps: tuple[str, ...] = ()
    pause_when_locked: bool = True
    idle_minutes: float = 0.0
    pause_on_battery: bool = False

    @property
    def needs_window_list(self) -> bool:
        return bool(self.exclude or self.pause_apps)

    @property
    def active(self) -> bool:
        return (
            self.needs_window_list
            or self.pause_when_locked
            or self.idle_minutes > 0
            or self.pause_on_battery
        )


def clean(rules: Iterable[str]) -> tuple[str, ...]:
    """Stripped, non-empty, without duplicates, in the order given."""
    seen: dict[str, None] = {}
    for rule in rules:
        text = rule.strip()
        if text and text.casefold() not in {key.casefold() for key in seen}:
            seen[text] = None
    return tuple(seen)


def rule_matches(rule: str, window: WindowInfo) -> bool:
    needle = rule.strip().casefold()
    if not needle:
        return False
    return needle in window.title.casefold() or needle == window.app.casefold()


def matching(rules: Iterable[str], windows: Iterable[WindowInfo]) -> list[WindowInfo]:
    rules = tuple(rules)
    return [w for w in windows if any(rule_matches(rule, w) for rule in rules)]


def matches_per_rule(rules: Iterable[str], windows: list[WindowInfo]) -> dict[str, list[str]]:
    """For the settings dialog: each rule and the labels of the windows it matches now."""
    return {rule: [w.label for w in windows if rule_matches(rule, w)] for rule in rules}


# -- storage -------------------------------------------------------------------------------
def _lines(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return clean(str(v) for v in value)
    return clean(str(value or "").splitlines())


def _bool(value, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no"):
        return False
    return default


def load_rules(store) -> PrivacyRules:
    defaults = PrivacyRules()
    if store is None:
        return defaults
    try:
        idle = float(store.value("privacy/idle_minutes", defaults.idle_minutes))
    except (TypeError, ValueError):
        idle = defaults.idle_minutes
    return PrivacyRules(
        exclude=_lines(store.value("privacy/exclude", "")),
        pause_apps=_lines(store.value("privacy/pause_apps", "")),
        pause_when_locked=_bool(store.value("privacy/pause_when_locked"), True),
        idle_minutes=max(0.0, min(idle, 24 * 60.0)),
        pause_on_battery=_bool(store.value("privacy/pause_on_battery"), False),
    )


def save_rules(store, rules: PrivacyRules) -> None:
    store.setValue("privacy/exclude", "\n".join(rules.exclude))
    store.setValue("privacy/pause_apps", "\n".join(rules.pause_apps))
    store.setValue("privacy/pause_when_locked", rules.pause_when_locked)
    store.setValue("privacy/idle_minutes", rules.idle_minutes)
    store.setValue("privacy/pause_on_battery", rules.pause_on_battery)
