-- A provider for the specs: BFL's profile (its dialect, its price table) without the submit
-- answer's reported cost, so every cost it gives comes from the price table. The command finds it
-- as it finds any profile, gentask.providers.NAME on the module path: the cost specs put
-- spec/support/profiles/ on the path of the command they run.
local profile = {}
for k, v in pairs(require "gentask.providers.bfl") do profile[k] = v end
profile.name = "bfl_estimated"
profile.key_env = "BFL_ESTIMATED_API_KEY"
local fields = {}
for k, v in pairs(profile.fields) do fields[k] = v end
fields.cost = nil
profile.fields = fields
return profile
