---@meta gentask.keys
-- gentask.keys: where a program finds a provider's API key when no script hands it over
-- (lua/gentask/keys.lua): the variable the provider's profile names, or a key file only its
-- owner may read. The command, :checkhealth gentask and the Neovim example read keys here.

---@class gentask.keys
local keys = {}

---The variable that holds provider's key: its profile's key_env, else NAME_API_KEY.
---@param provider string
---@return string
function keys.variable(provider) end

---The key in the key file path (its first line, trimmed), or nil and why.
---@param provider string
---@param path string
---@return string|nil key
---@return string|nil why
function keys.read_file(provider, path) end

---The key in provider's variable and the variable's name; nil and the name when unset or empty.
---@param provider string
---@return string|nil key
---@return string variable
function keys.from_env(provider) end

---provider's key from key_file when given, else from its variable: the key and where it was
---found (the variable's or the file's name, never the key); nil, why and the variable looked at
---when there is none.
---@param provider string
---@param key_file? string
---@return string|nil key
---@return string where_or_why
---@return string|nil variable
function keys.find(provider, key_file) end

return keys
