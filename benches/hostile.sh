#!/usr/bin/env bash
# Hostile inputs for memory (issue 16 item 5): traces made to fill one table each, written to
# $OUT (default /tmp/straceback-hostile) once, then each analysed by the release binary under
# /usr/bin/time: wall time and peak RSS.
#
#   cargo build --release && benches/hostile.sh
#   BIN_B=/tmp/sb-before benches/hostile.sh          (also measures a second binary: before/after)
#   CASES="unfinished fds" benches/hostile.sh        (some cases only)
#
# The cases (each but the last four a table that used to grow with the input):
#   unfinished    2,000,000 `<unfinished ...>` heads of distinct pids, never resumed (pairer)
#   unfinished64k 16,384 never-resumed heads with 64 KiB of arguments each (pairer, 1 GiB)
#   pids          2,000,000 processes, each changing directory and opening a file (process
#                 table, per-process state, the pid count)
#   fds           3,000,000 descriptors opened by one process and never closed (its fd table)
#   groups        100,000 failing 4 KiB paths, half ENOENT, half EACCES (failure groups, their
#                 indexes and evidence; the default --max-groups)
#   evidence      20,000 rounds of: open a new 4 KiB-path file, fail on a new path (files read
#                 before each failure, paths seen existing)
#   argv          10,000 processes exec'ing 64 arguments of 1 KiB (per-process command lines)
#   all           the seven above in one trace, one after the other (every table full at once)
#   ff            a -ff set of 10,000 files of 11 lines, read under `ulimit -n 1024` (issue 16
#                 item 6: time and RSS)
#   deep-path     one failing path of 500 KB (`/a/a/…`), --no-disk (item 3: time)
#   deep-dirs     20 failing directories at /a×2000, --no-disk and --root (item 3: time)
#   urandom       200 MiB of random bytes (moved here from tests/it/hostile.rs: RSS is measured,
#                 never asserted in tests)
#   giant-line    one 200 MiB line, then a call (likewise)
#   stuck         3,000,000 threads left in futex when the trace ends (issue 22 item 5: the
#                 4,096 followed, the rest counted)
#   ff-many       a -ff set of 40,000 one-line files (issue 22 item 2: one budget for all members)
#   ff-100k       a -ff set of 100,000 one-line files (the issue's reproducer: every file read)
#   ff-300k       a -ff set of 300,000 one-line files (the listing stops at 100,000 names: the
#                 rest counted, never named)
#   ff-1mb        a -ff set of 2,000 files whose first line is a 1 MB write (2 GB: next events
#                 parked, read again from their offset)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/target/release/straceback}
OUT=${OUT:-/tmp/straceback-hostile}
CASES=${CASES:-unfinished unfinished64k pids fds groups evidence argv all ff deep-path deep-dirs urandom giant-line stuck ff-many ff-100k ff-300k ff-1mb}
mkdir -p "$OUT"

generate() { # case -> $OUT/case.txt (ff: the directory $OUT/ff)
    local f="$OUT/$1.txt" c
    case $1 in
        all)
            [ -s "$f" ] && return 0
            for c in unfinished unfinished64k pids fds groups evidence argv; do generate "$c"; done
            cat "$OUT"/{unfinished,unfinished64k,pids,fds,groups,evidence,argv}.txt > "$f.tmp"
            mv "$f.tmp" "$f"
            return 0 ;;
        ff) f="$OUT/ff/trace.10000"; mkdir -p "$OUT/ff" ;;
        ff-many) f="$OUT/ff-many/t.40000"; mkdir -p "$OUT/ff-many" ;;
        ff-100k) f="$OUT/ff-100k/t.100000"; mkdir -p "$OUT/ff-100k" ;;
        ff-300k) f="$OUT/ff-300k/t.300000"; mkdir -p "$OUT/ff-300k" ;;
        ff-1mb) f="$OUT/ff-1mb/t.2000"; mkdir -p "$OUT/ff-1mb" ;;
        urandom) [ -s "$f" ] || head -c $((200 << 20)) /dev/urandom > "$f"; return 0 ;;
        deep-dirs) mkdir -p "$OUT/root/a/a/a" ;;
    esac
    [ -s "$f" ] && return 0
    python3 - "$1" "$f.tmp" <<'EOF'
