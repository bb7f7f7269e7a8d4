//! What a process waited on: each real wait capture's verdict names the target its truth file
//! names (figures from fixtures/capture/waits_truth.py, not from straceback), with the total
//! within 5 %; the healthy server gives no verdict; a trace without timing says which flags to add.

use serde_json::Value;

use crate::harness::{fixtures, report, run};

const CAPTURES: &[&str] = &[
    "db-no-answer",
    "resolver-timeout",
    "lock-held",
    "fsync-per-record",
    "deadlock",
    "slow-upstream",
    "healthy-busy",
    // issue 21: hangs attached mid-call, retry loops, blocking opens, lock holders, chains
    "hang-pool-attach",
    "hang-client-attach",
    "hang-retry-loop",
    "hang-fifo-open",
    "hang-lock-holder",
    "hang-lock-attach",
    "hang-chain-child",
    "hang-chain-pipe",
    "hang-connect-timeout",
    "hang-chain-pipe-noy",
];

fn truth(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join("incidents").join(name).join("truth.json")).expect("truth");
    serde_json::from_str(&text).expect("truth JSON")
}

fn trace(name: &str) -> String {
    fixtures().join("incidents").join(name).join("trace.txt").to_str().expect("utf-8").to_string()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= want * 0.05
}

/// The verdict's target and the time it held: a slow target's stall time, or the summed wait
/// of the calls stuck on it.
fn verdict_target(r: &Value) -> Option<(String, f64)> {
    let v = &r["waiting"]["verdict"];
    match v["kind"].as_str()? {
        "slow" => Some((v["target"].as_str()?.to_string(), v["stalled_s"].as_f64()?)),
        "stuck" => {
            let first = v["calls"][0]["target"].as_str()?.to_string();
            let calls = v["calls"].as_array()?;
            let total =
                calls.iter().filter(|c| c["target"] == first.as_str()).filter_map(|c| c["waited_s"].as_f64()).sum();
            Some((first, total))
        }
        _ => None,
    }
}

#[test]
fn each_capture_names_what_it_waited_on_with_its_total() {
    for name in CAPTURES.iter().filter(|n| truth(n)["waits"]["stall"] == true) {
        let t = &truth(name)["waits"];
        let r = report(&["--no-disk", &trace(name)]);
        let (target, total) = verdict_target(&r).unwrap_or_else(|| panic!("{name}: no verdict: {}", r["waiting"]));
        assert_eq!(target, t["top_target"].as_str().unwrap(), "{name}");
        let want = t["top_total_s"].as_f64().unwrap();
        assert!(close(total, want), "{name}: {total} s, truth {want} s");
        // the text report says it first, before any suspect
        let out = run(&["--no-disk", "--color", "never", &trace(name)]);
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().find(|l| l.starts_with("slow:") || l.starts_with("stuck:")).expect("verdict line");
        let at = text.find(first).unwrap();
        assert!(text.find(" 1. ").is_none_or(|s| at < s), "{name}: the verdict comes first\n{text}");
    }
}

