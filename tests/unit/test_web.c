/*
 * Unit tests for broker/web.c's pure parts: which request paths name a file, the content-type
 * table, finding a file under the root (symbolic links that leave it, directories, unknown
 * types), the "auto" root, and the cross-site rule for state-changing API requests.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web.h"

static void assert_relpath(const char *path, const char *want)
{
    char out[TOLKD_WEB_PATH_MAX];
    if (tolkd_web_relpath(path, out, sizeof out) != 0)
        fail_msg("refused %s", path);
    assert_string_equal(out, want);
}

static void assert_refused(const char *path)
{
    char out[TOLKD_WEB_PATH_MAX];
    if (tolkd_web_relpath(path, out, sizeof out) == 0)
        fail_msg("accepted \"%s\" as \"%s\"", path, out);
}

static void test_relpath(void **state)
{
    static const char *const bad[] = {
        "",
        "index.html",
        "//",
        "/a//b.js",
        "/..",
        "/../x.js",
        "/js/../app.js",
        "/js/./a.js",
        "/.hidden",
        "/js/.git/config",
        "/a%2fb.js",
        "/%2e%2e/x.js",
        "/a\\b.js",
        "/a b.js",
        "/js/",
        "/ä.js",
        "/a:b.js",
        "/a?b.js",
        "/a;b.js",
        "/a\tb.js",
        "/a\x7f.js",
        "/1/2/3/4/5/6/7/8/9/x.js",
    };
    char longseg[80], deep[300], small[8];

    (void)state;
    assert_relpath("/", "index.html");
    assert_relpath("/index.html", "index.html");
    assert_relpath("/js/app.js", "js/app.js");
    assert_relpath("/i18n/en.json", "i18n/en.json");
    assert_relpath("/a-b_c.d/e.f.css", "a-b_c.d/e.f.css");
    assert_relpath("/1/2/3/4/5/6/7/8/x.js", "1/2/3/4/5/6/7/8/x.js");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_refused(bad[i]);
    assert_int_equal(tolkd_web_relpath(NULL, small, sizeof small), -1);
    assert_int_equal(tolkd_web_relpath("/index.html", small, sizeof small), -1); /* no room */

    memset(longseg, 'a', sizeof longseg);
    longseg[0] = '/';
    longseg[66] = '\0'; /* a segment of 65 */
    assert_refused(longseg);
    longseg[65] = '\0';
    assert_relpath(longseg, longseg + 1);

    memset(deep, 0, sizeof deep);
    for (size_t i = 0; strlen(deep) + 3 < sizeof deep; i++)
        strcat(deep, "/a");
    assert_refused(deep);
}

