-- gentask.loop.plain — the blocking host: gentask owns the thread while it waits, and idles in
-- poll(2) over the engine's sockets until the next socket event or timer (never a busy loop).

local plain = {}

function plain.idle(engine, seconds)
  engine:step(seconds)
end

return plain
