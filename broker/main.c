/*
 * tolkd: command line, start-up checks in an order that never changes stored data on a bad
 * start (config, TLS material, data directory, store, data key), then the server.
 *
 * Every start-up failure is one line on stderr beginning "tolkd: " and a non-zero exit.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "datakey.h"
#include "demo.h"
#include "relay.h"
#include "log.h"
#include "secrets.h"
#include "server.h"
#include "store.h"
#include "tlscheck.h"

enum { EXIT_USAGE = 2 };

static const char usage[] =
    "usage: tolkd [--config FILE] [--listen HOST:PORT] [--demo-session FILE [--demo-count N]]\n"
    "             [--check-config] [--version] [--help]\n"
    "\n"
    "Tolk's session broker: schedules appointments and relays end-to-end-encrypted audio\n"
    "over TLS. With no --config, built-in defaults are used (see config/tolkd.conf).\n"
    "\n"
    "  --config FILE       read settings from FILE (INI)\n"
    "  --listen HOST:PORT  listen here instead (port 0: the kernel picks one; the chosen\n"
    "                      port is printed as \"listening on HOST:PORT\")\n"
    "  --demo-session FILE book a demo appointment starting now and write its URL, CA and\n"
    "                      join tokens (client, clinician, interpreter, relief_interpreter,\n"
    "                      support) to FILE (mode 0600)\n"
    "  --demo-count N      book N demo appointments instead of one (for benchmarks)\n"
    "  --check-config      validate the settings and exit 0, or print the problem and exit 1\n"
    "  --version           print the version and exit\n"
    "  --help              print this help and exit\n";

struct options {
    const char *config_path;
    const char *listen;
    const char *demo_path;
    unsigned demo_count;
    bool check_only;
};

static int fail(const char *msg)
{
    fprintf(stderr, "tolkd: %s\n", msg);
    return EXIT_FAILURE;
}

static int parse_count(const char *text, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || text[0] == '+' || v < 1 || v > 10000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"check-config", no_argument, NULL, 'k'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {"demo-session", required_argument, NULL, 'd'},
        {"demo-count", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config_path = optarg;
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 'k':
            o->check_only = true;
            break;
        case 'd':
            o->demo_path = optarg;
            break;
        case 'n':
            if (parse_count(optarg, &o->demo_count) != 0) {
                fprintf(stderr,
                        "tolkd: --demo-count: expected a whole number from 1 to 10000, "
                        "got \"%.32s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'V':
            printf("tolkd %s\n", TOLK_VERSION);
            return EXIT_SUCCESS;
        case 'h':
            fputs(usage, stdout);
            return EXIT_SUCCESS;
        default:
            fprintf(stderr, "tolkd: option %s is not known or needs a value; see --help\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (o->demo_count && !o->demo_path) {
        fprintf(stderr, "tolkd: --demo-count needs --demo-session FILE\n");
        return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "tolkd: unexpected argument \"%s\"; see --help\n", argv[optind]);
        return EXIT_USAGE;
    }
    return -1;
}

static int load_config(const struct options *o, struct tolk_config *cfg)
{
    char err[TOLK_CONFIG_ERR_MAX];
    tolk_config_defaults(cfg);
    if (o->config_path && tolk_config_load(cfg, o->config_path, err, sizeof err) != 0)
        return fail(err);
    if (o->listen && tolk_config_parse_listen(o->listen, cfg->listen_host, sizeof cfg->listen_host,
                                              &cfg->listen_port, err, sizeof err) != 0) {
        char line[TOLK_CONFIG_ERR_MAX + 32];
        snprintf(line, sizeof line, "--listen: %s", err);
        return fail(line);
    }
    return EXIT_SUCCESS;
}

/* Creates the directory holding PATH (one level, mode 0700) if it is missing. */
static int ensure_parent_dir(const char *what, const char *path)
{
    char copy[TOLK_CONFIG_PATH_MAX], msg[TOLK_CONFIG_PATH_MAX + 128];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    snprintf(msg, sizeof msg, "cannot create the directory %s for the %s: %s", dir, what,
             strerror(errno));
    return fail(msg);
}

static const char *store_path(const char *location)
{
    return strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
}

static int check_tls(const struct tolk_config *cfg)
{
    char err[2 * TOLK_CONFIG_PATH_MAX];
    struct tolkd_tls_info info;
    if (tolkd_tls_check(cfg->tls_certificate, cfg->tls_private_key, &info, err, sizeof err) != 0)
        return fail(err);
    if (info.development)
        TLOG_WARN("development_certificate",
                  "msg=\"THIS IS A SELF-SIGNED DEVELOPMENT CERTIFICATE. Clients must be given "
                  "its CA explicitly. Never use it in production.\"");
    if (info.days_left < 14)
        TLOG_WARN("certificate_expiring", "days_left=%d", info.days_left);
    return EXIT_SUCCESS;
}

