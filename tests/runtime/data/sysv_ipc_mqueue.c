/* System V message queues and semaphores, and POSIX message queues (issue 17): each call, its errors,
 * blocking, EIDRM to a sleeper on removal, EINTR from a handler, SEM_UNDO at exit, semtimedop's timeout.
 * Prints one line per check; the test compares the lines with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wait_asleep.h"

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, r);
	fflush(stdout);
}

struct text { long mtype; char mtext[32]; };
static volatile sig_atomic_t caught;
static siginfo_t notice;
static void on_signal(int sig, siginfo_t *info, void *ctx) { (void)ctx; caught = sig; notice = *info; }

static void message_queues(void)
{
	int q = msgget(IPC_PRIVATE, 0600);
	struct text m = {5, "five"}, r;
	show("msgsnd type 0", msgsnd(q, &(struct text){0, "x"}, 1, 0));
	show("msgsnd bad id", msgsnd(-1, &m, 4, 0));
	show("msgsnd too big", msgsnd(q, &m, 8193, 0));
	show("msgsnd bad text", msgsnd(q, (void *)8, 4, 0));
	show("msgsnd 5", msgsnd(q, &m, 5, 0));
	m.mtype = 2; strcpy(m.mtext, "two");
	show("msgsnd 2", msgsnd(q, &m, 4, 0));
	m.mtype = 7; strcpy(m.mtext, "seven");
	show("msgsnd 7", msgsnd(q, &m, 6, 0));
	show("msgrcv type 9 nowait", msgrcv(q, &r, 32, 9, IPC_NOWAIT));
	show("msgrcv too small", msgrcv(q, &r, 2, 5, 0));
	show("msgrcv noerror", msgrcv(q, &r, 2, 0, MSG_COPY | IPC_NOWAIT | MSG_NOERROR));
	show("msgrcv copy 1", msgrcv(q, &r, 32, 1, MSG_COPY | IPC_NOWAIT));
	printf("  copied type %ld %s\n", r.mtype, r.mtext);
	show("msgrcv copy past", msgrcv(q, &r, 32, 3, MSG_COPY | IPC_NOWAIT));
	show("msgrcv copy waiting", msgrcv(q, &r, 32, 0, MSG_COPY));
	show("msgrcv <= 6", msgrcv(q, &r, 32, -6, 0));
	printf("  got type %ld %s\n", r.mtype, r.mtext);
	show("msgrcv except 5", msgrcv(q, &r, 32, 5, MSG_EXCEPT));
	printf("  got type %ld %s\n", r.mtype, r.mtext);
	struct msqid_ds ds;
	show("IPC_STAT", msgctl(q, IPC_STAT, &ds));
	printf("  qnum %lu cbytes %lu qbytes %lu mode %o\n", ds.msg_qnum, ds.__msg_cbytes, ds.msg_qbytes,
	       ds.msg_perm.mode);
	ds.msg_qbytes = 10;
	show("IPC_SET qbytes 10", msgctl(q, IPC_SET, &ds));
	show("msgsnd over qbytes", msgsnd(q, &m, 6, IPC_NOWAIT));
	show("msgrcv 5", msgrcv(q, &r, 32, 0, 0));
	show("IPC_STAT bad buf", msgctl(q, IPC_STAT, (void *)8));
	show("bad cmd", msgctl(q, 99, &ds));
	struct msginfo info;
	show("MSG_INFO >= 0", msgctl(0, MSG_INFO, (void *)&info) >= 0);
	printf("  msgmax %d msgmnb %d msgssz %d\n", info.msgmax, info.msgmnb, info.msgssz);
	show("MSG_STAT_ANY by id", msgctl(q, MSG_STAT_ANY, &ds) == q);

	pid_t child = fork();
	if (!child) {
		long got = msgrcv(q, &r, 32, 42, 0);
		printf("child msgrcv after removal: %ld %s\n", got, strerrorname_np(errno));
		fflush(stdout);
		_exit(0);
	}
	wait_asleep(child);
	long removed = msgctl(q, IPC_RMID, NULL);
	waitpid(child, NULL, 0); /* the woken child's line first, whichever runs first after the wake-up */
	show("IPC_RMID", removed);
	show("msgsnd removed", msgsnd(q, &m, 1, 0));

	int k = msgget(0x1ee7c0de, IPC_CREAT | 0640);
	show("msgget key again", msgget(0x1ee7c0de, 0) == k);
	show("msgget key excl", msgget(0x1ee7c0de, IPC_CREAT | IPC_EXCL));
	show("msgget no key", msgget(0x1ee7c0df, 0));
	msgctl(k, IPC_RMID, NULL);
}

