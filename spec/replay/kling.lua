-- Kling's replayed flow (replay/kling.json): what its documentation says each ends as. Its auth is
-- an HS256 JWT the client signs from the access key (the simulator's key) and a secret: the
-- simulator is started checking tokens signed with its own test secret, and a token signed with
-- another secret is refused.
local host = require "support.host"

-- A private file (mode 0600, as the core wants a secret file) in the case's own directory.
local function secret_file(dir, text)
  local path = dir .. "/secret"
  host.write(path, text .. "\n")
  assert(host.sh("chmod 600 " .. host.quote(path)))
  return path
end

return {
  model = "kling-v2-6",
  sim = { jwt = true },
  client = function(sim) return { secret_file = sim.secret_file } end,
  -- a failed task carries only task_status_msg (no code of its own: docs/providers/kling.md)
  failed = { kind = "generation_failed", message = "The task could not be completed." },
  -- HTTP 400, code 1301: the content security policy, at submit
  moderated = { kind = "moderated", stage = "input", code = "1301", status = 400 },
  -- a token signed with another secret: 401, code 1002 (Authorization is invalid)
  auth = {
    client = function(_, dir) return { secret_file = secret_file(dir, "SK-not-the-simulators-secret") } end,
    kind = "authentication", status = 401, code = "1002",
  },
  -- no cancel endpoint; the results are on Kling's CDN, which takes no key
  -- the submit's callback_url; no signature documented: a delivery is news only
  webhook = { signed = false },
}
