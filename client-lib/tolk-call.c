/*
 * tolk-call: a command-line participant. Joins a session with a token, plays a WAV file into it
 * in real time, writes what it hears (mixed) to a WAV file, and prints the safety code once the
 * keys are agreed. It can also play a part of the interpreter leg on a timeline (a clinician
 * who admits and switches modes, an interpreter who signals or hands over, anyone who pauses)
 * and prints each state change, signal and refusal on stderr, one line each. Built on libtolk's
 * public API only, so it doubles as its example.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tolk.h"
#include "wav.h"

#define MAX_PEERS 16
#define NOT_SET   (-1.0) /* a time on the timeline that was not asked for */

/*
 * The interpreter leg's part, on a timeline in seconds since we first joined (which is also
 * the position in the --out file, give or take a host stall).
 */
struct part {
    int admit;                  /* admit every client or support person who waits... */
    double admit_after;         /* ...from this time on */
    double admit_at[MAX_PEERS]; /* when an admit was last sent for this one's wait; 0: none */
    int mode;                   /* enum tolk_mode to switch to, or 0 */
    double mode_at;             /* when */
    double sidebar_open, sidebar_close;
    const char *channel; /* interpreter: our output channel, set once joined */
    int signal;          /* enum tolk_signal to send, or 0 */
    double signal_at;
    int handover;       /* enum tolk_handover, or 0 */
    double handover_at; /* request: when; accept/decline: not before */
    int handover_asked; /* accept/decline: a request came and is not answered */
    double pause_at, resume_at;
};

struct call {
    struct tolk_options opts;
    const char *token, *in_path, *out_path, *out_dir;
    double seconds; /* how long to play; 0: the input's length plus one second */
    int wait_for;   /* participants (us included) to wait for before playing */
    int16_t *speech;
    size_t speech_len, played;
    struct tolk_wav_writer *out, *from[MAX_PEERS];
    int failed; /* a TOLK_E* that ends the call */
    int closed;
    int started;      /* playing: the safety code has been printed */
    char safety[192]; /* the latest safety code */
    uint64_t heard;   /* samples written to --out: the t= of a line on stderr */
    int joined;       /* JOINED came at least once: the timeline runs */
    double joined_at;
    struct part part;
};

static const char usage[] =
    "usage: tolk-call --url URL --token TOKEN [--ca FILE] --in speech.wav --out heard.wav\n"
    "                 [--bitrate N] [--frame-ms 20|40|60] [--low-data] [--dtx] [--seconds N]\n"
    "                 [--identity FILE] [--wait-for N] [--jitter-ms N] [--out-dir DIR]\n"
    "                 [--lang TAG] [--admit] [--admit-after S] [--mode MODE [--mode-after S]]\n"
    "                 [--sidebar S:S] [--channel TAG] [--signal NAME[@S]]\n"
    "                 [--handover request|accept|decline[@S]] [--pause S:S]\n"
    "\n"
    "Plays speech.wav (16-bit PCM, 48 kHz mono or stereo) into the session in real time and\n"
    "writes the mixed audio it hears to heard.wav. --out-dir also writes each participant's\n"
    "decoded audio to DIR/from-INDEX.wav. --wait-for N waits until N participants (this one\n"
    "included) are in our room and keys are agreed before playing; --seconds N then plays for\n"
    "N seconds (default: the input's length plus one). Prints \"safety code: ...\". A client\n"
    "or support person starts in the waiting room and plays once admitted.\n"
    "\n"
    "The interpreter leg (times S are seconds since joining, i.e. positions in heard.wav):\n"
    "  --lang TAG         the language we listen in (BCP 47, e.g. ar, prs-AF)\n"
    "  --admit            clinician: admit every client or support person who waits\n"
    "  --admit-after S    ... but not before S (implies --admit)\n"
    "  --mode MODE        clinician: switch to consecutive or simultaneous, at --mode-after S\n"
    "  --sidebar S1:S2    clinician: open a sidebar at S1, close it at S2\n"
    "  --channel TAG      interpreter: the language we speak into\n"
    "  --signal NAME[@S]  interpreter: send slow_down, repeat or moment (at S)\n"
    "  --handover ACTION[@S]  interpreter: request a hand-over (at S), or accept or decline\n"
    "                     the partner's request (not before S)\n"
    "  --pause S1:S2      pause at S1 (microphone and speaker off), resume at S2\n"
    "Each state change, signal, hand-over and refusal is printed on stderr, one line each:\n"
    "  tolk-call: t=4.020 state epoch=9 cause=admit by=0 presence=admitted mode=consecutive\n"
    "             sidebar=closed room=0,1,2 | #0 clinician admitted hear=0 | #2 client ...\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *presence_name(int p)
{
    static const char *const names[] = {"unknown", "waiting", "admitted", "paused"};
    return p >= 0 && p <= TOLK_PRESENCE_PAUSED ? names[p] : "unknown";
}

