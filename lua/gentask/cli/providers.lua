-- gentask.cli.providers — what the command knows of a provider comes from its profile
-- (lua/gentask/providers/NAME.lua): the variable its key is read from, the parameter an input
-- image goes in. The command keeps only the list of built-in names, in the order its help lists them.

local providers = {}

providers.built_in = {
  "bfl", "foxapi", "flora", "modelslab", "apixo",
  "replicate", "fal", "runway", "luma", "ideogram",
  "minimax", "veo", "openrouter", "higgsfield", "kling",
}

--- The profile of the provider named name, or nil when there is none.
function providers.profile(name)
  if type(name) ~= "string" or not name:match("^[%w_]+$") then return nil end
  local ok, profile = pcall(require, "gentask.providers." .. name)
  if ok and type(profile) == "table" then return profile end
  return nil
end

--- The variable that holds name's key: its profile's key_env, else NAME_API_KEY (gentask.keys
-- decides, for the command and for Neovim alike).
providers.key_env = require("gentask.keys").variable

--- The parameter name's input image goes in: its profile's input_image_param, else "image".
function providers.input_image_param(name)
  local profile = providers.profile(name)
  return profile and profile.input_image_param or "image"
end

--- Whether name's auth signs tokens (its profile's auth.jwt, Kling): under --sim its client is given
-- the simulator's test secret.
function providers.signs_tokens(name)
  local profile = providers.profile(name)
  return profile ~= nil and type(profile.auth) == "table" and profile.auth.jwt ~= nil
end

--- The built-in providers' key variables, for the help: "A, B or C".
function providers.key_envs_text()
  local names = {}
  for i, name in ipairs(providers.built_in) do names[i] = providers.key_env(name) end
  return table.concat(names, ", ", 1, #names - 1) .. " or " .. names[#names]
end

return providers
