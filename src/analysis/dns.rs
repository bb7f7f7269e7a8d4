//! Name resolution as the trace shows it: a DNS answer read from a socket whose peer is port 53
//! (glibc's stub resolver, Go's and Java's alike connect a UDP socket to the nameserver, send
//! the query and read the answer). An answer that says the name does not exist (NXDOMAIN) or
//! that the server failed (SERVFAIL) is a failure of that name: the program asked for a host
//! it cannot reach, which no failed syscall shows.

/// What an answer said about a name.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub name: String,
    /// The error it means, if any: `NXDOMAIN` or `SERVFAIL`.
    pub error: Option<&'static str>,
    /// Records in its answer section.
    pub answers: u16,
}

/// Longest name kept (a DNS name has at most 255 bytes).
const NAME: usize = 255;

/// The DNS answer in `msg` (the bytes read), if it is one and its question is whole.
pub fn answer(msg: &[u8]) -> Option<Answer> {
    let flags = msg.get(2..4)?;
    let is_answer = flags[0] & 0x80 != 0;
    let questions = u16::from_be_bytes([*msg.get(4)?, *msg.get(5)?]);
    if !is_answer || questions != 1 {
        return None;
    }
    let answers = u16::from_be_bytes([*msg.get(6)?, *msg.get(7)?]);
    let error = match flags[1] & 0x0f {
        0 => None,
        2 => Some("SERVFAIL"),
        3 => Some("NXDOMAIN"),
        _ => return None,
    };
    Some(Answer { name: question(msg.get(12..)?)?, error, answers })
}

/// The question's name: length-prefixed labels up to an empty one.
fn question(mut rest: &[u8]) -> Option<String> {
    let mut name = String::new();
    loop {
        let (&len, tail) = rest.split_first()?;
        let len = usize::from(len);
        if len == 0 {
            break;
        }
        // a compression pointer or a label longer than the message: not a question we read
        let label = tail.get(..len).filter(|_| len < 64)?;
        if !label.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_')) {
            return None;
        }
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(std::str::from_utf8(label).ok()?);
        if name.len() > NAME {
            return None;
        }
        rest = &tail[len..];
    }
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_nxdomain_answer_names_the_host() {
        // as strace -yy printed glibc's answer for db-primary.uxt3.invalid (A)
        let msg = b"hy\x81\x83\0\x01\0\0\0\0\0\0\ndb-primary\x04uxt3\x07invalid\0\0\x01\0\x01";
        let a = answer(msg).expect("an answer");
        assert_eq!(a, Answer { name: "db-primary.uxt3.invalid".into(), error: Some("NXDOMAIN"), answers: 0 });
    }

    #[test]
    fn queries_and_cut_messages_are_not_answers() {
        let query = b"hy\x01\0\0\x01\0\0\0\0\0\0\ndb-primary\x04uxt3\x07invalid\0\0\x01\0\x01";
        assert_eq!(answer(query), None);
        assert_eq!(answer(b"hy\x81\x83\0\x01\0\0\0\0\0\0\ndb-pri"), None);
        let ok = b"hy\x81\x80\0\x01\0\x01\0\0\0\0\x07example\x03com\0\0\x01\0\x01";
        assert_eq!(answer(ok).map(|a| (a.error, a.answers)), Some((None, 1)));
    }
}
