"""SQL helpers: a JSON array's length, whose rows they are, the INSERT for a row."""

from django.db import connections, models
from django.db.models import Q
from django.db.models.sql import InsertQuery


class JSONArrayLength(models.Func):
    """The length of a JSON array, on PostgreSQL and SQLite."""

    function = "JSONB_ARRAY_LENGTH"
    output_field = models.IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="JSON_ARRAY_LENGTH", **extra)


def owned_q(*, user=None, session_key: str = "") -> Q:
    """Rows made by this signed-in user or this anonymous browser session (never both)."""
    owner = Q(pk__in=[])
    if user is not None and user.is_authenticated:
        owner |= Q(user=user)
    if session_key:
        owner |= Q(session_key=session_key, user__isnull=True)
    return owner


# (model, database, returned columns, expression values) -> the INSERT Django's compiler wrote
_insert_statements: dict[tuple, str] = {}


def insert_sql(row: models.Model, using: str, returning: list) -> tuple[str, tuple]:
    """Return the INSERT that `row.save()` would run for a new row, and its parameters.

    Django's compiler writes the statement the first time; later rows reuse its text and
    prepare their values as the compiler does (`pre_save`, then `get_db_prep_save`).
    """
    meta = row._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    expressions = tuple(
        (field.attname, value)
        for field in fields
        if hasattr(value := getattr(row, field.attname), "resolve_expression")
    )
    key = (meta.label, using, tuple(field.column for field in returning), expressions)
    sql = _insert_statements.get(key)
    if sql is not None:
        connection, computed = connections[using], {name for name, _ in expressions}
        return sql, tuple(
            field.get_db_prep_save(field.pre_save(row, True), connection)
            for field in fields
            if field.attname not in computed
        )
    query = InsertQuery(type(row))
    query.insert_values(fields, [row])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning
    ((sql, params),) = compiler.as_sql()
    if len(params) == len(fields) - len(expressions):  # the expressions took no parameters
        _insert_statements[key] = sql
    return sql, params
