//! Queue names travel to the claim as one bound JSON array, read back with
//! `json_each(?)`: any number of queues, one prepared statement, and no name
//! ever becomes SQL text.

/// `["a","b"]` with JSON string escaping.
pub(crate) fn to_json(queues: &[String]) -> String {
    let mut out = String::with_capacity(2 + queues.iter().map(|q| q.len() + 3).sum::<usize>());
    out.push('[');
    for (i, q) in queues.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, q);
    }
    out.push(']');
    out
}

fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::to_json;

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        let q = vec!["a".to_owned(), "we\"ird\\\n\u{1}é".to_owned()];
        assert_eq!(to_json(&q), r#"["a","we\"ird\\\n\u0001é"]"#);
    }

    #[test]
    fn empty_list_is_an_empty_array() {
        assert_eq!(to_json(&[]), "[]");
    }
}