static void test_content_type(void **state)
{
    (void)state;
    assert_string_equal(tolkd_web_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(tolkd_web_content_type("js/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(tolkd_web_content_type("css/app.css"), "text/css; charset=utf-8");
    assert_string_equal(tolkd_web_content_type("i18n/nl.json"), "application/json");
    assert_string_equal(tolkd_web_content_type("favicon.svg"), "image/svg+xml");
    assert_null(tolkd_web_content_type("README"));
    assert_null(tolkd_web_content_type("a.js/README"));
    assert_null(tolkd_web_content_type("tolk.db"));
    assert_null(tolkd_web_content_type("key.pem"));
    assert_null(tolkd_web_content_type("page.HTML"));
    assert_null(tolkd_web_content_type("app.js.map"));
}

/* A temporary root with a page, a subdirectory, a file of an unknown type, and symbolic links
 * that stay inside and that leave. */
struct tree {
    char base[64], root[96], outside[96];
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int tree_setup(void **state)
{
    struct tree *t = calloc(1, sizeof *t);
    char path[PATH_MAX];

    snprintf(t->base, sizeof t->base, "/tmp/tolk-web-XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->root, sizeof t->root, "%s/root", t->base);
    snprintf(t->outside, sizeof t->outside, "%s/outside", t->base);
    assert_int_equal(mkdir(t->root, 0700), 0);
    assert_int_equal(mkdir(t->outside, 0700), 0);
    snprintf(path, sizeof path, "%s/js", t->root);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/dir.js", t->root);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file(t->root, "index.html", "<!doctype html>");
    write_file(t->root, "js/app.js", "export {};");
    write_file(t->root, "notes.md", "# no");
    write_file(t->outside, "secret.json", "{}");
    snprintf(path, sizeof path, "%s/leak.json", t->root);
    assert_int_equal(symlink("../outside/secret.json", path), 0);
    snprintf(path, sizeof path, "%s/alias.js", t->root);
    assert_int_equal(symlink("js/app.js", path), 0);
    *state = t;
    return 0;
}

static int tree_teardown(void **state)
{
    struct tree *t = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->base);
    assert_int_equal(system(cmd), 0);
    free(t);
    return 0;
}

static void test_find(void **state)
{
    struct tree *t = *state;
    char root[PATH_MAX], file[PATH_MAX], want[PATH_MAX + 16];
    const char *type = NULL;

    assert_int_equal(tolkd_web_root(t->root, root, sizeof root), 0);
    assert_int_equal(tolkd_web_find(root, "/", file, sizeof file, &type), 0);
    snprintf(want, sizeof want, "%s/index.html", root);
    assert_string_equal(file, want);
    assert_string_equal(type, "text/html; charset=utf-8");

    assert_int_equal(tolkd_web_find(root, "/js/app.js", file, sizeof file, &type), 0);
    assert_string_equal(type, "text/javascript; charset=utf-8");
    /* a link that stays inside serves its target */
    assert_int_equal(tolkd_web_find(root, "/alias.js", file, sizeof file, &type), 0);
    snprintf(want, sizeof want, "%s/js/app.js", root);
    assert_string_equal(file, want);

    assert_int_equal(tolkd_web_find(root, "/leak.json", file, sizeof file, &type), -1);
    assert_int_equal(tolkd_web_find(root, "/notes.md", file, sizeof file, &type), -1);
    assert_int_equal(tolkd_web_find(root, "/dir.js", file, sizeof file, &type), -1);
    assert_int_equal(tolkd_web_find(root, "/missing.js", file, sizeof file, &type), -1);
    assert_int_equal(tolkd_web_find(root, "/../outside/secret.json", file, sizeof file, &type), -1);
    assert_int_equal(tolkd_web_find(root, "/index.html", file, 8, &type), -1); /* no room */
}

static void test_root(void **state)
{
    struct tree *t = *state;
    char root[PATH_MAX], path[PATH_MAX], real[PATH_MAX];

    assert_int_equal(tolkd_web_root(t->root, root, sizeof root), 0);
    snprintf(path, sizeof path, "%s/index.html", t->root);
    assert_int_equal(tolkd_web_root(path, root, sizeof root), -1); /* a file */
    snprintf(path, sizeof path, "%s/none", t->base);
    assert_int_equal(tolkd_web_root(path, root, sizeof root), -1);
    assert_int_equal(tolkd_web_root(t->root, root, 4), -1);

    /* from the build tree, auto is the source's web/ through build/share/tolk/web */
    snprintf(path, sizeof path, "%s/web", TOLK_SOURCE_DIR);
    assert_non_null(realpath(path, real));
    assert_int_equal(tolkd_web_root("auto", root, sizeof root), 0);
    assert_string_equal(root, real);
}

static void test_cross_site(void **state)
{
    static const enum tolkd_http_method changing[] = {TOLKD_HTTP_POST, TOLKD_HTTP_PATCH,
                                                      TOLKD_HTTP_PUT, TOLKD_HTTP_DELETE};
    const char *host = "tolk.example:8443";

    (void)state;
    for (size_t i = 0; i < sizeof changing / sizeof changing[0]; i++) {
        enum tolkd_http_method m = changing[i];
        /* tolkctl, curl: neither header */
        assert_false(tolkd_web_is_cross_site(m, NULL, host, NULL));
        assert_false(tolkd_web_is_cross_site(m, NULL, NULL, NULL));
        /* the page itself */
        assert_false(tolkd_web_is_cross_site(m, "https://tolk.example:8443", host, "same-origin"));
        assert_false(tolkd_web_is_cross_site(m, "HTTPS://Tolk.Example:8443", host, NULL));
        assert_false(tolkd_web_is_cross_site(m, NULL, host, "none"));
        /* another site, another port, plain http, an opaque origin, a sibling */
        assert_true(tolkd_web_is_cross_site(m, "https://evil.example", host, NULL));
        assert_true(tolkd_web_is_cross_site(m, "https://tolk.example", host, NULL));
        assert_true(tolkd_web_is_cross_site(m, "http://tolk.example:8443", host, NULL));
        assert_true(tolkd_web_is_cross_site(m, "null", host, NULL));
        assert_true(tolkd_web_is_cross_site(m, "https://tolk.example:8443.evil", host, NULL));
        assert_true(tolkd_web_is_cross_site(m, "https://tolk.example:8443", NULL, NULL));
        assert_true(tolkd_web_is_cross_site(m, "https://tolk.example:8443", "", NULL));
        assert_true(tolkd_web_is_cross_site(m, "", host, NULL));
        assert_true(tolkd_web_is_cross_site(m, NULL, host, "cross-site"));
        assert_true(tolkd_web_is_cross_site(m, NULL, host, "same-site"));
        assert_true(tolkd_web_is_cross_site(m, NULL, host, ""));
        assert_true(tolkd_web_is_cross_site(m, "https://tolk.example:8443", host, "cross-site"));
    }
    /* reading changes nothing: CORS already keeps another site from reading the answer */
    assert_false(
        tolkd_web_is_cross_site(TOLKD_HTTP_GET, "https://evil.example", host, "cross-site"));
    assert_false(tolkd_web_is_cross_site(TOLKD_HTTP_OTHER, "null", host, "cross-site"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relpath),
        cmocka_unit_test(test_content_type),
        cmocka_unit_test_setup_teardown(test_find, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_root, tree_setup, tree_teardown),
        cmocka_unit_test(test_cross_site),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
