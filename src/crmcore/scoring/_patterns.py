"""Safe regular expressions for the ``matches`` condition (private; see ``crmcore.scoring``).

Python's :mod:`re` backtracks: ``(a+)+$`` on thirty ``a`` and a ``!`` takes
minutes, and even ``\\d*\\d*x`` is cubic in the text length. A scorecard comes
from a file a user edits, and the text is a form field anyone can fill, so a
pattern must be safe on *any* text. Rather than a second regex engine (a
pure-Python linear matcher is slow; ``google-re2`` is a compiled dependency),
crmcore accepts the subset of the syntax whose backtracking is provably
bounded, checked when the condition is built, and bounds the text:

- literals, escapes other than backreferences, ``.``, ``^``, ``$``,
  character classes ``[...]``, groups (capturing, ``(?:...)``, named,
  lookaround), alternation ``|``, quantifiers ``* + ? {m} {m,n}``
  (greedy, lazy or possessive) with counts up to :data:`MAX_REPEAT`;
- no quantifier applied to a group that holds a quantifier or an
  alternation (``(a+)+``, ``(a|ab)*``): with star height 1 and a loop body
  that is a fixed sequence of single characters, each loop can match a
  given text in one way only, so there is no exponential blow-up;
- at most :data:`MAX_VARIABLE_QUANTIFIERS` quantifiers of variable width in the
  whole pattern: ``re.search`` then costs at most O(n^3) steps on a text of n
  characters;
- the text searched is at most :data:`MAX_MATCH_TEXT` characters (about 0.3 s
  in the measured worst case ``\\d*\\d*x`` on a 2-core CI machine).

Refused: backreferences (``\\1``, ``(?P=name)``), conditionals ``(?(...)`` and
comments. Lookaround, inline flags (``(?i)``) and named groups are accepted; a
quantifier inside a lookaround counts like any other.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "MAX_MATCH_TEXT",
    "MAX_REPEAT",
    "MAX_VARIABLE_QUANTIFIERS",
    "pattern_problem",
]

MAX_MATCH_TEXT: Final = 500
"""Longest field text (characters) a ``matches`` condition searches."""

MAX_REPEAT: Final = 1000
"""Largest count in a ``{m,n}`` quantifier."""

MAX_VARIABLE_QUANTIFIERS: Final = 2
"""Most quantifiers of variable width (``*``, ``+``, ``?``, ``{m,n}`` with m < n)."""

_COUNT = re.compile(r"\{(\d*)(,(\d*))?\}")
_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_FLAGS = re.compile(r"\(\?[aiLmsux]*(?:-[imsx]+)?:")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


class _Frame:
    """An open group: whether it (or a group inside it) holds a quantifier or ``|``."""

    __slots__ = ("alternation", "quantified")

    def __init__(self) -> None:
        self.quantified = False
        self.alternation = False


def _class_end(pattern: str, start: int) -> int:
    """Index just after the character class opening at ``start``."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1  # a leading ] is a literal
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _group_start(pattern: str, i: int) -> tuple[int, str | None]:
    """(length of the group opener at ``i``, problem or None)."""
    for opener in ("(?:", "(?=", "(?!", "(?<=", "(?<!"):
        if pattern.startswith(opener, i):
            return len(opener), None
    opener_match = _NAMED_GROUP.match(pattern, i) or _FLAGS.match(pattern, i)
    if opener_match:
        return opener_match.end() - i, None
    if pattern.startswith("(?", i):
        return 0, (
            f"the construct {pattern[i : i + 4]!r}... (backreferences and conditionals "
            "make matching slow)"
        )
    return 1, None


def _quantifier(pattern: str, i: int) -> tuple[int, bool, str | None]:
    """(length, variable width, problem) of a quantifier at ``i``; length 0 if none."""
    char = pattern[i]
    if char in "*+?":
        length, variable = 1, True
    else:
        match = _COUNT.match(pattern, i)
        if match is None or (not match[1] and not match[2]):
            return 0, False, None  # a literal {
        low = int(match[1] or 0)
        high = low if match[2] is None else (int(match[3]) if match[3] else None)
        if max(low, high or 0) > MAX_REPEAT:
            return 0, False, f"a repeat count above {MAX_REPEAT}"
        length, variable = match.end() - i, high != low
    if i + length < len(pattern) and pattern[i + length] in "?+":
        length += 1  # lazy or possessive form of the same quantifier
    return length, variable, None


class _Scan:
    """The checker's state while it walks a pattern left to right."""

    __slots__ = ("atom", "has_atom", "pattern", "stack", "variable")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.stack = [_Frame()]
        self.variable = 0
        self.atom: _Frame | None = None  # the last atom, if it was a group
        self.has_atom = False

    def token(self, i: int) -> tuple[int, str | None]:
        """(length, problem) of the token at ``i``."""
        pattern, char = self.pattern, self.pattern[i]
        if char == "\\":
            if i + 1 < len(pattern) and pattern[i + 1] in "123456789gk":
                return 0, "a backreference (\\1, \\g<...>), which makes matching slow"
            return self.plain(2)
        if char == "[":
            return self.plain(_class_end(pattern, i) - i)
        if (flags := _GLOBAL_FLAGS.match(pattern, i)) is not None:
            self.atom, self.has_atom = None, False
            return flags.end() - i, None
        if char == "(":
            step, problem = _group_start(pattern, i)
            self.stack.append(_Frame())
            self.atom, self.has_atom = None, False
            return step, problem
        if char == ")" and len(self.stack) > 1:
            closed = self.stack.pop()
            self.stack[-1].quantified |= closed.quantified
            self.stack[-1].alternation |= closed.alternation
            self.atom, self.has_atom = closed, True
            return 1, None
        if char == "|":
            self.stack[-1].alternation = True
            self.atom, self.has_atom = None, False
            return 1, None
        if char in "*+?{" and self.has_atom:
            return self.quantifier(i)
        self.atom, self.has_atom = None, char not in "^$"
        return 1, None

    def plain(self, step: int) -> tuple[int, str | None]:
        self.atom, self.has_atom = None, True
        return step, None

    def quantifier(self, i: int) -> tuple[int, str | None]:
        step, is_variable, problem = _quantifier(self.pattern, i)
        if problem or not step:
            return (step, problem) if problem else self.plain(1)  # a literal {
        if self.atom is not None and (self.atom.quantified or self.atom.alternation):
            return 0, (
                "a quantifier on a group that holds a quantifier or | "
                "(nested repetition backtracks exponentially)"
            )
        self.stack[-1].quantified = True
        self.variable += is_variable
        self.atom, self.has_atom = None, False
        return step, None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not in the safe subset, or None when it is.

    >>> pattern_problem(r"@(gmail|yahoo)\\.com$") is None
    True
    >>> pattern_problem(r"(a+)+$")
    'a quantifier on a group that holds a quantifier or | (nested repetition backtracks exponentially)'
    """
    scan = _Scan(pattern)
    i = 0
    while i < len(pattern):
        step, problem = scan.token(i)
        if problem is not None:
            return problem
        i += step
    if scan.variable > MAX_VARIABLE_QUANTIFIERS:
        return (
            f"{scan.variable} quantifiers of variable width (*, +, ?, {{m,n}}); at most "
            f"{MAX_VARIABLE_QUANTIFIERS}, so that a search stays polynomial of low degree"
        )
    return None