#ifdef TOLKD_TEST_BUILD
/* tolkd-test only: TOLKD_TEST_TAP=FILE, TOLKD_TEST_TAMPER_EVERY=N, TOLKD_TEST_REPLAY_EVERY=N. */
static struct tolkd_relay_faults *test_faults(struct tolkd_relay_faults *f)
{
    const char *tap = getenv("TOLKD_TEST_TAP");
    const char *tamper = getenv("TOLKD_TEST_TAMPER_EVERY");
    const char *replay = getenv("TOLKD_TEST_REPLAY_EVERY");
    memset(f, 0, sizeof *f);
    f->tap = tap ? fopen(tap, "ab") : NULL;
    f->tamper_every = tamper ? (unsigned)strtoul(tamper, NULL, 10) : 0;
    f->replay_every = replay ? (unsigned)strtoul(replay, NULL, 10) : 0;
    TLOG_WARN("test_build", "msg=\"tolkd-test: relay faults for tests; never run in production\"");
    return f;
}
#endif

struct demo_hook {
    struct tolkd_demo *demo;
    const struct options *o;
    const struct tolk_config *cfg;
};

/* The certificate a client must trust: the dev CA beside the certificate, if there is one. */
static void client_ca(const char *cert, char *out, size_t cap)
{
    char copy[TOLK_CONFIG_PATH_MAX];
    snprintf(copy, sizeof copy, "%s", cert);
    snprintf(out, cap, "%s/ca.pem", dirname(copy));
    if (access(out, R_OK) != 0)
        snprintf(out, cap, "%s", cert);
}

static void write_demo(void *arg, int port)
{
    struct demo_hook *h = arg;
    char ca[TOLK_CONFIG_PATH_MAX + 8], err[TOLK_CONFIG_PATH_MAX + 128];
    client_ca(h->cfg->tls_certificate, ca, sizeof ca);
    if (tolkd_demo_write(h->demo, h->o->demo_path, h->cfg->listen_host, port, ca, err,
                         sizeof err) != 0) {
        TLOG_ERROR("demo_session_failed", "reason=\"%s\"", err);
        return;
    }
    printf("demo session: %s\n", h->o->demo_path);
    fflush(stdout);
}

static int run(const struct tolk_config *cfg, const struct options *o)
{
    struct demo_hook demo = {NULL, o, cfg};
    struct tolkd_run_hooks hooks = {NULL, &demo, NULL};
    char err[512];
    struct tolk_store *store = NULL;
    unsigned char *datakey = NULL;
    if (ensure_parent_dir("database", store_path(cfg->database)) ||
        ensure_parent_dir("data key", cfg->data_key_file))
        return EXIT_FAILURE;
    if (tolk_store_open(cfg->database, &store, err, sizeof err) != TOLK_STORE_OK)
        return fail(err);
    int rc = EXIT_FAILURE;
    if (tolkd_datakey_open(cfg->data_key_file, store, &datakey, err, sizeof err) != 0) {
        fail(err);
        goto out;
    }
    int version = 0;
    tolk_store_schema_version(store, &version);
    TLOG_INFO("store_open", "schema_version=%d created=%d", version, tolk_store_was_created(store));
    if (o->demo_path) {
        const struct tolkd_join_window window = {(int64_t)cfg->join_early_minutes * 60,
                                                 (int64_t)cfg->join_grace_minutes * 60};
        if (tolkd_demo_create(store, o->demo_count ? o->demo_count : 1, &window, &demo.demo, err,
                              sizeof err) != 0) {
            fail(err);
            goto out;
        }
        hooks.on_listening = write_demo;
    }
#ifdef TOLKD_TEST_BUILD
    struct tolkd_relay_faults faults;
    hooks.faults = test_faults(&faults);
#endif
    if (tolkd_server_run(cfg, store, datakey, &hooks, err, sizeof err) != 0) {
        fail(err);
        goto out;
    }
    rc = EXIT_SUCCESS;
out:
#ifdef TOLKD_TEST_BUILD
    if (hooks.faults && hooks.faults->tap)
        fclose(hooks.faults->tap);
#endif
    tolkd_demo_free(demo.demo);
    tolkd_datakey_free(datakey);
    tolk_store_close(store);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct tolk_config cfg;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (load_config(&o, &cfg) != EXIT_SUCCESS)
        return EXIT_FAILURE;
    if (o.check_only) {
        printf("%s: ok\n", o.config_path ? o.config_path : "built-in defaults");
        return EXIT_SUCCESS;
    }
    umask(077); /* the database, its WAL and the data key are for tolkd's user alone */
    tolkd_api_wipe_json_memory(); /* before any JSON exists: request bodies carry passwords */
    tlog_set_level(cfg.log_level);
    tlog_capture_lws();
    if (tolkd_secrets_init() != 0)
        return fail("libsodium failed to initialise");
    if (check_tls(&cfg) != EXIT_SUCCESS)
        return EXIT_FAILURE;
    TLOG_INFO("starting", "version=%s", TOLK_VERSION);
    return run(&cfg, &o);
}
