/* The result URLs every dialect hands out point here, so that a client can download what it was
 * given without leaving the machine. */
#include <string.h>

#include "reply.h"
#include "request.h"
#include "routes.h"
#include "store.h"

/* A 1x1 transparent RGBA PNG: the smallest file an image decoder accepts as real. */
static const unsigned char tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00,
    0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x00, 0x02, 0x00, 0x00, 0x05, 0x00,
    0x01, 0xe9, 0xfa, 0xdc, 0xd8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static bool ends_with(const char *text, const char *suffix)
{
    size_t text_length = strlen(text), suffix_length = strlen(suffix);
    return text_length >= suffix_length && strcmp(text + text_length - suffix_length, suffix) == 0;
}

enum MHD_Result files_handle(struct request *request, const char *subpath)
{
    if (strlen(subpath) <= strlen("/.png") || !ends_with(subpath, ".png")) return reply_not_found(request);
    if (!request_method_is(request, MHD_HTTP_METHOD_GET)) return reply_method_not_allowed(request, "GET, HEAD");
    store_count_download(request->sim->store);
    return reply_static(request->connection, MHD_HTTP_OK, "image/png", tiny_png, sizeof tiny_png);
}