static void semaphores(void)
{
	show("semget nsems 0", semget(IPC_PRIVATE, 0, 0600));
	show("semget nsems huge", semget(IPC_PRIVATE, 100000, 0600));
	int s = semget(IPC_PRIVATE, 3, 0600);
	show("SETVAL 5", semctl(s, 0, SETVAL, 5));
	show("SETVAL -1", semctl(s, 0, SETVAL, -1));
	show("SETVAL 32768", semctl(s, 0, SETVAL, 32768));
	show("GETVAL bad num", semctl(s, 3, GETVAL));
	unsigned short all[3] = {1, 2, 3};
	show("SETALL", semctl(s, 0, SETALL, all));
	struct sembuf ops[2] = {{0, -1, 0}, {2, 4, 0}};
	show("semop two", semop(s, ops, 2));
	show("GETALL", semctl(s, 0, GETALL, all));
	printf("  %d %d %d\n", all[0], all[1], all[2]);
	show("GETPID is mine", semctl(s, 2, GETPID) == getpid());
	show("semop num past", semop(s, &(struct sembuf){3, 1, 0}, 1));
	show("semop nowait", semop(s, &(struct sembuf){0, -1, IPC_NOWAIT}, 1));
	show("semop range", semop(s, &(struct sembuf){1, 32767, 0}, 1));
	show("semop none", semop(s, ops, 0));
	show("semop too many", semop(s, ops, 501));
	struct timespec short_wait = {0, 100000000}, bad = {0, 1000000000};
	show("semtimedop timeout", semtimedop(s, &(struct sembuf){0, -1, 0}, 1, &short_wait));
	show("semtimedop bad ts", semtimedop(s, &(struct sembuf){0, -1, 0}, 1, &bad));

	pid_t child = fork();
	if (!child) {
		semop(s, &(struct sembuf){1, 3, SEM_UNDO}, 1);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	show("GETVAL after undo", semctl(s, 1, GETVAL));

	child = fork();
	if (!child) {
		int got = semop(s, &(struct sembuf){0, -2, 0}, 1);
		printf("child semop woken: %d\n", got);
		fflush(stdout);
		_exit(0);
	}
	wait_asleep(child);
	show("GETNCNT", semctl(s, 0, GETNCNT));
	show("GETZCNT", semctl(s, 0, GETZCNT));
	long added = semop(s, &(struct sembuf){0, 2, 0}, 1);
	waitpid(child, NULL, 0);
	show("semop +2", added);
	show("GETVAL 0", semctl(s, 0, GETVAL));

	struct sigaction sa = {0};
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	show("semop interrupted (SA_RESTART)", semop(s, &(struct sembuf){0, -1, 0}, 1));

	child = fork();
	if (!child) {
		int got = semop(s, &(struct sembuf){0, -1, 0}, 1);
		printf("child semop after removal: %d %s\n", got, strerrorname_np(errno));
		fflush(stdout);
		_exit(0);
	}
	wait_asleep(child);
	struct semid_ds ds;
	show("IPC_STAT", semctl(s, 0, IPC_STAT, &ds));
	printf("  nsems %lu mode %o\n", ds.sem_nsems, ds.sem_perm.mode);
	long removed = semctl(s, 0, IPC_RMID);
	waitpid(child, NULL, 0);
	show("IPC_RMID", removed);
	show("GETVAL removed", semctl(s, 0, GETVAL));
	struct seminfo info;
	show("IPC_INFO >= 0", semctl(0, 0, IPC_INFO, &info) >= 0);
	printf("  semmsl %d semopm %d semvmx %d\n", info.semmsl, info.semopm, info.semvmx);
}

static void posix_queues(void)
{
	char name[64], buf[64];
	snprintf(name, sizeof(name), "/syscalltbl-test-%d", getpid());
	struct mq_attr attr = {0, 3, 16, 0}, got;
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	show("mq_open", q >= 0);
	show("mq_open excl", mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr));
	show("mq_open bad attr", mq_open("/syscalltbl-none", O_CREAT | O_RDWR, 0600, &(struct mq_attr){0, 0, 16, 0}));
	show("mq_open missing", mq_open("/syscalltbl-none", O_RDWR));
	show("raw slash name", syscall(SYS_mq_open, "a/b", O_CREAT | O_RDWR, 0600, NULL));
	struct sigaction sa = {0};
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 77;
	show("mq_notify", mq_notify(q, &ev));
	show("mq_notify busy", mq_notify(q, &ev));
	show("mq_notify bad how", mq_notify(q, &(struct sigevent){.sigev_notify = 9}));
	int n = read(q, buf, sizeof(buf));
	printf("status line: %.*s\n", 38, n > 0 ? buf : "");
	caught = 0;
	show("send low", mq_send(q, "low", 3, 1));
	printf("  notified %d code %d value %d\n", caught, notice.si_code, notice.si_value.sival_int);
	show("send high", mq_send(q, "high", 4, 9));
	show("send mid", mq_send(q, "mid", 3, 5));
	show("send full nonblocking", mq_timedsend(q, "x", 1, 0, &(struct timespec){0, 0}));
	show("send too long", mq_send(q, buf, 17, 0));
	show("send prio too high", mq_send(q, "x", 1, 32768));
	unsigned prio;
	show("receive small buffer", mq_receive(q, buf, 15, &prio));
	for (int i = 0; i < 3; i++) {
		n = mq_receive(q, buf, sizeof(buf), &prio);
		printf("receive: %d %.*s prio %u\n", n, n > 0 ? n : 0, buf, prio);
	}
	struct timespec soon;
	clock_gettime(CLOCK_REALTIME, &soon);
	soon.tv_nsec += 100000000;
	if (soon.tv_nsec >= 1000000000) {
		soon.tv_sec++;
		soon.tv_nsec -= 1000000000;
	}
	show("receive timeout", mq_timedreceive(q, buf, sizeof(buf), &prio, &soon));
	show("receive bad timeout", mq_timedreceive(q, buf, sizeof(buf), &prio, &(struct timespec){0, -1}));
	show("mq_setattr", mq_setattr(q, &(struct mq_attr){O_NONBLOCK, 0, 0, 0}, &got));
	printf("  old flags %ld maxmsg %ld msgsize %ld curmsgs %ld\n", got.mq_flags, got.mq_maxmsg, got.mq_msgsize,
	       got.mq_curmsgs);
	show("receive nonblocking", mq_receive(q, buf, sizeof(buf), &prio));
	show("mq_setattr bad flags", mq_setattr(q, &(struct mq_attr){O_RDWR, 0, 0, 0}, NULL));
	mq_setattr(q, &(struct mq_attr){0, 0, 0, 0}, NULL);
	pid_t child = fork();
	if (!child) {
		usleep(200000);
		mq_send(q, "child", 5, 0);
		_exit(0);
	}
	n = mq_receive(q, buf, sizeof(buf), &prio);
	printf("blocked receive: %d %.*s\n", n, n > 0 ? n : 0, buf);
	waitpid(child, NULL, 0);
	show("send on a file", mq_send(0, "x", 1, 0));
	show("mq_unlink", mq_unlink(name));
	show("mq_unlink again", mq_unlink(name));
	show("send after unlink", mq_send(q, "x", 1, 0));
	show("close", close(q));
}

