-- fuzz/seeds.lua OUT_DIR — the fuzz targets' first corpus, from spec/vectors/: every response
-- body a vector row names, as each target reads its input (see the target's header comment).
local out_dir = assert(arg[1], "usage: lua fuzz/seeds.lua OUT_DIR")
package.path = "spec/?.lua;lua/?.lua;lua/?/init.lua;" .. package.path

local providers = { "bfl", "foxapi", "flora", "modelslab", "apixo",
                    "replicate", "fal", "runway", "luma", "ideogram", "minimax", "veo", "openrouter", "higgsfield", "kling" }
local count = 0
local function seed(target, bytes)
  count = count + 1
  os.execute(("mkdir -p %s/%s"):format(out_dir, target))
  local f = assert(io.open(("%s/%s/seed-%04d"):format(out_dir, target, count), "wb"))
  f:write(bytes)
  f:close()
end

local function bodies(vectors)
  local found = {}
  local function add(ok, body) if ok and type(body) == "string" then found[#found + 1] = body end end
  for _, row in ipairs(vectors.rows) do
    if type(row.response) == "table" then add(true, row.response.body) end
    if row.http and vectors.http_body then add(pcall(vectors.http_body, row.http, row.code, row.message)) end
    if row.fail and vectors.failed_body then add(pcall(vectors.failed_body, row.fail)) end
  end
  return found
end

for index, name in ipairs(providers) do
  local ok, vectors = pcall(require, "vectors." .. name)
  if ok then
    for _, body in ipairs(bodies(vectors)) do
      for phase = 0, 1 do
        local status = body:find("error") and 400 or 200
        seed("fuzz_classify", string.char(index - 1, phase, (status - 100) // 256, (status - 100) % 256) .. body)
      end
      seed("fuzz_jsonpath", "error.code\0" .. body)
      seed("fuzz_jsonpath", "data.resultJson{}.resultUrls[]\0" .. body)
      seed("fuzz_redact", "sk-live/VERY+secret/4242\0" .. body .. " sk%2Dlive\\u002fVERY+secret/4242")
      seed("fuzz_profile", "p id id\np state status\np results result.sample\nh *.bfl.ai\n--\n" .. body)
      if name == "bfl" then   -- a delivery is a poll answer: signed right, and signed wrong
        seed("fuzz_webhook", "\1\0" .. body)
        seed("fuzz_webhook", "\0sha256=00ff\0" .. body)
      end
    end
  end
end
-- a secret spelled again across the mask's edge: "aaaa[" in "aaaaaaaa[" once left "aaaa[REDACTED]";
-- and one spelled by two masks side by side
seed("fuzz_redact", "aaaa[\0aaaaaaaa[ and aaaa[")
seed("fuzz_redact", "D][R\0sk D][R D][R")
seed("fuzz_retry", "3\0\0\0\0\1\0\0\0\1\0\0\0\3")
seed("fuzz_retry", "Wed, 21 Oct 2015 07:28:00 GMT\0" .. "1500\0")
seed("fuzz_trust", "https://api.bfl.ai\0https://api.us1.bfl.ai/v1/get_result?id=1\0*.bfl.ai")
seed("fuzz_trust", "https://myproxy.herokuapp.com\0https://attacker.herokuapp.com/x\0api.bfl.ai")
seed("fuzz_trust", "http://127.0.0.1:8080/bfl\0/bfl/v1/get_result?id=2\0")
seed("fuzz_redis_url", "redis://10.0.0.5:6379/myapp")
seed("fuzz_redis_url", "redis://[::1]:6380/app:jobs")
seed("fuzz_redis_url", "redis:///run/redis/redis.sock/myapp")
seed("fuzz_redis_url", "redis://user:secret@127.0.0.1/x")
-- a JWKS document as fal and the simulator publish it, and Standard Webhooks deliveries (mode 1:
-- as given; mode 3: signed right, now, among the given signatures)
seed("fuzz_webhook_schemes", "\0" .. '{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig",'
  .. '"kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"RSA","n":"x","e":"AQAB"}]}')
seed("fuzz_webhook_schemes", "\1msg_1\0001700000000\0v1,AAAA v1a,BBBB v2\0" .. '{"id":"t1","status":"Ready"}')
-- a verified body spelling the secret's base64 alone (what follows whsec_): once read back unmasked
seed("fuzz_webhook_schemes", "\3m\0\0\0not json MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
seed("fuzz_webhook_schemes", "\3msg_2\0\0v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\0" .. '{"id":"t2"}')
-- OpenRouter's t=,v1= header (mode 4: as given; mode 6: a right one, now, before the given text)
seed("fuzz_webhook_schemes", "\4t=1778000000,v1=" .. ("ab"):rep(32) .. ",v0=zz\0" .. '{"id":"t3","status":"Ready"}')
seed("fuzz_webhook_schemes", "\6v1=" .. ("0"):rep(64) .. "\0" .. '{"id":"t4","status":"Ready"}')
seed("fuzz_utf8", '{"model":"flux-dev","prompt":"caf\195\169 \226\130\172 \240\159\166\138"}')
-- times (now, ttl, not_before), then claim NUL key NUL secret: Kling's shape, and a secret of NULs
seed("fuzz_jwt", "\0\0\0\0\105\90\0\0\7\8\0\5iss\0AK-access/key+1\0SK-secret")
seed("fuzz_jwt", "\255\255\255\255\255\255\255\255\255\255\255\255sub\0caf\195\169 \1\"\\\0\0\0\0")
seed("fuzz_jwt", "\0\0\0\0\0\0\0\0\0\1\0\0exp\0k\0s")
seed("fuzz_utf8", "caf\233 \237\160\128 \244\144\128\128 \192\128")   -- Latin-1, a surrogate, > U+10FFFF, overlong
-- the replay files in replay/, each with requests of its own flows and hostile ones
for name in io.popen("ls replay"):lines() do
  local f = assert(io.open("replay/" .. name, "rb"))
  local file = f:read "*a"
  f:close()
  seed("fuzz_replay_match", file .. "\0POST\0/v1/images/generations\0{\"prompt\":\"replay:rate_limited\"}\0Bearer sk-test-gentask\0")
  seed("fuzz_replay_match", file .. "\0GET\0/v1/tasks/task-unified-1-00\0\0Bearer k\0x")
  seed("fuzz_replay_match", file .. "\0GET\0/results/{id}-0.png-0.png\0\0\0")
  seed("fuzz_replay_match", file .. "\0HEAD\0" .. ("/*{id}"):rep(50) .. "\0replay:\0{key}{key}\0{id}")
end
-- a closing brace in a path with no {id}: the check once did arithmetic on a NULL pointer (found
-- by fuzz_replay_match)
seed("fuzz_replay_match", '{"name":"b","source":["https://x"],"scenarios":{"success":[{"request":{"path":"/a}"},' ..
  '"response":{"status":200}}]}}\0GET\0/a}')
-- a status beyond int's range: its conversion was undefined before the range was checked
seed("fuzz_replay_match", '{"name":"b","source":["https://x"],"scenarios":{"success":[{"request":{"path":"/a"},' ..
  '"response":{"status":4011110000000}}]}}\0GET\0/a')
print(("fuzz seeds: %d files from spec/vectors"):format(count))
