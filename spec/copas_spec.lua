-- copas: wait() inside copas threads yields to copas, whose select watches the engine's one wake
-- fd next to its own sockets, so a copas server keeps answering while tasks are in flight.
local Sim = require "support.sim"

local have_copas, copas = pcall(require, "copas")

describe("copas (gentask.loop.copas)", function()
  if not have_copas then
    pending("copas is not installed for " .. _VERSION .. " (Debian's lua-copas, installed by make deps, "
      .. "is built for Lua 5.1/LuaJIT and 5.2 only)")
    return
  end
  local socket = require "socket"
  local adapter = require "gentask.loop.copas"
  local sim
  setup(function() sim = Sim.start "--duration-ms 500" end)
  teardown(function()
    adapter.stop()
    sim:stop()
  end)

  -- A copas echo server and a copas client thread that keeps talking to it until stop().
  local function echo_traffic()
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, port = server:getsockname()
    copas.addserver(server, function(conn)
      conn = copas.wrap(conn)
      repeat
        local line = conn:receive()
        if line then conn:send(line .. "\n") end
      until not line
    end)
    local traffic = { round_trips = 0, stop = false }
    copas.addthread(function()
      local raw = assert(socket.connect("127.0.0.1", port))
      raw:settimeout(0)
      local conn = copas.wrap(raw)
      while not traffic.stop do
        conn:send("ping\n")
        conn:receive()
        traffic.round_trips = traffic.round_trips + 1
        traffic[#traffic + 1] = socket.gettime()
      end
      raw:close()
      server:close()
    end)
    return traffic
  end

  it("runs 20 tasks in copas threads while a copas server keeps answering, and fires callbacks", function()
    adapter.start()
    local fox = sim:foxapi()
    local traffic = echo_traffic()
    local results, called, waiting = {}, nil, 20
    local started = socket.gettime()
    for i = 1, 20 do
      copas.addthread(function()
        results[i] = { fox:submit("flux-dev", { prompt = "copas " .. i }):result() }
        waiting = waiting - 1
      end)
    end
    -- nobody waits for this one: the adapter's driver thread fires its callback
    fox:submit("flux-dev", { prompt = "callback" }):on("done", function(result, err) called = result or err end)
    local guard = socket.gettime() + 30
    while (waiting > 0 or not called) and socket.gettime() < guard do copas.step(1) end
    local ended = socket.gettime()
    traffic.stop = true
    for _ = 1, 10 do copas.step(0) end
    for i = 1, 20 do assert.truthy(results[i] and results[i][1], tostring(results[i] and results[i][2])) end
    assert.truthy(called and called.url, "callback: " .. tostring(called))
    -- the server answered all through the half second of generation: no gap of 100 ms
    local last = started
    for i = 1, #traffic do
      if traffic[i] > ended then break end
      assert.is_true(traffic[i] - last < 0.1, "the echo server paused " .. (traffic[i] - last) .. " s")
      last = traffic[i]
    end
    assert.is_true(ended - last < 0.1)
    assert.equal(21, sim:stats().max_in_flight)
  end)

  it("idle waiting wakes on events, not in a spin", function()
    adapter.start()
    local fox = sim:foxapi()
    local result, err
    copas.addthread(function() result, err = fox:submit("flux-dev", { prompt = "alone" }):result() end)
    local wakeups = adapter.wakeups
    local guard = socket.gettime() + 30
    while result == nil and err == nil and socket.gettime() < guard do copas.step(1) end
    assert.truthy(result, tostring(err))
    -- 0.5 s of generation polled every 0.05–0.1 s: a few dozen events, where a spin makes thousands
    assert.is_true(adapter.wakeups - wakeups < 200, "wake-ups: " .. (adapter.wakeups - wakeups))
  end)
end)