import sys
case, path = sys.argv[1], sys.argv[2]
long_dir = "/srv/" + "d" * 4000
with open(path, "w", buffering=1 << 20) as f:
    w = f.write
    if case == "unfinished":
        for pid in range(1, 2_000_001):
            w(f'[pid {pid}] openat(AT_FDCWD, "/srv/app/conf/file-{pid}.conf", O_RDONLY <unfinished ...>\n')
    elif case == "unfinished64k":
        data = "x" * 65536
        for pid in range(1, 16385):
            w(f'[pid {pid}] write(1, "{data}", 65536 <unfinished ...>\n')
    elif case == "pids":
        for pid in range(1, 2_000_001):
            w(f'[pid {pid}] chdir("/srv/app/releases/{pid}") = 0\n')
            w(f'[pid {pid}] openat(AT_FDCWD, "config-{pid}.yml", O_RDONLY) = 3\n')
    elif case == "fds":
        for n in range(3_000_000):
            w(f'openat(AT_FDCWD, "/srv/data/part-{n:07}.bin", O_RDONLY) = {n + 3}\n')
    elif case == "groups":
        for n in range(100_000):
            err = "ENOENT (No such file or directory)" if n % 2 else "EACCES (Permission denied)"
            w(f'openat(AT_FDCWD, "{long_dir}/{n}", O_RDONLY) = -1 {err}\n')
    elif case == "evidence":
        for n in range(20_000):
            w(f'openat(AT_FDCWD, "{long_dir}/{n}/app-{n}.conf", O_RDONLY) = 3\n')
            w(f'openat(AT_FDCWD, "/srv/app/missing-{n}.conf", O_RDONLY) = -1 ENOENT (No such file or directory)\n')
    elif case == "ff":
        import os
        d = os.path.dirname(path)
        os.makedirs(d, exist_ok=True)
        for pid in range(1, 10_001):
            t = lambda k: f"10:{k:02}:{pid % 60:02}.{pid:06}"
            with open(f"{d}/trace.{pid}", "w") as g:
                g.write(
                    f'{t(0)} execve("/usr/bin/worker", ["worker", "{pid}"], 0x7ffd /* 3 vars */) = 0\n'
                    f'{t(1)} openat(AT_FDCWD, "/etc/worker.conf", O_RDONLY) = 3\n'
                    f'{t(2)} read(3, "mode=fast\\n", 4096) = 10\n'
                    f'{t(3)} close(3) = 0\n'
                    f'{t(4)} openat(AT_FDCWD, "/srv/jobs/{pid}/input.dat", O_RDONLY) = -1 ENOENT (No such file or directory)\n'
                    f'{t(5)} newfstatat(AT_FDCWD, "/srv/jobs/{pid}", 0x7ffd, 0) = -1 ENOENT (No such file or directory)\n'
                    f'{t(6)} write(2, "worker: /srv/jobs/{pid}/input.dat: No such file\\n", 48) = 48\n'
                    f'{t(7)} openat(AT_FDCWD, "/var/log/worker.log", O_WRONLY|O_APPEND) = 3\n'
                    f'{t(8)} write(3, "failed\\n", 7) = 7\n'
                    f'{t(9)} exit_group(1) = ?\n'
                    f'{t(10)} +++ exited with 1 +++\n'
                )
    elif case in ("ff-many", "ff-100k", "ff-300k"):
        import os
        d = os.path.dirname(path)
        for pid in range(1, {"ff-many": 40_001, "ff-100k": 100_001, "ff-300k": 300_001}[case]):
            with open(f"{d}/t.{pid}", "w") as g:
                g.write(f"10:00:00.{pid % 1_000_000:06} getpid() = {pid}\n")
    elif case == "ff-1mb":
        import os
        d = os.path.dirname(path)
        data = "x" * 1_000_000
        for pid in range(1, 2001):
            with open(f"{d}/t.{pid}", "w") as g:
                g.write(f'10:00:00.{pid:06} write(1, "{data}", 1000000) = 1000000\n')
                g.write(f'10:00:01.{pid:06} openat(AT_FDCWD, "/srv/j/{pid}", O_RDONLY) = -1 ENOENT (No such file or directory)\n')
    elif case == "giant-line":
        chunk = "a" * (1 << 20)
        for _ in range(200):
            w(chunk)
        w("\nclose(3) = 0\n")
    elif case == "stuck":
        for p in range(1, 3_000_001):
            w(f"{p} 10:00:00.{p % 1_000_000:06} futex(0x7f{p:010x}, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n")
        w("9999999 10:00:10.000000 getpid() = 9999999\n")
    elif case == "deep-path":
        w(f'1 openat(AT_FDCWD, "{"/a" * 250_000}/x", O_RDONLY) = -1 ENOENT (No such file or directory)\n')
    elif case == "deep-dirs":
        deep = "/a" * 2000
        for i in range(20):
            w(f'1 newfstatat(AT_FDCWD, "{deep}/ok{i}", {{st_mode=S_IFREG|0644}}, 0) = 0\n')
            w(f'1 openat(AT_FDCWD, "{deep}/d{i}/f", O_RDONLY) = -1 ENOENT (No such file or directory)\n')
    elif case == "argv":
        arg = "a" * 1024
        argv = ", ".join(f'"{arg}"' for _ in range(64))
        for pid in range(1, 10_001):
            w(f'[pid {pid}] execve("/usr/bin/tool", [{argv}], 0x7ffd /* 3 vars */) = 0\n')
            w(f'[pid {pid}] openat(AT_FDCWD, "/srv/app/missing-{pid}", O_RDONLY) = -1 ENOENT (No such file or directory)\n')
