/* execve of files of every kind, each in a child: a #! script with an argument, #! lines at the edge of the
 * kernel's 256-byte buffer, a chain of #! interpreters up to past the nesting limit, a file neither ELF nor
 * script, one without x permission, a directory, a missing file and an ELF whose interpreter is missing.
 * The child prints the errno of a failed execve; a script that runs prints what it got. Run natively and on
 * the machine from the same files (in the current directory), the output must be the same.
 *
 * Run with a first argument starting PRINT (a #! line's interpreter and its argument, see test_runtime_scripts.py),
 * it prints its arguments instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void try(const char *what, const char *path, char *const argv[]) {
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		execve(path, argv, environ);
		printf("%s: execve failed: %s\n", what, strerrorname_np(errno));
		fflush(stdout);
		_exit(100);
	}
	int status = 0;
	waitpid(child, &status, 0);
	printf("%s: status %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char **argv) {
	if (argc > 1 && strncmp(argv[1], "PRINT", 5) == 0) {
		for (int i = 1; i < argc; i++) printf("  arg %d: [%s]\n", i, argv[i]);
		return 0;
	}
	char *none[] = {NULL};
	try("sh script with an argument", "./script.sh", (char *[]){"script.sh", "first arg", NULL});
	try("#! with spaces and tabs", "./spaced", (char *[]){"spaced", "x", NULL});
	try("#! argument cut at the buffer", "./long_arg", (char *[]){"long_arg", NULL});
	try("#! name longer than the buffer", "./long_name", (char *[]){"long_name", NULL});
	try("#! without an interpreter", "./empty_shebang", (char *[]){"empty_shebang", NULL});
	try("#! interpreter missing", "./missing_interp", (char *[]){"missing_interp", NULL});
	try("empty argv", "./script.sh", none);
	for (int depth = 1; depth <= 7; depth++) {
		char name[32], what[64];
		snprintf(name, sizeof name, "./chain%d", depth);
		snprintf(what, sizeof what, "#! chain of %d scripts", depth);
		try(what, name, (char *[]){name, NULL});
	}
	try("neither ELF nor #!", "./plain", (char *[]){"plain", NULL});
	try("no execute permission", "./not_executable", (char *[]){"not_executable", NULL});
	try("a directory", "./a_directory", (char *[]){"a_directory", NULL});
	try("no such file", "./nowhere", (char *[]){"nowhere", NULL});
	try("ELF with its interpreter missing", "./lost_interp", (char *[]){"lost_interp", NULL});
	return 0;
}
