"""Debian's busybox-static and a glibc program on the machine, held to the same runs natively and under qemu.

Each case runs `busybox ARGS` in work/ of three fresh copies of one root
(tests/runtime/busybox.py): natively, under qemu-x86_64, and through
`syscalltbl run --root`. qemu must reproduce the native run (else the case
itself is not deterministic), and the machine must reproduce both: exit
status, stdout and stderr.

The machine's files are an in-memory copy of --root, so a command's side
effects (mkdir, rm, mv, cp, touch) are checked inside the same run, by the
script that made them. Freshly made files carry the time of the run, so
those scripts show their sizes and modes, not their dates; seeded files
all carry one fixed date, which `ls -l` must show.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from busybox import Outcome, build_static, make_template, run_busybox, run_emulated, run_native, run_qemu


def sh(script: str, stdin: bytes = b"") -> tuple[list[str], bytes]:
    return ["sh", "-c", script], stdin


def cmd(*args: str, stdin: bytes = b"") -> tuple[list[str], bytes]:
    return list(args), stdin


# ls -l of a file a script has just made: mode, links, size, name. Not its date (the
# time of the run) nor its owner (the machine's processes are root, a native run may not be).
LS_NO_DATE = "awk '{print $1, $2, $5, $NF}'"

CASES: dict[str, tuple[list[str], bytes]] = {
    # -- single applets --
    "echo": cmd("echo", "hello", "world"),
    "echo-n": cmd("echo", "-n", "no newline"),
    "echo-e": cmd("echo", "-e", "a\\tb\\nc\\\\"),
    "printf": cmd("printf", "%s=%d %05.2f %x %o %c|%-4s|\\n", "a", "42", "3.14159", "255", "8", "xyz", "ab"),
    "printf-reuse": cmd("printf", "<%s>\\n", "one", "two", "three"),
    "cat": cmd("cat", "f.txt", "sub/y"),
    "cat-n": cmd("cat", "-n", "f.txt"),
    "cat-stdin": cmd("cat", "-", stdin=b"from stdin\nline 2\n"),
    "cat-missing": cmd("cat", "f.txt", "missing", "sub/y"),
    "cat-directory": cmd("cat", "sub"),
    "cat-symlink": cmd("cat", "link.txt"),
    "wc": cmd("wc", "f.txt", "words.txt", "big.txt"),
    "wc-stdin": cmd("wc", "-lwc", stdin=b"one two\nthree\n"),
    "head": cmd("head", "-n", "3", "numbers.txt"),
    "head-c": cmd("head", "-c", "5", "f.txt"),
    "tail": cmd("tail", "-n", "2", "numbers.txt"),
    "tail-plus": cmd("tail", "-n", "+6", "numbers.txt"),
    "tail-c": cmd("tail", "-c", "7", "f.txt"),
    "tail-big": cmd("tail", "-n", "3", "big.txt"),
    "sort": cmd("sort", "words.txt"),
    "sort-rn": cmd("sort", "-rn", "numbers.txt"),
    "sort-key": cmd("sort", "-t", ",", "-k", "2n", "data.csv"),
    "sort-u": cmd("sort", "-u", "words.txt"),
    "uniq": cmd("sh", "-c", "sort words.txt | uniq -c"),
    "uniq-d": cmd("uniq", "-d", stdin=b"a\na\nb\nc\nc\nc\nd\n"),
    "tr": cmd("tr", "a-z", "A-Z", stdin=b"Hello, World\n"),
    "tr-d-s": cmd("sh", "-c", "tr -d 'lo' < f.txt; echo aaabbbccc | tr -s 'ab'"),
    "cut": cmd("cut", "-d", ",", "-f", "1,3", "data.csv"),
    "cut-c": cmd("cut", "-c", "2-4", "words.txt"),
    "seq": cmd("seq", "5"),
    "seq-step": cmd("seq", "-s", ",", "2", "3", "20"),
    "seq-down": cmd("seq", "10", "-3", "1"),
    "ls": cmd("ls"),
    "ls-1": cmd("ls", "-1", "sub"),
    "ls-l": cmd("ls", "-l"),
    "ls-la": cmd("ls", "-la"),
    "ls-ln": cmd("ls", "-ln", "sub"),
    "ls-lR": cmd("ls", "-lR"),
    "ls-s": cmd("ls", "-s"),
    "ls-lS": cmd("ls", "-lS"),
    "ls-ld": cmd("ls", "-ld", "sub", "sub/deeper", "."),
    "ls-symlink": cmd("ls", "-l", "link.txt"),
    "ls-L": cmd("ls", "-lL", "link.txt"),
    "ls-missing": cmd("ls", "-l", "missing", "f.txt"),
    "mkdir": sh(f"mkdir newdir && ls -ld newdir | {LS_NO_DATE}; mkdir -p a/b/c && find a | sort; "
                "mkdir -m 700 private && ls -ld private | cut -c1-10; ls"),
    "mkdir-exists": cmd("mkdir", "sub"),
    "mkdir-no-parent": cmd("mkdir", "x/y"),
    "rm": sh("rm f.txt && ls; rm -r sub && ls; rm -f missing; echo $?"),
    "rm-missing": cmd("rm", "missing"),
    "rm-directory": cmd("rm", "sub"),
    "rmdir": sh("rmdir sub; echo $?; rmdir sub/deeper/../deeper 2>&1; mkdir e && rmdir e && ls"),
    "mv": sh("mv f.txt moved.txt && ls && cat moved.txt && mv moved.txt sub/ && ls sub && mv sub/deeper top && ls"),
    "mv-missing": cmd("mv", "missing", "somewhere"),
    "mv-over": sh("mv words.txt numbers.txt && cat numbers.txt && ls"),
    "cp": sh(f"cp f.txt copy.txt && cat copy.txt && ls -l copy.txt | {LS_NO_DATE}"),
    "cp-big": sh("cp big.txt big2.txt && cmp big.txt big2.txt && wc -c big2.txt"),
    "cp-r": sh("cp -r sub sub2 && find sub2 | sort && cat sub2/deeper/z"),
    "cp-p": sh("chmod 640 f.txt && cp -p f.txt kept.txt && ls -l kept.txt"),
    "cp-missing": cmd("cp", "missing", "x"),
    "touch": sh(f"touch new.txt && ls -l new.txt | {LS_NO_DATE}; touch -c nothere; ls nothere; echo $?"),
    "touch-d": sh("touch -d '2001-02-03 04:05:06' f.txt && ls -l f.txt && stat -c '%X %Y %s' f.txt"),
    "touch-t": sh("touch -t 199912312359.30 g.txt && ls -l g.txt && stat -c '%X %Y %s' g.txt"),
    "touch-r": sh("touch -d '@86400' sub && touch -r sub f.txt && stat -c '%Y' f.txt sub"),
    "touch-existing-keeps-data": sh("touch -d '@1000000000' f.txt && cat f.txt && stat -c '%Y' f.txt"),
    "find": sh("find . | sort"),
    "find-name": cmd("find", ".", "-name", "z"),
    "find-type": sh("find . -type d | sort; find . -type l"),
    "find-size": sh("find . -type f -size +1 | sort"),
    "find-exec": sh("find sub -name '*' -type f -exec wc -c {} + | sort"),
    "grep": cmd("grep", "apple", "words.txt"),
    "grep-c": cmd("grep", "-c", "fig", "words.txt"),
    "grep-in": cmd("grep", "-n", "-i", "HELLO", "f.txt", "sub/y"),
    "grep-v-E": cmd("grep", "-vE", "^(fig|pear)$", "words.txt"),
    "grep-o-w": cmd("grep", "-ow", "line", "f.txt"),
    "grep-r": sh("grep -r e . | sort"),
    "grep-no-match": cmd("grep", "nope", "f.txt"),
    "grep-missing": cmd("grep", "x", "missing"),
    "sed": cmd("sed", "s/o/0/g", "f.txt"),
    "sed-n": cmd("sed", "-n", "2p;$p", "numbers.txt"),
    "sed-e": cmd("sed", "-e", "1d", "-e", "s/,/;/g", "data.csv"),
    "sed-i": sh("sed -i 's/hello/HELLO/' f.txt && cat f.txt && ls -l f.txt | awk '{print $1, $5}'"),
    "sed-regex": cmd("sed", "-E", "s/^([a-z]+),([0-9]+).*/\\2 \\1/", "data.csv"),
    "awk": cmd("awk", "-F", ",", "NR > 1 { s += $2 * $3 } END { printf \"%.2f\\n\", s }", "data.csv"),
    "awk-nr": cmd("awk", "{ print NR \": \" $0 \" (\" length($0) \")\" }", "f.txt"),
    "awk-arrays": sh("awk '{ c[$1]++ } END { for (k in c) print k, c[k] }' words.txt | sort"),
    "awk-math": cmd("awk", "BEGIN { printf \"%d %.3f %s %s\\n\", 7 / 2, atan2(0, -1), 2 ^ 10, "
                           "substr(\"abcdef\", 2, 3) }"),
    "expr": cmd("expr", "6", "*", "7"),
    "expr-length": cmd("expr", "length", "hello"),
    "expr-zero": cmd("expr", "5", "-", "5"),
    "expr-match": cmd("expr", "abc123", ":", "[a-z]*\\([0-9]*\\)"),
    "expr-error": cmd("expr", "1", "+", "x"),
    "test-file": cmd("test", "-f", "f.txt"),
    "test-dir-not": cmd("test", "-d", "f.txt"),
    "test-error": cmd("test", "3", "-gt", "x"),
    "test-sh": sh("test 1 -lt 2; echo $?; [ -d sub ] && echo dir; [ -L link.txt ] && echo link; "
                  "[ -s empty.txt ] || echo empty; test abc = abd; echo $?; [ -x script.sh ]; echo $?"),
    "true": cmd("true"),
    "false": cmd("false"),
    "uname-s": cmd("uname", "-s"),
    "uname-m": cmd("uname", "-m"),
    "date-year": cmd("date", "+%Y"),
    "date-epoch": cmd("date", "-u", "-d", "@1234567890"),
    "date-format": cmd("date", "-d", "2001-02-03 04:05:06", "+%s %F %T %a %b %j"),
    # qemu-user hands the environment over in reverse order, so it is sorted; sh adds PWD, a host path natively.
    "env": sh("env | grep -v ^PWD= | sort"),
    "env-i": cmd("env", "-i", "A=1", "B=two words", "env"),
    "env-u": sh("env -u HOME -u PWD | sort; env -u TZ sh -c 'echo TZ=${TZ-unset}'"),
    # -- sh -c scripts --
    "sh-pipeline": sh("cat words.txt | sort | uniq -c | sort -rn | head -2"),
    "sh-seq-sort-head": sh("seq 100 | sort -rn | head"),
    "sh-long-pipeline": sh("cat big.txt | grep '9 of' | cut -d' ' -f2 | sort -n | tail -3 | tr '\\n' ' '; echo"),
    "sh-big-through-pipes": sh("cat big.txt | cat | wc -c; seq 20000 | sort -n | tail -1"),
    "sh-redirections": sh("echo one > out.txt; echo two >> out.txt; wc -l < out.txt; cat out.txt; "
                          "cat < f.txt > again.txt; cat again.txt"),
    "sh-stderr-to-stdout": sh("cat missing 2>&1 | tr a-z A-Z; ls missing f.txt > both.txt 2>&1; cat both.txt"),
    "sh-stderr-to-file": sh("cat missing 2> err.txt; echo status $?; cat err.txt; echo x 1>&2"),
    "sh-subshells": sh("(exit 3); echo $?; (false) || echo failed; (cd sub && cat y); cat y 2>/dev/null; "
                       "echo ${?}; (echo inner; exit 4) | cat; echo $?"),
    "sh-status": sh("false; echo $?; true; echo $?; grep -q nope f.txt; echo $?; sh -c 'exit 42'; echo $?"),
    "sh-for": sh("for i in 1 2 3; do echo item $i; done; for f in *.txt; do printf '%s ' $f; wc -l < $f; done"),
    "sh-while": sh("i=0; while [ $i -lt 5 ]; do i=$((i + 1)); echo $i; done; "
                   "while read a b; do echo \"$b $a\"; done < f.txt"),
    "sh-read-stdin": sh("while read a b; do echo \"[$b] [$a]\"; done; echo end",
                        stdin=b"one two\nthree\n\nfour five six\n"),
    "sh-command-substitution": sh("n=$(wc -l < numbers.txt); echo \"lines: $n\"; "
                                  "echo sum: $(awk '{ s += $1 } END { print s }' numbers.txt); echo `echo back`ticks"),
    "sh-yes-head": sh("yes | head -1; echo $?"),
    "sh-yes-sigpipe-status": sh("yes | head -3 > /dev/null; echo ${PIPESTATUS:-no pipestatus}; "
                                "yes | (head -1; exit 0)"),
    "sh-kill-9-self": sh("echo before; kill -9 $$; echo after"),
    "sh-kill-9-child": sh("sh -c 'kill -9 $$'; echo $?"),
    # /proc makes nothing on request, and its files cannot be removed: the host's /proc answers the same.
    "proc-read-only": sh("touch /proc/x; mkdir /proc/y; ln -s a /proc/z; rm /proc/uptime; echo $?"),
    "sh-false-status": sh("false; echo $?"),
    "sh-exit": sh("echo bye; exit 7"),
    "sh-heredoc-case-function": sh("f() { case $1 in a*) echo A;; *) echo other $1;; esac; }; f apple; f pear; "
                                   "cat <<EOF\nhere $(echo doc)\nEOF"),
    "sh-script-file": sh("sh script.sh x 'y z'; echo status $?"),
    "sh-background-wait": sh("(echo in background) & wait; echo waited $?"),
    "sh-arithmetic": sh("echo $((6 * 7)) $((17 % 5)) $((1 << 10)) $(( (2 + 3) * 4 ))"),
    "sh-xargs": sh("printf 'f.txt\\nsub/y\\n' | xargs cat"),
    "sh-ln-chmod-readlink": sh("ln -s f.txt l2 && readlink l2 && cat l2 && ln f.txt hard && ls -l hard f.txt "
                               "&& chmod 600 hard && ls -l f.txt && rm f.txt && cat hard && ls -l hard"),
    "sh-truncate-stat": sh("truncate -s 5 f.txt && cat f.txt && echo && stat -c '%s %b %B %h %F' f.txt sub empty.txt"),
    "sh-dd": sh("dd if=big.txt of=part.txt bs=100 count=3 2>/dev/null && wc -c part.txt && tail -c 20 part.txt"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("busybox-root"))


@pytest.mark.parametrize("name", list(CASES))
def test_busybox_matches_native_and_qemu(name: str, template: Path, tmp_path: Path) -> None:
    args, stdin = CASES[name]
    runs = run_busybox(template, tmp_path, args, stdin)
    assert runs.qemu == runs.native, f"qemu differs from native: not a deterministic case\n{runs.native.text()}"
    assert runs.emulated == runs.native, (f"\n=== native\n{runs.native.text()}"
                                          f"\n=== emulated\n{runs.emulated.text()}")


def test_the_cases_cover_the_applets() -> None:
    """The issue's list of applets: each one is run by some case, directly or in a script."""
    wanted = ["echo", "printf", "cat", "wc", "head", "tail", "sort", "uniq", "tr", "cut", "seq", "ls", "mkdir",
              "rm", "mv", "cp", "touch", "find", "grep", "sed", "awk", "expr", "test", "true", "false", "uname",
              "date", "env", "sh"]
    words = {w for args, _ in CASES.values() for arg in args for w in re.split(r"[\s|;()&`$]+", arg)}
    assert [applet for applet in wanted if applet not in words] == []