EOF
    case $1 in ff|ff-*) rm -f "$f.tmp" ;; *) mv "$f.tmp" "$f" ;; esac
}

measure() { # binary, args... -> "wall rss_mib" (with a descriptor limit of 1024, as item 6 asks)
    local bin=$1; shift
    (ulimit -n 1024; /usr/bin/time -o "$OUT/time" -f "%e %M" "$bin" --format json "$@" > "$OUT/out.json" 2> /dev/null) || true
    read -r wall rss < "$OUT/time"
    echo "$wall $((rss / 1024))"
}

args() { # case -> the inputs and options it is run with, one per line
    case $1 in
        ff) printf '%s\n' --no-disk "$OUT/ff/trace" ;;
        ff-*) printf '%s\n' --no-disk "$OUT/$1/t" ;;
        urandom) printf '%s\n' --no-disk "$OUT/urandom.txt" ;;
        deep-dirs) printf '%s\n' --root "$OUT/root" "$OUT/$1.txt" ;;
        *) printf '%s\n' --no-disk "$OUT/$1.txt" ;;
    esac
}

caps() { # the memory_caps of the last report, if it has them
    python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))["summary"]
c = s.get("memory_caps") or {}
print(", ".join(f"{k} {v}" for k, v in c.items() if v) or "-")' "$OUT/out.json" 2> /dev/null || echo "?"
}

header="| case | input MiB | wall (s) | peak RSS (MiB) | memory caps hit |"
[ -n "${BIN_B:-}" ] && header="| case | input MiB | before: wall (s) | before: peak RSS (MiB) | wall (s) | peak RSS (MiB) | memory caps hit |"
echo "$header"
echo "$header" | sed 's/[^|][^|]*|/---|/g'
for c in $CASES; do
    generate "$c"
    mapfile -t a < <(args "$c")
    case $c in
        ff|ff-*) size=$(( $(du -sb "$OUT/$c" | cut -f1) / 1048576 )) ;;
        urandom) size=200 ;;
        *) size=$(( $(stat -c %s "$OUT/$c.txt") / 1048576 )) ;;
    esac
    before=""
    if [ -n "${BIN_B:-}" ]; then
        read -r bw br <<< "$(measure "$BIN_B" "${a[@]}")"
        before=" $bw | $br |"
    fi
    read -r w r <<< "$(measure "$BIN" "${a[@]}")"
    echo "| $c ${a[0]} | $size |$before $w | $r | $(caps) |"
    if [ "$c" = deep-dirs ]; then # and without the disk
        a=(--no-disk "$OUT/$c.txt")
        [ -n "${BIN_B:-}" ] && { read -r bw br <<< "$(measure "$BIN_B" "${a[@]}")"; before=" $bw | $br |"; }
        read -r w r <<< "$(measure "$BIN" "${a[@]}")"
        echo "| $c ${a[0]} | $size |$before $w | $r | $(caps) |"
    fi
done
