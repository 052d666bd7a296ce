-- Webhook schemes beyond BFL's hex HMAC, each checked in C on the raw body: Standard Webhooks
-- (Replicate), OpenRouter's t=,v1= header ("t_v1") and Ed25519 against a provider's published
-- keys (fal). The simulator signs every delivery here (POST /_sim/sign?scheme=…): a spec computes
-- no signature of its own. A forged, stale, replayed or oversized delivery is refused with a typed
-- error and changes nothing; the secret never shows.
local gentask = require "gentask"
local cjson = require "cjson"
local http = require "socket.http"
local ltn12 = require "ltn12"
local Sim = require "support.sim"
local webhook_receiver = require "support.webhook_receiver"

-- Standard Webhooks secrets: "whsec_" and base64 (the bytes are the HMAC key)
local SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
local OTHER_SECRET = "whsec_dGhlIG90aGVyIGNsaWVudCdzIGtleSE="
local MAX_BODY = gentask.webhook_max_body

-- The simulator's signature headers for body: POST /_sim/sign with query, the secret (if any) in a
-- header over loopback, never on a command line.
local function sim_sign(sim, query, body, secret)
  local chunks = {}
  local headers = { ["content-length"] = #body }
  if secret then headers["x-sim-secret"] = secret end
  local _, status = http.request {
    method = "POST", url = sim.admin_url .. "/_sim/sign?" .. query, source = ltn12.source.string(body),
    headers = headers, sink = ltn12.sink.table(chunks),
  }
  assert(status == 200, "POST /_sim/sign answered " .. tostring(status) .. ": " .. table.concat(chunks))
  return cjson.decode(table.concat(chunks))
end

local function standard_headers(sim, secret, id, timestamp, body)
  return sim_sign(sim, ("scheme=standard&id=%s&timestamp=%d"):format(id, timestamp), body, secret)
end

local until_true = Sim.until_true

-- BFL's profile, signing as the scheme says: the simulator's BFL dialect takes the webhook_url and
-- pushes the poll answer; the spec signs it in that scheme through the simulator
local function profile_with(webhook)
  return Sim.profile_with("bfl", { webhook = webhook })
end

-- A task the simulator holds for 5 s, once it took it.
local function waiting_task(client)
  local task = client:submit("flux-dev", { prompt = "waits [duration=5000]" })
  assert.is_true(until_true(function() return task.id ~= nil end, 2), "the provider never took the task")
  return task
end

local function ready_body(id)
  return ('{"id":"%s","status":"Ready","result":{"sample":"http://127.0.0.1:9/x.png"}}'):format(id)
end

-- body (JSON) padded to one byte over the largest delivery the engine reads
local function oversized(body)
  local head = body:sub(1, -2) .. ',"pad":"'
  return head .. ("x"):rep(MAX_BODY + 1 - #head - 2) .. '"}'
end

-- a copy of headers with one of them changed (nil: left out)
local function with_header(headers, name, value)
  local copy = {}
  for k, v in pairs(headers) do copy[k] = v end
  copy[name] = value
  return copy
end

-- refused deliveries changed nothing: the task still waits for its provider
local function assert_still_waiting(task)
  assert.is_false(task.done)
  assert.equal("waiting", task.state)
  task:cancel()
end

local function assert_refused(code, kind, ok, err)
  assert.is_nil(ok)
  assert.equal(kind or "authentication", err.kind)
  assert.equal("webhook", err.phase)
  assert.equal(code, err.code)
end

-- every string of an error, recursively
local function error_texts(err, out)
  out = out or { tostring(err) }
  for k, v in pairs(err) do
    out[#out + 1] = tostring(k)
    if type(v) == "table" then error_texts(v, out) else out[#out + 1] = tostring(v) end
  end
  return out
end

describe("webhook schemes", function()
  local sim, hooks
  setup(function()
    sim = Sim.start "--duration-ms 5000"
    hooks = webhook_receiver()
  end)
  teardown(function()
    hooks.close()
    sim:stop()
  end)
  before_each(function() sim:reset() end)

  describe("Standard Webhooks", function()
    local function standard_client(webhook_extra, opts)
      local webhook = { url_field = "webhook_url", scheme = "standard" }
      for k, v in pairs(webhook_extra or {}) do webhook[k] = v end
      local o = { webhook_url = hooks.url, webhook_secret = SECRET, poll_interval = 0.2, poll_max_interval = 0.2 }
      for k, v in pairs(opts or {}) do o[k] = v end
      return sim:client(profile_with(webhook), o)
    end

    it("a delivery the simulator pushed, signed in the scheme, ends the task before its next poll", function()
      local client = standard_client()
      local task, delivery
      gentask.run(function()
        task = client:submit("flux-dev", { prompt = "pushed [duration=300]" })
        gentask.spawn(function()
          local received = hooks.next()
          local headers = standard_headers(sim, SECRET, "msg_pushed_1", os.time(), received.body)
          delivery = assert(client:webhook { headers = headers, body = received.body })
        end)
        task:wait()
      end)
      assert.is_true(delivery.verified)
      assert.equal(task, delivery.task)
      assert.equal("succeeded", task.state)
      assert.equal(0, sim:stats(true).tasks[task.id].polls)
    end)

    it("any one v1 signature of the list is enough; a secret given without whsec_ is read the same", function()
      local client = standard_client(nil, { webhook_secret = SECRET:sub(7) })
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local headers = standard_headers(sim, SECRET, "msg_list", os.time(), body)
      local other = standard_headers(sim, OTHER_SECRET, "msg_list", os.time(), body)
      headers["webhook-signature"] = "v1a,c2lnbmVk " .. other["webhook-signature"] .. " " .. headers["webhook-signature"]
      local delivery = assert(client:webhook { headers = headers, body = body })
      assert.is_true(delivery.verified)
      assert.equal("succeeded", task.state)
    end)

    it("a verified delivery that is no end (a state the profile does not know) is news: the task polls at once",
      function()
        local client = standard_client(nil, { webhook_poll_factor = 1000 })
        local task = waiting_task(client)
        local polls = sim:stats(true).tasks[task.id].polls
        local body = ('{"id":"%s","status":"SomethingNew"}'):format(task.id)
        local delivery = assert(client:webhook { headers = standard_headers(sim, SECRET, "msg_news", os.time(), body),
                                                 body = body })
        assert.is_true(delivery.verified)
        assert.is_false(task.done)
        assert.is_true(until_true(function() return sim:stats(true).tasks[task.id].polls > polls end, 5),
                       "no poll followed the news")
        task:cancel()
      end)

    it("a forged delivery is refused, typed, and the task goes on untouched", function()
      local client = standard_client()
      local task = waiting_task(client)
      local body = ready_body(task.id)
      -- signed with another client's secret
      local forged = standard_headers(sim, OTHER_SECRET, "msg_forged", os.time(), body)
      assert_refused("webhook_signature_invalid", nil, client:webhook { headers = forged, body = body })
      -- signed rightly, then the body changed
      local signed = standard_headers(sim, SECRET, "msg_forged_2", os.time(), body)
      assert_refused("webhook_signature_invalid", nil,
                     client:webhook { headers = signed, body = body:gsub("x%.png", "evil.png") })
      -- the id or timestamp changed: they are signed too
      local moved = with_header(signed, "webhook-id", "msg_other")
      assert_refused("webhook_signature_invalid", nil, client:webhook { headers = moved, body = body })
      -- a header missing
      signed["webhook-timestamp"] = nil
      assert_refused("webhook_signature_missing", nil, client:webhook { headers = signed, body = body })
      assert_still_waiting(task)
    end)

    it("a replayed delivery is refused: the same webhook-id twice within the window", function()
      local client = standard_client()
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local headers = standard_headers(sim, SECRET, "msg_once", os.time(), body)
      assert(client:webhook { headers = headers, body = body })
      assert.equal("succeeded", task.state)
      assert_refused("webhook_replayed", nil, client:webhook { headers = headers, body = body })
      -- header names are case-insensitive: the replay is caught however they are spelled
      local shouted = {}
      for k, v in pairs(headers) do shouted[k:upper()] = v end
      assert_refused("webhook_replayed", nil, client:webhook { headers = shouted, body = body })
    end)

    it("a stale delivery is refused: its timestamp outside the profile's tolerance", function()
      local client = standard_client { tolerance = 60 }
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local old = standard_headers(sim, SECRET, "msg_old", os.time() - 3600, body)
      assert_refused("webhook_stale", nil, client:webhook { headers = old, body = body })
      local future = standard_headers(sim, SECRET, "msg_future", os.time() + 3600, body)
      assert_refused("webhook_stale", nil, client:webhook { headers = future, body = body })
      local junk = standard_headers(sim, SECRET, "msg_junk", 0, body)
      assert_refused("webhook_timestamp_invalid", nil, client:webhook { headers = junk, body = body })
      assert_still_waiting(task)
    end)

    it("an oversized body is refused before it is read", function()
      local client = standard_client()
      local task = waiting_task(client)
      local over = oversized(ready_body(task.id))
      assert.equal(MAX_BODY + 1, #over)
      local headers = { ["webhook-id"] = "msg_big", ["webhook-timestamp"] = tostring(os.time()),
                        ["webhook-signature"] = "v1," .. ("A"):rep(43) .. "=" }
      local ok, err = client:webhook { headers = headers, body = over }
      assert_refused("webhook_body_too_large", "invalid_request", ok, err)
      assert.is_false(task.done)
      task:cancel()
    end)

    it("profile fields are checked when the client is made", function()
      local bad = {
        { scheme = "hmac-sha512" }, { scheme = 7 }, { scheme = "standard", tolerance = 0 },
        { scheme = "standard", tolerance = "300" }, { scheme = "standard", tolerance = 1e9 },
      }
      for _, webhook in ipairs(bad) do
        webhook.url_field = "webhook_url"
        local ok, err = pcall(sim.client, sim, profile_with(webhook), { webhook_url = hooks.url })
        assert.is_false(ok)
        assert.equal("usage", err.kind, tostring(err))
      end
    end)

    it("never shows the secret: not in a refusal, nor in the error for a secret that is not base64", function()
      local client = standard_client()
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local texts = {}
      local forged = standard_headers(sim, OTHER_SECRET, "msg_leak", os.time(), body)
      local _, err = client:webhook { headers = forged, body = body }
      error_texts(err, texts)
      local headers = standard_headers(sim, SECRET, "msg_leak_2", os.time(), body)
      assert(client:webhook { headers = headers, body = body })
      _, err = client:webhook { headers = headers, body = body }
      error_texts(err, texts)
      _, err = client:webhook { headers = standard_headers(sim, SECRET, "msg_leak_3", os.time() - 3600, body),
                                body = body }
      error_texts(err, texts)
      -- a verified body that spells the key (the secret after whsec_): masked in what is read back
      local echo = ('{"id":"%s","status":"Ready","result":{"sample":"http://127.0.0.1:9/%s.png"}}')
        :format(task.id, SECRET:sub(7))
      local echoed = assert(client:webhook { headers = standard_headers(sim, SECRET, "msg_echo", os.time(), echo),
                                             body = echo })
      texts[#texts + 1] = cjson.encode(echoed.urls or {})
      texts[#texts + 1] = tostring(echoed.raw and cjson.encode(echoed.raw))
      local not_base64 = "whsec_not*base64*at*all"
      local ok, creation = pcall(standard_client, nil, { webhook_secret = not_base64 })
      assert.is_false(ok)
      assert.equal("usage", creation.kind)
      error_texts(creation, texts)
      texts[#texts + 1] = tostring(client)
      for _, text in ipairs(texts) do
        for _, secret in ipairs { SECRET, SECRET:sub(7), not_base64, not_base64:sub(7) } do
          assert.is_nil(text:find(secret, 1, true), text)
        end
      end
    end)
  end)

  describe("t_v1: OpenRouter's t=<time>,v1=<hex> signature", function()
    -- OpenRouter's workspace signing secret: its bytes are the key, as they are
    local OR_SECRET = "or-signing/secret+0042"
    local OR_OTHER = "another-workspace-secret"
    local HEADER = "x-openrouter-signature"

    local function t_v1_client(webhook_extra, opts)
      local webhook = { url_field = "webhook_url", scheme = "t_v1", signature_header = "X-OpenRouter-Signature" }
      for k, v in pairs(webhook_extra or {}) do webhook[k] = v end
      local o = { webhook_url = hooks.url, webhook_secret = OR_SECRET, poll_interval = 0.2, poll_max_interval = 0.2 }
      for k, v in pairs(opts or {}) do o[k] = v end
      return sim:client(profile_with(webhook), o)
    end

    local function t_v1_headers(secret, timestamp, body)
      return sim_sign(sim, "scheme=t_v1&timestamp=" .. timestamp, body, secret)
    end

    it("a delivery the simulator pushed, signed in the scheme, ends the task before its next poll", function()
      local client = t_v1_client()
      local task, delivery
      gentask.run(function()
        task = client:submit("flux-dev", { prompt = "pushed [duration=300]" })
        gentask.spawn(function()
          local received = hooks.next()
          delivery = assert(client:webhook { headers = t_v1_headers(OR_SECRET, os.time(), received.body),
                                             body = received.body })
        end)
        task:wait()
      end)
      assert.is_true(delivery.verified)
      assert.equal(task, delivery.task)
      assert.equal("succeeded", task.state)
      assert.equal(0, sim:stats(true).tasks[task.id].polls)
    end)

    it("forged, replayed, stale, malformed and oversized deliveries are refused, typed, the task untouched",
      function()
        local client = t_v1_client { tolerance = 60 }
        local task = waiting_task(client)
        local body = ready_body(task.id)
        local signed = t_v1_headers(OR_SECRET, os.time(), body)
        assert_refused("webhook_signature_invalid", nil,
                       client:webhook { headers = t_v1_headers(OR_OTHER, os.time(), body), body = body })
        assert_refused("webhook_signature_invalid", nil,
                       client:webhook { headers = signed, body = body:gsub("x%.png", "evil.png") })
        -- the time is signed too
        local moved = { [HEADER] = signed[HEADER]:gsub("^t=(%d+)", function(t) return "t=" .. (t + 1) end) }
        assert_refused("webhook_signature_invalid", nil, client:webhook { headers = moved, body = body })
        for _, malformed in ipairs { "v1=" .. ("a"):rep(64), "t=12x4,v1=" .. ("a"):rep(64), "t=1,t=2,v1=ab",
                                     "t=" .. os.time() } do
          assert_refused("webhook_signature_invalid", nil, client:webhook { headers = { [HEADER] = malformed },
                                                                             body = body })
        end
        assert_refused("webhook_signature_missing", nil, client:webhook { headers = {}, body = body })
        assert_refused("webhook_stale", nil,
                       client:webhook { headers = t_v1_headers(OR_SECRET, os.time() - 3600, body), body = body })
        local over = oversized(body)
        assert_refused("webhook_body_too_large", "invalid_request", client:webhook { headers = signed, body = over })
        assert.is_false(task.done)
        -- any one v1 of the list, upper-case hex too; then the same delivery again is a replay
        local v1 = signed[HEADER]:match "v1=(%x+)"
        local listed = { [HEADER] = signed[HEADER]:gsub("v1=%x+", "v0=zz, v1=" .. ("0"):rep(64) .. ",v1=" ..
          v1:upper()) }
        local delivery = assert(client:webhook { headers = listed, body = body })
        assert.is_true(delivery.verified)
        assert.equal("succeeded", task.state)
        assert_refused("webhook_replayed", nil, client:webhook { headers = signed, body = body })
      end)

    it("an id_header is accepted once besides the signature, which a changed header cannot make new", function()
      local client = t_v1_client { id_header = "X-OpenRouter-Idempotency-Key" }
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local signed = t_v1_headers(OR_SECRET, os.time(), body)
      signed["x-openrouter-idempotency-key"] = task.id .. "-completed"
      assert(client:webhook { headers = signed, body = body })
      assert.equal("succeeded", task.state)
      -- the provider's resend: signed anew, the same key
      local resent = t_v1_headers(OR_SECRET, os.time() + 1, body)
      resent["x-openrouter-idempotency-key"] = task.id .. "-completed"
      assert_refused("webhook_replayed", nil, client:webhook { headers = resent, body = body })
      -- a captured one with the unsigned key changed: its signature was seen
      signed["x-openrouter-idempotency-key"] = "something-new"
      assert_refused("webhook_replayed", nil, client:webhook { headers = signed, body = body })
    end)

    it("profile fields are checked when the client is made, and the secret shows nowhere", function()
      local ok, err = pcall(sim.client, sim, profile_with { url_field = "webhook_url", scheme = "t_v1" },
                            { webhook_url = hooks.url })
      assert.is_false(ok)
      assert.equal("usage", err.kind)
      assert.truthy(tostring(err):find("signature_header", 1, true))
      local client = t_v1_client()
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local texts = { tostring(client) }
      local _, refused = client:webhook { headers = t_v1_headers(OR_OTHER, os.time(), body), body = body }
      error_texts(refused, texts)
      local echo = ('{"id":"%s","status":"Ready","result":{"sample":"http://127.0.0.1:9/%s.png"}}')
        :format(task.id, OR_SECRET)
      local echoed = assert(client:webhook { headers = t_v1_headers(OR_SECRET, os.time(), echo), body = echo })
      texts[#texts + 1] = cjson.encode(echoed.urls or {})
      texts[#texts + 1] = tostring(echoed.raw and cjson.encode(echoed.raw))
      for _, text in ipairs(texts) do assert.is_nil(text:find(OR_SECRET, 1, true), text) end
    end)
  end)

  describe("Ed25519 with the provider's published keys (fal)", function()
    local FAL_WEBHOOK = {
      url_field = "webhook_url", scheme = "ed25519", keys_url = "https://rest.alpha.fal.ai/.well-known/jwks.json",
      signature_header = "x-fal-webhook-signature",
      signed_headers = { "x-fal-webhook-request-id", "x-fal-webhook-user-id", "x-fal-webhook-timestamp" },
      id_header = "x-fal-webhook-request-id", timestamp_header = "x-fal-webhook-timestamp",
    }
    local function fal_client(opts)
      local o = { webhook_url = hooks.url, webhook_keys_url = sim.admin_url .. "/_sim/jwks.json",
                  poll_interval = 0.2, poll_max_interval = 0.2 }
      for k, v in pairs(opts or {}) do o[k] = v end
      if o.webhook_url == false then o.webhook_url = nil end
      return sim:client(profile_with(FAL_WEBHOOK), o)
    end
    local function fal_headers(request_id, timestamp, body)
      return sim_sign(sim, ("scheme=ed25519&request_id=%s&user_id=user-7&timestamp=%d"):format(request_id, timestamp),
                      body)
    end
    -- hands the delivery over until the keys are here (each refusal before then is retryable)
    local function deliver_once_keys_are_here(client, delivery)
      local ok, err
      assert.is_true(until_true(function()
        ok, err = client:webhook(delivery)
        return ok ~= nil or err.code ~= "webhook_keys_unavailable"
      end, 10), "the keys never came")
      return ok, err
    end

    it("a delivery the simulator pushed and signed ends the task; the keys were fetched when the client was made",
       function()
      local client = fal_client()
      local task, delivery
      gentask.run(function()
        task = client:submit("flux-dev", { prompt = "pushed [duration=300]" })
        gentask.spawn(function()
          local received = hooks.next()
          local headers = fal_headers("req-pushed-1", os.time(), received.body)
          delivery = assert(client:webhook { headers = headers, body = received.body })
        end)
        task:wait()
      end)
      assert.is_true(delivery.verified)
      assert.equal(task, delivery.task)
      assert.equal("succeeded", task.state)
      assert.equal(0, sim:stats(true).tasks[task.id].polls)
    end)

    it("a delivery before the keys are fetched is refused as unavailable, retryable; once they are, it is taken",
       function()
      -- no webhook_url: the keys are fetched on the first delivery, not when the client is made
      local client = fal_client { webhook_url = false }
      local asked = fal_client()
      local task = waiting_task(asked)
      local body = ready_body(task.id)
      local delivery = { headers = fal_headers("req-early", os.time(), body), body = body }
      local ok, err = client:webhook(delivery)
      assert_refused("webhook_keys_unavailable", "unavailable", ok, err)
      assert.is_true(err.retryable)
      ok = deliver_once_keys_are_here(client, delivery)
      assert.is_true(ok.verified)
      -- not this client's task: handed on to the key's other clients, verified
      assert.is_nil(ok.task)
      task:cancel()
    end)

    it("a forged delivery is refused, typed, and the task goes on untouched", function()
      local client = fal_client()
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local headers = fal_headers("req-forged", os.time(), body)
      -- the body changed after signing
      local ok, err = deliver_once_keys_are_here(client,
                                                 { headers = headers, body = body:gsub("x%.png", "evil.png") })
      assert_refused("webhook_signature_invalid", nil, ok, err)
      -- a signed header changed
      local moved = with_header(headers, "x-fal-webhook-user-id", "someone-else")
      assert_refused("webhook_signature_invalid", nil, client:webhook { headers = moved, body = body })
      -- the signature not hex, or missing
      moved = with_header(headers, "x-fal-webhook-signature", ("zz"):rep(64))
      assert_refused("webhook_signature_invalid", nil, client:webhook { headers = moved, body = body })
      moved["x-fal-webhook-signature"] = nil
      assert_refused("webhook_signature_missing", nil, client:webhook { headers = moved, body = body })
      assert_still_waiting(task)
    end)

    it("replayed, stale and oversized deliveries are refused", function()
      local client = fal_client()
      local task = waiting_task(client)
      local body = ready_body(task.id)
      local stale = fal_headers("req-stale", os.time() - 3600, body)
      assert_refused("webhook_stale", nil, deliver_once_keys_are_here(client, { headers = stale, body = body }))
      local over = oversized(body)
      assert_refused("webhook_body_too_large", "invalid_request",
                     client:webhook { headers = fal_headers("req-big", os.time(), "{}"), body = over })
      assert.is_false(task.done)
      local headers = fal_headers("req-once", os.time(), body)
      assert(client:webhook { headers = headers, body = body })
      assert.equal("succeeded", task.state)
      assert_refused("webhook_replayed", nil, client:webhook { headers = headers, body = body })
    end)

    it("a key id the cache lacks with a signature no key verifies: fetched again, refused as unavailable", function()
      local webhook = { key_id_header = "x-key-id" }
      for k, v in pairs(FAL_WEBHOOK) do webhook[k] = v end
      local client = sim:client(profile_with(webhook), { webhook_url = hooks.url,
                                                              webhook_keys_url = sim.admin_url .. "/_sim/jwks.json" })
      local task = waiting_task(client)
      local body = ready_body(task.id)
      -- the keys are here once a stale delivery naming the simulator's kid is refused as stale
      local stale = fal_headers("req-kid-stale", os.time() - 3600, body)
      stale["x-key-id"] = "gentask-sim-ed25519-1"   -- the kid the simulator's JWKS document gives its key
      assert_refused("webhook_stale", nil, deliver_once_keys_are_here(client, { headers = stale, body = body }))
      -- a signature no key verifies, naming a key the cache lacks: perhaps a rotation (the keys are
      -- fetched again, at most once a minute), refused for now
      local headers = fal_headers("req-kid", os.time(), body)
      headers["x-key-id"] = "rotated-key-2"
      local tampered = body:gsub("x%.png", "evil.png")
      local ok, err = client:webhook { headers = headers, body = tampered }
      assert_refused("webhook_keys_unavailable", "unavailable", ok, err)
      assert.is_true(err.retryable)
      -- the same naming a key it has: a forgery
      headers["x-key-id"] = "gentask-sim-ed25519-1"
      assert_refused("webhook_signature_invalid", nil, client:webhook { headers = headers, body = tampered })
      -- the key id is a hint, not a limit (Ideogram): a valid signature naming an unknown key verifies
      headers["x-key-id"] = "rotated-key-2"
      assert(client:webhook { headers = headers, body = body })
      assert.equal("succeeded", task.state)
    end)

    it("profile fields are checked when the client is made: an https keys URL, signed headers", function()
      local bad = {
        { keys_url = "http://rest.alpha.fal.ai/.well-known/jwks.json" },
        { keys_url = false },
        { signed_headers = false },
        { signed_headers = { "x-a", 7 } },
      }
      for _, change in ipairs(bad) do
        local webhook = {}
        for k, v in pairs(FAL_WEBHOOK) do webhook[k] = v end
        for k, v in pairs(change) do
          if v == false then webhook[k] = nil else webhook[k] = v end
        end
        local ok, err = pcall(sim.client, sim, profile_with(webhook), {})
        assert.is_false(ok)
        assert.equal("usage", err.kind, tostring(err))
      end
    end)
  end)

  describe("FLORA's callback_url", function()
    it("a run submit carries the client's webhook_url as callback_url; the delivery is news: the task polls at once",
       function()
      local client = sim:client("flora", { webhook_url = hooks.url, poll_interval = 0.2, poll_max_interval = 0.2 })
      local task, delivery, received
      gentask.run(function()
        task = client:submit("thumbnail-v3", { prompt = "pushed [duration=300]" })
        gentask.spawn(function()
          received = hooks.next()
          delivery = assert(client:webhook(received))
        end)
        task:wait()
      end)
      assert.equal("POST /hook HTTP/1.1", received.request_line)
      -- FLORA's signature is not one gentask verifies: never trusted, only news
      assert.is_false(delivery.verified)
      assert.equal(task, delivery.task)
      assert.equal("succeeded", task.state)
      -- the fallback pace (every 2 s) would not have polled yet: the delivery's early poll ended it
      assert.equal(1, sim:stats(true).tasks[task.id].polls)
    end)

    it("a delivery in FLORA's own shape names its run at data.run_id: news for that run, never its end", function()
      local client = sim:client("flora", { webhook_url = hooks.url, poll_interval = 5, poll_max_interval = 5,
                                           webhook_poll_factor = 100 })
      local task = client:submit("thumbnail-v3", { prompt = "waits [duration=60000]" })
      assert.is_true(until_true(function() return task.id ~= nil end, 2), "the provider never took the task")
      local body = ('{"id":"whd_abc123","type":"run.completed","api_version":"2026-06-11","created_at":1,'
        .. '"data":{"run_id":"%s","run_type":"technique","status":"completed"}}'):format(task.id)
      local delivery = assert(client:webhook { headers = { ["flora-signature"] = "t=1,v1=00" }, body = body })
      assert.is_false(delivery.verified)
      assert.equal(task, delivery.task)
      assert.is_true(until_true(function() return sim:stats(true).tasks[task.id].polls >= 1 end, 5))
      assert.is_false(task.done)
      task:cancel()
    end)
  end)
end)
