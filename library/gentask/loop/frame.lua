---@meta gentask.loop.frame
-- gentask.loop.frame: hosts that call Lua once per frame (LÖVE, game engines).

---@class gentask.loop.frame
local frame = {}

---One non-blocking round: call it once per frame.
function frame.update() end

return frame
