//! A compressed radix tree of route patterns: the httprouter/matchit design.
//!
//! Static text is stored on edges that are split only where two routes
//! diverge; a node may also have one `{param}` child (matching up to the next
//! `/`) and one `{*rest}` child (matching everything left). Lookup tries them
//! in that order — static, then param, then catch-all — and backtracks when a
//! branch dead-ends, so the most specific route wins.
//!
//! ```text
//! insert /users, /users/{id}, /users/{id}/posts, /user_search, /files/{*path}
//!
//! "/"
//! ├── "user"
//! │   ├── "s"            → /users
//! │   │   └── "/"
//! │   │       └── {id}   → /users/{id}
//! │   │           └── "/posts" → /users/{id}/posts
//! │   └── "_search"      → /user_search
//! └── "files/"
//!     └── {*path}        → /files/{*path}
//! ```
//!
//! Mirrors `matchit::Router` (the tree under axum): same pattern syntax,
//! same priority. A difference: parameters occupy whole segments here
//! (`/{name}.txt` is refused at insert), which keeps conflicts simple to state.

use std::sync::Arc;

use super::params::Params;

/// Why a route could not be inserted. Mirrors `matchit::InsertError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsertError {
    /// The pattern is malformed.
    #[error("invalid route `{route}`: {reason}")]
    Invalid {
        /// The pattern given.
        route: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The pattern overlaps an existing one in a way priority cannot resolve.
    #[error("route `{route}` conflicts with existing route `{existing}`")]
    Conflict {
        /// The pattern given.
        route: String,
        /// The route already in the tree it collides with.
        existing: String,
    },
}

/// One piece of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Static(&'a [u8]),
    Param(&'a str),
    CatchAll(&'a str),
}

fn parse_pattern(route: &str) -> Result<Vec<Piece<'_>>, InsertError> {
    let invalid = |reason| InsertError::Invalid {
        route: route.to_string(),
        reason,
    };
    if !route.starts_with('/') {
        return Err(invalid("must start with `/`"));
    }
    let bytes = route.as_bytes();
    let mut pieces = Vec::new();
    let mut i = 0;
    let mut static_start = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                if bytes[i - 1] != b'/' {
                    return Err(invalid("a parameter must start a segment"));
                }
                let close = route[i..]
                    .find('}')
                    .map(|c| i + c)
                    .ok_or_else(|| invalid("unclosed `{`"))?;
                let name = &route[i + 1..close];
                if close + 1 < bytes.len() && bytes[close + 1] != b'/' {
                    return Err(invalid("a parameter must end its segment"));
                }
                if static_start < i {
                    pieces.push(Piece::Static(&bytes[static_start..i]));
                }
                if let Some(rest) = name.strip_prefix('*') {
                    if close + 1 != bytes.len() {
                        return Err(invalid("a catch-all must be the last segment"));
                    }
                    pieces.push(Piece::CatchAll(
                        check_name(rest).ok_or_else(|| invalid("bad parameter name"))?,
                    ));
                } else {
                    pieces.push(Piece::Param(
                        check_name(name).ok_or_else(|| invalid("bad parameter name"))?,
                    ));
                }
                i = close + 1;
                static_start = i;
            }
            b'}' => return Err(invalid("unmatched `}`")),
            _ => i += 1,
        }
    }
    if static_start < bytes.len() {
        pieces.push(Piece::Static(&bytes[static_start..]));
    }
    Ok(pieces)
}

fn check_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b != b'/' && b != b'{' && b != b'}' && b != b'*');
    ok.then_some(name)
}

#[derive(Debug, Default)]
struct Node {
    /// The static bytes on the edge into this node.
    prefix: Vec<u8>,
    /// First byte of each static child, in the same order as `children`.
    indices: Vec<u8>,
    /// Static children.
    children: Vec<Node>,
    /// The `{param}` child, if any.
    param: Option<Box<ParamChild>>,
    /// The `{*rest}` child, if any.
    catch_all: Option<CatchAll>,
    /// The route that ends exactly here.
    route: Option<usize>,
}

#[derive(Debug)]
struct ParamChild {
    /// Parameter name, shared with every match.
    name: Arc<str>,
    /// The first route that introduced this parameter (for conflict messages).
    origin: usize,
    /// What follows the parameter (its prefix is empty).
    node: Node,
}

#[derive(Debug)]
struct CatchAll {
    /// Parameter name.
    name: Arc<str>,
    /// The route it completes.
    route: usize,
}

