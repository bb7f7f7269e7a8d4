//! Making text taken from the trace safe to print: no control byte, escape sequence or bidi
//! override reaches a terminal or a markdown document raw. Text from the trace is a
//! [`TraceText`], terminal-safe when displayed; these add what markdown needs.

use std::fmt::Display;

#[cfg(doc)]
use crate::text::TraceText;

/// `s` terminal-safe: see [`crate::text::escape`] (what [`TraceText`] prints).
pub fn terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = crate::text::escape(s.as_bytes(), &mut out);
    out
}

/// Terminal-safe and with markdown metacharacters backslash-escaped, for running text.
pub fn markdown(s: &(impl Display + ?Sized)) -> String {
    let safe = terminal(&s.to_string());
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Terminal-safe text as an inline code span: no backslash escapes inside (they would show),
/// fenced by more backticks than any run of them in the text, padded when it starts or ends
/// with one.
pub fn code_span(s: &(impl Display + ?Sized)) -> String {
    let safe = terminal(&s.to_string());
    let longest = safe.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if safe.starts_with('`') || safe.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{safe}{pad}{fence}")
}

/// Terminal-safe text for a fenced code block: a backtick could close the fence, so it is
/// written `\x60`.
pub fn code_block(s: &(impl Display + ?Sized)) -> String {
    terminal(&s.to_string()).replace('`', "\\x60")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_raw_control_bytes() {
        let hostile = "/srv/x\u{1b}[2J\u{1b}[31mred\u{1b}]0;title\u{7}\u{202e}cod.exe\r\u{8}";
        let t = terminal(hostile);
        assert!(!t.chars().any(|c| c.is_control() || c == '\u{202e}'), "{t}");
        assert_eq!(terminal("a\u{1b}b"), "a\\x1bb");
        let m = markdown("*x* [a](b) `c`");
        assert_eq!(m, "\\*x\\* \\[a\\](b) \\`c\\`");
        assert!(!code_block("```").contains("```"));
        assert_eq!(code_span("[crit] 9037#9037: *40"), "`[crit] 9037#9037: *40`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("`x"), "`` `x ``");
    }
}
