/*
 * The safety code (see safety.h).
 *
 * The word list is Tolk's own: 256 short, common, concrete English words chosen to be easy to
 * say and to hear over a poor line, also for people for whom English is a second language.
 * No two words in it are homophones or near-homophones: each pair differs by at least two
 * phonemes (three for short words), no two words differ only in their first sound or two
 * (rhymes such as pocket/rocket), and no two share their first four letters. Words about
 * violence, disasters, illness, travel documents or displacement were left out on purpose.
 */
#include "safety.h"
#include "tolk.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL "TOLK-SAFETY-1"

_Static_assert(crypto_generichash_BYTES == 32, "H is BLAKE2b-256");

static const char *const word_list[TOLK_SAFETY_WORD_COUNT] = {
    "acorn",    "acrobat",  "almond",   "anchor",   "apricot",  "apron",    "armchair", "arrow",
    "artist",   "attic",    "autumn",   "avenue",   "avocado",  "backpack", "bagel",    "bakery",
    "balcony",  "balloon",  "bamboo",   "banana",   "basket",   "bathtub",  "battery",  "blender",
    "blossom",  "bluebird", "bracelet", "broccoli", "bronze",   "buffalo",  "bunny",    "cabbage",
    "cactus",   "calendar", "camera",   "candy",    "canoe",    "canyon",   "caramel",  "cello",
    "cheetah",  "cherry",   "chestnut", "chimney",  "cinema",   "circus",   "closet",   "clover",
    "cocoa",    "compass",  "concert",  "cousin",   "cradle",   "crayon",   "cricket",  "crystal",
    "cucumber", "cupcake",  "daisy",    "dancer",   "dentist",  "diamond",  "dinosaur", "dolphin",
    "domino",   "donkey",   "doorbell", "drummer",  "dumpling", "eagle",    "eclipse",  "elbow",
    "elephant", "emerald",  "engine",   "envelope", "eyebrow",  "fabric",   "falcon",   "feather",
    "festival", "finger",   "firefly",  "flamingo", "folder",   "football", "fortune",  "freezer",
    "frisbee",  "gadget",   "galaxy",   "garden",   "garlic",   "gazelle",  "ginger",   "giraffe",
    "golden",   "guitar",   "hamster",  "harbor",   "hazelnut", "hedgehog", "helmet",   "highway",
    "hilltop",  "hippo",    "horizon",  "hotel",    "iceberg",  "igloo",    "indigo",   "island",
    "ivory",    "jacket",   "jaguar",   "jasmine",  "journal",  "jungle",   "kangaroo", "kayak",
    "ketchup",  "kettle",   "keyboard", "kingdom",  "kitchen",  "kiwi",     "koala",    "ladybug",
    "lagoon",   "lantern",  "lemonade", "leopard",  "lettuce",  "library",  "lobster",  "lollipop",
    "lullaby",  "magnet",   "mailbox",  "mango",    "maple",    "marathon", "market",   "mattress",
    "melon",    "mirror",   "moonbeam", "moose",    "mountain", "muffin",   "museum",   "mushroom",
    "napkin",   "noodle",   "notebook", "oasis",    "oatmeal",  "ocean",    "octopus",  "olive",
    "onion",    "opera",    "orange",   "orbit",    "orchard",  "ostrich",  "otter",    "palace",
    "pancake",  "parade",   "peacock",  "peanut",   "pelican",  "pencil",   "penguin",  "perfume",
    "piano",    "pickle",   "picnic",   "pigeon",   "pilot",    "pinecone", "pizza",    "planet",
    "popcorn",  "postcard", "pretzel",  "pudding",  "pumpkin",  "puppet",   "pyramid",  "quilt",
    "raccoon",  "radio",    "railway",  "rainbow",  "raven",    "recipe",   "reindeer", "robin",
    "robot",    "rosebud",  "rugby",    "sailboat", "salad",    "sandwich", "scarf",    "seahorse",
    "seashell", "shovel",   "silver",   "sketch",   "slipper",  "snowman",  "sofa",     "spider",
    "spinach",  "sponge",   "squirrel", "starfish", "statue",   "studio",   "sugar",    "sunset",
    "syrup",    "teapot",   "temple",   "tiger",    "timber",   "toaster",  "tomato",   "toolbox",
    "tractor",  "treasure", "triangle", "trophy",   "trumpet",  "tulip",    "umbrella", "unicorn",
    "vanilla",  "velvet",   "village",  "violin",   "voyage",   "waffle",   "wagon",    "walnut",
    "walrus",   "windmill", "winter",   "wizard",   "woodland", "yogurt",   "yoyo",     "zebra",
};

const char *tolk_safety_word(size_t i)
{
    return i < TOLK_SAFETY_WORD_COUNT ? word_list[i] : NULL;
}

static int compare_keys(const void *a, const void *b)
{
    return memcmp(a, b, TOLK_SAFETY_KEY_BYTES);
}

/* Formats H[8..15] as "dddd dddd dddd". */
static void format_digits(const uint8_t *h, char *digits, size_t dlen)
{
    uint64_t v = 0;
    for (size_t i = 8; i < 16; i++)
        v = (v << 8) | h[i];
    v %= UINT64_C(1000000000000);
    snprintf(digits, dlen, "%04u %04u %04u", (unsigned)(v / 100000000u),
             (unsigned)(v / 10000u % 10000u), (unsigned)(v % 10000u));
}

/* Writes word_list[H[0]] ... word_list[H[5]] separated by spaces. */
static void format_words(const uint8_t *h, char *words, size_t wlen)
{
    size_t at = 0;
    for (size_t i = 0; i < TOLK_SAFETY_WORDS; i++) {
        int n = snprintf(words + at, wlen - at, "%s%s", i == 0 ? "" : " ", word_list[h[i]]);
        at += (size_t)n; /* cannot overflow: WLEN >= TOLK_SAFETY_WORDS_SIZE */
    }
}

int tolk_safety_code(const uint8_t session_id[TOLK_SAFETY_SESSION_BYTES],
                     const uint8_t (*keys)[TOLK_SAFETY_KEY_BYTES], size_t n, char *digits,
                     size_t dlen, char *words, size_t wlen)
{
    if (n == 0 || n > TOLK_SAFETY_MAX_KEYS || (digits != NULL && dlen < TOLK_SAFETY_DIGITS_SIZE) ||
        (words != NULL && wlen < TOLK_SAFETY_WORDS_SIZE))
        return TOLK_EINVAL;
    uint8_t sorted[TOLK_SAFETY_MAX_KEYS][TOLK_SAFETY_KEY_BYTES];
    memcpy(sorted, keys, n * TOLK_SAFETY_KEY_BYTES);
    qsort(sorted, n, TOLK_SAFETY_KEY_BYTES, compare_keys);

    crypto_generichash_state st;
    uint8_t h[crypto_generichash_BYTES];
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const uint8_t *)LABEL, sizeof LABEL - 1);
    crypto_generichash_update(&st, session_id, TOLK_SAFETY_SESSION_BYTES);
    crypto_generichash_update(&st, &sorted[0][0], n * TOLK_SAFETY_KEY_BYTES);
    crypto_generichash_final(&st, h, sizeof h);

    if (digits != NULL)
        format_digits(h, digits, dlen);
    if (words != NULL)
        format_words(h, words, wlen);
    return 0;
}
