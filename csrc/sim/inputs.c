#include "inputs.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"

/* NULL when text is not base64 (EVP_DecodeBlock counts '=' padding as bytes: taken off here). */
static unsigned char *decode_base64(const char *text, size_t *length)
{
    size_t n = strlen(text);
    if (n == 0 || n % 4 != 0) return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    int got = out ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : -1;
    if (got < 0) {
        free(out);
        return NULL;
    }
    *length = (size_t)got - (text[n - 1] == '=') - (text[n - 2] == '=');
    return out;
}

static const char *image_type(const unsigned char *bytes, size_t n)
{
    if (n >= 8 && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    if (n >= 3 && memcmp(bytes, "\xff\xd8\xff", 3) == 0) return "image/jpeg";
    if (n >= 12 && memcmp(bytes, "RIFF", 4) == 0 && memcmp(bytes + 8, "WEBP", 4) == 0) return "image/webp";
    if (n >= 6 && memcmp(bytes, "GIF8", 4) == 0) return "image/gif";
    return NULL;
}

/* BFL documents base64 images under these names (input_image, input_image_2 …, image_prompt). */
static bool base64_field(const char *name)
{
    return name && (strncmp(name, "input_image", 11) == 0 || strcmp(name, "image_prompt") == 0);
}

static bool check_one(const char *field, const char *value, cJSON *found, char *problem)
{
    const char *form = "base64", *declared = NULL, *payload = value;
    char type[64] = "";
    if (strncmp(value, "data:", 5) == 0) {
        const char *marker = strstr(value, ";base64,");
        if (!marker || (size_t)(marker - value - 5) >= sizeof type) {
            snprintf(problem, INPUT_PROBLEM_MAX, "%s: a data URI must be data:TYPE;base64,DATA", field);
            return false;
        }
        memcpy(type, value + 5, (size_t)(marker - value - 5));
        declared = type;
        form = "data_uri";
        payload = marker + 8;
    } else if (strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0) {
        return true; /* a URL: the provider fetches it itself */
    }
    size_t length = 0;
    unsigned char *bytes = decode_base64(payload, &length);
    const char *actual = bytes ? image_type(bytes, length) : NULL;
    if (!actual || (declared && strcmp(declared, actual) != 0)) {
        snprintf(problem, INPUT_PROBLEM_MAX, "%s: not a %s image in base64", field,
                 declared ? declared : "PNG, JPEG, WebP or GIF");
        free(bytes);
        return false;
    }
    char sha256[65];
    png_sha256_hex(bytes, length, sha256);
    free(bytes);
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "field", field);
    cJSON_AddStringToObject(entry, "form", form);
    cJSON_AddStringToObject(entry, "type", actual);
    cJSON_AddNumberToObject(entry, "bytes", (double)length);
    cJSON_AddStringToObject(entry, "sha256", sha256);
    cJSON_AddItemToArray(found, entry);
    return true;
}

static bool walk(const cJSON *item, const char *field, cJSON *found, char *problem)
{
    if (cJSON_IsString(item)) {
        bool inline_file = strncmp(item->valuestring, "data:", 5) == 0 || base64_field(field);
        return !inline_file || check_one(field ? field : "(value)", item->valuestring, found, problem);
    }
    const cJSON *child;
    cJSON_ArrayForEach(child, item)
    {
        if (!walk(child, cJSON_IsObject(item) ? child->string : field, found, problem)) return false;
    }
    return true;
}

bool inputs_read(const cJSON *body, cJSON *found, char *problem)
{
    return walk(body, NULL, found, problem);
}