static void print_file(const char *path)
{
	char text[256] = "";
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = 0;
	if (f)
		fclose(f);
	printf("%s: %s", path, f ? text : "missing\n");
}

/* The limits' files, and a queue's row of /proc/sysvipc/msg (other rows are the host's). */
static void proc_files(void)
{
	static const char *const files[] = {
		"/proc/sys/kernel/msgmax", "/proc/sys/kernel/msgmnb", "/proc/sys/kernel/msgmni", "/proc/sys/kernel/sem",
		"/proc/sys/kernel/shmmni", "/proc/sys/fs/mqueue/msg_max", "/proc/sys/fs/mqueue/msgsize_max",
		"/proc/sys/fs/mqueue/msg_default", "/proc/sys/fs/mqueue/msgsize_default",
	};
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		print_file(files[i]);
	int q = msgget(IPC_PRIVATE, 0640);
	struct text m = {3, "abc"};
	msgsnd(q, &m, 3, 0);
	msgsnd(q, &m, 2, 0);
	FILE *f = fopen("/proc/sysvipc/msg", "r");
	char line[512];
	if (f && fgets(line, sizeof(line), f))
		printf("sysvipc/msg header: %s", line);
	while (f && fgets(line, sizeof(line), f)) {
		int key, id, perms, lspid, lrpid;
		unsigned long cbytes, qnum;
		if (sscanf(line, "%d %d %o %lu %lu %d %d", &key, &id, &perms, &cbytes, &qnum, &lspid, &lrpid) == 7 && id == q)
			printf("our row: key %d perms %o cbytes %lu qnum %lu lspid is mine %d lrpid %d\n", key, perms, cbytes,
			       qnum, lspid == getpid(), lrpid);
	}
	if (f)
		fclose(f);
	msgctl(q, IPC_RMID, NULL);
}

int main(void)
{
	proc_files();
	message_queues();
	semaphores();
	posix_queues();
	puts("done");
	return 0;
}
