#include "store_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int store_fixture_open(const char *name, char dir[STORE_FIXTURE_DIR_MAX],
                       char path[STORE_FIXTURE_PATH_MAX], struct tolk_store **st)
{
    char err[TOLK_STORE_ERR_MAX];

    snprintf(dir, STORE_FIXTURE_DIR_MAX, "/tmp/tolk-%s-XXXXXX", name);
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, STORE_FIXTURE_PATH_MAX, "%s/tolk.db", dir);
    if (tolk_store_open(path, st, err, sizeof(err)) != TOLK_STORE_OK) {
        print_error("open: %s\n", err);
        rmdir(dir);
        return -1;
    }
    return 0;
}

void store_fixture_close(struct tolk_store *st, const char *dir)
{
    DIR *d;
    struct dirent *e;

    tolk_store_close(st);
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        char child[512];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof(child), "%s/%s", dir, e->d_name);
        unlink(child);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

int store_fixture_setup(void **state)
{
    struct store_fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    if (store_fixture_open("unit", f->dir, f->path, &f->st) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

int store_fixture_teardown(void **state)
{
    struct store_fixture *f = *state;

    store_fixture_close(f->st, f->dir);
    free(f);
    return 0;
}
