//! Typed errors: each constraint violation is its own variant.

mod common;

use common::*;
use mini_orm::{Db, Error, Value};

fn unique_violation(db: &Db) {
    db.insert(&mut user("ada", 1, None)).unwrap();
    let err = db.insert(&mut user("ada", 2, None)).unwrap_err();
    match err {
        Error::UniqueViolation { message } => assert!(message.contains("name"), "{message}"),
        other => panic!("expected UniqueViolation, got {other:?}"),
    }
}

fn primary_key_clash_is_a_unique_violation(db: &Db) {
    let mut a = user("a", 1, None);
    db.insert(&mut a).unwrap();
    let r = db.execute(
        &sql(db, "INSERT INTO users (id, name) VALUES (?, 'b')"),
        &[Value::Integer(a.id)],
    );
    assert!(matches!(r, Err(Error::UniqueViolation { .. })), "{r:?}");
}

fn foreign_key_violation(db: &Db) {
    let err = db
        .insert(&mut Post {
            id: 0,
            user_id: 42,
            title: "orphan".into(),
        })
        .unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation { .. }), "{err:?}");
}

fn not_null_violation_names_the_column(db: &Db) {
    let err = db
        .execute("INSERT INTO users (name) VALUES (NULL)", &[])
        .unwrap_err();
    match err {
        Error::NotNullViolation { message } => assert!(message.contains("name"), "{message}"),
        other => panic!("expected NotNullViolation, got {other:?}"),
    }
}

fn check_violation(db: &Db) {
    db.execute_batch("CREATE TABLE t (n INTEGER CHECK (n > 0))")
        .unwrap();
    let err = db
        .execute(
            &sql(db, "INSERT INTO t (n) VALUES (?)"),
            &[Value::Integer(-1)],
        )
        .unwrap_err();
    assert!(matches!(err, Error::CheckViolation { .. }), "{err:?}");
}

fn type_mismatch_names_the_column(db: &Db) {
    // SQLite is dynamically typed: a TEXT can land in an INTEGER column.
    // PostgreSQL is not, so there a query returns text where a model wants
    // an integer.
    let err = if db.dialect().name() == "mysql" {
        // MySQL is typed too; a literal string where the model wants an
        // integer is the same mismatch as on PostgreSQL.
        db.query_as::<(i64, i64)>("SELECT 1 AS id, 'ten' AS age", &[])
            .unwrap_err()
    } else if db.is_sqlite() {
        db.execute(
            "INSERT INTO users (name, age) VALUES ('x', 'not a number')",
            &[],
        )
        .unwrap();
        User::query().all(db).unwrap_err()
    } else {
        db.query_as::<(i64, String)>("SELECT 1::bigint AS id, 'ten'::text AS age", &[])
            .map(|_| ())
            .and_then(|()| {
                db.query_as::<(i64, i64)>("SELECT 1::bigint AS id, 'ten'::text AS age", &[])
                    .map(|_| ())
            })
            .unwrap_err()
    };
    match err {
        Error::TypeMismatch {
            column,
            expected,
            found,
        } => {
            assert_eq!(column, "age");
            assert_eq!(expected, "i64");
            assert_eq!(found, "TEXT");
        }
        other => panic!("expected TypeMismatch, got {other:?}"),
    }
    // A NULL into a non-Option field is a mismatch too.
    let err = db
        .query_as::<(String,)>("SELECT NULL AS empty", &[])
        .unwrap_err();
    assert!(
        matches!(err, Error::TypeMismatch { ref column, found: "NULL", .. } if column == "empty"),
        "{err:?}"
    );
}

fn not_found_and_syntax_errors(db: &Db) {
    assert!(matches!(
        db.find::<Post>(1),
        Err(Error::NotFound { table: "posts" })
    ));
    let err = db.execute("SELEC 1", &[]).unwrap_err();
    assert!(
        !matches!(err, Error::NotFound { .. } | Error::UniqueViolation { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("syntax"), "{err}");
}

/// A script stops at its first failing statement and reports it, also
/// when that is not the first (the MySQL driver drops later results'
/// errors unless each is read).
fn a_late_failure_in_a_batch_is_reported(db: &Db) {
    let err = db
        .execute_batch(
            "UPDATE users SET age = 1; INSERT INTO nowhere VALUES (1); UPDATE users SET age = 2",
        )
        .unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

common::backend_tests!(blog: a_late_failure_in_a_batch_is_reported, unique_violation, primary_key_clash_is_a_unique_violation, foreign_key_violation, not_null_violation_names_the_column, check_violation, type_mismatch_names_the_column, not_found_and_syntax_errors);

/// `Db::connect` picks the backend by the URL's scheme and names the
/// schemes it takes when it knows none.
#[test]
fn connect_dispatches_on_the_url_scheme() {
    let db = Db::connect("sqlite::memory:").unwrap();
    assert!(db.is_sqlite());
    let err = Db::connect("redis://127.0.0.1:6379").unwrap_err();
    match &err {
        Error::UnsupportedUrl { scheme } => assert_eq!(scheme, "redis"),
        other => panic!("expected UnsupportedUrl, got {other:?}"),
    }
    assert!(err.to_string().contains("mysql://"), "{err}");
    // A server that is not there is an error, not a hang (connect timeout).
    let err = Db::connect("mysql://u:p@127.0.0.1:1/db").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Driver {
                backend: "mysql",
                ..
            }
        ),
        "{err:?}"
    );
}
