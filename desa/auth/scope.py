"""The scope registry: for each model, one rule per role for which rows an actor sees.

Every list, detail, export, PDF, feed, API endpoint and raw-SQL fast path asks
here (`scopes.restrict`, `scopes.select`, `scopes.get`, `scopes.sql`,
`scopes.contains`); the rules themselves are written down in one table,
`desa/scopes.py`. A role with no rule for a model sees none of its rows, so a new
role (a kecamatan officer) sees nothing until it is given a rule there.

Rules are kept per model and purpose: "read" (which rows an actor sees) unless
said otherwise, e.g. "book" for the sessions an actor may book people into.

A rule is a function of the actor that returns `EVERYTHING`, `NOTHING`,
`Match(column=value, …)` (plain equalities, which the raw-SQL fast paths can use
without SQLAlchemy), or any SQLAlchemy condition on the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Select, and_, false, inspect, select, true
from sqlalchemy.sql.elements import ColumnElement

from desa.auth.actor import Actor


class _Everything:
    def __repr__(self) -> str:
        return "EVERYTHING"


class _Nothing:
    def __repr__(self) -> str:
        return "NOTHING"


EVERYTHING = _Everything()
NOTHING = _Nothing()


class Match:
    """Rows whose columns equal these values (`Match(rw="001", rt="002")`)."""

    __slots__ = ("values",)

    def __init__(self, **values: Any) -> None:
        self.values = values

    def __repr__(self) -> str:
        return f"Match({self.values!r})"


Rule = Callable[[Actor], Any]


def everything(_actor: Actor) -> Any:
    return EVERYTHING


def nothing(_actor: Actor) -> Any:
    return NOTHING


READ = "read"


class ScopeRegistry:
    """Rules by model and purpose, then by role; a role without a rule sees nothing."""

    def __init__(self) -> None:
        self._rules: dict[tuple[type, str], dict[str, Rule]] = {}

    def register(
        self, model: type, rules: Mapping[str, Rule], purpose: str = READ
    ) -> None:
        """Sets the rules of `model` (one per role); registering twice is a mistake."""
        if (model, purpose) in self._rules:
            raise ValueError(f"{purpose} rules for {model.__name__} are already set")
        self._rules[(model, purpose)] = dict(rules)

    def entries(self) -> list[tuple[type, str]]:
        """Every (model, purpose) that has rules."""
        return list(self._rules)

    def roles(self, model: type, purpose: str = READ) -> list[str]:
        return list(self._rules[(model, purpose)])

    def rule(self, actor: Actor, model: type, purpose: str = READ) -> Any:
        """What the rule for the actor's role gives: EVERYTHING, NOTHING, Match or a clause."""
        try:
            rules = self._rules[(model, purpose)]
        except KeyError:
            raise LookupError(f"no {purpose} rules for {model.__name__}") from None
        found = rules.get(actor.role)
        if found is None or (actor.principal is not None and not _active(actor)):
            return NOTHING
        return found(actor)

    def clause(self, actor: Actor, model: type) -> ColumnElement[bool]:
        """The rule as a SQLAlchemy condition on `model`."""
        return _as_clause(model, self.rule(actor, model))

    def restrict(
        self, stmt: Select, actor: Actor, model: type, purpose: str = READ
    ) -> Select:
        """`stmt` limited to the rows of `model` the actor may see (or `purpose`)."""
        found = self.rule(actor, model, purpose)
        if found is EVERYTHING:
            return stmt
        return stmt.where(_as_clause(model, found))

    def select(self, actor: Actor, model: type) -> Select:
        """`SELECT model` of the rows the actor may see."""
        return self.restrict(select(model), actor, model)

    def ids(self, actor: Actor, model: type) -> Select:
        """A subquery of the ids the actor may see (for rules that follow a link)."""
        return self.restrict(select(model.id), actor, model)  # type: ignore[attr-defined]

    def get(self, actor: Actor, model: type, *where: Any) -> Any:
        """The one row matching `where` that the actor may see, or None alike."""
        from desa.extensions import db

        return db.session.scalar(self.select(actor, model).where(*where))

    def contains(self, actor: Actor, model: type, obj: Any) -> bool:
        """Whether the actor may see this object (in Python for `Match` rules)."""
        found = self.rule(actor, model)
        if found is EVERYTHING:
            return True
        if found is NOTHING:
            return False
        if isinstance(found, Match):
            return all(getattr(obj, k) == v for k, v in found.values.items())
        key = inspect(model).primary_key[0]
        return self.get(actor, model, key == getattr(obj, key.key)) is not None

    def sql(self, actor: Actor, model: type) -> tuple[str, tuple[Any, ...]] | None:
        """The rule as ` AND col = ?…` for a raw-SQL fast path; None: no rows at all.

        Only `EVERYTHING`, `NOTHING` and `Match` rules have a raw form; a fast path
        asked for any other rule raises, so it cannot silently skip the scope.
        """
        found = self.rule(actor, model)
        if found is EVERYTHING:
            return "", ()
        if found is NOTHING:
            return None
        if isinstance(found, Match):
            names = [inspect(model).columns[k].name for k in found.values]
            return (
                "".join(f" AND {name} = ?" for name in names),
                tuple(found.values.values()),
            )
        raise TypeError(f"the {model.__name__} rule for {actor.role} has no SQL form")


def _active(actor: Actor) -> bool:
    return bool(getattr(actor.principal, "is_active", True))


def _as_clause(model: type, found: Any) -> ColumnElement[bool]:
    if found is EVERYTHING:
        return true()
    if found is NOTHING:
        return false()
    if isinstance(found, Match):
        columns = inspect(model).columns
        return and_(*(columns[k] == v for k, v in found.values.items()))
    return found


scopes = ScopeRegistry()
