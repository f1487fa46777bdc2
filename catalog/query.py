"""The search query language (Dataplex-style), parsed into a small tree.

    car weight                      free words: datasets matching all rank first, then those matching
                                    most (``Most``); typos and partial words are tolerated
    car AND weight                  the AND keyword anywhere makes every word required
    "order time"  cust*  -staging   phrase, prefix (of names, columns, tags), exclusion (also NOT)
    name:orders column:email        qualified text: name, column, description, tag, owner
    name=orders column=email        exact name / exact column name
    type=table|column|model|image   layer=raw|staging|mart|ml|image   pii=true|false|email
    quality=failing|passing|warning|unknown   updated>2026-01-01 (also >=, <, <=, =)
    a OR b   (a b) -c                OR binds tighter than the implicit AND; parentheses group

The parser is lenient: unbalanced quotes or parentheses, a dangling ``OR`` or ``-`` and unknown
``field:`` prefixes are repaired and reported as warnings. A filter with a value that cannot mean
anything (``type=tabel``, ``updated>yesterday``) raises ``QuerySyntaxError`` naming the value, its
position and what is valid.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from catalog.model import LAYERS
from lakehouse.errors import UsageError

TEXT_FIELDS = {"name": "name", "column": "column", "col": "column", "description": "description",
               "desc": "description", "tag": "tag", "label": "tag", "owner": "owner"}  # fmt: skip
EXACT_FIELDS = {"name": "name", "column": "column", "col": "column", "tag": "tag", "owner": "owner"}
FILTER_VALUES: dict[str, tuple[str, ...]] = {
    "type": ("table", "column", "model", "image", "view"),
    "layer": LAYERS,
    "pii": (
        "true",
        "false",
        "email",
        "phone",
        "ip_address",
        "credit_card",
        "iban",
        "date_of_birth",
        "person_name",
        "address",
        "location",
    ),  # fmt: skip
    "quality": ("failing", "passing", "warning", "unknown"),
}
BOOLEAN_WORDS = {"yes": "true", "1": "true", "no": "false", "0": "false"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OPERATOR = re.compile(r"^(?P<key>[A-Za-z_]+)(?P<op>:|>=|<=|=|>|<)(?P<value>.*)$", re.S)
MAX_QUERY_CHARS = 1000


class QuerySyntaxError(UsageError):
    """A search query that cannot be understood; the message points at the offending part."""


Mode = Literal["word", "prefix", "phrase"]


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # lower-cased
    field: str | None = None  # None: any text field
    mode: Mode = "word"
    exact: bool = False  # name=/column=: the whole name, not a word in it

    def __str__(self) -> str:
        value = (
            f'"{self.text}"' if self.mode == "phrase" else self.text + ("*" if self.mode == "prefix" else "")
        )
        return value if self.field is None else f"{self.field}{'=' if self.exact else ':'}{value}"


@dataclass(frozen=True, slots=True)
class Filter:
    field: str  # type, layer, pii, quality, updated
    op: str  # "=", ">", ">=", "<", "<="
    value: str | dt.datetime

    def __str__(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, dt.datetime) else self.value
        return f"{self.field}{self.op}{value}"


@dataclass(frozen=True, slots=True)
class Not:
    child: Node

    def __str__(self) -> str:
        return f"-{self.child}"


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "AND(" + ", ".join(map(str, self.children)) + ")"


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "OR(" + ", ".join(map(str, self.children)) + ")"


@dataclass(frozen=True, slots=True)
class Most:
    """Free words of a query: matching any one makes a hit; matching more of them ranks higher."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "MOST(" + ", ".join(map(str, self.children)) + ")"


Node = Term | Filter | Not | And | Or | Most


@dataclass(frozen=True, slots=True)
class Query:
    root: Node | None  # None: match everything
    warnings: tuple[str, ...] = ()
    text: str = ""
    strict: bool = False  # the AND keyword was written: every word is required

    @property
    def searched(self) -> Node | None:
        """The tree a search runs: the top-level free words as one ``Most`` unless ``strict``."""
        return self.root if self.strict else loosen(self.root)

    def __str__(self) -> str:
        return "ALL" if self.root is None else str(self.root)


