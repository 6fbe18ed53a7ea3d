"""splice, tee and vmsplice (fs/splice.c): data moved between a pipe and a file, another pipe, or memory.

The machine copies where Linux moves pages; what each call moves, when it
waits and what it answers are Linux's. A pipe end's O_NONBLOCK counts as
SPLICE_F_NONBLOCK, as do_splice makes it.
"""

from __future__ import annotations

from syscalltbl.machine.kernel import fsnotify
from syscalltbl.machine.kernel.fsize import write_limit
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Directory, OpenFile, Pipe, PipeEnd, Regular
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.fs import MAX_RW_COUNT, _iovecs, _write, _write_from, do_readv, s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, EBADF, EINVAL, ESPIPE, Errno
from syscalltbl.machine.uapi.fcntl import O_APPEND, O_NONBLOCK
from syscalltbl.machine.uapi.splice import SPLICE_F_ALL, SPLICE_F_NONBLOCK
from syscalltbl.machine.uapi.structs import LOFF

#: The most one call moves from a file into a pipe at once: a pipe's worth (the pipe's capacity bounds it).
_CHUNK = 1 << 20


def _pipe_of(f: OpenFile) -> Pipe | None:
    return f.inode.pipe if isinstance(f.inode, PipeEnd) else None


def _nonblocking(f: OpenFile) -> OpenFile:
    """The same open file as a caller with SPLICE_F_NONBLOCK sees it: its reads and writes never wait."""
    view = OpenFile(f.inode, f.flags | O_NONBLOCK, f.path)
    view.offset = f.offset
    return view


def _offset(t: Task, addr: int, f: OpenFile) -> int | None:
    """An off_in/off_out: None for NULL (the file's position), else the loff_t there (EINVAL if negative)."""
    if not addr:
        return None
    if not f.inode.seekable():
        raise Errno(EINVAL)  # no FMODE_PREAD/FMODE_PWRITE
    pos: int = LOFF.unpack(copy_from_user(t.mm, addr, LOFF.size))[0]
    if pos < 0:
        raise Errno(EINVAL)
    return pos


def _wait_input(pipe: Pipe, end: PipeEnd, nonblock: bool) -> bool:
    """ipipe_prep: data to take (True), or no writer left (False); else wait, or EAGAIN."""
    if pipe.buffer:
        return True
    if not end.has_writers():
        return False
    if nonblock:
        raise Errno(EAGAIN)
    raise Sleep(lambda: bool(pipe.buffer) or not end.has_writers())


def _wait_output(t: Task, out: OpenFile, nonblock: bool) -> int:
    """opipe_prep: room in the pipe; EPIPE (and SIGPIPE) with no reader; else wait, or EAGAIN."""
    end = out.inode
    assert isinstance(end, PipeEnd)
    if not end.has_readers():
        _write(t, out, b"x")  # raises EPIPE and sends SIGPIPE, as pipe_write's check does
    room = end.pipe.room(packets=False)
    if room:
        return room
    if nonblock:
        raise Errno(EAGAIN)
    raise Sleep(lambda: end.pipe.room(packets=False) > 0 or not end.has_readers())


def _pipe_to_pipe(t: Task, src: OpenFile, dst: OpenFile, length: int, nonblock: bool, *, keep: bool) -> int:
    """splice_pipe_to_pipe (keep=False) and link_pipe, tee's (keep=True)."""
    src_end, dst_end = src.inode, dst.inode
    assert isinstance(src_end, PipeEnd) and isinstance(dst_end, PipeEnd)
    if not _wait_input(src_end.pipe, src_end, nonblock):
        return 0
    room = _wait_output(t, dst, nonblock)
    count = dst_end.pipe.fit(min(length, room, len(src_end.pipe.buffer)))
    data = bytes(src_end.pipe.buffer[:count]) if keep else src_end.pipe.take(count)
    dst_end.pipe.put(data, packets=False)
    return len(data)


def _pipe_to_file(t: Task, src: OpenFile, dst: OpenFile, off_out: int, length: int, nonblock: bool) -> int:
    """splice from a pipe to a file (iter_file_splice_write) at off_out or the file's position."""
    if dst.flags & O_APPEND:
        raise Errno(EINVAL)
    pos = _offset(t, off_out, dst)
    end = src.inode
    assert isinstance(end, PipeEnd)
    at = dst.offset if pos is None else pos
    if isinstance(dst.inode, Regular):
        length = write_limit(t, at, length)
    if not dst.inode.can_splice_write():
        raise Errno(EINVAL)  # do_splice_from: no ->splice_write, refused before the pipe is waited on
    if not _wait_input(end.pipe, end, nonblock):
        return 0
    data = end.pipe.take(min(length, len(end.pipe.buffer)))
    saved = dst.offset
    dst.offset = at
    try:
        written = _write(t, dst, data)
    finally:
        if pos is not None:
            dst.offset = saved
    if pos is not None:
        copy_to_user(t.mm, off_out, LOFF.pack(pos + written))
    if written:
        fsnotify.modified(dst)
    return written


