-- Each replayed provider's documented flow, run by the real engine with the built-in profile: for
-- every replay/NAME.json named after a built-in profile, the expectations in spec/replay/NAME.lua
-- (the driver is here once; a provider's file says only what its documentation says). The
-- simulator serves the file under /NAME; a request the file does not match is a 404 and counted,
-- and every case ends by checking that none was: a missing header (a deadline, an idempotency
-- key, a version) or a wrong path fails the flow.
--
-- spec/replay/NAME.lua returns:
--   model, params        the submit (the driver adds prompt = "replay:SCENARIO …")
--   sim                  options of the simulator's start (gentask.sim's start: { jwt = true } for a
--                        provider whose auth signs tokens, checked with the simulator's test secret,
--                        whose file is sim.secret_file), or nil
--   client               extra client options (a secret file), a function(sim, dir) → table, or nil;
--                        dir: the case's own temporary directory (made; removed after the case)
--   success              { files = N (1), check = function(result, task, replay) }
--   failed, moderated    the error table's expected fields ({ kind =, code =, stage =, … }); nil
--                        where the documentation shows no such answer (say so in the file)
--   rate_limited         true: a 429 first, then the same body taken, paid once; or { requests = N }
--                        where the refusal comes under another status (MiniMax V1's code under
--                        HTTP 200): the flow's request count, the refusal's included, shows it
--   auth                 { client = {…}|function(sim, dir), kind =, code =, status = }: a refused key
--   cancel               { confirmed = true|false } where cancel is documented, else nil
--   keyed                true: the provider's downloads carry the key; scenario "elsewhere" points
--                        a result at {elsewhere} (another origin) and the key must not go there
--   cli                  { model =, args = } for `gentask run --sim -p NAME`, or nil (model above)
--   webhook              where the provider documents webhooks, nil elsewhere:
--                          { signed = true, secret = true|nil, keys = true|nil, replayed = true|nil }
--                        for a signed provider: scenario "webhook" (the submit's exchange pushes a
--                        delivery signed with "sign"; polls are slowed so the delivery decides: it
--                        ends the task itself, or, where it is news only (fal, Ideogram), makes it
--                        poll its end at once) and "webhook_stale" (the same with "age_s"); secret: the
--                        client's webhook_secret is the simulator's (SECRET below, handed to it as
--                        GENTASK_SIM_WEBHOOK_SECRET); keys: its webhook_keys_url is the simulator's
--                        JWKS (ed25519); replayed: the scheme has ids, a second delivery is refused.
--                        { signed = false }: an unsigned provider; scenario "webhook" pushes a
--                        delivery and its polls reach the end: the delivery only makes it poll.
local gentask = require "gentask"
local Sim = require "support.sim"
local webhook_receiver = require "support.webhook_receiver"
local host = require "support.host"
local cli = require "support.cli"
local built_in = require "gentask.cli.providers".built_in

local PNG = "\137PNG\r\n\26\n"
-- the simulator's webhook secret (Standard Webhooks' whsec_ and base64; t_v1 takes its bytes)
local SECRET = "whsec_cmVwbGF5ZWQgcHJvdmlkZXJzJyBzZWNyZXQ="

