/*
 * tolkctl: Tolk's admin command line.
 *
 * Two commands must work without a running tolkd, directly on the store file and the data key
 * (run them as tolkd's user, on the machine with the database): "bootstrap" makes the first
 * admin account of a new installation, and "audit verify" checks the audit log's hash chain.
 * Everything else goes through the REST API with --url: logins, accounts and the audit log
 * (remote.c); clients, interpreters and clinicians (people.c); appointments, their interpreter
 * suggestions and join tokens (appointments.c).
 *
 * Output is for people by default and JSON with --json. Exit status: 0 done (or the chain is
 * intact), 1 refused or failed (or the chain is broken), 2 a usage error. Errors are one line on
 * stderr starting "tolkctl: ". The password is read from standard input, without echo on a
 * terminal, and wiped after use; it is never printed or logged.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "audit.h"
#include "audit_chain.h"
#include "datakey.h"
#include "secrets.h"
#include "store.h"
#include "tolkctl.h"

static const char usage[] =
    "usage: tolkctl --url https://HOST:PORT [--ca FILE] [--token-file FILE] [--json] COMMAND\n"
    "       tolkctl --db PATH --data-key FILE [--json] bootstrap --username NAME\n"
    "       tolkctl --db PATH --data-key FILE [--json] audit verify\n"
    "       tolkctl --help | --version\n"
    "\n"
    "Tolk's admin command line. With --url, commands go to tolkd's REST API (/api/v1/) over\n"
    "HTTPS as the account that logged in; with --db and --data-key, they work directly on the\n"
    "store and the data key (run them as tolkd's user, on the machine that holds the database).\n"
    "\n"
    "Over the API (--url):\n"
    "  login --username NAME      log in; the password is one line of standard input. The token\n"
    "                             is saved (mode 0600) to the token file, or printed with --json\n"
    "  logout                     revoke the saved token and remove the token file\n"
    "  whoami                     the account the token belongs to, and when it expires\n"
    "  account add --username NAME --role ROLE\n"
    "                             create an account (admin, staff, clinician or interpreter);\n"
    "                             its password is one line of standard input\n"
    "  account list [--after ID] [--limit N]\n"
    "                             one page of accounts (N: 1 to 100)\n"
    "  account disable ID         disable an account: it cannot log in, its tokens are revoked\n"
    "  account enable ID          let a disabled account log in again\n"
    "  audit list [--after SEQ] [--limit N]\n"
    "                             one page of the audit log as stored (N: 1 to 200)\n"
    "  audit verify               tolkd checks the audit log's hash chain (exit 1 if broken)\n";

/* Split in parts: ISO C compilers need to take string literals of 4095 bytes only. */
static const char usage_people[] =
    "\n"
    "Clients (pseudonymous records: an alias, never a legal name):\n"
    "  client add --alias ALIAS --language TAG[!] [--language TAG[!] ...]\n"
    "             [--written-language TAG] [--gender-preference f|m|x] [--same-interpreter "
    "yes|no]\n"
    "             [--support-person ALIAS] [--contact TEXT|-]\n"
    "                             create a client record; spoken languages most preferred first,\n"
    "                             \"!\" after a tag (prs-AF!) when the dialect is required\n"
    "  client list [--search PREFIX] [--after ID] [--limit N]\n"
    "                             aliases and ids, by alias prefix (N: 1 to 50)\n"
    "  client show ID             the whole record with contact details (tolkd audits the read)\n"
    "  client edit ID [the flags of client add]\n"
    "                             change what the flags give (--language replaces the list);\n"
    "                             contact details are not printed: \"on file\" or \"none\"\n"
    "  client exclude ID --interpreter ID --reason client|never_again\n"
    "                             never match the client with that interpreter again\n"
    "\n"
    "Interpreters and clinicians (a profile per account of that role, with the account's id):\n"
    "  interpreter add --account ID --code CODE --tz ZONE --pair A:B [--pair A:B ...]\n"
    "                  [--gender f|m|x] [--slot SLOT ...]\n"
    "                             a display code (INT-0042, not a name), the zone of the weekly\n"
    "                             slots, language pairs (each works both ways), availability\n"
    "  interpreter list [--after ID] [--limit N]\n"
    "  interpreter show ID\n"
    "  interpreter edit ID [--code CODE] [--gender f|m|x|none] [--tz ZONE] [--pair A:B ...]\n"
    "  interpreter availability ID (--slot SLOT [--slot SLOT ...] | --no-slots)\n"
    "                             replace all weekly slots\n"
    "  interpreter exception ID --start TIME --end TIME [--tz ZONE]\n"
    "                             not available from --start until --end\n"
    "  clinician add --account ID --tz ZONE --language TAG [--language TAG ...] [--slot SLOT ...]\n"
    "                             the languages the clinician speaks; --slot: working hours\n"
    "  clinician list [--after ID] [--limit N]\n"
    "  clinician show ID\n"
    "  clinician edit ID [--tz ZONE] [--language TAG ...] [--slot SLOT ... | --no-slots]\n";

