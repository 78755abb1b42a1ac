/* Child processes without a shell: an argument vector, never a command
 * line, so no file or directory name is ever interpreted. */
#ifndef SMX_PROC_H
#define SMX_PROC_H

/* Run argv[0] (searched in PATH) with the arguments argv (NULL-terminated)
 * in directory cwd (NULL: the current one), its standard output and error
 * appended to the files out and err (NULL: inherited), standard input from
 * /dev/null. Waits for it. Returns its exit status, 128 + the signal that
 * ended it, or -1 with errno set when it could not be started (ENOENT: not
 * found). A fatal signal to smx kills the child first. */
int smx_proc_run(const char *const argv[], const char *cwd, const char *out, const char *err);

#endif