/// A successful lookup: the value and the captures. Mirrors `matchit::Match`.
#[derive(Debug)]
pub struct Match<'k, T> {
    /// The value stored with the route.
    pub value: &'k T,
    /// The route pattern that matched.
    pub route: &'k str,
    /// Captured parameters as offsets into the looked-up path.
    pub params: Params<'k>,
}

/// A radix tree from route patterns to values. Mirrors `matchit::Router<T>`.
#[derive(Debug)]
pub struct Tree<T> {
    root: Node,
    values: Vec<T>,
    patterns: Vec<String>,
}

impl<T> Default for Tree<T> {
    fn default() -> Self {
        Tree {
            root: Node::default(),
            values: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

impl<T> Tree<T> {
    /// An empty tree.
    pub fn new() -> Tree<T> {
        Tree::default()
    }

    /// The patterns inserted so far, in insertion order.
    pub fn routes(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(String::as_str)
    }

    /// Inserts `route` (`/users/{id}`, `/static/{*path}`) with `value`.
    pub fn insert(&mut self, route: &str, value: T) -> Result<(), InsertError> {
        let pieces = parse_pattern(route)?;
        let id = self.values.len();
        let conflict = |existing: usize, patterns: &[String]| InsertError::Conflict {
            route: route.to_string(),
            existing: patterns[existing].clone(),
        };
        let mut node = &mut self.root;
        for piece in &pieces {
            match piece {
                Piece::Static(s) => node = insert_static(node, s),
                Piece::Param(name) => {
                    let p = node.param.get_or_insert_with(|| {
                        Box::new(ParamChild {
                            name: Arc::from(*name),
                            origin: id,
                            node: Node::default(),
                        })
                    });
                    if &*p.name != *name {
                        return Err(conflict(p.origin, &self.patterns));
                    }
                    node = &mut p.node;
                }
                Piece::CatchAll(name) => {
                    if let Some(c) = &node.catch_all {
                        return Err(conflict(c.route, &self.patterns));
                    }
                    node.catch_all = Some(CatchAll {
                        name: Arc::from(*name),
                        route: id,
                    });
                    self.values.push(value);
                    self.patterns.push(route.to_string());
                    return Ok(());
                }
            }
        }
        if let Some(existing) = node.route {
            return Err(conflict(existing, &self.patterns));
        }
        node.route = Some(id);
        self.values.push(value);
        self.patterns.push(route.to_string());
        Ok(())
    }

    /// Finds the most specific route matching `path` (no query string).
    #[inline]
    pub fn at<'k>(&'k self, path: &str) -> Option<Match<'k, T>> {
        let mut params = Params::default();
        let id = find(&self.root, path.as_bytes(), 0, &mut params)?;
        Some(Match {
            value: &self.values[id],
            route: &self.patterns[id],
            params,
        })
    }
}

/// Walks (and splits) static edges for `s`; returns the node where `s` ends.
fn insert_static<'n>(node: &'n mut Node, s: &[u8]) -> &'n mut Node {
    if s.is_empty() {
        return node;
    }
    let Some(i) = node.indices.iter().position(|&c| c == s[0]) else {
        node.indices.push(s[0]);
        node.children.push(Node {
            prefix: s.to_vec(),
            ..Node::default()
        });
        return node
            .children
            .last_mut()
            .unwrap_or_else(|| unreachable!("just pushed"));
    };
    let child = &mut node.children[i];
    let common = child
        .prefix
        .iter()
        .zip(s)
        .take_while(|(a, b)| a == b)
        .count();
    if common < child.prefix.len() {
        // Split the edge: the shared part stays, the rest moves one level down.
        let tail = Node {
            prefix: child.prefix.split_off(common),
            indices: std::mem::take(&mut child.indices),
            children: std::mem::take(&mut child.children),
            param: child.param.take(),
            catch_all: child.catch_all.take(),
            route: child.route.take(),
        };
        child.indices = vec![tail.prefix[0]];
        child.children = vec![tail];
    }
    insert_static(child, &s[common..])
}

/// Whether `rest` starts with `edge`, whose first byte is already known to
/// match. A plain loop, not slice equality: edges are a few bytes long, and
/// the call into libc's `memcmp` took a quarter of the lookup time (perf, on
/// the GitHub table).
#[inline]
fn edge_matches(rest: &[u8], edge: &[u8]) -> bool {
    rest.len() >= edge.len() && rest.iter().zip(edge).skip(1).all(|(a, b)| a == b)
}

