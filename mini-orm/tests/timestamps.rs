//! `#[orm(timestamps)]` and `#[orm(soft_delete)]` on every backend:
//! `created_at`/`updated_at` from the database's clock, in one text form
//! everywhere; deleted rows hidden until `with_deleted()`.

mod common;

use mini_orm::{Db, Error, Model, Value};

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(timestamps, soft_delete)]
struct Note {
    id: i64,
    body: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    deleted_at: Option<String>,
}

fn note(body: &str) -> Note {
    Note {
        id: 0,
        body: body.into(),
        created_at: None,
        updated_at: None,
        deleted_at: None,
    }
}

const OLD: &str = "2000-01-01 00:00:00";

/// `YYYY-MM-DD HH:MM:SS`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// The database's clock, as the models store it.
fn db_now(db: &Db) -> String {
    let sql = format!("SELECT {}", db.dialect().now_sql());
    db.query_as::<(String,)>(&sql, &[]).unwrap().remove(0).0
}

/// Makes every note look written long ago (raw SQL, no timestamps).
fn age_all(db: &Db) {
    db.execute(
        &common::sql(db, "UPDATE notes SET created_at = ?, updated_at = ?"),
        &[Value::from(OLD), Value::from(OLD)],
    )
    .unwrap();
}

fn timestamps_come_from_the_database_clock(db: &Db) {
    db.create_table::<Note>().unwrap();
    let before = db_now(db);
    let mut n = note("first");
    db.insert(&mut n).unwrap();
    let created = n.created_at.clone().expect("set by the insert");
    assert!(is_timestamp(&created), "{created:?}");
    assert!(created >= before && created <= db_now(db), "{created}");
    assert_eq!(n.updated_at, n.created_at);
    assert_eq!(
        db.find::<Note>(n.id).unwrap(),
        n,
        "the record holds what was stored"
    );

    // A given created_at is kept on insert.
    let mut given = note("given");
    given.created_at = Some(OLD.into());
    db.insert(&mut given).unwrap();
    assert_eq!(given.created_at.as_deref(), Some(OLD));

    // Update: updated_at moves to now, created_at stays.
    age_all(db);
    let mut n = db.find::<Note>(n.id).unwrap();
    n.body = "edited".into();
    db.update(&mut n).unwrap();
    assert_eq!(n.created_at.as_deref(), Some(OLD));
    assert!(n.updated_at.as_deref().unwrap() > OLD, "{n:?}");

    // Update by filter: updated_at too.
    age_all(db);
    let changed = Note::query()
        .filter(Note::BODY.eq("given"))
        .update(db, &[Note::BODY.set("regiven")])
        .unwrap();
    assert_eq!(changed, 1);
    let g = db.find::<Note>(given.id).unwrap();
    assert_eq!(
        (g.body.as_str(), g.created_at.as_deref()),
        ("regiven", Some(OLD))
    );
    assert!(g.updated_at.as_deref().unwrap() > OLD);
}

fn soft_delete_hides_rows_until_with_deleted(db: &Db) {
    db.create_table::<Note>().unwrap();
    let (mut a, mut b, mut c) = (note("a"), note("b"), note("c"));
    for n in [&mut a, &mut b, &mut c] {
        db.insert(n).unwrap();
    }
    db.delete(&a).unwrap();
    assert!(matches!(db.find::<Note>(a.id), Err(Error::NotFound { .. })));
    assert!(
        matches!(db.delete(&a), Err(Error::NotFound { .. })),
        "already deleted"
    );
    let ids = |q: mini_orm::Query<Note>| -> Vec<i64> {
        q.order_by(Note::ID.asc())
            .all(db)
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect()
    };
    assert_eq!(ids(Note::query()), [b.id, c.id]);
    assert_eq!(ids(Note::query().with_deleted()), [a.id, b.id, c.id]);
    assert_eq!(Note::query().count(db).unwrap(), 2);
    assert!(!Note::query().filter(Note::ID.eq(a.id)).exists(db).unwrap());
    let gone = Note::query()
        .with_deleted()
        .filter(Note::ID.eq(a.id))
        .first(db)
        .unwrap()
        .expect("still stored");
    assert!(
        is_timestamp(gone.deleted_at.as_deref().unwrap()),
        "{gone:?}"
    );

    // Delete by filter marks; with_deleted() deletes for good.
    assert_eq!(
        Note::query().filter(Note::ID.eq(b.id)).delete(db).unwrap(),
        1
    );
    assert_eq!(ids(Note::query()), [c.id]);
    assert_eq!(
        Note::query()
            .with_deleted()
            .filter(Note::ID.eq(a.id))
            .delete(db)
            .unwrap(),
        1
    );
    assert_eq!(ids(Note::query().with_deleted()), [b.id, c.id]);
}

common::backend_tests!(empty: timestamps_come_from_the_database_clock, soft_delete_hides_rows_until_with_deleted);
