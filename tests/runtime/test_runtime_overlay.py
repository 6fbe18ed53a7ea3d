"""The copy-on-write root (kernel/hostfs.py): host files read on demand, nothing a program does reaches the host.

Programs are the host's static busybox, run by `syscalltbl run` from the
host's / (the default root) or from a --root DIR made in tmp_path; what they
read is compared with the same busybox run natively on the same files, and
the host's files are checked unchanged after every run that changed them in
the machine.
"""

from __future__ import annotations

import gc
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import uuid
import weakref
from pathlib import Path

import pytest
from busybox import busybox
from dynamic_root import build_c

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel import hostfs
from syscalltbl.machine.kernel.hostfs import HostDirectory, HostLayer, HostRegular
from syscalltbl.machine.kernel.vfs import HOST_INO_BASE, FileSystem
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.uapi.errno import EIO, Errno
from syscalltbl.machine.uapi.fcntl import O_RDONLY, O_RDWR

NO_TASK = None  # lookups outside any program: nothing under /proc is reached
TIMEOUT = 120


def run(*args: str, root: Path | None = None, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    """`syscalltbl run [--root ROOT] busybox ARGS` as a user types it."""
    where = ["--root", str(root)] if root is not None else []
    return subprocess.run([sys.executable, "-m", "syscalltbl", "run", *where, *extra, "--env-clear",
                           "--env", "PATH=/usr/bin:/bin", "--env", "LC_ALL=C", "--env", "TZ=UTC0",
                           str(busybox()), *args], capture_output=True, timeout=TIMEOUT, check=False)


def native(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(busybox()), *args], capture_output=True, timeout=TIMEOUT, check=False,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC0"})


def snapshot(top: Path) -> dict[str, tuple[int, int, int, int]]:
    """Every name under `top` with its mode, size, mtime and inode: what a change on the host would move."""
    found = {}
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(directory, name)
            with_stat = os.lstat(path)
            found[path] = (with_stat.st_mode, with_stat.st_size, with_stat.st_mtime_ns, with_stat.st_ino)
    return found


def host_root(tmp_path: Path) -> Path:
    """A root for --root: its own busybox, a data file, and directories to list."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "busybox").write_bytes(busybox().read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    (root / "data").mkdir()
    (root / "data" / "f").write_bytes(b"the host's own line\n")
    (root / "etc").mkdir()
    (root / "etc" / "only-in-root").write_bytes(b"inside the root\n")
    return root


def test_nothing_a_program_does_reaches_the_host(tmp_path: Path) -> None:
    unique = f"syscalltbl-overlay-{uuid.uuid4().hex}"
    victim = tmp_path / "victim"
    victim.write_bytes(b"host bytes\n" * 100)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "inner").write_bytes(b"inner\n")
    before_etc, before_tmp = snapshot(Path("/etc")), snapshot(tmp_path)
    script = f"""
        set -e
        mkdir /tmp/{unique} /etc/{unique}
        echo made > /tmp/{unique}/a; mv /tmp/{unique}/a /tmp/{unique}/b
        echo etc > /etc/{unique}/x; chmod 600 /etc/{unique}/x; rm /etc/{unique}/x; rmdir /etc/{unique}
        echo more >> {victim}; truncate -s 5 {victim}; chmod 700 {victim}; touch -d @0 {victim}
        mv {victim} {tmp_path}/renamed; rm {tmp_path}/dir/inner; rmdir {tmp_path}/dir
        stat -c '%s %a %Y' {tmp_path}/renamed; cat {tmp_path}/renamed; echo
        ls {tmp_path}; cat /tmp/{unique}/b; ls /etc | grep -c {unique} || true
    """
    ran = run("sh", "-c", script)
    assert (ran.returncode, ran.stderr) == (0, b"")
    assert ran.stdout == b"5 700 0\nhost \nrenamed\nmade\n0\n"
    # The host: no unique name anywhere, /etc and tmp_path exactly as before (names, modes, sizes, times).
    assert not any(unique in name for name in os.listdir("/tmp") + os.listdir("/etc"))
    assert snapshot(Path("/etc")) == before_etc
    assert snapshot(tmp_path) == before_tmp
    assert victim.read_bytes() == b"host bytes\n" * 100


def test_host_files_read_as_the_host_has_them() -> None:
    """Bytes, listings and metadata of host files, compared with busybox run natively on them."""
    for args in (["md5sum", "/etc/passwd", str(busybox())], ["ls", "-l", "/usr/share/doc/busybox-static"],
                 ["ls", "-ln", "/etc/ssl"], ["sh", "-c", "cat /etc/group | wc -c; head -c 100 /etc/passwd"]):
        machine, host = run(*args), native(*args)
        assert (machine.returncode, machine.stdout, machine.stderr) == (host.returncode, host.stdout, host.stderr), args


def test_a_write_copies_the_file_up_and_the_host_keeps_its_own(tmp_path: Path) -> None:
    root = host_root(tmp_path)
    before = snapshot(root)
    ran = run("sh", "-c", "echo added >> /data/f; cat /data/f; printf 'X' | dd of=/data/f conv=notrunc 2>/dev/null;"
              " cat /data/f; wc -c < /data/f", root=root)
    assert (ran.returncode, ran.stderr) == (0, b"")
    assert ran.stdout == b"the host's own line\nadded\nXhe host's own line\nadded\n26\n"
    assert snapshot(root) == before
    assert (root / "data" / "f").read_bytes() == b"the host's own line\n"


def test_a_removed_host_file_is_gone_until_made_again(tmp_path: Path) -> None:
    root = host_root(tmp_path)
    ran = run("sh", "-c", "rm /data/f; ls -a /data; stat /data/f 2>&1; echo new > /data/f; ls /data; cat /data/f;"
              " rm /data/f; rmdir /data && ls /", root=root)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == (b".\n..\nstat: can't stat '/data/f': No such file or directory\nf\nnew\n"
                          b"bin\ndev\netc\nproc\n")
    assert (root / "data" / "f").read_bytes() == b"the host's own line\n"


def test_host_fifos_sockets_and_devices_are_listed_but_never_opened(tmp_path: Path) -> None:
    root = host_root(tmp_path)
    os.mkfifo(root / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "sock"))
        os.mknod(root / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the host's /dev/null, were it opened
        ran = run("sh", "-c", "ls -l / | cut -c1; for f in fifo sock null; do cat /$f; echo $?; done;"
                  " echo x > /null; echo $?", root=root)
    assert ran.stdout == b"t\nd\nd\nd\nd\np\nc\nd\ns\n1\n1\n1\n1\n"
    assert ran.stderr.splitlines() == [b"cat: can't open '/fifo': No such device or address",
                                       b"cat: can't open '/sock': No such device or address",
                                       b"cat: can't open '/null': Permission denied",
                                       b"sh: can't create /null: Permission denied"]


def test_dotdot_and_absolute_symlinks_stay_inside_the_root(tmp_path: Path) -> None:
    root = host_root(tmp_path)
    (root / "data" / "to-etc").symlink_to("/etc")
    (root / "data" / "up").symlink_to("../../../../../../etc/only-in-root")
    ran = run("sh", "-c", "ls /data/to-etc/; cat /data/up; cd /../..; pwd; ls /../../etc", root=root)
    assert (ran.returncode, ran.stderr) == (0, b"")
    assert ran.stdout == b"only-in-root\ninside the root\n/\nonly-in-root\n"


def test_the_host_dev_proc_and_sys_are_not_shown() -> None:
    ran = run("sh", "-c", "ls /dev; ls / | grep -c '^sys$'; head -c 16 /dev/urandom | wc -c;"
              " head -c 16 /dev/random | wc -c")
    # The machine's own devices: /dev/net/tun (CONFIG_TUN) and /dev/userfaultfd (CONFIG_USERFAULTFD), as
    # devtmpfs makes them on Linux, beside the memory devices, tty and /dev/shm.
    assert ran.stdout == b"full\nnet\nnull\nrandom\nshm\ntty\nurandom\nuserfaultfd\nzero\n0\n16\n16\n"


def test_a_copy_up_larger_than_the_filesystem_is_enospc(tmp_path: Path) -> None:
    root = host_root(tmp_path)
    (root / "data" / "big").write_bytes(b"b" * (3 << 20))
    ran = run("sh", "-c", "cat /data/big | wc -c; echo x >> /data/big; echo $?; wc -c < /data/big",
              root=root, extra=("--fs-size", "1M"))
    assert ran.stdout == b"3145728\n1\n3145728\n"
    assert ran.stderr == b"sh: can't create /data/big: No space left on device\n"
    assert (root / "data" / "big").read_bytes() == b"b" * (3 << 20)


def test_changes_past_the_inode_limit_are_enospc(tmp_path: Path) -> None:
    """A chmod keeps a host inode in memory: it takes one of the filesystem's inodes, as an overlay's upper layer."""
    root = host_root(tmp_path)
    many = root / "many"
    many.mkdir()
    for i in range(50):
        (many / f"f{i}").write_bytes(b"")
    ran = run("sh", "-c", "chmod 600 /many/*; echo $?; ls -l /many | grep -c '^-rw-------'", root=root,
              extra=("--fs-inodes", "20"))
    assert ran.stdout.split(b"\n")[0] == b"1"
    changed = int(ran.stdout.split(b"\n")[1])
    assert 0 < changed < 20
    assert b"No space left on device" in ran.stderr
    assert all(stat.S_IMODE((many / f"f{i}").stat().st_mode) == 0o644 for i in range(50))


def test_start_up_reads_nothing_of_the_root(tmp_path: Path) -> None:
    """A root with a 64 GiB sparse file and 2000 files: the old start-up copied all of it in (and failed)."""
    root = host_root(tmp_path)
    with open(root / "data" / "sparse", "wb") as f:
        f.truncate(64 << 30)
    lots = root / "lots"
    lots.mkdir()
    for i in range(2000):
        (lots / str(i)).write_bytes(b"x" * 100)
    began = time.monotonic()
    machine = Machine(root=root)
    took = time.monotonic() - began
    top = machine.fs.root
    assert isinstance(top, HostDirectory)
    assert top._scan is None and not len(top._lower)  # no listing made, no host file looked up
    assert took < 10
    ran = run("sh", "-c", "ls -l /data/sparse | tr -s ' ' | cut -d' ' -f5; ls /lots | wc -l; cat /lots/1999", root=root)
    assert ran.stdout == b"68719476736\n2000\n" + b"x" * 100


def test_inode_numbers_survive_being_forgotten_and_looked_up_again(tmp_path: Path) -> None:
    root = host_root(tmp_path)
    fs = FileSystem(hostfs.host_root(root, None))
    task = NO_TASK
    data = fs.lookup(task, b"/data", fs.root)  # type: ignore[arg-type]
    assert isinstance(data, HostDirectory)
    first = fs.lookup(task, b"/data/f", fs.root)  # type: ignore[arg-type]
    ino = first.ino
    assert ino >= HOST_INO_BASE
    del first
    gc.collect()
    assert data.lower_child(b"f") is None  # pristine: nothing kept it
    again = fs.lookup(task, b"/data/f", fs.root)  # type: ignore[arg-type]
    assert again.ino == ino and isinstance(again, HostRegular)
    assert fs.lookup(task, b"/etc/only-in-root", fs.root).ino != ino  # type: ignore[arg-type]


def test_listing_a_directory_keeps_none_of_its_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ls -l` looks up every file of a large directory; once it is done the machine holds none of them."""
    root = host_root(tmp_path)
    many = root / "many"
    many.mkdir()
    for i in range(500):
        (many / f"f{i}").write_bytes(b"%d\n" % i)
    made = 0
    make = HostLayer.make

    def counted(layer: HostLayer, parent: HostDirectory, name: bytes) -> object:
        nonlocal made
        made += 1
        return make(layer, parent, name)

    monkeypatch.setattr(hostfs.HostLayer, "make", counted)
    null = os.open(os.devnull, os.O_RDWR)
    try:
        machine = Machine(root=root, stdio=(null, null, null))
        listed = machine.fs.lookup(None, b"/many", machine.fs.root)  # type: ignore[arg-type]
        assert isinstance(listed, HostDirectory)
        status = machine.run(root / "bin" / "busybox", ["ls", "-l", "/many"])
    finally:
        os.close(null)
    assert status.code == 0
    gc.collect()
    assert made >= 500
    assert len(listed._lower) == 0 and not listed._entries


def test_empty_root_and_root_are_exclusive_and_empty_root_is_empty(tmp_path: Path) -> None:
    for root in (tmp_path, Path("/")):  # "/" too: the default's own value, given explicitly
        both = run("true", root=root, extra=("--empty-root",))
        assert both.returncode == 2 and b"not allowed with" in both.stderr and b"Traceback" not in both.stderr
    empty = run("ls", "/", extra=("--empty-root",))
    assert (empty.returncode, empty.stdout) == (0, b"bin\ndev\nproc\n")  # the program copied in at its own path


def test_a_mapped_host_page_comes_from_the_host_and_a_copy_up_keeps_its_frame(tmp_path: Path) -> None:
    """The page cache's lower source: a fault fills a frame from the host file; a copy-up makes it the file's own
    page, charged once; RAM and the filesystem's space are back where they were once the file is gone."""
    root = host_root(tmp_path)
    host = root / "data" / "f"
    machine = Machine(root=root)
    fs, ram = machine.fs, machine.ram
    space = fs.space
    assert space is not None
    before = (ram.frames_in_use, ram.reserved, space.used_pages, space.used_inodes)
    reading = fs.open(NO_TASK, b"/data/f", fs.root, O_RDONLY, 0)  # type: ignore[arg-type]
    inode = reading.inode
    assert isinstance(inode, HostRegular)
    inode.map_into(ram)
    frame = inode.page(0)
    assert frame is not None
    assert bytes(ram.mem[frame : frame + PAGE_SIZE]) == host.read_bytes().ljust(PAGE_SIZE, b"\0")
    assert inode.page(1) is None  # past the end: SIGBUS
    writing = fs.open(NO_TASK, b"/data/f", fs.root, O_RDWR, 0)  # type: ignore[arg-type]  # the copy-up
    assert writing.inode is inode and inode.page(0) == frame
    # One page of data; two inodes: the file's and /data's, kept with it (as an overlay copies up the parents).
    assert (ram.frames_in_use, space.used_pages, space.used_inodes) == (before[0] + 1, before[2] + 1, before[3] + 2)
    assert ram.reserved == before[1]  # the frame is the charge's page: RAM counts it once
    inode.write(writing, b"T")
    assert bytes(ram.mem[frame : frame + 4]) == b"The " and inode.read(reading, 5) == b"The h"
    assert host.read_bytes() == b"the host's own line\n"
    fs.unlink(NO_TASK, b"/data/f", fs.root, directory=False)  # type: ignore[arg-type]
    del reading, writing, inode
    gc.collect()
    # Two inodes stay: /data's, and the whiteout that hides the host's f.
    assert (ram.frames_in_use, ram.reserved, space.used_pages, space.used_inodes) == (*before[:3], before[3] + 2)


def test_a_sparse_copy_up_costs_only_its_data(tmp_path: Path) -> None:
    """A file may be as large as tmpfs's MAX_LFS_FILESIZE (no EFBIG), and overlayfs copies a sparse file up
    sparse (ovl_copy_up_file skips holes): 1 GiB of hole plus a page of data fits an 8 MiB filesystem."""
    root = host_root(tmp_path)
    with open(root / "data" / "huge", "wb") as f:
        f.truncate(1 << 30)
        f.seek(1 << 20)
        f.write(b"data")
    ran = run("sh", "-c", "df /data | tail -n 1; echo x >> /data/huge; echo $?; stat -c %s /data/huge;"
              " tail -c 2 /data/huge; dd if=/data/huge bs=1 skip=1048576 count=4 2>/dev/null; echo;"
              " df /data | tail -n 1; rm /data/huge; ls /data", root=root, extra=("--fs-size", "8M"))
    assert ran.stderr == b""
    lines = ran.stdout.split(b"\n")
    assert lines[1:5] == [b"0", str((1 << 30) + 2).encode(), b"x", b"data"]
    used_before, used_after = int(lines[0].split()[2]), int(lines[5].split()[2])
    assert 0 < used_after - used_before <= 8  # KiB: the data page and the appended one, not 1 GiB
    assert lines[6:] == [b"f", b""]
    assert (root / "data" / "huge").stat().st_size == 1 << 30


def test_what_a_program_sees_when_the_host_changes_a_file(tmp_path: Path) -> None:
    """As vfs.py's docstring says: bytes read when read (cut to the size of the lookup), EIO once replaced,
    frozen by a copy-up."""
    root = host_root(tmp_path)
    host = root / "data" / "f"
    fs = FileSystem(hostfs.host_root(root, None))
    reading = fs.open(NO_TASK, b"/data/f", fs.root, O_RDONLY, 0)  # type: ignore[arg-type]
    with open(host, "r+b") as f:
        f.write(b"THE HOST'S OWN LINE and more\n")  # in place, longer
    assert reading.inode.read(reading, 100) == b"THE HOST'S OWN LINE "  # the size of the lookup
    replaced = tmp_path / "new"
    replaced.write_bytes(b"another file\n")
    os.replace(replaced, host)
    reading.offset = 0
    with pytest.raises(Errno) as lost:
        reading.inode.read(reading, 100)
    assert lost.value.errno == EIO
    del reading, lost  # the traceback holds the inode too
    gc.collect()
    fresh = fs.open(NO_TASK, b"/data/f", fs.root, O_RDWR, 0)  # type: ignore[arg-type]  # looked up again, copied up
    host.write_bytes(b"changed after the copy-up\n")
    assert fresh.inode.read(fresh, 100) == b"another file\n"


def test_walking_a_whole_tree_keeps_no_more_than_a_path_of_it(tmp_path: Path) -> None:
    """`find` over 40 directories of 100 files: afterwards the machine holds a handful of host inodes, not 4000."""
    root = host_root(tmp_path)
    for d in range(40):
        sub = root / "tree" / f"d{d}"
        sub.mkdir(parents=True)
        for i in range(100):
            (sub / f"f{i}").write_bytes(b"")
    out = tmp_path / "out"
    with open(out, "wb") as sink:
        machine = Machine(root=root, stdio=(sink.fileno(), sink.fileno(), sink.fileno()))
        status = machine.run(root / "bin" / "busybox", ["find", "/tree", "-type", "f", "-size", "0"])
    assert status.code == 0 and out.read_bytes().count(b"\n") == 4000
    gc.collect()
    # Weak proxies pass isinstance as what they stand for, and a dead one raises on any attribute: not inodes.
    alive = [o for o in gc.get_objects() if not isinstance(o, weakref.ProxyTypes)
             and isinstance(o, hostfs.HostInode) and o.layer.path == os.fsencode(root)]
    assert len(alive) < 20, len(alive)


def test_rm_r_of_directories_larger_than_one_getdents_buffer(tmp_path: Path) -> None:
    """rm -r removes each name as readdir returns it: the names removed must not move the ones the listing has
    still to return (a host directory's, with its whiteouts, and one of the machine's own), as on Linux."""
    root = host_root(tmp_path)
    names = [f"file_with_a_longish_name_{i}" for i in range(1500)]  # some 70 KiB of records: three buffers
    for top in (root / "big", tmp_path / "native" / "big"):
        top.mkdir(parents=True)
        for name in names:
            (top / name).write_bytes(b"")
    before = snapshot(root)
    script = ("rm -r {top}/big && echo host gone; mkdir {top}/own && cd {top}/own && touch {names} && cd / && "
              "rm -r {top}/own && echo own gone")
    ran = run("sh", "-c", script.format(top="", names=" ".join(names)), root=root)
    there = native("sh", "-c", script.format(top=tmp_path / "native", names=" ".join(names)))
    assert (there.stdout, there.returncode) == (b"host gone\nown gone\n", 0), there
    assert (ran.stdout, ran.stderr, ran.returncode) == (there.stdout, there.stderr, there.returncode)
    assert snapshot(root) == before


def test_an_xattr_that_cannot_be_kept_is_enospc_and_not_set(tmp_path: Path) -> None:
    """Setting an attribute keeps a host file in memory, which takes an inode: with none left, ENOSPC before
    anything changed, as an overlay's copy-up to a full upper layer fails (Linux's own answer cannot be
    had natively: the host's filesystem is not full)."""
    root = host_root(tmp_path)
    (root / "bin" / "xattr_when_full").write_bytes(build_c(tmp_path, "xattr_when_full.c", "-static").read_bytes())
    (root / "bin" / "xattr_when_full").chmod(0o755)
    ran = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--root", str(root), "--fs-inodes", "20",
                          str(root / "bin" / "xattr_when_full"), "/data/f", "/etc"],
                         capture_output=True, timeout=TIMEOUT, check=False)
    assert (ran.stdout, ran.returncode) == (b"filled: ENOSPC\nset: ENOSPC\nget: ENODATA\n", 0), ran


