//! `{placeholder}` templates for summaries and context reasons. `{{` and `}}` are
//! literal braces. Unknown values render as `?` so a report never shows an unfilled `{x}`.

/// What a template is split into: literal text, an escaped brace (`{{`, `}}`), or a
/// placeholder name.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Name(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        let (text, tail) = rest.split_at(pos);
        if !text.is_empty() {
            out.push(Piece::Text(text));
        }
        if let Some(after) = tail.strip_prefix("{{") {
            out.push(Piece::Brace('{'));
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push(Piece::Brace('}'));
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let end = after
                .find('}')
                .ok_or_else(|| "unclosed `{` in template (write `{{` for a brace)".to_string())?;
            let name = after.get(..end).unwrap_or_default().trim();
            if name.is_empty() || name.contains('{') {
                return Err("empty or nested `{}` placeholder in template".to_string());
            }
            out.push(Piece::Name(name));
            rest = after.get(end + 1..).unwrap_or_default();
        } else {
            return Err("stray `}` in template (write `}}` for a brace)".to_string());
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The placeholder names a template uses, or why it is malformed.
pub fn placeholders(template: &str) -> Result<Vec<String>, String> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Name(n) => Some(n.to_string()),
            _ => None,
        })
        .collect())
}

/// Fill a template; `lookup` gives a placeholder's value (`?` when `None`).
pub fn render(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let Ok(pieces) = pieces(template) else {
        // Compiled templates are checked; an unchecked one is shown as written.
        return template.to_string();
    };
    let mut out = String::with_capacity(template.len());
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Brace(c) => out.push(c),
            Piece::Name(n) => out.push_str(&lookup(n).unwrap_or_else(|| "?".to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_names_and_escaped_braces() {
        let lookup = |n: &str| match n {
            "node" => Some("node-1".to_string()),
            "count" => Some("7".to_string()),
            _ => None,
        };
        assert_eq!(
            render("{count} OOM kills on {node} {{x}} {missing}", &lookup),
            "7 OOM kills on node-1 {x} ?"
        );
        assert_eq!(
            placeholders("{a} and {b.0.c}").unwrap(),
            vec!["a".to_string(), "b.0.c".to_string()]
        );
    }

    #[test]
    fn malformed_templates_are_errors() {
        assert!(placeholders("{node").is_err());
        assert!(placeholders("node}").is_err());
        assert!(placeholders("{}").is_err());
    }
}
