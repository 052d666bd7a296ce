/* media.c — what a file is, from its content type or its first bytes, and base64 both ways: the
 * facts that downloads (naming a result) and inputs (checking a file before it is paid for)
 * share. */
#include "features.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct media {
    const char *type, *extension;
} media[] = {
    {"image/png", ".png"},       {"image/jpeg", ".jpg"}, {"image/webp", ".webp"},       {"image/gif", ".gif"},
    {"image/avif", ".avif"},     {"video/mp4", ".mp4"},  {"video/webm", ".webm"},       {"video/quicktime", ".mov"},
    {"audio/mpeg", ".mp3"},      {"audio/wav", ".wav"},  {"application/json", ".json"}, {"text/plain", ".txt"},
    {"application/pdf", ".pdf"},
};

const char *gt_media_extension(const char *content_type)
{
    if (!content_type) return ".bin";
    size_t len = strcspn(content_type, "; \t"); /* "image/png; charset=…" */
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++)
        if (strlen(media[i].type) == len && strncasecmp(content_type, media[i].type, len) == 0)
            return media[i].extension;
    return ".bin";
}

static bool starts(const unsigned char *head, size_t n, size_t at, const char *magic)
{
    size_t len = strlen(magic);
    return n >= at + len && memcmp(head + at, magic, len) == 0;
}

const char *gt_media_sniff(const void *data, size_t n)
{
    const unsigned char *head = data;
    if (starts(head, n, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
    if (starts(head, n, 0, "\xff\xd8\xff")) return "image/jpeg";
    if (starts(head, n, 0, "RIFF") && starts(head, n, 8, "WEBP")) return "image/webp";
    if (starts(head, n, 0, "GIF87a") || starts(head, n, 0, "GIF89a")) return "image/gif";
    if (starts(head, n, 4, "ftypavif")) return "image/avif";
    if (starts(head, n, 4, "ftypqt")) return "video/quicktime";
    if (starts(head, n, 4, "ftyp")) return "video/mp4";
    if (starts(head, n, 0, "\x1a\x45\xdf\xa3")) return "video/webm";
    if (starts(head, n, 0, "ID3") || (n >= 2 && head[0] == 0xff && (head[1] & 0xe0) == 0xe0)) return "audio/mpeg";
    if (starts(head, n, 0, "RIFF") && starts(head, n, 8, "WAVE")) return "audio/wav";
    if (starts(head, n, 0, "%PDF-")) return "application/pdf";
    return NULL;
}

/* A server that does not know what it sends says so in one of these words: the bytes know better. */
const char *gt_media_type_of(const char *content_type, const void *head, size_t n)
{
    bool vague = !content_type || !*content_type || strncasecmp(content_type, "application/octet-stream", 24) == 0 ||
                 strncasecmp(content_type, "binary/octet-stream", 19) == 0;
    if (!vague) return content_type;
    const char *sniffed = gt_media_sniff(head, n);
    return sniffed ? sniffed : content_type;
}

char *gt_base64_encode(const void *data, size_t n)
{
    if (n > (size_t)1 << 40) return NULL;
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out) return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)n); /* NUL-terminates */
    return out;
}

/* EVP_DecodeBlock counts the '=' padding as zero bytes and takes no whitespace: both are fixed
 * up here. NULL for text that is not base64. */
unsigned char *gt_base64_decode(const char *text, size_t len, size_t *out_len)
{
    char *clean = malloc(len + 1);
    if (!clean) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", text[i])) clean[n++] = text[i];
    unsigned char *out = n % 4 == 0 ? malloc(n / 4 * 3 + 1) : NULL;
    int got = out ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)n) : -1;
    if (got < 0) {
        free(out);
        free(clean);
        return NULL;
    }
    size_t padding = (n > 0 && clean[n - 1] == '=') + (n > 1 && clean[n - 2] == '=');
    *out_len = (size_t)got - padding;
    free(clean);
    return out;
}
