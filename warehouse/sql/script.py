"""BigQuery scripting in the front end: ``DECLARE``, ``SET``, ``IF … ELSEIF … ELSE … END IF``,
``BEGIN … END`` (its variables end with it), ``LOOP``, ``WHILE … DO``, ``REPEAT … UNTIL``, ``BREAK``/``LEAVE``
and ``CONTINUE``/``ITERATE`` around ordinary statements.

A script is split into statements at the semicolons sqlglot's BigQuery tokenizer finds (so a semicolon
in a string or comment is not a break), and the statements are read into blocks. Variables live in
this module, not in DuckDB: before a statement runs, each unqualified column reference that names a
variable (case-insensitive, as in BigQuery) becomes the variable's value as a typed literal (built
by sqlglot), unless a table the statement reads has a column of that name (BigQuery: the column wins).
An ``IF`` condition is evaluated as ``SELECT <condition>`` through the same front end; NULL is false.
A scalar subquery in ``DECLARE … DEFAULT`` or ``SET`` that returns more than one row is an error, as
in BigQuery.

Not supported, each one clear line (``support`` refuses them): ``FOR … IN``, labels, the ``CASE``
statement, ``EXECUTE IMMEDIATE``, ``CALL``, ``RAISE``, ``BEGIN … EXCEPTION``, transactions. A loop runs
until its condition or a BREAK ends it, as in BigQuery (no iteration cap).
"""

from __future__ import annotations

from collections import ChainMap, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from lakehouse.errors import UsageError

#: the words that make a text a script rather than a list of plain statements
SCRIPT_WORDS = frozenset({"DECLARE", "SET", "IF", "BEGIN", "LOOP", "WHILE", "REPEAT"})
#: the statements that leave or restart the innermost loop
JUMPS = {"BREAK": "BREAK", "LEAVE": "BREAK", "CONTINUE": "CONTINUE", "ITERATE": "CONTINUE"}


@dataclass(frozen=True)
class Piece:
    """One statement of the script text: its tokens and where it starts (for error lines)."""

    text: str
    tokens: list[Token]


@dataclass
class Branch:
    condition: str | None  # None: ELSE
    body: list[Node] = field(default_factory=list)


@dataclass
class IfBlock:
    branches: list[Branch]


@dataclass
class Block:  # BEGIN … END
    body: list[Node] = field(default_factory=list)


@dataclass
class Loop:
    """LOOP … END LOOP, WHILE c DO … END WHILE, REPEAT … UNTIL c END REPEAT."""

    kind: str
    condition: str | None = None  # WHILE's, checked before each pass; REPEAT's UNTIL, after
    body: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Jump:
    """BREAK/LEAVE or CONTINUE/ITERATE of the innermost loop."""

    kind: str  # "BREAK" or "CONTINUE"


Node = Piece | IfBlock | Block | Loop | Jump


def pieces(text: str) -> list[Piece]:
    """The statements of ``text``, split at top-level semicolons."""
    out: list[Piece] = []
    current: list[Token] = []
    tokens = iter(_tokenize(text, 0))
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                out.append(Piece(text[current[0].start : current[-1].end + 1], current))
            current = []
            continue
        current.append(token)
        if token.token_type == TokenType.COMMAND and len(current) == 1:
            # ELSEIF, BEGIN …: the tokenizer keeps the rest of the statement as one string; read it too
            swallowed = next(tokens, None)
            if swallowed is None or swallowed.token_type == TokenType.SEMICOLON:  # the word alone: `BEGIN;`
                out.append(Piece(token.text, current))
                current = []
                continue
            end = text.find(";", token.end + 1)
            current.extend(_tokenize(text[token.end + 1 : len(text) if end < 0 else end], token.end + 1))
    if current:
        out.append(Piece(text[current[0].start : current[-1].end + 1], current))
    return out


def _tokenize(text: str, offset: int) -> list[Token]:
    try:
        tokens = BigQuery().tokenize(text)
    except SqlglotError as exc:
        raise UsageError(
            f"cannot read the script: {str(exc).splitlines()[0]}", hint="BigQuery SQL expected"
        ) from exc
    for token in tokens:
        token.start += offset
        token.end += offset
    return tokens


