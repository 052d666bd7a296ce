/* files.c — files on the caller's disk: core.write_file(path, bytes [, mode]), the core's
 * gt_write_file for the command's own files (the contact sheet, the batch record), which hold
 * prompts and signed URLs; core.read_private_file(path, max_bytes), for a key file and a batch
 * record, refused when another user could read or write it; core.file_is(path, bytes, sha256),
 * whether a saved result is still whole; core.sha256(bytes). */
#include "binding.h"

/* core.write_file(path, bytes [, mode = 0600, i.e. 384]) → true | nil, why */
static int write_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *bytes = luaL_checklstring(L, 2, &len);
    lua_Number mode = luaL_optnumber(L, 3, 0600);
    /* Lua writes no octal: 600 (decimal) is the likely mistake for 0600, and is refused */
    if (mode < 0 || mode > 0777 || mode != (lua_Number)(unsigned)mode)
        return luaL_argerror(L, 3, "a mode is a whole number from 0 to 511 (0777): tonumber(\"600\", 8) is 0600");
    char *why = NULL;
    bool written = gt_write_file(path, bytes, len, (unsigned)mode, &why);
    return gt_lua_push_outcome(L, written, why);
}

/* core.read_private_file(path, max_bytes) → text | nil, why */
static int read_private_file(lua_State *L)
{
    char *why = NULL;
    lua_Integer max = luaL_checkinteger(L, 2);
    luaL_argcheck(L, max > 0, 2, "max_bytes must be positive");
    char *text = gt_read_private_file(luaL_checkstring(L, 1), (size_t)max, &why);
    if (!text) return gt_lua_push_why_not(L, why);
    lua_pushstring(L, text);
    gt_secret_free(text);
    return 1;
}

/* core.file_is(path, bytes, sha256) → whether path is a regular file (not a symlink) of that size
 * and SHA-256: a result saved earlier, still whole */
static int file_is(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Number bytes = luaL_checknumber(L, 2);
    const char *sha256 = luaL_checkstring(L, 3);
    lua_pushboolean(L, bytes >= 0 && gt_file_on_disk_is(path, (uint64_t)bytes, sha256));
    return 1;
}

/* core.sha256(bytes) → lowercase hex */
static int sha256(lua_State *L)
{
    return gt_lua_push_encoded(L, gt_sha256_hex, "gentask: SHA-256 failed (out of memory?)");
}

void gt_lua_open_files(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"file_is", file_is}, {"sha256", sha256}, {"write_file", write_file}, {"read_private_file", read_private_file},
        {NULL, NULL},
    };
    gt_setfuncs(L, functions);
}
