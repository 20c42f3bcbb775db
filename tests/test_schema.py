from datetime import date

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from queries import db, schema
from queries.filters import Filter, FilterError, shift_years


def test_init_is_idempotent(db_url):
    engine = db.writer_engine(db_url)
    db.init_db(engine)
    db.init_db(engine)
    names = set(inspect(engine).get_table_names())
    assert {t.name for t in schema.DATA_TABLES} | {"import_run"} <= names
    engine.dispose()


def test_code_lists_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"}])
            conn.execute(
                insert(schema.person),
                [{"id": "P1", "birth_year": 1990, "sex": "q", "citizenship": "SYR"}],
            )


def test_reader_reads_but_cannot_write(db_url):
    from sqlalchemy import func, select
    from sqlalchemy.exc import DBAPIError

    writer = db.writer_engine(db_url)
    with writer.begin() as conn:
        conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"}])
    writer.dispose()
    reader = db.reader_engine(db_url)
    with reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.district)).scalar() == 1
    with pytest.raises(DBAPIError) as excinfo:
        with reader.begin() as conn:
            conn.execute(insert(schema.district), [{"id": "SUED", "name": "Süd"}])
    # sqlite: "attempt to write a readonly database"; PostgreSQL: "read-only transaction"
    assert "read" in str(excinfo.value.orig).lower() and "only" in str(excinfo.value.orig).lower()
    reader.dispose()


def test_reader_stops_a_runaway_query(db_url):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    reader = db.reader_engine(db_url, timeout_ms=200)
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    )
    with pytest.raises(DBAPIError):
        with reader.connect() as conn:
            conn.execute(text(endless)).scalar()
    reader.dispose()


def test_filter_validation_and_suppression():
    f = Filter(date(2025, 1, 1), date(2025, 12, 31), min_cell=5)
    assert f.as_of == date(2025, 12, 31) and f.budget_year == 2025
    assert [f.suppress(n) for n in (0, 1, 4, 5, 9)] == [0, None, None, 5, 9]
    assert Filter(date(2025, 1, 1), date(2025, 1, 2), min_cell=1).suppress(1) == 1
    with pytest.raises(FilterError):
        Filter(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(FilterError):
        Filter(date(1025, 2, 1), date(2025, 1, 1))
    prev = Filter(date(2024, 2, 29), date(2024, 12, 31)).previous_year()
    assert (prev.period_from, prev.period_to) == (date(2023, 2, 28), date(2023, 12, 31))
    assert shift_years(date(2023, 3, 1), 1) == date(2024, 3, 1)


def test_portable_sql_functions(engine):
    from sqlalchemy import select

    from queries.sqlfuncs import days_between, month_key

    with engine.begin() as conn:
        conn.execute(insert(schema.district), [{"id": "N", "name": "Nord"}])
        conn.execute(
            insert(schema.funded_position),
            [
                {
                    "id": "S1",
                    "module": "II",
                    "role": "CASE_MANAGEMENT",
                    "fte_approved": 1.0,
                    "approved_from": date(2024, 2, 28),
                    "approved_to": date(2024, 3, 1),
                }
            ],
        )
        t = schema.funded_position.c
        row = conn.execute(
            select(month_key(t.approved_from), days_between(t.approved_to, t.approved_from))
        ).one()
    # 2024 is a leap year: 28 Feb -> 1 Mar is two days
    assert tuple(row) == ("2024-02", 2)
