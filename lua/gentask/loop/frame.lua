--- gentask inside a host that calls Lua once per frame (LÖVE, game engines and mods).
-- Nothing waits: the host calls update() every frame. update() advances every task (reads what
-- arrived, sends what is due) and fires callbacks, then returns at once. With nothing due it
-- costs one call into the core: no system call, no garbage. Inside gentask.spawn coroutines,
-- wait() yields until a later frame; outside one it would block the frame, so callbacks
-- (task:on) are the way in from per-frame code.
-- @module gentask.loop.frame
-- @usage
-- local frame = require "gentask.loop.frame"
-- function love.update(dt) frame.update() end
-- fox:submit("flux-dev", { prompt = "a red fox" }):on("done", function(result, err) end)
local scheduler = require "gentask.scheduler"

local frame = {}

--- One non-blocking round: call it once per frame.
-- @function update
frame.update = scheduler.update

return frame