static const char *mode_name(int m)
{
    return m == TOLK_MODE_SIMULTANEOUS  ? "simultaneous"
           : m == TOLK_MODE_CONSECUTIVE ? "consecutive"
                                        : "unknown";
}

/* Where we are in heard.wav, in seconds: the t= of every line about the interpreter leg. */
static double heard_s(const struct call *k)
{
    return (double)k->heard / TOLK_SAMPLE_RATE;
}

/* One line per state: ours first, then every participant as we see and hear it. */
static void print_state(struct call *k, tolk_client *client, const struct tolk_event *ev)
{
    struct tolk_participant ps[MAX_PEERS];
    size_t n = tolk_client_participants(client, ps, MAX_PEERS);
    char room[64] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && i < MAX_PEERS; i++)
        if (ps[i].in_room && used < sizeof room)
            used += (size_t)snprintf(room + used, sizeof room - used, "%s%d", used ? "," : "",
                                     ps[i].index);
    fprintf(stderr, "tolk-call: t=%.3f state epoch=%llu cause=%s", heard_s(k),
            (unsigned long long)ev->epoch, ev->cause && ev->cause[0] ? ev->cause : "-");
    if (ev->cause_by >= 0)
        fprintf(stderr, " by=%d", ev->cause_by);
    fprintf(stderr, " presence=%s mode=%s sidebar=%s room=%s", presence_name(ev->presence),
            mode_name(ev->mode), ev->sidebar ? "open" : "closed", used ? room : "-");
    for (size_t i = 0; i < n && i < MAX_PEERS; i++) {
        const struct tolk_participant *p = &ps[i];
        fprintf(stderr, " | #%d %s %s", p->index, p->role, presence_name(p->presence));
        if (p->interpreter)
            fprintf(stderr, " %s channel=%s", p->interpreter == 1 ? "active" : "passive",
                    p->channel[0] ? p->channel : "-");
        if (p->lang[0])
            fprintf(stderr, " lang=%s", p->lang);
        if (p->recording)
            fprintf(stderr, " recording");
        if (p->is_self)
            fprintf(stderr, " (us)");
        else if (p->gain_cb == TOLK_GAIN_MUTED)
            fprintf(stderr, " hear=muted");
        else
            fprintf(stderr, " hear=%d", p->gain_cb);
    }
    fputc('\n', stderr);
}

static void on_leg_event(struct call *k, tolk_client *client, const struct tolk_event *ev)
{
    switch (ev->type) {
    case TOLK_EVENT_STATE:
        print_state(k, client, ev);
        break;
    case TOLK_EVENT_SIGNAL:
        fprintf(stderr, "tolk-call: t=%.3f signal %s from %d\n", heard_s(k), ev->name, ev->index);
        break;
    case TOLK_EVENT_HANDOVER:
        fprintf(stderr, "tolk-call: t=%.3f handover %s from %d\n", heard_s(k), ev->name, ev->index);
        if (strcmp(ev->name, "request") == 0)
            k->part.handover_asked = 1;
        break;
    case TOLK_EVENT_REFUSED:
        fprintf(stderr, "tolk-call: t=%.3f refused: %s (%d)\n", heard_s(k), ev->error_name,
                ev->broker_code);
        break;
    default:
        break;
    }
}