def is_script(text: str) -> bool:
    """Whether ``text`` uses scripting (a statement starting with one of ``SCRIPT_WORDS``)."""
    return any(p.tokens[0].text.upper() in SCRIPT_WORDS for p in pieces(text))


Open = IfBlock | Block | Loop


def blocks(text: str) -> list[Node]:
    """The script's statements read into IF, BEGIN and loop blocks."""
    root: list[Node] = []
    stack: list[tuple[Open, list[Node]]] = []

    def body() -> list[Node]:
        return stack[-1][1] if stack else root

    queue = deque(pieces(text))

    def open_(block: Open, inner: list[Node], rest: Piece | None) -> None:
        body().append(block)
        stack.append((block, inner))
        if rest is not None:  # the statement after THEN, DO, BEGIN …: read like any other
            queue.appendleft(rest)

    while queue:
        piece = queue.popleft()
        first = piece.tokens[0].text.upper()
        top = stack[-1][0] if stack else None
        if first == "IF":
            condition, rest = _split_at(piece, 1, TokenType.THEN)
            block = IfBlock([Branch(condition)])
            open_(block, block.branches[0].body, rest)
        elif first in ("ELSEIF", "ELSE") and isinstance(top, IfBlock):
            stack.pop()
            branch: tuple[str | None, Piece | None] = (
                _split_at(piece, 1, TokenType.THEN) if first == "ELSEIF" else (None, _tail(piece, 1))
            )
            condition_, rest = branch
            top.branches.append(Branch(condition_))
            stack.append((top, top.branches[-1].body))
            if rest is not None:
                queue.appendleft(rest)
        elif first == "BEGIN":
            block_ = Block()
            open_(block_, block_.body, _tail(piece, 1))
        elif first in ("LOOP", "REPEAT"):
            loop = Loop(first)
            open_(loop, loop.body, _tail(piece, 1))
        elif first == "WHILE":
            condition, rest = _split_at(piece, 1, "DO")
            loop = Loop("WHILE", condition)
            open_(loop, loop.body, rest)
        elif first == "UNTIL" and isinstance(top, Loop) and top.kind == "REPEAT":
            if [t.text.upper() for t in piece.tokens[-2:]] != ["END", "REPEAT"] or len(piece.tokens) < 4:
                raise UsageError(
                    f"{piece.text.strip()!r}: expected UNTIL <condition> END REPEAT", hint=LOOP_HINT
                )
            top.condition = _text(piece, 1, len(piece.tokens) - 2)
            stack.pop()
        elif first == "END":
            _close(stack, piece)
        elif first in JUMPS and len(piece.tokens) == 1:
            if not any(isinstance(b, Loop) for b, _ in stack):
                raise UsageError(
                    f"{first} outside of a loop", hint="BREAK/CONTINUE work inside LOOP, WHILE, REPEAT"
                )
            body().append(Jump(JUMPS[first]))
        else:
            body().append(piece)
    if stack:
        raise UsageError(
            f"the script ends inside {_name(stack[-1][0])} …",
            hint=f"close it with END {_name(stack[-1][0])};",
        )
    return root


LOOP_HINT = "LOOP … END LOOP; WHILE c DO … END WHILE; REPEAT … UNTIL c END REPEAT"


def _name(block: Open) -> str:
    return "IF" if isinstance(block, IfBlock) else "BEGIN" if isinstance(block, Block) else block.kind


def _close(stack: list[tuple[Open, list[Node]]], piece: Piece) -> None:
    """``END``, ``END IF``, ``END LOOP``, ``END WHILE``: the word must name the innermost open block."""
    words = [t.text.upper() for t in piece.tokens]
    wanted = None if not stack else _name(stack[-1][0])
    closes = words[1] if len(words) == 2 else "BEGIN" if len(words) == 1 else None
    if wanted is None or closes != wanted or wanted == "REPEAT":
        raise UsageError(
            f"{piece.text.strip()!r} does not close the open block"
            + (f" ({wanted}: END {'' if wanted == 'BEGIN' else wanted})" if wanted else ""),
            hint="check the nesting of IF, BEGIN and loops",
        )
    stack.pop()


