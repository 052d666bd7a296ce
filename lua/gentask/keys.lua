-- gentask.keys — where a program built on gentask finds a provider's API key when no script hands
-- it over: the variable the provider's profile names (key_env: FOXAPI_API_KEY, BFL_API_KEY, …) or a
-- key file that only its owner may read (as ssh refuses a private key others can read). The
-- command (gentask.cli.keys), :checkhealth gentask (gentask.health) and the Neovim example plugin
-- all read keys here, so that a key set up for one is found by the others.
--
-- A key is returned to be handed to gentask.client, never shown: what says where it was found
-- names the variable or the file, never the key.

local core = require "gentask.core"

local keys = {}

local MAX_KEY_FILE_BYTES = 64 * 1024   -- keys are short: anything larger is not a key file

--- The variable that holds provider's key: its profile's key_env, else NAME_API_KEY.
function keys.variable(provider)
  local ok, profile = false, nil
  if type(provider) == "string" and provider:match("^[%w_]+$") then
    ok, profile = pcall(require, "gentask.providers." .. provider)
  end
  if ok and type(profile) == "table" and type(profile.key_env) == "string" then return profile.key_env end
  return (tostring(provider):upper():gsub("[^%w]", "_")) .. "_API_KEY"
end

--- The key in the key file path (its first line, trimmed), or nil and why (naming provider).
function keys.read_file(provider, path)
  local text, why = core.read_private_file(path, MAX_KEY_FILE_BYTES)
  if not text then return nil, ("the key file for %s: %s"):format(provider, why) end
  local key = text:match("^%s*([^\r\n]-)%s*\n") or text:match("^%s*(.-)%s*$")
  if key == "" then return nil, "the key file " .. path .. " is empty" end
  return key
end

--- The key in provider's variable and the variable's name; nil and the name when it is unset or empty.
function keys.from_env(provider)
  local name = keys.variable(provider)
  local key = os.getenv(name)
  if not key or key == "" then return nil, name end
  return key, name
end

--- provider's key from key_file when given, else from its variable: the key and where it was
-- found ("$FOXAPI_API_KEY", "the key file PATH"); or nil, why, and the variable that was looked at.
function keys.find(provider, key_file)
  if key_file then
    local key, why = keys.read_file(provider, key_file)
    if not key then return nil, why end
    return key, "the key file " .. key_file
  end
  local key, name = keys.from_env(provider)
  if not key then return nil, ("no key for %s: %s is not set"):format(provider, name), name end
  return key, "$" .. name
end

return keys
