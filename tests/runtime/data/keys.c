/* Keys (issue 17): add_key, request_key and keyctl in a session keyring of the program's own.
 * Serial numbers are random: only what does not depend on them is printed; nor what depends on when
 * Linux's garbage collector runs (an invalidated or unlinked key's lookup), nor its kernel's options. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_UPDATE 2
#define KEYCTL_REVOKE 3
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEYCTL_CLEAR 7
#define KEYCTL_LINK 8
#define KEYCTL_UNLINK 9
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11
#define KEYCTL_INSTANTIATE 12
#define KEYCTL_SET_REQKEY_KEYRING 14
#define KEYCTL_SET_TIMEOUT 15
#define KEYCTL_INVALIDATE 21

static void show(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static long add_key(const char *type, const char *desc, const void *payload, size_t plen, int ring)
{
	return syscall(SYS_add_key, type, desc, payload, plen, ring);
}

static long keyctl(long cmd, long a2, long a3, long a4, long a5) { return syscall(SYS_keyctl, cmd, a2, a3, a4, a5); }

static long request_key(const char *type, const char *desc, const char *callout, int ring)
{
	return syscall(SYS_request_key, type, desc, callout, ring);
}

int main(void)
{
	char buf[256];
	setvbuf(stdout, NULL, _IONBF, 0);
	long session = keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
	printf("joined a session: %d\n", session > 0);
	show("join .builtin_trusted_keys", keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)".builtin_trusted_keys", 0, 0, 0));
	printf("session id again: %d\n", keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == session);
	show("thread keyring without create", keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0, 0, 0));
	show("bad special id", keyctl(KEYCTL_GET_KEYRING_ID, -42, 0, 0, 0));

	long user = add_key("user", "u1", "secret", 6, KEY_SPEC_SESSION_KEYRING);
	printf("user key: %d\n", user > 0);
	memset(buf, 0, sizeof(buf));
	show("read user key", keyctl(KEYCTL_READ, user, (long)buf, sizeof(buf), 0));
	printf("payload %s\n", buf);
	show("read into a short buffer", keyctl(KEYCTL_READ, user, (long)buf, 2, 0));
	show("read the length", keyctl(KEYCTL_READ, user, 0, 0, 0));
	show("describe length", keyctl(KEYCTL_DESCRIBE, user, (long)buf, sizeof(buf), 0));
	printf("describe: %s\n", buf);
	show("add the same again (update)", add_key("user", "u1", "other!", 6, KEY_SPEC_SESSION_KEYRING) == user);
	show("update", keyctl(KEYCTL_UPDATE, user, (long)"third", 5, 0));
	memset(buf, 0, sizeof(buf));
	keyctl(KEYCTL_READ, user, (long)buf, sizeof(buf), 0);
	printf("payload %s\n", buf);
	show("session keyring lists one key", keyctl(KEYCTL_READ, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));

	show("user key, empty payload", add_key("user", "u2", "", 0, KEY_SPEC_SESSION_KEYRING));
	show("user key, 32768 bytes", add_key("user", "u2", buf, 32768, KEY_SPEC_SESSION_KEYRING));
	show("keyring with a payload", add_key("keyring", "k", "x", 1, KEY_SPEC_SESSION_KEYRING));
	show("keyring named .dot", add_key("keyring", ".k", NULL, 0, KEY_SPEC_SESSION_KEYRING));
	show("type .dot", add_key(".user", "k", "x", 1, KEY_SPEC_SESSION_KEYRING));
	show("unknown type", add_key("big_key", "k", "x", 1, KEY_SPEC_SESSION_KEYRING));
	show("NULL payload", add_key("user", "k", NULL, 8, KEY_SPEC_SESSION_KEYRING));
	show("logon without a service", add_key("logon", "nocolon", "x", 1, KEY_SPEC_SESSION_KEYRING));
	long logon = add_key("logon", "svc:name", "pw", 2, KEY_SPEC_SESSION_KEYRING);
	printf("logon key: %d\n", logon > 0);
	show("read a logon key", keyctl(KEYCTL_READ, logon, (long)buf, sizeof(buf), 0));
	show("add to a user key", add_key("user", "k", "x", 1, user));

	long ring = add_key("keyring", "inner", NULL, 0, KEY_SPEC_SESSION_KEYRING);
	show("link the user key into it", keyctl(KEYCTL_LINK, user, ring, 0, 0));
	show("link a keyring into itself", keyctl(KEYCTL_LINK, ring, ring, 0, 0));
	show("search finds it", keyctl(KEYCTL_SEARCH, ring, (long)"user", (long)"u1", 0) == user);
	show("search for nothing", keyctl(KEYCTL_SEARCH, ring, (long)"user", (long)"none", 0));
	show("request_key finds it", request_key("user", "u1", NULL, 0) == user);
	show("request_key nothing, no callout", request_key("user", "zz", NULL, 0));
	show("request_key unknown type", request_key("dead", "zz", NULL, 0));
	show("request_key a keyring by upcall", request_key("keyring", "zz", "info", 0));
	show("request_key by upcall", request_key("user", "neg", "info", KEY_SPEC_PROCESS_KEYRING));
	int32_t ids[4];
	show("process keyring holds the negative key", keyctl(KEYCTL_READ, KEY_SPEC_PROCESS_KEYRING, (long)ids,
							       sizeof(ids), 0));
	show("read the negative key", keyctl(KEYCTL_READ, ids[0], (long)buf, sizeof(buf), 0));
	show("request_key it again", request_key("user", "neg", "info", 0));
	show("unlink from the inner keyring", keyctl(KEYCTL_UNLINK, user, ring, 0, 0));
	show("unlink it again", keyctl(KEYCTL_UNLINK, user, ring, 0, 0));

	show("instantiate without authority", keyctl(KEYCTL_INSTANTIATE, user, 0, 0, 0));
	show("reqkey default bad", keyctl(KEYCTL_SET_REQKEY_KEYRING, 9, 0, 0, 0));
	show("reqkey default to thread", keyctl(KEYCTL_SET_REQKEY_KEYRING, 1, 0, 0, 0));
	show("reqkey default back", keyctl(KEYCTL_SET_REQKEY_KEYRING, 0, 0, 0, 0));

	show("setperm bad bits", keyctl(KEYCTL_SETPERM, user, 0x40000000, 0, 0));
	show("setperm possessor view only", keyctl(KEYCTL_SETPERM, user, 0x01000000, 0, 0));
	show("read without read permission", keyctl(KEYCTL_READ, user, (long)buf, sizeof(buf), 0));
	show("update without write permission", keyctl(KEYCTL_UPDATE, user, (long)"x", 1, 0));
	show("setperm back", keyctl(KEYCTL_SETPERM, user, 0x3f010000, 0, 0));
	show("revoke", keyctl(KEYCTL_REVOKE, user, 0, 0, 0));
	show("read revoked", keyctl(KEYCTL_READ, user, (long)buf, sizeof(buf), 0));
	show("describe revoked", keyctl(KEYCTL_DESCRIBE, user, (long)buf, sizeof(buf), 0));
	long soon = add_key("user", "soon", "x", 1, KEY_SPEC_SESSION_KEYRING);
	show("set timeout 1 s", keyctl(KEYCTL_SET_TIMEOUT, soon, 1, 0, 0));
	usleep(1200000);
	show("read expired", keyctl(KEYCTL_READ, soon, (long)buf, sizeof(buf), 0));
	show("invalidate the logon key", keyctl(KEYCTL_INVALIDATE, logon, 0, 0, 0));
	show("clear the session", keyctl(KEYCTL_CLEAR, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));
	show("session keyring is empty", keyctl(KEYCTL_READ, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));

	pid_t child = fork();
	if (!child) {
		printf("child: same session %d\n", keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == session);
		show("child: its own process keyring", keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0));
		_exit(0);
	}
	waitpid(child, NULL, 0);
	printf("done\n");
	return 0;
}
