-- gentask.cli.keys — where the command finds a provider's API key: the provider's environment
-- variable (its profile's key_env) or a file named by --key-file, never a command-line argument
-- (ps shows those to every user of the machine). A key file others could read is refused, as ssh
-- refuses such a private key. A --sim run uses the simulator's own test key. The reading is
-- gentask.keys', which Neovim's :checkhealth and plugin share: here are the command's words.

local shared = require "gentask.keys"

local keys = {}

--- The key for provider: from key_file when given, else from its variable; nil and why otherwise.
function keys.find(provider, key_file)
  if key_file then return shared.read_file(provider, key_file) end
  local key, name = shared.from_env(provider)
  if not key then
    return nil, ("no key for %s: set %s, give --key-file FILE, or try --sim"):format(provider, name)
  end
  return key
end

return keys