static void on_event(tolk_client *client, const struct tolk_event *ev, void *user)
{
    struct call *k = user;
    switch (ev->type) {
    case TOLK_EVENT_JOINED:
        if (!k->joined) {
            k->joined = 1;
            k->joined_at = now_s();
        }
        printf("joined as index %d (%s), epoch %llu\n", ev->index, ev->role,
               (unsigned long long)ev->epoch);
        fflush(stdout);
        break;
    case TOLK_EVENT_PARTICIPANT_JOINED:
        printf("participant %d joined (%s), epoch %llu\n", ev->index, ev->role,
               (unsigned long long)ev->epoch);
        fflush(stdout);
        break;
    case TOLK_EVENT_PARTICIPANT_LEFT:
        printf("participant %d left (%s), epoch %llu\n", ev->index, ev->reason,
               (unsigned long long)ev->epoch);
        fflush(stdout);
        break;
    case TOLK_EVENT_SAFETY_CODE: {
        char code[192];
        snprintf(code, sizeof code, "%s (%s)", ev->safety_digits, ev->safety_words);
        if (k->started && strcmp(code, k->safety) != 0) { /* the people changed: compare again */
            printf("safety code changed: %s\n", code);
            fflush(stdout);
        }
        memcpy(k->safety, code, sizeof code);
        break;
    }
    case TOLK_EVENT_ERROR:
        fprintf(stderr, "tolk-call: the broker said %s: %s\n", ev->error_name,
                tolk_strerror(ev->error));
        break;
    case TOLK_EVENT_RECONNECTING:
        fprintf(stderr, "tolk-call: connection lost (%s); retrying in %u ms\n",
                tolk_strerror(ev->error), ev->retry_ms);
        break;
    case TOLK_EVENT_CLOSED:
        k->closed = 1;
        if (ev->error)
            k->failed = ev->error;
        break;
    default:
        on_leg_event(k, client, ev);
        break;
    }
}

static struct tolk_wav_writer *writer_for(struct call *k, int index)
{
    if (!k->out_dir || index < 0 || index >= MAX_PEERS)
        return NULL;
    if (!k->from[index]) {
        char path[1024];
        snprintf(path, sizeof path, "%s/from-%d.wav", k->out_dir, index);
        if (tolk_wav_writer_open(path, &k->from[index]) != 0)
            k->failed = TOLK_EIO;
    }
    return k->from[index];
}

static void on_audio(tolk_client *client, int index, const int16_t *pcm, size_t samples, void *user)
{
    struct call *k = user;
    (void)client;
    struct tolk_wav_writer *w = index < 0 ? k->out : writer_for(k, index);
    if (w && tolk_wav_writer_write(w, pcm, samples) != 0)
        k->failed = TOLK_EIO;
    if (index < 0)
        k->heard += samples;
}