def test_kill_9_is_status_137_on_every_side(template: Path, tmp_path: Path) -> None:
    runs = run_busybox(template, tmp_path, ["sh", "-c", "kill -9 $$"])
    assert runs.native.status == runs.qemu.status == runs.emulated.status == 137
    assert runs.emulated == runs.native


def run_three_ways(program: Path, tmp_path: Path, args: list[str], stdin: bytes) -> dict[str, Outcome]:
    """`program ARGS` in an empty-but-for-input.txt work/ of a fresh root per side."""
    runs: dict[str, Outcome] = {}
    for side in ("native", "qemu", "emulated"):
        work = tmp_path / side / "work"
        work.mkdir(parents=True)
        (work / "input.txt").write_bytes(b"first line of input\nsecond\n")
        if side == "native":
            runs[side] = run_native(program, args, work, stdin)
        elif side == "qemu":
            runs[side] = run_qemu(program, args, work, stdin)
        else:
            runs[side] = run_emulated(program, args, tmp_path / side, "/work", stdin)
    return runs


def test_glibc_program(tmp_path: Path) -> None:
    """glibc's start-up, stdio, malloc (brk and mmap), fopen/fgets on its own files, stdin and stderr."""
    runs = run_three_ways(build_static(tmp_path, "glibc_hello.c"), tmp_path, ["arg one", "two"], b"typed\n")
    native = runs["native"]
    assert native.status == 3, native.text()
    assert b"read back: 42 lines, last: line 41\n" in native.stdout and native.stderr.endswith(b"to stderr\n")
    assert runs["qemu"] == native
    assert runs["emulated"] == native, f"\n{native.text()}\n=== emulated\n{runs['emulated'].text()}"


def test_filesystem_calls_from_glibc(tmp_path: Path) -> None:
    """utimensat and friends, st_blocks, links, chmod/chown, truncate, sendfile, poll, statfs: line by line."""
    runs = run_three_ways(build_static(tmp_path, "fsprobe.c"), tmp_path, [], b"")
    native = runs["native"]
    assert native.status == 0 and native.stderr == b"", native.text()
    assert b"t: atime 1000000000.123456789 mtime 1100000000.987654321\n" in native.stdout
    assert runs["qemu"] == native
    lines = zip(native.stdout.decode().splitlines(), runs["emulated"].stdout.decode().splitlines(), strict=False)
    assert [(n, e) for n, e in lines if n != e] == []
    assert runs["emulated"] == native
