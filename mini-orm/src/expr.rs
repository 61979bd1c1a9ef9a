//! Typed column handles and the filter expressions built from them.
//!
//! `#[derive(Model)]` gives every field a constant handle, `User::NAME:
//! Column<User, String>`. Its methods build a [`Filter`] tree; the value
//! side takes anything that is [`AsParam`] of the column's type, so
//! `User::ID.eq("1")` does not compile. Rendering never splices a value into
//! the SQL text: every value becomes a bound parameter, and every name is
//! quoted by the dialect. This mirrors Diesel's `ExpressionMethods`
//! (`eq`, `gt`, `eq_any`, `like`, `is_null`) with runtime trees instead of
//! Diesel's type-level ones.

use std::marker::PhantomData;

use crate::dialect::Dialect;
use crate::model::Model;
use crate::value::{AsParam, Value, ValueRef};

/// A typed handle on column `name` of model `M`, whose Rust type is `T`.
pub struct Column<M, T> {
    name: &'static str,
    _types: PhantomData<fn() -> (M, T)>,
}

// Manual impls: a derive would demand `M: Clone, T: Clone`.
impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Column<M, T> {}
impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

impl<M, T> Column<M, T> {
    /// The handle for column `name` (what the derive macro emits).
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            _types: PhantomData,
        }
    }

    /// The SQL column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model, T> Column<M, T> {
    fn cmp(self, op: CmpOp, value: Value) -> Filter {
        Filter(Node::Cmp {
            col: self.qualified(),
            op,
            value,
        })
    }

    pub(crate) fn qualified(self) -> ColRef {
        ColRef {
            table: M::TABLE,
            name: self.name,
        }
    }

    /// `col = value`.
    pub fn eq(self, value: impl AsParam<T>) -> Filter {
        self.cmp(CmpOp::Eq, value.into_value())
    }
    /// `col <> value`.
    pub fn ne(self, value: impl AsParam<T>) -> Filter {
        self.cmp(CmpOp::Ne, value.into_value())
    }
    /// `col > value`.
    pub fn gt(self, value: impl AsParam<T>) -> Filter {
        self.cmp(CmpOp::Gt, value.into_value())
    }
    /// `col >= value`.
    pub fn ge(self, value: impl AsParam<T>) -> Filter {
        self.cmp(CmpOp::Ge, value.into_value())
    }
    /// `col < value`.
    pub fn lt(self, value: impl AsParam<T>) -> Filter {
        self.cmp(CmpOp::Lt, value.into_value())
    }
    /// `col <= value`.
    pub fn le(self, value: impl AsParam<T>) -> Filter {
        self.cmp(CmpOp::Le, value.into_value())
    }
    /// `col LIKE pattern` (the pattern is bound, `%`/`_` are the wildcards).
    pub fn like(self, pattern: &str) -> Filter {
        self.cmp(CmpOp::Like, Value::Text(pattern.to_owned()))
    }
    /// `col IN (v1, v2, ...)`; an empty list matches nothing. Diesel's `eq_any`.
    pub fn in_<V: AsParam<T>>(self, values: impl IntoIterator<Item = V>) -> Filter {
        let values = values.into_iter().map(AsParam::into_value).collect();
        Filter(Node::In {
            col: self.qualified(),
            values,
            negated: false,
        })
    }
    /// `col NOT IN (...)`; an empty list matches everything.
    pub fn not_in<V: AsParam<T>>(self, values: impl IntoIterator<Item = V>) -> Filter {
        let values = values.into_iter().map(AsParam::into_value).collect();
        Filter(Node::In {
            col: self.qualified(),
            values,
            negated: true,
        })
    }
    /// `col IS NULL`.
    pub fn is_null(self) -> Filter {
        Filter(Node::Null {
            col: self.qualified(),
            negated: false,
        })
    }
    /// `col IS NOT NULL`.
    pub fn is_not_null(self) -> Filter {
        Filter(Node::Null {
            col: self.qualified(),
            negated: true,
        })
    }
    /// `col = other_col`, for join conditions (`Post::USER_ID.eq_col(User::ID)`).
    pub fn eq_col<M2: Model, T2>(self, other: Column<M2, T2>) -> Filter
    where
        T2: AsParam<T>,
    {
        Filter(Node::ColEq {
            left: self.qualified(),
            right: other.qualified(),
        })
    }
    /// `ORDER BY col ASC`.
    pub fn asc(self) -> Order {
        Order {
            col: self.qualified(),
            desc: false,
        }
    }
    /// `ORDER BY col DESC`.
    pub fn desc(self) -> Order {
        Order {
            col: self.qualified(),
            desc: true,
        }
    }
    /// `SET col = value`, for [`Query::update`](crate::Query::update).
    pub fn set(self, value: impl AsParam<T>) -> Assignment {
        Assignment {
            column: self.name,
            value: value.into_value(),
        }
    }
}

/// A table-qualified column name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColRef {
    /// Table name.
    pub table: &'static str,
    /// Column name.
    pub name: &'static str,
}

/// Appends a `&'static str`'s identity (address and length) to a shape key:
/// equal identities mean equal text, because static strings never change.
/// Equal text at two addresses only costs a second cache entry.
#[inline]
pub(crate) fn push_str_id(key: &mut Vec<usize>, s: &'static str) {
    key.extend([s.as_ptr() as usize, s.len()]);
}

impl ColRef {
    #[inline]
    pub(crate) fn shape(&self, key: &mut Vec<usize>) {
        key.extend([
            self.table.as_ptr() as usize,
            self.table.len(),
            self.name.as_ptr() as usize,
            self.name.len(),
        ]);
    }

