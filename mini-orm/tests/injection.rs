//! SQL injection attempts through values and names: values are always bound,
//! names always quoted, so every attempt is data, never SQL.
//!
//! MySQL adds the classic trap: in its default `sql_mode` a backslash
//! escapes the next character inside a string literal, so code that
//! "escapes" a value by doubling its quotes (right for SQLite and
//! PostgreSQL) is injectable there. The backslash attacks below are stored
//! verbatim through bound values on every backend, and
//! `naive_escaping_is_the_trap_bound_values_avoid` shows the same value
//! breaking out of a hand-escaped literal on MySQL only.

mod common;

use common::*;
use mini_orm::{Db, Model, Value};

const ATTACKS: &[&str] = &[
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "x' OR '1'='1",
    "a\"; DELETE FROM users; --",
    "%' OR name LIKE '%",
    "\0nul",
    "); DROP TABLE users; (",
    // Backslash attacks, aimed at MySQL's escaping.
    "\\'; DROP TABLE users; -- ",
    "\\' OR 1=1 -- ",
    "\\",
    "tail\\",
    "\\\"; DELETE FROM users; --",
];

/// Whether the database stores NUL in text (PostgreSQL refuses it).
fn takes_nul(db: &Db) -> bool {
    db.dialect().name() != "postgres"
}

fn hostile_values_are_stored_and_matched_verbatim(db: &Db) {
    // PostgreSQL text cannot hold NUL: there it must be a clean error.
    let attacks: Vec<&str> = ATTACKS
        .iter()
        .copied()
        .filter(|a| takes_nul(db) || !a.contains('\0'))
        .collect();
    if !takes_nul(db) {
        assert!(db.insert(&mut user("\0nul", 0, None)).is_err());
    }
    for (i, attack) in attacks.iter().enumerate() {
        let mut u = user(attack, i as i64, Some(attack));
        db.insert(&mut u).unwrap();
        assert_eq!(db.find::<User>(u.id).unwrap().name, *attack);
    }
    assert!(db.table_exists("users").unwrap());
    assert_eq!(User::query().count(db).unwrap(), attacks.len() as i64);
    for attack in &attacks {
        let hits = User::query()
            .filter(User::NAME.eq(*attack))
            .all(db)
            .unwrap();
        assert_eq!(hits.len(), 1, "{attack:?} matched {} rows", hits.len());
        assert_eq!(
            User::query()
                .filter(User::HAIR_COLOR.in_([*attack]))
                .count(db)
                .unwrap(),
            1
        );
    }
    // Through update-by-filter and raw SQL too.
    User::query()
        .filter(User::NAME.eq(ATTACKS[0]))
        .update(db, &[User::HAIR_COLOR.set(ATTACKS[1])])
        .unwrap();
    let n: Vec<(i64,)> = db
        .query_as(
            &sql(db, "SELECT COUNT(*) FROM users WHERE name = ?"),
            &[Value::from(ATTACKS[2])],
        )
        .unwrap();
    assert_eq!(n, vec![(1,)]);
    assert_eq!(User::query().count(db).unwrap(), attacks.len() as i64);
}

/// Table and column names with quotes and SQL in them are quoted, not run.
#[derive(Model, Debug, PartialEq)]
#[orm(table = "we\"ird; DROP TABLE users; --")]
struct Weird {
    id: i64,
    #[orm(column = "na\"me")]
    name: String,
}

fn hostile_identifiers_are_quoted(db: &Db) {
    db.create_table::<Weird>().unwrap();
    let mut w = Weird {
        id: 0,
        name: "x".into(),
    };
    db.insert(&mut w).unwrap();
    assert_eq!(
        Weird::query().filter(Weird::NAME.eq("x")).all(db).unwrap(),
        vec![w]
    );
    assert!(db.table_exists("users").unwrap());
    assert!(db.table_exists("we\"ird; DROP TABLE users; --").unwrap());
    assert_eq!(
        db.table_columns("we\"ird; DROP TABLE users; --").unwrap(),
        ["id", "na\"me"]
    );
}

fn the_generated_sql_never_contains_the_value(db: &Db) {
    let (sql, params) = User::query()
        .filter(User::NAME.eq(ATTACKS[0]))
        .to_sql(db.dialect());
    assert!(!sql.contains("DROP"), "{sql}");
    assert_eq!(params, vec![Value::from(ATTACKS[0])]);
}

/// A quote-doubling "escape", the mistake bound parameters make moot.
fn naive_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn naive_escaping_is_the_trap_bound_values_avoid(db: &Db) {
    for name in ["ada", "bob"] {
        db.insert(&mut user(name, 1, None)).unwrap();
    }
    let attack = "\\' OR 1=1 -- ";
    let count = |where_name: &str| -> i64 {
        let sql = format!("SELECT COUNT(*) FROM users WHERE name = {where_name}");
        db.query_as::<(i64,)>(&sql, &[]).unwrap()[0].0
    };
    // Hand-escaped: on MySQL `\'` ends the escape, the doubled quote's
    // second half closes the string, and `OR 1=1` runs — every row matches.
    // Elsewhere a backslash is an ordinary character and nothing matches.
    let hand_escaped = count(&naive_literal(attack));
    if db.dialect().name() == "mysql" {
        assert_eq!(hand_escaped, 2, "the trap is real on MySQL");
    } else {
        assert_eq!(hand_escaped, 0);
    }
    // Bound: the value is data on every backend.
    assert_eq!(
        User::query()
            .filter(User::NAME.eq(attack))
            .count(db)
            .unwrap(),
        0
    );
    db.insert(&mut user(attack, 1, None)).unwrap();
    let found = User::query().filter(User::NAME.eq(attack)).all(db).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, attack);
}

common::backend_tests!(blog: naive_escaping_is_the_trap_bound_values_avoid, hostile_values_are_stored_and_matched_verbatim, hostile_identifiers_are_quoted, the_generated_sql_never_contains_the_value);