def test_statx_does_not_look_up_the_roots_names(tmp_path: Path) -> None:
    """statx asks whether a file is the root of a mount (/ or /proc): a question about two inodes, not a
    lookup of every name of the host's root directory for each call (ls -l /usr/bin took twice as long)."""
    strace = shutil.which("strace")
    assert strace is not None, "strace is needed (apt-get install strace)"
    root = host_root(tmp_path)
    for i in range(300):
        (root / f"top{i}").write_bytes(b"")
    (root / "bin" / "statx_many").write_bytes(build_c(tmp_path, "statx_many.c", "-static").read_bytes())
    (root / "bin" / "statx_many").chmod(0o755)
    counts = tmp_path / "counts"
    ran = subprocess.run([strace, "-f", "-c", "-e", "trace=newfstatat,lstat,statx", "-o", str(counts),
                          sys.executable, "-m", "syscalltbl", "run", "--root", str(root),
                          str(root / "bin" / "statx_many"), "/data/f", "200"],
                         capture_output=True, timeout=TIMEOUT, check=False)
    assert (ran.stdout, ran.returncode) == (b"200 of 200, size 20\n", 0), ran
    # The interpreter's own start-up makes a few thousand; 200 calls of 300 lookups each would be 60000.
    calls = sum(int(line.split()[3]) for line in counts.read_text().splitlines()
                if line.split()[-1:] and line.split()[-1] in ("newfstatat", "lstat", "statx"))
    assert calls < 20000, counts.read_text()


def test_removing_host_files_past_the_inode_limit_is_enospc(tmp_path: Path) -> None:
    """A removed host name leaves a whiteout, which takes one of the filesystem's inodes (an overlay's whiteout
    is an inode of its upper layer): removing more host files than the machine can remember is ENOSPC."""
    root = host_root(tmp_path)
    many = root / "many"
    many.mkdir()
    for i in range(50):
        (many / f"f{i}").write_bytes(b"")
    ran = run("sh", "-c", "rm /many/*; echo $?; ls /many | wc -l", root=root, extra=("--fs-inodes", "20"))
    status, left, _ = ran.stdout.split(b"\n")
    assert status == b"1" and 30 < int(left) < 50, ran
    assert b"No space left on device" in ran.stderr
    assert sorted(p.name for p in many.iterdir()) == sorted(f"f{i}" for i in range(50))
