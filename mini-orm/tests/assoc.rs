//! Associations: has-many and belongs-to eager loading in one query per
//! level (counted), many-to-many through a join table, `grouped_by`.

mod common;

use common::*;
use mini_orm::{BelongsTo, Db, GroupedBy, group_by_key};

/// A user with their posts, each with its comments.
type UserTree = (User, Vec<(Post, Vec<Comment>)>);

fn seed(db: &Db) -> (Vec<User>, Vec<Post>) {
    let mut users: Vec<User> = (0..4).map(|i| user(&format!("u{i}"), i, None)).collect();
    for u in &mut users {
        db.insert(u).unwrap();
    }
    let mut posts = Vec::new();
    for (i, u) in users.iter().enumerate().take(3) {
        for j in 0..=i {
            let mut p = Post {
                id: 0,
                user_id: u.id,
                title: format!("p{i}.{j}"),
            };
            db.insert(&mut p).unwrap();
            posts.push(p);
        }
    }
    for p in &posts {
        for k in 0..2 {
            db.insert(&mut Comment {
                id: 0,
                post_id: p.id,
                text: format!("{} c{k}", p.title),
            })
            .unwrap();
        }
    }
    (users, posts)
}

fn three_levels_in_three_queries(db: &Db) {
    seed(db);
    let before = db.statements_run();
    let users = User::query().order_by(User::ID.asc()).all(db).unwrap();
    let posts = Post::belonging_to(&users)
        .order_by(Post::ID.asc())
        .all(db)
        .unwrap();
    let comments = Comment::belonging_to(&posts).all(db).unwrap();
    assert_eq!(
        db.statements_run() - before,
        3,
        "one query per level, never N+1"
    );

    let comments = comments.grouped_by(&posts);
    let tree: Vec<UserTree> = users
        .iter()
        .cloned()
        .zip(group_by_key(
            posts.into_iter().zip(comments),
            &users,
            |(p, _)| Some(p.user_id),
        ))
        .collect();
    let shape: Vec<(usize, Vec<usize>)> = tree
        .iter()
        .map(|(_, ps)| (ps.len(), ps.iter().map(|(_, cs)| cs.len()).collect()))
        .collect();
    assert_eq!(
        shape,
        [
            (1, vec![2]),
            (2, vec![2, 2]),
            (3, vec![2, 2, 2]),
            (0, vec![])
        ]
    );
    for (u, ps) in &tree {
        for (p, cs) in ps {
            assert_eq!(p.user_id, u.id);
            assert!(
                cs.iter()
                    .all(|c| c.post_id == p.id && c.text.starts_with(&p.title))
            );
        }
    }
}

fn load_children_and_parents(db: &Db) {
    let (users, posts) = seed(db);
    let before = db.statements_run();
    let by_user: Vec<Vec<Post>> = db.load_children::<User, Post>(&users).unwrap();
    assert_eq!(
        by_user.iter().map(Vec::len).collect::<Vec<_>>(),
        [1, 2, 3, 0]
    );
    let owners: Vec<Option<User>> = db.load_parents::<Post, User>(&posts).unwrap();
    assert_eq!(db.statements_run() - before, 2);
    for (p, owner) in posts.iter().zip(&owners) {
        assert_eq!(owner.as_ref().map(|u| u.id), Some(p.user_id));
    }
    // Chunked under a tiny parameter limit: still correct, more queries.
    db.set_max_params(2);
    let again: Vec<Vec<Post>> = db.load_children::<User, Post>(&users).unwrap();
    assert_eq!(again, by_user);
}

fn many_to_many_through_a_join_table(db: &Db) {
    let (_, posts) = seed(db);
    let mut tags: Vec<Tag> = ["rust", "sql", "orm"]
        .iter()
        .map(|l| Tag {
            id: 0,
            label: (*l).into(),
        })
        .collect();
    for t in &mut tags {
        db.insert(t).unwrap();
    }
    let links = [(0, 0), (0, 1), (1, 1), (2, 0), (2, 1), (2, 2)];
    for (p, t) in links {
        db.insert(&mut PostTag {
            id: 0,
            post_id: posts[p].id,
            tag_id: tags[t].id,
        })
        .unwrap();
    }
    let before = db.statements_run();
    let per_post: Vec<Vec<Tag>> = db
        .load_many_to_many::<Post, PostTag, Tag>(&posts[..4])
        .unwrap();
    assert_eq!(db.statements_run() - before, 2);
    let labels: Vec<Vec<&str>> = per_post
        .iter()
        .map(|ts| ts.iter().map(|t| t.label.as_str()).collect())
        .collect();
    assert_eq!(
        labels,
        [
            vec!["rust", "sql"],
            vec!["sql"],
            vec!["rust", "sql", "orm"],
            vec![]
        ]
    );
}

#[test]
fn belonging_to_renders_an_in_list() {
    let users = vec![
        User {
            id: 3,
            ..user("a", 1, None)
        },
        User {
            id: 9,
            ..user("b", 1, None)
        },
    ];
    let (sql, params) = Post::belonging_to(&users).to_sql(&mini_orm::Sqlite);
    assert_eq!(
        sql,
        r#"SELECT "posts"."id", "posts"."user_id", "posts"."title" FROM "posts" WHERE "posts"."user_id" IN (?, ?)"#
    );
    assert_eq!(params, [3.into(), 9.into()]);
    assert_eq!(<Post as BelongsTo<User>>::FOREIGN_KEY, "user_id");
}

common::backend_tests!(blog: three_levels_in_three_queries, load_children_and_parents, many_to_many_through_a_join_table);
