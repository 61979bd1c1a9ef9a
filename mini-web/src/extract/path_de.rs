//! A serde `Deserializer` over the router's captures, behind `Path<T>`.
//!
//! Mirrors axum's `extract/path/de.rs` in what it accepts: a single value
//! (`Path<u32>`), a tuple in route order (`Path<(String, u32)>`), or a struct
//! / map by parameter name (`Path<Params>`). Each value is parsed from text
//! on demand, so a failure can name the parameter and the expected type.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// A failure, with the parameter it concerns when one is known.
#[derive(Debug)]
pub(crate) struct PathError {
    pub(crate) param: Option<String>,
    pub(crate) message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PathError {
            param: None,
            message: msg.to_string(),
        }
    }
}

/// The captures: (name, percent-decoded value) in route order.
pub(crate) struct PathDeserializer<'a> {
    pub(crate) params: &'a [(&'a str, String)],
}

impl PathDeserializer<'_> {
    fn single(&self) -> Result<ValueDe<'_>, PathError> {
        match self.params {
            [(name, value)] => Ok(ValueDe { name, value }),
            _ => Err(de::Error::custom(format!(
                "expected 1 parameter, the route has {}",
                self.params.len()
            ))),
        }
    }
}

macro_rules! single_value {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
            self.single()?.$method(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for PathDeserializer<'_> {
    type Error = PathError;

    single_value!(deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32 deserialize_f64
        deserialize_char deserialize_str deserialize_string);

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        if self.params.len() == 1 {
            self.single()?.deserialize_any(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_map(Pairs {
            params: self.params,
            next: 0,
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_seq(Values {
            params: self.params,
            next: 0,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        if len != self.params.len() {
            return Err(de::Error::custom(format!(
                "expected a tuple of {len}, the route has {} parameters",
                self.params.len()
            )));
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        i128 u128 bytes byte_buf option unit unit_struct enum identifier ignored_any
    }
}

struct Pairs<'a> {
    params: &'a [(&'a str, String)],
    next: usize,
    value: Option<(&'a str, &'a str)>,
}

impl<'de> MapAccess<'de> for Pairs<'_> {
    type Error = PathError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PathError> {
        let Some((name, value)) = self.params.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        self.value = Some((name, value));
        seed.deserialize((*name).into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, PathError> {
        let (name, value) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value before key"))?;
        seed.deserialize(ValueDe { name, value })
    }
}

struct Values<'a> {
    params: &'a [(&'a str, String)],
    next: usize,
}

impl<'de> SeqAccess<'de> for Values<'_> {
    type Error = PathError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, PathError> {
        let Some((name, value)) = self.params.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(ValueDe { name, value }).map(Some)
    }
}

/// One parameter's text, parsed into whatever the visitor asks for.
struct ValueDe<'a> {
    name: &'a str,
    value: &'a str,
}

impl ValueDe<'_> {
    fn fail(&self, what: &str) -> PathError {
        PathError {
            param: Some(self.name.to_string()),
            message: format!("cannot parse {:?} as {what}", self.value),
        }
    }
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
            let v: $ty = self.value.parse().map_err(|_| self.fail(stringify!($ty)))?;
            visitor.$visit(v)
        })*
    };
}

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = PathError;

    parse_value!(
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32, deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64,
        deserialize_f32 => visit_f32: f32, deserialize_f64 => visit_f64: f64,
        deserialize_char => visit_char: char,
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_str(self.value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        let name = self.name;
        visitor
            .visit_enum(self.value.into_deserializer())
            .map_err(|e: PathError| PathError {
                param: Some(name.to_string()),
                message: e.message,
            })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        i128 u128 str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}