static int number(const char *flag, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || v < lo || v > hi) {
        fprintf(stderr, "tolk-call: %s: expected a number from %g to %g, got \"%s\"\n", flag, lo,
                hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_number_flag(struct call *k, int ch, const char *arg)
{
    double v;
    static const struct {
        int ch;
        const char *name;
        double lo, hi;
    } ranges[] = {{'b', "--bitrate", 6000, 64000},
                  {'f', "--frame-ms", 20, 60},
                  {'s', "--seconds", 0.1, 86400},
                  {'w', "--wait-for", 1, 16},
                  {'j', "--jitter-ms", 0, 2000}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (ranges[i].ch != ch)
            continue;
        if (number(ranges[i].name, arg, ranges[i].lo, ranges[i].hi, &v) != 0)
            return -1;
        if (ch == 'b')
            k->opts.bitrate = (int)v;
        else if (ch == 'f')
            k->opts.frame_ms = (int)v;
        else if (ch == 's')
            k->seconds = v;
        else if (ch == 'w')
            k->wait_for = (int)v;
        else
            k->opts.jitter_min_ms = (int)v;
        return 0;
    }
    return -1;
}

enum leg_option {
    OPT_LANG = 256,
    OPT_ADMIT,
    OPT_ADMIT_AFTER,
    OPT_MODE,
    OPT_MODE_AFTER,
    OPT_SIDEBAR,
    OPT_CHANNEL,
    OPT_SIGNAL,
    OPT_HANDOVER,
    OPT_PAUSE,
};

/* "S1:S2" into two times, the second after the first. */
static int time_pair(const char *flag, const char *arg, double *t1, double *t2)
{
    char first[64];
    const char *colon = strchr(arg, ':');
    if (!colon || (size_t)(colon - arg) >= sizeof first) {
        fprintf(stderr, "tolk-call: %s: expected START:END in seconds, got \"%s\"\n", flag, arg);
        return -1;
    }
    memcpy(first, arg, (size_t)(colon - arg));
    first[colon - arg] = '\0';
    if (number(flag, first, 0, 86400, t1) != 0 || number(flag, colon + 1, 0, 86400, t2) != 0)
        return -1;
    if (*t2 <= *t1) {
        fprintf(stderr, "tolk-call: %s: the end must come after the start\n", flag);
        return -1;
    }
    return 0;
}

/* "NAME" or "NAME@S": the index of NAME in NAMES (from 1), and S (0 if not given). */
static int named_at(const char *flag, const char *arg, const char *const *names, int *which,
                    double *at)
{
    const char *sep = strchr(arg, '@');
    size_t len = sep ? (size_t)(sep - arg) : strlen(arg);
    *at = 0;
    if (sep && number(flag, sep + 1, 0, 86400, at) != 0)
        return -1;
    for (int i = 1; names[i]; i++) {
        if (strlen(names[i]) == len && strncmp(arg, names[i], len) == 0) {
            *which = i;
            return 0;
        }
    }
    fprintf(stderr, "tolk-call: %s: \"%.*s\" is not one of", flag, (int)len, arg);
    for (int i = 1; names[i]; i++)
        fprintf(stderr, " %s", names[i]);
    fputc('\n', stderr);
    return -1;
}

static int parse_leg_flag(struct call *k, int ch, const char *arg)
{
    static const char *const modes[] = {"", "consecutive", "simultaneous", NULL};
    static const char *const signals[] = {"", "slow_down", "repeat", "moment", NULL};
    static const char *const handovers[] = {"", "request", "accept", "decline", NULL};
    struct part *p = &k->part;
    double unused;
    switch (ch) {
    case OPT_LANG:
        k->opts.lang = arg;
        return 0;
    case OPT_ADMIT:
        p->admit = 1;
        return 0;
    case OPT_ADMIT_AFTER:
        p->admit = 1;
        return number("--admit-after", arg, 0, 86400, &p->admit_after);
    case OPT_MODE:
        return named_at("--mode", arg, modes, &p->mode, &unused);
    case OPT_MODE_AFTER:
        return number("--mode-after", arg, 0, 86400, &p->mode_at);
    case OPT_SIDEBAR:
        return time_pair("--sidebar", arg, &p->sidebar_open, &p->sidebar_close);
    case OPT_CHANNEL:
        p->channel = arg;
        return 0;
    case OPT_SIGNAL:
        return named_at("--signal", arg, signals, &p->signal, &p->signal_at);
    case OPT_HANDOVER:
        return named_at("--handover", arg, handovers, &p->handover, &p->handover_at);
    case OPT_PAUSE:
        return time_pair("--pause", arg, &p->pause_at, &p->resume_at);
    default:
        return -1;
    }
}

static int parse_args(int argc, char **argv, struct call *k)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"token", required_argument, NULL, 't'},
        {"ca", required_argument, NULL, 'c'},
        {"in", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
        {"bitrate", required_argument, NULL, 'b'},
        {"frame-ms", required_argument, NULL, 'f'},
        {"low-data", no_argument, NULL, 'l'},
        {"dtx", no_argument, NULL, 'd'},
        {"seconds", required_argument, NULL, 's'},
        {"identity", required_argument, NULL, 'I'},
        {"wait-for", required_argument, NULL, 'w'},
        {"jitter-ms", required_argument, NULL, 'j'},
        {"out-dir", required_argument, NULL, 'D'},
        {"lang", required_argument, NULL, OPT_LANG},
        {"admit", no_argument, NULL, OPT_ADMIT},
        {"admit-after", required_argument, NULL, OPT_ADMIT_AFTER},
        {"mode", required_argument, NULL, OPT_MODE},
        {"mode-after", required_argument, NULL, OPT_MODE_AFTER},
        {"sidebar", required_argument, NULL, OPT_SIDEBAR},
        {"channel", required_argument, NULL, OPT_CHANNEL},
        {"signal", required_argument, NULL, OPT_SIGNAL},
        {"handover", required_argument, NULL, OPT_HANDOVER},
        {"pause", required_argument, NULL, OPT_PAUSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            k->opts.url = optarg;
            break;
        case 't':
            k->token = optarg;
            break;
        case 'c':
            k->opts.ca_file = optarg;
            break;
        case 'i':
            k->in_path = optarg;
            break;
        case 'o':
            k->out_path = optarg;
            break;
        case 'l':
            k->opts.low_data = 1;
            break;
        case 'd':
            k->opts.dtx = 1;
            break;
        case 'I':
            k->opts.identity_file = optarg;
            break;
        case 'D':
            k->out_dir = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            exit(0);
        case '?':
            fprintf(stderr, "tolk-call: option %s is not known or needs a value; see --help\n",
                    argv[optind - 1]);
            return -1;
        default:
            if (ch >= OPT_LANG ? parse_leg_flag(k, ch, optarg) != 0
                               : parse_number_flag(k, ch, optarg) != 0)
                return -1;
        }
    }
    if (!k->opts.url || !k->token || !k->in_path || !k->out_path || optind < argc) {
        fprintf(stderr, "tolk-call: --url, --token, --in and --out are required; see --help\n");
        return -1;
    }
    return 0;
}