#[test]
fn stuck_calls_say_since_when_and_on_what() {
    let r = report(&["--no-disk", &trace("deadlock")]);
    let truth = truth("deadlock");
    let want: Vec<(u64, &str, &str)> = truth["waits"]["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["pid"].as_u64().unwrap(), s["target"].as_str().unwrap(), s["since"].as_str().unwrap()))
        .collect();
    let got: Vec<(u64, &str, &str)> = r["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["idle"] == false)
        .map(|s| (s["pid"].as_u64().unwrap(), s["target"].as_str().unwrap(), s["seen_at"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want);
    // strace attached to the deadlocked program: its first lines show the waits in progress
    let locked: Vec<&Value> = r["stuck"].as_array().unwrap().iter().filter(|s| s["idle"] == false).collect();
    assert!(locked.len() == 3 && locked.iter().all(|s| s["since"] == "before the attach"));
    // the main thread's sleep is stuck too, but idle
    assert!(r["stuck"].as_array().unwrap().iter().any(|s| s["idle"] == true && s["syscall"] == "clock_nanosleep"));
}

#[test]
fn timeouts_are_counted_on_their_target() {
    for name in ["resolver-timeout", "db-no-answer"] {
        let t = &truth(name)["waits"]["timeouts"];
        let r = report(&["--no-disk", &trace(name)]);
        let w = r["waits"].as_array().unwrap().iter().find(|w| w["target"] == t["target"]).expect("target listed");
        assert_eq!(w["timeouts"], t["count"], "{name}");
    }
}

#[test]
fn slow_requests_are_linked_to_the_stall_inside_them() {
    let r = report(&["--no-disk", &trace("slow-upstream")]);
    let slowest = &r["waiting"]["requests"]["slowest"][0];
    assert_eq!(slowest["waiting_on"], "tcp 127.0.0.1:8081");
    let (latency, waiting) = (slowest["latency_s"].as_f64().unwrap(), slowest["waiting_s"].as_f64().unwrap());
    assert!(latency >= 3.0 && waiting >= 0.9 * latency, "{slowest}");
    assert_eq!(r["waiting"]["verdict"]["share_of"], "requests");
    // the 504 (nginx's proxy_read_timeout) waited on the same upstream
    let error = &r["waiting"]["requests"]["slowest_error"];
    assert_eq!(
        (error["status"].as_u64(), error["waiting_on"].as_str()),
        (Some(504), Some("tcp 127.0.0.1:8081")),
        "{error}"
    );
}

#[test]
fn a_healthy_busy_server_is_idle_not_stalled() {
    let r = report(&["--no-disk", &trace("healthy-busy")]);
    assert!(r["waiting"]["verdict"].is_null(), "{}", r["waiting"]);
    assert!(r["stuck"].as_array().unwrap().iter().all(|s| s["idle"] == true));
    // its long waits are for clients
    let long: Vec<&Value> =
        r["waits"].as_array().unwrap().iter().filter(|w| w["total_s"].as_f64().unwrap() > 0.5).collect();
    assert!(!long.is_empty() && long.iter().all(|w| w["idle"] == true), "{long:?}");
    let text =
        String::from_utf8_lossy(&run(&["--no-disk", "--color", "never", &trace("healthy-busy")]).stdout).into_owned();
    assert!(!text.contains("slow:") && !text.contains("Waiting:"), "{text}");
}

#[test]
fn without_durations_the_next_timestamp_measures_the_wait() {
    // the same capture with every `-T` duration removed: heads and tails, and each process's
    // next line, time the waits
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(trace("resolver-timeout")).expect("trace");
    let stripped: String = text
        .lines()
        .map(|l| match l.rfind(" <") {
            Some(i) if l.ends_with('>') && l[i + 2..l.len() - 1].bytes().all(|c| c.is_ascii_digit() || c == b'.') => {
                &l[..i]
            }
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("no-T.txt");
    std::fs::write(&path, stripped).expect("write");
    let r = report(&["--no-disk", path.to_str().unwrap()]);
    assert_eq!(r["waiting"]["measured"], "timestamps");
    let (target, total) = verdict_target(&r).expect("verdict");
    assert_eq!(target, "udp 127.0.0.53:53");
    let want = truth("resolver-timeout")["waits"]["top_total_s"].as_f64().unwrap();
    assert!(close(total, want), "{total} s, truth {want} s");
}

#[test]
fn a_trace_without_timing_gets_the_flags_hint() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("plain.txt");
    std::fs::write(&path, "poll([{fd=3, events=POLLIN}], 1, 5000) = 0 (Timeout)\n+++ exited with 0 +++\n")
        .expect("write");
    let r = report(&["--no-disk", path.to_str().unwrap()]);
    assert_eq!(r["waiting"]["measured"], "none");
    assert!(r["waits"].as_array().unwrap().is_empty());
    let text =
        String::from_utf8_lossy(&run(&["--no-disk", "--color", "never", path.to_str().unwrap()]).stdout).into_owned();
    assert!(text.contains("(trace with strace -tt -T)"), "{text}");
}
