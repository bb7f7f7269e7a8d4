//! Making text taken from the trace safe to print: no control byte, escape sequence or bidi
//! override reaches a terminal or a markdown document raw.

/// Escapes C0/C1 controls, DEL and bidi/zero-width formatting characters as `\xNN` / `\u{N}`.
pub fn terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn is_dangerous(c: char) -> bool {
    matches!(c as u32, 0x80..=0x9f | 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

/// Terminal-safe and with markdown metacharacters backslash-escaped, for running text.
pub fn markdown(s: &str) -> String {
    let safe = terminal(s);
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
pub fn code_span(s: &str) -> String {
    let safe = terminal(s);
    let longest = safe.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if safe.starts_with('`') || safe.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{safe}{pad}{fence}")
}

/// Terminal-safe text for a fenced code block: a backtick could close the fence, so it is
/// written `\x60`.
pub fn code_block(s: &str) -> String {
    terminal(s).replace('`', "\\x60")
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