/* Feeds one frame of speech (silence after its end) per frame duration since START. */
static void feed(struct call *k, tolk_client *client, double start, size_t frame)
{
    int16_t buf[2880];
    double elapsed = now_s() - start;
    size_t due = (size_t)(elapsed * TOLK_SAMPLE_RATE);
    if (tolk_client_index(client) < 0) { /* reconnecting: the microphone runs on regardless */
        k->played = due - due % frame;
        return;
    }
    while (k->played + frame <= due) {
        for (size_t i = 0; i < frame; i++) {
            size_t at = k->played + i;
            buf[i] = at < k->speech_len ? k->speech[at] : 0;
        }
        k->played += frame;
        int rc = tolk_client_push_pcm(client, buf, frame);
        if (rc != 0 && rc != TOLK_ESTATE)
            k->failed = rc;
    }
}

/* Participants in our room, us included (0 while waiting). */
static int in_room(tolk_client *client)
{
    struct tolk_participant ps[MAX_PEERS];
    size_t n = tolk_client_participants(client, ps, MAX_PEERS);
    int count = 0;
    for (size_t i = 0; i < n && i < MAX_PEERS; i++)
        count += ps[i].in_room;
    return count;
}

/* Everyone we wait for is in our room and the keys of this room are agreed. */
static int ready(struct call *k, tolk_client *client)
{
    char digits[32], words[128];
    if (tolk_client_index(client) < 0 || in_room(client) < k->wait_for ||
        tolk_client_safety_code(client, digits, sizeof digits, words, sizeof words) != 0)
        return 0;
    snprintf(k->safety, sizeof k->safety, "%s (%s)", digits, words);
    return 1;
}

static void control(const char *what, int rc)
{
    if (rc != 0)
        fprintf(stderr, "tolk-call: cannot send %s: %s\n", what, tolk_strerror(rc));
}

/*
 * --admit: an admit per client or support person per stay in the waiting room, sent again if
 * they still wait 2 s later (an admit sent while our connection was being replaced is lost).
 */
static void admit_waiting(struct call *k, tolk_client *client)
{
    double now = now_s();
    struct tolk_participant ps[MAX_PEERS];
    size_t n = tolk_client_participants(client, ps, MAX_PEERS);
    int waiting[MAX_PEERS] = {0};
    for (size_t i = 0; i < n && i < MAX_PEERS; i++)
        waiting[ps[i].index] =
            ps[i].presence == TOLK_PRESENCE_WAITING &&
            (strcmp(ps[i].role, "client") == 0 || strcmp(ps[i].role, "support") == 0);
    for (int i = 0; i < MAX_PEERS; i++) {
        double *at = &k->part.admit_at[i];
        if (!waiting[i])
            *at = 0;
        else if ((*at == 0 || now - *at >= 2.0) && tolk_client_admit(client, i, false) == 0)
            *at = now;
    }
}

/* Runs the part of the timeline that is due: each control once, at its time. */
static void play_part(struct call *k, tolk_client *client)
{
    struct part *p = &k->part;
    if (!k->joined || tolk_client_index(client) < 0 ||
        tolk_client_presence(client) == TOLK_PRESENCE_UNKNOWN)
        return;
    double t = now_s() - k->joined_at;
    if (p->admit && t >= p->admit_after)
        admit_waiting(k, client);
    if (p->mode && t >= p->mode_at) {
        control("mode", tolk_client_set_mode(client, p->mode));
        p->mode = 0;
    }
    if (p->sidebar_open != NOT_SET && t >= p->sidebar_open) {
        control("sidebar", tolk_client_sidebar(client, true));
        p->sidebar_open = NOT_SET;
    } else if (p->sidebar_close != NOT_SET && p->sidebar_open == NOT_SET && t >= p->sidebar_close) {
        control("sidebar", tolk_client_sidebar(client, false));
        p->sidebar_close = NOT_SET;
    }
    if (p->channel) {
        control("channel", tolk_client_set_channel(client, p->channel));
        p->channel = NULL;
    }
    if (p->signal && t >= p->signal_at) {
        control("signal", tolk_client_signal(client, p->signal));
        p->signal = 0;
    }
    if (p->handover == TOLK_HANDOVER_REQUEST && t >= p->handover_at) {
        control("handover", tolk_client_handover(client, p->handover));
        p->handover = 0;
    } else if (p->handover > TOLK_HANDOVER_REQUEST && p->handover_asked && t >= p->handover_at) {
        control("handover", tolk_client_handover(client, p->handover));
        p->handover_asked = 0;
    }
    if (p->pause_at != NOT_SET && t >= p->pause_at) {
        control("pause", tolk_client_pause(client, true));
        p->pause_at = NOT_SET;
    } else if (p->resume_at != NOT_SET && p->pause_at == NOT_SET && t >= p->resume_at) {
        control("pause", tolk_client_pause(client, false));
        p->resume_at = NOT_SET;
    }
}

