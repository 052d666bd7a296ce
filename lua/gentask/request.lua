-- gentask.request — what provider profiles' request functions share.

local request = {}

--- A shallow copy of params, so a profile can add and remove fields without touching the caller's.
function request.copy(params)
  local body = {}
  for k, v in pairs(params) do body[k] = v end
  return body
end

--- A model or technique name goes into a URL path: only plain names are accepted.
function request.path_segment(name, what)
  if type(name) ~= "string" or not name:match("^[%w][%w%.%-_:]*$") then
    error(("%s must be a plain name (letters, digits, . - _ :), got %q"):format(what, tostring(name)), 0)
  end
  return name
end

local seeded = false

--- A fresh idempotency key: 32 hex digits. Not a secret, only unique per submit.
function request.idempotency_key()
  if not seeded then
    math.randomseed(os.time() + math.floor((os.clock() * 1e6) % 1e6))
    seeded = true
  end
  local parts = {}
  for i = 1, 4 do parts[i] = ("%08x"):format(math.random(0, 0x7fffffff)) end
  return "gentask-" .. table.concat(parts)
end

return request