local function replayed_providers()
  local is_built_in = {}
  for _, name in ipairs(built_in) do is_built_in[name] = true end
  local names = {}
  local pipe = assert(io.popen "ls replay")
  for file in pipe:lines() do
    local name = file:match "^([%w_]+)%.json$"
    if name and is_built_in[name] then names[#names + 1] = name end
  end
  pipe:close()
  return names
end



local function expect_fields(expected, err)
  assert.is_table(err, "the task ended without an error")
  for field, value in pairs(expected) do
    if field ~= "client" then assert.equal(value, err[field], field .. " of " .. tostring(err)) end
  end
  assert.is_nil(tostring(err):find(Sim.key, 1, true), "the key is in the error")
  assert.is_nil(tostring(err):find(Sim.jwt_secret, 1, true), "the secret is in the error")
end

for _, name in ipairs(replayed_providers()) do
  local case = require("replay." .. name)

  describe(name .. "'s documented flow, replayed", function()
    local sim, client, dir

    local function options(extra)
      local o = { download = { dir = dir } }
      local own = type(case.client) == "function" and case.client(sim, dir) or case.client or {}
      for k, v in pairs(own) do o[k] = v end
      local more = type(extra) == "function" and extra(sim, dir) or extra or {}
      for k, v in pairs(more) do o[k] = v end
      return o
    end

    local function submit(scenario, on)
      local params = { prompt = ("replay:%s a %s fox"):format(scenario, name) }
      for k, v in pairs(case.params or {}) do params[k] = v end
      return (on or client):submit(case.model, params)
    end

    local secret_file
    setup(function()
      secret_file = host.temp_path()
      local f = assert(io.open(secret_file, "w"))
      f:write(SECRET, "\n")
      f:close()
      os.execute("chmod 600 " .. host.quote(secret_file))
      sim = Sim.start(nil, { GENTASK_SIM_WEBHOOK_SECRET = secret_file }, case.sim)
    end)
    teardown(function()
      sim:stop()
      os.remove(secret_file)
    end)
    before_each(function()
      sim:reset()
      dir = host.temp_path()
      assert(host.sh("mkdir -m 700 " .. host.quote(dir)))
      client = sim:client(name, options())
    end)
    after_each(function()
      client:close()
      os.execute("rm -rf " .. host.quote(dir))
    end)

    it("succeeds and downloads its result", function()
      local task = submit "success"
      local result = assert(task:wait())
      assert.equal("succeeded", task.state)
      local files = case.success and case.success.files or 1
      assert.equal(files, #(result.files or {}), result.download_errors and tostring(result.download_errors[1]))
      for _, file in ipairs(result.files or {}) do assert.equal(PNG, host.read(file.path):sub(1, 8)) end
      local replay = sim:replay_matched()
      assert.equal(1, replay.tasks)
      assert.equal(0, replay.auth_refused)
      if case.success and case.success.check then case.success.check(result, task, replay) end
    end)

    if case.failed then
      it("ends a failed task with the documented failure", function()
        local _, err = submit("failed"):result()
        expect_fields(case.failed, err)
        sim:replay_matched()
      end)
    end

    if case.moderated then
      it("reads a moderated task as moderated", function()
        local _, err = submit("moderated"):result()
        expect_fields(case.moderated, err)
        assert.equal("moderated", err.kind)
        sim:replay_matched()
      end)
    end

    it("waits out a 429 and sends the same submit again, paying once", function()
      local task = submit "rate_limited"
      task:wait()
      assert.equal("succeeded", task.state)
      local replay = sim:replay_matched()
      local limited = type(case.rate_limited) == "table" and case.rate_limited or {}
      if limited.requests then assert.equal(limited.requests, replay.requests)
      else assert.equal(1, replay.by_status["429"]) end
      assert.equal(1, replay.tasks)
    end)

    it("refuses a wrong key with the documented answer, nothing submitted", function()
      local wrong = sim:client(name, options(case.auth.client or { api_key = "wrong-key-for-replay-0000" }))
      local _, err = submit("success", wrong):result()
      wrong:close()
      expect_fields(case.auth, err)
      assert.equal("no", err.submitted)
      local replay = sim:replay_matched()
      assert.equal(1, replay.auth_refused)
      assert.equal(0, replay.tasks)
    end)

    if case.cancel then
      it("cancels with the documented request", function()
        local task = Sim.accepted(submit "cancel")
        task:cancel()
        local result, err = task:result()
        assert.is_nil(result)
        assert.equal("cancelled", err.kind)
        assert.equal(case.cancel.confirmed ~= false, task.cancel_confirmed == true)
        sim:replay_matched()
      end)
    end

    if case.keyed then
      it("sends the key with its own downloads and never to a result URL on another origin", function()
        local task = submit "elsewhere"
        local result = assert(task:wait())
        assert.equal("succeeded", task.state)
        assert.truthy(result.url:find("^http://localhost:%d+/"), result.url)
        assert.equal(0, #(result.files or {}))
        local failure = tostring(result.download_errors[1])
        assert.is_nil(failure:find(Sim.key, 1, true))
        local replay = sim:replay_matched()
        -- the download reached the simulator's other origin without the key: refused there
        assert.equal(1, replay.auth_refused)
      end)
    end

    local hook = case.webhook
    if hook then
      -- a client that asks for webhooks at a receiver of the spec's, and the delivery the
      -- simulator pushed for a task of scenario
      local function hooked(hooks)
        local opts = { webhook_url = hooks.url, webhook_poll_factor = 1000 }
        if hook.secret then opts.webhook_secret = SECRET end
        if hook.keys then opts.webhook_keys_url = sim.admin_url .. "/_sim/jwks.json" end
        return sim:client(name, options(opts))
      end
      local function delivered(on, hooks, scenario)
        local task = Sim.accepted(submit(scenario, on))
        return task, hooks.next()
      end
      -- keys are fetched by the engine once the client is made: a delivery before then waits
      local function handed(on, delivery)
        local ok, err
        for _ = 1, 500 do
          ok, err = on:webhook { headers = delivery.headers, body = delivery.body }
          if ok or err.code ~= "webhook_keys_unavailable" then break end
          gentask.sleep(0.01)
        end
        return ok, err
      end
      local function refused(code, ok, err)
        assert.is_nil(ok, "the delivery was taken")
        assert.equal(code, err.code, tostring(err))
        assert.equal("webhook", err.phase)
        assert.is_nil(tostring(err):find(SECRET:sub(7), 1, true), "the secret is in the error")
      end

      if hook.signed then
        it("takes a signed delivery, which ends the task; refuses it forged, replayed and oversized", function()
          local hooks = webhook_receiver()
          local on = hooked(hooks)
          local task, delivery = delivered(on, hooks, "webhook")
          -- one more member: the bytes change whatever the provider's body says (no state word
          -- is common to all of them)
          local forged = delivery.body:gsub("{", '{"forged": true, ', 1)
          assert.not_equal(delivery.body, forged)
          refused("webhook_signature_invalid", handed(on, { headers = delivery.headers, body = forged }))
          local over = delivery.body .. (" "):rep(gentask.webhook_max_body + 1 - #delivery.body)
          refused("webhook_body_too_large", handed(on, { headers = delivery.headers, body = over }))
          assert.is_false(task.done)
          local taken = assert(handed(on, delivery))
          assert.is_true(taken.verified)
          assert.equal(task, taken.task)
          assert(task:wait())
          assert.equal("succeeded", task.state)
          if hook.replayed then refused("webhook_replayed", handed(on, delivery)) end
          on:close()
          hooks.close()
          sim:replay_matched()
        end)

        it("refuses a stale delivery: signed long ago", function()
          local hooks = webhook_receiver()
          local on = hooked(hooks)
          local task, delivery = delivered(on, hooks, "webhook_stale")
          refused("webhook_stale", handed(on, delivery))
          assert.is_false(task.done)
          task:cancel()
          on:close()
          hooks.close()
          sim:replay_matched()
        end)
      else
        it("takes an unsigned delivery as news only: the task polls to its end", function()
          local hooks = webhook_receiver()
          local on = hooked(hooks)
          local task, delivery = delivered(on, hooks, "webhook")
          local taken = assert(handed(on, delivery))
          assert.is_false(taken.verified)
          assert(task:wait())
          assert.equal("succeeded", task.state)
          on:close()
          hooks.close()
          sim:replay_matched()
        end)
      end
    end

    it("runs as `gentask run --sim -p " .. name .. "`", function()
      local run = case.cli or {}
      local out, err, status = cli.run(("run --sim -p %s -m %s %s 'a replayed fox' -o %s"):format(name,
        cli.quote(run.model or case.model), run.args or "", cli.quote(dir .. "/out")))
      assert.equal(0, status, err)
      local path = out:match "^(%S+)\n$"
      assert.truthy(path, out)
      assert.equal(PNG, (cli.read(path) or ""):sub(1, 8))
      assert.is_nil((out .. err):find(Sim.key, 1, true))
      assert.is_nil((out .. err):find(Sim.jwt_secret, 1, true))
    end)
  end)
end