    pub(crate) fn write(&self, d: &dyn Dialect, sql: &mut String) {
        d.quote(self.table, sql);
        sql.push('.');
        d.quote(self.name, sql);
    }
}

/// One `ORDER BY` term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub(crate) col: ColRef,
    pub(crate) desc: bool,
}

/// One `SET col = value` of an UPDATE.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
}

impl CmpOp {
    fn sql(self) -> &'static str {
        match self {
            CmpOp::Eq => " = ",
            CmpOp::Ne => " <> ",
            CmpOp::Gt => " > ",
            CmpOp::Ge => " >= ",
            CmpOp::Lt => " < ",
            CmpOp::Le => " <= ",
            CmpOp::Like => " LIKE ",
        }
    }
}

/// A boolean SQL expression over columns, combined with [`and`](Filter::and),
/// [`or`](Filter::or) and [`not`](Filter::not).
#[derive(Clone, Debug, PartialEq)]
pub struct Filter(Node);

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Cmp {
        col: ColRef,
        op: CmpOp,
        value: Value,
    },
    ColEq {
        left: ColRef,
        right: ColRef,
    },
    In {
        col: ColRef,
        values: Vec<Value>,
        negated: bool,
    },
    Null {
        col: ColRef,
        negated: bool,
    },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
}

impl Filter {
    /// Both must hold.
    pub fn and(self, other: Filter) -> Filter {
        Filter(Node::And(Box::new(self.0), Box::new(other.0)))
    }
    /// Either holds.
    pub fn or(self, other: Filter) -> Filter {
        Filter(Node::Or(Box::new(self.0), Box::new(other.0)))
    }
    /// Negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Filter {
        Filter(Node::Not(Box::new(self.0)))
    }

    /// Appends what determines this filter's SQL text — node kinds, column
    /// identities, operators, IN-list lengths — but not its values.
    pub(crate) fn shape(&self, key: &mut Vec<usize>) {
        self.0.shape(key);
    }

    /// Pushes the filter's values in the order [`write_sql`](Filter::write_sql)
    /// binds them.
    pub(crate) fn values<'a>(&'a self, out: &mut Vec<ValueRef<'a>>) {
        self.0.values(out);
    }

    /// Appends the expression to `sql`, pushing its values to `params` and
    /// writing each one's placeholder.
    pub fn write_sql(&self, d: &dyn Dialect, sql: &mut String, params: &mut Vec<Value>) {
        self.0.write(d, sql, params);
    }
}

impl Node {
    fn shape(&self, key: &mut Vec<usize>) {
        match self {
            Node::Cmp { col, op, .. } => {
                key.extend([1, *op as usize]);
                col.shape(key);
            }
            Node::ColEq { left, right } => {
                key.push(2);
                left.shape(key);
                right.shape(key);
            }
            Node::In {
                col,
                values,
                negated,
            } => {
                key.extend([3, usize::from(*negated), values.len()]);
                col.shape(key);
            }
            Node::Null { col, negated } => {
                key.extend([4, usize::from(*negated)]);
                col.shape(key);
            }
            Node::And(a, b) | Node::Or(a, b) => {
                key.push(if matches!(self, Node::And(..)) { 5 } else { 6 });
                a.shape(key);
                b.shape(key);
            }
            Node::Not(a) => {
                key.push(7);
                a.shape(key);
            }
        }
    }

    fn values<'a>(&'a self, out: &mut Vec<ValueRef<'a>>) {
        match self {
            Node::Cmp { value, .. } => out.push(value.as_ref()),
            Node::In { values, .. } => out.extend(values.iter().map(Value::as_ref)),
            Node::ColEq { .. } | Node::Null { .. } => {}
            Node::And(a, b) | Node::Or(a, b) => {
                a.values(out);
                b.values(out);
            }
            Node::Not(a) => a.values(out),
        }
    }

    fn write(&self, d: &dyn Dialect, sql: &mut String, params: &mut Vec<Value>) {
        match self {
            Node::Cmp { col, op, value } => {
                col.write(d, sql);
                sql.push_str(op.sql());
                bind(d, value.clone(), sql, params);
            }
            Node::ColEq { left, right } => {
                left.write(d, sql);
                sql.push_str(" = ");
                right.write(d, sql);
            }
            Node::In {
                values, negated, ..
            } if values.is_empty() => {
                // `x IN ()` is a syntax error in PostgreSQL; the empty set
                // is a constant instead.
                sql.push_str(if *negated { "1 = 1" } else { "1 = 0" });
            }
            Node::In {
                col,
                values,
                negated,
            } => {
                col.write(d, sql);
                sql.push_str(if *negated { " NOT IN (" } else { " IN (" });
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    bind(d, v.clone(), sql, params);
                }
                sql.push(')');
            }
            Node::Null { col, negated } => {
                col.write(d, sql);
                sql.push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::And(a, b) | Node::Or(a, b) => {
                sql.push('(');
                a.write(d, sql, params);
                sql.push_str(if matches!(self, Node::And(..)) {
                    " AND "
                } else {
                    " OR "
                });
                b.write(d, sql, params);
                sql.push(')');
            }
            Node::Not(a) => {
                sql.push_str("NOT (");
                a.write(d, sql, params);
                sql.push(')');
            }
        }
    }
}

/// Pushes `value` as the next parameter and writes its placeholder.
pub(crate) fn bind(d: &dyn Dialect, value: Value, sql: &mut String, params: &mut Vec<Value>) {
    params.push(value);
    d.placeholder(params.len(), sql);
}
