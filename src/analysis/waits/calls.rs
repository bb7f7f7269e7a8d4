//! Reading what a waiting call waited on from its arguments: the descriptors of a poll set, a
//! futex's address and operation, the child of a `wait4`, whether an `fcntl` waits for a lock.

use crate::bytes::contains;
use crate::event::{FdArg, Pid, Return, Syscall};
use crate::parse::{angle_end, parse_fd, split_args};

/// The descriptors in a `poll`/`ppoll` array (`[{fd=3<…>, events=POLLIN}, …]`) or a
/// `select` read set (`[3 5<…>]`), in order, at most `max`.
pub(crate) fn fd_set(sc: &Syscall, max: usize) -> Vec<FdArg<'static>> {
    let select = sc.name.contains("select");
    let args = split_args(&sc.args, 3);
    let Some(list) = args.get(usize::from(select)).and_then(|a| a.strip_prefix(b"[")) else { return Vec::new() };
    let list = list.strip_suffix(b"]").unwrap_or(list);
    let mut out = Vec::new();
    let mut k = 0;
    while k < list.len() && out.len() < max {
        let rest = &list[k..];
        let at = if select {
            rest.iter().position(u8::is_ascii_digit)
        } else {
            memchr::memmem::find(rest, b"fd=").map(|i| i + 3)
        };
        let Some(at) = at else { break };
        let token = &rest[at..];
        let len = token.iter().take_while(|c| c.is_ascii_digit()).count();
        // past the number and its `-yy` decoration (a `->` inside does not close it)
        let end = len + angle_end(&token[len..]).map_or(0, |k| k + 1);
        if let Some(fd) = parse_fd(&token[..end]) {
            out.push(fd.into_owned());
        }
        k += at + end.max(1);
    }
    out
}

/// `futex(0x7f…, FUTEX_WAIT_PRIVATE, …)`: the address of a waiting operation (a wake is no wait).
pub(crate) fn futex_wait(sc: &Syscall) -> Option<String> {
    let args = split_args(&sc.args, 2);
    let op = args.get(1)?;
    if !contains(op, b"FUTEX_WAIT") && !contains(op, b"FUTEX_LOCK_PI") {
        return None;
    }
    let addr = std::str::from_utf8(args.first()?).ok()?;
    Some(format!("futex {addr}"))
}

/// The child a `wait4`/`waitid`/`waitpid` waited for: the one it returned, else the one it
/// named; `None` for any child.
pub(crate) fn child(sc: &Syscall) -> Option<Pid> {
    if let Return::Value { value, .. } = sc.ret {
        if value > 0 {
            return u32::try_from(value).ok();
        }
    }
    let args = split_args(&sc.args, 2);
    // waitid(P_PID, 42, …) names the child second
    let arg = if sc.name == "waitid" { args.get(1)? } else { args.first()? };
    std::str::from_utf8(arg).ok()?.trim().parse::<i64>().ok().filter(|&p| p > 0).and_then(|p| u32::try_from(p).ok())
}

/// What a call that blocks on what it names itself waits on: `semaphore set 32768`,
/// `message queue 5`, `aio context 0x7f3a…`, `a signal`.
pub(crate) fn blocked_on(sc: &Syscall) -> String {
    let first = split_args(&sc.args, 2).first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
    blocked_on_named(&sc.name, &first)
}

/// [`blocked_on`] by the call's name and its first argument as strace prints it (also read
/// from `/proc/PID/syscall` when a call was in progress at the attach).
pub(crate) fn blocked_on_named(name: &str, first: &str) -> String {
    if name.starts_with("sem") {
        format!("semaphore set {first}")
    } else if name.starts_with("msg") {
        format!("message queue {first}")
    } else if name.starts_with("io_") {
        format!("aio context {first}")
    } else {
        "a signal".to_string()
    }
}

/// The descriptor `epoll_ctl(ep, EPOLL_CTL_ADD, fd, …)` registers.
pub(crate) fn epoll_added(sc: &Syscall) -> Option<FdArg<'static>> {
    let args = split_args(&sc.args, 4);
    if args.get(1).is_none_or(|op| !contains(op, b"EPOLL_CTL_ADD")) {
        return None;
    }
    parse_fd(args.get(2)?).map(FdArg::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn call(name: &'static str, args: &'static str, ret: Return<'static>) -> Syscall<'static> {
        Syscall { name: Cow::Borrowed(name), args: Cow::Borrowed(args.as_bytes()), ret, ..Syscall::default() }
    }

    fn value(v: i64) -> Return<'static> {
        Return::Value { value: v, decoration: None }
    }

    #[test]
    fn poll_and_select_sets_with_decorations() {
        let p = call(
            "poll",
            "[{fd=5<UDP:[127.0.0.1:4000->127.0.0.53:53]>, events=POLLIN}, {fd=7, events=POLLOUT}], 2, 5000",
            value(0),
        );
        let fds = fd_set(&p, 8);
        assert_eq!(fds.len(), 2);
        assert_eq!(fds[0].num, Some(5));
        assert_eq!(fds[0].decoration.as_deref(), Some(&b"UDP:[127.0.0.1:4000->127.0.0.53:53]"[..]));
        assert_eq!((fds[1].num, fds[1].decoration.is_none()), (Some(7), true));
        let s = call("select", "8, [3 7<TCP:[1.2.3.4:5->6.7.8.9:10]>], NULL, NULL, {tv_sec=5, tv_usec=0}", value(1));
        let fds = fd_set(&s, 8);
        assert_eq!(fds.iter().map(|f| f.num).collect::<Vec<_>>(), vec![Some(3), Some(7)]);
    }

    #[test]
    fn semaphores_queues_signals_and_aio() {
        assert_eq!(
            blocked_on(&call("semop", "32768, [{sem_num=0, sem_op=-1, sem_flg=0}], 1", value(0))),
            "semaphore set 32768"
        );
        assert_eq!(blocked_on(&call("msgrcv", "5, {1, \"x\"}, 64, 0, 0", value(1))), "message queue 5");
        assert_eq!(
            blocked_on(&call("io_getevents", "0x7f3a10000, 1, 1, [], NULL", value(1))),
            "aio context 0x7f3a10000"
        );
        assert_eq!(blocked_on(&call("pause", "", Return::Unfinished)), "a signal");
    }

    #[test]
    fn futex_waits_children_and_locks() {
        let wait = call("futex", "0x55d0c0a0, FUTEX_WAIT_PRIVATE, 2, NULL", Return::Unfinished);
        assert_eq!(futex_wait(&wait).as_deref(), Some("futex 0x55d0c0a0"));
        assert_eq!(futex_wait(&call("futex", "0x55d0c0a0, FUTEX_WAKE_PRIVATE, 1", value(0))), None);
        assert_eq!(
            child(&call("wait4", "-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL", value(812))),
            Some(812)
        );
        assert_eq!(child(&call("wait4", "77, 0x7ffd, 0, NULL", Return::Unfinished)), Some(77));
        let ctl =
            call("epoll_ctl", "5<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 6<TCP:[1.1.1.1:2->3.3.3.3:4]>, {}", value(0));
        assert_eq!(epoll_added(&ctl).and_then(|f| f.num), Some(6));
    }
}
