//! `#[derive(Model)]` for mini-orm: reads `#[orm(...)]` attributes at
//! compile time and writes out the table name, the column list, the row
//! mapping, the value binding and a typed column handle per field — what
//! GeeORM's `schema.Parse` discovers with reflection at run time.
//!
//! Struct attributes: `table = "name"`, `hooks` (the model implements
//! `Hooks` itself), `belongs_to(Parent, foreign_key = "field")` (repeatable),
//! `timestamps` (fields `created_at` and `updated_at`, `Option<String>`,
//! written by the database's clock) and `soft_delete` (a field
//! `deleted_at: Option<String>`; deleting sets it, queries skip such rows).
//! Field attributes: `primary_key`, `auto_increment`, `column = "name"`,
//! `unique`, `index`, `default = "SQL literal"`.
//! A field named `id` with no `primary_key` anywhere is the auto-increment
//! key (GORM's convention); several `primary_key` fields make a composite
//! key, in field order. Mistakes are compile errors pointing at the
//! field or attribute at fault.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type, parse_macro_input, spanned::Spanned};

/// Derives `mini_orm::Model`, `FromRow` and (unless `#[orm(hooks)]`) an
/// empty `Hooks` impl, plus one `Column` constant per field and a
/// `query()` constructor.
#[proc_macro_derive(Model, attributes(orm))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// What the macro learned about one field.
struct FieldInfo {
    /// The Rust field name.
    ident: Ident,
    /// The field's type.
    ty: Type,
    /// The SQL column name.
    column: String,
    primary_key: bool,
    auto_increment: bool,
    unique: bool,
    index: bool,
    default: Option<String>,
    /// Where the field is, for error messages.
    span: Span,
}

/// What the macro learned about the struct.
struct ModelInfo {
    table: String,
    hooks: bool,
    /// `(parent type, foreign-key field, attribute span)`.
    belongs_to: Vec<(syn::Path, Ident, Span)>,
    /// `#[orm(timestamps)]`, with its span.
    timestamps: Option<Span>,
    /// `#[orm(soft_delete)]`, with its span.
    soft_delete: Option<Span>,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not support generic structs",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let model = parse_struct_attrs(input)?;
    let mut fields = named
        .named
        .iter()
        .map(parse_field)
        .collect::<syn::Result<Vec<_>>>()?;
    let keys = primary_key(name, &mut fields)?;
    let pk = keys[0];

