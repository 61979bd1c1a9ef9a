//! CRUD and the query builder on in-memory SQLite.

mod common;

use common::*;
use mini_orm::{Db, Error, Model, QuoteStyle, Value};

fn insert_sets_id_and_find_reads_it_back(db: &Db) {
    let mut ada = user("ada", 36, Some("black"));
    db.insert(&mut ada).unwrap();
    assert_eq!(ada.id, 1);
    let mut bob = user("bob", 20, None);
    db.insert(&mut bob).unwrap();
    assert_eq!(bob.id, 2);
    assert_eq!(db.find::<User>(1).unwrap(), ada);
    assert_eq!(db.find::<User>(2).unwrap(), bob);
    assert!(matches!(
        db.find::<User>(3),
        Err(Error::NotFound { table: "users" })
    ));
}

fn insert_many_uses_chunks_under_the_parameter_limit(db: &Db) {
    let mut users: Vec<User> = (0..25).map(|i| user(&format!("u{i}"), i, None)).collect();
    // 3 inserted columns per row, 7 params allowed: 2 rows per statement.
    db.set_max_params(7);
    let before = db.statements_run();
    assert_eq!(db.insert_many(&mut users).unwrap(), 25);
    let statements = db.statements_run() - before;
    // BEGIN + 13 inserts + COMMIT.
    assert_eq!(statements, 15);
    assert_eq!(User::query().count(db).unwrap(), 25);
    db.set_max_params(usize::MAX);
    let mut more: Vec<User> = (25..125).map(|i| user(&format!("u{i}"), i, None)).collect();
    let before = db.statements_run();
    db.insert_many(&mut more).unwrap();
    assert_eq!(
        db.statements_run() - before,
        1,
        "100 rows fit one statement"
    );
    assert_eq!(User::query().count(db).unwrap(), 125);
}

fn insert_many_is_all_or_nothing_across_chunks(db: &Db) {
    db.set_max_params(3);
    let mut users = vec![user("a", 1, None), user("b", 2, None), user("a", 3, None)];
    assert!(matches!(
        db.insert_many(&mut users),
        Err(Error::UniqueViolation { .. })
    ));
    assert_eq!(User::query().count(db).unwrap(), 0);
}

fn seed_users(db: &Db) {
    let mut users = vec![
        user("ada", 36, Some("black")),
        user("bob", 17, None),
        user("cy", 52, Some("brown")),
        user("dee", 18, Some("black")),
        user("eve", 29, None),
    ];
    db.insert_many(&mut users).unwrap();
}

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

fn filters_order_limit_offset(db: &Db) {
    seed_users(db);
    let adults = User::query()
        .filter(User::AGE.gt(18))
        .order_by(User::AGE.desc())
        .all(db)
        .unwrap();
    assert_eq!(names(&adults), ["cy", "ada", "eve"]);
    let q = User::query().filter(User::HAIR_COLOR.eq("black").and(User::AGE.ge(18)));
    assert_eq!(
        names(&q.order_by(User::NAME.asc()).all(db).unwrap()),
        ["ada", "dee"]
    );
    let page = User::query()
        .order_by(User::NAME.asc())
        .limit(2)
        .offset(1)
        .all(db)
        .unwrap();
    assert_eq!(names(&page), ["bob", "cy"]);
    let tail = User::query()
        .order_by(User::NAME.asc())
        .offset(3)
        .all(db)
        .unwrap();
    assert_eq!(names(&tail), ["dee", "eve"]);
    let nulls = User::query()
        .filter(User::HAIR_COLOR.is_null())
        .order_by(User::NAME.asc())
        .all(db)
        .unwrap();
    assert_eq!(names(&nulls), ["bob", "eve"]);
    let some = User::query()
        .filter(User::NAME.in_(["bob", "eve", "zed"]))
        .all(db)
        .unwrap();
    assert_eq!(some.len(), 2);
    assert!(
        User::query()
            .filter(User::NAME.in_(Vec::<String>::new()))
            .all(db)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        User::query()
            .filter(User::NAME.not_in(Vec::<String>::new()))
            .count(db)
            .unwrap(),
        5
    );
    let like = User::query()
        .filter(User::NAME.like("%e%"))
        .order_by(User::NAME.asc())
        .all(db)
        .unwrap();
    assert_eq!(names(&like), ["dee", "eve"]);
    let either = User::query()
        .filter(User::AGE.lt(18).or(User::AGE.gt(50)).not())
        .count(db)
        .unwrap();
    assert_eq!(either, 3);
}