static const char usage_appointments[] =
    "\n"
    "Appointments:\n"
    "  appointment book --client ID --clinician ID [--interpreter ID [--relief ID]]\n"
    "                   --mode consecutive|simultaneous --start TIME --end TIME [--tz ZONE]\n"
    "                             book a session of at most 4 hours; refused (conflict) when the\n"
    "                             clinician, the interpreter or the relief interpreter is booked\n"
    "                             at that time (an interpreter as either); --relief: a second\n"
    "                             interpreter, who joins as passive and takes over by hand-over\n"
    "  appointment list [--clinician ID] [--from TIME] [--to TIME] [--after ID] [--tz ZONE]\n"
    "                             100 a page, in id order, cancelled ones included\n"
    "  appointment show ID [--tz ZONE]\n"
    "  appointment move ID [--start TIME] [--end TIME] [--interpreter ID|none]\n"
    "                   [--relief ID|none] [--tz ZONE]\n"
    "                             new times, another interpreter or relief interpreter; revokes\n"
    "                             the join tokens\n"
    "  appointment cancel ID      cancel it and revoke its join tokens\n"
    "  appointment suggest ID     interpreters who could take it, best first, and why the\n"
    "                             others could not\n"
    "  appointment tokens ID [--support]\n"
    "                             issue each participant's join token, shown only this once\n"
    "                             (issuing again revokes the earlier ones); --support: one for\n"
    "                             the client's support person too; a relief interpreter's is\n"
    "                             marked (relief) and joins as interpreter\n"
    "  appointment revoke ID --role client|clinician|interpreter|support\n"
    "                             revoke that participant's join tokens (interpreter: the\n"
    "                             relief interpreter's too)\n"
    "\n"
    "  TIME       Unix seconds (digits only); anything else goes to tolkd as text, to read as\n"
    "             docs/API.md says (2027-03-28T10:00:00+02:00, or 2027-03-28T10:00 in --tz)\n"
    "  SLOT       a weekly slot DAY[-DAY]:HH:MM-HH:MM, days mon to sun: mon-fri:09:00-17:00\n"
    "  TAG        a BCP 47 language tag: prs-AF, ar, nl\n"
    "  --tz ZONE  an IANA time zone (Europe/Amsterdam): a profile's, or the one TIME texts are\n"
    "             read in; for appointment list and show, sent to tolkd as the query's tz\n"
    "  none       (or an empty value) clears an optional field: --written-language,\n"
    "             --gender-preference, --support-person, --contact, --gender, --interpreter,\n"
    "             --relief\n"
    "  --contact -     read the contact details from one line of standard input, which keeps\n"
    "                  them out of the shell's history and the process list\n"
    "  --body FILE|-   for scripts, on the commands that send a body: a JSON object as in\n"
    "                  docs/API.md, which the flags given add to\n";

