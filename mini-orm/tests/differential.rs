//! Differential: one script of model operations run on SQLite, PostgreSQL
//! and MySQL/MariaDB; every read's result is written to a transcript and
//! the server transcripts must equal SQLite's, line for line.
//!
//! Documented differences the script stays clear of: MySQL's default
//! collation compares text case- and trailing-space-insensitively, so the
//! names here differ in more than case; ordering is always by a unique
//! column, so ties cannot order differently.

mod common;

use common::*;
use mini_orm::{BelongsTo, Db};

/// Runs the script on `db`, returning what each read saw.
fn transcript(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    let mut log = |what: &str, v: &dyn std::fmt::Debug| out.push(format!("{what}: {v:?}"));

    let mut users: Vec<User> = ["ada", "bob", "cy", "dee", "eve"]
        .iter()
        .enumerate()
        .map(|(i, n)| user(n, 17 + 7 * i as i64, (i % 2 == 0).then_some("black")))
        .collect();
    for u in &mut users {
        db.insert(u).unwrap();
    }
    log("ids", &users.iter().map(|u| u.id).collect::<Vec<_>>());
    for (i, u) in users.iter().enumerate().take(3) {
        for j in 0..=i {
            db.insert(&mut Post {
                id: 0,
                user_id: u.id,
                title: format!("p{i}.{j} with 'quotes' and \\backslash"),
            })
            .unwrap();
        }
    }
    db.insert_many(&mut [
        Tag {
            id: 1,
            label: "rust".into(),
        },
        Tag {
            id: 2,
            label: "sql".into(),
        },
    ])
    .unwrap();

    let q = User::query().order_by(User::NAME.asc());
    log("all", &q.all(db).unwrap());
    log(
        "adults",
        &User::query()
            .filter(User::AGE.ge(24).and(User::HAIR_COLOR.is_not_null()))
            .order_by(User::AGE.desc())
            .all(db)
            .unwrap(),
    );
    log("page", &q.clone().limit(2).offset(1).all(db).unwrap());
    log("count", &User::query().count(db).unwrap());
    log(
        "exists",
        &User::query()
            .filter(User::NAME.like("%y"))
            .exists(db)
            .unwrap(),
    );
    log(
        "select",
        &User::query()
            .select((User::NAME, User::HAIR_COLOR))
            .all(db)
            .unwrap()
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
    );

    let mut bob = db.find::<User>(users[1].id).unwrap();
    bob.age += 1;
    db.update(&mut bob).unwrap();
    db.update(&mut bob).unwrap(); // unchanged: still found
    let n = User::query()
        .filter(User::HAIR_COLOR.is_null())
        .update(db, &[User::HAIR_COLOR.set("grey")])
        .unwrap();
    log("updated", &n);
    db.upsert(&Tag {
        id: 2,
        label: "postgres".into(),
    })
    .unwrap();
    db.upsert(&Tag {
        id: 3,
        label: "mysql".into(),
    })
    .unwrap();
    log(
        "tags",
        &Tag::query().order_by(Tag::ID.asc()).all(db).unwrap(),
    );
    db.delete(&users[4]).unwrap();
    log("after delete", &q.all(db).unwrap());

    let join = User::query()
        .order_by(User::ID.asc())
        .order_by(Post::ID.asc())
        .left_join::<Post>(Post::USER_ID.eq_col(User::ID))
        .all(db)
        .unwrap();
    log("left join", &join);
    let everyone = User::query().order_by(User::ID.asc()).all(db).unwrap();
    log(
        "belonging_to",
        &Post::belonging_to(&everyone)
            .order_by(Post::ID.asc())
            .all(db)
            .unwrap(),
    );
    out
}

fn same_rows_as_sqlite(server: &Db) {
    let want = transcript(&blog_db());
    let got = transcript(server);
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(g, w, "on {}", server.dialect().name());
    }
    assert_eq!(got.len(), want.len());
}

#[test]
fn postgres_matches_sqlite() {
    if let Some(db) = pg_blog_db() {
        same_rows_as_sqlite(&db);
    }
}

#[test]
fn mysql_matches_sqlite() {
    if let Some(db) = mysql_blog_db() {
        same_rows_as_sqlite(&db);
    }
}