def _split_at(piece: Piece, start: int, word: TokenType | str) -> tuple[str, Piece | None]:
    """``IF <condition> THEN [statement]`` (or ``WHILE <condition> DO``): the condition's text and the
    statement after the word."""
    depth = 0
    for i, token in enumerate(piece.tokens[start:], start):
        if token.token_type in (TokenType.L_PAREN, TokenType.CASE):
            depth += 1
        elif token.token_type in (TokenType.R_PAREN, TokenType.END):
            depth -= 1
        elif depth == 0 and (token.token_type == word or token.text.upper() == word):
            condition = _text(piece, start, i)
            if not condition:
                break
            return condition, _tail(piece, i + 1)
    keyword, expected = piece.tokens[0].text.upper(), word if isinstance(word, str) else word.name
    raise UsageError(
        f"{piece.text.splitlines()[0].strip()!r}: {keyword} needs a condition and {expected}",
        hint="IF x > 0 THEN …; WHILE x < 10 DO …",
    )


def _tail(piece: Piece, start: int) -> Piece | None:
    if start >= len(piece.tokens):
        return None
    return Piece(_text(piece, start, len(piece.tokens)), piece.tokens[start:])


def _text(piece: Piece, start: int, stop: int) -> str:
    if start >= stop:
        return ""
    base = piece.tokens[0].start
    return piece.text[piece.tokens[start].start - base : piece.tokens[stop - 1].end + 1 - base]


@dataclass
class Variable:
    kind: exp.DataType | None
    value: Any = None