@dataclass(slots=True)
class _Token:
    kind: str  # word, phrase, lparen, rparen, or, and, not
    text: str
    pos: int


@dataclass
class _Lexer:
    text: str
    warnings: list[str] = field(default_factory=list)

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        text, i = self.text, 0
        while i < len(text):
            c = text[i]
            if c.isspace():
                i += 1
            elif c in "()":
                out.append(_Token("lparen" if c == "(" else "rparen", c, i))
                i += 1
            elif c == '"':
                value, i = self._quoted(i)
                out.append(_Token("phrase", value, i))
            elif c == "-" and i + 1 < len(text) and not text[i + 1].isspace():
                out.append(_Token("not", c, i))
                i += 1
            else:
                start = i
                while i < len(text) and not text[i].isspace() and text[i] not in '()"':
                    i += 1
                word = text[start:i]
                if i < len(text) and text[i] == '"' and word[-1:] in (":", "=", ">", "<"):
                    value, i = self._quoted(i)
                    word += '"' + value + '"'
                keyword = {"OR": "or", "AND": "and", "NOT": "not"}.get(word)
                out.append(_Token(keyword or "word", word, start))
        return out

    def _quoted(self, start: int) -> tuple[str, int]:
        end = self.text.find('"', start + 1)
        if end < 0:
            self.warnings.append(f"unterminated quote at position {start}: closed at the end of the query")
            return self.text[start + 1 :], len(self.text)
        return self.text[start + 1 : end], end + 1


class _Parser:
    def __init__(self, tokens: list[_Token], warnings: list[str]) -> None:
        self.tokens, self.i, self.warnings = tokens, 0, warnings

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        self.i += 1
        return self.tokens[self.i - 1]

    def conjunction(self, depth: int) -> Node | None:
        parts: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "rparen":
                if depth:
                    break
                self.warnings.append(f"unmatched ')' at position {tok.pos} ignored")
                self.take()
            elif tok.kind in ("and", "or"):
                self.take()
                nxt = self.peek()
                if tok.kind == "or" or not parts or nxt is None or nxt.kind in ("rparen", "and", "or"):
                    self.warnings.append(f"dangling {tok.text} at position {tok.pos} ignored")
            elif (node := self.disjunction(depth)) is not None:
                parts.append(node)
        return _combine(And, parts)

    def disjunction(self, depth: int) -> Node | None:
        parts = [node] if (node := self.unary(depth)) is not None else []
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                self.warnings.append(f"dangling OR at position {tok.pos} ignored")
                continue
            if (node := self.unary(depth)) is not None:
                parts.append(node)
        return _combine(Or, parts)

    def unary(self, depth: int) -> Node | None:
        tok = self.take()
        if tok.kind == "not":
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                self.warnings.append(f"dangling {tok.text} at position {tok.pos} ignored")
                return None
            child = self.unary(depth)
            return Not(child) if child is not None else None
        if tok.kind == "lparen":
            inner = self.conjunction(depth + 1)
            if (close := self.peek()) is not None and close.kind == "rparen":
                self.take()
            else:
                self.warnings.append(f"unclosed '(' at position {tok.pos}: closed at the end of the query")
            return inner
        if tok.kind == "phrase":
            return _text_term(tok.text, None, phrase=True)
        return _atom(tok, self.warnings)


