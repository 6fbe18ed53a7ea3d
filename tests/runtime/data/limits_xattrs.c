/* Extended attributes are kernel memory: 64 KiB values set on one file until RAM has no room for
 * another, which ends in ENOSPC as tmpfs says; with them removed, RAM is back and a set works again. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static char value[65536];

int main(void)
{
	char name[32];
	int count = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("setting attributes\n");  /* stdio's pages, paged in while RAM has room */
	close(creat("/f", 0644));
	memset(value, 'v', sizeof value);
	for (;;) {
		snprintf(name, sizeof name, "user.%d", count);
		if (setxattr("/f", name, value, sizeof value, XATTR_CREATE) != 0)
			break;
		count++;
	}
	int error = errno;

	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof name, "user.%d", i);
		removexattr("/f", name);
	}
	printf("setxattr: %s\n", strerror(error));
	printf("full after %s MiB\n", count > 64 ? "several" : "few");
	printf("after removing them: %d\n", setxattr("/f", "user.again", value, sizeof value, 0));
	printf("listed: %zd\n", listxattr("/f", NULL, 0));
	return 0;
}