class Interpreter:
    """Runs a script's blocks; ``parse`` reads one statement, ``run`` runs one parsed statement and
    returns the front end's Result (with ``columns`` and ``rows``)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        parse: Callable[[str], list[exp.Expr]],
        run: Callable[[exp.Expr], Any],
    ) -> None:
        self.con = con
        self.parse = parse
        self.run_one = run
        self.scopes: list[dict[str, Variable]] = [{}]  # the script's, then one per open BEGIN block
        self.results: list[Any] = []

    @property
    def variables(self) -> ChainMap[str, Variable]:
        """Every variable in scope, the innermost block's first."""
        return ChainMap(*reversed(self.scopes))

    def run(self, nodes: list[Node]) -> list[Any]:
        for node in nodes:
            if isinstance(node, IfBlock):
                self._if(node)
            elif isinstance(node, Block):  # its variables exist until its END
                self.scopes.append({})
                try:
                    self.run(node.body)
                finally:
                    self.scopes.pop()
            elif isinstance(node, Loop):
                self._loop(node)
            elif isinstance(node, Jump):
                raise _Jumped(node.kind)
            else:
                self._statement(node)
        return self.results

    def _loop(self, loop: Loop) -> None:
        while loop.kind != "WHILE" or self._true(loop.condition):
            try:
                self.run(loop.body)
            except _Jumped as jump:
                if jump.kind == "BREAK":
                    return
                continue  # CONTINUE: the next pass (REPEAT's UNTIL is skipped, as in BigQuery)
            if loop.kind == "REPEAT" and self._true(loop.condition):
                return

    def _true(self, condition: str | None) -> bool:
        """An IF/WHILE/UNTIL condition; NULL counts as false."""
        return condition is not None and self._value(f"SELECT {condition}") is True

    def _if(self, block: IfBlock) -> None:
        for branch in block.branches:
            if branch.condition is None or self._true(branch.condition):
                self.run(branch.body)
                return

    def _statement(self, piece: Piece) -> None:
        for statement in self.parse(piece.text):
            if isinstance(statement, exp.Declare):
                self._declare(statement)
            elif isinstance(statement, exp.Set) and not statement.args.get("unset"):
                self._set(statement)
            else:
                self.results.append(self.run_one(self.substitute(statement)))

    def _declare(self, statement: exp.Declare) -> None:
        for item in statement.expressions:
            kind = item.args.get("kind")
            default = item.args.get("default")
            value = self._evaluate(default, kind) if isinstance(default, exp.Expr) else None
            for name in item.this if isinstance(item.this, list) else [item.this]:
                key = name.name.lower()
                if key in self.variables:
                    raise UsageError(
                        f"DECLARE: variable {name.name} is already declared in this block or an outer one",
                        hint="declare each name once",
                    )
                self.scopes[-1][key] = Variable(kind if isinstance(kind, exp.DataType) else None, value)

    def _set(self, statement: exp.Set) -> None:
        for item in statement.expressions:
            assignment = item.this
            if not isinstance(assignment, exp.EQ):
                raise UsageError(
                    f"SET: expected name = value, got {item.sql('bigquery')!r}", hint="SET x = 5"
                )
            target, source = assignment.this, assignment.expression
            if isinstance(source, exp.Var):  # SET y = x: sqlglot reads a lone name as a keyword-like Var
                source = exp.column(source.name)
            if isinstance(target, exp.Tuple):
                names = [self._variable(t).name.lower() for t in target.expressions]
                if isinstance(source, exp.Tuple):  # SET (a, b) = (1 + 3, 'foo')
                    query = exp.select(*source.expressions)
                elif isinstance(source, exp.Subquery) and isinstance(source.this, exp.Select):
                    query = source.this.copy()
                    query.set("kind", None)  # SELECT AS STRUCT x, y: one value per variable
                else:
                    raise UsageError(
                        "SET (a, b, …) needs a list of values or a SELECT AS STRUCT subquery",
                        hint="SET (a, b) = (SELECT AS STRUCT 1, 2)",
                    )
                for name, value in zip(names, self._row(query, len(names)), strict=True):
                    self.variables[name].value = value
                continue
            variable = self._variable(target)
            self.variables[variable.name.lower()].value = self._evaluate(
                source, self.variables[variable.name.lower()].kind
            )

    def _variable(self, node: exp.Expr) -> exp.Column:
        if not isinstance(node, exp.Column) or node.table or node.name.lower() not in self.variables:
            raise UsageError(
                f"SET: {node.sql('bigquery')} is not a declared variable", hint="DECLARE it before the SET"
            )
        return node

    def _evaluate(self, expression: exp.Expr, kind: exp.DataType | None) -> Any:
        value = expression if kind is None else exp.cast(expression, kind)
        return self._row(exp.select(value), 1)[0]

    def _value(self, text: str) -> Any:
        statements = self.parse(text)
        return self._row(statements[0], 1)[0]

    def _row(self, query: exp.Expr, width: int) -> tuple[Any, ...]:
        result = self.run_one(self.substitute(query))
        if len(result.rows) > 1:
            raise UsageError(
                f"a scalar value was expected but the query returned {len(result.rows)} rows: "
                f"{query.sql('bigquery')[:80]}",
                hint="make the query return one row",
            )
        if len(result.columns) != width:
            raise UsageError(
                f"expected {width} value(s), got {len(result.columns)}", hint="one column per variable"
            )
        return tuple(result.rows[0]) if result.rows else (None,) * width

    def substitute(self, statement: exp.Expr) -> exp.Expr:
        """``statement`` with each variable reference replaced by its value (a typed literal)."""
        if not self.variables:
            return statement
        tree = statement.copy()
        shadowed = self._column_names(tree)
        for column in list(tree.find_all(exp.Column)):
            key = column.name.lower()
            if column.table or key not in self.variables or key in shadowed:
                continue
            value = _literal(self.variables[key])
            bare = isinstance(column.parent, exp.Select) and column.arg_key == "expressions"
            column.replace(exp.alias_(value, column.name) if bare else value)  # SELECT x names its column x
        return tree

    def _column_names(self, tree: exp.Expr) -> set[str]:
        """Lower-case column names of the relations ``tree`` reads (a column wins over a variable)."""
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        names: set[str] = set()
        for table in tree.find_all(exp.Table):
            if not table.name or table.name.lower() in ctes or not isinstance(table.this, exp.Identifier):
                continue
            relation = exp.select("*").from_(table.copy()).limit(0)
            try:
                cursor = self.con.execute(relation.sql("duckdb"))
            except (
                duckdb.CatalogException,
                duckdb.BinderException,
            ):  # not a table of this session (an error of its own later)
                continue
            names |= {d[0].lower() for d in cursor.description or []}
        return names


class _Jumped(Exception):  # noqa: N818 - control flow, not an error: BREAK or CONTINUE leaving a loop body
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _literal(variable: Variable) -> exp.Expr:
    value = exp.convert(variable.value)
    return value if variable.kind is None else exp.cast(value, variable.kind)
