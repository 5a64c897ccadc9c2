/*
 * The token file: where "tolkctl login" keeps the bearer token for the commands that follow.
 * It holds the token and a line end, mode 0600, in a directory of mode 0700 made if missing;
 * it is replaced atomically (a temporary file renamed over it), and refused when others could
 * read it, as ssh refuses a private key with loose permissions.
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tolkctl.h"

int tolkctl_token_path(const char *option, char *buf, size_t cap)
{
    const char *env = getenv("TOLKCTL_TOKEN_FILE");
    const char *home = getenv("HOME");
    int n;

    if (option)
        n = snprintf(buf, cap, "%s", option);
    else if (env && env[0])
        n = snprintf(buf, cap, "%s", env);
    else if (home && home[0])
        n = snprintf(buf, cap, "%s/.config/tolk/token", home);
    else
        return tolkctl_fail(EXIT_USAGE, "%s",
                            "no token file: give --token-file, or set TOLKCTL_TOKEN_FILE or HOME");
    if (n < 0 || (size_t)n >= cap)
        return tolkctl_fail(EXIT_USAGE, "%s", "the token file's path is too long");
    return 0;
}

/* Makes the directory of PATH and its parent (for ~/.config/tolk), mode 0700, if missing. */
static int make_dirs(const char *path)
{
    char a[4096], b[4096], dir[4096];

    snprintf(a, sizeof a, "%s", path);
    snprintf(dir, sizeof dir, "%s", dirname(a));
    snprintf(b, sizeof b, "%s", dir);
    if (mkdir(dirname(b), 0700) != 0 && errno != EEXIST)
        return -1;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int tolkctl_token_save(const char *path, const char *token)
{
    char tmp[4200];
    size_t n = strlen(token);
    int fd, ok;

    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (make_dirs(path) != 0)
        return tolkctl_fail(EXIT_REFUSED, "cannot make the directory for %s: %s", path,
                            strerror(errno));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return tolkctl_fail(EXIT_REFUSED, "cannot write %s: %s", tmp, strerror(errno));
    ok = fchmod(fd, 0600) == 0 && write(fd, token, n) == (ssize_t)n && write(fd, "\n", 1) == 1 &&
         fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return tolkctl_fail(EXIT_REFUSED, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

static int token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int tolkctl_token_load(const char *path, char *buf, size_t cap)
{
    struct stat st;
    ssize_t got;
    size_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT)
        return tolkctl_fail(EXIT_REFUSED, "not logged in: no token file at %s (run login)", path);
    if (fd < 0)
        return tolkctl_fail(EXIT_REFUSED, "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        close(fd);
        return tolkctl_fail(EXIT_REFUSED, "%s may be read by others: chmod 600 it, or log in again",
                            path);
    }
    got = read(fd, buf, cap - 1);
    close(fd);
    n = got > 0 ? (size_t)got : 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!token_char(buf[i]))
            n = 0;
    if (n == 0 || n + 1 >= cap)
        return tolkctl_fail(EXIT_REFUSED, "%s does not hold a token: log in again", path);
    return 0;
}
