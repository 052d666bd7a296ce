-- gentask.cli.settings — each provider's client settings for a command: its key (gentask.cli.keys)
-- and its address. --key-file and --base-url without a prefix are the batch's own provider's
-- (-p): a mixed batch's other providers keep their own addresses and keys unless one is given as
-- PROVIDER=VALUE, so a key never goes to another provider's URL.

local fail = require "gentask.cli.fail"
local keys = require "gentask.cli.keys"
local providers = require "gentask.cli.providers"
local sim = require "gentask.cli.sim"

local settings = {}

-- A value given PROVIDER=VALUE: the provider when the part before '=' is a plain name (a URL or
-- a path with '/' or ':' before any '=' is taken whole).
local function split(value)
  local provider, rest = value:match("^([%w_%-]+)=(.+)$")
  if provider then return provider:lower(), rest end
  return nil, value
end

--- { [provider] = value } from the repeatable option's values; default_provider takes the
-- values without a prefix. nil and why when two values name one provider.
function settings.by_provider(values, default_provider, option)
  local map = {}
  for _, value in ipairs(values or {}) do
    local provider, rest = split(value)
    provider = provider or default_provider
    if not provider then return nil, option .. " needs -p PROVIDER, or PROVIDER=VALUE" end
    if map[provider] then return nil, ("%s is given twice for %s"):format(option, provider) end
    map[provider] = rest
  end
  return map
end

--- The addresses a recorded batch (command: its record's command) sends to: the recorded ones, a
-- --base-url given now taking the place of its provider's. Raises a usage stop on a bad value.
function settings.recorded_addresses(command, given_values)
  local recorded = command.base_urls
  -- a record of an earlier gentask kept one base_url, for its own provider
  if type(recorded) ~= "table" then
    recorded = type(command.base_url) == "string" and { [command.provider] = command.base_url } or {}
  end
  local given, why = settings.by_provider(given_values, command.provider, "--base-url")
  if not given then fail.usage(why) end
  for provider, url in pairs(given) do recorded[provider] = url end
  return recorded
end

--- Stops with a usage error unless timeout (--timeout, given now or recorded by a batch) is nil or a
-- number of seconds above 0.
function settings.check_timeout(timeout)
  if timeout ~= nil and not (type(timeout) == "number" and timeout > 0) then
    fail.usage "--timeout wants a number of seconds, more than 0"
  end
end

--- A function provider → client options ({ api_key, base_url }) or nil and why.
-- key_files, base_urls: by_provider maps; server: the --sim simulator or nil.
function settings.client_for(key_files, base_urls, server)
  return function(provider)
    if server then
      -- a provider that signs tokens gets the simulator's own test secret, never a user's
      local secret_file = providers.signs_tokens(provider) and server.secret_file or nil
      -- polled every quarter second: the simulator is on this machine, and a demo or a spec
      -- need not wait a production-sized second per poll
      return { api_key = sim.key, base_url = server.url .. "/" .. provider, secret_file = secret_file,
               poll_interval = 0.25, poll_max_interval = 1 }
    end
    local key, why = keys.find(provider, key_files[provider])
    if not key then return nil, why end
    local url = base_urls[provider]
    return { api_key = key, base_url = url and url:gsub("/+$", "") or nil }
  end
end

return settings
