/* /proc/locks names a locked file by the st_dev and st_ino fstat gives it (MAJOR:MINOR:INODE in hex,
 * hex, decimal), which is how lslocks finds the file a lock is on. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(void) {
	int fd = open("locked", O_RDWR | O_CREAT, 0644);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || flock(fd, LOCK_EX))
		return 1;
	char key[64], text[65536];
	snprintf(key, sizeof key, " %02x:%02x:%lu ", major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
	int locks = open("/proc/locks", O_RDONLY);
	size_t have = 0;
	ssize_t n;
	while (have < sizeof text - 1 && (n = read(locks, text + have, sizeof text - 1 - have)) > 0)
		have += n;
	text[have] = 0;
	printf("the lock is listed under its file's device and inode: %s\n", strstr(text, key) ? "yes" : "no");
	return 0;
}