def _file_to_pipe(t: Task, src: OpenFile, dst: OpenFile, off_in: int, length: int, nonblock: bool) -> int:
    """splice from a file to a pipe (splice_file_to_pipe) at off_in or the file's position."""
    if isinstance(src.inode, Directory):
        raise Errno(EINVAL)  # no ->splice_read
    pos = _offset(t, off_in, src)
    room = _wait_output(t, dst, nonblock)
    if not src.inode.can_splice_read():
        raise Errno(EINVAL)  # do_splice_read: no ->splice_read (an eventfd's read would wait, or take its count)
    end = dst.inode
    assert isinstance(end, PipeEnd)
    count = end.pipe.fit(min(length, room, _CHUNK))
    saved = src.offset
    if pos is not None:
        src.offset = pos
    try:
        data = src.inode.read_by(src, count, t)
    finally:
        if pos is not None:
            done, src.offset = src.offset, saved
    if pos is not None:
        copy_to_user(t.mm, off_in, LOFF.pack(done))
    end.pipe.put(data, packets=False)
    if data:
        fsnotify.accessed(src)
    return len(data)


@syscall("sys_splice")
def sys_splice(t: Task, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int, flags: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~SPLICE_F_ALL:
        raise Errno(EINVAL)
    if not length:
        return 0
    src, dst = t.files.get(s32(fd_in)), t.files.get(s32(fd_out))
    if not src.readable() or not dst.writable():
        raise Errno(EBADF)
    length = min(length, MAX_RW_COUNT)
    in_pipe, out_pipe = _pipe_of(src), _pipe_of(dst)
    nonblock = bool(flags & SPLICE_F_NONBLOCK)
    if in_pipe is not None and out_pipe is not None:
        if off_in or off_out:
            raise Errno(ESPIPE)
        if in_pipe is out_pipe:
            raise Errno(EINVAL)
        return _pipe_to_pipe(t, src, dst, length, nonblock or bool((src.flags | dst.flags) & O_NONBLOCK), keep=False)
    if in_pipe is not None:
        if off_in:
            raise Errno(ESPIPE)
        return _pipe_to_file(t, src, dst, off_out, length, nonblock or bool(src.flags & O_NONBLOCK))
    if out_pipe is not None:
        if off_out:
            raise Errno(ESPIPE)
        return _file_to_pipe(t, src, dst, off_in, length, nonblock or bool(dst.flags & O_NONBLOCK))
    raise Errno(EINVAL)  # neither end is a pipe


@syscall("sys_tee")
def sys_tee(t: Task, fdin: int, fdout: int, length: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~SPLICE_F_ALL:
        raise Errno(EINVAL)
    if not length:
        return 0
    src, dst = t.files.get(s32(fdin)), t.files.get(s32(fdout))
    if not src.readable() or not dst.writable():
        raise Errno(EBADF)
    in_pipe, out_pipe = _pipe_of(src), _pipe_of(dst)
    if in_pipe is None or out_pipe is None or in_pipe is out_pipe:
        raise Errno(EINVAL)
    nonblock = bool(flags & SPLICE_F_NONBLOCK or (src.flags | dst.flags) & O_NONBLOCK)
    return _pipe_to_pipe(t, src, dst, min(length, MAX_RW_COUNT), nonblock, keep=True)


@syscall("sys_vmsplice")
def sys_vmsplice(t: Task, fd: int, iov: int, nr_segs: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~SPLICE_F_ALL:
        raise Errno(EINVAL)
    f = t.files.get(s32(fd))
    if not (f.writable() or f.readable()):
        raise Errno(EBADF)
    vecs = _iovecs(t, iov, nr_segs)
    if not sum(n for _, n in vecs):
        return 0
    if _pipe_of(f) is None:
        raise Errno(EBADF)  # get_pipe_info: not a pipe
    view = _nonblocking(f) if flags & SPLICE_F_NONBLOCK else f
    if f.writable():
        return _write_from(t, view, vecs)  # vmsplice_to_pipe: the pages' bytes, as much as fits
    return do_readv(t, view, vecs)  # vmsplice_to_user