static const char usage_tail[] =
    "\n"
    "On the store (--db, --data-key), without tolkd:\n"
    "  bootstrap --username NAME  create the first admin account of a new installation; the\n"
    "                             password (12 to 1024 bytes) is read from one line of\n"
    "                             standard input. Refused once any admin account exists:\n"
    "                             further accounts are made through the API.\n"
    "  audit verify               check the audit log's hash chain: exit 0 if it is intact,\n"
    "                             1 if it is broken (naming the first bad entry) or unreadable\n"
    "\n"
    "  --url URL          tolkd's address, https://HOST:PORT\n"
    "  --ca FILE          trust the CA certificates in FILE (PEM) instead of the system's\n"
    "  --token-file FILE  where the token is kept; default $TOLKCTL_TOKEN_FILE, else\n"
    "                     ~/.config/tolk/token\n"
    "  --db PATH          the store, as tolkd's [store] database (a path or sqlite:PATH)\n"
    "  --data-key FILE    the data key, as tolkd's [store] data_key_file\n"
    "  --username NAME    3 to 64 characters of a-z, 0-9, '.', '_' and '-' (a login, not a name)\n"
    "  --json             print JSON for scripts (the API's own answers) instead of text;\n"
    "                     \"client edit\" leaves the contact details out\n"
    "\n"
    "Exit status: 0 done, 1 refused or failed (errors are one line: \"tolkctl: CODE: message\"\n"
    "for the API's errors), 2 a usage error.\n";

int tolkctl_fail(int status, const char *fmt, ...)
{
    va_list ap;

    fputs("tolkctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

/* Keeps one flag of the record commands (NAME, with VALUE or NULL) in the order given. */
static int take_flag(const char *name, const char *value, struct options *o)
{
    if (o->n_flags == TOLKCTL_FLAGS_MAX)
        return tolkctl_fail(EXIT_USAGE, "more than %d flags", TOLKCTL_FLAGS_MAX);
    o->flags[o->n_flags++] = (struct flag_value){name, value};
    return -1;
}

/* Stores one option (NAME is its long name); returns -1 to go on, or an exit status. */
static int take_option(int ch, const char *name, char **argv, struct options *o)
{
    switch (ch) {
    case 'F':
        return take_flag(name, optarg, o);
    case 'N':
        return take_flag(name, NULL, o);
    case 'd':
        o->db = optarg;
        break;
    case 'k':
        o->key = optarg;
        break;
    case 'u':
        o->username = optarg;
        break;
    case 'U':
        o->url = optarg;
        break;
    case 'c':
        o->ca = optarg;
        break;
    case 't':
        o->token_file = optarg;
        break;
    case 'r':
        o->role = optarg;
        break;
    case 'a':
        o->after = optarg;
        break;
    case 'l':
        o->limit = optarg;
        break;
    case 'j':
        o->json = true;
        break;
    case 'h':
        fputs(usage, stdout);
        fputs(usage_people, stdout);
        fputs(usage_appointments, stdout);
        fputs(usage_tail, stdout);
        return EXIT_SUCCESS;
    case 'V':
        printf("tolkctl %s\n", TOLK_VERSION);
        return EXIT_SUCCESS;
    default:
        return tolkctl_fail(EXIT_USAGE, "option %s is not known or needs a value; see --help",
                            argv[optind - 1]);
    }
    return -1;
}

static bool remote_command(const struct options *o)
{
    const char *word = o->argv[0];
    static const char *const words[] = {"login",  "logout",      "whoami",    "account",
                                        "client", "interpreter", "clinician", "appointment"};

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(word, words[i]) == 0)
            return true;
    return strcmp(word, "audit") == 0 && o->argc >= 2 && strcmp(o->argv[1], "list") == 0;
}

/* --url selects the API, --db and --data-key the store; the two do not mix. */
static int check_mode(const struct options *o)
{
    bool remote_only = o->ca || o->token_file || o->role || o->after || o->limit || o->n_flags;

    if (o->url && (o->db || o->key))
        return tolkctl_fail(EXIT_USAGE, "%s",
                            "--url (the API) and --db/--data-key (the store) do not mix");
    if (o->url)
        return -1;
    if (remote_command(o))
        return tolkctl_fail(EXIT_USAGE, "\"%s%s\" works over the API: give --url https://HOST:PORT",
                            o->argv[0], strcmp(o->argv[0], "audit") == 0 ? " list" : "");
    if (!o->db || !o->key)
        return tolkctl_fail(EXIT_USAGE, "%s",
                            "--url, or --db PATH and --data-key FILE, are needed; see --help");
    if (remote_only)
        return tolkctl_fail(EXIT_USAGE, "%s",
                            "--ca, --token-file and the flags of API commands need --url");
    return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"data-key", required_argument, NULL, 'k'},
        {"username", required_argument, NULL, 'u'},
        {"url", required_argument, NULL, 'U'},
        {"ca", required_argument, NULL, 'c'},
        {"token-file", required_argument, NULL, 't'},
        {"role", required_argument, NULL, 'r'},
        {"after", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        /* The flags of the record commands: each command says which it takes (request.c). */
        {"account", required_argument, NULL, 'F'},
        {"alias", required_argument, NULL, 'F'},
        {"body", required_argument, NULL, 'F'},
        {"client", required_argument, NULL, 'F'},
        {"clinician", required_argument, NULL, 'F'},
        {"code", required_argument, NULL, 'F'},
        {"contact", required_argument, NULL, 'F'},
        {"end", required_argument, NULL, 'F'},
        {"from", required_argument, NULL, 'F'},
        {"gender", required_argument, NULL, 'F'},
        {"gender-preference", required_argument, NULL, 'F'},
        {"interpreter", required_argument, NULL, 'F'},
        {"language", required_argument, NULL, 'F'},
        {"mode", required_argument, NULL, 'F'},
        {"no-slots", no_argument, NULL, 'N'},
        {"pair", required_argument, NULL, 'F'},
        {"reason", required_argument, NULL, 'F'},
        {"relief", required_argument, NULL, 'F'},
        {"same-interpreter", required_argument, NULL, 'F'},
        {"search", required_argument, NULL, 'F'},
        {"slot", required_argument, NULL, 'F'},
        {"start", required_argument, NULL, 'F'},
        {"support", no_argument, NULL, 'N'},
        {"support-person", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'F'},
        {"tz", required_argument, NULL, 'F'},
        {"written-language", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    int ch, rc, index = 0;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, &index)) != -1)
        if ((rc = take_option(ch, longopts[index].name, argv, o)) >= 0)
            return rc;
    o->argc = argc - optind;
    o->argv = argv + optind;
    if (o->argc == 0)
        return tolkctl_fail(EXIT_USAGE, "%s", "no command given; see --help");
    return check_mode(o);
}

