/* fcntl lock commands' edge values: which check answers first when several fail
 * (fcntl_getlk / fcntl_setlk's order), and that a query writes back only the
 * fields it sets, the struct's padding left as the caller had it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *name(int e) {
    switch (e) {
    case 0: return "0";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EOVERFLOW: return "EOVERFLOW";
    case EFAULT: return "EFAULT";
    default: return "other";
    }
}

static void lk(const char *what, int fd, int cmd, int type, int whence, long start, long len, int pid) {
    struct flock fl;
    memset(&fl, 0xAA, sizeof fl);
    fl.l_type = type; fl.l_whence = whence; fl.l_start = start; fl.l_len = len; fl.l_pid = pid;
    errno = 0;
    int r = fcntl(fd, cmd, &fl);
    int e = errno;
    const unsigned char *p = (const unsigned char *)&fl;
    printf("%s: %d %s type %d whence %d start %ld len %ld pad %02x%02x%02x%02x %02x%02x%02x%02x\n", what, r,
           name(r ? e : 0), fl.l_type, fl.l_whence, fl.l_start, fl.l_len, p[4], p[5], p[6], p[7], p[28], p[29],
           p[30], p[31]);
}

int main(void) {
    int rw = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int ro = open("f", O_RDONLY);
    if (rw < 0 || ro < 0 || write(rw, "0123456789", 10) != 10)
        return 1;
    lk("ofd setlk, l_pid 1, F_WRLCK on O_RDONLY", ro, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1, 1);
    lk("ofd setlk, l_pid 1, past OFFSET_MAX", rw, F_OFD_SETLK, F_WRLCK, SEEK_SET, LONG_MAX, 2, 1);
    lk("setlk, type 7, past OFFSET_MAX", rw, F_SETLK, 7, SEEK_SET, LONG_MAX, 2, 0);
    lk("setlk, type 7, on O_RDONLY", ro, F_SETLK, 7, SEEK_SET, 0, 1, 0);
    lk("ofd getlk, l_pid 1, past OFFSET_MAX", rw, F_OFD_GETLK, F_WRLCK, SEEK_SET, LONG_MAX, 2, 1);
    lk("ofd getlk, type 7, l_pid 1", rw, F_OFD_GETLK, 7, SEEK_SET, 0, 1, 1);
    lk("getlk, type 7, past OFFSET_MAX", rw, F_GETLK, 7, SEEK_SET, LONG_MAX, 2, 0);
    lk("ofd getlk, type 7, past OFFSET_MAX", rw, F_OFD_GETLK, 7, SEEK_SET, LONG_MAX, 2, 0);
    lk("getlk, F_UNLCK, whence 9", rw, F_GETLK, F_UNLCK, 9, 0, 1, 0);
    lk("getlk free", rw, F_GETLK, F_WRLCK, SEEK_SET, 3, 4, 1234);
    lk("ofd getlk free", rw, F_OFD_GETLK, F_WRLCK, SEEK_END, -3, 2, 0);
    lk("ofd lock", rw, F_OFD_SETLK, F_WRLCK, SEEK_SET, 2, 5, 0);
    lk("ofd getlk held, via another description", ro, F_OFD_GETLK, F_RDLCK, SEEK_CUR, 0, 0, 0);
    lk("setlk LONG_MIN len", rw, F_SETLK, F_WRLCK, SEEK_SET, 5, LONG_MIN, 0);
    lk("setlk SEEK_END LONG_MAX", rw, F_SETLK, F_RDLCK, SEEK_END, LONG_MAX, 0, 0);
    lk("setlk SEEK_END LONG_MAX-10", ro, F_SETLK, F_RDLCK, SEEK_END, LONG_MAX - 10, 0, 0);
    puts("done");
    return 0;
}
