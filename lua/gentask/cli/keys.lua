-- gentask.cli.keys — where the command finds a provider's API key: the provider's environment
-- variable (its profile's key_env) or a file named by --key-file, never a command-line argument
-- (ps shows those to every user of the machine). A key file others could read is refused, as ssh
-- refuses such a private key. A --sim run uses the simulator's own test key.

local core = require "gentask.core"
local providers = require "gentask.cli.providers"

local keys = {}

--- The key for provider: from key_file when given, else from its variable; nil and why otherwise.
function keys.find(provider, key_file)
  if key_file then
    local text, why = core.read_private_file(key_file, 64 * 1024) -- keys are short
    if not text then return nil, ("the key file for %s: %s"):format(provider, why) end
    local key = text:match("^%s*([^\r\n]-)%s*\n") or text:match("^%s*(.-)%s*$")
    if key == "" then return nil, "the key file " .. key_file .. " is empty" end
    return key
  end
  local name = providers.key_env(provider)
  local key = os.getenv(name)
  if not key or key == "" then
    return nil, ("no key for %s: set %s, give --key-file FILE, or try --sim"):format(provider, name)
  end
  return key
end

return keys