/* Turns terminal echo off (ON false) or back on; a no-op when stdin is not a terminal. */
static void echo(bool on, struct termios *saved)
{
    struct termios t;

    if (!isatty(STDIN_FILENO))
        return;
    if (!on) {
        if (tcgetattr(STDIN_FILENO, saved) != 0)
            return;
        t = *saved;
        t.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
    } else {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, saved);
        fputc('\n', stderr);
    }
}

/*
 * Reads one line of stdin into BUF (CAP bytes, sodium_malloc'd by the caller), without its
 * line end. -1 for a line longer than CAP - 1 bytes or holding a NUL byte.
 */
static int read_line(char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    int c;

    while ((c = getchar()) != EOF && c != '\n') {
        if (c == '\0' || n + 1 >= cap) {
            while (c != EOF && c != '\n')
                c = getchar();
            return -1;
        }
        buf[n++] = (char)c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    *len = n;
    return 0;
}

int tolkctl_read_password(const char *username, char *buf, size_t cap, size_t *len)
{
    struct termios saved;
    int rc;

    setvbuf(stdin, NULL, _IONBF, 0); /* no copy of the password in stdio's buffer */
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password for %s: ", username);
    echo(false, &saved);
    rc = read_line(buf, cap, len);
    echo(true, &saved);
    if (rc != 0 || !tolkd_password_length_ok(*len))
        return tolkctl_fail(EXIT_REFUSED, "%s",
                            "the password must be one line of 12 to 1024 bytes");
    return 0;
}

static const char *store_path(const char *location)
{
    return strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
}

/* Creates the directory holding PATH (one level, mode 0700) if it is missing, as tolkd does. */
static int ensure_parent_dir(const char *path)
{
    char copy[4096];

    snprintf(copy, sizeof copy, "%s", path);
    if (mkdir(dirname(copy), 0700) == 0 || errno == EEXIST)
        return 0;
    return tolkctl_fail(EXIT_REFUSED, "cannot create the directory for %s", path);
}

/* Opens the store and the data key (created with a new store, as tolkd would) and derives KEY. */
static int open_store(const struct options *o, struct tolk_store **st,
                      uint8_t key[TOLK_AUDIT_KEY_BYTES])
{
    char err[512];
    unsigned char *datakey = NULL;

    if (tolk_store_open(o->db, st, err, sizeof err) != TOLK_STORE_OK)
        return tolkctl_fail(EXIT_REFUSED, "%s", err);
    if (tolkd_datakey_open(o->key, *st, &datakey, err, sizeof err) != 0) {
        tolk_store_close(*st);
        *st = NULL;
        return tolkctl_fail(EXIT_REFUSED, "%s", err);
    }
    tolkd_audit_key_derive(datakey, key);
    tolkd_datakey_free(datakey);
    return 0;
}

static int print_created(const struct options *o, const struct tolk_account *a)
{
    if (o->json) {
        json_t *j = json_pack("{s:I, s:s, s:s}", "account_id", (json_int_t)a->id, "username",
                              a->username, "role", "admin");
        int rc = j ? json_dumpf(j, stdout, JSON_COMPACT) : -1;
        json_decref(j);
        if (rc != 0)
            return tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
        putchar('\n');
    } else {
        printf("created admin account %" PRId64 " (%s): log in with POST /api/v1/login\n", a->id,
               a->username);
    }
    return EXIT_SUCCESS;
}

/* The admin is created with its account_created entry (actor "system") in one transaction. */
static int bootstrap(const struct options *o, struct tolk_store *st,
                     const uint8_t key[TOLK_AUDIT_KEY_BYTES], const char *password, size_t len)
{
    struct tolk_account a;
    uint64_t admins = 0;
    int rc;

    if (tolk_store_account_count_role(st, TOLK_ROLE_ADMIN, &admins) != TOLK_STORE_OK)
        return tolkctl_fail(EXIT_REFUSED, "%s", tolk_store_errmsg(st));
    if (admins > 0)
        return tolkctl_fail(
            EXIT_REFUSED, "%s",
            "an admin account exists already: create further accounts through the API "
            "(POST /api/v1/accounts)");
    rc = tolkd_account_bootstrap(st, key, o->username, password, len, (int64_t)time(NULL), &a);
    if (rc == TOLKD_ACCT_CONFLICT)
        return tolkctl_fail(EXIT_REFUSED, "%s",
                            "that username is taken, or an admin was just created");
    if (rc != TOLKD_ACCT_OK)
        return tolkctl_fail(EXIT_REFUSED, "cannot create the account: %s", tolk_store_errmsg(st));
    return print_created(o, &a);
}

static int cmd_bootstrap(const struct options *o)
{
    uint8_t key[TOLK_AUDIT_KEY_BYTES];
    struct tolk_store *st = NULL;
    char *password;
    size_t len = 0;
    int rc;

    if (o->argc != 1)
        return tolkctl_fail(EXIT_USAGE, "%s", "bootstrap takes no further words; see --help");
    if (!tolk_username_valid(o->username))
        return tolkctl_fail(
            EXIT_USAGE, "%s",
            "bootstrap needs --username: 3 to 64 characters of a-z, 0-9, '.', '_', '-'");
    password = sodium_malloc(TOLKD_PASSWORD_MAX + 3);
    if (!password)
        return tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
    rc = tolkctl_read_password(o->username, password, TOLKD_PASSWORD_MAX + 3, &len);
    if (rc == 0)
        rc = ensure_parent_dir(store_path(o->db));
    if (rc == 0)
        rc = ensure_parent_dir(o->key);
    if (rc == 0)
        rc = open_store(o, &st, key);
    if (rc == 0)
        rc = bootstrap(o, st, key, password, len);
    sodium_free(password); /* wipes first */
    sodium_memzero(key, sizeof key);
    tolk_store_close(st);
    return rc;
}

static int print_report(const struct options *o, const struct tolk_audit_report *r)
{
    char hex[2 * TOLK_AUDIT_HASH_BYTES + 1];

    sodium_bin2hex(hex, sizeof hex, r->head_hash, sizeof r->head_hash);
    if (o->json) {
        json_t *j = json_pack("{s:b, s:I, s:I, s:I, s:s, s:s, s:o}", "ok", r->ok, "count",
                              (json_int_t)r->count, "anchor_seq", (json_int_t)r->anchor_seq,
                              "head_seq", (json_int_t)r->head_seq, "head_hash", hex, "reason",
                              tolkd_audit_fault_code(r->reason), "bad_seq",
                              r->ok ? json_null() : json_integer((json_int_t)r->bad_seq));
        if (!j || json_dumpf(j, stdout, JSON_COMPACT) != 0)
            tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
        json_decref(j);
        putchar('\n');
    } else if (r->ok) {
        printf("audit log intact: %" PRIu64 " entries, head %" PRIu64 " (hash %s)\n", r->count,
               r->head_seq, hex);
    } else {
        printf("audit log BROKEN at seq %" PRIu64 ": %s (%s); %" PRIu64
               " entries verified before it\n",
               r->bad_seq, tolk_audit_fault_text((int)r->reason), tolkd_audit_fault_code(r->reason),
               r->count);
    }
    return r->ok ? EXIT_SUCCESS : EXIT_REFUSED;
}

/* Refuses to create anything: a store or key that is not there cannot be verified. */
static int cmd_audit_verify(const struct options *o)
{
    uint8_t key[TOLK_AUDIT_KEY_BYTES];
    struct tolk_audit_report r;
    struct tolk_store *st = NULL;
    int rc;

    if (o->argc != 2 || strcmp(o->argv[1], "verify") != 0)
        return tolkctl_fail(EXIT_USAGE, "%s", "the audit command is \"audit verify\"; see --help");
    if (access(store_path(o->db), F_OK) != 0)
        return tolkctl_fail(EXIT_REFUSED, "no database at %s", o->db);
    if (access(o->key, F_OK) != 0)
        return tolkctl_fail(EXIT_REFUSED, "no data key file at %s", o->key);
    rc = open_store(o, &st, key);
    if (rc != 0)
        return rc;
    rc = tolk_store_audit_verify(st, key, &r);
    sodium_memzero(key, sizeof key);
    if (rc == TOLK_STORE_OK || rc == TOLK_STORE_ECORRUPT) {
        r.ok = rc == TOLK_STORE_OK && r.ok;
        rc = print_report(o, &r);
    } else {
        rc = tolkctl_fail(EXIT_REFUSED, "cannot read the audit log: %s", tolk_store_errmsg(st));
    }
    tolk_store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse_args(argc, argv, &o);

    if (rc >= 0)
        return rc;
    umask(077); /* a new database and data key are for tolkd's user alone */
    if (tolkd_secrets_init() != 0)
        return tolkctl_fail(EXIT_REFUSED, "%s", "libsodium failed to initialise");
    if (o.url)
        return tolkctl_remote(&o);
    if (strcmp(o.argv[0], "bootstrap") == 0)
        return cmd_bootstrap(&o);
    if (o.username)
        return tolkctl_fail(EXIT_USAGE, "%s", "--username belongs to bootstrap; see --help");
    if (strcmp(o.argv[0], "audit") == 0)
        return cmd_audit_verify(&o);
    return tolkctl_fail(EXIT_USAGE, "unknown command \"%.32s\"; see --help", o.argv[0]);
}