    let table = &model.table;
    let select_list_in = |q: char| {
        fields
            .iter()
            .map(|f| format!("{}.{}", quote_ident(q, table), quote_ident(q, &f.column)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (select_list, select_list_backtick) = (select_list_in('"'), select_list_in('`'));
    let width = fields.len();
    let key_ident = &fields[pk].ident;
    // One key column: its type; several: the tuple of their types.
    let key_ty = if let [one] = keys.as_slice() {
        let ty = &fields[*one].ty;
        quote!(#ty)
    } else {
        let tys = keys.iter().map(|&i| &fields[i].ty);
        quote!((#(#tys,)*))
    };
    let key_pushes = keys.iter().map(|&i| {
        let ident = &fields[i].ident;
        quote!(out.push(::mini_orm::Field::to_value_ref(&self.#ident));)
    });

    let column_defs = fields.iter().map(|f| {
        let (col, ty, pk, ai, uq, ix) = (
            &f.column,
            &f.ty,
            f.primary_key,
            f.auto_increment,
            f.unique,
            f.index,
        );
        let default = match &f.default {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::mini_orm::ColumnDef {
                name: #col,
                sql_type: <#ty as ::mini_orm::Field>::SQL_TYPE,
                nullable: <#ty as ::mini_orm::Field>::NULLABLE,
                primary_key: #pk,
                auto_increment: #ai,
                unique: #uq,
                index: #ix,
                default: #default,
            }
        }
    });
    let reads = fields.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        quote!(#ident: row.get(offset + #i)?)
    });
    let pushes = fields.iter().map(|f| {
        let ident = &f.ident;
        if f.auto_increment {
            quote!(if with_auto_key { out.push(::mini_orm::Field::to_value_ref(&self.#ident)); })
        } else {
            quote!(out.push(::mini_orm::Field::to_value_ref(&self.#ident));)
        }
    });
    let set_key = if fields[pk].auto_increment {
        quote!(self.#key_ident = <#key_ty as ::mini_orm::AutoKey>::from_row_id(id);)
    } else {
        quote!(let _ = id;)
    };
    // The handles share the struct's visibility, so a private model does
    // not trip `unreachable_pub`.
    let vis = &input.vis;
    let handles = fields.iter().map(|f| {
        let (ident, ty, col) = (&f.ident, &f.ty, &f.column);
        let konst = format_ident!("{}", ident.to_string().trim_start_matches("r#").to_uppercase(), span = ident.span());
        let doc = format!("The `{col}` column.");
        quote!(#[doc = #doc] #vis const #konst: ::mini_orm::Column<#name, #ty> = ::mini_orm::Column::new(#col);)
    });
    let hooks = if model.hooks {
        quote!()
    } else {
        quote!(impl ::mini_orm::Hooks for #name {})
    };
    let has_hooks = model.hooks;
    // The fields the database writes: their indexes in COLUMNS.
    let role = |attr: Option<Span>, field: &str, what: &str| -> syn::Result<Tokens> {
        let Some(span) = attr else {
            return Ok(quote!(::core::option::Option::None));
        };
        match fields.iter().position(|f| f.ident == field) {
            Some(i) => Ok(quote!(::core::option::Option::Some(#i))),
            None => Err(syn::Error::new(
                span,
                format!("{what} needs a field `{field}: Option<String>` on `{name}`"),
            )),
        }
    };
    let created_at = role(model.timestamps, "created_at", "timestamps")?;
    let updated_at = role(model.timestamps, "updated_at", "timestamps")?;
    let deleted_at = role(model.soft_delete, "deleted_at", "soft_delete")?;
    let belongs = model
        .belongs_to
        .iter()
        .map(|(parent, fk, span)| {
            let f = fields.iter().find(|f| f.ident == *fk).ok_or_else(|| {
                syn::Error::new(*span, format!("belongs_to: `{name}` has no field `{fk}`"))
            })?;
            let col = &f.column;
            Ok(quote! {
                impl ::mini_orm::BelongsTo<#parent> for #name {
                    const FOREIGN_KEY: &'static str = #col;
                    fn parent_key(&self) -> ::core::option::Option<i64> {
                        ::mini_orm::ForeignKey::as_key(&self.#fk)
                    }
                }
            })
        })
        .collect::<syn::Result<Vec<_>>>()?;

    Ok(quote! {
        impl ::mini_orm::FromRow for #name {
            const WIDTH: usize = #width;
            #[inline]
            fn from_row(row: &::mini_orm::Row<'_>, offset: usize) -> ::mini_orm::Result<Self> {
                ::core::result::Result::Ok(#name { #(#reads,)* })
            }
        }

        impl ::mini_orm::Model for #name {
            type Key = #key_ty;
            const TABLE: &'static str = #table;
            const COLUMNS: &'static [::mini_orm::ColumnDef] = &[#(#column_defs),*];
            const PK: usize = #pk;
            const KEY_COLUMNS: &'static [usize] = &[#(#keys),*];
            const SELECT_LIST: &'static str = #select_list;
            const SELECT_LIST_BACKTICK: &'static str = #select_list_backtick;
            const HAS_HOOKS: bool = #has_hooks;
            const CREATED_AT: ::core::option::Option<usize> = #created_at;
            const UPDATED_AT: ::core::option::Option<usize> = #updated_at;
            const DELETED_AT: ::core::option::Option<usize> = #deleted_at;

            #[inline]
            fn push_values<'a>(&'a self, out: &mut ::std::vec::Vec<::mini_orm::ValueRef<'a>>, with_auto_key: bool) {
                #(#pushes)*
            }

            fn key(&self) -> ::mini_orm::ValueRef<'_> {
                ::mini_orm::Field::to_value_ref(&self.#key_ident)
            }

            #[inline]
            fn push_key<'a>(&'a self, out: &mut ::std::vec::Vec<::mini_orm::ValueRef<'a>>) {
                #(#key_pushes)*
            }

            fn set_auto_key(&mut self, id: i64) {
                #set_key
            }
        }

        #hooks

        #[allow(dead_code)]
        impl #name {
            #(#handles)*

            /// A query over this model's table: `User::query().filter(...)`.
            #vis fn query() -> ::mini_orm::Query<Self> {
                ::mini_orm::Query::new()
            }
        }

        #(#belongs)*
    })
}

/// Quotes an identifier with `q` (`"` ANSI, `` ` `` MySQL), doubling
/// embedded `q`s — what `Dialect::quote` does at run time.
fn quote_ident(q: char, s: &str) -> String {
    let doubled: String = [q, q].iter().collect();
    format!("{q}{}{q}", s.replace(q, &doubled))
}

fn parse_struct_attrs(input: &DeriveInput) -> syn::Result<ModelInfo> {
    let mut info = ModelInfo {
        table: default_table(&input.ident.to_string()),
        hooks: false,
        belongs_to: Vec::new(),
        timestamps: None,
        soft_delete: None,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("orm")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new_spanned(
                        &lit,
                        "table name must not be empty",
                    ));
                }
                info.table = lit.value();
            } else if meta.path.is_ident("hooks") {
                info.hooks = true;
            } else if meta.path.is_ident("timestamps") {
                info.timestamps = Some(meta.path.span());
            } else if meta.path.is_ident("soft_delete") {
                info.soft_delete = Some(meta.path.span());
            } else if meta.path.is_ident("belongs_to") {
                let span = meta.path.span();
                let mut parent: Option<syn::Path> = None;
                let mut fk: Option<Ident> = None;
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("foreign_key") {
                        let lit: LitStr = inner.value()?.parse()?;
                        fk = Some(Ident::new(&lit.value(), lit.span()));
                    } else if parent.is_none() {
                        parent = Some(inner.path.clone());
                    } else {
                        return Err(
                            inner.error("expected `belongs_to(Parent, foreign_key = \"field\")`")
                        );
                    }
                    Ok(())
                })?;
                let parent = parent
                    .ok_or_else(|| syn::Error::new(span, "belongs_to needs the parent model"))?;
                let fk = match fk {
                    Some(fk) => fk,
                    None => {
                        let last = parent
                            .segments
                            .last()
                            .map(|s| s.ident.to_string())
                            .unwrap_or_default();
                        Ident::new(&format!("{}_id", snake_case(&last)), span)
                    }
                };
                info.belongs_to.push((parent, fk, span));
            } else {
                return Err(meta
                    .error("unknown struct attribute; expected `table`, `hooks`, `belongs_to`, `timestamps` or `soft_delete`"));
            }
            Ok(())
        })?;
    }
    Ok(info)
}

fn parse_field(field: &syn::Field) -> syn::Result<FieldInfo> {
    let Some(ident) = field.ident.clone() else {
        return Err(syn::Error::new_spanned(field, "fields must be named"));
    };
    let mut info = FieldInfo {
        column: ident.to_string().trim_start_matches("r#").to_owned(),
        ident,
        ty: field.ty.clone(),
        primary_key: false,
        auto_increment: false,
        unique: false,
        index: false,
        default: None,
        span: field.span(),
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("orm")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("primary_key") {
                info.primary_key = true;
            } else if p.is_ident("auto_increment") {
                info.auto_increment = true;
            } else if p.is_ident("unique") {
                info.unique = true;
            } else if p.is_ident("index") {
                info.index = true;
            } else if p.is_ident("column") {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new_spanned(&lit, "column name must not be empty"));
                }
                info.column = lit.value();
            } else if p.is_ident("default") {
                let lit: LitStr = meta.value()?.parse()?;
                info.default = Some(lit.value());
            } else {
                return Err(meta.error(
                    "unknown field attribute; expected `primary_key`, `auto_increment`, `column`, `unique`, `index` or `default`",
                ));
            }
            Ok(())
        })?;
    }
    if info.auto_increment && !info.primary_key {
        return Err(syn::Error::new(
            info.span,
            "`auto_increment` is only allowed on the `primary_key` field",
        ));
    }
    Ok(info)
}

/// Finds the primary key: the one `#[orm(primary_key)]` field, else a field
/// named `id` (made auto-increment). Returns its index.
/// The key columns' indexes: the fields marked `primary_key` (several make
/// a composite key, whose columns cannot be `auto_increment`), else `id`.
fn primary_key(name: &Ident, fields: &mut [FieldInfo]) -> syn::Result<Vec<usize>> {
    let marked: Vec<usize> = (0..fields.len())
        .filter(|&i| fields[i].primary_key)
        .collect();
    match marked.as_slice() {
        [_] => Ok(marked),
        [] => {
            let i = fields.iter().position(|f| f.ident == "id").ok_or_else(|| {
                syn::Error::new_spanned(
                    name,
                    "no primary key: mark a field `#[orm(primary_key)]` or name one `id`",
                )
            })?;
            fields[i].primary_key = true;
            fields[i].auto_increment = true;
            Ok(vec![i])
        }
        several => match several.iter().find(|&&i| fields[i].auto_increment) {
            Some(&i) => Err(syn::Error::new(
                fields[i].span,
                "`auto_increment` on a composite key: the database assigns no composite keys",
            )),
            None => Ok(marked),
        },
    }
}

/// `BlogPost` → `blog_posts` (GORM pluralizes table names the same way, simply).
fn default_table(struct_name: &str) -> String {
    let mut t = snake_case(struct_name);
    t.push('s');
    t
}

fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, ch) in s.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(src: &str) -> String {
        let input: DeriveInput = syn::parse_str(src).expect("test input parses");
        match expand(&input) {
            Ok(_) => panic!("expected an error for {src}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn attribute_mistakes_have_clear_messages() {
        assert!(error_of("struct A { name: String }").starts_with("no primary key"));
        assert!(
            error_of("struct A { id: i64, #[orm(uniqe)] name: String }")
                .starts_with("unknown field attribute")
        );
        assert!(
            error_of("#[orm(tabel = \"x\")] struct A { id: i64 }")
                .starts_with("unknown struct attribute")
        );
        assert!(
            error_of("struct A { id: i64, #[orm(auto_increment)] n: i64 }")
                .contains("only allowed on the `primary_key`")
        );
        assert!(
            error_of(
                "struct A { #[orm(primary_key, auto_increment)] a: i64, #[orm(primary_key)] b: i64 }"
            )
            .contains("composite key")
        );
        assert!(
            error_of("#[orm(belongs_to(B))] struct A { id: i64 }").contains("has no field `b_id`")
        );
        assert!(
            error_of("struct A { id: i64, #[orm(column = \"\")] n: i64 }")
                .contains("must not be empty")
        );
        assert!(error_of("enum A { X }").contains("named fields"));
    }

    #[test]
    fn the_error_points_at_the_offending_field() {
        let src = "struct A {\n id: i64,\n #[orm(auto_increment)] n: i64 }";
        let input: DeriveInput = syn::parse_str(src).expect("parses");
        let err = expand(&input).expect_err("error");
        // Line 3 holds the bad field (spans from parse_str carry positions).
        assert_eq!(err.span().start().line, 3);
    }

    #[test]
    fn names_and_quoting() {
        assert_eq!(default_table("BlogPost"), "blog_posts");
        assert_eq!(quote_ident('"', "a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident('`', "a`b"), "`a``b`");
        let input: DeriveInput =
            syn::parse_str("struct User { id: i64, #[orm(column = \"full name\")] name: String }")
                .expect("parses");
        let out = expand(&input).expect("expands").to_string();
        assert!(
            out.contains(r#""\"users\".\"id\", \"users\".\"full name\"""#),
            "{out}"
        );
        assert!(out.contains("const NAME"), "{out}");
    }
}