fn count_exists_first_select_subset(db: &Db) {
    seed_users(db);
    assert_eq!(User::query().count(db).unwrap(), 5);
    assert!(
        User::query()
            .filter(User::NAME.eq("cy"))
            .exists(db)
            .unwrap()
    );
    assert!(
        !User::query()
            .filter(User::NAME.eq("zed"))
            .exists(db)
            .unwrap()
    );
    let first = User::query()
        .order_by(User::AGE.asc())
        .first(db)
        .unwrap()
        .unwrap();
    assert_eq!(first.name, "bob");
    let pairs: Vec<(String, i64)> = User::query()
        .filter(User::AGE.le(18))
        .order_by(User::NAME.asc())
        .select((User::NAME, User::AGE))
        .all(db)
        .unwrap();
    assert_eq!(pairs, vec![("bob".to_owned(), 17), ("dee".to_owned(), 18)]);
    let hair: Vec<(Option<String>,)> = User::query()
        .order_by(User::NAME.asc())
        .limit(2)
        .select((User::HAIR_COLOR,))
        .all(db)
        .unwrap();
    assert_eq!(hair, vec![(Some("black".to_owned()),), (None,)]);
}

fn update_record_and_update_by_filter(db: &Db) {
    seed_users(db);
    let mut bob = User::query()
        .filter(User::NAME.eq("bob"))
        .first(db)
        .unwrap()
        .unwrap();
    bob.age = 18;
    bob.hair_color = Some("red".into());
    db.update(&mut bob).unwrap();
    assert_eq!(db.find::<User>(bob.id).unwrap(), bob);
    let changed = User::query()
        .filter(User::HAIR_COLOR.eq("black"))
        .update(db, &[User::HAIR_COLOR.set("grey"), User::AGE.set(99)])
        .unwrap();
    assert_eq!(changed, 2);
    assert_eq!(User::query().filter(User::AGE.eq(99)).count(db).unwrap(), 2);
    let mut ghost = user("ghost", 1, None);
    ghost.id = 999;
    assert!(matches!(db.update(&mut ghost), Err(Error::NotFound { .. })));
}

fn delete_record_and_delete_by_filter(db: &Db) {
    seed_users(db);
    let ada = db.find::<User>(1).unwrap();
    db.delete(&ada).unwrap();
    assert!(matches!(db.delete(&ada), Err(Error::NotFound { .. })));
    assert_eq!(
        User::query().filter(User::AGE.lt(20)).delete(db).unwrap(),
        2
    );
    assert_eq!(User::query().count(db).unwrap(), 2);
}

fn upsert_inserts_then_overwrites(db: &Db) {
    let mut u = user("ada", 1, None);
    u.id = 7;
    db.upsert(&u).unwrap();
    u.age = 2;
    u.hair_color = Some("black".into());
    db.upsert(&u).unwrap();
    assert_eq!(User::query().count(db).unwrap(), 1);
    assert_eq!(db.find::<User>(7).unwrap(), u);
}

fn left_join_yields_none_for_users_without_posts(db: &Db) {
    seed_users(db);
    let mut p = Post {
        id: 0,
        user_id: 1,
        title: "hello".into(),
    };
    db.insert(&mut p).unwrap();
    let rows = User::query()
        .filter(User::AGE.gt(30))
        .order_by(User::NAME.asc())
        .left_join::<Post>(Post::USER_ID.eq_col(User::ID))
        .all(db)
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0.name, "ada");
    assert_eq!(rows[0].1.as_ref().map(|p| p.title.as_str()), Some("hello"));
    assert_eq!(rows[1].0.name, "cy");
    assert!(rows[1].1.is_none());
}