def _combine(cls: type[And] | type[Or], parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else cls(tuple(parts))


def _text_term(
    value: str, field_name: str | None, *, phrase: bool = False, exact: bool = False
) -> Term | None:
    value = " ".join(value.lower().split())
    if phrase:
        return Term(value, field_name, "phrase", exact) if value else None
    if value.endswith("*"):
        stem = value.rstrip("*")
        return Term(stem, field_name, "prefix", exact) if stem else None
    return Term(value, field_name, "word", exact) if value else None


def _atom(tok: _Token, warnings: list[str]) -> Node | None:
    match = _OPERATOR.match(tok.text)
    if match is None:
        if not any(c.isalnum() for c in tok.text.rstrip("*")) and tok.text != "*":
            warnings.append(f"{tok.text!r} at position {tok.pos} has no letters or digits: ignored")
            return None
        return _text_term(tok.text, None)
    key, op, raw = match.group("key").lower(), match.group("op"), match.group("value")
    quoted = len(raw) >= 2 and raw[0] == raw[-1] == '"'
    value = raw[1:-1] if quoted else raw
    if not value.strip():
        warnings.append(f"empty value for {key}{op} at position {tok.pos} ignored")
        return None
    if op == ":" and key in TEXT_FIELDS:
        return _text_term(value, TEXT_FIELDS[key], phrase=quoted)
    if op == "=" and key in EXACT_FIELDS:
        return Term(value.lower().strip(), EXACT_FIELDS[key], "word", exact=True)
    if key == "updated" and op != ":":
        return Filter("updated", op, _parse_time(value, tok))
    if key in FILTER_VALUES and op == "=":
        return Filter(key, "=", _filter_value(key, value.lower(), tok))
    if key in FILTER_VALUES or key == "updated":
        raise QuerySyntaxError(
            f"operator {op!r} does not apply to {key!r} in {tok.text!r} at position {tok.pos}",
            hint=f"write {key}=VALUE" if key != "updated" else "write updated>2026-01-01 (or >=, <, <=, =)",
        )
    known = sorted({*TEXT_FIELDS, *FILTER_VALUES, "updated"})
    warnings.append(
        f"unknown field {key!r} in {tok.text!r} at position {tok.pos}: searched as text (fields: {', '.join(known)})"
    )
    return _text_term(f"{key} {value}", None, phrase=True)


def _filter_value(key: str, value: str, tok: _Token) -> str:
    value = BOOLEAN_WORDS.get(value, value) if key == "pii" else value
    valid = FILTER_VALUES[key]
    if value in valid:
        return value
    close = difflib.get_close_matches(value, valid, n=1)
    hint = f"did you mean {key}={close[0]}?" if close else None
    raise QuerySyntaxError(
        f"unknown {key} {value!r} in {tok.text!r} at position {tok.pos} (valid: {', '.join(valid)})",
        hint=hint,
    )


def _parse_time(value: str, tok: _Token) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QuerySyntaxError(
            f"cannot read {value!r} as a date in {tok.text!r} at position {tok.pos}",
            hint="write a date or timestamp such as updated>2026-01-01 or updated>=2026-01-01T12:00",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse(text: str) -> Query:
    """Parse a search query; repairs are listed in ``Query.warnings``."""
    warnings: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        warnings.append(f"query longer than {MAX_QUERY_CHARS} characters: the rest was ignored")
        text = text[:MAX_QUERY_CHARS]
    if _CONTROL.search(text):
        warnings.append("control characters in the query were treated as spaces")
        text = _CONTROL.sub(" ", text)
    tokens = _Lexer(text, warnings).tokens()
    root = _Parser(tokens, warnings).conjunction(0)
    return Query(root, tuple(warnings), text, strict=any(t.kind == "and" for t in tokens))


def _free(node: Node) -> bool:
    return isinstance(node, Term) and node.field is None and node.mode == "word" and not node.exact


def loosen(root: Node | None) -> Node | None:
    """Two or more free words of the top-level AND become one ``Most``; filters, phrases, prefixes,
    qualified and exact terms, OR groups and exclusions stay required."""
    if not isinstance(root, And):
        return root
    free = tuple(c for c in root.children if _free(c))
    if len(free) < 2:
        return root
    rest = tuple(c for c in root.children if not _free(c))
    return And((*rest, Most(free))) if rest else Most(free)
