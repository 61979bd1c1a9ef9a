//! Typed errors: each constraint violation is its own variant.

mod common;

use common::*;
use mini_orm::{Error, Model, Value};

#[test]
fn unique_violation() {
    let db = blog_db();
    db.insert(&mut user("ada", 1, None)).unwrap();
    let err = db.insert(&mut user("ada", 2, None)).unwrap_err();
    match err {
        Error::UniqueViolation { message } => assert!(message.contains("users.name"), "{message}"),
        other => panic!("expected UniqueViolation, got {other:?}"),
    }
}

#[test]
fn primary_key_clash_is_a_unique_violation() {
    let db = blog_db();
    let mut a = user("a", 1, None);
    db.insert(&mut a).unwrap();
    let r = db.execute(
        "INSERT INTO users (id, name) VALUES (?, 'b')",
        &[Value::Integer(a.id)],
    );
    assert!(matches!(r, Err(Error::UniqueViolation { .. })), "{r:?}");
}

#[test]
fn foreign_key_violation() {
    let db = blog_db();
    let err = db
        .insert(&mut Post {
            id: 0,
            user_id: 42,
            title: "orphan".into(),
        })
        .unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation { .. }), "{err:?}");
}

#[test]
fn not_null_violation_names_the_column() {
    let db = blog_db();
    let err = db
        .execute("INSERT INTO users (name) VALUES (NULL)", &[])
        .unwrap_err();
    match err {
        Error::NotNullViolation { message } => assert!(message.contains("users.name"), "{message}"),
        other => panic!("expected NotNullViolation, got {other:?}"),
    }
}

#[test]
fn check_violation() {
    let db = blog_db();
    db.execute_batch("CREATE TABLE t (n INTEGER CHECK (n > 0))")
        .unwrap();
    let err = db
        .execute("INSERT INTO t (n) VALUES (?)", &[Value::Integer(-1)])
        .unwrap_err();
    assert!(matches!(err, Error::CheckViolation { .. }), "{err:?}");
}

#[test]
fn type_mismatch_names_the_column() {
    let db = blog_db();
    // SQLite is dynamically typed: a TEXT can land in an INTEGER column.
    db.execute(
        "INSERT INTO users (name, age) VALUES ('x', 'not a number')",
        &[],
    )
    .unwrap();
    let err = User::query().all(&db).unwrap_err();
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

#[test]
fn not_found_and_syntax_errors() {
    let db = blog_db();
    assert!(matches!(
        db.find::<Post>(1),
        Err(Error::NotFound { table: "posts" })
    ));
    assert!(matches!(db.execute("SELEC 1", &[]), Err(Error::Sqlite(_))));
}