fn raw_sql_with_bound_parameters(db: &Db) {
    seed_users(db);
    let rows: Vec<(String, i64)> = db
        .query_as(
            &sql(db, "SELECT name, age FROM users WHERE age > ? ORDER BY age"),
            &[Value::from(30)],
        )
        .unwrap();
    assert_eq!(rows, vec![("ada".to_owned(), 36), ("cy".to_owned(), 52)]);
    assert_eq!(
        db.execute(
            &sql(db, "UPDATE users SET age = age + ? WHERE name = ?"),
            &[Value::from(1), Value::from("cy")]
        )
        .unwrap(),
        1
    );
    let models: Vec<User> = db
        .query_as(
            &sql(
                db,
                &format!(
                    "SELECT {} FROM users WHERE name = ?",
                    User::select_list(db.dialect())
                ),
            ),
            &["cy".into()],
        )
        .unwrap();
    assert_eq!(models[0].age, 53);
}

fn defaults_and_create_table_sql(db: &Db) {
    db.execute(
        &sql(db, "INSERT INTO users (name) VALUES (?)"),
        &["x".into()],
    )
    .unwrap();
    let x = User::query().first(db).unwrap().unwrap();
    assert_eq!(x.age, 0, "DEFAULT 0 applied");
    assert!(db.table_exists("users").unwrap());
    assert!(!db.table_exists("nope").unwrap());
    db.drop_table::<PostTag>().unwrap();
    assert!(!db.table_exists("post_tags").unwrap());
}

/// Queries of one structure share cached SQL text; values and columns must
/// still be their own.
fn repeated_shapes_keep_their_values_and_columns(db: &Db) {
    seed_users(db);
    for (name, want) in [("ada", 1), ("bob", 1), ("zed", 0), ("ada", 1)] {
        assert_eq!(
            User::query()
                .filter(User::NAME.eq(name))
                .all(db)
                .unwrap()
                .len(),
            want,
            "{name}"
        );
    }
    // Same shape, other column.
    assert_eq!(
        User::query()
            .filter(User::HAIR_COLOR.eq("ada"))
            .all(db)
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        User::query()
            .filter(User::HAIR_COLOR.eq("black"))
            .all(db)
            .unwrap()
            .len(),
        2
    );
    // IN lists of different lengths, joins with different filters.
    assert_eq!(
        User::query()
            .filter(User::NAME.in_(["ada"]))
            .all(db)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        User::query()
            .filter(User::NAME.in_(["ada", "cy", "eve"]))
            .all(db)
            .unwrap()
            .len(),
        3
    );
    for (hair, want) in [("black", 2), ("brown", 1), ("none", 0)] {
        let rows = User::query()
            .filter(User::HAIR_COLOR.eq(hair))
            .left_join::<Post>(Post::USER_ID.eq_col(User::ID))
            .all(db)
            .unwrap();
        assert_eq!(rows.len(), want, "{hair}");
    }
    // Limit without and with offset.
    assert_eq!(
        User::query()
            .filter(User::AGE.gt(0))
            .limit(2)
            .all(db)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        User::query()
            .filter(User::AGE.gt(0))
            .limit(2)
            .offset(4)
            .all(db)
            .unwrap()
            .len(),
        1
    );
}

/// A subset of `users`' columns, as its own struct: selecting "into
/// another struct" is a second model over the same table.
#[derive(Model, Debug, PartialEq)]
#[orm(table = "users")]
struct UserName {
    id: i64,
    name: String,
}

