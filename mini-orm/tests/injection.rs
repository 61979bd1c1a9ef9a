//! SQL injection attempts through values and names: values are always bound,
//! names always quoted, so every attempt is data, never SQL.

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
];

fn hostile_values_are_stored_and_matched_verbatim(db: &Db) {
    // PostgreSQL text cannot hold NUL: there it must be a clean error.
    let attacks: Vec<&str> = ATTACKS
        .iter()
        .copied()
        .filter(|a| db.is_sqlite() || !a.contains('\0'))
        .collect();
    if !db.is_sqlite() {
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

common::dual_tests!(blog: hostile_values_are_stored_and_matched_verbatim, hostile_identifiers_are_quoted, the_generated_sql_never_contains_the_value);
