/* SQLite with its default (unix VFS, fcntl locks) locking: create, fill, query; then a second process
 * contends for the database: it is told SQLITE_BUSY while the first holds a write transaction. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(int rc, sqlite3 *db, const char *what) {
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		printf("%s: %s (%d)\n", what, db ? sqlite3_errmsg(db) : "?", rc);
		exit(1);
	}
}

static int row(void *unused, int n, char **values, char **names) {
	(void)unused;
	for (int i = 0; i < n; i++) printf("%s%s=%s", i ? " " : "", names[i], values[i] ? values[i] : "NULL");
	printf("\n");
	return 0;
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The second process is forked first: an SQLite connection must not cross a fork. */
	int go[2], up[2], down[2];
	if (pipe(go) || pipe(up) || pipe(down)) return 2;
	pid_t child = fork();
	if (child == 0) {
		sqlite3 *other;
		char c;
		(void)!read(go[0], &c, 1);
		check(sqlite3_open("demo.db", &other), NULL, "child open");
		int rc = sqlite3_exec(other, "SELECT count(*) FROM t", NULL, NULL, NULL);
		printf("child: while the parent writes: %s\n", sqlite3_errstr(rc));
		(void)!write(up[1], "x", 1);
		(void)!read(down[0], &c, 1);
		sqlite3_busy_timeout(other, 5000);
		check(sqlite3_exec(other, "SELECT count(*) AS n FROM t WHERE name = 'held'", row, NULL, NULL), other,
		      "child select");
		check(sqlite3_exec(other, "INSERT INTO t(name, v) VALUES ('child', 2)", NULL, NULL, NULL), other,
		      "child insert");
		sqlite3_close(other);
		exit(0);
	}
	sqlite3 *db;
	check(sqlite3_open("demo.db", &db), NULL, "open");
	check(sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);"
			       "CREATE INDEX t_name ON t(name);", NULL, NULL, NULL), db, "create");
	sqlite3_stmt *ins;
	check(sqlite3_prepare_v2(db, "INSERT INTO t(name, v) VALUES (?, ?)", -1, &ins, NULL), db, "prepare");
	for (int batch = 0; batch < 5; batch++) {
		check(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), db, "begin");
		for (int i = 0; i < 1000; i++) {
			char name[32];
			int k = batch * 1000 + i;
			snprintf(name, sizeof name, "name%03d", k % 997);
			sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_double(ins, 2, k * 0.5);
			check(sqlite3_step(ins), db, "insert");
			sqlite3_reset(ins);
		}
		check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
	}
	sqlite3_finalize(ins);
	check(sqlite3_exec(db, "SELECT count(*) AS n, sum(v) AS total, min(name) AS lo, max(name) AS hi FROM t", row,
			   NULL, NULL), db, "select");
	check(sqlite3_exec(db, "SELECT name, count(*) AS c, avg(v) AS a FROM t WHERE name BETWEEN 'name100' AND "
			       "'name103' GROUP BY name ORDER BY name", row, NULL, NULL), db, "group");
	check(sqlite3_exec(db, "UPDATE t SET v = v + 1 WHERE id % 2 = 0; DELETE FROM t WHERE id > 4990;", NULL, NULL,
			   NULL), db, "update");
	check(sqlite3_exec(db, "SELECT count(*) AS n, sum(v) AS total FROM t", row, NULL, NULL), db, "select");
	check(sqlite3_exec(db, "PRAGMA integrity_check", row, NULL, NULL), db, "integrity");

	/* A writer holds the database; a second process finds it busy, then gets in once it is released. */
	check(sqlite3_exec(db, "BEGIN EXCLUSIVE; INSERT INTO t(name, v) VALUES ('held', 1);", NULL, NULL, NULL), db,
	      "exclusive");
	(void)!write(go[1], "x", 1);
	char c;
	(void)!read(up[0], &c, 1);
	check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
	(void)!write(down[1], "x", 1);
	int status;
	waitpid(child, &status, 0);
	printf("child status %d\n", WEXITSTATUS(status));
	check(sqlite3_exec(db, "SELECT name, v FROM t WHERE name IN ('held', 'child') ORDER BY name", row, NULL, NULL),
	      db, "final");
	sqlite3_close(db);
	printf("done\n");
	return 0;
}
