/*
 * tolk-call: a command-line participant. Joins a session with a token, plays a WAV file into it
 * in real time, writes what it hears (mixed) to a WAV file, and prints the safety code once the
 * keys are agreed. Built on libtolk's public API only, so it doubles as its example.
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
};

static const char usage[] =
    "usage: tolk-call --url URL --token TOKEN [--ca FILE] --in speech.wav --out heard.wav\n"
    "                 [--bitrate N] [--frame-ms 20|40|60] [--low-data] [--dtx] [--seconds N]\n"
    "                 [--identity FILE] [--wait-for N] [--jitter-ms N] [--out-dir DIR]\n"
    "\n"
    "Plays speech.wav (16-bit PCM, 48 kHz mono or stereo) into the session in real time and\n"
    "writes the mixed audio it hears to heard.wav. --out-dir also writes each participant's\n"
    "decoded audio to DIR/from-INDEX.wav. --wait-for N waits until N participants (this one\n"
    "included) are present and keys are agreed before playing. Prints \"safety code: ...\".\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_event(tolk_client *client, const struct tolk_event *ev, void *user)
{
    struct call *k = user;
    (void)client;
    switch (ev->type) {
    case TOLK_EVENT_JOINED:
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
    case TOLK_EVENT_SAFETY_CODE:
        snprintf(k->safety, sizeof k->safety, "%s (%s)", ev->safety_digits, ev->safety_words);
        if (k->started) { /* membership changed during the call: compare again */
            printf("safety code changed: %s\n", k->safety);
            fflush(stdout);
        }
        break;
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
            if (parse_number_flag(k, ch, optarg) != 0)
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

/* Everyone we wait for is here and the keys of this membership are agreed. */
static int ready(struct call *k, tolk_client *client)
{
    char digits[32], words[128];
    if (tolk_client_index(client) < 0 || (int)tolk_client_peer_count(client) + 1 < k->wait_for ||
        tolk_client_safety_code(client, digits, sizeof digits, words, sizeof words) != 0)
        return 0;
    snprintf(k->safety, sizeof k->safety, "%s (%s)", digits, words);
    return 1;
}

static void run(struct call *k, tolk_client *client)
{
    double start = 0;
    double length = k->seconds > 0 ? k->seconds : (double)k->speech_len / TOLK_SAMPLE_RATE + 1;
    size_t frame = tolk_client_frame_samples(client);
    while (!k->failed && !k->closed) {
        tolk_client_iterate(client, 5);
        if (!start && ready(k, client)) {
            start = now_s();
            k->started = 1;
            printf("safety code: %s\n", k->safety);
            fflush(stdout);
        }
        if (start)
            feed(k, client, start, frame);
        if (start && now_s() - start >= length)
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