static void run(struct call *k, tolk_client *client)
{
    double start = 0;
    double length = k->seconds > 0 ? k->seconds : (double)k->speech_len / TOLK_SAMPLE_RATE + 1;
    size_t frame = tolk_client_frame_samples(client);
    while (!k->failed && !k->closed) {
        tolk_client_iterate(client, 5);
        play_part(k, client);
        if (start == 0 && ready(k, client)) {
            start = now_s();
            k->started = 1;
            printf("safety code: %s\n", k->safety);
            fflush(stdout);
        }
        if (start > 0)
            feed(k, client, start, frame);
        if (start > 0 && now_s() - start >= length)
            break;
    }
    if (!k->closed && tolk_client_leave(client) == 0)
        for (double until = now_s() + 2; !k->closed && now_s() < until;)
            tolk_client_iterate(client, 20);
}

static void print_stats(tolk_client *client)
{
    struct tolk_stats st;
    tolk_client_stats(client, &st);
    printf("stats: sent=%llu received=%llu decrypted=%llu played=%llu lost=%llu "
           "fec_recovered=%llu auth_failed=%llu replayed=%llu no_key=%llu forged=%llu "
           "reconnects=%llu\n",
           (unsigned long long)st.frames_sent, (unsigned long long)st.frames_received,
           (unsigned long long)st.frames_decrypted, (unsigned long long)st.played,
           (unsigned long long)st.lost, (unsigned long long)st.fec_recovered,
           (unsigned long long)st.auth_failed, (unsigned long long)st.replayed,
           (unsigned long long)st.no_key, (unsigned long long)st.forged_sender,
           (unsigned long long)st.reconnects);
}

static int finish(struct call *k)
{
    int rc = k->failed;
    if (k->out && tolk_wav_writer_close(k->out) != 0 && !rc)
        rc = TOLK_EIO;
    for (int i = 0; i < MAX_PEERS; i++)
        if (k->from[i] && tolk_wav_writer_close(k->from[i]) != 0 && !rc)
            rc = TOLK_EIO;
    free(k->speech);
    return rc;
}

int main(int argc, char **argv)
{
    struct call k;
    memset(&k, 0, sizeof k);
    k.wait_for = 1;
    k.part.sidebar_open = k.part.sidebar_close = NOT_SET;
    k.part.pause_at = k.part.resume_at = NOT_SET;
    if (parse_args(argc, argv, &k) != 0)
        return 2;
    char err[256];
    if (tolk_wav_read(k.in_path, &k.speech, &k.speech_len, err, sizeof err) != 0) {
        fprintf(stderr, "tolk-call: %s\n", err);
        return 1;
    }
    if (tolk_wav_writer_open(k.out_path, &k.out) != 0) {
        fprintf(stderr, "tolk-call: cannot write %s: %s\n", k.out_path, strerror(errno));
        free(k.speech);
        return 1;
    }
    k.opts.on_event = on_event;
    k.opts.on_audio = on_audio;
    k.opts.user = &k;
    tolk_client *client = NULL;
    int rc = tolk_client_new(&k.opts, &client);
    if (rc == 0)
        rc = tolk_client_join(client, k.token);
    if (rc == 0) {
        run(&k, client);
        print_stats(client);
    } else {
        k.failed = rc;
    }
    tolk_client_free(client);
    rc = finish(&k);
    if (rc) {
        fprintf(stderr, "tolk-call: %s\n", tolk_strerror(rc));
        return 1;
    }
    if (!k.safety[0]) {
        fprintf(stderr, "tolk-call: the session ended before keys were agreed\n");
        return 1;
    }
    return 0;
}
