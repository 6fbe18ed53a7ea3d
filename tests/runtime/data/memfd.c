/* memfd_create and file seals, held to Linux: names, modes, seals and what each seal refuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static int mfd(const char *name, unsigned flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
	char path[64], link[512], name[300], line[512];
	struct stat st;
	int fd = mfd("probe", MFD_CLOEXEC);
	say("create", fd >= 0 ? 0 : -1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("link: %s\n", link);
	fstat(fd, &st);
	printf("mode: %o size %ld nlink %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
	printf("cloexec: %d flags %o\n", fcntl(fd, F_GETFD), fcntl(fd, F_GETFL));
	say("seals without sealing", fcntl(fd, F_GET_SEALS));
	say("add to unsealable", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	ftruncate(fd, 8192);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	FILE *maps = fopen("/proc/self/maps", "r");
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "memfd:"))
			printf("maps: %s", strchr(line, '/'));
	fclose(maps);
	strcpy(p, "shared");
	char back[8] = {0};
	pread(fd, back, 6, 0);
	printf("read back: %s\n", back);
	munmap(p, 8192);
	close(fd);

	memset(name, 'a', sizeof(name));
	name[249] = 0;
	fd = mfd(name, 0);
	say("name of 249", fd >= 0 ? 0 : -1);
	close(fd);
	name[249] = 'a';
	name[250] = 0;
	say("name of 250", mfd(name, 0));
	say("bad pointer", mfd((char *)8, 0));
	say("unknown flag", mfd("x", 0x100));
	say("exec and noexec", mfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));

	fd = mfd("noexec", MFD_NOEXEC_SEAL);
	fstat(fd, &st);
	printf("noexec mode: %o\n", st.st_mode);
	say("noexec seals", fcntl(fd, F_GET_SEALS));
	say("chmod +x", fchmod(fd, 0755));
	say("chmod same exec bits", fchmod(fd, 0600));
	close(fd);

	fd = mfd("exec", MFD_EXEC | MFD_ALLOW_SEALING);
	say("seal exec of exec file", fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC));
	say("implied seals", fcntl(fd, F_GET_SEALS));
	close(fd);

	fd = mfd("seal", MFD_ALLOW_SEALING);
	ftruncate(fd, 8192);
	say("unknown seal", fcntl(fd, F_ADD_SEALS, 0x40));
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	say("write seal with a shared mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	munmap(p, 8192);
	say("grow seal", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	char big[3 * 4096 + 100];
	memset(big, 'x', sizeof(big));
	say("pwrite past the end", pwrite(fd, big, sizeof(big), 4000));
	say("pwrite from the end", pwrite(fd, big, 10, 8192));
	say("fallocate grow keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 16384));
	say("truncate grow", ftruncate(fd, 9000));
	say("truncate shrink", ftruncate(fd, 4096));
	say("write seal", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	say("write", write(fd, "x", 1));
	say("punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
	say("mmap shared writable", mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	say("mprotect shared to writable", mprotect(p, 4096, PROT_READ | PROT_WRITE));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	say("private writable", p == MAP_FAILED ? -1 : 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int ro = open(path, O_RDONLY);
	say("add from read-only", fcntl(ro, F_ADD_SEALS, F_SEAL_SHRINK));
	say("seal seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	say("after seal seal", fcntl(fd, F_ADD_SEALS, 0));
	say("seals", fcntl(ro, F_GET_SEALS));
	close(ro);
	close(fd);

	fd = mfd("future", MFD_ALLOW_SEALING);
	ftruncate(fd, 4096);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	say("future write seal", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	p[0] = 'y';
	say("write after future", write(fd, "x", 1));
	say("new writable map", mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	close(fd);

	/* A file of a mounted tmpfs, named there: /dev/shm is one natively and on the machine, whose own
	 * working directory is on its overlay root (an overlay file has no seals: EINVAL). */
	snprintf(path, sizeof(path), "/dev/shm/memfd-tmpfile-%d", (int)getpid());
	int tmp = open(path, O_CREAT | O_RDWR, 0600);
	say("tmpfs file seals", fcntl(tmp, F_GET_SEALS));
	say("tmpfs file add", fcntl(tmp, F_ADD_SEALS, F_SEAL_GROW));
	unlink(path);
	int pipes[2];
	pipe(pipes);
	say("pipe seals", fcntl(pipes[0], F_GET_SEALS));
	printf("done\n");
	return 0;
}