/// Depth-first search in priority order; `node`'s own prefix is already matched.
///
/// Recursion happens only at nodes that offer an alternative (a static child
/// *and* a parameter or catch-all): elsewhere the walk is a loop, as most
/// nodes of a real route table have one kind of child. A failed branch
/// truncates the captures it pushed.
fn find<'k>(
    mut node: &'k Node,
    path: &[u8],
    mut at: usize,
    params: &mut Params<'k>,
) -> Option<usize> {
    loop {
        let rest = &path[at..];
        let Some(&first) = rest.first() else {
            return node.route;
        };
        let has_alternative = node.param.is_some() || node.catch_all.is_some();
        // The first byte is already known to match; compare the rest of the edge.
        let static_child = node
            .indices
            .iter()
            .position(|&c| c == first)
            .and_then(|i| node.children.get(i))
            .filter(|child| edge_matches(rest, &child.prefix));
        if let Some(child) = static_child {
            if !has_alternative {
                at += child.prefix.len();
                node = child;
                continue;
            }
            let mark = params.len();
            if let Some(found) = find(child, path, at + child.prefix.len(), params) {
                return Some(found);
            }
            params.truncate(mark);
        }
        if let Some(p) = &node.param {
            let len = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            if len > 0 {
                let mark = params.len();
                params.push((&p.name, at, at + len));
                if node.catch_all.is_none() {
                    at += len;
                    node = &p.node;
                    continue;
                }
                if let Some(found) = find(&p.node, path, at + len, params) {
                    return Some(found);
                }
                params.truncate(mark);
            }
        }
        if let Some(c) = &node.catch_all {
            params.push((&c.name, at, path.len()));
            return Some(c.route);
        }
        return None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(routes: &[&str]) -> Tree<usize> {
        let mut t = Tree::new();
        for (i, r) in routes.iter().enumerate() {
            t.insert(r, i).unwrap();
        }
        t
    }

    fn lookup(t: &Tree<usize>, path: &str) -> Option<(String, Vec<(String, String)>)> {
        t.at(path).map(|m| {
            let params = m
                .params
                .iter()
                .map(|(n, s, e)| (n.to_string(), path[s..e].to_string()))
                .collect();
            (m.route.to_string(), params)
        })
    }

    #[test]
    fn priority_static_param_catch_all() {
        let t = tree(&[
            "/users/new",
            "/users/{id}",
            "/users/{id}/posts",
            "/{*rest}",
            "/user_search",
            "/",
        ]);
        assert_eq!(lookup(&t, "/users/new").unwrap().0, "/users/new");
        let (r, p) = lookup(&t, "/users/42").unwrap();
        assert_eq!(
            (r.as_str(), p),
            ("/users/{id}", vec![("id".into(), "42".into())])
        );
        assert_eq!(
            lookup(&t, "/users/42/posts").unwrap().0,
            "/users/{id}/posts"
        );
        // Dead end under {id} falls back to the catch-all.
        let (r, p) = lookup(&t, "/users/42/other").unwrap();
        assert_eq!(
            (r.as_str(), p[0].1.as_str()),
            ("/{*rest}", "users/42/other")
        );
        assert_eq!(lookup(&t, "/user_search").unwrap().0, "/user_search");
        assert_eq!(lookup(&t, "/").unwrap().0, "/");
        assert_eq!(lookup(&t, "/users/").unwrap().0, "/{*rest}");
    }

    #[test]
    fn conflicts_and_invalid_patterns() {
        let mut t = tree(&["/users/{id}", "/files/{*path}"]);
        let e = t.insert("/users/{name}", 9).unwrap_err();
        assert_eq!(
            e.to_string(),
            "route `/users/{name}` conflicts with existing route `/users/{id}`"
        );
        assert!(matches!(
            t.insert("/users/{id}", 9),
            Err(InsertError::Conflict { .. })
        ));
        assert!(matches!(
            t.insert("/files/{*other}", 9),
            Err(InsertError::Conflict { .. })
        ));
        for bad in ["users", "/a{b}", "/{a}b", "/{*a}/b", "/{}", "/a}", "/{a"] {
            assert!(
                matches!(t.insert(bad, 0), Err(InsertError::Invalid { .. })),
                "{bad}"
            );
        }
        // A static sibling of a parameter is not a conflict: priority decides.
        t.insert("/users/me", 3).unwrap();
    }

    #[test]
    fn many_params_spill() {
        let t = tree(&["/{a}/{b}/{c}/{d}/{e}/{f}"]);
        let (_, p) = lookup(&t, "/1/2/3/4/5/6").unwrap();
        assert_eq!(
            p.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
            ["1", "2", "3", "4", "5", "6"]
        );
    }
}
