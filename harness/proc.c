/* Child processes without a shell; see proc.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

extern char **environ;

int smx_proc_run(const char *const argv[], const char *cwd, const char *out, const char *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	if (posix_spawn_file_actions_init(&fa))
		return -1;
	if (posix_spawnattr_init(&at)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	/* Signals stay blocked from the spawn until the child is recorded for
	 * the cleanup handler; the child starts with none blocked. */
	sigset_t none, all, old;
	sigemptyset(&none);
	sigfillset(&all);
	int rc = posix_spawnattr_setsigmask(&at, &none);
	rc = rc ? rc : posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	rc = rc ? rc : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc && cwd)
		rc = posix_spawn_file_actions_addchdir_np(&fa, cwd);
	if (!rc && out)
		rc = posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_APPEND,
						      0666);
	if (!rc && err)
		rc = posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_APPEND,
						      0666);
	pid_t pid = -1;
	sigprocmask(SIG_BLOCK, &all, &old);
	if (!rc)
		rc = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
	if (!rc)
		smx_child_set(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc) {
		errno = rc;
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			smx_child_set(0);
			return -1;
		}
	smx_child_set(0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