fn select_into_another_struct(db: &Db) {
    seed_users(db);
    let young = UserName::query()
        .filter(UserName::NAME.in_(["bob", "dee"]))
        .order_by(UserName::NAME.asc())
        .all(db)
        .unwrap();
    assert_eq!(
        young,
        [
            UserName {
                id: 2,
                name: "bob".into()
            },
            UserName {
                id: 4,
                name: "dee".into()
            }
        ]
    );
    let (sql, _) = UserName::query().to_sql(db.dialect());
    let want = r#"SELECT "users"."id", "users"."name" FROM "users""#;
    match db.dialect().quote_style() {
        QuoteStyle::Ansi => assert_eq!(sql, want),
        QuoteStyle::Backtick => assert_eq!(sql, want.replace('"', "`")),
    }
}

/// Users → posts → comments: LEFT joins keep users without posts and posts
/// without comments as `None`; the inner form keeps only full chains.
fn three_table_joins(db: &Db) {
    let mut ada = user("ada", 36, None);
    let mut bob = user("bob", 20, None);
    let mut cy = user("cy", 52, None);
    for u in [&mut ada, &mut bob, &mut cy] {
        db.insert(u).unwrap();
    }
    let mut p1 = Post {
        id: 0,
        user_id: ada.id,
        title: "a1".into(),
    };
    let mut p2 = Post {
        id: 0,
        user_id: ada.id,
        title: "a2".into(),
    };
    let mut p3 = Post {
        id: 0,
        user_id: bob.id,
        title: "b1".into(),
    };
    for p in [&mut p1, &mut p2, &mut p3] {
        db.insert(p).unwrap();
    }
    let mut c1 = Comment {
        id: 0,
        post_id: p1.id,
        text: "on a1".into(),
    };
    let mut c2 = Comment {
        id: 0,
        post_id: p1.id,
        text: "again a1".into(),
    };
    let mut c3 = Comment {
        id: 0,
        post_id: p3.id,
        text: "on b1".into(),
    };
    for c in [&mut c1, &mut c2, &mut c3] {
        db.insert(c).unwrap();
    }
    let chain = User::query()
        .filter(User::AGE.gt(18))
        .order_by(User::ID.asc())
        .order_by(Post::ID.asc())
        .order_by(Comment::ID.asc());
    // ANCHOR: three_tables
    let rows = chain
        .clone()
        .left_join::<Post>(Post::USER_ID.eq_col(User::ID))
        .left_join::<Comment>(Comment::POST_ID.eq_col(Post::ID))
        .all(db)
        .unwrap();
    // ANCHOR_END: three_tables
    let summary: Vec<(&str, Option<&str>, Option<&str>)> = rows
        .iter()
        .map(|(u, p, c)| {
            (
                u.name.as_str(),
                p.as_ref().map(|p| p.title.as_str()),
                c.as_ref().map(|c| c.text.as_str()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ada", Some("a1"), Some("on a1")),
            ("ada", Some("a1"), Some("again a1")),
            ("ada", Some("a2"), None),
            ("bob", Some("b1"), Some("on b1")),
            ("cy", None, None),
        ]
    );
    let inner = chain
        .inner_join::<Post>(Post::USER_ID.eq_col(User::ID))
        .inner_join::<Comment>(
            Comment::POST_ID
                .eq_col(Post::ID)
                .and(Comment::TEXT.like("on%")),
        )
        .all_inner(db)
        .unwrap();
    assert_eq!(inner, [(ada, p1, c1), (bob, p3, c3)]);
}

common::backend_tests!(blog: three_table_joins, select_into_another_struct, repeated_shapes_keep_their_values_and_columns, insert_sets_id_and_find_reads_it_back, insert_many_uses_chunks_under_the_parameter_limit, insert_many_is_all_or_nothing_across_chunks, filters_order_limit_offset, count_exists_first_select_subset, update_record_and_update_by_filter, delete_record_and_delete_by_filter, upsert_inserts_then_overwrites, left_join_yields_none_for_users_without_posts, raw_sql_with_bound_parameters, defaults_and_create_table_sql);
