//! Procedural macros re-exported by the `buildamp` crate; depend on `buildamp`.
//!
//! buildamp reads model files as text (the Python CLI parses them with
//! tree-sitter), so these macros only have to make the model files legal Rust:
//! they generate no code beyond a marker impl. They use nothing but
//! `proc_macro` (no `syn`/`quote`) so the crate builds offline and fast.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Marks a struct as a buildamp domain model (a table) and declares the
/// `#[table(...)]` and `#[migration(...)]` helper attributes on it and its fields.
///
/// Expands to `impl ::buildamp::BuildAmpDomain for Model {}`. Generic structs,
/// enums and unions are refused: a table has one concrete shape, and the
/// buildamp reader could not map a type parameter to a column anyway.
#[proc_macro_derive(BuildAmpDomain, attributes(table, migration))]
pub fn derive_buildamp_domain(input: TokenStream) -> TokenStream {
    match model_name(input) {
        Ok(name) => marker_impl(name),
        Err((message, span)) => compile_error(&message, span),
    }
}

/// Marks a struct as a buildamp domain model without implementing anything.
///
/// The item comes back as written, minus buildamp's own `#[table(...)]` and
/// `#[migration(...)]` attributes (on the item and anywhere in its body), which
/// rustc would otherwise reject as unknown. Stripping rather than adding the
/// derive keeps it a pure annotation: it composes with any derive, including
/// `BuildAmpDomain` itself, and accepts any item. Put it above the options.
#[proc_macro_attribute]
pub fn buildamp_domain(args: TokenStream, item: TokenStream) -> TokenStream {
    if let Some(tree) = args.into_iter().next() {
        return compile_error(
            "#[buildamp_domain] takes no arguments; put table options in #[table(...)]",
            tree.span(),
        );
    }
    strip_options(item)
}

/// The struct's name, or why it cannot be a model.
fn model_name(input: TokenStream) -> Result<Ident, (String, Span)> {
    let mut tokens = input.into_iter().peekable();
    while let Some(tree) = tokens.next() {
        match tree {
            TokenTree::Ident(keyword) => match keyword.to_string().as_str() {
                "struct" => {
                    let name = match tokens.next() {
                        Some(TokenTree::Ident(name)) => name,
                        _ => return Err(("expected a struct name".into(), keyword.span())),
                    };
                    if let Some(TokenTree::Punct(p)) = tokens.peek() {
                        if p.as_char() == '<' {
                            return Err((
                                format!(
                                    "#[derive(BuildAmpDomain)] does not support generic structs: \
                                     `{}` must have one concrete shape to be a table",
                                    name
                                ),
                                p.span(),
                            ));
                        }
                    }
                    return Ok(name);
                }
                "enum" | "union" => {
                    return Err((
                        format!(
                            "#[derive(BuildAmpDomain)] applies to structs; a unit-only enum is a \
                             PostgreSQL enum without it, other {}s are stored as JSONB",
                            keyword
                        ),
                        keyword.span(),
                    ))
                }
                // `pub`, `crate` and friends before the keyword.
                _ => {}
            },
            // Attributes (`#` + `[...]`) and `pub(crate)`-style groups.
            TokenTree::Punct(_) | TokenTree::Group(_) | TokenTree::Literal(_) => {}
        }
    }
    Err(("expected a struct".into(), Span::call_site()))
}

/// `impl ::buildamp::BuildAmpDomain for Name {}`.
fn marker_impl(name: Ident) -> TokenStream {
    let span = name.span();
    let mut out = vec![TokenTree::Ident(Ident::new("impl", span))];
    out.extend(path(&["buildamp", "BuildAmpDomain"], span));
    out.push(TokenTree::Ident(Ident::new("for", span)));
    out.push(TokenTree::Ident(name));
    out.push(TokenTree::Group(Group::new(
        Delimiter::Brace,
        TokenStream::new(),
    )));
    out.into_iter().collect()
}

/// `::core::compile_error!("message");`, pointing at `span`.
fn compile_error(message: &str, span: Span) -> TokenStream {
    let mut out = path(&["core", "compile_error"], span);
    out.push(TokenTree::Punct(Punct::new('!', Spacing::Alone)));
    let mut literal = Literal::string(message);
    literal.set_span(span);
    let mut group = Group::new(Delimiter::Parenthesis, TokenTree::Literal(literal).into());
    group.set_span(span);
    out.push(TokenTree::Group(group));
    out.push(TokenTree::Punct(Punct::new(';', Spacing::Alone)));
    out.into_iter()
        .map(|mut tree| {
            tree.set_span(span);
            tree
        })
        .collect()
}

/// An absolute path `::a::b`.
fn path(segments: &[&str], span: Span) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for segment in segments {
        out.push(TokenTree::Punct(Punct::new(':', Spacing::Joint)));
        out.push(TokenTree::Punct(Punct::new(':', Spacing::Alone)));
        out.push(TokenTree::Ident(Ident::new(segment, span)));
    }
    out
}

/// Drops every `#[table(...)]` / `#[migration(...)]` attribute, recursing into
/// groups so field and variant attributes go too.
fn strip_options(stream: TokenStream) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut tokens = stream.into_iter().peekable();
    while let Some(tree) = tokens.next() {
        match tree {
            TokenTree::Punct(ref hash) if hash.as_char() == '#' => {
                if let Some(TokenTree::Group(attr)) = tokens.peek() {
                    if is_option_attribute(attr) {
                        tokens.next();
                        continue;
                    }
                }
                out.push(tree);
            }
            TokenTree::Group(group) => {
                let mut stripped = Group::new(group.delimiter(), strip_options(group.stream()));
                stripped.set_span(group.span());
                out.push(TokenTree::Group(stripped));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// `[table ...]` or `[migration ...]`: the bracket part of a buildamp option.
fn is_option_attribute(attr: &Group) -> bool {
    if attr.delimiter() != Delimiter::Bracket {
        return false;
    }
    match attr.stream().into_iter().next() {
        Some(TokenTree::Ident(ident)) => {
            let name = ident.to_string();
            name == "table" || name == "migration"
        }
        _ => false,
    }
}
