"""PII detection from column names and sampled values, each finding with a confidence.

Two declarative tables drive it: ``VALUE_RULES`` (a pattern, optionally a validator such as the
Luhn or IBAN check, and how much a full match is worth) and ``NAME_RULES`` (a pattern over the
snake_case column name and its confidence). A column gets the kind with the highest combined
confidence; when name and values agree they reinforce each other (1 - (1-a)(1-b)). Dates of birth,
person names and addresses are found by name only: a date or a word looks the same whoever it
belongs to. Overrides from YAML (see ``catalog.metadata``) replace what is detected here.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.model import PiiFinding

#: a finding below this confidence is not reported
THRESHOLD = 0.5
#: fewer non-empty sample values than this and values alone decide nothing
MIN_VALUES = 3


def luhn_ok(text: str) -> bool:
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rotated = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rotated)
    return int(number) % 97 == 1


def ip_ok(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")


def phone_ok(text: str) -> bool:
    if _DATE_LIKE.fullmatch(text):
        return False
    digits = sum(c.isdigit() for c in text)
    formatted = any(c in text for c in "+()- .")
    return 7 <= digits <= 15 and (formatted or digits >= 10)


@dataclass(frozen=True, slots=True)
class ValueRule:
    kind: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None
    weight: float  # confidence when every sampled value matches


VALUE_RULES: tuple[ValueRule, ...] = (
    ValueRule(
        "email", re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), None, 0.95
    ),
    ValueRule("credit_card", re.compile(r"\d{4}([ -]?\d{2,7}){2,4}"), luhn_ok, 0.95),
    ValueRule("iban", re.compile(r"[A-Z]{2}\d{2}( ?[A-Z0-9]){11,30}"), iban_ok, 0.95),
    ValueRule("ip_address", re.compile(r"[0-9.]{7,15}|[0-9A-Fa-f:]{3,39}"), ip_ok, 0.9),
    ValueRule("phone", re.compile(r"(\+|00)?[0-9(][0-9 ().-]{5,18}[0-9]"), phone_ok, 0.8),
)

NAME_RULES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("email", re.compile(r"(^|_)(e_?mail|email_address|mail_address)($|_)"), 0.8),
    ("phone", re.compile(r"(^|_)(phone|mobile|cell_?phone|telephone|tel|fax|msisdn)($|_)"), 0.8),
    ("ip_address", re.compile(r"(^|_)(ip|ip_?address|ipv4|ipv6|client_ip|remote_addr)($|_)"), 0.8),
    ("credit_card", re.compile(r"(^|_)(credit_?card|card_?number|cc_?number|pan)($|_)"), 0.8),
    ("iban", re.compile(r"(^|_)(iban|bank_?account)($|_)"), 0.8),
    ("date_of_birth", re.compile(r"(^|_)(dob|birth_?date|date_of_birth|birthday|born_on)($|_)"), 0.9),
    (
        "person_name",
        re.compile(r"(^|_)(first|last|full|given|family|middle|maiden|sur)_?name($|_)|(^|_)surname($|_)"),
        0.85,
    ),
    ("person_name", re.compile(r"(^|_)(customer|person|contact|user|employee|patient)_name($|_)"), 0.75),
    (
        "address",
        re.compile(r"(^|_)(address|street|address_line_?\d?|postal_?code|post_?code|zip_?code|zip)($|_)"),
        0.8,
    ),
)
#: kinds decided by name; values can only confirm them
NAME_ONLY = frozenset({"date_of_birth", "person_name", "address"})


def detect_by_name(column: str) -> tuple[str, float] | None:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column).lower()
    for kind, pattern, confidence in NAME_RULES:
        if pattern.search(name):
            return kind, confidence
    return None


def detect_by_values(values: Iterable[object]) -> tuple[str, float] | None:
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if len(texts) < MIN_VALUES:
        return None
    best: tuple[str, float] | None = None
    for rule in VALUE_RULES:
        hits = sum(1 for t in texts if rule.pattern.fullmatch(t) and (rule.check is None or rule.check(t)))
        confidence = rule.weight * hits / len(texts)
        if best is None or confidence > best[1]:
            best = (rule.kind, confidence)
    return best if best and best[1] >= THRESHOLD else None


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _looks_like_birth_dates(values: Iterable[object]) -> bool:
    dates = [_as_date(v) for v in values if v is not None]
    return bool(dates) and all(d is not None and dt.date(1900, 1, 1) <= d <= dt.date.today() for d in dates)


def detect(column: str, values: Iterable[object] = ()) -> PiiFinding | None:
    """The most likely PII kind of a column from its name and a sample of its values, or None."""
    sample = list(values)
    by_name = detect_by_name(column)
    by_values = detect_by_values(sample)
    if by_name and by_values and by_name[0] == by_values[0]:
        confidence = 1 - (1 - by_name[1]) * (1 - by_values[1])
        return PiiFinding(by_name[0], round(confidence, 3), "values+name")
    if by_name and by_name[0] == "date_of_birth" and _looks_like_birth_dates(sample):
        return PiiFinding("date_of_birth", round(1 - (1 - by_name[1]) * 0.5, 3), "values+name")
    candidates = []
    if by_name:
        candidates.append((by_name[1], by_name[0], "name"))
    if by_values:
        candidates.append((by_values[1], by_values[0], "values"))
    if not candidates:
        return None
    confidence, kind, source = max(candidates)
    if source == "values" and kind in NAME_ONLY:
        return None
    return PiiFinding(kind, round(confidence, 3), source) if confidence >= THRESHOLD else None
